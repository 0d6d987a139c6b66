/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "bind.h"
#include "observe.h"

static int write_sysctl(const struct vrf_step *s)
{
	FILE *f = fopen(vrf_sysctl_path(s->u.sysctl.id), "we");
	int r = 1;

	if (!f)
		return -errno;
	if (fprintf(f, "%d\n", s->u.sysctl.value) < 0)
		r = -EIO;
	if (fclose(f) != 0 && r > 0)
		r = -errno;
	return r;
}

static int run_step(struct vrf_rtnl *rt, const struct vrf_step *s, const struct vrf_log *log)
{
	switch (s->op) {
	case VRF_STEP_SYSCTL:
		return write_sysctl(s);
	case VRF_STEP_CGROUP_PREPARE: {
		/* The programs name the devices the VRF has now, after the steps before. */
		unsigned *ports;
		size_t n;
		int r = vrf_observe_vrf(rt, s->vrf, &ports, &n);

		if (r < 0)
			return r == -EMEDIUMTYPE ? -ENODEV : r;
		r = vrf_bind_cgroup_prepare(s->vrf, (unsigned)r, ports, n, log);
		free(ports);
		return r < 0 ? r : 1;
	}
	case VRF_STEP_CGROUP_REMOVE: {
		int r = vrf_bind_cgroup_remove(s->vrf, log);

		return r < 0 ? r : 1;
	}
	default:
		return vrf_rtnl_step(rt, s);
	}
}

/*
 * Link and route steps in a row (a thousand VRF creations, then their members
 * and routes) go to the kernel together, which runs them in order. A request
 * names devices by ifindex, found when it is built, so a device made in a
 * batch can only be named in a later one: creations batch only with each
 * other. Rules go one at a time: the local lookup's new rule must be in
 * before the old one is deleted, whatever happens to either.
 */
static bool batchable(enum vrf_step_op op)
{
	return op != VRF_STEP_RULE_ADD && op != VRF_STEP_RULE_DEL && op != VRF_STEP_SYSCTL &&
	       op != VRF_STEP_CGROUP_PREPARE && op != VRF_STEP_CGROUP_REMOVE;
}

static bool same_batch(enum vrf_step_op first, enum vrf_step_op op)
{
	if (first == VRF_STEP_LINK_ADD || op == VRF_STEP_LINK_ADD)
		return first == op;
	return batchable(first) && batchable(op);
}

/* Run steps [i, j) into results; the test hook's step fails without being sent. */
static int run_steps(struct vrf_rtnl *rt, const struct vrf_step *steps, size_t i, size_t j,
		     int *results, const struct vrf_log *log)
{
	if (j - i == 1 && !batchable(steps[i].op)) {
		results[i] = run_step(rt, &steps[i], log);
		return 0;
	}
	return vrf_rtnl_steps(rt, steps + i, j - i, results + i);
}

int vrf_plan_execute(struct vrf_rtnl *rt, const struct vrf_plan *plan,
		     const struct vrf_apply_opts *opts, const struct vrf_log *log)
{
	/* results[i]: 1 step i changed the kernel (undo it on failure), 0 it found the
	 * kernel already so, -errno it failed. */
	int *results = calloc(plan->n_steps + 1, sizeof(*results));
	const struct vrf_step *steps = plan->steps;
	long fail_at = opts ? opts->fail_at : -1;
	size_t i = 0, failed = plan->n_steps, n_done = 0;
	char line[512];
	int r = 0;

	if (!results)
		return -ENOMEM;
	while (i < plan->n_steps && failed == plan->n_steps) {
		size_t j = i + 1;

		if (batchable(steps[i].op))
			while (j < plan->n_steps && same_batch(steps[i].op, steps[j].op) && (long)j != fail_at)
				j++;
		for (size_t k = i; k < j; k++) {
			vrf_step_render(&steps[k], line, sizeof(line));
			vrf_info(log, "%s", line);
		}
		if ((long)i == fail_at)
			results[i] = -EIO;
		else if ((r = run_steps(rt, steps, i, j, results, log)) < 0)
			break;
		for (size_t k = i; k < j; k++) {
			n_done += results[k] > 0;
			if (results[k] < 0 && failed == plan->n_steps)
				failed = k;
		}
		i = j;
	}
	if (r >= 0 && failed == plan->n_steps && opts && opts->finish) {
		r = opts->finish(opts->finish_data);
		snprintf(line, sizeof(line), "%s", opts->finish_what ? opts->finish_what : "finish");
	} else if (r >= 0 && failed < plan->n_steps) {
		r = results[failed];
		vrf_step_render(&steps[failed], line, sizeof(line));
	} else if (r < 0) {
		snprintf(line, sizeof(line), "talking to the kernel");
	}
	if (r < 0) {
		int err = r;

		vrf_err(log, "'%s' failed: %s; rolling back %zu step%s", line, strerror(-err),
			n_done, n_done == 1 ? "" : "s");
		/* Cgroups last: their programs name the devices the VRF has once
		 * everything else is undone. A VRF this apply made is gone then, and
		 * its cgroup's programs keep naming its ifindex: nothing gets out. */
		for (int pass = 0; pass < 2; pass++)
			for (size_t k = plan->n_steps; k-- > 0;) {
				struct vrf_step inv;

				if (results[k] <= 0 || (inv = vrf_step_inverse(&steps[k]),
				    (inv.op == VRF_STEP_CGROUP_PREPARE) != (pass == 1)))
					continue;
				vrf_step_render(&inv, line, sizeof(line));
				vrf_info(log, "rollback: %s", line);
				r = run_step(rt, &inv, log);
				if (r < 0 && !(pass == 1 && r == -ENODEV))
					vrf_err(log, "rollback step '%s' failed: %s", line,
						strerror(-r));
			}
		r = err;
	}
	free(results);
	return r < 0 ? r : 0;
}

/* Opens dir/lock with flags and takes it without waiting: an fd, or -errno. */
static int lock_open(const char *dir, int flags, char *path, size_t size)
{
	int lfd, r;

	snprintf(path, size, "%s/lock", dir);
	lfd = open(path, O_RDWR | O_CLOEXEC | flags, 0644);
	if (lfd < 0)
		return -errno;
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		close(lfd);
		return r;
	}
	return lfd;
}

int vrf_lock_try(const char *dir, int *fd)
{
	char path[4096];
	int lfd = lock_open(dir, 0, path, sizeof(path));

	if (lfd < 0)
		return lfd;
	*fd = lfd;
	return 0;
}

int vrf_lock_acquire(const char *dir, int *fd, const struct vrf_log *log)
{
	char path[4096];
	int lfd, r = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		vrf_err(log, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	lfd = lock_open(dir, O_CREAT, path, sizeof(path));
	if (lfd == -EWOULDBLOCK) {
		vrf_err(log, "another vrfctl is changing the kernel (lock %s held); try again", path);
		return lfd;
	}
	if (lfd < 0) {
		vrf_err(log, "cannot lock %s: %s", path, strerror(-lfd));
		return lfd;
	}
	*fd = lfd;
	return 0;
}
