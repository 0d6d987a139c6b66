/* SPDX-License-Identifier: MIT */
/*
 * [docker] model -> the rules of table inet vrfctl, as plain data. Pure: no
 * kernel, no libnftnl; the order here is the order in the kernel.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "array.h"
#include "nft-int.h"
#include "proto.h"

/* NF_INET_LOCAL_IN / NF_INET_FORWARD, without pulling netfilter headers in. */
#define HOOK_LOCAL_IN 1
#define HOOK_FORWARD  2

const struct vrf_nft_chain_def vrf_nft_chains[VRF_NFT_CHAIN_COUNT] = {
	[VRF_NFT_CHAIN_FORWARD] = { "forward", HOOK_FORWARD, VRF_NFT_PRIORITY },
	[VRF_NFT_CHAIN_INPUT] = { "input", HOOK_LOCAL_IN, VRF_NFT_PRIORITY },
};

#define ICMPV6_ND_SOLICIT 135
#define ICMPV6_ND_ADVERT  136

bool vrf_nft_wanted(const struct vrf_docker *d)
{
	return d && d->present && d->n_bridges > 0;
}

void vrf_nft_ruleset_free(struct vrf_nft_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_sets; i++)
		free(rs->sets[i].ranges);
	free(rs->sets);
	free(rs->rules);
	memset(rs, 0, sizeof(*rs));
}

bool vrf_nft_ruleset_has_chain(const struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id chain)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].chain == chain)
			return true;
	return false;
}

/* A new rule at the end, zeroed but for its chain; NULL when out of memory. */
static struct vrf_nft_rule *rule_new(struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id chain)
{
	struct vrf_nft_rule *r = VRF_ARRAY_PUSH(rs->rules, rs->n);

	if (r)
		r->chain = chain;
	return r;
}

static struct vrf_nft_match *match_add(struct vrf_nft_rule *r, enum vrf_nft_match_kind kind)
{
	struct vrf_nft_match *m;

	/* The rule shapes below use at most 4 matches; more is a bug here. */
	assert(r->n_m < VRF_NFT_MAX_MATCH);
	m = &r->m[r->n_m++];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	return m;
}

static void match_ifname(struct vrf_nft_rule *r, enum vrf_nft_match_kind kind, const char *name,
			 bool neg)
{
	struct vrf_nft_match *m = match_add(r, kind);

	m->neg = neg;
	snprintf(m->ifname, sizeof(m->ifname), "%s", name);
}

static void comment(struct vrf_nft_rule *r, const char *bridge, const char *what, const char *arg)
{
	snprintf(r->comment, sizeof(r->comment), "%s: %s%s%s", bridge, what,
		 arg ? " " : "", arg ? arg : "");
}

static void proto_text(uint8_t proto, char *buf, size_t len)
{
	const char *name = vrf_proto_name(proto);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "proto %u", proto);
}

static int range_cmp(const void *a, const void *b)
{
	const struct vrf_port_range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Does any entry of the list take the whole protocol (no ports)? */
static bool list_has_whole(const struct vrf_port_rule *pr, size_t n, uint8_t proto)
{
	for (size_t i = 0; i < n; i++)
		if (pr[i].proto == proto && pr[i].n_ports == 0)
			return true;
	return false;
}

/* The list's set for proto, or NULL: sets are named "<key>_<proto>". */
static const struct vrf_nft_set *set_find(const struct vrf_nft_ruleset *rs, const char *key,
					  uint8_t proto)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < rs->n_sets; i++)
		if (rs->sets[i].proto == proto && strncmp(rs->sets[i].name, key, klen) == 0 &&
		    rs->sets[i].name[klen] == '_')
			return &rs->sets[i];
	return NULL;
}

/*
 * The sets of one list: for each protocol that has ports and no entry taking
 * all of it, every range of every entry, sorted and merged where they touch
 * or overlap (the kernel's interval sets take no overlaps; 80 and 81 are
 * then 80-81, a range). key names the list in the set's name: "allow",
 * "host_allow".
 */
static int list_sets(struct vrf_nft_ruleset *rs, const char *key, const struct vrf_port_rule *pr,
		     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct vrf_nft_set *set;
		char p[16];
		size_t total = 0, out = 0;

		if (pr[i].n_ports == 0 || set_find(rs, key, pr[i].proto) ||
		    list_has_whole(pr, n, pr[i].proto))
			continue;
		if (!(set = VRF_ARRAY_PUSH(rs->sets, rs->n_sets)))
			return -ENOMEM;
		proto_text(pr[i].proto, p, sizeof(p));
		snprintf(set->name, sizeof(set->name), "%s_%s", key, p);
		/* A protocol without a name ("proto 7"): allow_proto_7. */
		for (char *c = set->name; *c; c++)
			if (*c == ' ')
				*c = '_';
		set->proto = pr[i].proto;
		for (size_t k = i; k < n; k++)
			total += pr[k].proto == set->proto ? pr[k].n_ports : 0;
		if (!(set->ranges = calloc(total, sizeof(*set->ranges))))
			return -ENOMEM;
		for (size_t k = i; k < n; k++)
			for (size_t r = 0; pr[k].proto == set->proto && r < pr[k].n_ports; r++)
				set->ranges[set->n++] = pr[k].ports[r];
		qsort(set->ranges, set->n, sizeof(*set->ranges), range_cmp);
		for (size_t k = 1; k < set->n; k++) {
			struct vrf_port_range *last = &set->ranges[out];

			if ((uint32_t)set->ranges[k].lo <= (uint32_t)last->hi + 1) {
				if (set->ranges[k].hi > last->hi)
					last->hi = set->ranges[k].hi;
			} else {
				set->ranges[++out] = set->ranges[k];
			}
		}
		set->n = set->n ? out + 1 : 0;
		for (size_t k = 0; k < set->n; k++)
			set->interval = set->interval || set->ranges[k].lo != set->ranges[k].hi;
	}
	return 0;
}

/*
 * One rule per protocol of the list, in the order the protocols first
 * appear: `meta l4proto P th dport @<key>_P accept` for one with ports,
 * `meta l4proto P accept` for one an entry takes whole. The ports are in
 * the sets (list_sets): a packet walks as many rules for 256 lines as for
 * one, and the set's lookup does not grow with them either.
 */
static int port_rules(struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id chain, const char *bridge,
		      bool from_outside, const struct vrf_port_rule *pr, size_t n, const char *key,
		      const char *set_key)
{
	for (size_t i = 0; i < n; i++) {
		const struct vrf_nft_set *set = set_find(rs, set_key, pr[i].proto);
		struct vrf_nft_rule *r;
		struct vrf_nft_match *m;
		char text[64], p[16];
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = pr[k].proto == pr[i].proto;
		if (seen)
			continue;
		if (!(r = rule_new(rs, chain)))
			return -ENOMEM;
		if (chain == VRF_NFT_CHAIN_FORWARD) {
			match_ifname(r, VRF_NM_OIFNAME, bridge, false);
			match_ifname(r, VRF_NM_IIFNAME, bridge, from_outside);
		} else {
			match_ifname(r, VRF_NM_IIFNAME, bridge, false);
		}
		m = match_add(r, VRF_NM_L4PROTO);
		m->proto = pr[i].proto;
		proto_text(pr[i].proto, p, sizeof(p));
		if (set) {
			m = match_add(r, VRF_NM_DPORT_SET);
			m->proto = pr[i].proto;
			snprintf(m->set, sizeof(m->set), "%s", set->name);
			snprintf(text, sizeof(text), "%s @%s", p, set->name);
		} else {
			snprintf(text, sizeof(text), "%s", p);
		}
		comment(r, bridge, key, text);
	}
	return 0;
}

/* IPv6 neighbour discovery is untracked by conntrack: without these, a drop
 * below would break IPv6 between the peers it means to allow. */
static int nd_rules(struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id chain, const char *bridge,
		    const char *what)
{
	static const struct { uint8_t type; const char *name; } nd[] = {
		{ ICMPV6_ND_SOLICIT, "nd-neighbor-solicit" },
		{ ICMPV6_ND_ADVERT, "nd-neighbor-advert" },
	};

	for (size_t i = 0; i < sizeof(nd) / sizeof(nd[0]); i++) {
		struct vrf_nft_rule *r = rule_new(rs, chain);

		if (!r)
			return -ENOMEM;
		match_ifname(r, VRF_NM_IIFNAME, bridge, false);
		if (chain == VRF_NFT_CHAIN_FORWARD)
			match_ifname(r, VRF_NM_OIFNAME, bridge, false);
		match_add(r, VRF_NM_ICMPV6_TYPE)->icmp_type = nd[i].type;
		comment(r, bridge, what, nd[i].name);
	}
	return 0;
}

static int forward_rules(struct vrf_nft_ruleset *rs, const struct vrf_docker *d, const char *br)
{
	struct vrf_nft_rule *r;
	int err;

	/* Replies, to the containers' own connections and to allowed ones. */
	if (!(r = rule_new(rs, VRF_NFT_CHAIN_FORWARD)))
		return -ENOMEM;
	match_ifname(r, VRF_NM_OIFNAME, br, false);
	match_add(r, VRF_NM_CT_ESTREL);
	comment(r, br, "replies", NULL);

	err = port_rules(rs, VRF_NFT_CHAIN_FORWARD, br, true, d->allow, d->n_allow, "allow",
			 "allow");
	if (err < 0)
		return err;

	/*
	 * Everything else routed into the bridge: NEW, but also INVALID and
	 * UNTRACKED, which a `ct state new` drop would let through.
	 */
	if (!(r = rule_new(rs, VRF_NFT_CHAIN_FORWARD)))
		return -ENOMEM;
	match_ifname(r, VRF_NM_OIFNAME, br, false);
	match_ifname(r, VRF_NM_IIFNAME, br, true);
	r->counter = r->drop = true;
	comment(r, br, "drop inbound", NULL);

	if (!d->isolate_containers)
		return 0;
	err = nd_rules(rs, VRF_NFT_CHAIN_FORWARD, br, "isolate");
	if (err < 0)
		return err;
	for (size_t i = 0; i < d->n_allow_from; i++) {
		char text[VRF_PREFIX_STRLEN];
		struct vrf_nft_match *m;

		if (!(r = rule_new(rs, VRF_NFT_CHAIN_FORWARD)))
			return -ENOMEM;
		match_ifname(r, VRF_NM_IIFNAME, br, false);
		match_ifname(r, VRF_NM_OIFNAME, br, false);
		m = match_add(r, VRF_NM_SADDR);
		m->prefix = d->allow_from[i];
		if (m->prefix.len == vrf_addr_len(m->prefix.family) * 8)
			vrf_addr_format(m->prefix.family, &m->prefix.addr, text);
		else
			vrf_prefix_format(&m->prefix, text);
		comment(r, br, "allow-from", text);
	}
	/* Container to container: bridged (iif = oif = the bridge with
	 * br_netfilter) or hairpinned through the host's address (DNAT). */
	if (!(r = rule_new(rs, VRF_NFT_CHAIN_FORWARD)))
		return -ENOMEM;
	match_ifname(r, VRF_NM_IIFNAME, br, false);
	match_ifname(r, VRF_NM_OIFNAME, br, false);
	r->counter = r->drop = true;
	comment(r, br, "isolate containers", NULL);
	return 0;
}

static int input_rules(struct vrf_nft_ruleset *rs, const struct vrf_docker *d, const char *br)
{
	struct vrf_nft_rule *r;
	int err;

	/* Replies to connections the host opened into its containers. */
	if (!(r = rule_new(rs, VRF_NFT_CHAIN_INPUT)))
		return -ENOMEM;
	match_ifname(r, VRF_NM_IIFNAME, br, false);
	match_add(r, VRF_NM_CT_ESTREL);
	comment(r, br, "host replies", NULL);
	err = nd_rules(rs, VRF_NFT_CHAIN_INPUT, br, "host");
	if (err < 0)
		return err;
	err = port_rules(rs, VRF_NFT_CHAIN_INPUT, br, false, d->host_allow, d->n_host_allow,
			 "host-allow", "host_allow");
	if (err < 0)
		return err;
	if (!(r = rule_new(rs, VRF_NFT_CHAIN_INPUT)))
		return -ENOMEM;
	match_ifname(r, VRF_NM_IIFNAME, br, false);
	r->counter = r->drop = true;
	comment(r, br, "drop to host", NULL);
	return 0;
}

int vrf_nft_ruleset_build(const struct vrf_docker *d, struct vrf_nft_ruleset *rs)
{
	int err = 0;

	memset(rs, 0, sizeof(*rs));
	if (!vrf_nft_wanted(d))
		goto out;
	err = list_sets(rs, "allow", d->allow, d->n_allow);
	if (err == 0 && d->n_host_allow > 0)
		err = list_sets(rs, "host_allow", d->host_allow, d->n_host_allow);
	for (size_t i = 0; i < d->n_bridges && err == 0; i++)
		err = forward_rules(rs, d, d->bridges[i]);
	/*
	 * The host is restricted only when host-allow lists something: an
	 * absent key leaves the containers' access to the host as it was.
	 */
	for (size_t i = 0; i < d->n_bridges && err == 0 && d->n_host_allow > 0; i++)
		err = input_rules(rs, d, d->bridges[i]);
out:
	if (err < 0)
		vrf_nft_ruleset_free(rs);
	return err;
}
