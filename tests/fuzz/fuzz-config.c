/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the config parser: each input is one config file,
 * loaded through the same path vrfctl reads /etc/vrfctl.conf by (a memfd
 * named by /proc/self/fd, so no file touches the disk), then written as
 * JSON when it parses. Built by `make fuzz` with clang; seeded with
 * tests/fixtures/good and bad. What it looks for: crashes, leaks and
 * undefined behaviour (ASan, UBSan), never the messages' text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touch each message, so that a bad format or an unterminated one shows. */
static void consume(void *data, int priority, const char *msg)
{
	size_t *total = data;

	(void)priority;
	*total += strlen(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrf_config cfg = { 0 };
	size_t total = 0;
	struct vrf_log log = { .fn = consume, .data = &total };
	char path[64];
	int fd = memfd_create("fuzz-config", MFD_CLOEXEC);
	FILE *out;

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (vrf_config_load(&cfg, path, &log) == 0) {
		out = fopen("/dev/null", "we");
		if (out) {
			(void)vrf_config_write_json(&cfg, out);
			fclose(out);
		}
	}
	vrf_config_free(&cfg);
	close(fd);
	return 0;
}
