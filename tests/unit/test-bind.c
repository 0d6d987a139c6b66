/* SPDX-License-Identifier: MIT */
/*
 * What the sockopt shim can reach: a dynamic program yes; a static one, a
 * script run by a static interpreter, a setuid program no. Built from files
 * made here (a copy of this test, which is dynamic, and the static probe).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "bind.h"

static char dir[] = "/tmp/test-bind-XXXXXX";
static char self[4096];

static void log_nothing(void *data, int priority, const char *msg)
{
	(void)data;
	(void)priority;
	(void)msg;
}

static const struct vrf_log quiet = { .fn = log_nothing };

static void write_file(const char *name, const char *text, mode_t mode, char *path)
{
	FILE *f;

	snprintf(path, 4096, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void dynamic_program_is_reachable(void **state)
{
	(void)state;
	assert_int_equal(vrf_bind_sockopt_check(self, &quiet), 0);
}

static void static_program_is_refused(void **state)
{
	(void)state;
	assert_int_equal(vrf_bind_sockopt_check(STATIC_PROBE, &quiet), -ENOEXEC);
}

static void script_follows_its_interpreter(void **state)
{
	char script[4096], inner[4096], text[4200];

	(void)state;
	snprintf(text, sizeof(text), "#! %s tcp\n", STATIC_PROBE);
	write_file("static.sh", text, 0755, script);
	assert_int_equal(vrf_bind_sockopt_check(script, &quiet), -ENOEXEC);
	/* Two levels: a script whose interpreter is a script run by it. */
	snprintf(text, sizeof(text), "#!%s\n", script);
	write_file("outer.sh", text, 0755, inner);
	assert_int_equal(vrf_bind_sockopt_check(inner, &quiet), -ENOEXEC);
	snprintf(text, sizeof(text), "#!%s -x\n", self);
	write_file("dynamic.sh", text, 0755, script);
	assert_int_equal(vrf_bind_sockopt_check(script, &quiet), 0);
	write_file("plain", "echo hi\n", 0755, script);   /* no #!: the shell's */
	assert_int_equal(vrf_bind_sockopt_check(script, &quiet), 0);
}

static void setuid_and_setgid_are_refused(void **state)
{
	char path[4096], cmd[8300];

	(void)state;
	snprintf(path, sizeof(path), "%s/suid", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", self, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(path, 04755), 0);
	assert_int_equal(vrf_bind_sockopt_check(path, &quiet), -EPERM);
	assert_int_equal(chmod(path, 02755), 0);
	assert_int_equal(vrf_bind_sockopt_check(path, &quiet), -EPERM);
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(vrf_bind_sockopt_check(path, &quiet), 0);
}

static void truncated_elf_is_not_static(void **state)
{
	char path[4096];

	(void)state;
	/* ELF magic, then nothing: cannot tell, and the kernel will refuse it. */
	write_file("short", "\177ELF\002\001\001", 0755, path);
	assert_int_not_equal(vrf_bind_sockopt_check(path, &quiet), -ENOEXEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dynamic_program_is_reachable),
		cmocka_unit_test(static_program_is_refused),
		cmocka_unit_test(script_follows_its_interpreter),
		cmocka_unit_test(setuid_and_setgid_are_refused),
		cmocka_unit_test(truncated_elf_is_not_static),
	};
	char cmd[4200];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int r;

	if (n < 0 || !mkdtemp(dir))
		return 99;
	self[n] = '\0';
	r = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		r = 99;
	return r;
}
