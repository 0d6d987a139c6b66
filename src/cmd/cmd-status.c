/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "apply.h"
#include "bind.h"
#include "cmd.h"
#include "config.h"
#include "docker.h"
#include "json.h"
#include "rtnl.h"
#include "nft.h"
#include "plan.h"

/* Everything status shows, gathered once. */
struct view {
	const struct vrfctl_opts *opts;
	const struct vrf_config *cfg;
	const struct vrf_state *st;
	const char *only;            /* status VRF: just that one */
	struct vrf_nft_counter *counters;  /* table inet vrfctl's rules */
	size_t n_counters;
	bool have_table;
	bool nft_denied;             /* no CAP_NET_ADMIN: the table cannot be read */
	struct vrf_pending_list pending;   /* what the config names that is not there yet */
};

static const char *family_name(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

static bool shown(const struct view *v, const struct vrf_obs_link *l)
{
	return l->is_vrf && (!v->only || strcmp(v->only, l->name) == 0);
}

static bool managed(const struct view *v, const struct vrf_obs_link *l)
{
	return l->group == v->cfg->global.route_protocol;
}

enum origin { ORIGIN_NONE, ORIGIN_CONFIG, ORIGIN_IFUPDOWN };

/*
 * Where a VRF is defined: in the configuration, or in an interfaces(5) stanza,
 * for which the ifupdown hook keeps a one-VRF configuration under the state
 * directory (ifupdown-hooks/vrfctl). Without the second, a VRF the hook made
 * at boot would look like a leftover.
 */
static enum origin origin_of(const struct view *v, const char *name)
{
	char path[PATH_MAX];
	int n;

	if (vrf_config_find(v->cfg, name))
		return ORIGIN_CONFIG;
	n = snprintf(path, sizeof(path), "%s/ifupdown/%s.conf", v->opts->state_dir, name);
	if (n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0)
		return ORIGIN_IFUPDOWN;
	return ORIGIN_NONE;
}

static const struct vrf_obs_cgroup *cgroup_of(const struct view *v, const char *name)
{
	for (size_t i = 0; i < v->st->n_cgroups; i++)
		if (strcmp(v->st->cgroups[i].vrf, name) == 0)
			return &v->st->cgroups[i];
	return NULL;
}

/*
 * Do the VRF's cgroups bind to l and let out by exactly l and its ports as
 * they are now? As the planner asks, from what is there (not the config).
 */
static bool cgroup_confines(const struct view *v, const struct vrf_obs_link *l,
			    const struct vrf_obs_cgroup *cg)
{
	size_t n = 0;
	bool vrf_seen = false;

	if (!cg->intact || cg->ifindex != l->ifindex)
		return false;
	for (size_t i = 0; i < v->st->n_links; i++)
		n += v->st->links[i].master == l->ifindex;
	for (size_t i = 0; i < cg->n_allow; i++) {
		const struct vrf_obs_link *d = vrf_state_link_by_index(v->st, cg->allow[i]);

		if (!d || (d->ifindex != l->ifindex && d->master != l->ifindex))
			return false;
		vrf_seen |= d->ifindex == l->ifindex;
	}
	return vrf_seen && cg->n_allow == n + 1;
}

static const char *cgroup_state(const struct view *v, const struct vrf_obs_link *l)
{
	const struct vrf_obs_cgroup *cg = cgroup_of(v, l->name);

	if (!cg)
		return "none yet (vrf-exec makes it)";
	/* The record is in trusted.* xattrs, the check a BPF_PROG_QUERY: root's. */
	if (geteuid() != 0)
		return "made (only root can tell whether it confines)";
	return cgroup_confines(v, l, cg) ? "confined" : "stale (vrfctl apply repairs it)";
}

/* Rule i routes a bridge into l's table (a VRF's `bridges`), and is the first
 * such rule of its bridge: one name per bridge, whatever the families. */
static bool bridge_rule(const struct view *v, const struct vrf_obs_link *l, size_t i)
{
	const struct vrf_rule *r = &v->st->rules[i];

	if (!r->iif[0] || r->other_selectors || r->unreachable || r->table != l->vrf_table)
		return false;
	for (size_t j = 0; j < i; j++) {
		const struct vrf_rule *q = &v->st->rules[j];

		if (strcmp(q->iif, r->iif) == 0 && !q->other_selectors && !q->unreachable &&
		    q->table == l->vrf_table)
			return false;
	}
	return true;
}

static void text_vrf(const struct view *v, const struct vrf_obs_link *l, FILE *out)
{
	static const char *const origin_text[] = {
		[ORIGIN_NONE] = ", not in the config",
		[ORIGIN_CONFIG] = ", configured",
		[ORIGIN_IFUPDOWN] = ", from /etc/network/interfaces",
	};
	char line[256];
	bool any = false;

	fprintf(out, "vrf %s: table %u, %s%s%s\n", l->name, l->vrf_table, l->up ? "up" : "down",
		managed(v, l) ? ", made by vrfctl" : "", origin_text[origin_of(v, l->name)]);
	fputs("  members:", out);
	for (size_t i = 0; i < v->st->n_links; i++) {
		const struct vrf_obs_link *m = &v->st->links[i];

		if (m->master != l->ifindex)
			continue;
		fprintf(out, " %s (%s)", m->name, m->up ? "up" : "down");
		any = true;
	}
	fputs(any ? "\n" : " none\n", out);
	any = false;
	for (size_t i = 0; i < v->st->n_rules; i++) {
		if (!bridge_rule(v, l, i))
			continue;
		fprintf(out, "%s %s", any ? "" : "  bridges:", v->st->rules[i].iif);
		any = true;
	}
	if (any)
		fputs("\n", out);
	{
		pid_t *pids = NULL;
		size_t n = 0;

		vrf_bind_cgroup_pids(l->name, &pids, &n);
		fprintf(out, "  vrf-exec cgroup: %s\n", cgroup_state(v, l));
		fputs("  processes:", out);
		for (size_t i = 0; i < n; i++)
			fprintf(out, " %ld", (long)pids[i]);
		fputs(n ? "\n" : " none\n", out);
		free(pids);
	}
	fputs("  routes:\n", out);
	for (size_t i = 0; i < v->st->n_routes; i++) {
		const struct vrf_route *r = &v->st->routes[i];

		if (r->table != l->vrf_table)
			continue;
		vrf_route_format(r, line, sizeof(line));
		fprintf(out, "    %s %s\n", family_name(r->family), line);
	}
}

static void text_rules(const struct view *v, FILE *out)
{
	char line[200];

	fputs("rules:\n", out);
	for (size_t i = 0; i < v->st->n_rules; i++) {
		vrf_rule_format(&v->st->rules[i], line, sizeof(line));
		fprintf(out, "  %s %s\n", family_name(v->st->rules[i].family), line);
	}
}

static void json_vrf(const struct view *v, const struct vrf_obs_link *l, struct vrf_json *j)
{
	char buf[VRF_PREFIX_STRLEN];
	enum origin origin;

	vrf_json_object_begin(j, NULL);
	vrf_json_string(j, "name", l->name);
	vrf_json_uint(j, "ifindex", l->ifindex);
	vrf_json_uint(j, "table", l->vrf_table);
	vrf_json_bool(j, "up", l->up);
	vrf_json_bool(j, "managed", managed(v, l));
	origin = origin_of(v, l->name);
	vrf_json_bool(j, "configured", origin == ORIGIN_CONFIG);
	if (origin == ORIGIN_NONE)
		vrf_json_null(j, "origin");
	else
		vrf_json_string(j, "origin", origin == ORIGIN_CONFIG ? "config" : "interfaces");
	vrf_json_array_begin(j, "members");
	for (size_t i = 0; i < v->st->n_links; i++) {
		const struct vrf_obs_link *m = &v->st->links[i];

		if (m->master != l->ifindex)
			continue;
		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "name", m->name);
		vrf_json_bool(j, "up", m->up);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
	vrf_json_array_begin(j, "bridges");
	for (size_t i = 0; i < v->st->n_rules; i++)
		if (bridge_rule(v, l, i))
			vrf_json_string(j, NULL, v->st->rules[i].iif);
	vrf_json_array_end(j);
	{
		pid_t *pids = NULL;
		size_t n = 0;

		vrf_bind_cgroup_pids(l->name, &pids, &n);
		if (cgroup_of(v, l->name) && geteuid() == 0)
			vrf_json_bool(j, "cgroup_confined", cgroup_confines(v, l, cgroup_of(v, l->name)));
		else
			vrf_json_null(j, "cgroup_confined");
		vrf_json_array_begin(j, "pids");
		for (size_t i = 0; i < n; i++)
			vrf_json_int(j, NULL, pids[i]);
		vrf_json_array_end(j);
		free(pids);
	}
	vrf_json_array_begin(j, "routes");
	for (size_t i = 0; i < v->st->n_routes; i++) {
		const struct vrf_route *r = &v->st->routes[i];

		if (r->table != l->vrf_table)
			continue;
		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "family", family_name(r->family));
		vrf_json_string(j, "dst", r->dst.len ? vrf_prefix_format(&r->dst, buf) : "default");
		vrf_json_string(j, "type", r->unreachable ? "unreachable" : "unicast");
		if (r->has_via)
			vrf_json_string(j, "via", vrf_addr_format(r->family, &r->via, buf));
		else
			vrf_json_null(j, "via");
		if (r->dev[0])
			vrf_json_string(j, "dev", r->dev);
		else
			vrf_json_null(j, "dev");
		vrf_json_uint(j, "metric", r->metric);
		vrf_json_uint(j, "protocol", r->protocol);
		vrf_json_bool(j, "vrfctl", r->protocol == v->cfg->global.route_protocol);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
	vrf_json_object_end(j);
}

static void text_nft(const struct view *v, FILE *out)
{
	if (v->nft_denied)
		fputs("nftables (table inet " VRF_NFT_TABLE "): not shown, reading it needs "
		      "CAP_NET_ADMIN\n", out);
	if (!v->have_table)
		return;
	fputs("nftables (table inet " VRF_NFT_TABLE "):\n", out);
	for (size_t i = 0; i < v->n_counters; i++)
		fprintf(out, "  %-8s %-40s %8" PRIu64 " packets %10" PRIu64 " bytes\n",
			v->counters[i].chain, v->counters[i].comment, v->counters[i].packets,
			v->counters[i].bytes);
}

static void json_nft(const struct view *v, struct vrf_json *j)
{
	if (!v->have_table) {
		vrf_json_null(j, "nft");
		return;
	}
	vrf_json_array_begin(j, "nft");
	for (size_t i = 0; i < v->n_counters; i++) {
		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "chain", v->counters[i].chain);
		vrf_json_string(j, "rule", v->counters[i].comment);
		vrf_json_uint(j, "packets", v->counters[i].packets);
		vrf_json_uint(j, "bytes", v->counters[i].bytes);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
}

static void json_rules(const struct view *v, struct vrf_json *j)
{
	vrf_json_array_begin(j, "rules");
	for (size_t i = 0; i < v->st->n_rules; i++) {
		const struct vrf_rule *r = &v->st->rules[i];

		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "family", family_name(r->family));
		vrf_json_uint(j, "pref", r->pref);
		vrf_json_bool(j, "l3mdev", r->l3mdev);
		vrf_json_string(j, "iif", r->iif[0] ? r->iif : NULL);
		vrf_json_string(j, "action", r->unreachable ? "unreachable" : "lookup");
		vrf_json_uint(j, "table", r->table);
		vrf_json_uint(j, "protocol", r->protocol);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
}

static int show(const struct view *v, FILE *out)
{
	if (v->opts->json) {
		struct vrf_json j;

		vrf_json_init(&j, out, true);
		vrf_json_object_begin(&j, NULL);
		vrf_json_array_begin(&j, "vrfs");
		for (size_t i = 0; i < v->st->n_links; i++)
			if (shown(v, &v->st->links[i]))
				json_vrf(v, &v->st->links[i], &j);
		vrf_json_array_end(&j);
		json_rules(v, &j);
		json_nft(v, &j);
		vrfctl_pending_json(&j, "pending", &v->pending);
		vrf_json_object_end(&j);
		return vrf_json_finish(&j);
	}
	for (size_t i = 0; i < v->st->n_links; i++)
		if (shown(v, &v->st->links[i]))
			text_vrf(v, &v->st->links[i], out);
	if (!v->only) {
		text_rules(v, out);
		text_nft(v, out);
	}
	if (v->pending.n) {
		fputs("pending (a later apply completes these once they exist):\n", out);
		vrfctl_pending_write(&v->pending, "  ", out);
	}
	return fflush(out) == 0 ? 0 : -EIO;
}

/* The first message of a call, kept to be shown or dropped after it. */
struct held_msg {
	int priority;
	char text[512];
};

static void hold_first(void *data, int priority, const char *msg)
{
	struct held_msg *h = data;

	if (h->text[0])
		return;
	h->priority = priority;
	snprintf(h->text, sizeof(h->text), "%s", msg);
}

static void discard(void *data, int priority, const char *msg)
{
	(void)data, (void)priority, (void)msg;
}

/*
 * What an apply would leave pending now: Docker's names resolved and the
 * config planned as apply does, silently (plan and apply say it aloud).
 * A config that does not plan (a problem that plan reports) shows none.
 */
static void collect_pending(struct view *v, struct vrf_config *cfg, const struct vrf_state *st)
{
	struct vrf_log quiet = { discard, NULL };
	struct vrf_plan_opts popts = { .link_group = cfg->global.route_protocol };
	struct vrf_plan plan = { 0 };

	if (vrf_docker_refresh(cfg, NULL, &v->pending, &quiet) < 0 ||
	    vrf_nft_validate(&cfg->docker, &v->pending, &quiet) < 0)
		return;
	if (vrf_plan_apply(cfg, st, &popts, &plan, &quiet) == 0)
		vrf_pending_merge(&v->pending, &plan.pending);
	vrf_plan_free(&plan);
}

int vrfctl_cmd_status(const struct vrfctl_opts *opts, int argc, char **argv)
{
	struct vrf_config cfg = { 0 };
	/* Read without the lock, as plan does: status changes nothing. */
	struct vrfctl_kernel_view kv = VRFCTL_KERNEL_VIEW_INIT(false, 0);
	struct view v = { .opts = opts, .cfg = &cfg, .st = &kv.state };
	struct held_msg held = { 0 };
	struct vrf_log held_log = { .fn = hold_first, .data = &held };
	int status = VRFCTL_EXIT_ERROR, r;

	if (argc > 2) {
		vrf_err(&opts->log, "usage: vrfctl status [VRF]");
		return VRFCTL_EXIT_ERROR;
	}
	v.only = argc == 2 ? argv[1] : NULL;
	vrfctl_kernel_view_begin(&kv, opts);
	if (vrf_config_load(&cfg, opts->config_path, &opts->log) < 0 ||
	    vrfctl_kernel_view_finish(&kv, opts) < 0)
		goto out;
	if (v.only) {
		const struct vrf_obs_link *l = vrf_state_link_by_name(&kv.state, v.only);

		if (!l || !l->is_vrf) {
			vrf_err(&opts->log, "no vrf '%s' in the kernel", v.only);
			goto out;
		}
	}
	collect_pending(&v, &cfg, &kv.state);
	/* No table, or no nf_tables at all: nothing to count. Any user may ask
	 * for the status, and all but the table is readable without privilege:
	 * then the status says what it leaves out rather than report an error. */
	r = vrf_nft_counters(&v.counters, &v.n_counters, &held_log);
	v.have_table = r >= 0;
	v.nft_denied = r == -EPERM;
	if (held.text[0] && !v.nft_denied)
		vrf_logf(&opts->log, held.priority, "%s", held.text);
	if (show(&v, stdout) < 0) {
		vrf_err(&opts->log, "cannot write the status");
		goto out;
	}
	status = VRFCTL_EXIT_OK;
out:
	vrf_pending_free(&v.pending);
	free(v.counters);
	vrfctl_kernel_view_free(&kv);
	vrf_config_free(&cfg);
	return status;
}
