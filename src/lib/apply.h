/* SPDX-License-Identifier: MIT */
#ifndef VRF_APPLY_H
#define VRF_APPLY_H

#include "log.h"
#include "observe.h"
#include "plan.h"
#include "rtnl.h"

struct vrf_apply_opts {
	/*
	 * Test hook: make step number fail_at (0-based) fail with EIO as if the
	 * kernel had refused it; -1 for none. The fault tests use it to prove
	 * that every step's failure is rolled back to the state before.
	 */
	long fail_at;
	/*
	 * Run after the last step, as part of the same apply: when it fails, every
	 * step is rolled back too. vrfctl loads its nftables table here, so the
	 * netlink changes and the table land together or not at all.
	 */
	int (*finish)(void *data);
	void *finish_data;
	const char *finish_what;     /* for the error: "load table inet vrfctl" */
};

/*
 * Run the plan's steps in order. When one fails, the steps already done are
 * undone in reverse order, the failure is reported with the step that caused
 * it, and its -errno is returned.
 */
int vrf_plan_execute(struct vrf_rtnl *rt, const struct vrf_plan *plan,
		     const struct vrf_apply_opts *opts, const struct vrf_log *log);

/*
 * Take the exclusive lock in dir (created if missing) so that two vrfctl
 * processes never change the kernel at once. *fd holds it until closed.
 */
int vrf_lock_acquire(const char *dir, int *fd, const struct vrf_log *log);

/*
 * The same lock, only if its file is there already and nobody holds it:
 * creates nothing and reports nothing. 0, or a negative errno.
 */
int vrf_lock_try(const char *dir, int *fd);

#endif
