/* SPDX-License-Identifier: MIT */
#ifndef VRFCTL_CMD_H
#define VRFCTL_CMD_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "log.h"
#include "observe.h"
#include "pending.h"
#include "rtnl.h"

/* Exit statuses shared by every subcommand. */
enum {
	VRFCTL_EXIT_OK = 0,
	VRFCTL_EXIT_ERROR = 1,
	VRFCTL_EXIT_PENDING = 2,   /* plan: changes pending */
	VRFCTL_EXIT_INCOMPLETE = 3, /* plan: nothing to change now, but parts wait for devices */
};

/* What the global options said; built by main, read by the subcommands. */
struct vrfctl_opts {
	const char *config_path;   /* -c FILE; NULL: /etc/vrfctl.conf + /etc/vrfctl.d */
	const char *state_dir;     /* $VRFCTL_STATE_DIR or /run/vrfctl */
	bool json;
	bool dry_run;
	bool force;
	int verbose;
	struct vrf_log log;
};

/* One subcommand: argv[0] is the subcommand's name, getopt-ready. */
struct vrfctl_cmd {
	const char *name;
	const char *args;          /* for the usage line */
	int (*run)(const struct vrfctl_opts *opts, int argc, char **argv);
};

int vrfctl_cmd_check(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_apply(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_plan(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_down(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_status(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_watch(const struct vrfctl_opts *opts, int argc, char **argv);
int vrfctl_cmd_exec(const struct vrfctl_opts *opts, int argc, char **argv);

/* The pending parts, one a line ("member eth9 of vrf mgmt (FILE:3): does not exist yet"). */
void vrfctl_pending_write(const struct vrf_pending_list *list, const char *indent, FILE *out);
/* The same as a JSON array under key: kind, name, vrf, reason, file, line. */
void vrfctl_pending_json(struct vrf_json *j, const char *key, const struct vrf_pending_list *list);

/*
 * The kernel's state, read while the config is (kernel-view.c): begin before
 * the config is read, finish after. locked: under vrfctl's lock, for a run
 * that changes anything; the lock is then taken at begin only if it can be had
 * quietly, else at finish.
 */
struct vrfctl_kernel_view {
	bool locked;
	int lock;                    /* -1: not held */
	unsigned rtnl_flags;         /* for vrf_rtnl_open */
	struct vrf_rtnl *rt;         /* the socket, for carrying out a plan on */
	struct vrf_state state;
	int open_r, observe_r;
	pthread_t thread;
	bool started, running;
};
#define VRFCTL_KERNEL_VIEW_INIT(is_locked, flags) \
	{ .locked = (is_locked), .lock = -1, .rtnl_flags = (flags) }
void vrfctl_kernel_view_begin(struct vrfctl_kernel_view *kv, const struct vrfctl_opts *o);
/* The lock (if locked) and the state, waited for: 0, or -1 reported. */
int vrfctl_kernel_view_finish(struct vrfctl_kernel_view *kv, const struct vrfctl_opts *o);
void vrfctl_kernel_view_free(struct vrfctl_kernel_view *kv);

struct vrf_config;
/*
 * `vrfctl apply` of a config already read (vrfctl watch applies it again and
 * again): observe, plan, carry out. An exit status; the number of changes
 * made to *changes (may be NULL).
 */
int vrfctl_apply_config(const struct vrfctl_opts *opts, struct vrf_config *cfg, size_t *changes);

/* The stderr log hook both front-ends install: "PROG: message". */
struct vrfctl_stderr_log {
	const char *prog;
	int verbose;
};
void vrfctl_log_stderr(void *data, int priority, const char *msg);

/* vrf-exec, also `vrfctl exec`: returns the exit status when it cannot exec. */
int vrfctl_exec_main(const char *prog, const struct vrf_log *log, int verbose, int argc,
		     char **argv);

#endif
