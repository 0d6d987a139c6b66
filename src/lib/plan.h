/* SPDX-License-Identifier: MIT */
#ifndef VRF_PLAN_H
#define VRF_PLAN_H

/*
 * Planning is pure: observed kernel state + the config in, a list of steps
 * out. Only netlink.c observes and executes. Every step knows its inverse, so
 * a failed apply is undone by running the inverses of the done steps in
 * reverse order.
 */

#include <stdio.h>

#include "log.h"
#include "model.h"
#include "pending.h"

/* ---- observed state --------------------------------------------------- */

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
	/* Built by vrf_state_index(): links sorted by ifindex, and by name here,
	 * so lookups stay cheap with thousands of links. NULL: scan instead. */
	struct vrf_obs_link **by_name;
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

/* ---- steps ------------------------------------------------------------ */

enum vrf_step_op {
	VRF_STEP_RULE_ADD,
	VRF_STEP_RULE_DEL,
	VRF_STEP_LINK_ADD,           /* a VRF device in vrfctl's link group */
	VRF_STEP_LINK_DEL,
	VRF_STEP_LINK_UP,
	VRF_STEP_LINK_DOWN,
	VRF_STEP_LINK_MASTER,        /* master "" releases */
	VRF_STEP_ROUTE_ADD,
	VRF_STEP_ROUTE_DEL,
	VRF_STEP_SYSCTL,
	VRF_STEP_CGROUP_PREPARE,     /* vrf-exec's cgroup for a VRF */
	VRF_STEP_CGROUP_REMOVE,
};

struct vrf_step {
	enum vrf_step_op op;
	char vrf[IFNAMSIZ];          /* the VRF the step serves, "" for global ones */
	union {
		struct vrf_rule rule;
		struct {
			char name[IFNAMSIZ];
			uint32_t table;
			uint32_t group;
			/* LINK_DEL: when not 0, the plan deletes every device of the
			 * group, this many, so one request by group may do it. */
			uint32_t group_size;
			/* LINK_DEL: the device was up; LINK_ADD: make it up (a
			 * deletion's undo, so a rollback brings the VRF back as it was). */
			bool up;
		} link;
		struct {
			char dev[IFNAMSIZ];
			char master[IFNAMSIZ];
			char old_master[IFNAMSIZ];
		} master;
		struct vrf_route route;
		struct {
			enum vrf_sysctl_id id;
			int value;
			int old;
		} sysctl;
	} u;
};

struct vrf_plan {
	struct vrf_step *steps;
	size_t n_steps;
	size_t cap;
	/* What the config names that does not exist yet: left out of the
	 * steps (a member, a route), or planned all the same (a bridge's
	 * rules, which name it and work once it comes). */
	struct vrf_pending_list pending;
};

void vrf_plan_free(struct vrf_plan *plan);
int vrf_plan_push(struct vrf_plan *plan, const struct vrf_step *step);
/* The step that undoes step. */
struct vrf_step vrf_step_inverse(const struct vrf_step *step);

/* What the planner may do beyond the config itself. */
struct vrf_plan_opts {
	const char *const *only;     /* limit to these VRFs (apply VRF...), NULL: all */
	size_t n_only;
	uint32_t link_group;         /* vrfctl's VRFs carry this group */
	bool force;                  /* override the lockout guard */
};

/*
 * Plan the steps that make the kernel match cfg. Auto tables are resolved
 * into cfg (the one field the planner writes). Problems that no step can fix
 * (a name taken by a non-VRF device, a table another VRF uses, a member
 * that is another device's port, the lockout guard) are reported through
 * log, every one of them, and the result is -EINVAL with an empty plan. A
 * member, bridge or route device that does not exist is not a problem: it
 * goes onto plan->pending, reported once as a warning at its file:line
 * (with a did-you-mean among the devices that do exist), and everything
 * else is planned; a later plan, once it exists, completes it.
 */
int vrf_plan_apply(struct vrf_config *cfg, const struct vrf_state *state,
		   const struct vrf_plan_opts *opts, struct vrf_plan *plan,
		   const struct vrf_log *log);

/*
 * Plan the removal of what vrfctl made for the named VRFs (all == true: every
 * VRF in vrfctl's link group, its routes anywhere, and the ip rules, restored
 * to the kernel's defaults).
 */
int vrf_plan_down(const struct vrf_config *cfg, const struct vrf_state *state,
		  const char *const *names, size_t n_names, bool all,
		  const struct vrf_plan_opts *opts, struct vrf_plan *plan,
		  const struct vrf_log *log);

/*
 * Plan only the ip rules' restoration (`down --rules [VRF...]`): what the
 * ifupdown hook runs when the last VRF goes. The VRF driver's l3mdev rule
 * stays while any VRF device does, but those in opts->only, which are going.
 */
int vrf_plan_rules_down(const struct vrf_config *cfg, const struct vrf_state *state,
			const struct vrf_plan_opts *opts, struct vrf_plan *plan,
			const struct vrf_log *log);

/* A rule or route as `ip` prints its arguments: "pref 1000 l3mdev protocol 2". */
int vrf_rule_format(const struct vrf_rule *rule, char *buf, size_t size);
int vrf_route_format(const struct vrf_route *route, char *buf, size_t size);

/* One step as the `ip` command a person would type (or a sysctl line). */
int vrf_step_render(const struct vrf_step *step, char *buf, size_t size);
/* Every step, one per line, to out. */
void vrf_plan_write(const struct vrf_plan *plan, FILE *out);

#endif
