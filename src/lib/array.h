/* SPDX-License-Identifier: MIT */
#ifndef VRF_ARRAY_H
#define VRF_ARRAY_H
/*
 * The one growable array: a typed pointer and its count, kept as two plain
 * fields of the owner (st->routes, st->n_routes) so that every reader indexes
 * them as the C array they are. Only vrf_array_push grows them, so the room
 * need not be stored: it is the next power of two of the count (kmod's
 * shared/array.h doubles the same way). Lowering the count (a dump started
 * again) keeps the room; free(items) frees it.
 */
#include <stddef.h>

/*
 * Append one zeroed element to *itemsp, an array of *n elements of size
 * bytes each (NULL and 0 at first); returns it, or NULL without memory (the
 * array is then unchanged).
 */
void *vrf_array_push(void *itemsp, size_t *n, size_t size);

/* The same, typed: struct vrf_route *r = VRF_ARRAY_PUSH(st->routes, st->n_routes); */
#define VRF_ARRAY_PUSH(items, n) \
	((__typeof__(&(items)[0]))vrf_array_push(&(items), &(n), sizeof((items)[0])))

#endif
