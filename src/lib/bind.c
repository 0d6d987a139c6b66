/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "bind.h"

#define IFINDEX_XATTR "trusted.vrfctl.ifindex"
/* Where to mount cgroup2 when the host has none: iproute2's choice too. */
#define CGROUP2_FALLBACK "/run/cgroup2"

int vrf_bind_cgroup2_root(char *path, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int r = -ENOENT;

	if (!f)
		return -errno;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPEROPTS" */
	while (fgets(line, sizeof(line), f)) {
		char root[2048], mnt[2048], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %2047s %2047s", root, mnt) != 2)
			continue;
		/* A bind mount of a sub-cgroup does not line up with the paths in
		 * /proc/PID/cgroup; a mount point with escapes (\040) is not one
		 * we can open as written. */
		if (strcmp(root, "/") != 0 || strchr(mnt, '\\'))
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

/* vrf_bind_cgroup2_root, mounting one where ip vrf would if there is none. */
static int cgroup2_root_or_mount(char *path, size_t size, const struct vrf_log *log)
{
	int r = vrf_bind_cgroup2_root(path, size);

	if (r != -ENOENT)
		return r;
	if (mkdir(CGROUP2_FALLBACK, 0755) < 0 && errno != EEXIST)
		goto fail;
	if (mount("cgroup2", CGROUP2_FALLBACK, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		goto fail;
	vrf_notice(log, "no cgroup2 was mounted: mounted one on %s", CGROUP2_FALLBACK);
	return vrf_bind_cgroup2_root(path, size);
fail:
	r = -errno;
	vrf_err(log, "no cgroup2 mounted, and mounting one on %s failed: %s", CGROUP2_FALLBACK,
		strerror(-r));
	return r;
}

/* A VRF name is an interface name: no '/', no "." or "..", fits IFNAMSIZ. */
static int check_name(const char *vrf)
{
	if (!*vrf || strlen(vrf) >= IFNAMSIZ || strchr(vrf, '/') || strcmp(vrf, ".") == 0 ||
	    strcmp(vrf, "..") == 0)
		return -EINVAL;
	return 0;
}

static int top_dir(const char *root, const char *vrf, char *path, size_t size)
{
	if (check_name(vrf) < 0)
		return -EINVAL;
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
 * libbpf or compiler is needed: the effect of the program `ip vrf exec` loads.
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

/* The ifindex the cgroup at path binds to, from its xattr; -ENOENT if none. */
static int ifindex_at(const char *path)
{
	char value[16];
	ssize_t len = getxattr(path, IFINDEX_XATTR, value, sizeof(value) - 1);

	if (len < 0)
		return errno == ENODATA ? -ENOENT : -errno;
	value[len] = '\0';
	return atoi(value);
}

/* mkdir -p for the two levels we own: .../vrf and .../vrf/NAME. */
static int make_dirs(char *path)
{
	char *slash = strrchr(path, '/');
	int r = 0;

	*slash = '\0';
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		r = -errno;
	*slash = '/';
	if (r == 0 && mkdir(path, 0755) < 0 && errno != EEXIST)
		r = -errno;
	return r;
}

/* Create the cgroup at path and (re)attach a program binding to ifindex. */
static int prepare_at(const char *vrf, char *path, unsigned ifindex, const struct vrf_log *log)
{
	char value[16], verifier_log[1024];
	int cg = -1, prog = -1, r;
	union bpf_attr attr;

	r = make_dirs(path);
	if (r < 0)
		goto fail;
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
fail:
	vrf_err(log, "vrf %s: cannot prepare cgroup %s: %s", vrf, path, strerror(-r));
out:
	if (prog >= 0)
		close(prog);
	if (cg >= 0)
		close(cg);
	return r;
}

int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const struct vrf_log *log)
{
	char root[2048], path[4096];
	int r = cgroup2_root_or_mount(root, sizeof(root), log);

	if (r < 0)
		return r;
	r = top_dir(root, vrf, path, sizeof(path));
	if (r < 0) {
		vrf_err(log, "'%s': not a usable VRF name for a cgroup", vrf);
		return r;
	}
	return prepare_at(vrf, path, ifindex, log);
}

int vrf_bind_cgroup_ifindex(const char *vrf)
{
	char root[2048], path[4096];
	int r = vrf_bind_cgroup2_root(root, sizeof(root));

	if (r < 0)
		return r;
	r = top_dir(root, vrf, path, sizeof(path));
	return r < 0 ? r : ifindex_at(path);
}

/* The "0::/path" line of /proc/PID/cgroup: the cgroup2 path of pid. */
static int cgroup_of_pid(pid_t pid, char *out, size_t size)
{
	char file[64], line[4096];
	FILE *f;
	int r = -ENOENT;

	if (pid)
		snprintf(file, sizeof(file), "/proc/%ld/cgroup", (long)pid);
	else
		snprintf(file, sizeof(file), "/proc/self/cgroup");
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		r = (size_t)snprintf(out, size, "%s", line + 3) >= size ? -ENAMETOOLONG : 0;
		break;
	}
	fclose(f);
	return r;
}

/* The component after the first "/vrf/" of a cgroup path, or NULL. */
static const char *vrf_component(const char *cgpath)
{
	const char *p = strstr(cgpath, "/vrf/");

	return p ? p + 5 : NULL;
}

int vrf_bind_cgroup_identify(pid_t pid, char *vrf, size_t size)
{
	char cg[4096];
	const char *name;
	int r = cgroup_of_pid(pid, cg, sizeof(cg));

	if (size)
		vrf[0] = '\0';
	if (r < 0)
		return r == -ENOENT ? 0 : r;   /* no cgroup2 line: in no VRF cgroup */
	name = vrf_component(cg);
	if (name)
		snprintf(vrf, size, "%.*s", (int)strcspn(name, "/"), name);
	return 0;
}

/*
 * Could a user other than root move a process out of a cgroup below
 * root+base? Only with write access to some cgroup.procs on the way up
 * (the common ancestor's is needed too), so base is safe to nest in when
 * each level's directory and cgroup.procs are root's and not writable by
 * others. A delegated subtree (systemd Delegate=, user@.service) is not.
 */
static bool sealed(const char *root, const char *base, const struct vrf_log *log)
{
	char dir[4096], file[4096 + 16];
	size_t root_len = strlen(root);
	struct stat st;

	if ((size_t)snprintf(dir, sizeof(dir), "%s%s", root, base) >= sizeof(dir))
		return false;
	for (;;) {
		snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
		if (stat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022) ||
		    stat(file, &st) < 0 || st.st_uid != 0 || (st.st_mode & 022)) {
			vrf_info(log, "%s is writable by others than root (delegated?): not "
				 "nesting the VRF's cgroup there", dir);
			return false;
		}
		if (strlen(dir) <= root_len)
			return true;
		*strrchr(dir, '/') = '\0';
	}
}

/* Where the caller's VRF cgroup goes (see bind.h); path absolute. */
static int place(const char *root, const char *vrf, char *path, size_t size,
		 const struct vrf_log *log)
{
	char base[4096];
	char *cut;

	if (check_name(vrf) < 0)
		return -EINVAL;
	if (cgroup_of_pid(0, base, sizeof(base)) < 0)
		base[0] = '\0';
	/* Already in a VRF's cgroup (a nested vrf-exec): leave it, as ip vrf
	 * does, so VRFs never nest. */
	cut = strstr(base, "/vrf/");
	if (cut)
		*cut = '\0';
	if (strcmp(base, "/") == 0 || (base[0] && !sealed(root, base, log)))
		base[0] = '\0';
	if ((size_t)snprintf(path, size, "%s%s/vrf/%s", root, base, vrf) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int join(const char *path, const struct vrf_log *log)
{
	char procs[4096];
	int fd, r = 0;

	if ((size_t)snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >= sizeof(procs))
		return -ENAMETOOLONG;
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	/* "0": the writer itself. */
	if (fd < 0 || write(fd, "0\n", 2) != 2) {
		r = -errno;
		vrf_err(log, "cannot join %s: %s", path, strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int vrf_bind_cgroup_enter(const char *vrf, unsigned ifindex, char *where, size_t size,
			  const struct vrf_log *log)
{
	char root[2048], path[4096];
	int r = cgroup2_root_or_mount(root, sizeof(root), log);

	if (r < 0)
		return r;
	r = place(root, vrf, path, sizeof(path), log);
	if (r < 0) {
		vrf_err(log, "vrf %s: no cgroup path for it: %s", vrf, strerror(-r));
		return r;
	}
	if (ifindex_at(path) != (int)ifindex) {
		r = prepare_at(vrf, path, ifindex, log);
		if (r < 0)
			return r;
	}
	r = join(path, log);
	if (r == 0 && where && size)
		snprintf(where, size, "%s", path + strlen(root));
	return r;
}

/*
 * Call fn for each cgroup named vrf/NAME anywhere below dir (path is a
 * PATH_MAX buffer holding dir, len its length): the top one and those nested
 * in services, where `ip vrf pids` looks too.
 */
typedef int (*visit_fn)(const char *path, void *data);

static int walk(char *path, size_t len, const char *vrf, visit_fn fn, void *data)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int r = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while (r >= 0 && (d = readdir(dir))) {
		size_t n;

		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		n = (size_t)snprintf(path + len, PATH_MAX - len, "/%s", d->d_name);
		if (len + n >= PATH_MAX)
			continue;
		if (strcmp(d->d_name, "vrf") == 0) {
			struct stat st;
			size_t m = (size_t)snprintf(path + len + n, PATH_MAX - len - n, "/%s", vrf);

			/* Not below vrf/: VRF cgroups never nest. Only root's: in a
			 * delegated subtree a user could make a vrf/NAME of their own
			 * (and keep vrfctl down busy with it). */
			if (len + n + m < PATH_MAX && stat(path, &st) == 0 &&
			    S_ISDIR(st.st_mode) && st.st_uid == 0)
				r = fn(path, data);
		} else {
			r = walk(path, len + n, vrf, fn, data);
		}
		path[len] = '\0';
	}
	closedir(dir);
	return r;
}

static int walk_vrf(const char *vrf, visit_fn fn, void *data)
{
	char path[PATH_MAX];
	int r = vrf_bind_cgroup2_root(path, sizeof(path));

	if (r < 0)
		return r;
	if (check_name(vrf) < 0)
		return -EINVAL;
	return walk(path, strlen(path), vrf, fn, data);
}

struct pid_list {
	pid_t *pids;
	size_t n;
};

static int collect_pids(const char *path, void *data)
{
	struct pid_list *l = data;
	char procs[PATH_MAX + 16];
	long pid;
	FILE *f;
	int r = 0;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	f = fopen(procs, "re");
	if (!f)
		return 0;   /* removed meanwhile */
	while (fscanf(f, "%ld", &pid) == 1) {
		pid_t *grown = realloc(l->pids, (l->n + 1) * sizeof(*grown));

		if (!grown) {
			r = -ENOMEM;
			break;
		}
		l->pids = grown;
		l->pids[l->n++] = (pid_t)pid;
	}
	fclose(f);
	return r;
}

int vrf_bind_cgroup_pids(const char *vrf, pid_t **pids, size_t *n)
{
	struct pid_list l = { NULL, 0 };
	int r = walk_vrf(vrf, collect_pids, &l);

	if (r == -ENOENT)
		r = 0;   /* no cgroup2: nobody can be in a VRF cgroup */
	if (r < 0) {
		free(l.pids);
		l.pids = NULL;
		l.n = 0;
	}
	*pids = l.pids;
	*n = l.n;
	return r;
}

static int remove_one(const char *path, void *data)
{
	const struct vrf_log *log = data;
	char parent[PATH_MAX];

	/* Removing the cgroup detaches its program. */
	if (rmdir(path) < 0 && errno != ENOENT) {
		int r = -errno;

		vrf_err(log, "cannot remove %s: %s", path, strerror(-r));
		return r;
	}
	snprintf(parent, sizeof(parent), "%s", path);
	*strrchr(parent, '/') = '\0';
	rmdir(parent);   /* the shared vrf/ goes with its last VRF; busy otherwise */
	return 0;
}

int vrf_bind_cgroup_remove(const char *vrf, const struct vrf_log *log)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = vrf_bind_cgroup_pids(vrf, &pids, &n);

	if (r < 0)
		goto out;
	if (n) {
		vrf_err(log, "vrf %s: %zu process%s still running in it (pid %ld%s; see vrfctl "
			"status)", vrf, n, n == 1 ? " is" : "es are", (long)pids[0],
			n > 1 ? ", ..." : "");
		r = -EBUSY;
		goto out;
	}
	r = walk_vrf(vrf, remove_one, (void *)log);
	if (r == -ENOENT)
		r = 0;   /* no cgroup2, nothing was prepared */
out:
	free(pids);
	return r;
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

/* Does the ELF file at fd have a PT_INTERP header? 1 yes, 0 no (static). */
#define HAS_INTERP(Ehdr, Phdr)                                                          \
	static int has_interp_##Ehdr(int fd)                                            \
	{                                                                               \
		Ehdr eh;                                                                \
                                                                                        \
		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))                        \
			return -ENOEXEC;                                                \
		for (unsigned i = 0; i < eh.e_phnum; i++) {                             \
			Phdr ph;                                                        \
			off_t at = (off_t)eh.e_phoff + (off_t)i * eh.e_phentsize;       \
                                                                                        \
			if (pread(fd, &ph, sizeof(ph), at) != sizeof(ph))               \
				return -ENOEXEC;                                        \
			if (ph.p_type == PT_INTERP)                                     \
				return 1;                                               \
		}                                                                       \
		return 0;                                                               \
	}
HAS_INTERP(Elf64_Ehdr, Elf64_Phdr)
HAS_INTERP(Elf32_Ehdr, Elf32_Phdr)

/*
 * 1 when what runs for path has no dynamic loader: a static ELF, or a script
 * whose interpreter (followed a few levels, as the kernel does) is one.
 * 0 when dynamic, -errno when it cannot tell.
 */
static int runs_static(const char *path, int depth)
{
	char head[256], interp[PATH_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, head, sizeof(head) - 1, 0);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	head[n] = '\0';
	if (n >= SELFMAG && memcmp(head, ELFMAG, SELFMAG) == 0) {
		r = n > EI_CLASS && head[EI_CLASS] == ELFCLASS32 ? has_interp_Elf32_Ehdr(fd)
								  : has_interp_Elf64_Ehdr(fd);
		r = r < 0 ? r : !r;
	} else if (n >= 2 && head[0] == '#' && head[1] == '!' && depth < 4) {
		const char *p = head + 2;
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t\n");
		if (len && len < sizeof(interp)) {
			snprintf(interp, sizeof(interp), "%.*s", (int)len, p);
			r = runs_static(interp, depth + 1);
		}
	}
out:
	close(fd);
	return r;
}

int vrf_bind_sockopt_check(const char *path, const struct vrf_log *log)
{
	struct stat st;
	int r = runs_static(path, 0);

	if (r == 1) {
		vrf_err(log, "%s is statically linked (or run by a static interpreter): the "
			"sockopt method cannot bind its sockets (use -m cgroup, as root)", path);
		return -ENOEXEC;
	}
	if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
		vrf_err(log, "%s is setuid/setgid: the loader ignores the sockopt shim there "
			"(use -m cgroup, as root)", path);
		return -EPERM;
	}
	/* File capabilities put the loader in secure mode too (AT_SECURE). */
	if (getxattr(path, "security.capability", NULL, 0) > 0) {
		vrf_err(log, "%s has file capabilities: the loader ignores the sockopt shim "
			"there (use -m cgroup, as root)", path);
		return -EPERM;
	}
	return 0;
}
