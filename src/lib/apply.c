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

static int run_step(struct vrf_nl *nl, const struct vrf_step *s)
{
	switch (s->op) {
	case VRF_STEP_SYSCTL:
		return write_sysctl(s);
	case VRF_STEP_CGROUP_PREPARE:
	case VRF_STEP_CGROUP_REMOVE:
		return 0;
	default:
		return vrf_nl_step(nl, s);
	}
}

int vrf_plan_execute(struct vrf_nl *nl, const struct vrf_plan *plan,
		     const struct vrf_apply_opts *opts, const struct vrf_log *log)
{
	/* done[i]: step i changed the kernel and has to be undone on failure. */
	bool *done = calloc(plan->n_steps + 1, sizeof(*done));
	char line[512];
	size_t i;
	int r = 0;

	if (!done)
		return -ENOMEM;
	for (i = 0; i < plan->n_steps; i++) {
		vrf_step_render(&plan->steps[i], line, sizeof(line));
		vrf_info(log, "%s", line);
		r = opts && opts->fail_at == (long)i ? -EIO : run_step(nl, &plan->steps[i]);
		if (r < 0)
			break;
		done[i] = r > 0;
	}
	if (r >= 0 && opts && opts->finish) {
		r = opts->finish(opts->finish_data);
		snprintf(line, sizeof(line), "%s", opts->finish_what ? opts->finish_what : "finish");
	}
	if (r < 0) {
		int failed = r;

		vrf_err(log, "'%s' failed: %s; rolling back %zu step%s", line, strerror(-failed),
			i, i == 1 ? "" : "s");
		while (i-- > 0) {
			struct vrf_step inv;

			if (!done[i])
				continue;
			inv = vrf_step_inverse(&plan->steps[i]);
			vrf_step_render(&inv, line, sizeof(line));
			vrf_info(log, "rollback: %s", line);
			r = run_step(nl, &inv);
			if (r < 0)
				vrf_err(log, "rollback step '%s' failed: %s", line, strerror(-r));
		}
		r = failed;
	}
	free(done);
	return r < 0 ? r : 0;
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
	snprintf(path, sizeof(path), "%s/lock", dir);
	lfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0) {
		r = -errno;
		vrf_err(log, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (errno == EWOULDBLOCK)
			vrf_err(log, "another vrfctl is changing the kernel (lock %s held); try again", path);
		else
			vrf_err(log, "cannot lock %s: %s", path, strerror(errno));
		close(lfd);
		return r;
	}
	*fd = lfd;
	return 0;
}
