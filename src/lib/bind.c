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

#include "array.h"
#include "bind.h"

#define IFINDEX_XATTR "trusted.vrfctl.ifindex"
#define CONFINE_XATTR "trusted.vrfctl.confine"
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

/* Load a cgroup program; its fd, or -errno with the verifier's words in log. */
static int load_program(enum bpf_prog_type type, enum bpf_attach_type attach, const char *name,
			const struct bpf_insn *insns, size_t n, char *verifier_log, size_t log_size)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = attach;
	attr.insns = (__u64)(unsigned long)insns;
	attr.insn_cnt = (__u32)n;
	attr.license = (__u64)(unsigned long)"Dual MIT/GPL";
	attr.log_buf = (__u64)(unsigned long)verifier_log;
	attr.log_size = (__u32)log_size;
	attr.log_level = 1;
	/* `bpftool cgroup tree` shows it: whose program this is. */
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	verifier_log[0] = '\0';
	fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/*
 * sk->bound_dev_if = ifindex; return 1 (allow). Four instructions, so no
 * libbpf or compiler is needed: the effect of the program `ip vrf exec` loads.
 */
static int load_bind_program(unsigned ifindex, char *verifier_log, size_t log_size)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = (__s32)ifindex },
		{ .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_3,
		  .off = offsetof(struct bpf_sock, bound_dev_if) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return load_program(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, "vrfctl_bind",
			    prog, sizeof(prog) / sizeof(prog[0]), verifier_log, log_size);
}

/*
 * The egress check: a packet of the cgroup leaves only through a device in
 * allow (the VRF and its ports), else it is dropped (the sender sees EPERM).
 * Binding a socket at creation is not enough: the kernel has send paths that
 * pick another interface than the bound one (a multicast destination,
 * IP_PKTINFO, an IPv6 scope id, a scoped bind) and sockets it makes itself
 * (MPTCP's subflows), and all of them still pass ip_finish_output and
 * ip6_finish_output, where this runs with the real output device.
 *
 *	r2 = skb->ifindex
 *	if r2 == allow[i] goto pass      (for each i)
 *	r0 = 0; exit
 * pass:	r0 = 1; exit
 */
static int load_egress_program(const unsigned *allow, size_t n, char *verifier_log,
			       size_t log_size)
{
	size_t len = n + 5;
	struct bpf_insn *prog;
	int fd;

	if (n > 30000)
		return -E2BIG;   /* a jump's offset is 16 bits */
	prog = calloc(len, sizeof(*prog));
	if (!prog)
		return -ENOMEM;
	prog[0] = (struct bpf_insn){ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = BPF_REG_2,
				     .src_reg = BPF_REG_1, .off = offsetof(struct __sk_buff, ifindex) };
	for (size_t i = 0; i < n; i++)
		prog[1 + i] = (struct bpf_insn){ .code = BPF_JMP | BPF_JEQ | BPF_K,
						 .dst_reg = BPF_REG_2, .imm = (__s32)allow[i],
						 .off = (__s16)(n + 1 - i) };
	prog[n + 1] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 };
	prog[n + 2] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	prog[n + 3] = (struct bpf_insn){ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
					 .imm = 1 };
	prog[n + 4] = (struct bpf_insn){ .code = BPF_JMP | BPF_EXIT };
	fd = load_program(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, "vrfctl_egress", prog,
			  len, verifier_log, log_size);
	free(prog);
	return fd;
}

/* What the kernel says of the program behind fd (its id, its name): 0 or -errno. */
static int program_info(int fd, struct bpf_prog_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (__u32)fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0 ? -errno : 0;
}

/* The kernel's id of the program behind fd: 0 when it cannot tell. */
static __u32 program_id(int fd)
{
	struct bpf_prog_info info;

	return program_info(fd, &info) < 0 ? 0 : info.id;
}

/* What is attached to a cgroup at one attach type. */
struct attached {
	__u32 flags;
	__u32 ids[16];
	__u32 n;
};

static int query_attached(int cg, enum bpf_attach_type type, struct attached *a)
{
	union bpf_attr attr;

	memset(a, 0, sizeof(*a));
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (__u32)cg;
	attr.query.attach_type = type;
	attr.query.prog_ids = (__u64)(unsigned long)a->ids;
	attr.query.prog_cnt = sizeof(a->ids) / sizeof(a->ids[0]);
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return -errno;
	a->flags = attr.query.attach_flags;
	a->n = attr.query.prog_cnt;
	return 0;
}

static bool attached_has(const struct attached *a, __u32 id)
{
	for (__u32 i = 0; id && i < a->n && i < sizeof(a->ids) / sizeof(a->ids[0]); i++)
		if (a->ids[i] == id)
			return true;
	return false;
}

size_t vrf_bind_allow_set(unsigned ifindex, const unsigned *ports, size_t n, unsigned *out)
{
	size_t len = 0;

	out[len++] = ifindex;
	for (size_t i = 0; i < n; i++) {
		size_t at = len;

		while (at > 0 && out[at - 1] > ports[i])
			at--;
		if (at > 0 && out[at - 1] == ports[i])
			continue;
		memmove(out + at + 1, out + at, (len - at) * sizeof(*out));
		out[at] = ports[i];
		len++;
	}
	return len;
}

/*
 * What vrfctl attached to a cgroup, kept in two xattrs beside it (trusted.*:
 * only root can write them): IFINDEX_XATTR the VRF's ifindex, CONFINE_XATTR
 * "BIND-ID EGRESS-ID IFINDEX,IFINDEX..." the programs' ids and the devices
 * the egress check lets packets out by. The ids tell, with one query per
 * attach type, that the programs are still attached.
 */
struct record {
	unsigned ifindex;
	__u32 bind_id, egress_id;
	unsigned *allow;
	size_t n_allow;
};

static void record_free(struct record *rec)
{
	free(rec->allow);
	rec->allow = NULL;
	rec->n_allow = 0;
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

/* 0, -ENOENT when the cgroup has no (or an unreadable) record, -errno. */
static int record_read(const char *path, struct record *rec)
{
	char value[4096], *p, *end;
	int ifindex = ifindex_at(path);
	ssize_t len;

	memset(rec, 0, sizeof(*rec));
	if (ifindex < 0)
		return ifindex;
	rec->ifindex = (unsigned)ifindex;
	len = getxattr(path, CONFINE_XATTR, value, sizeof(value) - 1);
	if (len < 0)
		return errno == ENODATA || errno == ERANGE ? -ENOENT : -errno;
	value[len] = '\0';
	rec->bind_id = (__u32)strtoul(value, &p, 10);
	rec->egress_id = (__u32)strtoul(p, &p, 10);
	p += strspn(p, " ");
	rec->allow = calloc(strlen(p) / 2 + 1, sizeof(*rec->allow));
	if (!rec->allow)
		return -ENOMEM;
	while (*p) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v == 0 || v > UINT_MAX)
			break;
		rec->allow[rec->n_allow++] = (unsigned)v;
		p = end + (*end == ',');
	}
	return 0;
}

static int record_write(int cg, const struct record *rec)
{
	char value[4096];
	size_t len;

	len = (size_t)snprintf(value, sizeof(value), "%u", rec->ifindex);
	if (fsetxattr(cg, IFINDEX_XATTR, value, len, 0) < 0)
		return -errno;
	len = (size_t)snprintf(value, sizeof(value), "%u %u ", rec->bind_id, rec->egress_id);
	for (size_t i = 0; i < rec->n_allow && len < sizeof(value); i++)
		len += (size_t)snprintf(value + len, sizeof(value) - len, "%s%u", i ? "," : "",
					rec->allow[i]);
	if (len >= sizeof(value))
		return -E2BIG;
	return fsetxattr(cg, CONFINE_XATTR, value, len, 0) < 0 ? -errno : 0;
}

/*
 * Are the programs of the record still attached to cg, the egress check
 * multi-attached (so nobody without its fd can detach it)? For "default"
 * (ifindex 0) there is no egress check.
 */
static bool record_attached(int cg, const struct record *rec)
{
	struct attached a;

	if (!rec->bind_id || query_attached(cg, BPF_CGROUP_INET_SOCK_CREATE, &a) < 0 ||
	    !attached_has(&a, rec->bind_id))
		return false;
	if (!rec->ifindex)
		return true;
	return rec->egress_id && query_attached(cg, BPF_CGROUP_INET_EGRESS, &a) == 0 &&
	       (a.flags & BPF_F_ALLOW_MULTI) && attached_has(&a, rec->egress_id);
}

/* Does the record at path bind to ifindex and let out by exactly allow, with its programs in place? */
static bool record_current(const char *path, unsigned ifindex, const unsigned *allow, size_t n)
{
	struct record rec;
	bool current = false;
	int cg;

	if (record_read(path, &rec) < 0)
		goto out;
	if (rec.ifindex != ifindex || (ifindex && (rec.n_allow != n ||
	    memcmp(rec.allow, allow, n * sizeof(*allow)) != 0)))
		goto out;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg >= 0) {
		current = record_attached(cg, &rec);
		close(cg);
	}
out:
	record_free(&rec);
	return current;
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
	if (r == 0 && mkdir(path, 0700) < 0 && errno != EEXIST)
		r = -errno;
	/* 0700 also for one made before (0755): a process inside must not be
	 * able to open its own cgroup, the handle BPF_PROG_DETACH takes. */
	if (r == 0 && chmod(path, 0700) < 0)
		r = -errno;
	return r;
}

/* Detach every program of ours at type but keep (by id), e.g. the one replaced. */
static void detach_others(int cg, enum bpf_attach_type type, __u32 keep)
{
	struct attached a;

	if (query_attached(cg, type, &a) < 0)
		return;
	for (__u32 i = 0; i < a.n && i < sizeof(a.ids) / sizeof(a.ids[0]); i++) {
		struct bpf_prog_info info;
		union bpf_attr attr;
		int fd;

		if (a.ids[i] == keep)
			continue;
		memset(&attr, 0, sizeof(attr));
		attr.prog_id = a.ids[i];
		fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
		if (fd < 0)
			continue;
		if (program_info(fd, &info) == 0 && strncmp(info.name, "vrfctl_", 7) == 0) {
			memset(&attr, 0, sizeof(attr));
			attr.target_fd = (__u32)cg;
			attr.attach_type = type;
			attr.attach_bpf_fd = (__u32)fd;
			(void)sys_bpf(BPF_PROG_DETACH, &attr);
		}
		close(fd);
	}
}

/*
 * Attach prog to cg at type, and detach the program of ours it replaces.
 *
 * multi (the egress check): with BPF_F_ALLOW_MULTI, so that only a holder
 * of the program's fd, which only root can get, can detach it; a program
 * attached without flags can be detached by anyone who can open the cgroup,
 * even with O_PATH through a 0700 directory. One attached without flags
 * there first is detached: the only way to change the mode. In between, and
 * while old and new are both attached, the older check keeps packets in.
 *
 * Not multi (the binding): without flags, as `ip vrf exec` attaches its
 * own, so that `ip vrf exec` (Alpine's OpenRC vrf= patch) still works in a
 * VRF vrfctl prepared, replacing ours by its equivalent. The binding is not
 * what confines: a socket it no longer binds routes by the main table, and
 * the egress check drops what that would send by a device outside the VRF.
 */
static int attach_program(int cg, enum bpf_attach_type type, int prog, __u32 id, bool multi)
{
	struct attached a;
	union bpf_attr attr;
	int r = query_attached(cg, type, &a);

	if (r < 0)
		return r;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (__u32)cg;
	attr.attach_type = type;
	if (multi && a.n && !(a.flags & BPF_F_ALLOW_MULTI) && sys_bpf(BPF_PROG_DETACH, &attr) < 0)
		return -errno;
	if (!multi && a.n && (a.flags & BPF_F_ALLOW_MULTI))
		detach_others(cg, type, 0);   /* ours, multi-attached: the mode changes */
	attr.attach_bpf_fd = (__u32)prog;
	attr.attach_flags = multi ? BPF_F_ALLOW_MULTI : 0;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return -errno;
	/* Multi programs of one cgroup all run, in the order attached. */
	if (multi)
		detach_others(cg, type, id);
	return 0;
}

/*
 * Attach the program just loaded (prog, or the -errno of loading it, with
 * the verifier's words in verifier_log) at type; its id to *id. Closes prog.
 */
static int install(const char *vrf, const char *path, int cg, enum bpf_attach_type type,
		   int prog, const char *verifier_log, const char *what, __u32 *id,
		   const struct vrf_log *log)
{
	int r;

	if (prog < 0) {
		vrf_err(log, "vrf %s: cannot load the %s BPF program: %s%s%s", vrf, what,
			strerror(-prog), verifier_log[0] ? ": " : "", verifier_log);
		return prog;
	}
	*id = program_id(prog);
	r = attach_program(cg, type, prog, *id, type == BPF_CGROUP_INET_EGRESS);
	if (r < 0)
		vrf_err(log, "vrf %s: cannot attach the %s program to %s: %s", vrf, what, path,
			strerror(-r));
	close(prog);
	return r;
}

/*
 * Create the cgroup at path (0700) and attach, or replace, its two programs:
 * the egress check letting packets out only by the VRF (ifindex) and its
 * ports, then the program binding new sockets to the VRF. For "default"
 * (ifindex 0) only the latter, binding to no device.
 */
static int prepare_at(const char *vrf, char *path, unsigned ifindex, const unsigned *ports,
		      size_t n_ports, const struct vrf_log *log)
{
	char verifier_log[1024] = "";
	struct record rec = { .ifindex = ifindex };
	int cg = -1, r = -ENOMEM;

	rec.allow = calloc(n_ports + 1, sizeof(*rec.allow));
	if (!rec.allow)
		goto fail;
	rec.n_allow = ifindex ? vrf_bind_allow_set(ifindex, ports, n_ports, rec.allow) : 0;
	r = make_dirs(path);
	if (r < 0)
		goto fail;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0) {
		r = -errno;
		goto fail;
	}
	/* The check first: no moment with sockets bound and packets unchecked. */
	if (ifindex)
		r = install(vrf, path, cg, BPF_CGROUP_INET_EGRESS,
			    load_egress_program(rec.allow, rec.n_allow, verifier_log,
						sizeof(verifier_log)),
			    verifier_log, "egress-check", &rec.egress_id, log);
	else
		detach_others(cg, BPF_CGROUP_INET_EGRESS, 0);
	if (r == 0)
		r = install(vrf, path, cg, BPF_CGROUP_INET_SOCK_CREATE,
			    load_bind_program(ifindex, verifier_log, sizeof(verifier_log)),
			    verifier_log, "socket-binding", &rec.bind_id, log);
	/* Without the record a launcher re-prepares each time: slower, still right. */
	if (r == 0) {
		int w = record_write(cg, &rec);

		if (w < 0)
			vrf_debug(log, "%s: cannot record the programs in xattrs: %s", path,
				  strerror(-w));
	}
	goto out;
fail:
	vrf_err(log, "vrf %s: cannot prepare cgroup %s: %s", vrf, path, strerror(-r));
out:
	record_free(&rec);
	if (cg >= 0)
		close(cg);
	return r;
}

/*
 * Call fn for each cgroup named vrf/NAME anywhere below dir (path is a
 * PATH_MAX buffer holding dir, len its length): the top one and those nested
 * in services, where `ip vrf pids` looks too. vrf NULL: every VRF's.
 */
typedef int (*visit_fn)(const char *path, const char *vrf, void *data);

static int walk(char *path, size_t len, const char *vrf, visit_fn fn, void *data);

/* Each vrf/NAME below the vrf/ directory at path (len long). */
static int walk_vrf_dir(char *path, size_t len, const char *vrf, visit_fn fn, void *data)
{
	struct dirent *d;
	DIR *dir = opendir(path);
	int r = 0;

	if (!dir)
		return 0;
	while (r >= 0 && (d = readdir(dir))) {
		struct stat st;
		size_t m;

		if (d->d_type != DT_DIR || d->d_name[0] == '.' || (vrf && strcmp(d->d_name, vrf)) ||
		    strlen(d->d_name) >= IFNAMSIZ)
			continue;
		m = (size_t)snprintf(path + len, PATH_MAX - len, "/%s", d->d_name);
		/* Not below vrf/NAME: VRF cgroups never nest. Only root's: in a
		 * delegated subtree a user could make a vrf/NAME of their own
		 * (and keep vrfctl down busy with it). */
		if (len + m < PATH_MAX && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == 0)
			r = fn(path, d->d_name, data);
		path[len] = '\0';
	}
	closedir(dir);
	return r;
}

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
		if (strcmp(d->d_name, "vrf") == 0)
			r = walk_vrf_dir(path, len + n, vrf, fn, data);
		else
			r = walk(path, len + n, vrf, fn, data);
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
	if (vrf && check_name(vrf) < 0)
		return -EINVAL;
	return walk(path, strlen(path), vrf, fn, data);
}

struct prepare_req {
	unsigned ifindex;
	const unsigned *ports;
	size_t n_ports;
	const struct vrf_log *log;
};

static int prepare_one(const char *path, const char *vrf, void *data)
{
	const struct prepare_req *req = data;
	char copy[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", path);
	return prepare_at(vrf, copy, req->ifindex, req->ports, req->n_ports, req->log);
}

int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const unsigned *ports,
			    size_t n_ports, const struct vrf_log *log)
{
	struct prepare_req req = { ifindex, ports, n_ports, log };
	char root[2048], path[4096];
	int r = cgroup2_root_or_mount(root, sizeof(root), log);

	if (r < 0)
		return r;
	r = top_dir(root, vrf, path, sizeof(path));
	if (r < 0) {
		vrf_err(log, "'%s': not a usable VRF name for a cgroup", vrf);
		return r;
	}
	r = prepare_at(vrf, path, ifindex, ports, n_ports, log);
	/* And those nested under services: already there, processes inside. */
	return r < 0 ? r : walk_vrf(vrf, prepare_one, &req);
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

int vrf_bind_cgroup_path(pid_t pid, char *path, size_t size)
{
	return cgroup_of_pid(pid, path, size);
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

/* Move pid into the cgroup at path; pid 0 ("0" to the kernel) is the writer itself. */
static int join(const char *path, pid_t pid, const struct vrf_log *log)
{
	char procs[4096];
	int fd, r = 0;

	if ((size_t)snprintf(procs, sizeof(procs), "%s/cgroup.procs", path) >= sizeof(procs))
		return -ENAMETOOLONG;
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dprintf(fd, "%ld\n", (long)pid) < 0) {
		r = -errno;
		if (pid)
			vrf_err(log, "cannot move process %ld to %s: %s", (long)pid, path,
				strerror(-r));
		else
			vrf_err(log, "cannot join %s: %s", path, strerror(-r));
	}
	if (fd >= 0)
		close(fd);
	return r;
}

int vrf_bind_cgroup_move(pid_t pid, const char *where, const struct vrf_log *log)
{
	char root[2048], path[4096];
	int r = vrf_bind_cgroup2_root(root, sizeof(root));

	if (r < 0 || (size_t)snprintf(path, sizeof(path), "%s%s", root, where) >= sizeof(path)) {
		vrf_err(log, "no cgroup2 path for %s", where);
		return r < 0 ? r : -ENAMETOOLONG;
	}
	return join(path, pid, log);
}

int vrf_bind_cgroup_enter(const char *vrf, unsigned ifindex, const unsigned *ports,
			  size_t n_ports, char *where, size_t size, const struct vrf_log *log)
{
	char root[2048], path[4096];
	unsigned *allow = calloc(n_ports + 1, sizeof(*allow));
	size_t n_allow;
	int r;

	if (!allow)
		return -ENOMEM;
	n_allow = ifindex ? vrf_bind_allow_set(ifindex, ports, n_ports, allow) : 0;
	r = cgroup2_root_or_mount(root, sizeof(root), log);
	if (r < 0)
		goto out;
	r = place(root, vrf, path, sizeof(path), log);
	if (r < 0) {
		vrf_err(log, "vrf %s: no cgroup path for it: %s", vrf, strerror(-r));
		goto out;
	}
	/* Prepared once, then only checked: the programs still attached (a
	 * detach is how a process would unbind everyone in the VRF), for this
	 * VRF device and the ports it has now. */
	if (!record_current(path, ifindex, allow, n_allow)) {
		vrf_info(log, "vrf %s: preparing cgroup %s", vrf, path + strlen(root));
		r = prepare_at(vrf, path, ifindex, ports, n_ports, log);
		if (r < 0)
			goto out;
	}
	r = join(path, 0, log);
	if (r == 0 && where && size)
		snprintf(where, size, "%s", path + strlen(root));
out:
	free(allow);
	return r;
}

int vrf_bind_cgroup_attach(const char *vrf, const char *path, unsigned ifindex,
			   const unsigned *ports, size_t n_ports, const struct vrf_log *log)
{
	char copy[PATH_MAX];
	unsigned *allow;
	size_t n_allow;
	int r = 0;

	if (check_name(vrf) < 0 || !ifindex)
		return -EINVAL;
	if ((size_t)snprintf(copy, sizeof(copy), "%s", path) >= sizeof(copy))
		return -ENAMETOOLONG;
	allow = calloc(n_ports + 1, sizeof(*allow));
	if (!allow)
		return -ENOMEM;
	n_allow = vrf_bind_allow_set(ifindex, ports, n_ports, allow);
	/* A service's restart reuses its cgroup when it was not emptied. */
	if (!record_current(copy, ifindex, allow, n_allow))
		r = prepare_at(vrf, copy, ifindex, ports, n_ports, log);
	free(allow);
	return r;
}

struct pid_list {
	pid_t *pids;
	size_t n;
};

static int collect_pids(const char *path, const char *vrf, void *data)
{
	struct pid_list *l = data;
	char procs[PATH_MAX + 16];
	long pid;
	FILE *f;
	int r = 0;

	(void)vrf;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	f = fopen(procs, "re");
	if (!f)
		return 0;   /* removed meanwhile */
	while (fscanf(f, "%ld", &pid) == 1) {
		pid_t *kept = VRF_ARRAY_PUSH(l->pids, l->n);

		if (!kept) {
			r = -ENOMEM;
			break;
		}
		*kept = (pid_t)pid;
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

static int remove_one(const char *path, const char *vrf, void *data)
{
	const struct vrf_log *log = data;
	char parent[PATH_MAX];

	(void)vrf;
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

static int prune_one(const char *path, const char *vrf, void *data)
{
	(void)vrf;
	(void)data;
	rmdir(path);   /* busy while a process is inside: it stays */
	return 0;
}

int vrf_bind_cgroup_prune(const char *below)
{
	char path[PATH_MAX];
	size_t len;
	int r = vrf_bind_cgroup2_root(path, sizeof(path));

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* Not the root: its vrf/NAME are the ones vrfctl apply keeps. */
	if (below[0] != '/' || !below[1] || strstr(below, "/.."))
		return -EINVAL;
	len = strlen(path);
	if (len + strlen(below) + sizeof("/vrf") > sizeof(path))
		return -ENAMETOOLONG;
	len += (size_t)snprintf(path + len, sizeof(path) - len, "%s/vrf", below);
	walk_vrf_dir(path, len, NULL, prune_one, NULL);
	rmdir(path);
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

/*
 * One entry per VRF for all its cgroups (the top one and those nested in
 * services): what their records say, and intact only when every one has its
 * programs attached and all agree; else the planner prepares them again.
 */
static int observe_one(const char *path, const char *vrf, void *data)
{
	struct vrf_state *state = data;
	struct vrf_obs_cgroup *c = NULL;
	struct record rec;
	bool attached = false;
	int cg, r = record_read(path, &rec);

	if (r < 0 && r != -ENOENT)
		return r == -ENOMEM ? r : 0;
	cg = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg >= 0) {
		attached = r == 0 && record_attached(cg, &rec);
		close(cg);
	}
	for (size_t i = 0; i < state->n_cgroups && !c; i++)
		if (strcmp(state->cgroups[i].vrf, vrf) == 0)
			c = &state->cgroups[i];
	if (c) {
		if (c->ifindex != rec.ifindex || c->n_allow != rec.n_allow ||
		    (rec.n_allow && memcmp(c->allow, rec.allow, rec.n_allow * sizeof(*rec.allow))))
			c->intact = false;
		c->intact &= attached;
		record_free(&rec);
		return 0;
	}
	c = VRF_ARRAY_PUSH(state->cgroups, state->n_cgroups);
	if (!c) {
		record_free(&rec);
		return -ENOMEM;
	}
	snprintf(c->vrf, sizeof(c->vrf), "%s", vrf);
	/* Unknown ifindex (0): never equal to a device's, so apply re-prepares it. */
	c->ifindex = rec.ifindex;
	c->allow = rec.allow;
	c->n_allow = rec.n_allow;
	c->intact = attached;
	return 0;
}

int vrf_bind_cgroup_observe(struct vrf_state *state)
{
	char root[2048];
	int r;

	state->cgroups_supported = vrf_bind_cgroup2_root(root, sizeof(root)) == 0;
	if (!state->cgroups_supported)
		return 0;
	r = walk_vrf(NULL, observe_one, state);
	return r == -ENOENT ? 0 : r;
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
