/* SPDX-License-Identifier: MIT */
/*
 * The checks over the whole config, once every file is read: what no single
 * value can tell (rule priorities against each other, a table used twice, a
 * member that is a VRF, a route given twice, a Docker bridge in a VRF).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config-int.h"

/* Where the first of these [global] keys that was given was set. */
static struct vrf_where first_seen(const struct parse *p, const int *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p->seen_global[keys[i]].line)
			return p->seen_global[keys[i]];
	return p->seen_global[keys[0]];
}

/* Does pref fall among a bridge's three priorities from base? */
static bool clash(uint32_t pref, uint32_t base)
{
	return pref >= base && pref <= base + 2;
}

static void check_prefs(struct parse *p)
{
	const struct vrf_global *g = &p->cfg->global;
	const struct {
		uint32_t lo, hi;
		int lo_key, hi_key;
	} pairs[] = {
		{ g->pref_l3mdev, g->pref_unreachable, G_PREF_L3MDEV, G_PREF_UNREACHABLE },
		{ g->pref_unreachable, g->pref_local, G_PREF_UNREACHABLE, G_PREF_LOCAL },
	};
	bool bridges = p->seen_global[G_PREF_BRIDGE].line != 0;
	struct vrf_where first;

	/* l3mdev, then unreachable, then local: each must see what the previous
	 * misses. At one priority vrfctl adds them in that order. */
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct vrf_where w = p->seen_global[pairs[i].hi_key];

		if (pairs[i].lo <= pairs[i].hi)
			continue;
		if (!w.line)
			w = p->seen_global[pairs[i].lo_key];
		vrf_config_error_at(p, w, "%s %u must not be above %s %u",
				    vrf_config_global_keys[pairs[i].lo_key].name, pairs[i].lo,
				    vrf_config_global_keys[pairs[i].hi_key].name, pairs[i].hi);
	}
	/*
	 * Where bridges are used or the key is set: a bridge's three rules take
	 * bridge-rule-pref and the two above it (its first looks up the local
	 * table itself); sharing a priority with the layout's rules would leave
	 * their order to the order they were added in.
	 */
	for (size_t v = 0; v < p->cfg->n_vrfs; v++)
		bridges |= p->cfg->vrfs[v].n_bridges > 0 || p->cfg->vrfs[v].n_networks > 0;
	if (!bridges)
		return;
	if (g->pref_bridge + 2 <= VRF_MAX_RULE_PREF && !clash(g->pref_l3mdev, g->pref_bridge) &&
	    !clash(g->pref_unreachable, g->pref_bridge) && !clash(g->pref_local, g->pref_bridge))
		return;
	first = first_seen(p, (const int[]){ G_PREF_BRIDGE, G_PREF_L3MDEV, G_PREF_UNREACHABLE,
					     G_PREF_LOCAL }, 4);
	vrf_config_error_at(p, first, "bridge-rule-pref %u: the bridges' rules take %u-%u, which "
			    "must be below %u and clear of l3mdev-rule-pref %u, "
			    "unreachable-rule-pref %u and local-rule-pref %u", g->pref_bridge,
			    g->pref_bridge, g->pref_bridge + 2, VRF_MAX_RULE_PREF + 1,
			    g->pref_l3mdev, g->pref_unreachable, g->pref_local);
}

static bool same_prefix(const struct vrf_prefix *a, const struct vrf_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(&a->addr, &b->addr, vrf_addr_len(a->family)) == 0;
}

static void check_vrf(struct parse *p, size_t v, size_t first_same_table)
{
	const struct vrf_config *cfg = p->cfg;
	const struct vrf_def *vrf = &cfg->vrfs[v];
	const struct vrf_aux *aux = &p->auxs[v];

	if (!aux->seen[V_TABLE].line)
		vrf_config_error_at(p, vrf->where, "[vrf %s] has no table (table = N or auto)",
				    vrf->name);
	if (first_same_table != SIZE_MAX)
		vrf_config_error_at(p, aux->seen[V_TABLE], "table %u already used by "
				    "vrf '%s' at %s:%u", vrf->table, cfg->vrfs[first_same_table].name,
				    p->auxs[first_same_table].seen[V_TABLE].file,
				    p->auxs[first_same_table].seen[V_TABLE].line);
	for (size_t m = 0; m < vrf->n_members; m++)
		if (vrf_strmap_get(&p->vrf_index, vrf->members[m], NULL))
			vrf_config_error_at(p, aux->member_where[m], "member '%s' is a vrf",
					    vrf->members[m]);
	for (size_t b = 0; b < vrf->n_bridges; b++)
		if (vrf_strmap_get(&p->vrf_index, vrf->bridges[b], NULL))
			vrf_config_error_at(p, aux->bridge_where[b], "bridge '%s' is a vrf",
					    vrf->bridges[b]);
	for (size_t r = 0; r < vrf->n_routes; r++) {
		const struct vrf_route_def *route = &vrf->routes[r];

		/* A dev outside `members` may still be the VRF's port (enslaved by
		 * ifupdown-ng's vrf-member): only the kernel knows, so the planner
		 * checks it and warns. */
		/* The kernel keys a route by destination and metric: a second one fails. */
		for (size_t o = 0; o < r; o++) {
			const struct vrf_route_def *other = &vrf->routes[o];

			if (same_prefix(&route->dst, &other->dst) && route->metric == other->metric) {
				vrf_config_error_at(p, route->where, "route '%s': same destination "
						    "and metric as the route at %s:%u",
						    aux->route_text[r], other->where.file,
						    other->where.line);
				break;
			}
		}
	}
}

static bool is_member(const struct vrf_def *vrf, const char *name)
{
	for (size_t m = 0; m < vrf->n_members; m++)
		if (strcmp(vrf->members[m], name) == 0)
			return true;
	return false;
}

/*
 * Once a bridge is a VRF's port, the kernel shows the VRF as the input
 * interface of what the host receives from it, so host-allow's rules (which
 * match the bridge) would filter nothing. Refuse rather than pretend, and
 * say what works: the VRF's bridges key, which leaves the bridge out.
 */
static void check_bridges_in_vrfs(struct parse *p)
{
	const struct vrf_config *cfg = p->cfg;
	const struct vrf_docker *d = &cfg->docker;

	if (!d->n_host_allow)
		return;
	for (size_t b = 0; b < d->n_bridges; b++) {
		for (size_t v = 0; v < cfg->n_vrfs; v++) {
			const char *br = d->bridges[b], *vrf = cfg->vrfs[v].name;

			if (!is_member(&cfg->vrfs[v], br))
				continue;
			vrf_config_error_at(p, p->bridge_where[b], "bridge '%s' is a member of vrf "
					    "'%s': host-allow cannot filter it there (the kernel "
					    "shows the VRF as the input interface); write "
					    "'bridges = %s' in [vrf %s] instead", br, vrf, br, vrf);
		}
	}
}

static int cmp_table_then_index(const void *a, const void *b, void *data)
{
	const struct vrf_def *vrfs = data;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (vrfs[x].table != vrfs[y].table)
		return vrfs[x].table < vrfs[y].table ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * For each VRF, the first one before it with the same table (SIZE_MAX:
 * none, or no table yet), from the VRFs sorted by table: comparing every
 * pair is quadratic in a config of thousands. NULL without memory.
 */
static size_t *first_same_tables(const struct vrf_config *cfg)
{
	size_t n = cfg->n_vrfs, *order = malloc((n ? n : 1) * sizeof(*order));
	size_t *first = malloc((n ? n : 1) * sizeof(*first));

	if (!order || !first) {
		free(order);
		free(first);
		return NULL;
	}
	for (size_t v = 0; v < n; v++) {
		order[v] = v;
		first[v] = SIZE_MAX;
	}
	qsort_r(order, n, sizeof(*order), cmp_table_then_index, cfg->vrfs);
	for (size_t i = 1; i < n; i++) {
		size_t v = order[i], prev = order[i - 1];

		if (cfg->vrfs[v].table && cfg->vrfs[v].table == cfg->vrfs[prev].table)
			first[v] = first[prev] != SIZE_MAX ? first[prev] : prev;
	}
	free(order);
	return first;
}

void vrf_config_check(struct parse *p)
{
	size_t *first = first_same_tables(p->cfg);

	if (!first) {
		out_of_memory(p);
		return;
	}
	check_prefs(p);
	for (size_t v = 0; v < p->cfg->n_vrfs; v++)
		check_vrf(p, v, first[v]);
	check_bridges_in_vrfs(p);
	free(first);
}
