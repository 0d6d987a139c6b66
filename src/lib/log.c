/* SPDX-License-Identifier: MIT */

#include <stdio.h>

#include "log.h"

void vrf_logv(const struct vrf_log *log, int priority, const char *fmt, va_list ap)
{
	char msg[1024];

	/* A library used without a hook stays silent rather than guessing. */
	if (!log || !log->fn)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log->fn(log->data, priority, msg);
}

void vrf_logf(const struct vrf_log *log, int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrf_logv(log, priority, fmt, ap);
	va_end(ap);
}
