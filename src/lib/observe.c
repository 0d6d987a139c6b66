/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "apply.h"
#include "bind.h"

/* Each value the planner compares; -1 when the file is missing. */
static void observe_sysctls(struct vrf_state *st)
{
	for (int id = 0; id < VRF_SYSCTL_COUNT; id++) {
		FILE *f = fopen(vrf_sysctl_path((enum vrf_sysctl_id)id), "re");
		int value = -1;

		if (f) {
			if (fscanf(f, "%d", &value) != 1)
				value = -1;
			fclose(f);
		}
		st->sysctl[id] = value;
	}
}

/* /proc/net/tcp prints addresses as the kernel holds them, in host order words. */
static int parse_proc_addr(const char *hex, int family, union vrf_addr *out)
{
	size_t words = family == AF_INET6 ? 4 : 1;

	if (strlen(hex) != words * 8)
		return -EINVAL;
	for (size_t w = 0; w < words; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(out->bytes + w * 4, &v, 4);
	}
	return 0;
}

/* a.b.c.d of ::ffff:a.b.c.d (the remote of a mapped local is mapped too). */
static struct in_addr v4_of_mapped(const union vrf_addr *a)
{
	struct in_addr v4;

	memcpy(&v4, a->bytes + 12, sizeof(v4));
	return v4;
}

struct tcp_sock {
	int family;
	union vrf_addr local, remote;
	unsigned local_port, remote_port, state;
};

#define TCP_ESTABLISHED 1
#define TCP_LISTEN 10

static int read_tcp_table(const char *path, int family, struct tcp_sock **socks, size_t *n)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return 0;   /* no IPv6, say: nothing to protect there */
	while (fgets(line, sizeof(line), f)) {
		char la[40], ra[40];
		struct tcp_sock s = { .family = family }, *grown;

		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", la, &s.local_port,
			   ra, &s.remote_port, &s.state) != 5)
			continue;
		if (parse_proc_addr(la, family, &s.local) < 0 ||
		    parse_proc_addr(ra, family, &s.remote) < 0)
			continue;
		/* An IPv4 client of a dual-stack [::] listener is listed here as
		 * ::ffff:a.b.c.d: it arrives on the link's IPv4 address. */
		if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s.local.v6))
			s = (struct tcp_sock){
				.family = AF_INET, .local.v4 = v4_of_mapped(&s.local),
				.remote.v4 = v4_of_mapped(&s.remote), .local_port = s.local_port,
				.remote_port = s.remote_port, .state = s.state,
			};
		grown = realloc(*socks, (*n + 1) * sizeof(**socks));
		if (!grown) {
			fclose(f);
			return -ENOMEM;
		}
		*socks = grown;
		(*socks)[(*n)++] = s;
	}
	fclose(f);
	return 0;
}

/*
 * Established connections whose local port is a listening one: someone came
 * in (an SSH session), and enslaving their link would cut them off.
 */
int vrf_state_observe_tcp(struct vrf_state *st, const char *tcp, const char *tcp6)
{
	struct tcp_sock *socks = NULL;
	size_t n = 0;
	int r = read_tcp_table(tcp, AF_INET, &socks, &n);

	if (r >= 0)
		r = read_tcp_table(tcp6, AF_INET6, &socks, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		bool listening = false;
		struct vrf_obs_conn *c, *grown;

		if (socks[i].state != TCP_ESTABLISHED)
			continue;
		for (size_t j = 0; j < n; j++)
			listening |= socks[j].state == TCP_LISTEN &&
				     socks[j].local_port == socks[i].local_port;
		if (!listening)
			continue;
		grown = realloc(st->conns, (st->n_conns + 1) * sizeof(*grown));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		st->conns = grown;
		c = &st->conns[st->n_conns++];
		*c = (struct vrf_obs_conn){
			.family = socks[i].family, .local = socks[i].local,
			.local_port = (uint16_t)socks[i].local_port, .remote = socks[i].remote,
			.remote_port = (uint16_t)socks[i].remote_port,
		};
	}
	free(socks);
	return r;
}

int vrf_state_observe(struct vrf_nl *nl, struct vrf_state *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	r = vrf_nl_observe(nl, st);
	if (r >= 0)
		r = vrf_state_observe_tcp(st, "/proc/net/tcp", "/proc/net/tcp6");
	if (r >= 0)
		r = vrf_bind_cgroup_observe(st);
	observe_sysctls(st);
	if (r < 0)
		vrf_state_free(st);
	return r;
}
