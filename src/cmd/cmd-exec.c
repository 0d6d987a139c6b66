/* SPDX-License-Identifier: MIT */
#include "cmd.h"

int vrfctl_cmd_exec(const struct vrfctl_opts *opts, int argc, char **argv)
{
	return vrfctl_exec_main("vrfctl exec", &opts->log, opts->verbose, argc, argv);
}
