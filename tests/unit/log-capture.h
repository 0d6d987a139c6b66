/* SPDX-License-Identifier: MIT */
#ifndef VRF_TEST_LOG_CAPTURE_H
#define VRF_TEST_LOG_CAPTURE_H
/*
 * The log hook of the unit tests that compare what the library said: each
 * message one line, appended to a buffer of VRF_TEST_LOG_SIZE bytes (what
 * does not fit is dropped), whatever its priority.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"

#define VRF_TEST_LOG_SIZE 4096

static inline void vrf_test_log_append(void *data, int priority, const char *msg)
{
	char *buf = data;
	size_t used = strlen(buf);

	(void)priority;
	snprintf(buf + used, VRF_TEST_LOG_SIZE - used, "%s\n", msg);
}

/* A hook appending to buf, a char[VRF_TEST_LOG_SIZE]. */
#define VRF_TEST_LOG(buf) ((struct vrf_log){ .fn = vrf_test_log_append, .data = (buf) })

#endif
