/* SPDX-License-Identifier: MIT */

#include <ctype.h>
#include <string.h>

#include "guess.h"

size_t vrf_guess_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t d[33][33];

	if (la > 32 || lb > 32)
		return (size_t)-1;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			int ai = tolower((unsigned char)a[i - 1]), bj = tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + (ai != bj);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			/* A swap of two neighbours is one typo, not two ("vfr"). */
			if (i > 1 && j > 1 && ai == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == bj && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

void vrf_guess_init(struct vrf_guess *g, const char *word)
{
	g->word = word;
	g->best = NULL;
	g->best_d = 3;
}

void vrf_guess_try(struct vrf_guess *g, const char *candidate)
{
	size_t d;

	/* The word itself is no guess; the word in other case is a good one. */
	if (strcmp(g->word, candidate) == 0)
		return;
	d = vrf_guess_distance(g->word, candidate);
	/* Two edits in a three-letter word is a different word. */
	if (d < g->best_d && 2 * d <= strlen(candidate)) {
		g->best = candidate;
		g->best_d = d;
	}
}
