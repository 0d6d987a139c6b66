/* SPDX-License-Identifier: MIT */
#ifndef VRF_TEST_FAIL_ALLOC_H
#define VRF_TEST_FAIL_ALLOC_H
/*
 * A unit test linked with fail-alloc.c and FAIL_ALLOC_LINK (Makefile.am)
 * wraps the allocator: once armed, allocation number fail_at (0-based)
 * returns NULL, so that a loop can make each allocation of a call fail in
 * turn. The test's own allocations and the library's are counted alike:
 * arm only around the call under test.
 */
extern long fail_at;            /* -1: never */
extern long allocs;             /* allocations counted since armed */

static inline void fail_alloc_arm(long n)
{
	fail_at = n;
	allocs = 0;
}

static inline void fail_alloc_disarm(void)
{
	fail_at = -1;
}

#endif
