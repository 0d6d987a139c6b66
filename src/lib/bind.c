/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bind.h"

#define IFINDEX_XATTR "trusted.vrfctl.ifindex"

int vrf_bind_cgroup2_root(char *path, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPEROPTS" */
	while (fgets(line, sizeof(line), f)) {
		char mnt[2048], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1)
			continue;
		if ((size_t)snprintf(path, size, "%s", mnt) >= size) {
			r = -ENAMETOOLONG;
			break;
		}
		r = 0;
		break;
	}
	fclose(f);
	return r;
}

static int cgroup_dir(const char *vrf, char *path, size_t size)
{
	char root[2048];
	int r = vrf_bind_cgroup2_root(root, sizeof(root));

	if (r < 0)
		return r;
	if ((size_t)snprintf(path, size, "%s/vrf/%s", root, vrf) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/*
 * sk->bound_dev_if = ifindex; return 1 (allow). Four instructions, so no
 * libbpf or compiler is needed: the same program `ip vrf exec` loads.
 */
static int load_program(unsigned ifindex, char *verifier_log, size_t log_size)
{
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = (__s32)ifindex },
		{ .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_3,
		  .off = offsetof(struct bpf_sock, bound_dev_if) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
	attr.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	attr.insns = (__u64)(unsigned long)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (__u64)(unsigned long)"Dual MIT/GPL";
	attr.log_buf = (__u64)(unsigned long)verifier_log;
	attr.log_size = (__u32)log_size;
	attr.log_level = 1;
	verifier_log[0] = '\0';
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const struct vrf_log *log)
{
	char path[4096], value[16], verifier_log[1024];
	int cg = -1, prog = -1, r;
	union bpf_attr attr;

	r = cgroup_dir(vrf, path, sizeof(path));
	if (r < 0) {
		vrf_err(log, "vrf %s: no cgroup2 mounted, cannot prepare its cgroup", vrf);
		return r;
	}
	*strrchr(path, '/') = '\0';
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		goto fail_errno;
	path[strlen(path)] = '/';
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		goto fail_errno;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		goto fail_errno;
	prog = load_program(ifindex, verifier_log, sizeof(verifier_log));
	if (prog < 0) {
		r = prog;
		vrf_err(log, "vrf %s: cannot load the socket-binding BPF program: %s%s%s", vrf,
			strerror(-r), verifier_log[0] ? ": " : "", verifier_log);
		goto out;
	}
	/* No flags: the one program of this cgroup, replaced if there was one
	 * (a VRF recreated with a new ifindex), and not overridable below. */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_bpf_fd = (__u32)prog;
	attr.attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		goto fail_errno;
	snprintf(value, sizeof(value), "%u", ifindex);
	/* Without the xattr a launcher re-prepares each time: slower, still right. */
	if (fsetxattr(cg, IFINDEX_XATTR, value, strlen(value), 0) < 0)
		vrf_debug(log, "%s: cannot set %s: %s", path, IFINDEX_XATTR, strerror(errno));
	r = 0;
	goto out;
fail_errno:
	r = -errno;
	vrf_err(log, "vrf %s: cannot prepare cgroup %s: %s", vrf, path, strerror(-r));
out:
	if (prog >= 0)
		close(prog);
	if (cg >= 0)
		close(cg);
	return r;
}

int vrf_bind_cgroup_ifindex(const char *vrf)
{
	char path[4096], value[16];
	ssize_t len;
	int r = cgroup_dir(vrf, path, sizeof(path));

	if (r < 0)
		return r;
	len = getxattr(path, IFINDEX_XATTR, value, sizeof(value) - 1);
	if (len < 0)
		return errno == ENODATA ? -ENOENT : -errno;
	value[len] = '\0';
	return atoi(value);
}

int vrf_bind_cgroup_join(const char *vrf, const struct vrf_log *log)
{
	char path[4096];
	int fd, r = cgroup_dir(vrf, path, sizeof(path));

	if (r < 0)
		return r;
	strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		r = -errno;
		vrf_err(log, "cannot join %s: %s", path, strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int vrf_bind_cgroup_pids(const char *vrf, pid_t **pids, size_t *n)
{
	char path[4096];
	FILE *f;
	long pid;
	int r = cgroup_dir(vrf, path, sizeof(path));

	*pids = NULL;
	*n = 0;
	if (r < 0)
		return r;
	strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%ld", &pid) == 1) {
		pid_t *grown = realloc(*pids, (*n + 1) * sizeof(**pids));

		if (!grown) {
			r = -ENOMEM;
			break;
		}
		*pids = grown;
		(*pids)[(*n)++] = (pid_t)pid;
	}
	fclose(f);
	return r;
}

int vrf_bind_cgroup_remove(const char *vrf, const struct vrf_log *log)
{
	char path[4096];
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgroup_dir(vrf, path, sizeof(path));

	if (r < 0)
		return 0;   /* no cgroup2, nothing was prepared */
	vrf_bind_cgroup_pids(vrf, &pids, &n);
	free(pids);
	if (n) {
		vrf_err(log, "vrf %s: %zu process%s still running in it (see vrfctl status)", vrf,
			n, n == 1 ? " is" : "es are");
		return -EBUSY;
	}
	/* Removing the cgroup detaches its program. */
	if (rmdir(path) < 0 && errno != ENOENT) {
		r = -errno;
		vrf_err(log, "cannot remove %s: %s", path, strerror(-r));
		return r;
	}
	*strrchr(path, '/') = '\0';
	rmdir(path);   /* the shared parent goes with the last VRF */
	return 0;
}

int vrf_bind_cgroup_observe(struct vrf_state *state)
{
	char root[2048], path[4096];
	struct dirent *d;
	DIR *dir;

	state->cgroups_supported = vrf_bind_cgroup2_root(root, sizeof(root)) == 0;
	if (!state->cgroups_supported)
		return 0;
	snprintf(path, sizeof(path), "%s/vrf", root);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		struct vrf_obs_cgroup *grown, *c;
		int ifindex;

		if (d->d_type != DT_DIR || d->d_name[0] == '.' || strlen(d->d_name) >= IFNAMSIZ)
			continue;
		ifindex = vrf_bind_cgroup_ifindex(d->d_name);
		grown = realloc(state->cgroups, (state->n_cgroups + 1) * sizeof(*grown));
		if (!grown) {
			closedir(dir);
			return -ENOMEM;
		}
		state->cgroups = grown;
		c = &state->cgroups[state->n_cgroups++];
		memset(c, 0, sizeof(*c));
		snprintf(c->vrf, sizeof(c->vrf), "%s", d->d_name);
		/* Unknown ifindex: never equal to a device's, so apply re-prepares it. */
		c->ifindex = ifindex > 0 ? (unsigned)ifindex : 0;
	}
	closedir(dir);
	return 0;
}
