/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct vrf_strmap_slot {
	char *key;                   /* NULL: free */
	size_t value;
};

static size_t hash(const char *key)
{
	uint64_t h = 14695981039346656037u;   /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211u;
	return (size_t)h;
}

/* Open addressing, linear probing: the slot of key, or the free one for it. */
static struct vrf_strmap_slot *find(const struct vrf_strmap *map, const char *key)
{
	size_t mask = map->cap - 1, i = hash(key) & mask;

	while (map->slots[i].key && strcmp(map->slots[i].key, key) != 0)
		i = (i + 1) & mask;
	return &map->slots[i];
}

static int grow(struct vrf_strmap *map)
{
	struct vrf_strmap old = *map;

	map->cap = old.cap ? old.cap * 2 : 64;
	map->slots = calloc(map->cap, sizeof(*map->slots));
	if (!map->slots) {
		*map = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find(map, old.slots[i].key) = old.slots[i];
	free(old.slots);
	return 0;
}

int vrf_strmap_put(struct vrf_strmap *map, const char *key, size_t value)
{
	struct vrf_strmap_slot *slot = map->cap ? find(map, key) : NULL;

	/* A key already in is changed in place, which cannot fail: a cache that
	 * forgets a value by setting it to 0 never keeps the stale one. */
	if (slot && slot->key) {
		slot->value = value;
		return 0;
	}
	/* At most half full, so probes stay short. */
	if ((map->used + 1) * 2 > map->cap && grow(map) < 0)
		return -ENOMEM;
	slot = find(map, key);
	slot->key = strdup(key);
	if (!slot->key)
		return -ENOMEM;
	map->used++;
	slot->value = value;
	return 0;
}

bool vrf_strmap_get(const struct vrf_strmap *map, const char *key, size_t *value)
{
	const struct vrf_strmap_slot *slot;

	if (!map->cap)
		return false;
	slot = find(map, key);
	if (slot->key && value)
		*value = slot->value;
	return slot->key != NULL;
}

void vrf_strmap_free(struct vrf_strmap *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->slots[i].key);
	free(map->slots);
	map->slots = NULL;
	map->cap = map->used = 0;
}
