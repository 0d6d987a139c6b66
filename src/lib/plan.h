/* SPDX-License-Identifier: MIT */
#ifndef VRF_PLAN_H
#define VRF_PLAN_H

/*
 * Planning is pure: observed kernel state + the config in, a list of steps
 * out (observe.h says what is observed; rtnl.c carries steps out). Every step knows its inverse, so
 * a failed apply is undone by running the inverses of the done steps in
 * reverse order.
 */

#include <stdio.h>

#include "log.h"
#include "model.h"
#include "observe.h"

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
	struct vrf_step *steps;      /* grown by vrf_plan_push (array.h) */
	size_t n_steps;
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
 * (a member that does not exist, a name taken by a non-VRF device, a table
 * another VRF uses, the lockout guard) are reported through log, every one of
 * them, and the result is -EINVAL with an empty plan.
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
