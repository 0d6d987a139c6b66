/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "array.h"
#include "bind.h"
#include "guess.h"
#include "plan.h"
#include "strmap.h"

#define TABLE_LOCAL 255u

/* ---- plan container --------------------------------------------------- */

void vrf_plan_free(struct vrf_plan *plan)
{
	if (!plan)
		return;
	free(plan->steps);
	vrf_pending_free(&plan->pending);
	memset(plan, 0, sizeof(*plan));
}

int vrf_plan_push(struct vrf_plan *plan, const struct vrf_step *step)
{
	struct vrf_step *kept = VRF_ARRAY_PUSH(plan->steps, plan->n_steps);

	if (!kept)
		return -ENOMEM;
	*kept = *step;
	return 0;
}

struct vrf_step vrf_step_inverse(const struct vrf_step *step)
{
	struct vrf_step inv = *step;

	switch (step->op) {
	case VRF_STEP_RULE_ADD:       inv.op = VRF_STEP_RULE_DEL; break;
	case VRF_STEP_RULE_DEL:       inv.op = VRF_STEP_RULE_ADD; break;
	case VRF_STEP_LINK_ADD:       inv.op = VRF_STEP_LINK_DEL; break;
	case VRF_STEP_LINK_DEL:       inv.op = VRF_STEP_LINK_ADD; break;
	case VRF_STEP_LINK_UP:        inv.op = VRF_STEP_LINK_DOWN; break;
	case VRF_STEP_LINK_DOWN:      inv.op = VRF_STEP_LINK_UP; break;
	case VRF_STEP_ROUTE_ADD:      inv.op = VRF_STEP_ROUTE_DEL; break;
	case VRF_STEP_ROUTE_DEL:      inv.op = VRF_STEP_ROUTE_ADD; break;
	/* A prepare's undo prepares again, from the kernel as the rest of the
	 * rollback leaves it (see vrf_plan_execute): removing the cgroup would
	 * unbind the processes in it. */
	case VRF_STEP_CGROUP_PREPARE: inv.op = VRF_STEP_CGROUP_PREPARE; break;
	case VRF_STEP_CGROUP_REMOVE:  inv.op = VRF_STEP_CGROUP_PREPARE; break;
	case VRF_STEP_LINK_MASTER:
		memcpy(inv.u.master.master, step->u.master.old_master, IFNAMSIZ);
		memcpy(inv.u.master.old_master, step->u.master.master, IFNAMSIZ);
		break;
	case VRF_STEP_SYSCTL:
		inv.u.sysctl.value = step->u.sysctl.old;
		inv.u.sysctl.old = step->u.sysctl.value;
		break;
	}
	return inv;
}

/* ---- planning helpers ------------------------------------------------- */

/* What one planning run needs at hand; lives on vrf_plan_*'s stack. */
struct planner {
	const struct vrf_state *state;
	const struct vrf_global *global;
	const struct vrf_plan_opts *opts;
	const struct vrf_log *log;
	struct vrf_plan *plan;
	/* The observed routes ordered by table, so that a VRF's routes are found
	 * without scanning every table's (thousands of VRFs). */
	const struct vrf_route **by_table;
	/* The observed links ordered by master, and the VRF devices by table. */
	const struct vrf_obs_link **by_master, **vrfs_by_table;
	size_t n_vrf_links;
	struct vrf_strmap config_vrfs;   /* names of the config's VRFs */
	struct vrf_strmap cgroups_by_vrf;
	bool driver_rules_planned;   /* see preempt_driver_rules */
	int err;                     /* first hard error (-ENOMEM) */
	unsigned problems;           /* config/kernel conflicts reported */
};

static int cmp_route_table(const void *a, const void *b)
{
	const struct vrf_route *x = *(const struct vrf_route *const *)a;
	const struct vrf_route *y = *(const struct vrf_route *const *)b;

	return x->table < y->table ? -1 : x->table > y->table;
}

static int cmp_link_master(const void *a, const void *b)
{
	const struct vrf_obs_link *x = *(const struct vrf_obs_link *const *)a;
	const struct vrf_obs_link *y = *(const struct vrf_obs_link *const *)b;

	return x->master < y->master ? -1 : x->master > y->master;
}

static int cmp_link_vrf_table(const void *a, const void *b)
{
	const struct vrf_obs_link *x = *(const struct vrf_obs_link *const *)a;
	const struct vrf_obs_link *y = *(const struct vrf_obs_link *const *)b;

	return x->vrf_table < y->vrf_table ? -1 : x->vrf_table > y->vrf_table;
}

/*
 * Indexes for the questions asked once per VRF (its routes, its ports, who
 * else has its table, is that name configured): with thousands of VRFs and
 * devices, a scan each time is what the planning would spend its time on.
 */
static int index_state(struct planner *p, const struct vrf_config *cfg)
{
	const struct vrf_state *s = p->state;
	size_t n = s->n_routes;

	p->by_table = malloc((n ? n : 1) * sizeof(*p->by_table));
	p->by_master = malloc((s->n_links ? s->n_links : 1) * sizeof(*p->by_master));
	p->vrfs_by_table = malloc((s->n_links ? s->n_links : 1) * sizeof(*p->vrfs_by_table));
	if (!p->by_table || !p->by_master || !p->vrfs_by_table)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		p->by_table[i] = &s->routes[i];
	qsort(p->by_table, n, sizeof(*p->by_table), cmp_route_table);
	for (size_t i = 0; i < s->n_links; i++) {
		p->by_master[i] = &s->links[i];
		if (s->links[i].is_vrf)
			p->vrfs_by_table[p->n_vrf_links++] = &s->links[i];
	}
	qsort(p->by_master, s->n_links, sizeof(*p->by_master), cmp_link_master);
	qsort(p->vrfs_by_table, p->n_vrf_links, sizeof(*p->vrfs_by_table), cmp_link_vrf_table);
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (vrf_strmap_put(&p->config_vrfs, cfg->vrfs[i].name, i) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < s->n_cgroups; i++)   /* one entry per VRF */
		if (vrf_strmap_put(&p->cgroups_by_vrf, s->cgroups[i].vrf, i) < 0)
			return -ENOMEM;
	return 0;
}

static bool configured(const struct planner *p, const char *name)
{
	return vrf_strmap_get(&p->config_vrfs, name, NULL);
}

/* The links in sorted whose key(link) is value: *n of them from the returned one. */
static const struct vrf_obs_link *const *links_with(const struct vrf_obs_link *const *sorted,
						    size_t total,
						    uint32_t (*key)(const struct vrf_obs_link *),
						    uint32_t value, size_t *n)
{
	size_t lo = 0, hi = total, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key(sorted[mid]) < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < total && key(sorted[end]) == value; end++)
		;
	*n = end - lo;
	return sorted + lo;
}

static uint32_t master_of(const struct vrf_obs_link *l)
{
	return l->master;
}

static uint32_t table_of(const struct vrf_obs_link *l)
{
	return l->vrf_table;
}

/* The ports of the device at ifindex: *n of them. */
static const struct vrf_obs_link *const *ports_of(const struct planner *p, unsigned ifindex,
						  size_t *n)
{
	return links_with(p->by_master, p->state->n_links, master_of, ifindex, n);
}

/* The observed routes of table: *n of them from the returned position. */
static const struct vrf_route *const *table_routes(const struct planner *p, uint32_t table,
						   size_t *n)
{
	size_t lo = 0, hi = p->state->n_routes, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->by_table[mid]->table < table)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < p->state->n_routes && p->by_table[end]->table == table; end++)
		;
	*n = end - lo;
	return p->by_table + lo;
}

static void push(struct planner *p, const struct vrf_step *step)
{
	int r;

	if (p->err)
		return;
	r = vrf_plan_push(p->plan, step);
	if (r < 0)
		p->err = r;
}

/* Report at the config line when there is one, as every config error does. */
__attribute__((format(printf, 4, 0)))
static void report(struct planner *p, int priority, const struct vrf_where *where,
		   const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (where && where->file)
		vrf_logf(p->log, priority, "%s:%u: %s", where->file, where->line, msg);
	else
		vrf_logf(p->log, priority, "%s", msg);
}

/* Something no step can fix: the plan will be refused. */
__attribute__((format(printf, 3, 4)))
static void problem(struct planner *p, const struct vrf_where *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p, LOG_ERR, where, fmt, ap);
	va_end(ap);
	p->problems++;
}

__attribute__((format(printf, 3, 4)))
static void warning(struct planner *p, const struct vrf_where *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p, LOG_WARNING, where, fmt, ap);
	va_end(ap);
}

/*
 * The config names a device that does not exist (yet): a warning, once, with
 * the device most like it when one is (a typo stays visible), and an entry
 * on the plan's pending list.
 */
static void pending(struct planner *p, enum vrf_pending_kind kind, const char *vrf,
		    const char *dev, const struct vrf_where *where, const char *what)
{
	const char *reason = "does not exist yet";
	struct vrf_guess g;
	char hint[IFNAMSIZ + 24] = "";
	int r;

	vrf_guess_init(&g, dev);
	/* Not a VRF: none can be a member, or a bridge ("sandbox0" is not "sandbox"). */
	for (size_t i = 0; i < p->state->n_links; i++)
		if (!p->state->links[i].is_vrf)
			vrf_guess_try(&g, p->state->links[i].name);
	if (g.best)
		snprintf(hint, sizeof(hint), " (did you mean '%s'?)", g.best);
	warning(p, where, "%s: pending%s", what, hint);
	if (p->err)
		return;
	r = vrf_pending_add(&p->plan->pending, kind, vrf, dev, reason, where);
	if (r < 0)
		p->err = r;
}

static void push_link_step(struct planner *p, enum vrf_step_op op, const char *vrf,
			   const char *name, uint32_t table, uint32_t group)
{
	struct vrf_step s = { .op = op };

	snprintf(s.vrf, sizeof(s.vrf), "%s", vrf);
	snprintf(s.u.link.name, sizeof(s.u.link.name), "%s", name);
	s.u.link.table = table;
	s.u.link.group = group;
	push(p, &s);
}

static void push_master(struct planner *p, const char *vrf, const char *dev,
			const char *master, const char *old_master)
{
	struct vrf_step s = { .op = VRF_STEP_LINK_MASTER };

	snprintf(s.vrf, sizeof(s.vrf), "%s", vrf);
	snprintf(s.u.master.dev, sizeof(s.u.master.dev), "%s", dev);
	snprintf(s.u.master.master, sizeof(s.u.master.master), "%s", master);
	snprintf(s.u.master.old_master, sizeof(s.u.master.old_master), "%s", old_master);
	push(p, &s);
}

static void push_route(struct planner *p, enum vrf_step_op op, const char *vrf,
		       const struct vrf_route *route)
{
	struct vrf_step s = { .op = op, .u.route = *route };

	snprintf(s.vrf, sizeof(s.vrf), "%s", vrf);
	push(p, &s);
}

static void push_rule(struct planner *p, enum vrf_step_op op, const struct vrf_rule *rule)
{
	struct vrf_step s = { .op = op, .u.rule = *rule };

	push(p, &s);
}

static const struct vrf_obs_cgroup *cgroup_of(const struct planner *p, const char *vrf)
{
	size_t i;

	return vrf_strmap_get(&p->cgroups_by_vrf, vrf, &i) ? &p->state->cgroups[i] : NULL;
}

static void push_cgroup(struct planner *p, enum vrf_step_op op, const char *vrf)
{
	struct vrf_step s = { .op = op };

	if (!p->state->cgroups_supported)
		return;
	snprintf(s.vrf, sizeof(s.vrf), "%s", vrf);
	push(p, &s);
}

static bool is_ours_link(const struct planner *p, const struct vrf_obs_link *l)
{
	return l->is_vrf && l->group == p->opts->link_group;
}

/*
 * Do the VRF's cgroups bind to its device l and let packets out by exactly
 * the devices it will have after this plan (the VRF, the configured members
 * that exist, and, in a VRF vrfctl did not make, the ports it keeps)? The
 * set made as bind.c makes it for the egress check.
 */
static bool cgroup_current(struct planner *p, const struct vrf_def *v,
			   const struct vrf_obs_link *l, const struct vrf_obs_cgroup *cg)
{
	const struct vrf_obs_link *const *kept = NULL;
	size_t n_kept = 0, n_ports = 0, n;
	unsigned *ports, *want;
	bool current = true;

	if (!l || !cg->intact || cg->ifindex != l->ifindex)
		return false;
	if (!is_ours_link(p, l))
		kept = ports_of(p, l->ifindex, &n_kept);
	ports = calloc(v->n_members + n_kept + 1, sizeof(*ports));
	want = calloc(v->n_members + n_kept + 1, sizeof(*want));
	if (!ports || !want) {
		p->err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < v->n_members; i++) {
		const struct vrf_obs_link *m = vrf_state_link_by_name(p->state, v->members[i]);

		if (m)
			ports[n_ports++] = m->ifindex;
	}
	for (size_t i = 0; i < n_kept; i++)
		ports[n_ports++] = kept[i]->ifindex;
	n = vrf_bind_allow_set(l->ifindex, ports, n_ports, want);
	current = n == cg->n_allow && memcmp(want, cg->allow, n * sizeof(*want)) == 0;
out:
	free(ports);
	free(want);
	return current;
}

static bool selected(const struct vrf_plan_opts *opts, const char *name)
{
	if (!opts->only)
		return true;
	for (size_t i = 0; i < opts->n_only; i++)
		if (strcmp(opts->only[i], name) == 0)
			return true;
	return false;
}

/* ---- rules -------------------------------------------------------------- */

/*
 * The layout, IPv4 and IPv6: an l3mdev lookup (a VRF's traffic to its
 * table), an l3mdev unreachable (a VRF lookup never falls through), and the
 * local table's lookup, by default all three at priority 0, in that order.
 *
 * Why at 0: a rule added later without a priority gets the second rule's
 * priority minus one (the kernel's fib_default_rule_pref), 0 when that is
 * 0, and a rule goes behind every rule of its priority. So behind the local
 * lookup, whether given a priority or not, exactly as on a stock host, where
 * it is the only rule at 0. The layout of the VRF blog post (1000, 2000, the
 * local lookup moved to 32765) puts every such rule, wg-quick's among them,
 * ahead of the local lookup: 127.0.0.1 then follows a full tunnel.
 *
 * Order at one priority is the order of insertion, so the layout is in
 * place only when its rules are the first ones at their priorities, in
 * order; if not, it is added again behind what is there and the old rules
 * deleted afterwards (a local lookup is never missing), as on a migration
 * from the 1000/2000/32765 layout.
 */
enum rule_kind { RULE_L3MDEV, RULE_UNREACHABLE, RULE_LOCAL, RULE_KINDS, RULE_OTHER = RULE_KINDS };

static enum rule_kind kind_of(const struct vrf_rule *r)
{
	/* A bridge's rules (iif) are ours too, but not the layout's. */
	if (r->other_selectors || r->iif[0])
		return RULE_OTHER;
	if (r->l3mdev)
		return r->unreachable ? RULE_UNREACHABLE : RULE_L3MDEV;
	return !r->unreachable && r->table == TABLE_LOCAL ? RULE_LOCAL : RULE_OTHER;
}

static uint32_t layout_pref(const struct vrf_global *g, enum rule_kind k)
{
	return k == RULE_L3MDEV ? g->pref_l3mdev : k == RULE_UNREACHABLE ? g->pref_unreachable
									 : g->pref_local;
}

static struct vrf_rule layout_rule(const struct vrf_global *g, int family, enum rule_kind k)
{
	struct vrf_rule r = { .family = family, .pref = layout_pref(g, k),
			      .protocol = g->route_protocol };

	r.l3mdev = k != RULE_LOCAL;
	r.unreachable = k == RULE_UNREACHABLE;
	if (k == RULE_LOCAL)
		r.table = TABLE_LOCAL;
	/* At the VRF driver's priority, its own rule: the driver's twin is then
	 * refused as a duplicate when the first VRF is made. */
	if (k == RULE_L3MDEV && r.pref == VRF_KERNEL_L3MDEV_PREF)
		r.protocol = RTPROT_KERNEL;
	return r;
}

static bool ours(const struct planner *p, const struct vrf_rule *r)
{
	return r->protocol == p->global->route_protocol;
}

/*
 * Does r stand for the layout's rule k? An l3mdev rule of any origin does
 * (the same lookup); the local lookup only with vrfctl's protocol, the
 * record that vrfctl moved it, which down relies on.
 */
static bool stands_for(const struct planner *p, const struct vrf_rule *r, enum rule_kind k)
{
	return kind_of(r) == k && r->pref == layout_pref(p->global, k) &&
	       (k != RULE_LOCAL || ours(p, r));
}

/* The n-th rule of family at pref, in the kernel's order, or NULL. */
static const struct vrf_rule *rule_at(const struct vrf_state *s, int family, uint32_t pref,
				      size_t n)
{
	for (size_t i = 0; i < s->n_rules; i++)
		if (s->rules[i].family == family && s->rules[i].pref == pref && n-- == 0)
			return &s->rules[i];
	return NULL;
}

/* Are the layout's rules the first ones at their priorities, in order? */
static bool layout_in_place(const struct planner *p, int family)
{
	for (enum rule_kind k = 0; k < RULE_KINDS; k++) {
		uint32_t pref = layout_pref(p->global, k);
		size_t before = 0;
		const struct vrf_rule *r;

		for (enum rule_kind j = 0; j < k; j++)
			before += layout_pref(p->global, j) == pref;
		r = rule_at(p->state, family, pref, before);
		if (!r || !stands_for(p, r, k))
			return false;
	}
	return true;
}

/* A local lookup at priority 0 that is not vrfctl's: the kernel's own, on a stock host. */
static bool is_stock_local(const struct planner *p, const struct vrf_rule *r, int family)
{
	return r->family == family && r->pref == 0 && kind_of(r) == RULE_LOCAL && !ours(p, r);
}

static void plan_rules_up(struct planner *p, int family)
{
	const struct vrf_global *g = p->global;
	bool rebuild = !layout_in_place(p, family);
	size_t foreign = 0;

	if (rebuild)
		for (enum rule_kind k = 0; k < RULE_KINDS; k++) {
			struct vrf_rule r = layout_rule(g, family, k);

			push_rule(p, VRF_STEP_RULE_ADD, &r);
		}
	/* Last first: a rollback adds them again in the kernel's order. Deleting
	 * by its attributes takes the first such rule: the old one, ahead of
	 * the one just added. A local lookup with no protocol (added by hand)
	 * cannot be told from vrfctl's that way: it stays. */
	for (size_t i = p->state->n_rules; i-- > 0;) {
		const struct vrf_rule *r = &p->state->rules[i];
		enum rule_kind k = kind_of(r);
		bool at_layout_pref = false;

		if (r->family != family)
			continue;
		for (enum rule_kind j = 0; j < RULE_KINDS; j++)
			at_layout_pref |= r->pref == layout_pref(g, j);
		if ((rebuild && k < RULE_KINDS && stands_for(p, r, k)) ||
		    (is_stock_local(p, r, family) && r->protocol != RTPROT_UNSPEC) ||
		    /* ours from another layout (before 0.2: 1000, 2000, 32765) */
		    (k < RULE_KINDS && ours(p, r) && r->pref != layout_pref(g, k)))
			push_rule(p, VRF_STEP_RULE_DEL, r);
		else if (rebuild && at_layout_pref && !(k < RULE_KINDS && ours(p, r)) &&
			 !(k == RULE_L3MDEV && r->pref == VRF_KERNEL_L3MDEV_PREF))
			foreign++;
	}
	if (foreign)
		warning(p, NULL, "%s: %zu ip rule%s that vrfctl did not add come%s before its rules at "
			"the same priority, and so before the local lookup: add %s again after this "
			"apply to put %s behind", family == AF_INET6 ? "IPv6" : "IPv4", foreign,
			foreign == 1 ? "" : "s", foreign == 1 ? "s" : "", foreign == 1 ? "it" : "them",
			foreign == 1 ? "it" : "them");
}

/*
 * Undo the layout: the stock local lookup comes back at 0 before vrfctl's
 * goes, so there is never a moment without one. But when rules were added
 * at 0 since (wg-quick's, say: no priority given), they sit behind
 * vrfctl's local lookup, and a new one would go behind them: then vrfctl's
 * stays, so those rules still see local traffic last, as they did.
 */
static void plan_rules_down(struct planner *p, int family, bool vrfs_remain)
{
	const struct vrf_rule *moved = NULL;
	bool stock = false, behind = false, keep;

	for (size_t i = 0; i < p->state->n_rules; i++) {
		const struct vrf_rule *r = &p->state->rules[i];

		if (r->family != family)
			continue;
		if (moved && r->pref == moved->pref && !ours(p, r))
			behind = true;
		if (!moved && kind_of(r) == RULE_LOCAL && ours(p, r))
			moved = r;
		stock |= is_stock_local(p, r, family);
	}
	/* Without vrfctl's protocol on a moved local rule, the admin moved it
	 * (the blog's pre-up lines): it stays moved. */
	keep = moved && moved->pref == 0 && behind && !stock;
	if (keep)
		vrf_notice(p->log, "%s: ip rules added since sit behind vrfctl's local lookup at "
			   "priority 0: it stays, so that they still come after it",
			   family == AF_INET6 ? "IPv6" : "IPv4");
	if (moved && !stock && !keep) {
		struct vrf_rule r = { .family = family, .pref = 0, .table = TABLE_LOCAL,
				      .protocol = RTPROT_KERNEL };

		push_rule(p, VRF_STEP_RULE_ADD, &r);
	}
	/* Last first, so that a rollback adds them again in the kernel's order. */
	for (size_t i = p->state->n_rules; i-- > 0;) {
		const struct vrf_rule *r = &p->state->rules[i];

		if (r->family != family || r->other_selectors || (keep && r == moved))
			continue;
		if (ours(p, r) ||
		    /* The VRF driver's l3mdev rule: harmless while VRFs exist, and
		     * gone on a host that had none before vrfctl. */
		    (!vrfs_remain && kind_of(r) == RULE_L3MDEV && r->protocol == RTPROT_KERNEL &&
		     (r->pref == VRF_KERNEL_L3MDEV_PREF || r->pref == p->global->pref_l3mdev)))
			push_rule(p, VRF_STEP_RULE_DEL, r);
	}
}

/* ---- bridges ------------------------------------------------------------ */

/*
 * A VRF's bridges stay out of it: enslaved, what the host forwards from a
 * bridge carries the VRF as its input interface, and Docker's own FORWARD
 * accepts (iifname "br-...", policy drop) stop matching. Three rules per
 * bridge give the routing that enslaving would: the local table (the host's
 * own addresses, as from any interface; host-allow filters them), then the
 * VRF's table, then unreachable, so nothing from the bridge falls through to
 * the main table. Measured with Docker's unmodified rules in the test VM:
 * the LAN through the table, published ports, container to container, the
 * host; nothing else.
 */
static void bridge_rules(const struct vrf_global *g, const struct vrf_def *v, const char *br,
			 int family, struct vrf_rule out[3])
{
	for (int i = 0; i < 3; i++) {
		out[i] = (struct vrf_rule){ .family = family, .pref = g->pref_bridge + (uint32_t)i,
					    .protocol = g->route_protocol };
		snprintf(out[i].iif, sizeof(out[i].iif), "%s", br);
	}
	out[0].table = TABLE_LOCAL;
	out[1].table = v->table;
	out[2].unreachable = true;
}

static bool rule_same(const struct vrf_rule *a, const struct vrf_rule *b)
{
	return a->family == b->family && a->pref == b->pref && a->l3mdev == b->l3mdev &&
	       a->unreachable == b->unreachable && (a->unreachable || a->table == b->table) &&
	       a->protocol == b->protocol && strcmp(a->iif, b->iif) == 0 &&
	       a->other_selectors == b->other_selectors;
}

static bool bridge_rule_wanted(const struct vrf_config *cfg, const struct vrf_rule *r)
{
	struct vrf_rule want[3];

	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		for (size_t b = 0; b < cfg->vrfs[i].n_bridges; b++) {
			bridge_rules(&cfg->global, &cfg->vrfs[i], cfg->vrfs[i].bridges[b], r->family,
				     want);
			for (int k = 0; k < 3; k++)
				if (rule_same(r, &want[k]))
					return true;
		}
	}
	return false;
}

/* The bridge exists and is nobody's port but maybe a VRF's that lets it go. */
static void check_bridge(struct planner *p, const struct vrf_def *v, const char *br)
{
	const struct vrf_obs_link *l = vrf_state_link_by_name(p->state, br);
	const struct vrf_obs_link *master;

	/* Its rules go in all the same: they name it (iif), and the kernel
	 * applies them to it the moment Docker makes it, so its containers'
	 * first packets are routed by the VRF's table already. */
	if (!l) {
		char what[96];

		snprintf(what, sizeof(what), "bridge '%s' of vrf '%s' does not exist yet", br,
			 v->name);
		pending(p, VRF_PENDING_BRIDGE, v->name, br, &v->where, what);
		return;
	}
	master = l->master ? vrf_state_link_by_index(p->state, l->master) : NULL;
	if (master && !(master->is_vrf && configured(p, master->name)))
		problem(p, &v->where, "bridge '%s' of vrf '%s' is a port of '%s': release it first "
			"(ip link set %s nomaster)", br, v->name, master->name, br);
}

/*
 * Stale rules go first, then the new ones come unreachable first: while the
 * lookups are being added, the bridge's traffic meets an unreachable, never
 * the main table.
 */
/*
 * Is r one of the rules of a bridge routed to a VRF whose Docker networks
 * could not be resolved (Docker not answering)? Its bridge may be one of
 * them, with containers still running (live-restore): deleted, their
 * traffic would fall through to the main table. It stays until Docker says.
 */
static bool bridge_kept(const struct planner *p, const struct vrf_config *cfg,
			const struct vrf_rule *r)
{
	uint32_t table = 0;

	/* The bridge's `lookup TABLE` rule tells whose it is. */
	for (size_t i = 0; i < p->state->n_rules && !table; i++) {
		const struct vrf_rule *q = &p->state->rules[i];

		if (q->family == r->family && strcmp(q->iif, r->iif) == 0 && !q->unreachable &&
		    q->table != TABLE_LOCAL && q->protocol == r->protocol)
			table = q->table;
	}
	for (size_t i = 0; table && i < cfg->n_vrfs; i++)
		if (cfg->vrfs[i].networks_unresolved && cfg->vrfs[i].table == table)
			return true;
	return false;
}

static void plan_bridges(struct planner *p, const struct vrf_config *cfg, int family)
{
	static const int order[3] = { 2, 0, 1 };
	struct vrf_rule want[3];

	for (size_t i = 0; i < p->state->n_rules; i++) {
		const struct vrf_rule *r = &p->state->rules[i];

		if (r->family == family && r->iif[0] && !r->other_selectors &&
		    r->protocol == cfg->global.route_protocol && !bridge_rule_wanted(cfg, r) &&
		    !bridge_kept(p, cfg, r))
			push_rule(p, VRF_STEP_RULE_DEL, r);
	}
	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		const struct vrf_def *v = &cfg->vrfs[i];

		for (size_t b = 0; b < v->n_bridges; b++) {
			if (family == AF_INET)
				check_bridge(p, v, v->bridges[b]);
			bridge_rules(&cfg->global, v, v->bridges[b], family, want);
			for (int k = 0; k < 3; k++) {
				bool have = false;

				for (size_t j = 0; j < p->state->n_rules && !have; j++)
					have = rule_same(&p->state->rules[j], &want[order[k]]);
				if (!have)
					push_rule(p, VRF_STEP_RULE_ADD, &want[order[k]]);
			}
		}
	}
}

/* `down VRF`: the rules of every bridge whose lookup is the VRF's table. */
static void plan_bridges_down(struct planner *p, uint32_t table)
{
	const struct vrf_state *s = p->state;
	uint8_t proto = p->global->route_protocol;

	for (size_t i = 0; i < s->n_rules; i++) {
		const struct vrf_rule *r = &s->rules[i];

		if (!r->iif[0] || r->other_selectors || r->protocol != proto || r->unreachable ||
		    r->table != table)
			continue;
		for (size_t j = 0; j < s->n_rules; j++) {
			const struct vrf_rule *q = &s->rules[j];

			if (q->family == r->family && strcmp(q->iif, r->iif) == 0 &&
			    !q->other_selectors && q->protocol == proto)
				push_rule(p, VRF_STEP_RULE_DEL, q);
		}
	}
}

/* A member that is also a [docker] bridge: enslaving it breaks Docker's rules. */
static void warn_docker_members(struct planner *p, const struct vrf_config *cfg,
				const struct vrf_def *v)
{
	for (size_t m = 0; m < v->n_members; m++)
		for (size_t b = 0; b < cfg->docker.n_bridges; b++)
			if (strcmp(v->members[m], cfg->docker.bridges[b]) == 0)
				warning(p, &v->where, "member '%s' of vrf '%s' is a [docker] bridge: "
					"enslaved, its containers' traffic no longer matches "
					"Docker's own rules (they lose the LAN and published "
					"ports); write 'bridges = %s' instead of listing it in "
					"members", v->members[m], v->name, v->members[m]);
}

/* ---- routes ------------------------------------------------------------- */

/*
 * Same route as far as the kernel's identity goes; the protocol is not part
 * of it. any_dev: b names no device, so a's device, whatever it is, will do.
 * The cheap fields first: the planner compares every route of a table with
 * every wanted one.
 */
static bool route_match(const struct vrf_route *a, const struct vrf_route *b, bool any_dev)
{
	return a->dst.len == b->dst.len && a->family == b->family && a->table == b->table &&
	       a->metric == b->metric && a->unreachable == b->unreachable &&
	       a->has_via == b->has_via &&
	       memcmp(&a->dst.addr, &b->dst.addr, vrf_addr_len(a->family)) == 0 &&
	       (!a->has_via || memcmp(&a->via, &b->via, vrf_addr_len(a->family)) == 0) &&
	       (any_dev || strcmp(a->dev, b->dev) == 0);
}

/*
 * A wanted route without `dev` is satisfied whatever device the kernel
 * resolved its gateway to (it reports one); with `dev`, only that one.
 */
static bool route_satisfies(const struct vrf_route *have, const struct vrf_route *want)
{
	return route_match(have, want, !want->dev[0]);
}

static bool route_wanted(const struct vrf_route *have, const struct vrf_route *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_satisfies(have, &want[i]))
			return true;
	return false;
}

static bool route_present(const struct vrf_route *want, const struct vrf_route *const *have,
			  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (route_satisfies(have[i], want))
			return true;
	return false;
}

static struct vrf_route route_from_def(const struct vrf_route_def *d, uint32_t table,
				       uint8_t protocol)
{
	struct vrf_route r = {
		.family = d->dst.family,
		.table = table,
		.dst = d->dst,
		.protocol = protocol,
		.has_via = d->has_via,
		.via = d->via,
	};

	/* The kernel stores IPv6 routes without a metric at 1024: compare like it. */
	r.metric = d->has_metric ? d->metric : (r.family == AF_INET6 ? 1024 : 0);
	memcpy(r.dev, d->dev, IFNAMSIZ);
	return r;
}

static struct vrf_route unreachable_default(int family, uint32_t table, uint8_t protocol)
{
	return (struct vrf_route){
		.family = family, .table = table, .dst = { .family = family },
		.unreachable = true, .protocol = protocol, .metric = VRF_UNREACHABLE_METRIC,
	};
}

static bool prefix_has(const struct vrf_prefix *pfx, int family, const union vrf_addr *a)
{
	unsigned full = pfx->len / 8, rest = pfx->len % 8;

	if (pfx->family != family || memcmp(pfx->addr.bytes, a->bytes, full) != 0)
		return false;
	return !rest || ((pfx->addr.bytes[full] ^ a->bytes[full]) & (0xff00u >> rest)) == 0;
}

/* A member of v that does not exist: the gateway of a route may be behind it. */
static bool member_missing(const struct planner *p, const struct vrf_def *v)
{
	for (size_t i = 0; i < v->n_members; i++)
		if (!vrf_state_link_by_name(p->state, v->members[i]))
			return true;
	return false;
}

/*
 * Is route r of v pending: its device does not exist, or it has a gateway
 * and no device, no route of the VRF's table reaches the gateway yet and a
 * member is missing (the kernel would refuse it as unreachable, and with
 * it the whole apply)?
 */
static bool route_pending(const struct planner *p, const struct vrf_def *v,
			  const struct vrf_route_def *r)
{
	const struct vrf_route *const *have;
	size_t n;

	if (r->dev[0])
		return !vrf_state_link_by_name(p->state, r->dev);
	if (!r->has_via || !member_missing(p, v))
		return false;
	have = table_routes(p, v->table, &n);
	for (size_t i = 0; i < n; i++)
		if (!have[i]->unreachable && have[i]->dev[0] && have[i]->dst.len > 0 &&
		    prefix_has(&have[i]->dst, r->dst.family, &r->via))
			return false;
	return true;
}

/*
 * Build the desired routes of one VRF into *out (caller frees), but the
 * pending ones (check_route_devices said so).
 */
static int desired_routes(const struct planner *p, const struct vrf_def *v, uint8_t protocol,
			  struct vrf_route **out, size_t *n)
{
	struct vrf_route *r = calloc(v->n_routes + 2, sizeof(*r));
	size_t k = 0;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_routes; i++)
		if (!route_pending(p, v, &v->routes[i]))
			r[k++] = route_from_def(&v->routes[i], v->table, protocol);
	if (v->unreachable_default) {
		r[k++] = unreachable_default(AF_INET, v->table, protocol);
		r[k++] = unreachable_default(AF_INET6, v->table, protocol);
	}
	*out = r;
	*n = k;
	return 0;
}

/*
 * Routes of table: ours that are not wanted go first (a changed route is a
 * delete and an add), then the wanted ones not yet there. A wanted route the
 * kernel already has under another protocol (the connected route of a
 * member) counts as there.
 */
static void plan_routes(struct planner *p, const struct vrf_def *v)
{
	struct vrf_route *want = NULL;
	size_t n_want = 0, n_have;
	const struct vrf_route *const *have = table_routes(p, v->table, &n_have);
	int r = desired_routes(p, v, p->global->route_protocol, &want, &n_want);

	if (r < 0) {
		p->err = r;
		return;
	}
	for (size_t i = 0; i < n_have; i++)
		if (have[i]->protocol == p->global->route_protocol &&
		    !route_wanted(have[i], want, n_want))
			push_route(p, VRF_STEP_ROUTE_DEL, v->name, have[i]);
	for (size_t i = 0; i < n_want; i++)
		if (!route_present(&want[i], have, n_have))
			push_route(p, VRF_STEP_ROUTE_ADD, v->name, &want[i]);
	free(want);
}

/* Every route vrfctl made in table (a VRF going away). */
static void plan_routes_del_table(struct planner *p, const char *vrf, uint32_t table)
{
	size_t n;
	const struct vrf_route *const *have = table_routes(p, table, &n);

	for (size_t i = 0; i < n; i++)
		if (have[i]->protocol == p->global->route_protocol)
			push_route(p, VRF_STEP_ROUTE_DEL, vrf, have[i]);
}

/* ---- VRFs ------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * `table = auto`: keep the table of an existing device, else the lowest free
 * one. Free means no VRF of the config and no VRF device has it; the tables
 * handed out only grow, so one pass over the sorted taken ones serves all.
 */
static void resolve_auto_tables(struct planner *p, struct vrf_config *cfg)
{
	const struct vrf_state *s = p->state;
	uint32_t *taken, t = p->global->table_auto_min, max = p->global->table_auto_max;
	size_t n = 0, j = 0;
	bool exhausted = t > max;

	taken = malloc((cfg->n_vrfs + s->n_links + 1) * sizeof(*taken));
	if (!taken) {
		p->err = p->err ? p->err : -ENOMEM;
		return;
	}
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (cfg->vrfs[i].table)
			taken[n++] = cfg->vrfs[i].table;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].is_vrf)
			taken[n++] = s->links[i].vrf_table;
	qsort(taken, n, sizeof(*taken), cmp_u32);
	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		struct vrf_def *v = &cfg->vrfs[i];
		const struct vrf_obs_link *l;

		if (!v->table_auto || v->table)
			continue;
		l = vrf_state_link_by_name(s, v->name);
		if (l && l->is_vrf) {
			v->table = l->vrf_table;
			continue;
		}
		for (; !exhausted; t++) {
			while (j < n && taken[j] < t)
				j++;
			if (j == n || taken[j] != t)
				break;
			exhausted = t == max;
		}
		if (exhausted) {
			problem(p, &v->where, "vrf '%s': no free table in %u-%u", v->name,
				p->global->table_auto_min, max);
			continue;
		}
		v->table = t;
		exhausted = t == max;
		t++;
	}
	free(taken);
}

/* The VRF's own device: create, or check that the one there fits. */
/*
 * The first VRF device of a network namespace makes the VRF driver add an
 * l3mdev rule of its own at 1000 (once, with protocol kernel), which a
 * rollback deleting the device would leave behind. Added first by the plan,
 * the same rule is the driver's (it accepts the one there) and the plan's
 * to undo. With VRFs already there, the driver has added it, or will not.
 */
static void preempt_driver_rules(struct planner *p)
{
	if (p->driver_rules_planned || p->n_vrf_links > 0)
		return;
	p->driver_rules_planned = true;
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		struct vrf_rule r = { .family = family, .pref = VRF_KERNEL_L3MDEV_PREF,
				      .l3mdev = true, .protocol = RTPROT_KERNEL };
		bool there = false;

		for (size_t i = 0; i < p->state->n_rules; i++) {
			const struct vrf_rule *o = &p->state->rules[i];

			there |= o->family == family && o->pref == r.pref && kind_of(o) == RULE_L3MDEV;
		}
		if (!there)
			push_rule(p, VRF_STEP_RULE_ADD, &r);
	}
}

static void plan_vrf_device(struct planner *p, const struct vrf_def *v)
{
	const struct vrf_obs_link *l = vrf_state_link_by_name(p->state, v->name);
	const struct vrf_obs_link *const *same;
	size_t n;

	if (l && !l->is_vrf) {
		problem(p, &v->where, "'%s' exists and is not a VRF device", v->name);
		return;
	}
	if (l && l->vrf_table != v->table) {
		problem(p, &v->where, "vrf '%s' exists with table %u, the config says %u "
			"(run 'vrfctl down %s' first)", v->name, l->vrf_table, v->table, v->name);
		return;
	}
	same = links_with(p->vrfs_by_table, p->n_vrf_links, table_of, v->table, &n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(same[i]->name, v->name) != 0)
			problem(p, &v->where, "vrf '%s': table %u is already used by vrf '%s'",
				v->name, v->table, same[i]->name);
	if (!l) {
		preempt_driver_rules(p);
		push_link_step(p, VRF_STEP_LINK_ADD, v->name, v->name, v->table,
			       p->opts->link_group);
	}
}

/* After every VRF device exists: one run of creations, then one of ups. */
static void plan_vrf_up(struct planner *p, const struct vrf_def *v)
{
	const struct vrf_obs_link *l = vrf_state_link_by_name(p->state, v->name);

	if (!l || !l->up)
		push_link_step(p, VRF_STEP_LINK_UP, v->name, v->name, 0, 0);
}

static bool default_route_via(const struct vrf_state *s, unsigned ifindex, const char *dev)
{
	(void)ifindex;
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct vrf_route *r = &s->routes[i];

		if (r->table == RT_TABLE_MAIN && r->dst.len == 0 && !r->unreachable &&
		    strcmp(r->dev, dev) == 0)
			return true;
	}
	return false;
}

static const struct vrf_obs_conn *inbound_conn_on(const struct vrf_state *s, unsigned ifindex)
{
	for (size_t i = 0; i < s->n_conns; i++)
		for (size_t j = 0; j < s->n_addrs; j++)
			if (s->addrs[j].ifindex == ifindex &&
			    s->addrs[j].family == s->conns[i].family &&
			    memcmp(&s->addrs[j].addr, &s->conns[i].local,
				   vrf_addr_len(s->conns[i].family)) == 0)
				return &s->conns[i];
	return NULL;
}

/*
 * Enslaving the link a remote admin came in on cuts them off: refuse unless
 * told otherwise, and say exactly why.
 */
static void guard_lockout(struct planner *p, const struct vrf_config *cfg,
			  const struct vrf_def *v, const struct vrf_obs_link *m)
{
	const struct vrf_obs_conn *c;
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];

	if (p->opts->force || cfg->global.tcp_l3mdev_accept == VRF_YES)
		return;
	if (default_route_via(p->state, m->ifindex, m->name))
		problem(p, &v->where, "refusing to enslave '%s' to vrf '%s': it carries the "
			"host's default route (use --force, or set tcp-l3mdev-accept = yes)",
			m->name, v->name);
	c = inbound_conn_on(p->state, m->ifindex);
	if (c)
		problem(p, &v->where, "refusing to enslave '%s' to vrf '%s': the established "
			"connection %s:%u <- %s:%u arrives on it and would be cut (use --force, "
			"or set tcp-l3mdev-accept = yes)", m->name, v->name,
			vrf_addr_format(c->family, &c->local, la), c->local_port,
			vrf_addr_format(c->family, &c->remote, ra), c->remote_port);
}

static void plan_members(struct planner *p, const struct vrf_config *cfg, const struct vrf_def *v)
{
	const struct vrf_obs_link *vl = vrf_state_link_by_name(p->state, v->name);
	const struct vrf_obs_link *const *ports;
	size_t n;

	for (size_t i = 0; i < v->n_members; i++) {
		const struct vrf_obs_link *m = vrf_state_link_by_name(p->state, v->members[i]);
		const struct vrf_obs_link *master;

		if (!m) {
			char what[96];

			snprintf(what, sizeof(what), "member '%s' of vrf '%s' does not exist yet",
				 v->members[i], v->name);
			pending(p, VRF_PENDING_MEMBER, v->name, v->members[i], &v->where, what);
			continue;
		}
		master = m->master ? vrf_state_link_by_index(p->state, m->master) : NULL;
		if (master && vl && master->ifindex == vl->ifindex) {
			if (!m->up)
				push_link_step(p, VRF_STEP_LINK_UP, v->name, m->name, 0, 0);
			continue;
		}
		if (master && !(master->is_vrf && configured(p, master->name))) {
			problem(p, &v->where, master->is_vrf
				? "member '%s' is already in vrf '%s', which vrfctl does not manage"
				: "member '%s' is already a port of '%s'", m->name, master->name);
			continue;
		}
		guard_lockout(p, cfg, v, m);
		push_master(p, v->name, m->name, v->name, master ? master->name : "");
		/* Enslaving cycles the link and the kernel brings back its up state; only
		 * a member that was down needs a step (whose undo is then right too). */
		if (!m->up)
			push_link_step(p, VRF_STEP_LINK_UP, v->name, m->name, 0, 0);
	}
	/* Ports vrfctl's own VRF has that the config no longer lists. */
	if (!vl || !is_ours_link(p, vl))
		return;
	ports = ports_of(p, vl->ifindex, &n);
	for (size_t i = 0; i < n; i++) {
		bool listed = false;

		for (size_t j = 0; j < v->n_members; j++)
			listed |= strcmp(v->members[j], ports[i]->name) == 0;
		if (!listed)
			push_master(p, v->name, ports[i]->name, "", v->name);
	}
}

static void check_route_devices(struct planner *p, const struct vrf_def *v)
{
	const struct vrf_obs_link *vl = vrf_state_link_by_name(p->state, v->name);

	for (size_t i = 0; i < v->n_routes; i++) {
		const struct vrf_route_def *r = &v->routes[i];
		const struct vrf_obs_link *dl;
		char pfx[VRF_PREFIX_STRLEN];
		bool member = false;

		if (!r->dev[0] && route_pending(p, v, r)) {
			char what[200], via[INET6_ADDRSTRLEN];

			snprintf(what, sizeof(what), "route '%s' of vrf '%s': its gateway %s is not "
				 "reachable until a member comes", vrf_prefix_format(&r->dst, pfx),
				 v->name, vrf_addr_format(r->dst.family, &r->via, via));
			warning(p, &r->where, "%s: pending", what);
			if (!p->err)
				p->err = vrf_pending_add(&p->plan->pending, VRF_PENDING_ROUTE, v->name,
							 via, "gateway not reachable yet", &r->where);
			continue;
		}
		if (!r->dev[0])
			continue;
		dl = vrf_state_link_by_name(p->state, r->dev);
		if (!dl) {
			char what[160];

			snprintf(what, sizeof(what), "route '%s' of vrf '%s': device '%s' does not "
				 "exist yet", vrf_prefix_format(&r->dst, pfx), v->name, r->dev);
			pending(p, VRF_PENDING_ROUTE, v->name, r->dev, &r->where, what);
			continue;
		}
		for (size_t j = 0; j < v->n_members; j++)
			member |= strcmp(v->members[j], r->dev) == 0;
		/* ... or enslaved by someone else (ifupdown-ng's vrf-member). */
		if (vl && dl->master == vl->ifindex)
			member = true;
		/* Measured in the VM: packets go out, but replies arriving on a device
		 * outside the VRF never reach a socket bound to it. A VRF with bridges
		 * routes what the host forwards, for which that is the point: the LAN
		 * stays out of the VRF, so Docker's published ports keep working. */
		if (!member && !v->n_bridges && !v->n_networks)
			warning(p, &r->where, "route '%s' of vrf '%s' leaves through '%s', which is "
				"not a member: replies arriving there are not seen by sockets in "
				"the VRF", vrf_prefix_format(&r->dst, pfx), v->name, r->dev);
	}
}

/* Everything vrfctl made for one VRF device, in the order that unmakes it. */
static void plan_vrf_removal(struct planner *p, const struct vrf_obs_link *l, bool routes)
{
	const struct vrf_obs_link *const *ports;
	size_t n;

	if (routes)
		plan_routes_del_table(p, l->name, l->vrf_table);
	if (cgroup_of(p, l->name))
		push_cgroup(p, VRF_STEP_CGROUP_REMOVE, l->name);
	if (!is_ours_link(p, l))
		return;
	ports = ports_of(p, l->ifindex, &n);
	for (size_t i = 0; i < n; i++)
		push_master(p, l->name, ports[i]->name, "", l->name);
	push_link_step(p, VRF_STEP_LINK_DEL, l->name, l->name, l->vrf_table, l->group);
	if (!p->err)
		p->plan->steps[p->plan->n_steps - 1].u.link.up = l->up;
}

static void plan_sysctls(struct planner *p, const struct vrf_global *g)
{
	const enum vrf_tristate want[VRF_SYSCTL_COUNT] = {
		[VRF_SYSCTL_TCP_L3MDEV_ACCEPT] = g->tcp_l3mdev_accept,
		[VRF_SYSCTL_UDP_L3MDEV_ACCEPT] = g->udp_l3mdev_accept,
		[VRF_SYSCTL_RAW_L3MDEV_ACCEPT] = g->raw_l3mdev_accept,
	};

	for (int id = 0; id < VRF_SYSCTL_COUNT; id++) {
		struct vrf_step s = { .op = VRF_STEP_SYSCTL };

		if (want[id] == VRF_UNSET || p->state->sysctl[id] == (int)want[id])
			continue;
		s.u.sysctl.id = (enum vrf_sysctl_id)id;
		s.u.sysctl.value = want[id];
		s.u.sysctl.old = p->state->sysctl[id] < 0 ? 0 : p->state->sysctl[id];
		push(p, &s);
	}
}

/*
 * When the plan deletes every device of vrfctl's link group and makes none,
 * say so on each deletion: the executor may then delete them all with one
 * request by group, which the kernel does with one RCU grace period instead
 * of one per device (most of a teardown's time).
 */
static void mark_group_deletion(struct planner *p)
{
	uint32_t group = p->opts ? p->opts->link_group : 0, in_kernel = 0, deleted = 0;
	struct vrf_plan *plan = p->plan;

	if (!group)
		return;
	for (size_t i = 0; i < p->state->n_links; i++)
		in_kernel += p->state->links[i].group == group;
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct vrf_step *s = &plan->steps[i];

		if (s->op == VRF_STEP_LINK_ADD && s->u.link.group == group)
			return;
		deleted += s->op == VRF_STEP_LINK_DEL && s->u.link.group == group;
	}
	if (deleted < 2 || deleted != in_kernel)
		return;
	for (size_t i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].op == VRF_STEP_LINK_DEL && plan->steps[i].u.link.group == group)
			plan->steps[i].u.link.group_size = deleted;
}

static int finish(struct planner *p)
{
	if (!p->err && !p->problems)
		mark_group_deletion(p);
	free(p->by_table);
	free(p->by_master);
	free(p->vrfs_by_table);
	p->by_table = NULL;
	p->by_master = p->vrfs_by_table = NULL;
	vrf_strmap_free(&p->config_vrfs);
	vrf_strmap_free(&p->cgroups_by_vrf);
	if (p->err || p->problems) {
		vrf_plan_free(p->plan);
		return p->err ? p->err : -EINVAL;
	}
	return 0;
}

/* The planner of one plan, which starts empty. */
static struct planner start_planner(const struct vrf_config *cfg, const struct vrf_state *state,
				    const struct vrf_plan_opts *opts, struct vrf_plan *plan,
				    const struct vrf_log *log)
{
	memset(plan, 0, sizeof(*plan));
	return (struct planner){
		.state = state, .global = &cfg->global, .opts = opts, .log = log, .plan = plan,
	};
}

int vrf_plan_apply(struct vrf_config *cfg, const struct vrf_state *state,
		   const struct vrf_plan_opts *opts, struct vrf_plan *plan,
		   const struct vrf_log *log)
{
	struct planner p = start_planner(cfg, state, opts, plan, log);

	p.err = index_state(&p, cfg);
	if (p.err)   /* every question below is asked of the indexes */
		return finish(&p);
	for (size_t i = 0; i < opts->n_only; i++)
		if (!configured(&p, opts->only[i]))
			problem(&p, NULL, "no vrf '%s' in the config", opts->only[i]);
	resolve_auto_tables(&p, cfg);
	plan_sysctls(&p, &cfg->global);
	if (cfg->n_vrfs > 0) {
		plan_rules_up(&p, AF_INET);
		plan_rules_up(&p, AF_INET6);
	}
	/* Before anything is enslaved or released: a bridge that leaves the VRF
	 * for its bridges key is never routed by the main table meanwhile. */
	plan_bridges(&p, cfg, AF_INET);
	plan_bridges(&p, cfg, AF_INET6);
	/* VRFs of vrfctl's that the config dropped go before new ones come. */
	if (!opts->only) {
		for (size_t i = 0; i < state->n_links; i++) {
			const struct vrf_obs_link *l = &state->links[i];

			if (is_ours_link(&p, l) && !configured(&p, l->name))
				plan_vrf_removal(&p, l, true);
		}
	}
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (selected(opts, cfg->vrfs[i].name))
			plan_vrf_device(&p, &cfg->vrfs[i]);
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (selected(opts, cfg->vrfs[i].name) && !p.problems)
			plan_vrf_up(&p, &cfg->vrfs[i]);
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (selected(opts, cfg->vrfs[i].name)) {
			plan_members(&p, cfg, &cfg->vrfs[i]);
			warn_docker_members(&p, cfg, &cfg->vrfs[i]);
		}
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (selected(opts, cfg->vrfs[i].name))
			check_route_devices(&p, &cfg->vrfs[i]);
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (selected(opts, cfg->vrfs[i].name))
			plan_routes(&p, &cfg->vrfs[i]);
	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		const struct vrf_def *v = &cfg->vrfs[i];
		const struct vrf_obs_link *l = vrf_state_link_by_name(state, v->name);
		const struct vrf_obs_cgroup *cg = cgroup_of(&p, v->name);

		/* vrf-exec makes a VRF's cgroup on first use. Once there, its
		 * programs name devices by ifindex: a recreated VRF, or a port
		 * added or gone, needs new ones before anything already in the
		 * cgroup sends; and a program no longer attached is drift. */
		if (selected(opts, v->name) && cg && !cgroup_current(&p, v, l, cg))
			push_cgroup(&p, VRF_STEP_CGROUP_PREPARE, v->name);
	}
	return finish(&p);
}

int vrf_plan_down(const struct vrf_config *cfg, const struct vrf_state *state,
		  const char *const *names, size_t n_names, bool all,
		  const struct vrf_plan_opts *opts, struct vrf_plan *plan,
		  const struct vrf_log *log)
{
	struct planner p = start_planner(cfg, state, opts, plan, log);
	bool vrfs_remain = false;

	for (size_t i = 0; i < n_names; i++) {
		const struct vrf_obs_link *l = vrf_state_link_by_name(state, names[i]);

		if (l && !l->is_vrf)
			problem(&p, NULL, "'%s' is not a VRF device", names[i]);
		else if (!l && !vrf_config_find(cfg, names[i]))
			problem(&p, NULL, "no vrf '%s' (not in the kernel, not in the config)",
				names[i]);
	}
	if (p.problems)
		return finish(&p);

	p.err = index_state(&p, cfg);
	if (p.err)
		return finish(&p);
	/* --all: every route vrfctl made, in any table, even one whose VRF is gone. */
	for (size_t i = 0; all && i < state->n_routes; i++)
		if (state->routes[i].protocol == cfg->global.route_protocol)
			push_route(&p, VRF_STEP_ROUTE_DEL, "", &state->routes[i]);
	for (size_t i = 0; i < state->n_links; i++) {
		const struct vrf_obs_link *l = &state->links[i];
		bool chosen = false;

		if (!l->is_vrf)
			continue;
		for (size_t j = 0; j < n_names; j++)
			chosen |= strcmp(names[j], l->name) == 0;
		if (chosen && !all)
			plan_bridges_down(&p, l->vrf_table);
		if (chosen || (all && is_ours_link(&p, l)))
			plan_vrf_removal(&p, l, !all);
		if (!(chosen || all) || !is_ours_link(&p, l))
			vrfs_remain = true;
	}
	if (all) {
		plan_rules_down(&p, AF_INET, vrfs_remain);
		plan_rules_down(&p, AF_INET6, vrfs_remain);
	}
	return finish(&p);
}

int vrf_plan_rules_down(const struct vrf_config *cfg, const struct vrf_state *state,
			const struct vrf_plan_opts *opts, struct vrf_plan *plan,
			const struct vrf_log *log)
{
	struct planner p = start_planner(cfg, state, opts, plan, log);
	bool vrfs_remain = false;

	/* The VRFs named in opts->only are going (an ifdown whose executor
	 * deletes the device after us): they do not count. */
	for (size_t i = 0; i < state->n_links; i++)
		vrfs_remain |= state->links[i].is_vrf &&
			       !(opts->only && selected(opts, state->links[i].name));
	plan_rules_down(&p, AF_INET, vrfs_remain);
	plan_rules_down(&p, AF_INET6, vrfs_remain);
	return finish(&p);
}

/* ---- rendering ---------------------------------------------------------- */

static const char *family_flag(int family)
{
	return family == AF_INET6 ? "-6" : "-4";
}

int vrf_rule_format(const struct vrf_rule *r, char *buf, size_t size)
{
	char what[32];

	if (r->l3mdev)
		snprintf(what, sizeof(what), "l3mdev%s", r->unreachable ? " unreachable" : "");
	else if (r->unreachable)
		snprintf(what, sizeof(what), "unreachable");
	else if (r->table == TABLE_LOCAL)
		snprintf(what, sizeof(what), "table local");
	else if (r->table == RT_TABLE_MAIN)
		snprintf(what, sizeof(what), "table main");
	else if (r->table == RT_TABLE_DEFAULT)
		snprintf(what, sizeof(what), "table default");
	else
		snprintf(what, sizeof(what), "table %u", r->table);
	return snprintf(buf, size, "pref %u%s%s %s%s protocol %u", r->pref,
			r->iif[0] ? " iif " : "", r->iif, what,
			r->other_selectors ? " (with other selectors)" : "", r->protocol);
}

int vrf_route_format(const struct vrf_route *r, char *buf, size_t size)
{
	char dst[VRF_PREFIX_STRLEN], via[INET6_ADDRSTRLEN];
	size_t n;

	if (r->dst.len == 0)
		snprintf(dst, sizeof(dst), "default");
	else
		vrf_prefix_format(&r->dst, dst);
	n = (size_t)snprintf(buf, size, "%s%s", r->unreachable ? "unreachable " : "", dst);
	if (r->has_via && n < size)
		n += (size_t)snprintf(buf + n, size - n, " via %s",
				      vrf_addr_format(r->family, &r->via, via));
	if (r->dev[0] && n < size)
		n += (size_t)snprintf(buf + n, size - n, " dev %s", r->dev);
	if (n < size)
		n += (size_t)snprintf(buf + n, size - n, " table %u proto %u metric %u",
				      r->table, r->protocol, r->metric);
	return (int)n;
}

static int render_rule(const struct vrf_step *s, char *buf, size_t size)
{
	char rule[160];

	vrf_rule_format(&s->u.rule, rule, sizeof(rule));
	return snprintf(buf, size, "ip %s rule %s %s", family_flag(s->u.rule.family),
			s->op == VRF_STEP_RULE_ADD ? "add" : "del", rule);
}

static int render_route(const struct vrf_step *s, char *buf, size_t size)
{
	char route[256];

	vrf_route_format(&s->u.route, route, sizeof(route));
	return snprintf(buf, size, "ip %s route %s %s", family_flag(s->u.route.family),
			s->op == VRF_STEP_ROUTE_ADD ? "add" : "del", route);
}

int vrf_step_render(const struct vrf_step *s, char *buf, size_t size)
{
	switch (s->op) {
	case VRF_STEP_RULE_ADD:
	case VRF_STEP_RULE_DEL:
		return render_rule(s, buf, size);
	case VRF_STEP_ROUTE_ADD:
	case VRF_STEP_ROUTE_DEL:
		return render_route(s, buf, size);
	case VRF_STEP_LINK_ADD:
		return snprintf(buf, size, "ip link add %s group %u%s type vrf table %u",
				s->u.link.name, s->u.link.group, s->u.link.up ? " up" : "",
				s->u.link.table);
	case VRF_STEP_LINK_DEL:
		return snprintf(buf, size, "ip link del %s", s->u.link.name);
	case VRF_STEP_LINK_UP:
		return snprintf(buf, size, "ip link set %s up", s->u.link.name);
	case VRF_STEP_LINK_DOWN:
		return snprintf(buf, size, "ip link set %s down", s->u.link.name);
	case VRF_STEP_LINK_MASTER:
		if (!s->u.master.master[0])
			return snprintf(buf, size, "ip link set %s nomaster", s->u.master.dev);
		return snprintf(buf, size, "ip link set %s master %s", s->u.master.dev,
				s->u.master.master);
	case VRF_STEP_SYSCTL:
		return snprintf(buf, size, "sysctl -w %s=%d", vrf_sysctl_name(s->u.sysctl.id),
				s->u.sysctl.value);
	case VRF_STEP_CGROUP_PREPARE:
		return snprintf(buf, size, "# prepare the vrf-exec cgroup of %s", s->vrf);
	case VRF_STEP_CGROUP_REMOVE:
		return snprintf(buf, size, "# remove the vrf-exec cgroup of %s", s->vrf);
	}
	return snprintf(buf, size, "# unknown step");
}

void vrf_plan_write(const struct vrf_plan *plan, FILE *out)
{
	char line[512];

	for (size_t i = 0; i < plan->n_steps; i++) {
		vrf_step_render(&plan->steps[i], line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
}
