/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "cmd.h"

int main(int argc, char **argv)
{
	struct vrfctl_stderr_log sl = { .prog = "vrf-exec" };
	struct vrf_log log = { .fn = vrfctl_log_stderr, .data = &sl };

	return vrfctl_exec_main("vrf-exec", &log, 0, argc, argv);
}
