/* SPDX-License-Identifier: MIT */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const struct vrfctl_cmd commands[] = {
	{ "apply",  "[VRF...]",            vrfctl_cmd_apply },
	{ "plan",   "[VRF...]",            vrfctl_cmd_plan },
	{ "down",   "VRF...|--all",        vrfctl_cmd_down },
	{ "status", "[VRF]",               vrfctl_cmd_status },
	{ "check",  "",                    vrfctl_cmd_check },
	{ "watch",  "",                    vrfctl_cmd_watch },
	{ "exec",   "VRF COMMAND [ARG...]", vrfctl_cmd_exec },
};

static void usage(FILE *out)
{
	fputs("usage: vrfctl [-c FILE] [-j|--json] [-n|--dry-run] [-v] [--force] COMMAND\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-7s %s\n", commands[i].name, commands[i].args);
	fputs("See vrfctl(8).\n", out);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",  required_argument, NULL, 'c' },
		{ "json",    no_argument,       NULL, 'j' },
		{ "dry-run", no_argument,       NULL, 'n' },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "force",   no_argument,       NULL, 'F' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct vrfctl_stderr_log sl = { .prog = "vrfctl" };
	struct vrfctl_opts opts = {
		.log = { .fn = vrfctl_log_stderr, .data = &sl },
	};
	const char *state_dir = getenv("VRFCTL_STATE_DIR");
	int c;

	opts.state_dir = state_dir && *state_dir ? state_dir : "/run/vrfctl";
	/* '+': stop at the subcommand, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+c:jnvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opts.config_path = optarg; break;
		case 'j': opts.json = true; break;
		case 'n': opts.dry_run = true; break;
		case 'v': opts.verbose++; break;
		case 'F': opts.force = true; break;
		case 'h': usage(stdout); return VRFCTL_EXIT_OK;
		case 'V': puts(PACKAGE_STRING); return VRFCTL_EXIT_OK;
		default: usage(stderr); return VRFCTL_EXIT_ERROR;
		}
	}
	sl.verbose = opts.verbose;
	if (optind >= argc) {
		usage(stderr);
		return VRFCTL_EXIT_ERROR;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			argv += optind;
			argc -= optind;
			optind = 0;   /* glibc: reinitialise getopt for the subcommand */
			return commands[i].run(&opts, argc, argv);
		}
	}
	fprintf(stderr, "vrfctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return VRFCTL_EXIT_ERROR;
}
