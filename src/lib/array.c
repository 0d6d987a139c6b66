/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

void *vrf_array_push(void *itemsp, size_t *n, size_t size)
{
	char **items = itemsp;

	/* Full exactly when n is 0 or a power of two: grow to twice n. */
	if ((*n & (*n - 1)) == 0) {
		size_t room = *n ? 2 * *n : 1;
		char *grown;

		if (room > SIZE_MAX / size)
			return NULL;
		grown = realloc(*items, room * size);
		if (!grown)
			return NULL;
		*items = grown;
	}
	memset(*items + *n * size, 0, size);
	return *items + (*n)++ * size;
}
