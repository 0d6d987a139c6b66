/* SPDX-License-Identifier: MIT */
/*
 * vrf-exec's whole job, shared by `vrf-exec` and `vrfctl exec`: check the VRF,
 * bind (join the VRF's cgroup, or arrange the SO_BINDTODEVICE shim), drop
 * privileges, exec. It never stays around as a parent: signals, the terminal
 * and the exit status are the command's own.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind.h"
#include "cmd.h"
#include "netlink.h"

/* As env(1) and chroot(1): our own failure, cannot execute, not found. */
enum {
	EXIT_OWN = 125,
	EXIT_CANNOT_EXEC = 126,
	EXIT_NOT_FOUND = 127,
};

enum method { METHOD_AUTO, METHOD_CGROUP, METHOD_SOCKOPT };

struct exec_req {
	const char *vrf;
	unsigned ifindex;
	enum method method;
	const char *user;            /* -u USER[:GROUP] */
	char **argv;                 /* the command */
	char path[PATH_MAX];         /* argv[0] resolved */
	const struct vrf_log *log;
	int verbose;
};

static void usage(const struct vrf_log *log, const char *prog)
{
	vrf_err(log, "usage: %s [-u USER[:GROUP]] [-m auto|cgroup|sockopt] [-q] [-v] VRF [--] "
		"COMMAND [ARG...]", prog);
}

/* The names of the VRFs there are, for an error that helps. */
static void known_vrfs(struct vrf_nl *nl, char *out, size_t size)
{
	struct vrf_state st = { 0 };
	size_t n = 0;

	out[0] = '\0';
	if (vrf_nl_observe(nl, &st) < 0)
		goto out;
	for (size_t i = 0; i < st.n_links; i++) {
		if (!st.links[i].is_vrf)
			continue;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? ", " : "",
				      st.links[i].name);
	}
out:
	if (!out[0])
		snprintf(out, size, "none");
	vrf_state_free(&st);
}

/* Is vrf a VRF device, and which ifindex? "default" is none: 0. */
static int resolve_vrf(struct exec_req *req)
{
	struct vrf_nl *nl = NULL;
	char known[512];
	int r;

	if (strcmp(req->vrf, VRF_BIND_DEFAULT) == 0) {
		req->ifindex = 0;
		return 0;
	}
	r = vrf_nl_open(&nl);
	if (r < 0) {
		vrf_err(req->log, "cannot open a netlink socket: %s", strerror(-r));
		return r;
	}
	r = vrf_nl_vrf_ifindex(nl, req->vrf);
	if (r == -ENODEV && if_nametoindex(req->vrf) &&
	    getenv("VRF_EXEC_ALLOW_ANY_DEVICE") &&
	    strcmp(getenv("VRF_EXEC_ALLOW_ANY_DEVICE"), "1") == 0)
		r = (int)if_nametoindex(req->vrf);   /* a testing aid, see vrf-exec(8) */
	if (r == -ENODEV) {
		known_vrfs(nl, known, sizeof(known));
		if (if_nametoindex(req->vrf))
			vrf_err(req->log, "'%s' is not a VRF device (VRFs: %s)", req->vrf, known);
		else
			vrf_err(req->log, "no VRF '%s' (VRFs: %s)", req->vrf, known);
	} else if (r < 0) {
		vrf_err(req->log, "cannot look up '%s': %s", req->vrf, strerror(-r));
	} else {
		req->ifindex = (unsigned)r;
		r = 0;
	}
	vrf_nl_close(nl);
	return r;
}

/* argv[0] as execvp would find it; EXIT_NOT_FOUND / EXIT_CANNOT_EXEC or 0. */
static int resolve_command(struct exec_req *req)
{
	const char *name = req->argv[0], *path = getenv("PATH");
	char dirs[4096], *dir, *save = NULL;

	if (strchr(name, '/')) {
		snprintf(req->path, sizeof(req->path), "%s", name);
	} else {
		snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/bin:/bin");
		req->path[0] = '\0';
		for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
			char candidate[PATH_MAX];

			snprintf(candidate, sizeof(candidate), "%s/%s", *dir ? dir : ".", name);
			if (access(candidate, F_OK) == 0) {
				snprintf(req->path, sizeof(req->path), "%s", candidate);
				if (access(candidate, X_OK) == 0)
					break;
			}
		}
	}
	if (!req->path[0] || access(req->path, F_OK) < 0) {
		vrf_err(req->log, "%s: command not found", name);
		return EXIT_NOT_FOUND;
	}
	if (access(req->path, X_OK) < 0) {
		vrf_err(req->log, "%s: cannot execute: %s", req->path, strerror(errno));
		return EXIT_CANNOT_EXEC;
	}
	return 0;
}

/*
 * A dynamic executable has a PT_INTERP program header (the loader that honours
 * LD_PRELOAD). 1: static, 0: dynamic, -errno: cannot tell (a script is fine:
 * its interpreter is what runs, and is looked at by the kernel, not us).
 */
static int is_static_elf(const char *path)
{
	unsigned char ident[EI_NIDENT];
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, ident, sizeof(ident), 0) != sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		goto out;   /* not ELF: a script */
	r = 1;
	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			goto out;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)) != sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP)
				r = 0;
		}
	} else {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
			goto out;
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf32_Phdr ph;

			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)) != sizeof(ph))
				break;
			if (ph.p_type == PT_INTERP)
				r = 0;
		}
	}
out:
	close(fd);
	return r;
}

static int bind_sockopt(struct exec_req *req)
{
	const char *preload = getenv("VRF_EXEC_PRELOAD");
	const char *old = getenv("LD_PRELOAD");
	char value[PATH_MAX * 2];
	struct stat st;

	if (req->ifindex == 0)
		return 0;   /* "default": nothing to bind */
	if (is_static_elf(req->path) == 1) {
		vrf_err(req->log, "%s is statically linked: the sockopt method cannot bind its "
			"sockets (use -m cgroup, as root)", req->path);
		return -ENOEXEC;
	}
	if (stat(req->path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID))) {
		vrf_err(req->log, "%s is setuid/setgid: the loader ignores the sockopt shim "
			"there (use -m cgroup, as root)", req->path);
		return -EPERM;
	}
	if (!preload || !*preload)
		preload = VRF_PRELOAD_PATH;
	if (access(preload, R_OK) < 0) {
		vrf_err(req->log, "%s: %s", preload, strerror(errno));
		return -ENOENT;
	}
	snprintf(value, sizeof(value), "%s%s%s", preload, old && *old ? ":" : "", old ? old : "");
	if (setenv("LD_PRELOAD", value, 1) < 0 || setenv("VRF_EXEC_DEVICE", req->vrf, 1) < 0)
		return -errno;
	if (req->verbose)
		vrf_notice(req->log, "sockopt method: SO_BINDTODEVICE %s via %s", req->vrf, preload);
	return 0;
}

/* Join the VRF's cgroup, preparing it first when missing or stale. */
static int bind_cgroup(struct exec_req *req)
{
	int r;

	if (vrf_bind_cgroup_ifindex(req->vrf) != (int)req->ifindex) {
		r = vrf_bind_cgroup_prepare(req->vrf, req->ifindex, req->log);
		if (r < 0)
			return r;
	}
	r = vrf_bind_cgroup_join(req->vrf, req->log);
	if (r >= 0 && req->verbose)
		vrf_notice(req->log, "cgroup method: vrf/%s (ifindex %u)", req->vrf, req->ifindex);
	return r;
}

static int choose_method(struct exec_req *req)
{
	char root[512];
	bool cgroup_ok = geteuid() == 0 && vrf_bind_cgroup2_root(root, sizeof(root)) == 0;

	if (req->method == METHOD_CGROUP && !cgroup_ok) {
		vrf_err(req->log, "the cgroup method needs root and a mounted cgroup2 (%s)",
			geteuid() ? "not root" : "no cgroup2 found");
		return -EPERM;
	}
	if (req->method == METHOD_AUTO)
		req->method = cgroup_ok ? METHOD_CGROUP : METHOD_SOCKOPT;
	return 0;
}

/* Drop to -u USER[:GROUP] for good: groups, then gid, then uid. */
static int drop_privileges(struct exec_req *req)
{
	char user[256], *group;
	struct passwd *pw;
	gid_t gid;
	uid_t uid;

	snprintf(user, sizeof(user), "%s", req->user);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long n = strtoul(user, &end, 10);

		if (!*user || *end || !(pw = getpwuid((uid_t)n))) {
			vrf_err(req->log, "-u %s: no such user", req->user);
			return -ENOENT;
		}
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (group && *group) {
		struct group *gr = getgrnam(group);
		char *end;
		unsigned long n = strtoul(group, &end, 10);

		if (gr)
			gid = gr->gr_gid;
		else if (!*end)
			gid = (gid_t)n;
		else {
			vrf_err(req->log, "-u %s: no such group '%s'", req->user, group);
			return -ENOENT;
		}
	}
	if ((group ? setgroups(1, &gid) : initgroups(pw->pw_name, gid)) < 0 ||
	    setgid(gid) < 0 || setuid(uid) < 0) {
		vrf_err(req->log, "-u %s: cannot switch: %s", req->user, strerror(errno));
		return -errno;
	}
	/* The point of no return must be one: getting root back has to fail. */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		vrf_err(req->log, "-u %s: privileges could be regained; refusing to run", req->user);
		return -EPERM;
	}
	return 0;
}

int vrfctl_exec_main(const char *prog, const struct vrf_log *log, int verbose, int argc,
		     char **argv)
{
	static const struct option longopts[] = {
		{ "user",    required_argument, NULL, 'u' },
		{ "method",  required_argument, NULL, 'm' },
		{ "quiet",   no_argument,       NULL, 'q' },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exec_req req = { .log = log, .verbose = verbose };
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+u:m:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': req.user = optarg; break;
		case 'q': req.verbose = 0; break;
		case 'v': req.verbose++; break;
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				req.method = METHOD_AUTO;
			else if (strcmp(optarg, "cgroup") == 0)
				req.method = METHOD_CGROUP;
			else if (strcmp(optarg, "sockopt") == 0)
				req.method = METHOD_SOCKOPT;
			else {
				vrf_err(log, "-m %s: not auto, cgroup or sockopt", optarg);
				return EXIT_OWN;
			}
			break;
		default:
			usage(log, prog);
			return c == 'h' ? 0 : EXIT_OWN;
		}
	}
	if (argc - optind < 2) {
		usage(log, prog);
		return EXIT_OWN;
	}
	req.vrf = argv[optind];
	req.argv = argv + optind + 1;
	if (resolve_vrf(&req) < 0)
		return EXIT_OWN;
	r = resolve_command(&req);
	if (r)
		return r;
	if (choose_method(&req) < 0)
		return EXIT_OWN;
	r = req.method == METHOD_CGROUP ? bind_cgroup(&req) : bind_sockopt(&req);
	if (r < 0)
		return EXIT_OWN;
	if (req.user && drop_privileges(&req) < 0)
		return EXIT_OWN;
	execv(req.path, req.argv);
	vrf_err(log, "%s: %s", req.path, strerror(errno));
	return errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}
