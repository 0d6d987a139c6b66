/* SPDX-License-Identifier: MIT */
/*
 * vrf-exec's whole job, shared by `vrf-exec` and `vrfctl exec`: check the VRF,
 * bind (join the VRF's cgroup, or arrange the SO_BINDTODEVICE shim), drop
 * privileges, exec. It never stays around as a parent: signals, the terminal
 * and the exit status are the command's own.
 */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bind.h"
#include "cmd.h"
#include "confine.h"
#include "observe.h"
#include "rtnl.h"

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
	unsigned *ports;             /* the VRF's ports: its egress check lets out by them */
	size_t n_ports;
	enum method method;
	const char *user;            /* -u USER[:GROUP] */
	uid_t uid;                   /* -u resolved */
	gid_t gid;
	bool own_groups;             /* the user's groups (initgroups), not GROUP alone */
	char user_name[256];
	/* Hardening of the program, each on by default with -u. */
	bool keep_privileges;        /* no no_new_privs */
	bool no_seccomp;
	bool no_landlock;
	pid_t pid;                   /* --pid: move this process instead of running a command */
	char where[4096];            /* the cgroup joined, from the cgroup2 root */
	char **argv;                 /* the command */
	char path[PATH_MAX];         /* argv[0] resolved */
	const struct vrf_log *log;
	int verbose;
};

#define USAGE "[-u USER[:GROUP]] [-m auto|cgroup|sockopt] [--keep-privileges] " \
	"[--no-seccomp] [--no-landlock] [-q] [-v] VRF [--] COMMAND [ARG...]"
/* For a service manager's shell: bind it, clean up after it (vrf-exec(8)). */
#define USAGE_PID "[-m auto|cgroup] [-q] [-v] --pid PID VRF"
#define USAGE_PRUNE "--prune CGROUP..."

static void usage(const struct vrf_log *log, const char *prog)
{
	vrf_err(log, "usage: %s " USAGE " (or " USAGE_PID ", or " USAGE_PRUNE ")", prog);
}

/* Is vrf a VRF device, which ifindex, which ports? "default" is none: 0. */
static int resolve_vrf(struct exec_req *req)
{
	/* A test hook, read only by a test build (configure --enable-test-hooks). */
	const char *any = VRF_TEST_HOOKS ? getenv("VRF_EXEC_ALLOW_ANY_DEVICE") : NULL;
	struct vrf_rtnl *rt = NULL;
	char known[512];
	int r;

	if (strcmp(req->vrf, VRF_BIND_DEFAULT) == 0) {
		req->ifindex = 0;
		return 0;
	}
	r = vrf_rtnl_open(&rt, 0);
	if (r == 0)
		r = vrf_observe_vrf(rt, req->vrf, &req->ports, &req->n_ports);
	if (r == -EMEDIUMTYPE && any && strcmp(any, "1") == 0)
		r = (int)if_nametoindex(req->vrf);   /* a testing aid, see vrf-exec(8) */
	if (r == -ENODEV || r == -EMEDIUMTYPE) {
		/* For an error that helps: the VRFs there are. */
		if (vrf_observe_vrf_names(rt, known, sizeof(known)) < 0 || !known[0])
			snprintf(known, sizeof(known), "none");
		if (r == -EMEDIUMTYPE)
			vrf_err(req->log, "'%s' is not a VRF device (VRFs: %s)", req->vrf, known);
		else
			vrf_err(req->log, "no VRF '%s' (VRFs: %s)", req->vrf, known);
		r = -ENODEV;
	} else if (r <= 0) {
		vrf_err(req->log, "cannot look up '%s': %s", req->vrf, strerror(r ? -r : ENODEV));
		r = r ? r : -ENODEV;
	} else {
		req->ifindex = (unsigned)r;
		r = 0;
	}
	vrf_rtnl_close(rt);
	return r;
}

/*
 * name in the directories of PATH, into req->path: the first executable one,
 * else the first that exists (for the message). Read in place: a copy into a
 * buffer would cut a long PATH short.
 */
static void search_path(struct exec_req *req, const char *name, const char *dir)
{
	for (;;) {
		size_t len = strcspn(dir, ":");
		char candidate[PATH_MAX];
		/* An empty entry is the current directory, as for execvp. */
		int n = snprintf(candidate, sizeof(candidate), "%.*s/%s", len ? (int)len : 1,
				 len ? dir : ".", name);

		/* A name longer than PATH_MAX cannot be run: execvp skips it too. */
		if (n > 0 && (size_t)n < sizeof(candidate) && access(candidate, F_OK) == 0) {
			snprintf(req->path, sizeof(req->path), "%s", candidate);
			if (access(candidate, X_OK) == 0)
				return;
		}
		if (!dir[len])
			return;
		dir += len + 1;
	}
}

/* argv[0] as execvp would find it; EXIT_NOT_FOUND / EXIT_CANNOT_EXEC or 0. */
static int resolve_command(struct exec_req *req)
{
	const char *name = req->argv[0], *path = getenv("PATH");

	req->path[0] = '\0';
	if (strchr(name, '/'))
		snprintf(req->path, sizeof(req->path), "%s", name);
	else
		search_path(req, name, path && *path ? path : "/usr/bin:/bin");
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
 * What execvp does when the kernel cannot run a file (ENOEXEC: a script
 * without "#!"): run it with /bin/sh. Returns the errno when that fails.
 */
static int exec_shell(struct exec_req *req)
{
	size_t argc = 0;
	char **argv;

	while (req->argv[argc])
		argc++;
	argv = calloc(argc + 2, sizeof(*argv));
	if (!argv)
		return ENOMEM;
	argv[0] = (char *)"/bin/sh";
	argv[1] = req->path;
	memcpy(argv + 2, req->argv + 1, (argc - 1) * sizeof(*argv));
	execv(argv[0], argv);
	free(argv);
	return errno;
}

/* Is preload already one of the entries of LD_PRELOAD (a nested vrf-exec)? */
static bool preloaded(const char *list, const char *preload)
{
	size_t len = strlen(preload);

	for (const char *p = list; p && *p; p += strcspn(p, ": ")) {
		p += strspn(p, ": ");
		if (strncmp(p, preload, len) == 0 && (p[len] == '\0' || p[len] == ':' || p[len] == ' '))
			return true;
	}
	return false;
}

static int bind_sockopt(struct exec_req *req)
{
	const char *preload = getenv("VRF_EXEC_PRELOAD");
	const char *old = getenv("LD_PRELOAD");
	char value[PATH_MAX * 2], current[IFNAMSIZ + 16];
	int r;

	/*
	 * A cgroup's program binds each socket at creation, before the shim
	 * runs; without CAP_NET_RAW a bound socket cannot be rebound (not even
	 * to the same device), so the shim would fail every socket() call.
	 */
	if (vrf_bind_cgroup_identify(0, current, sizeof(current)) == 0 && current[0]) {
		if (strcmp(current, req->vrf) == 0) {
			if (req->verbose)
				vrf_notice(req->log, "already in vrf %s's cgroup: its sockets are "
					   "bound there", current);
			unsetenv("VRF_EXEC_DEVICE");
			return 0;
		}
		vrf_err(req->log, "this process is in vrf %s's cgroup, whose sockets stay bound to "
			"%s: the sockopt method cannot move it to %s (use -m cgroup, as root)",
			current, current, req->vrf);
		return -EPERM;
	}
	if (req->ifindex == 0) {
		/* "default": nothing to bind, and nothing inherited either. */
		unsetenv("VRF_EXEC_DEVICE");
		if (req->verbose)
			vrf_notice(req->log, "sockopt method: default, sockets left unbound");
		return 0;
	}
	r = vrf_bind_sockopt_check(req->path, req->log);
	if (r < 0)
		return r;
	if (!preload || !*preload)
		preload = VRF_PRELOAD_PATH;
	if (access(preload, R_OK) < 0) {
		vrf_err(req->log, "%s: %s", preload, strerror(errno));
		return -ENOENT;
	}
	if (preloaded(old, preload))
		snprintf(value, sizeof(value), "%s", old);
	else
		snprintf(value, sizeof(value), "%s%s%s", preload, old && *old ? ":" : "",
			 old ? old : "");
	if (setenv("LD_PRELOAD", value, 1) < 0 || setenv("VRF_EXEC_DEVICE", req->vrf, 1) < 0)
		return -errno;
	if (req->verbose)
		vrf_notice(req->log, "sockopt method: SO_BINDTODEVICE %s via %s", req->vrf, preload);
	return 0;
}

/*
 * After the privilege drop, as the program will be: can it bind a socket to
 * the device? Unprivileged, only on Linux >= 5.7; better one clear message
 * here than a program whose every socket() fails. A raw syscall, so a shim
 * inherited by vrf-exec itself does not bind this socket first.
 */
static int sockopt_preflight(struct exec_req *req)
{
	int fd = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, req->vrf,
				 (socklen_t)strlen(req->vrf) + 1) < 0) {
		r = -errno;
		vrf_err(req->log, "cannot bind a socket to %s as uid %ld: %s%s", req->vrf,
			(long)getuid(), strerror(-r),
			r == -EPERM ? " (before Linux 5.7 this needs CAP_NET_RAW; use -m cgroup as "
				      "root, with -u)" : "");
	}
	if (fd >= 0)
		close(fd);
	return r;
}

/* Join the VRF's cgroup, preparing it first when missing or stale. */
static int bind_cgroup(struct exec_req *req)
{
	int r = vrf_bind_cgroup_enter(req->vrf, req->ifindex, req->ports, req->n_ports,
				      req->where, sizeof(req->where), req->log);

	if (r < 0)
		return r;
	/* A shim inherited from a sockopt vrf-exec would rebind (as root). */
	unsetenv("VRF_EXEC_DEVICE");
	if (req->verbose)
		vrf_notice(req->log, "cgroup method: %s (ifindex %u)", req->where, req->ifindex);
	return 0;
}

/*
 * --pid: the caller (a service manager's shell, $$) goes where vrf-exec goes
 * for it: vrf-exec joins the VRF's cgroup as for a command, then moves the
 * caller after it. Only the caller, vrf-exec's parent: any other process of
 * the same cgroup would do for the placement, but at the root cgroup that
 * is every process, init too. And only while it is still in vrf-exec's
 * cgroup, for which the place was chosen.
 */
static int bind_pid(struct exec_req *req)
{
	char mine[4096], theirs[4096];
	int r;

	if (req->pid != getppid()) {
		vrf_err(req->log, "--pid %ld: not the process that runs vrf-exec (its parent, a "
			"shell's $$)", (long)req->pid);
		return -EPERM;
	}
	if (vrf_bind_cgroup_path(0, mine, sizeof(mine)) < 0 ||
	    vrf_bind_cgroup_path(req->pid, theirs, sizeof(theirs)) < 0 || strcmp(mine, theirs)) {
		vrf_err(req->log, "--pid %ld: not in vrf-exec's own cgroup", (long)req->pid);
		return -ESRCH;
	}
	r = bind_cgroup(req);
	if (r < 0)
		return r;
	r = vrf_bind_cgroup_move(req->pid, req->where, req->log);
	if (r == 0 && req->verbose)
		vrf_notice(req->log, "pid %ld moved to %s", (long)req->pid, req->where);
	return r;
}

/* --prune: the empty VRF cgroups nested below each cgroup named go. */
static int prune(const struct vrf_log *log, char **cgroups, int n)
{
	int status = 0;

	for (int i = 0; i < n; i++) {
		int r = vrf_bind_cgroup_prune(cgroups[i]);

		if (r < 0) {
			vrf_err(log, "--prune %s: %s", cgroups[i],
				r == -EINVAL ? "not a cgroup below the root (/PATH)" : strerror(-r));
			status = EXIT_OWN;
		}
	}
	return status;
}

/*
 * auto is the cgroup method, or nothing: the shim is advisory (a program
 * undoes it with a raw system call), so it is used only when asked for.
 */
static int choose_method(struct exec_req *req)
{
	bool root_user = geteuid() == 0;

	if (req->method == METHOD_AUTO && !root_user) {
		vrf_err(req->log, "not root: the cgroup method needs root; -m sockopt binds by an "
			"LD_PRELOAD shim instead, which the program can undo (see vrf-exec(8))");
		return -EPERM;
	}
	if (req->method == METHOD_AUTO)
		req->method = METHOD_CGROUP;
	if (req->method == METHOD_CGROUP && !root_user) {
		vrf_err(req->log, "the cgroup method needs root (to join a cgroup it does not own)");
		return -EPERM;
	}
	/* -u promises a program that cannot leave the VRF: the shim cannot keep it. */
	if (req->method == METHOD_SOCKOPT && req->user) {
		vrf_err(req->log, "-u with -m sockopt: the shim binds advisorily, a program can undo "
			"it; use the cgroup method (the default for root)");
		return -EPERM;
	}
	return 0;
}

/* A name, or a number with no name: uid/gid, or -ENOENT. */
static int user_id(const char *name, struct passwd **pw, uid_t *uid)
{
	char *end;
	unsigned long n;

	*pw = getpwnam(name);
	if (*pw) {
		*uid = (*pw)->pw_uid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (!*name || *end || errno || n >= (uid_t)-1)
		return -ENOENT;
	*uid = (uid_t)n;
	*pw = getpwuid(*uid);
	return 0;
}

static int group_id(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	char *end;
	unsigned long n;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	n = strtoul(name, &end, 10);
	if (!*name || *end || errno || n >= (gid_t)-1)
		return -ENOENT;
	*gid = (gid_t)n;
	return 0;
}

/* -u USER[:GROUP] to ids, with the name service (before any hardening). */
static int resolve_user(struct exec_req *req)
{
	char user[256], *group;
	struct passwd *pw;

	if (geteuid() != 0) {
		vrf_err(req->log, "-u %s: only root can switch users", req->user);
		return -EPERM;
	}
	snprintf(user, sizeof(user), "%s", req->user);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (user_id(user, &pw, &req->uid) < 0) {
		vrf_err(req->log, "-u %s: no such user", req->user);
		return -ENOENT;
	}
	if (group && *group) {
		if (group_id(group, &req->gid) < 0) {
			vrf_err(req->log, "-u %s: no such group '%s'", req->user, group);
			return -ENOENT;
		}
	} else if (pw) {
		req->gid = pw->pw_gid;
	} else {
		vrf_err(req->log, "-u %s: uid %lu has no passwd entry: give its group too "
			"(-u %lu:GID)", req->user, (unsigned long)req->uid, (unsigned long)req->uid);
		return -ENOENT;
	}
	req->own_groups = !(group && *group) && pw;
	if (req->own_groups)
		snprintf(req->user_name, sizeof(req->user_name), "%s", pw->pw_name);
	return 0;
}

/*
 * Switch to the resolved user for good: supplementary groups (the user's, or
 * only GROUP when given), then gid, then uid, then prove it cannot be undone.
 */
static int switch_user(struct exec_req *req)
{
	uid_t uid = req->uid, ruid, euid, suid;
	gid_t gid = req->gid, rgid, egid, sgid;
	int r;

	if ((req->own_groups ? initgroups(req->user_name, gid) : setgroups(1, &gid)) < 0 ||
	    setgid(gid) < 0 || setuid(uid) < 0) {
		r = -errno;
		vrf_err(req->log, "-u %s: cannot switch: %s", req->user, strerror(-r));
		return r;
	}
	/* The point of no return must be one: every id changed, root unreachable. */
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid ||
	    sgid != gid || (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0))) {
		vrf_err(req->log, "-u %s: privileges could be regained; refusing to run", req->user);
		return -EPERM;
	}
	return 0;
}

/*
 * With -u, close what the cgroup's programs cannot: see confine.h. Done
 * while still root, so Landlock and seccomp need no no_new_privs of their
 * own when --keep-privileges leaves it off. Each refusal names its switch.
 */
static int harden(struct exec_req *req)
{
	int r;

	if (!req->keep_privileges && vrf_confine_no_new_privs(req->log) < 0)
		return -EPERM;
	if (!req->no_landlock && (r = vrf_confine_landlock(req->log)) < 0) {
		vrf_err(req->log, "refusing to run; --no-landlock runs it all the same");
		return r;
	}
	if (!req->no_seccomp && (r = vrf_confine_seccomp(req->log)) < 0) {
		vrf_err(req->log, "refusing to run; --no-seccomp runs it all the same");
		return r;
	}
	if (req->verbose)
		vrf_notice(req->log, "confined: %s, %s, %s",
			   req->keep_privileges ? "privileges kept" : "no_new_privs",
			   req->no_landlock ? "no Landlock" : "Landlock",
			   req->no_seccomp ? "no seccomp" : "seccomp");
	return 0;
}

/* The front-end's log, minus what -q silences. */
struct exec_log {
	const struct vrf_log *parent;
	bool quiet;
	int verbose;                 /* -v shows info, -vv debug, whatever the hook's level */
};

static void exec_log_fn(void *data, int priority, const char *msg)
{
	const struct exec_log *el = data;

	if (el->quiet && priority > LOG_ERR)
		return;
	if (priority > LOG_NOTICE && priority <= LOG_NOTICE + el->verbose)
		priority = LOG_NOTICE;
	if (el->parent && el->parent->fn)
		el->parent->fn(el->parent->data, priority, msg);
}

/* Everything after the options: bind, harden, become the user, exec. */
static int run(struct exec_req *req)
{
	int r;

	if (resolve_vrf(req) < 0)
		return EXIT_OWN;
	if (req->pid) {
		if (req->method == METHOD_SOCKOPT) {
			vrf_err(req->log, "--pid: the sockopt method cannot bind another process");
			return EXIT_OWN;
		}
		return choose_method(req) < 0 || bind_pid(req) < 0 ? EXIT_OWN : 0;
	}
	r = resolve_command(req);
	if (r)
		return r;
	if (choose_method(req) < 0)
		return EXIT_OWN;
	/* No fallback: a program is started in its VRF or not at all. */
	r = req->method == METHOD_CGROUP ? bind_cgroup(req) : bind_sockopt(req);
	if (r < 0)
		return EXIT_OWN;
	if (req->user && (resolve_user(req) < 0 || harden(req) < 0 || switch_user(req) < 0))
		return EXIT_OWN;
	if (req->method == METHOD_SOCKOPT && getenv("VRF_EXEC_DEVICE") && sockopt_preflight(req) < 0)
		return EXIT_OWN;
	execv(req->path, req->argv);
	r = errno;
	if (r == ENOEXEC)
		r = exec_shell(req);
	vrf_err(req->log, "%s: %s", req->path, strerror(r));
	return r == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC;
}

int vrfctl_exec_main(const char *prog, const struct vrf_log *log, int verbose, int argc,
		     char **argv)
{
	enum { OPT_KEEP_PRIVILEGES = 256, OPT_NO_SECCOMP, OPT_NO_LANDLOCK, OPT_PID, OPT_PRUNE };
	static const struct option longopts[] = {
		{ "user",            required_argument, NULL, 'u' },
		{ "method",          required_argument, NULL, 'm' },
		{ "quiet",           no_argument,       NULL, 'q' },
		{ "verbose",         no_argument,       NULL, 'v' },
		{ "help",            no_argument,       NULL, 'h' },
		{ "keep-privileges", no_argument,       NULL, OPT_KEEP_PRIVILEGES },
		{ "no-seccomp",      no_argument,       NULL, OPT_NO_SECCOMP },
		{ "no-landlock",     no_argument,       NULL, OPT_NO_LANDLOCK },
		{ "pid",             required_argument, NULL, OPT_PID },
		{ "prune",           no_argument,       NULL, OPT_PRUNE },
		{ NULL, 0, NULL, 0 },
	};
	struct exec_log el = { .parent = log };
	struct vrf_log own = { .fn = exec_log_fn, .data = &el };
	struct exec_req req = { .log = &own, .verbose = verbose };
	bool pruning = false;
	char *end;
	long pid;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+u:m:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': req.user = optarg; break;
		case 'q': el.quiet = true; req.verbose = el.verbose = 0; break;
		case 'v': el.verbose = ++req.verbose; el.quiet = false; break;
		case OPT_KEEP_PRIVILEGES: req.keep_privileges = true; break;
		case OPT_NO_SECCOMP: req.no_seccomp = true; break;
		case OPT_NO_LANDLOCK: req.no_landlock = true; break;
		case OPT_PRUNE: pruning = true; break;
		case OPT_PID:
			errno = 0;
			pid = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || pid <= 0 || (pid_t)pid != pid) {
				vrf_err(&own, "--pid %s: not a process id", optarg);
				return EXIT_OWN;
			}
			req.pid = (pid_t)pid;
			break;
		case 'm':
			if (strcmp(optarg, "auto") == 0)
				req.method = METHOD_AUTO;
			else if (strcmp(optarg, "cgroup") == 0)
				req.method = METHOD_CGROUP;
			else if (strcmp(optarg, "sockopt") == 0)
				req.method = METHOD_SOCKOPT;
			else {
				vrf_err(&own, "-m %s: not auto, cgroup or sockopt", optarg);
				return EXIT_OWN;
			}
			break;
		case 'h':
			printf("usage: %s " USAGE "\n       %s " USAGE_PID "\n       %s " USAGE_PRUNE
			       "\nSee vrf-exec(8).\n", prog, prog, prog);
			return 0;
		default:
			usage(&own, prog);
			return EXIT_OWN;
		}
	}
	if (pruning) {
		if (optind == argc || req.pid || req.user) {
			usage(&own, prog);
			return EXIT_OWN;
		}
		return prune(&own, argv + optind, argc - optind);
	}
	/* --pid PID VRF: no command; nor -u, which is about a command. */
	if (req.pid) {
		if (argc - optind != 1 || req.user) {
			usage(&own, prog);
			return EXIT_OWN;
		}
		req.vrf = argv[optind];
		r = run(&req);
		free(req.ports);
		return r;
	}
	/* VRF [--] COMMAND: options end at VRF, so "--" may follow it. */
	if (argc - optind >= 2 && strcmp(argv[optind + 1], "--") == 0) {
		argv[optind + 1] = argv[optind];
		optind++;
	}
	if (argc - optind < 2) {
		usage(&own, prog);
		return EXIT_OWN;
	}
	req.vrf = argv[optind];
	req.argv = argv + optind + 1;
	r = run(&req);
	free(req.ports);
	return r;
}
