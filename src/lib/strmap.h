/* SPDX-License-Identifier: MIT */
#ifndef VRF_STRMAP_H
#define VRF_STRMAP_H
/*
 * Names to numbers, for the lookups that run once per VRF or per device:
 * with a thousand VRFs a scan each time is a million comparisons. The map
 * keeps its own copies of the keys. Zeroed is empty.
 */
#include <stdbool.h>
#include <stddef.h>

struct vrf_strmap {
	struct vrf_strmap_slot *slots;
	size_t cap, used;
};

/*
 * Set key's value (adding key). 0, or -ENOMEM (the map is unchanged); only
 * adding a key allocates, so changing one already in always succeeds.
 */
int vrf_strmap_put(struct vrf_strmap *map, const char *key, size_t value);
/* key's value into *value (may be NULL): true, or false when key is not in. */
bool vrf_strmap_get(const struct vrf_strmap *map, const char *key, size_t *value);
void vrf_strmap_free(struct vrf_strmap *map);

#endif
