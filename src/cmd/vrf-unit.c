/* SPDX-License-Identifier: MIT */
/*
 * vrf-unit: a systemd service in a VRF, bound in the cgroup systemd made for
 * it. See vrf-unit(8).
 *
 *   ExecCondition=+/usr/sbin/vrf-unit bind NAME    the drop-in's one line
 *   vrf-unit refresh                               vrfctl.service, after apply
 *   vrf-unit refuse MESSAGE                        vrfctl-generator's, for a typo
 *
 * Why not vrf-exec in ExecStart=: it makes a cgroup of its own inside the
 * unit's, which systemd did not make and which ProtectControlGroups=yes does
 * not let it make. Why not BPFProgram=sock_create:PIN (systemd 249): the
 * unit starts unbound when the pin is missing, and a pinned program keeps
 * the ifindex of the VRF it was loaded for. Here the programs go onto the
 * unit's own cgroup before any of the unit's commands run (ExecCondition=
 * runs first; "+" runs it as root outside the unit's sandbox), from the VRF
 * as it is at each start, and every failure is exit status 255: systemd then
 * marks the unit failed (1-254 would only skip it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <net/if.h>

#include "bind.h"
#include "cmd.h"
#include "observe.h"
#include "rtnl.h"

/* ExecCondition=: 255 fails the unit; 1-254 would skip it quietly. */
#define EXIT_FAIL 255

/* Which VRF a unit's cgroup was bound to, for refresh (trusted.*: root's). */
#define UNIT_XATTR "trusted.vrfctl.unit"

/* The VRF's ifindex (> 0) and ports, or -errno with the reason told. */
static int lookup(const char *vrf, unsigned **ports, size_t *n, const struct vrf_log *log)
{
	struct vrf_rtnl *rt = NULL;
	char known[512];
	int r = vrf_rtnl_open(&rt, 0);

	if (r == 0)
		r = vrf_observe_vrf(rt, vrf, ports, n);
	if (r == -ENODEV || r == -EMEDIUMTYPE) {
		if (vrf_observe_vrf_names(rt, known, sizeof(known)) < 0 || !known[0])
			snprintf(known, sizeof(known), "none");
		if (r == -EMEDIUMTYPE)
			vrf_err(log, "'%s' is not a VRF device (VRFs: %s)", vrf, known);
		else
			vrf_err(log, "no VRF '%s' (VRFs: %s)", vrf, known);
		r = -ENODEV;
	} else if (r <= 0) {
		vrf_err(log, "cannot look up VRF '%s': %s", vrf, strerror(r ? -r : ENODEV));
		r = r ? r : -ENODEV;
	}
	vrf_rtnl_close(rt);
	return r;
}

/*
 * The cgroup of the unit running us, relative to the cgroup2 root. systemd
 * runs a delegated unit's ExecCondition= in UNIT/.control, its main process
 * in UNIT: the programs go onto UNIT, which covers both.
 */
static int unit_cgroup(char *out, size_t size, const struct vrf_log *log)
{
	char line[4096], *last;
	FILE *f = fopen("/proc/self/cgroup", "re");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "0::/", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			r = (size_t)snprintf(out, size, "%s", line + 3) >= size ? -ENAMETOOLONG : 0;
			break;
		}
	fclose(f);
	if (r < 0) {
		vrf_err(log, "no cgroup2 (unified hierarchy) line in /proc/self/cgroup: systemd "
			"must run with the unified cgroup hierarchy");
		return r;
	}
	last = strrchr(out, '/');
	if (strcmp(last, "/.control") == 0) {
		*last = '\0';
		last = strrchr(out, '/');
	}
	/* A service's own cgroup, never one of vrfctl's (vrf/NAME) below it. */
	if (!last || strlen(last) < 9 || strcmp(last + strlen(last) - 8, ".service") != 0 ||
	    strstr(out, "/vrf/")) {
		vrf_err(log, "cgroup %s is not a systemd service's own: run vrf-unit bind from the "
			"service's ExecCondition=+ (see vrf-unit(8))", out);
		return -EINVAL;
	}
	return 0;
}

static int cmd_bind(const char *vrf, const struct vrf_log *log)
{
	char root[2048], rel[4096], path[8192];
	unsigned *ports = NULL;
	size_t n = 0;
	int ifindex, r;

	/* Run by hand, our cgroup would be the shell's: bind nothing by surprise. */
	if (!getenv("INVOCATION_ID")) {
		vrf_err(log, "not run by systemd (no INVOCATION_ID): vrf-unit bind belongs in a "
			"service's ExecCondition=+ line");
		return -EINVAL;
	}
	r = vrf_bind_cgroup2_root(root, sizeof(root));
	if (r < 0) {
		vrf_err(log, "no cgroup2 mounted: %s", strerror(-r));
		return r;
	}
	r = unit_cgroup(rel, sizeof(rel), log);
	if (r < 0)
		return r;
	ifindex = lookup(vrf, &ports, &n, log);
	if (ifindex < 0) {
		r = ifindex;
		goto out;
	}
	snprintf(path, sizeof(path), "%s%s", root, rel);
	r = vrf_bind_cgroup_attach(vrf, path, (unsigned)ifindex, ports, n, log);
	if (r < 0)
		goto out;
	if (setxattr(path, UNIT_XATTR, vrf, strlen(vrf), 0) < 0) {
		r = -errno;
		vrf_err(log, "%s: cannot record the VRF for refresh: %s", path, strerror(-r));
		goto out;
	}
	vrf_notice(log, "%s: bound to VRF %s (ifindex %d, %zu port%s)", strrchr(rel, '/') + 1,
		   vrf, ifindex, n, n == 1 ? "" : "s");
out:
	if (r < 0)
		vrf_err(log, "not starting the service outside VRF %s", vrf);
	free(ports);
	return r;
}

/* One bound unit's cgroup: attach again for the VRF as it is now. */
static int refresh_one(const char *path, const struct vrf_log *log)
{
	char vrf[IFNAMSIZ];
	unsigned *ports = NULL;
	size_t n = 0;
	ssize_t len = getxattr(path, UNIT_XATTR, vrf, sizeof(vrf) - 1);
	int ifindex, r;

	if (len <= 0)
		return 0;
	vrf[len] = '\0';
	ifindex = lookup(vrf, &ports, &n, log);
	if (ifindex < 0) {
		/* Still bound to the device that is gone: its sockets cannot route. */
		vrf_warn(log, "%s stays bound to VRF %s's old device", path, vrf);
		return 0;
	}
	r = vrf_bind_cgroup_attach(vrf, path, (unsigned)ifindex, ports, n, log);
	free(ports);
	return r;
}

/* Every cgroup below path (a PATH_MAX buffer, len long), depth first. */
static int refresh_walk(char *path, size_t len, const struct vrf_log *log)
{
	DIR *dir = opendir(path);
	struct dirent *d;
	int r = 0, first = 0;

	if (!dir)
		return 0;   /* removed meanwhile */
	while ((d = readdir(dir))) {
		size_t n;

		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		n = (size_t)snprintf(path + len, PATH_MAX - len, "/%s", d->d_name);
		if (len + n < PATH_MAX) {
			r = refresh_one(path, log);
			if (r == 0)
				r = refresh_walk(path, len + n, log);
			if (r < 0 && !first)
				first = r;
		}
		path[len] = '\0';
	}
	closedir(dir);
	return first;
}

static int cmd_refresh(const struct vrf_log *log)
{
	char path[PATH_MAX];
	int r = vrf_bind_cgroup2_root(path, sizeof(path));

	if (r == -ENOENT)
		return 0;   /* no cgroup2: no unit can be bound */
	if (r < 0)
		return r;
	return refresh_walk(path, strlen(path), log);
}

int main(int argc, char **argv)
{
	struct vrfctl_stderr_log sl = { .prog = "vrf-unit" };
	struct vrf_log log = { .fn = vrfctl_log_stderr, .data = &sl };
	int r;

	if (argc == 3 && strcmp(argv[1], "bind") == 0)
		r = cmd_bind(argv[2], &log);
	else if (argc == 2 && strcmp(argv[1], "refresh") == 0)
		r = cmd_refresh(&log);
	else if (argc == 3 && strcmp(argv[1], "refuse") == 0) {
		/* vrfctl-generator's: a drop-in line systemd would ignore. */
		vrf_err(&log, "%s", argv[2]);
		vrf_err(&log, "not starting the service: fix the drop-in, then systemctl "
			"daemon-reload");
		r = -EINVAL;
	}
	else if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		printf("usage: vrf-unit bind VRF | vrf-unit refresh\nSee vrf-unit(8).\n");
		return 0;
	} else {
		vrf_err(&log, "usage: vrf-unit bind VRF | vrf-unit refresh (see vrf-unit(8))");
		r = -EINVAL;
	}
	return r < 0 ? EXIT_FAIL : 0;
}
