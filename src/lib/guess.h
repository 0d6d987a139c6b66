/* SPDX-License-Identifier: MIT */
#ifndef VRF_GUESS_H
#define VRF_GUESS_H
/*
 * "Did you mean": the candidate closest to a word that was not found, if
 * close enough to be a typo of it. Fed one candidate at a time, so the
 * caller's own table (keys, interfaces, Docker's names) needs no copy.
 *
 *	struct vrf_guess g;
 *	vrf_guess_init(&g, "eht0");
 *	for (...) vrf_guess_try(&g, link->name);
 *	if (g.best) ... "did you mean '%s'?", g.best
 */
#include <stddef.h>

struct vrf_guess {
	const char *word;
	const char *best;            /* NULL: nothing close */
	size_t best_d;
};

/* Edit distance with swaps of neighbours counted as one, case-insensitive;
 * (size_t)-1 for words over 32 characters, which are never close. */
size_t vrf_guess_distance(const char *a, const char *b);

void vrf_guess_init(struct vrf_guess *g, const char *word);
/* Keep candidate if it is closer than the best so far and a likely typo:
 * at most two edits, and at most one for each two of its characters. */
void vrf_guess_try(struct vrf_guess *g, const char *candidate);

#endif
