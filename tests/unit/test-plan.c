/* SPDX-License-Identifier: MIT */
/*
 * The planner against observed-state fixtures built here: an empty host, an
 * applied host, drift, foreign rules and routes, the guard, removal. The
 * expected plans are the `ip` lines a person would type, in order.
 */
#include <errno.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "log-capture.h"

#include "addr.h"
#include "fail-alloc.h"
#include "plan.h"

#define PROTO VRF_DEFAULT_ROUTE_PROTOCOL
#define GROUP VRF_DEFAULT_ROUTE_PROTOCOL

/* ---- fixtures ------------------------------------------------------------ */

struct fixture {
	struct vrf_config cfg;
	struct vrf_state st;
	struct vrf_plan plan;
	char log[VRF_TEST_LOG_SIZE];
	struct vrf_log logger;
};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	assert_non_null(p);
	return p;
}

static struct vrf_prefix pfx(const char *text)
{
	struct vrf_prefix p;

	assert_int_equal(vrf_prefix_parse(text, &p), 0);
	return p;
}

static void add_link(struct vrf_state *st, unsigned ifindex, const char *name, bool is_vrf,
		     uint32_t table, unsigned master, uint32_t group, bool up)
{
	struct vrf_obs_link *l;

	st->links = realloc(st->links, (st->n_links + 1) * sizeof(*l));
	assert_non_null(st->links);
	l = &st->links[st->n_links++];
	*l = (struct vrf_obs_link){ .ifindex = ifindex, .is_vrf = is_vrf, .vrf_table = table,
				    .master = master, .group = group, .up = up };
	snprintf(l->name, sizeof(l->name), "%s", name);
}

static void add_rule(struct vrf_state *st, int family, uint32_t pref, uint32_t table,
		     bool l3mdev, bool unreachable, uint8_t proto)
{
	st->rules = realloc(st->rules, (st->n_rules + 1) * sizeof(*st->rules));
	assert_non_null(st->rules);
	st->rules[st->n_rules++] = (struct vrf_rule){
		.family = family, .pref = pref, .table = table, .l3mdev = l3mdev,
		.unreachable = unreachable, .protocol = proto,
	};
}

static void add_route(struct vrf_state *st, const char *dst, uint32_t table, bool unreachable,
		      uint8_t proto, uint32_t metric, const char *dev)
{
	struct vrf_route *r;

	st->routes = realloc(st->routes, (st->n_routes + 1) * sizeof(*r));
	assert_non_null(st->routes);
	r = &st->routes[st->n_routes++];
	*r = (struct vrf_route){ .table = table, .dst = pfx(dst), .unreachable = unreachable,
				 .protocol = proto, .metric = metric };
	r->family = r->dst.family;
	snprintf(r->dev, sizeof(r->dev), "%s", dev ? dev : "");
}

/* The kernel's rules of a fresh network namespace. */
static void default_rules(struct vrf_state *st)
{
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		add_rule(st, family, 0, 255, false, false, RTPROT_KERNEL);
		add_rule(st, family, 32766, 254, false, false, RTPROT_KERNEL);
		if (family == AF_INET)
			add_rule(st, family, 32767, 253, false, false, RTPROT_KERNEL);
	}
}

/* [vrf mgmt] table 10, members eth0, route 10.20.30.0/24 dev eth0. */
static void mgmt_config(struct vrf_config *cfg)
{
	struct vrf_def *v;

	vrf_global_init(&cfg->global);
	cfg->vrfs = xcalloc(1, sizeof(*cfg->vrfs));
	cfg->n_vrfs = 1;
	v = &cfg->vrfs[0];
	strcpy(v->name, "mgmt");
	v->table = 10;
	v->unreachable_default = true;
	v->members = xcalloc(1, sizeof(*v->members));
	strcpy(v->members[0], "eth0");
	v->n_members = 1;
	v->routes = xcalloc(1, sizeof(*v->routes));
	v->routes[0].dst = pfx("10.20.30.0/24");
	strcpy(v->routes[0].dev, "eth0");
	v->n_routes = 1;
}

/* The rules of a host the mgmt config has been applied to, in the kernel's order. */
static void applied_rules(struct vrf_state *st, int family)
{
	add_rule(st, family, 0, 0, true, false, PROTO);
	add_rule(st, family, 0, 0, true, true, PROTO);
	add_rule(st, family, 0, 255, false, false, PROTO);
	/* The VRF driver's own, added with the first VRF. */
	add_rule(st, family, 1000, 0, true, false, RTPROT_KERNEL);
	add_rule(st, family, 32766, 254, false, false, RTPROT_KERNEL);
}

/* A host the mgmt config has been applied to. */
static void applied_state(struct vrf_state *st)
{
	applied_rules(st, AF_INET);
	applied_rules(st, AF_INET6);
	add_link(st, 1, "lo", false, 0, 0, 0, true);
	add_link(st, 2, "eth0", false, 0, 5, 0, true);
	add_link(st, 3, "uplink", false, 0, 0, 0, true);
	add_link(st, 5, "mgmt", true, 10, 0, GROUP, true);
	add_route(st, "10.20.30.0/24", 10, false, RTPROT_KERNEL, 0, "eth0");
	add_route(st, "0.0.0.0/0", 10, true, PROTO, VRF_UNREACHABLE_METRIC, NULL);
	add_route(st, "::/0", 10, true, PROTO, VRF_UNREACHABLE_METRIC, NULL);
	add_route(st, "0.0.0.0/0", 254, false, RTPROT_BOOT, 0, "uplink");
}

static int setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	f->logger = VRF_TEST_LOG(f->log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vrf_plan_free(&f->plan);
	vrf_state_free(&f->st);
	vrf_config_free(&f->cfg);
	free(f);
	return 0;
}

static char *render(const struct vrf_plan *plan)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	assert_non_null(out);
	vrf_plan_write(plan, out);
	fclose(out);
	return text;
}

static void assert_plan(struct fixture *f, const char *expected)
{
	char *text = render(&f->plan);

	if (strcmp(text, expected) != 0)
		print_error("plan:\n%s\nexpected:\n%s\n", text, expected);
	assert_string_equal(text, expected);
	free(text);
}

static int plan_up(struct fixture *f, bool force)
{
	struct vrf_plan_opts opts = { .link_group = GROUP, .force = force };

	return vrf_plan_apply(&f->cfg, &f->st, &opts, &f->plan, &f->logger);
}

/* ---- tests ------------------------------------------------------------- */

static void empty_host_full_plan_in_order(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 1, "lo", false, 0, 0, 0, true);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	/* As observed for real: with the lookup index (the other tests scan). */
	assert_int_equal(vrf_state_index(&f->st), 0);
	assert_int_equal(plan_up(f, false), 0);
	/* The layout at 0, its local lookup in before the stock one goes; VRF before members;
	 * members up before routes. */
	assert_plan(f,
		"ip -4 rule add pref 0 l3mdev protocol 118\n"
		"ip -4 rule add pref 0 l3mdev unreachable protocol 118\n"
		"ip -4 rule add pref 0 table local protocol 118\n"
		"ip -4 rule del pref 0 table local protocol 2\n"
		"ip -6 rule add pref 0 l3mdev protocol 118\n"
		"ip -6 rule add pref 0 l3mdev unreachable protocol 118\n"
		"ip -6 rule add pref 0 table local protocol 118\n"
		"ip -6 rule del pref 0 table local protocol 2\n"
		/* The VRF driver's own, which the first VRF would add unasked. */
		"ip -4 rule add pref 1000 l3mdev protocol 2\n"
		"ip -6 rule add pref 1000 l3mdev protocol 2\n"
		"ip link add mgmt group 118 type vrf table 10\n"
		"ip link set mgmt up\n"
		"ip link set eth0 master mgmt\n"
		"ip -4 route add 10.20.30.0/24 dev eth0 table 10 proto 118 metric 0\n"
		"ip -4 route add unreachable default table 10 proto 118 metric 4278198272\n"
		"ip -6 route add unreachable default table 10 proto 118 metric 4278198272\n");
}

static void down_member_is_brought_up(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	f->st.links[1].master = 0;
	f->st.links[1].up = false;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "ip link set eth0 master mgmt\nip link set eth0 up\n");
}

static void applied_host_plans_nothing(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	assert_int_equal(plan_up(f, false), 0);
	assert_int_equal(f->plan.n_steps, 0);
}

/* A vrf-exec cgroup of mgmt as observed: binding to ifindex, letting out by allow. */
static void add_cgroup(struct vrf_state *st, unsigned ifindex, const unsigned *allow, size_t n,
		       bool intact)
{
	struct vrf_obs_cgroup *c;

	st->cgroups_supported = true;
	st->cgroups = realloc(st->cgroups, (st->n_cgroups + 1) * sizeof(*c));
	assert_non_null(st->cgroups);
	c = &st->cgroups[st->n_cgroups++];
	*c = (struct vrf_obs_cgroup){ .ifindex = ifindex, .n_allow = n, .intact = intact };
	strcpy(c->vrf, "mgmt");
	c->allow = xcalloc(n, sizeof(*allow));
	memcpy(c->allow, allow, n * sizeof(*allow));
}

/*
 * The cgroup's programs are current when they bind to the VRF and let out by
 * exactly the VRF and its members; a detached program, a recreated VRF, a
 * member added or gone are drift, repaired by preparing the cgroup again.
 */
static void cgroup_programs_follow_the_vrf(void **state)
{
	static const unsigned current[] = { 2, 5 }, stale[] = { 5 }, extra[] = { 2, 3, 5 };
	static const struct {
		unsigned ifindex;
		const unsigned *allow;
		size_t n;
		bool intact;
		bool prepare;
	} cases[] = {
		{ 5, current, 2, true, false },
		{ 5, current, 2, false, true },     /* a program detached */
		{ 4, current, 2, true, true },      /* mgmt made again: a new ifindex */
		{ 5, stale, 1, true, true },        /* eth0 enslaved since */
		{ 5, extra, 3, true, true },        /* uplink no longer a port */
	};
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		applied_state(&f->st);
		add_cgroup(&f->st, cases[i].ifindex, cases[i].allow, cases[i].n, cases[i].intact);
		assert_int_equal(plan_up(f, false), 0);
		assert_plan(f, cases[i].prepare ? "# prepare the vrf-exec cgroup of mgmt\n" : "");
		vrf_plan_free(&f->plan);
		vrf_state_free(&f->st);
	}
}

static void drift_is_repaired_exactly(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	/* By hand: the unreachable route deleted, eth0 released, pref 0 back. */
	f->st.routes[1] = f->st.routes[--f->st.n_routes];
	f->st.links[1].master = 0;
	add_rule(&f->st, AF_INET, 0, 255, false, false, RTPROT_KERNEL);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f,
		"ip -4 rule del pref 0 table local protocol 2\n"
		"ip link set eth0 master mgmt\n"
		"ip -4 route add unreachable default table 10 proto 118 metric 4278198272\n");
}

/*
 * A local lookup added by hand (no protocol) goes behind vrfctl's and is
 * harmless there; the kernel could not tell it from vrfctl's on a delete.
 */
static void local_lookup_added_by_hand_is_left(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	add_rule(&f->st, AF_INET, 0, 255, false, false, RTPROT_UNSPEC);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "");
}

static void foreign_rules_and_routes_untouched(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	/* Someone else's rule and routes, in our table and elsewhere. */
	add_rule(&f->st, AF_INET, 100, 100, false, false, RTPROT_BOOT);
	add_route(&f->st, "192.0.2.0/24", 10, false, RTPROT_STATIC, 0, "eth0");
	add_route(&f->st, "198.51.100.0/24", 100, false, RTPROT_BOOT, 0, "uplink");
	/* ... and one of ours that the config no longer has. */
	add_route(&f->st, "10.99.0.0/16", 10, false, PROTO, 0, "eth0");
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "ip -4 route del 10.99.0.0/16 dev eth0 table 10 proto 118 metric 0\n");
}

static void ipv6_route_metric_defaults_like_kernel(void **state)
{
	struct fixture *f = *state;
	struct vrf_def *v;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	v = &f->cfg.vrfs[0];
	v->routes = realloc(v->routes, 2 * sizeof(*v->routes));
	memset(&v->routes[1], 0, sizeof(v->routes[1]));
	v->routes[1].dst = pfx("2001:db8:30::/64");
	strcpy(v->routes[1].dev, "eth0");
	v->n_routes = 2;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "ip -6 route add 2001:db8:30::/64 dev eth0 table 10 proto 118 metric 1024\n");
	vrf_plan_free(&f->plan);
	add_route(&f->st, "2001:db8:30::/64", 10, false, PROTO, 1024, "eth0");
	assert_int_equal(plan_up(f, false), 0);
	assert_int_equal(f->plan.n_steps, 0);
}

/* The kernel reports the device it resolved `via` to: still the same route. */
static void via_route_without_dev_is_idempotent(void **state)
{
	struct fixture *f = *state;
	struct vrf_def *v;
	int family;

	mgmt_config(&f->cfg);
	applied_state(&f->st);
	v = &f->cfg.vrfs[0];
	v->routes = realloc(v->routes, 2 * sizeof(*v->routes));
	memset(&v->routes[1], 0, sizeof(v->routes[1]));
	v->routes[1].dst = pfx("10.21.0.0/16");
	v->routes[1].has_via = true;
	vrf_addr_parse("10.20.30.1", &family, &v->routes[1].via);
	v->n_routes = 2;
	add_route(&f->st, "10.21.0.0/16", 10, false, PROTO, 0, "eth0");
	f->st.routes[f->st.n_routes - 1].has_via = true;
	f->st.routes[f->st.n_routes - 1].via = v->routes[1].via;
	assert_int_equal(plan_up(f, false), 0);
	assert_int_equal(f->plan.n_steps, 0);
}

static void problems_are_all_reported(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	f->cfg.vrfs[0].where = (struct vrf_where){ "vrfctl.conf", 3 };
	f->cfg.vrfs[0].routes[0].where = (struct vrf_where){ "vrfctl.conf", 6 };
	default_rules(&f->st);
	add_link(&f->st, 7, "mgmt", false, 0, 0, 0, true);          /* not a VRF */
	assert_int_equal(plan_up(f, false), -EINVAL);
	assert_int_equal(f->plan.n_steps, 0);
	/* What is missing is pending, not a problem; said all the same. */
	assert_string_equal(f->log,
		"vrfctl.conf:3: 'mgmt' exists and is not a VRF device\n"
		"vrfctl.conf:3: member 'eth0' of vrf 'mgmt' does not exist yet: pending\n"
		"vrfctl.conf:6: route '10.20.30.0/24' of vrf 'mgmt': device 'eth0' does not exist "
		"yet: pending\n");
}

/*
 * A member that is not there yet (a USB NIC, a VPN device): the VRF, its
 * rules and its unreachable defaults all the same, the member and its route
 * pending, each said once with where; a typo's did-you-mean; once it comes,
 * the next plan completes it.
 */
static void missing_member_is_pending(void **state)
{
	struct fixture *f = *state;
	char *text;

	mgmt_config(&f->cfg);
	f->cfg.vrfs[0].where = (struct vrf_where){ "vrfctl.conf", 3 };
	f->cfg.vrfs[0].routes[0].where = (struct vrf_where){ "vrfctl.conf", 6 };
	default_rules(&f->st);
	add_link(&f->st, 1, "lo", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:3: member 'eth0' of vrf 'mgmt' does not exist yet: pending\n"
		"vrfctl.conf:6: route '10.20.30.0/24' of vrf 'mgmt': device 'eth0' does not exist "
		"yet: pending\n");
	/* The plan of an empty host (empty_host_full_plan_in_order) but the member's steps. */
	text = render(&f->plan);
	assert_non_null(strstr(text, "ip link set mgmt up\n"
			       "ip -4 route add unreachable default table 10 proto 118 metric 4278198272\n"));
	assert_null(strstr(text, "eth0"));
	free(text);
	assert_int_equal(f->plan.pending.n, 2);
	assert_int_equal(f->plan.pending.items[0].kind, VRF_PENDING_MEMBER);
	assert_string_equal(f->plan.pending.items[0].vrf, "mgmt");
	assert_string_equal(f->plan.pending.items[0].name, "eth0");
	assert_int_equal(f->plan.pending.items[0].where.line, 3);
	assert_int_equal(f->plan.pending.items[1].kind, VRF_PENDING_ROUTE);
	assert_int_equal(f->plan.pending.items[1].where.line, 6);

	/* A typo, with the device it likely means. */
	vrf_plan_free(&f->plan);
	f->log[0] = '\0';
	add_link(&f->st, 2, "eht0", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_non_null(strstr(f->log, "vrfctl.conf:3: member 'eth0' of vrf 'mgmt' does not exist "
			       "yet: pending (did you mean 'eht0'?)\n"));

	/* It comes: the next plan is what a plan with it there always was. */
	vrf_plan_free(&f->plan);
	vrf_state_free(&f->st);
	f->log[0] = '\0';
	applied_state(&f->st);
	f->st.links[1].master = 0;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "ip link set eth0 master mgmt\n");
	assert_int_equal(f->plan.pending.n, 0);
	assert_string_equal(f->log, "");
}

/*
 * A route through a gateway and no device, in a VRF whose member is not
 * there: nothing in the table reaches the gateway, so the kernel would
 * refuse the route and with it the apply; pending until a route of the
 * table (the member's connected one) reaches it.
 */
static void route_via_missing_member_is_pending(void **state)
{
	struct fixture *f = *state;
	struct vrf_def *v;
	int family;

	mgmt_config(&f->cfg);
	v = &f->cfg.vrfs[0];
	v->routes[0].dev[0] = '\0';
	v->routes[0].dst = pfx("10.21.0.0/16");
	v->routes[0].has_via = true;
	v->routes[0].where = (struct vrf_where){ "vrfctl.conf", 7 };
	v->where = (struct vrf_where){ "vrfctl.conf", 3 };
	assert_int_equal(vrf_addr_parse("10.20.30.1", &family, &v->routes[0].via), 0);
	applied_state(&f->st);
	f->st.n_links = 1;                  /* eth0 (2) gone, and its connected route */
	add_link(&f->st, 3, "uplink", false, 0, 0, 0, true);
	add_link(&f->st, 5, "mgmt", true, 10, 0, GROUP, true);
	f->st.routes[0].dst = pfx("10.99.0.0/24");
	strcpy(f->st.routes[0].dev, "uplink");
	f->st.routes[0].table = 254;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "");
	assert_string_equal(f->log,
		"vrfctl.conf:3: member 'eth0' of vrf 'mgmt' does not exist yet: pending\n"
		"vrfctl.conf:7: route '10.21.0.0/16' of vrf 'mgmt': its gateway 10.20.30.1 is not "
		"reachable until a member comes: pending\n");
	assert_int_equal(f->plan.pending.n, 2);
	assert_int_equal(f->plan.pending.items[1].kind, VRF_PENDING_ROUTE);

	/* The member back, its connected route in the table: the route is planned. */
	vrf_plan_free(&f->plan);
	vrf_state_free(&f->st);
	f->log[0] = '\0';
	applied_state(&f->st);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "ip -4 route add 10.21.0.0/16 via 10.20.30.1 table 10 proto 118 metric 0\n");
	assert_int_equal(f->plan.pending.n, 0);
}

static void table_of_another_vrf_is_refused(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	add_link(&f->st, 8, "red", true, 10, 0, 0, true);
	assert_int_equal(plan_up(f, false), -EINVAL);
	assert_string_equal(f->log, "vrf 'mgmt': table 10 is already used by vrf 'red'\n");
}

static void member_of_foreign_vrf_is_refused(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 8, "red", true, 20, 0, 0, true);
	add_link(&f->st, 2, "eth0", false, 0, 8, 0, true);
	assert_int_equal(plan_up(f, false), -EINVAL);
	assert_string_equal(f->log,
		"member 'eth0' is already in vrf 'red', which vrfctl does not manage\n");
}

static void lockout_guard_default_route_and_ssh(void **state)
{
	struct fixture *f = *state;
	struct vrf_obs_conn conn = { .family = AF_INET, .local_port = 22, .remote_port = 50000 };
	int family;

	mgmt_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	add_route(&f->st, "0.0.0.0/0", 254, false, RTPROT_DHCP, 0, "eth0");
	f->st.addrs = xcalloc(1, sizeof(*f->st.addrs));
	f->st.addrs[0] = (struct vrf_obs_addr){ .ifindex = 2, .family = AF_INET };
	vrf_addr_parse("10.20.30.40", &family, &f->st.addrs[0].addr);
	f->st.n_addrs = 1;
	vrf_addr_parse("10.20.30.40", &family, &conn.local);
	vrf_addr_parse("10.20.30.9", &family, &conn.remote);
	f->st.conns = xcalloc(1, sizeof(conn));
	f->st.conns[0] = conn;
	f->st.n_conns = 1;
	assert_int_equal(plan_up(f, false), -EINVAL);
	assert_string_equal(f->log,
		"refusing to enslave 'eth0' to vrf 'mgmt': it carries the host's default route "
		"(use --force, or set tcp-l3mdev-accept = yes)\n"
		"refusing to enslave 'eth0' to vrf 'mgmt': the established connection "
		"10.20.30.40:22 <- 10.20.30.9:50000 arrives on it and would be cut "
		"(use --force, or set tcp-l3mdev-accept = yes)\n");
	assert_int_equal(plan_up(f, true), 0);
	assert_true(f->plan.n_steps > 0);
}

static void vrf_dropped_from_config_is_removed(void **state)
{
	struct fixture *f = *state;

	vrf_global_init(&f->cfg.global);
	applied_state(&f->st);
	add_link(&f->st, 9, "foreign", true, 30, 0, 0, true);   /* not ours: stays */
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f,
		"ip -4 route del unreachable default table 10 proto 118 metric 4278198272\n"
		"ip -6 route del unreachable default table 10 proto 118 metric 4278198272\n"
		"ip link set eth0 nomaster\n"
		"ip link del mgmt\n");
}

static void down_all_restores_rules(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };

	vrf_global_init(&f->cfg.global);
	applied_state(&f->st);
	assert_int_equal(vrf_state_index(&f->st), 0);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, NULL, 0, true, &opts, &f->plan,
				       &f->logger), 0);
	assert_plan(f,
		"ip -4 route del unreachable default table 10 proto 118 metric 4278198272\n"
		"ip -6 route del unreachable default table 10 proto 118 metric 4278198272\n"
		"ip link set eth0 nomaster\n"
		"ip link del mgmt\n"
		"ip -4 rule add pref 0 table local protocol 2\n"
		"ip -4 rule del pref 1000 l3mdev protocol 2\n"
		"ip -4 rule del pref 0 table local protocol 118\n"
		"ip -4 rule del pref 0 l3mdev unreachable protocol 118\n"
		"ip -4 rule del pref 0 l3mdev protocol 118\n"
		"ip -6 rule add pref 0 table local protocol 2\n"
		"ip -6 rule del pref 1000 l3mdev protocol 2\n"
		"ip -6 rule del pref 0 table local protocol 118\n"
		"ip -6 rule del pref 0 l3mdev unreachable protocol 118\n"
		"ip -6 rule del pref 0 l3mdev protocol 118\n");
}

/* An IPv4 rule that is nobody's of vrfctl's: wg-quick's, say. */
static void add_foreign_rule(struct vrf_state *st, uint32_t pref)
{
	add_rule(st, AF_INET, pref, 51820, false, false, RTPROT_BOOT);
	st->rules[st->n_rules - 1].other_selectors = true;
}

/*
 * A rule added later without a priority lands at 0 behind vrfctl's local
 * lookup. down --all keeps that lookup then: the stock one would go behind
 * the rule, which would then see local traffic first.
 */
static void down_all_keeps_the_local_lookup_ahead_of_later_rules(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };

	vrf_global_init(&f->cfg.global);
	applied_rules(&f->st, AF_INET);
	add_foreign_rule(&f->st, 0);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, NULL, 0, true, &opts, &f->plan,
				       &f->logger), 0);
	assert_plan(f,
		"ip -4 rule del pref 1000 l3mdev protocol 2\n"
		"ip -4 rule del pref 0 l3mdev unreachable protocol 118\n"
		"ip -4 rule del pref 0 l3mdev protocol 118\n");
	assert_non_null(strstr(f->log, "it stays"));
}

/* The mgmt host applied, but for its IPv4 rules: the test adds those. */
static void applied_but_ipv4_rules(struct fixture *f)
{
	mgmt_config(&f->cfg);
	applied_state(&f->st);
	f->st.n_rules = 0;
	applied_rules(&f->st, AF_INET6);
}

/* The IPv4 layout added, in the order the kernel must see it. */
#define ADD_LAYOUT_V4 \
	"ip -4 rule add pref 0 l3mdev protocol 118\n" \
	"ip -4 rule add pref 0 l3mdev unreachable protocol 118\n" \
	"ip -4 rule add pref 0 table local protocol 118\n"

/*
 * From the 1000/2000/32765 layout of earlier versions: the new rules go in
 * at 0 first, then the old ones go (a local lookup all along); the VRF
 * driver's l3mdev rule at 1000 stays while VRFs do. Rules others added in
 * between (wg-quick's 1998, 1999) are left, now behind the local lookup.
 */
static void old_layout_migrates_to_priority_0(void **state)
{
	struct fixture *f = *state;

	applied_but_ipv4_rules(f);
	add_rule(&f->st, AF_INET, 1000, 0, true, false, RTPROT_KERNEL);
	add_foreign_rule(&f->st, 1998);
	add_rule(&f->st, AF_INET, 2000, 0, true, true, PROTO);
	add_rule(&f->st, AF_INET, 32765, 255, false, false, PROTO);
	add_rule(&f->st, AF_INET, 32766, 254, false, false, RTPROT_KERNEL);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, ADD_LAYOUT_V4
		"ip -4 rule del pref 32765 table local protocol 118\n"
		"ip -4 rule del pref 2000 l3mdev unreachable protocol 118\n");
	assert_string_equal(f->log, "");
}

/*
 * Order at one priority is insertion order: a layout whose unreachable rule
 * was deleted and added again (now behind the local lookup) is rebuilt
 * behind what is there, the old rules deleted after, with a warning for a
 * rule of someone else's that now comes first.
 */
static void layout_out_of_order_is_rebuilt(void **state)
{
	struct fixture *f = *state;

	applied_but_ipv4_rules(f);
	add_rule(&f->st, AF_INET, 0, 0, true, false, PROTO);
	add_rule(&f->st, AF_INET, 0, 255, false, false, PROTO);
	add_foreign_rule(&f->st, 0);
	add_rule(&f->st, AF_INET, 0, 0, true, true, PROTO);
	add_rule(&f->st, AF_INET, 32766, 254, false, false, RTPROT_KERNEL);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, ADD_LAYOUT_V4
		"ip -4 rule del pref 0 l3mdev unreachable protocol 118\n"
		"ip -4 rule del pref 0 table local protocol 118\n"
		"ip -4 rule del pref 0 l3mdev protocol 118\n");
	assert_non_null(strstr(f->log, "IPv4: 1 ip rule that vrfctl did not add comes before"));
}

/* Plan a down, and check the group_size of its link deletions, in order. */
static void assert_group_deletions(struct fixture *f, const char *const *names, size_t n,
				   const char *want)
{
	struct vrf_plan_opts opts = { .link_group = GROUP };
	char got[256];
	size_t len = 0;

	vrf_plan_free(&f->plan);
	assert_int_equal(vrf_state_index(&f->st), 0);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, names, n, n == 0, &opts, &f->plan,
				       &f->logger), 0);
	got[0] = '\0';
	for (size_t i = 0; i < f->plan.n_steps; i++)
		if (f->plan.steps[i].op == VRF_STEP_LINK_DEL)
			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s:%u",
						len ? " " : "", f->plan.steps[i].u.link.name,
						f->plan.steps[i].u.link.group_size);
	assert_string_equal(got, want);
}

/* down --all of every device in vrfctl's group: each deletion says the group
 * may go in one request; not when a device of the group stays, or for a
 * single VRF. The undo of a deletion brings the device back up. */
static void down_all_deletes_the_group_at_once(void **state)
{
	struct fixture *f = *state;
	const char *one[] = { "mgmt" };

	vrf_global_init(&f->cfg.global);
	applied_state(&f->st);
	add_link(&f->st, 9, "blue", true, 30, 0, GROUP, true);
	assert_group_deletions(f, NULL, 0, "mgmt:2 blue:2");
	for (size_t i = 0; i < f->plan.n_steps; i++) {
		struct vrf_step inv = vrf_step_inverse(&f->plan.steps[i]);

		if (f->plan.steps[i].op != VRF_STEP_LINK_DEL)
			continue;
		assert_int_equal(inv.op, VRF_STEP_LINK_ADD);
		assert_true(inv.u.link.up);
	}
	assert_group_deletions(f, one, 1, "mgmt:0");
	/* Someone else's device in the group: deleting the group would take it. */
	add_link(&f->st, 10, "dummy0", false, 0, 0, GROUP, true);
	assert_group_deletions(f, NULL, 0, "mgmt:0 blue:0");
}

/* The admin moved the local rule by hand (the blog's pre-up lines): not ours to undo. */
static void down_all_leaves_a_local_rule_moved_by_hand(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };

	vrf_global_init(&f->cfg.global);
	add_rule(&f->st, AF_INET, 32765, 255, false, false, RTPROT_BOOT);
	add_rule(&f->st, AF_INET, 32766, 254, false, false, RTPROT_KERNEL);
	add_rule(&f->st, AF_INET, 2000, 0, true, true, PROTO);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, NULL, 0, true, &opts, &f->plan,
				       &f->logger), 0);
	assert_plan(f, "ip -4 rule del pref 2000 l3mdev unreachable protocol 118\n");
}

static void down_unknown_vrf_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };
	const char *names[] = { "nope", "eth0" };

	vrf_global_init(&f->cfg.global);
	applied_state(&f->st);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, names, 2, false, &opts, &f->plan,
				       &f->logger), -EINVAL);
	assert_string_equal(f->log,
		"no vrf 'nope' (not in the kernel, not in the config)\n"
		"'eth0' is not a VRF device\n");
}

static void auto_table_picks_lowest_free(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	f->cfg.vrfs[0].table = 0;
	f->cfg.vrfs[0].table_auto = true;
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	add_link(&f->st, 8, "red", true, 1001, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_int_equal(f->cfg.vrfs[0].table, 1002);
}

/* Around explicit and existing tables, in config order, until the range ends. */
static void auto_tables_fill_the_gaps_then_run_out(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "a", "b", "x", "c", "d", "e" };
	static const uint32_t want[] = { 1000, 1002, 1001, 1004, 1005, 0 };

	vrf_global_init(&f->cfg.global);
	f->cfg.global.table_auto_min = 1000;
	f->cfg.global.table_auto_max = 1005;
	f->cfg.vrfs = xcalloc(6, sizeof(*f->cfg.vrfs));
	f->cfg.n_vrfs = 6;
	for (size_t i = 0; i < 6; i++) {
		strcpy(f->cfg.vrfs[i].name, names[i]);
		f->cfg.vrfs[i].table_auto = true;
		f->cfg.vrfs[i].where = (struct vrf_where){ "vrfctl.conf", (unsigned)i + 1 };
	}
	f->cfg.vrfs[2].table_auto = false;       /* x: table = 1001 */
	f->cfg.vrfs[2].table = 1001;
	default_rules(&f->st);
	add_link(&f->st, 7, "other", true, 1003, 0, 0, true);   /* not ours, still taken */
	assert_int_equal(plan_up(f, false), -EINVAL);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(f->cfg.vrfs[i].table, want[i]);
	assert_string_equal(f->log, "vrfctl.conf:6: vrf 'e': no free table in 1000-1005\n");
}

/* The blog's un-enslaved route: sent out, but replies never reach the VRF. */
static void route_through_non_member_warns(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	f->cfg.vrfs[0].n_members = 0;
	f->cfg.vrfs[0].routes[0].where = (struct vrf_where){ "vrfctl.conf", 4 };
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:4: route '10.20.30.0/24' of vrf 'mgmt' leaves through 'eth0', which is "
		"not a member: replies arriving there are not seen by sockets in the VRF\n");
}

/*
 * Fail each allocation of a call in turn, until the call makes no more than
 * it is allowed: every run returns -ENOMEM with nothing half-built (ASan's
 * leak check sees the rest), and the run without a failure plans as usual.
 */
static void each_allocation_failure_is_enomem(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };
	static const unsigned stale[] = { 5 };

	for (int call = 0; call < 3; call++) {
		for (long n = 0;; n++) {
			int r;

			mgmt_config(&f->cfg);
			if (call == 0) {   /* an empty host: every kind of step */
				default_rules(&f->st);
				add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
				f->cfg.vrfs[0].table = 0;
				f->cfg.vrfs[0].table_auto = true;
			} else {           /* applied, with drift, a stale cgroup, a VRF to drop */
				applied_state(&f->st);
				f->st.links[1].master = 0;
				add_link(&f->st, 6, "gone", true, 11, 0, GROUP, true);
				add_route(&f->st, "0.0.0.0/0", 11, true, PROTO,
					  VRF_UNREACHABLE_METRIC, NULL);
				add_cgroup(&f->st, 5, stale, 1, true);
			}
			assert_int_equal(vrf_state_index(&f->st), 0);
			fail_alloc_arm(n);
			if (call < 2)
				r = vrf_plan_apply(&f->cfg, &f->st, &opts, &f->plan, &f->logger);
			else
				r = vrf_plan_down(&f->cfg, &f->st, NULL, 0, true, &opts, &f->plan,
						  &f->logger);
			fail_alloc_disarm();
			vrf_plan_free(&f->plan);
			vrf_state_free(&f->st);
			vrf_config_free(&f->cfg);
			memset(&f->cfg, 0, sizeof(f->cfg));
			memset(&f->st, 0, sizeof(f->st));
			if (allocs <= n) {   /* nothing failed: done with this call */
				assert_int_equal(r, 0);
				assert_true(n > 0);
				break;
			}
			assert_int_equal(r, -ENOMEM);
		}
	}
}

/* [vrf sandbox] table 30, bridges br-app, route 10.20.30.0/24 dev eth0: eth0
 * stays out of the VRF, so Docker's published ports keep working. */
static void sandbox_config(struct vrf_config *cfg)
{
	struct vrf_def *v;

	mgmt_config(cfg);
	v = &cfg->vrfs[0];
	strcpy(v->name, "sandbox");
	v->table = 30;
	v->n_members = 0;
	v->bridges = xcalloc(1, sizeof(*v->bridges));
	strcpy(v->bridges[0], "br-app");
	v->n_bridges = 1;
	v->where = (struct vrf_where){ "vrfctl.conf", 1 };
}

static void add_iif_rule(struct vrf_state *st, int family, uint32_t pref, const char *iif,
			 uint32_t table, bool unreachable)
{
	add_rule(st, family, pref, table, false, unreachable, PROTO);
	snprintf(st->rules[st->n_rules - 1].iif, IFNAMSIZ, "%s", iif);
}

/* The three rules of each bridge: unreachable first, so that while they are
 * added the bridge's traffic never reaches the main table; no warning for the
 * route through eth0, which is the point of a bridge's VRF. */
static void bridge_rules_unreachable_first(void **state)
{
	struct fixture *f = *state;

	sandbox_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	add_link(&f->st, 4, "br-app", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_string_equal(f->log, "");
	assert_plan(f, ADD_LAYOUT_V4
		"ip -4 rule del pref 0 table local protocol 2\n"
		"ip -6 rule add pref 0 l3mdev protocol 118\n"
		"ip -6 rule add pref 0 l3mdev unreachable protocol 118\n"
		"ip -6 rule add pref 0 table local protocol 118\n"
		"ip -6 rule del pref 0 table local protocol 2\n"
		"ip -4 rule add pref 1502 iif br-app unreachable protocol 118\n"
		"ip -4 rule add pref 1500 iif br-app table local protocol 118\n"
		"ip -4 rule add pref 1501 iif br-app table 30 protocol 118\n"
		"ip -6 rule add pref 1502 iif br-app unreachable protocol 118\n"
		"ip -6 rule add pref 1500 iif br-app table local protocol 118\n"
		"ip -6 rule add pref 1501 iif br-app table 30 protocol 118\n"
		"ip -4 rule add pref 1000 l3mdev protocol 2\n"
		"ip -6 rule add pref 1000 l3mdev protocol 2\n"
		"ip link add sandbox group 118 type vrf table 30\n"
		"ip link set sandbox up\n"
		"ip -4 route add 10.20.30.0/24 dev eth0 table 30 proto 118 metric 0\n"
		"ip -4 route add unreachable default table 30 proto 118 metric 4278198272\n"
		"ip -6 route add unreachable default table 30 proto 118 metric 4278198272\n");
}

/* What takes the sandbox's bridge rules away, in the order they were seen. */
#define BR_APP_RULES_DEL \
	"ip -4 rule del pref 1500 iif br-app table local protocol 118\n" \
	"ip -4 rule del pref 1501 iif br-app table 30 protocol 118\n" \
	"ip -4 rule del pref 1502 iif br-app unreachable protocol 118\n" \
	"ip -6 rule del pref 1500 iif br-app table local protocol 118\n" \
	"ip -6 rule del pref 1501 iif br-app table 30 protocol 118\n" \
	"ip -6 rule del pref 1502 iif br-app unreachable protocol 118\n"

/* The sandbox applied: bridge rules, VRF, routes. */
static void sandbox_applied(struct vrf_state *st)
{
	applied_state(st);
	st->links[1].master = 0;          /* eth0: not a member */
	st->links[3].vrf_table = 30;
	strcpy(st->links[3].name, "sandbox");
	st->routes[0].table = 30;
	st->routes[0].protocol = PROTO;
	st->routes[1].table = st->routes[2].table = 30;
	add_link(st, 4, "br-app", false, 0, 0, 0, true);
	for (int family = AF_INET; family; family = family == AF_INET ? AF_INET6 : 0) {
		add_iif_rule(st, family, 1500, "br-app", 255, false);
		add_iif_rule(st, family, 1501, "br-app", 30, false);
		add_iif_rule(st, family, 1502, "br-app", 0, true);
	}
}

/*
 * A VRF whose Docker network could not be resolved (dockerd stopped, its
 * containers kept running by live-restore): the rules of the bridge routed
 * to its table stay, or the containers' traffic would reach the main table.
 * Once Docker answers without that network, they go.
 */
static void unresolved_network_keeps_bridge_rules(void **state)
{
	struct fixture *f = *state;
	char *text;

	sandbox_config(&f->cfg);
	f->cfg.vrfs[0].n_bridges = 0;          /* networks = app, not resolved */
	f->cfg.vrfs[0].networks_unresolved = true;
	sandbox_applied(&f->st);
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "");
	vrf_plan_free(&f->plan);
	f->cfg.vrfs[0].networks_unresolved = false;
	assert_int_equal(plan_up(f, false), 0);
	text = render(&f->plan);
	assert_non_null(strstr(text, "ip -4 rule del pref 1501 iif br-app table 30 protocol 118\n"));
	assert_non_null(strstr(text, "ip -6 rule del pref 1502 iif br-app unreachable protocol 118\n"));
	free(text);
}

/* Applied: nothing to do. Someone else's iif rule is not ours to touch; a
 * bridge the config no longer lists loses its rules; down VRF takes them. */
static void bridge_rules_in_line_then_dropped(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };
	const char *names[] = { "sandbox" };

	sandbox_config(&f->cfg);
	sandbox_applied(&f->st);
	add_iif_rule(&f->st, AF_INET, 1501, "wg0", 51820, false);
	f->st.rules[f->st.n_rules - 1].protocol = RTPROT_BOOT;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, "");

	vrf_plan_free(&f->plan);
	f->cfg.vrfs[0].n_bridges = 0;
	assert_int_equal(plan_up(f, false), 0);
	assert_plan(f, BR_APP_RULES_DEL);

	vrf_plan_free(&f->plan);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, names, 1, false, &opts, &f->plan,
				       &f->logger), 0);
	assert_plan(f, BR_APP_RULES_DEL
		"ip -4 route del 10.20.30.0/24 dev eth0 table 30 proto 118 metric 0\n"
		"ip -4 route del unreachable default table 30 proto 118 metric 4278198272\n"
		"ip -6 route del unreachable default table 30 proto 118 metric 4278198272\n"
		"ip link del sandbox\n");
}

/* down --all takes the bridges' rules with the rest, never the local rule
 * lookup of a bridge for the moved local rule. */
static void down_all_takes_bridge_rules(void **state)
{
	struct fixture *f = *state;
	struct vrf_plan_opts opts = { .link_group = GROUP };
	char *text;

	vrf_global_init(&f->cfg.global);
	sandbox_applied(&f->st);
	assert_int_equal(vrf_state_index(&f->st), 0);
	assert_int_equal(vrf_plan_down(&f->cfg, &f->st, NULL, 0, true, &opts, &f->plan,
				       &f->logger), 0);
	text = render(&f->plan);
	assert_non_null(strstr(text, "ip -4 rule add pref 0 table local protocol 2\n"));
	assert_non_null(strstr(text, "ip -4 rule del pref 1500 iif br-app table local protocol 118\n"));
	assert_non_null(strstr(text, "ip -6 rule del pref 1502 iif br-app unreachable protocol 118\n"));
	free(text);
}

/*
 * A bridge that is not there yet (Docker starts after vrfctl at boot):
 * pending, and its rules planned all the same, since they name it and the
 * kernel applies them the moment Docker makes it. A bridge that is someone
 * else's port cannot be routed.
 */
static void bridge_missing_is_pending_enslaved_is_an_error(void **state)
{
	struct fixture *f = *state;
	char *text;

	sandbox_config(&f->cfg);
	default_rules(&f->st);
	add_link(&f->st, 2, "eth0", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:1: bridge 'br-app' of vrf 'sandbox' does not exist yet: pending\n");
	assert_int_equal(f->plan.pending.n, 1);
	assert_int_equal(f->plan.pending.items[0].kind, VRF_PENDING_BRIDGE);
	text = render(&f->plan);
	assert_non_null(strstr(text, "ip -4 rule add pref 1502 iif br-app unreachable protocol 118\n"
			       "ip -4 rule add pref 1500 iif br-app table local protocol 118\n"
			       "ip -4 rule add pref 1501 iif br-app table 30 protocol 118\n"));
	free(text);
	vrf_plan_free(&f->plan);
	f->log[0] = '\0';
	add_link(&f->st, 4, "br-app", false, 0, 7, 0, true);
	add_link(&f->st, 7, "other", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), -EINVAL);
	assert_string_equal(f->log,
		"vrfctl.conf:1: bridge 'br-app' of vrf 'sandbox' is a port of 'other': release it "
		"first (ip link set br-app nomaster)\n");
}

/* A [docker] bridge enslaved as a member: a warning that names the fix. */
static void docker_bridge_as_member_warns(void **state)
{
	struct fixture *f = *state;

	mgmt_config(&f->cfg);
	f->cfg.vrfs[0].where = (struct vrf_where){ "vrfctl.conf", 1 };
	strcpy(f->cfg.vrfs[0].members[0], "docker0");
	strcpy(f->cfg.vrfs[0].routes[0].dev, "docker0");
	f->cfg.docker.present = true;
	f->cfg.docker.bridges = xcalloc(1, sizeof(*f->cfg.docker.bridges));
	strcpy(f->cfg.docker.bridges[0], "docker0");
	f->cfg.docker.n_bridges = 1;
	default_rules(&f->st);
	add_link(&f->st, 2, "docker0", false, 0, 0, 0, true);
	assert_int_equal(plan_up(f, false), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:1: member 'docker0' of vrf 'mgmt' is a [docker] bridge: enslaved, its "
		"containers' traffic no longer matches Docker's own rules (they lose the LAN and "
		"published ports); write 'bridges = docker0' instead of listing it in members\n");
}

static void inverse_undoes_each_step(void **state)
{
	struct vrf_step s = { .op = VRF_STEP_LINK_MASTER };
	struct vrf_step inv;

	(void)state;
	strcpy(s.u.master.dev, "eth0");
	strcpy(s.u.master.master, "mgmt");
	inv = vrf_step_inverse(&s);
	assert_int_equal(inv.op, VRF_STEP_LINK_MASTER);
	assert_string_equal(inv.u.master.master, "");
	assert_string_equal(inv.u.master.old_master, "mgmt");
	s = (struct vrf_step){ .op = VRF_STEP_SYSCTL, .u.sysctl = { .value = 1, .old = 0 } };
	inv = vrf_step_inverse(&s);
	assert_int_equal(inv.u.sysctl.value, 0);
	s.op = VRF_STEP_RULE_ADD;
	assert_int_equal(vrf_step_inverse(&s).op, VRF_STEP_RULE_DEL);
	s.op = VRF_STEP_LINK_ADD;
	assert_int_equal(vrf_step_inverse(&s).op, VRF_STEP_LINK_DEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_host_full_plan_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(applied_host_plans_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(down_member_is_brought_up, setup, teardown),
		cmocka_unit_test_setup_teardown(drift_is_repaired_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(cgroup_programs_follow_the_vrf, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_rules_and_routes_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(local_lookup_added_by_hand_is_left, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_route_metric_defaults_like_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(via_route_without_dev_is_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(problems_are_all_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_member_is_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(route_via_missing_member_is_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(table_of_another_vrf_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(member_of_foreign_vrf_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(lockout_guard_default_route_and_ssh, setup, teardown),
		cmocka_unit_test_setup_teardown(vrf_dropped_from_config_is_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(down_all_restores_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(down_all_keeps_the_local_lookup_ahead_of_later_rules,
						setup, teardown),
		cmocka_unit_test_setup_teardown(old_layout_migrates_to_priority_0, setup, teardown),
		cmocka_unit_test_setup_teardown(layout_out_of_order_is_rebuilt, setup, teardown),
		cmocka_unit_test_setup_teardown(down_all_deletes_the_group_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(down_all_leaves_a_local_rule_moved_by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(down_unknown_vrf_is_an_error, setup, teardown),
		cmocka_unit_test_setup_teardown(auto_table_picks_lowest_free, setup, teardown),
		cmocka_unit_test_setup_teardown(auto_tables_fill_the_gaps_then_run_out, setup, teardown),
		cmocka_unit_test_setup_teardown(route_through_non_member_warns, setup, teardown),
		cmocka_unit_test_setup_teardown(each_allocation_failure_is_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(bridge_rules_unreachable_first, setup, teardown),
		cmocka_unit_test_setup_teardown(bridge_rules_in_line_then_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(down_all_takes_bridge_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(unresolved_network_keeps_bridge_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(bridge_missing_is_pending_enslaved_is_an_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(docker_bridge_as_member_warns, setup, teardown),
		cmocka_unit_test(inverse_undoes_each_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
