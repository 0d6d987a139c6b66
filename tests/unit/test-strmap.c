/* SPDX-License-Identifier: MIT */
/*
 * The name map under memory pressure: rtnl.c's ifindex cache forgets a
 * device that is made again by setting its value to 0, so a change of a
 * key already in the map must never fail and leave the old value there.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "fail-alloc.h"
#include "strmap.h"

/* Full up to the next growth: an added key would have to allocate. */
static void fill(struct vrf_strmap *map)
{
	char key[16];

	for (size_t i = 0; i < 32; i++) {
		snprintf(key, sizeof(key), "eth%zu", i);
		assert_int_equal(vrf_strmap_put(map, key, i + 1), 0);
	}
}

static void changing_a_key_never_allocates(void **state)
{
	struct vrf_strmap map = { 0 };
	size_t value = 99;

	(void)state;
	fill(&map);
	fail_alloc_arm(0);
	assert_int_equal(vrf_strmap_put(&map, "eth7", 0), 0);
	fail_alloc_disarm();
	assert_true(vrf_strmap_get(&map, "eth7", &value));
	assert_int_equal(value, 0);
	vrf_strmap_free(&map);
}

/* An added key that fails is not there, and the rest is unchanged. */
static void adding_without_memory_leaves_the_map(void **state)
{
	struct vrf_strmap map = { 0 };
	size_t value;

	(void)state;
	fill(&map);
	for (long n = 0; n < 2; n++) {   /* the growth, then the copy of the key */
		fail_alloc_arm(n);
		assert_int_equal(vrf_strmap_put(&map, "vrf-new", 1), -ENOMEM);
		fail_alloc_disarm();
		assert_false(vrf_strmap_get(&map, "vrf-new", NULL));
		assert_true(vrf_strmap_get(&map, "eth31", &value));
		assert_int_equal(value, 32);
	}
	vrf_strmap_free(&map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(changing_a_key_never_allocates),
		cmocka_unit_test(adding_without_memory_leaves_the_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
