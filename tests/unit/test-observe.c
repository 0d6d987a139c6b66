/* SPDX-License-Identifier: MIT */
/*
 * The inbound TCP connections the lockout guard protects, read from tables
 * in the format of /proc/net/tcp and tcp6 written here. The kernel prints
 * each 32-bit word of an address in host order: these are a little-endian
 * host's (x86, where the tests run).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "apply.h"

#define HEADER "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt" \
	"   uid  timeout inode\n"
/* The fields after the state, the same on every line. */
#define REST " 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n"

static char dir[] = "/tmp/test-observe-XXXXXX";
static char tcp[64], tcp6[64];

static void write_table(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void assert_conn(const struct vrf_obs_conn *c, int family, const char *local,
			unsigned local_port, const char *remote, unsigned remote_port)
{
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	assert_int_equal(c->family, family);
	assert_string_equal(vrf_addr_format(c->family, &c->local, la), local);
	assert_int_equal(c->local_port, local_port);
	assert_string_equal(vrf_addr_format(c->family, &c->remote, ra), remote);
	assert_int_equal(c->remote_port, remote_port);
}

/*
 * sshd on 0.0.0.0:22 with a client; sshd on [::]:2222 (dual-stack) with an
 * IPv4 client, listed as ::ffff:10.20.30.9, and an IPv6 one; an outbound
 * connection from a port nothing listens on.
 */
static void dual_stack_ipv4_client_is_ipv4(void **state)
{
	struct vrf_state st = { 0 };

	(void)state;
	write_table(tcp, HEADER
		"   0: 00000000:0016 00000000:0000 0A" REST
		"   1: 281E140A:0016 091E140A:C350 01" REST
		"   2: 281E140A:9C40 0A1E140A:0050 01" REST);
	write_table(tcp6, HEADER
		"   0: 00000000000000000000000000000000:08AE "
		"00000000000000000000000000000000:0000 0A" REST
		"   1: 0000000000000000FFFF0000281E140A:08AE "
		"0000000000000000FFFF0000091E140A:C351 01" REST
		"   2: 000080FE00000000000000000100000A:08AE "
		"000080FE00000000000000000900000A:C352 01" REST);
	assert_int_equal(vrf_state_observe_tcp(&st, tcp, tcp6), 0);
	assert_int_equal(st.n_conns, 3);
	assert_conn(&st.conns[0], AF_INET, "10.20.30.40", 22, "10.20.30.9", 50000);
	assert_conn(&st.conns[1], AF_INET, "10.20.30.40", 2222, "10.20.30.9", 50001);
	assert_conn(&st.conns[2], AF_INET6, "fe80::a00:1", 2222, "fe80::a00:9", 50002);
	vrf_state_free(&st);
}

/* A host without IPv6 has no tcp6: nothing to protect there, not an error. */
static void missing_table_is_empty(void **state)
{
	struct vrf_state st = { 0 };

	(void)state;
	write_table(tcp, HEADER);
	assert_int_equal(vrf_state_observe_tcp(&st, tcp, "/nonexistent/tcp6"), 0);
	assert_int_equal(st.n_conns, 0);
	vrf_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dual_stack_ipv4_client_is_ipv4),
		cmocka_unit_test(missing_table_is_empty),
	};
	int failed;

	if (!mkdtemp(dir))
		return 1;
	snprintf(tcp, sizeof(tcp), "%s/tcp", dir);
	snprintf(tcp6, sizeof(tcp6), "%s/tcp6", dir);
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(tcp);
	unlink(tcp6);
	rmdir(dir);
	return failed;
}
