/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cmd.h"

void vrfctl_log_stderr(void *data, int priority, const char *msg)
{
	const struct vrfctl_stderr_log *sl = data;
	/* -v shows info, -vv debug; notices and worse always show. */
	int threshold = LOG_NOTICE + (sl ? sl->verbose : 0);

	if (priority > threshold)
		return;
	fprintf(stderr, "%s: %s%s\n", sl ? sl->prog : "vrfctl",
		priority == LOG_WARNING ? "warning: " : "", msg);
}
