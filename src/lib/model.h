/* SPDX-License-Identifier: MIT */
#ifndef VRF_MODEL_H
#define VRF_MODEL_H

/*
 * The desired state, as the config describes it. The config parser fills it,
 * the planner and the nftables builder read it; nothing here touches the
 * kernel. One owner: vrf_config_free() frees the whole tree.
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Defaults, all overridable in [global]. The three rules share priority 0,
 * in this order, ahead of every rule added later: see plan.c's rules.
 */
#define VRF_DEFAULT_PREF_L3MDEV       0u
#define VRF_DEFAULT_PREF_UNREACHABLE  0u
#define VRF_DEFAULT_PREF_LOCAL        0u
/* The highest priority one of them may have: below main's 32766. */
#define VRF_MAX_RULE_PREF             32765u
/* Where the VRF driver adds its own l3mdev rule, with the first VRF. */
#define VRF_KERNEL_L3MDEV_PREF        1000u
/* A VRF's bridges: `iif BR lookup local` here, `lookup TABLE` one above,
 * `unreachable` two above. */
#define VRF_DEFAULT_PREF_BRIDGE       1500u
#define VRF_DEFAULT_TABLE_AUTO_MIN    1001u
#define VRF_DEFAULT_TABLE_AUTO_MAX    9999u
/* Routes and rules vrfctl makes carry this protocol, so it only removes its own. */
#define VRF_DEFAULT_ROUTE_PROTOCOL    118u
/* The metric ifupdown2 uses for a VRF's catch-all unreachable default. */
#define VRF_UNREACHABLE_METRIC        4278198272u

/* Where a value came from, for errors: the file string is owned by the config. */
struct vrf_where {
	const char *file;
	unsigned line;
};

union vrf_addr {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t bytes[16];
};

/* An address with a prefix length; family is AF_INET or AF_INET6. */
struct vrf_prefix {
	int family;
	union vrf_addr addr;
	uint8_t len;
};

/*
 * A Docker object by name, resolved through the Engine API
 * (vrf_docker_resolve): a network to its bridge, a container (or the
 * containers with a label, compose's services) to its addresses.
 */
enum vrf_docker_ref_kind {
	VRF_DOCKER_NETWORK,
	VRF_DOCKER_CONTAINER,        /* allow-from = container:NAME */
	VRF_DOCKER_LABEL,            /* allow-from = label:KEY=VALUE */
};

struct vrf_docker_ref {
	enum vrf_docker_ref_kind kind;
	char *name;                  /* network or container name, or KEY=VALUE */
	struct vrf_where where;
};

struct vrf_route_def {
	struct vrf_prefix dst;
	bool has_via;
	union vrf_addr via;          /* same family as dst */
	char dev[IFNAMSIZ];          /* "" when not given */
	bool has_metric;
	uint32_t metric;
	struct vrf_where where;
};

struct vrf_def {
	char name[IFNAMSIZ];
	bool table_auto;             /* `table = auto`: chosen by the planner */
	uint32_t table;              /* 0 while auto and unresolved */
	char (*members)[IFNAMSIZ];
	size_t n_members;
	/* Bridges (Docker's) left out of the VRF, whose forwarded traffic ip
	 * rules send through its table: Docker's rules keep seeing the bridge
	 * as the input interface, which they would not if it were enslaved. */
	char (*bridges)[IFNAMSIZ];
	size_t n_bridges;
	/* `networks = NAME`: Docker networks by name, whose bridges the resolver
	 * appends to bridges (the last n_resolved_bridges of them, dropped again
	 * by the next resolution). */
	struct vrf_docker_ref *networks;
	size_t n_networks;
	size_t n_resolved_bridges;
	/* Set by the resolver when Docker could not be asked: the planner then
	 * keeps the rules of bridges routed to this VRF's table as they are. */
	bool networks_unresolved;
	struct vrf_route_def *routes;
	size_t n_routes;
	bool unreachable_default;    /* default yes */
	struct vrf_where where;
};

/* A yes/no key that may be absent: absent means "leave the kernel's value". */
enum vrf_tristate {
	VRF_UNSET = -1,
	VRF_NO = 0,
	VRF_YES = 1,
};

struct vrf_global {
	enum vrf_tristate tcp_l3mdev_accept;
	enum vrf_tristate udp_l3mdev_accept;
	enum vrf_tristate raw_l3mdev_accept;
	uint32_t pref_l3mdev;
	uint32_t pref_unreachable;
	uint32_t pref_local;
	uint32_t pref_bridge;
	uint32_t table_auto_min;
	uint32_t table_auto_max;
	uint8_t route_protocol;
};

/* `tcp 80,443,18000-18300`; n_ports == 0 means the whole protocol. */
struct vrf_port_range {
	uint16_t lo;
	uint16_t hi;
};

struct vrf_port_rule {
	uint8_t proto;               /* IPPROTO_TCP, IPPROTO_UDP, or any number */
	struct vrf_port_range *ports;
	size_t n_ports;
	struct vrf_where where;
};

struct vrf_docker {
	bool present;                /* a [docker] section was given */
	char (*bridges)[IFNAMSIZ];
	size_t n_bridges;
	struct vrf_port_rule *allow;
	size_t n_allow;
	bool isolate_containers;
	struct vrf_prefix *allow_from;
	size_t n_allow_from;
	/* `network = NAME` and `allow-from = container:NAME|label:K=V`: what the
	 * resolver appends to bridges and allow_from (the last n_resolved_* of
	 * them), as for a VRF's networks. */
	struct vrf_docker_ref *networks;
	size_t n_networks;
	struct vrf_docker_ref *allow_from_refs;
	size_t n_allow_from_refs;
	size_t n_resolved_bridges;
	size_t n_resolved_allow_from;
	struct vrf_port_rule *host_allow;
	size_t n_host_allow;
	struct vrf_where where;
};

struct vrf_config {
	struct vrf_global global;
	struct vrf_def *vrfs;
	size_t n_vrfs;
	struct vrf_docker docker;
	char **files;                /* every file read, owning the vrf_where strings */
	size_t n_files;
};

/* Fill *global with the documented defaults. */
void vrf_global_init(struct vrf_global *global);

/* The VRF called name, or NULL. */
const struct vrf_def *vrf_config_find(const struct vrf_config *cfg, const char *name);

/* Does the config name any Docker object (a network, a container, a label)? */
bool vrf_config_names_docker(const struct vrf_config *cfg);

/* Free n references and their names; NULL-safe. */
void vrf_docker_refs_free(struct vrf_docker_ref *refs, size_t n);

/* Free everything the config owns; NULL-safe; leaves *cfg zeroed. */
void vrf_config_free(struct vrf_config *cfg);

#endif
