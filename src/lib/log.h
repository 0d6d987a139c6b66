/* SPDX-License-Identifier: MIT */
#ifndef VRF_LOG_H
#define VRF_LOG_H

#include <stdarg.h>
#include <syslog.h>

/*
 * The library never prints. Every message, a config error with its file:line
 * or a kernel refusal, goes through the one hook the caller installs here; the
 * front-ends print to stderr, the unit tests capture into a buffer.
 * Priorities are syslog's (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO,
 * LOG_DEBUG).
 */
typedef void (*vrf_log_fn)(void *data, int priority, const char *msg);

struct vrf_log {
	vrf_log_fn fn;
	void *data;
};

void vrf_logv(const struct vrf_log *log, int priority, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void vrf_logf(const struct vrf_log *log, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define vrf_err(log, ...)    vrf_logf((log), LOG_ERR, __VA_ARGS__)
#define vrf_warn(log, ...)   vrf_logf((log), LOG_WARNING, __VA_ARGS__)
#define vrf_notice(log, ...) vrf_logf((log), LOG_NOTICE, __VA_ARGS__)
#define vrf_info(log, ...)   vrf_logf((log), LOG_INFO, __VA_ARGS__)
#define vrf_debug(log, ...)  vrf_logf((log), LOG_DEBUG, __VA_ARGS__)

#endif
