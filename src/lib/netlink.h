/* SPDX-License-Identifier: MIT */
#ifndef VRF_NETLINK_H
#define VRF_NETLINK_H

/*
 * All kernel access for links, rules and routes goes through these calls,
 * and this is the only file that includes libnl. Errors are -errno.
 */

#include "log.h"
#include "plan.h"

struct vrf_nl;

int vrf_nl_open(struct vrf_nl **nl);
void vrf_nl_close(struct vrf_nl *nl);

/* Fill links, rules, routes (every table but local) and addresses. */
int vrf_nl_observe(struct vrf_nl *nl, struct vrf_state *state);

/*
 * Carry out one link, rule or route step. 1: done; 0: the kernel already
 * had it that way (nothing to undo); -errno on failure.
 */
int vrf_nl_step(struct vrf_nl *nl, const struct vrf_step *step);

/*
 * Carry out n link, rule or route steps that do not depend on each other
 * (a run of VRF creations, of route additions...) with as few round trips as
 * the socket allows; results[i] is what vrf_nl_step would have returned for
 * steps[i]. Returns -errno only when the socket itself failed (then results
 * past the failure are unknown and left at 0).
 */
int vrf_nl_steps(struct vrf_nl *nl, const struct vrf_step *steps, size_t n, int *results);

#endif
