/* SPDX-License-Identifier: MIT */
#ifndef VRF_OBSERVE_H
#define VRF_OBSERVE_H
/*
 * Every read of the kernel's state, in observe.c: links, rules, routes and
 * addresses (rtnetlink dumps), the l3mdev sysctls, inbound TCP connections
 * (/proc/net/tcp), vrf-exec's cgroups (through bind.c, which writes and so
 * reads their record), and the questions vrf-exec asks before each launch.
 * What the planner compares with the config.
 */
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"
#include "strmap.h"

struct nlmsghdr;
struct vrf_rtnl;

struct vrf_obs_link {
	unsigned ifindex;
	char name[IFNAMSIZ];
	bool is_vrf;
	uint32_t vrf_table;          /* when is_vrf */
	unsigned master;             /* ifindex of the master, 0 for none */
	uint32_t group;              /* link group: vrfctl's VRFs carry its own */
	bool up;                     /* IFF_UP */
};

/* An ip rule, reduced to what vrfctl makes or moves. */
struct vrf_rule {
	int family;
	uint32_t pref;
	uint32_t table;              /* lookup table, 0 with l3mdev */
	bool l3mdev;
	bool unreachable;            /* action unreachable instead of lookup */
	uint8_t protocol;
	char iif[IFNAMSIZ];          /* "" for none; a VRF's bridges' rules have one */
	bool other_selectors;        /* from/to/oif/fwmark...: never one of ours */
};

struct vrf_route {
	int family;
	uint32_t table;
	struct vrf_prefix dst;       /* family set; len 0 for default */
	bool unreachable;            /* type unreachable instead of unicast */
	uint8_t protocol;
	uint32_t metric;
	bool has_via;
	union vrf_addr via;
	char dev[IFNAMSIZ];          /* "" for none */
};

/* An established inbound TCP connection: what the lockout guard protects. */
struct vrf_obs_conn {
	int family;
	union vrf_addr local;
	uint16_t local_port;
	union vrf_addr remote;
	uint16_t remote_port;
};

struct vrf_obs_addr {
	unsigned ifindex;
	int family;
	union vrf_addr addr;
};

/*
 * A VRF's vrf-exec cgroups (the top one and any nested in services): the
 * ifindex their programs bind to, the devices their egress check lets
 * packets out by (sorted), and whether those programs are all still attached.
 */
struct vrf_obs_cgroup {
	char vrf[IFNAMSIZ];
	unsigned ifindex;
	unsigned *allow;
	size_t n_allow;
	bool intact;
};

enum vrf_sysctl_id {
	VRF_SYSCTL_TCP_L3MDEV_ACCEPT,
	VRF_SYSCTL_UDP_L3MDEV_ACCEPT,
	VRF_SYSCTL_RAW_L3MDEV_ACCEPT,
	VRF_SYSCTL_COUNT,
};

struct vrf_state {
	struct vrf_obs_link *links;
	size_t n_links;
	struct vrf_rule *rules;
	size_t n_rules;
	struct vrf_route *routes;    /* main table and every VRF table */
	size_t n_routes;
	struct vrf_obs_addr *addrs;
	size_t n_addrs;
	struct vrf_obs_conn *conns;
	size_t n_conns;
	/* Built by vrf_state_index(): links sorted by ifindex, and their names
	 * mapped to their places here, so lookups stay cheap with thousands of
	 * links (the planner looks up a device for every route). Not indexed:
	 * scan instead. */
	bool indexed;
	struct vrf_strmap by_name;
	struct vrf_obs_cgroup *cgroups;
	size_t n_cgroups;
	bool cgroups_supported;      /* false: no cgroup2/BPF, no cgroup steps */
	int sysctl[VRF_SYSCTL_COUNT]; /* -1: unknown */
};

void vrf_state_free(struct vrf_state *state);
int vrf_state_index(struct vrf_state *state);
const struct vrf_obs_link *vrf_state_link_by_name(const struct vrf_state *s, const char *name);
const struct vrf_obs_link *vrf_state_link_by_index(const struct vrf_state *s, unsigned ifindex);
const char *vrf_sysctl_path(enum vrf_sysctl_id id);
const char *vrf_sysctl_name(enum vrf_sysctl_id id);

/*
 * Observe everything the planner reads into state (zeroed first; emptied
 * again on failure): rtnetlink's links, rules, routes (every table but
 * local) and addresses, the l3mdev sysctls, established inbound TCP
 * connections, prepared vrf-exec cgroups. 0 or -errno.
 */
int vrf_state_observe(struct vrf_rtnl *rt, struct vrf_state *state);

/*
 * The established inbound TCP connections of state, from tables in the
 * format of /proc/net/tcp and tcp6 (a missing file has none): a part of
 * vrf_state_observe, taking the paths so that a test can give fixtures.
 */
int vrf_state_observe_tcp(struct vrf_state *state, const char *tcp, const char *tcp6);

/*
 * The table and protocol of a route event (RTM_NEWROUTE, RTM_DELROUTE):
 * true, or false for any other message or one that does not parse. vrfctl
 * watch re-plans for the routes of its own tables and protocol, not for
 * every route the host learns.
 */
bool vrf_observe_route_event(const struct nlmsghdr *msg, uint32_t *table, uint8_t *protocol);

/* ---- vrf-exec's questions, asked before every program it starts ------- */

/*
 * The ifindex of the VRF device name, and the ifindexes of its ports
 * (*ports malloc'ed, *n of them; NULL and 0 on error; ports may be NULL when
 * only the ifindex is wanted). -ENODEV: no device of that name;
 * -EMEDIUMTYPE: a device, but not a VRF; other -errno: netlink failed.
 */
int vrf_observe_vrf(struct vrf_rtnl *rt, const char *name, unsigned **ports, size_t *n);

/*
 * The names of the VRF devices there are, "a, b" into out (truncated to
 * size; "" when there are none). 0 or -errno.
 */
int vrf_observe_vrf_names(struct vrf_rtnl *rt, char *out, size_t size);

#endif
