/* SPDX-License-Identifier: MIT */

#include "cmd.h"

int vrfctl_cmd_exec(const struct vrfctl_opts *opts, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	vrf_err(&opts->log, "exec: not implemented yet");
	return VRFCTL_EXIT_ERROR;
}
