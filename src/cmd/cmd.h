/* SPDX-License-Identifier: MIT */
#ifndef VRFCTL_CMD_H
#define VRFCTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

/* Exit statuses shared by every subcommand. */
enum {
	VRFCTL_EXIT_OK = 0,
	VRFCTL_EXIT_ERROR = 1,
	VRFCTL_EXIT_PENDING = 2,   /* plan: changes pending */
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
