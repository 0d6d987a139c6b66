/* SPDX-License-Identifier: MIT */
#ifndef VRF_CLOCK_H
#define VRF_CLOCK_H

#include <time.h>

/* Milliseconds of CLOCK_MONOTONIC: for deadlines, which a clock set by an
 * admin or NTP must not move. */
static inline long long vrf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
