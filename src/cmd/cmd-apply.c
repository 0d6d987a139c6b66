/* SPDX-License-Identifier: MIT */
#include "config.h"

#include "cmd.h"

int vrfctl_cmd_apply(const struct vrfctl_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vrf_err(&opts->log, "apply: not implemented yet");
	return VRFCTL_EXIT_ERROR;
}

int vrfctl_cmd_plan(const struct vrfctl_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vrf_err(&opts->log, "plan: not implemented yet");
	return VRFCTL_EXIT_ERROR;
}

int vrfctl_cmd_down(const struct vrfctl_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vrf_err(&opts->log, "down: not implemented yet");
	return VRFCTL_EXIT_ERROR;
}
