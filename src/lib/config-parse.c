/* SPDX-License-Identifier: MIT */
/*
 * Parsing the config: the section machine ([global], [vrf NAME], [docker]),
 * each key's value checked and stored into the model as it comes. What a
 * value cannot tell alone (tables used twice, rule priorities) is left to
 * config-check.c, with what it needs kept in struct parse.
 */

#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "config-int.h"
#include "guess.h"
#include "proto.h"

const struct key_def vrf_config_global_keys[] = {
	{ "tcp-l3mdev-accept",     G_TCP_ACCEPT,       false },
	{ "udp-l3mdev-accept",     G_UDP_ACCEPT,       false },
	{ "raw-l3mdev-accept",     G_RAW_ACCEPT,       false },
	{ "l3mdev-rule-pref",      G_PREF_L3MDEV,      false },
	{ "unreachable-rule-pref", G_PREF_UNREACHABLE, false },
	{ "local-rule-pref",       G_PREF_LOCAL,       false },
	{ "bridge-rule-pref",      G_PREF_BRIDGE,      false },
	{ "table-auto-range",      G_TABLE_AUTO_RANGE, false },
	{ "route-protocol",        G_ROUTE_PROTOCOL,   false },
	{ NULL, 0, false },
};

static const struct key_def vrf_keys[] = {
	{ "table",               V_TABLE,               false },
	{ "members",             V_MEMBERS,             true },
	{ "bridges",             V_BRIDGES,             true },
	{ "networks",            V_NETWORKS,            true },
	{ "route",               V_ROUTE,               true },
	{ "unreachable-default", V_UNREACHABLE_DEFAULT, false },
	{ NULL, 0, false },
};

static const struct key_def docker_keys[] = {
	{ "bridge",             D_BRIDGE,     true },
	{ "network",            D_NETWORK,    true },
	{ "allow",              D_ALLOW,      true },
	{ "isolate-containers", D_ISOLATE,    false },
	{ "allow-from",         D_ALLOW_FROM, true },
	{ "host-allow",         D_HOST_ALLOW, true },
	{ NULL, 0, false },
};

/* ---- suggestions ------------------------------------------------------------ */

/*
 * The name in the table closest to word, if close enough to be a likely
 * typo. The table itself, not a copy of its names: no array to outgrow.
 */
static const char *suggest(const char *word, const struct key_def *candidates)
{
	struct vrf_guess g;

	vrf_guess_init(&g, word);
	for (size_t i = 0; candidates[i].name; i++)
		vrf_guess_try(&g, candidates[i].name);
	return g.best;
}

/* ---- values --------------------------------------------------------------- */

/* Strict decimal: digits only. -EINVAL not a number, -ERANGE above max. */
static int parse_uint(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*text)
		return -EINVAL;
	for (const char *s = text; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			v = max + 1;   /* saturate, keep checking for non-digits */
		else
			v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static bool bool_value(struct parse *p, const char *key, const char *value, bool *out)
{
	if (parse_bool(value, out) == 0)
		return true;
	perr(p, "%s '%s': not a boolean (yes/no, true/false, on/off, 1/0)", key, value);
	return false;
}

/*
 * The kernel's dev_valid_name() refuses "", ".", "..", '/', ':' (aliases)
 * and whitespace; we also keep to the characters every tool handles well.
 */
static bool ifname_value(struct parse *p, const char *key, const char *value,
			 const char *what, const char *name)
{
	char why[64] = "";

	if (strlen(name) >= IFNAMSIZ) {
		snprintf(why, sizeof(why), "longer than %d characters", IFNAMSIZ - 1);
	} else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(why, sizeof(why), "not a valid interface name");
	} else {
		for (const char *s = name; *s && !why[0]; s++) {
			if (vrf_is_alnum(*s) || *s == '_' || *s == '.' || *s == '-')
				continue;
			if (isgraph((unsigned char)*s))
				snprintf(why, sizeof(why), "character '%c' is not allowed", *s);
			else
				snprintf(why, sizeof(why), "character 0x%02x is not allowed",
					 (unsigned char)*s);
		}
	}
	if (!why[0])
		return true;
	/* key and value: the whole line, when the name is one word of it. */
	if (key)
		perr(p, "%s '%s': %s '%s': %s", key, value, what, name, why);
	else
		perr(p, "%s '%s': %s", what, name, why);
	return false;
}

static const char *reserved_table(uint64_t table)
{
	switch (table) {
	case 253: return "default";
	case 254: return "main";
	case 255: return "local";
	default:  return NULL;
	}
}

/*
 * A value to cut into words (vrf_next_word writes into it): in the caller's stack
 * buffer when it fits, as nearly every value does, else on the heap; NULL
 * without memory. value_copy_free() frees only the latter.
 */
static char *value_copy(char *stack, size_t size, const char *value)
{
	size_t len = strlen(value);

	if (len >= size)
		return strdup(value);
	return memcpy(stack, value, len + 1);
}

static void value_copy_free(char *copy, char *stack)
{
	if (copy != stack)
		free(copy);
}

/* A prefix for key, with the reason when it is not one; mask it for the hint. */
static bool prefix_value(struct parse *p, const char *key, const char *value,
			 const char *text, struct vrf_prefix *prefix)
{
	char hint[VRF_PREFIX_STRLEN];
	int r = vrf_prefix_parse(text, prefix);

	if (r == -ERANGE) {
		perr(p, "%s '%s': prefix length out of range", key, value);
	} else if (r == -EBADMSG) {
		size_t bytes = vrf_addr_len(prefix->family);

		for (size_t bit = prefix->len; bit < bytes * 8; bit++)
			prefix->addr.bytes[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
		perr(p, "%s '%s': host bits set (did you mean %s?)", key, value,
		      vrf_prefix_format(prefix, hint));
	} else if (r < 0) {
		perr(p, "%s '%s': '%s' is not an address or prefix", key, value, text);
	}
	return r == 0;
}

/* Split a list on blanks and commas; calls fn for each item. */
static void for_each_item(struct parse *p, const char *key, const char *value,
			  void (*fn)(struct parse *p, const char *key, const char *item))
{
	char stack[256], *copy = value_copy(stack, sizeof(stack), value);
	char *cursor = copy;
	size_t n = 0;

	if (!copy) {
		out_of_memory(p);
		return;
	}
	for (char *tok; (tok = vrf_next_word(&cursor, true));) {
		fn(p, key, tok);
		n++;
	}
	if (n == 0)
		perr(p, "key '%s' has no value", key);
	value_copy_free(copy, stack);
}

/* ---- [global] ------------------------------------------------------------- */

static void set_tristate(struct parse *p, const char *key, const char *value,
			 enum vrf_tristate *out)
{
	bool b;

	if (bool_value(p, key, value, &b))
		*out = b ? VRF_YES : VRF_NO;
}

static void set_pref(struct parse *p, const char *key, const char *value, uint32_t *out)
{
	uint64_t v;

	if (parse_uint(value, VRF_MAX_RULE_PREF, &v) < 0) {
		perr(p, "%s '%s': not a rule priority (0-%u)", key, value, VRF_MAX_RULE_PREF);
		return;
	}
	*out = (uint32_t)v;
}

static void set_auto_range(struct parse *p, const char *key, const char *value)
{
	struct vrf_global *g = &p->cfg->global;
	const char *dash = strchr(value, '-');
	char lo_text[16];
	uint64_t lo = 0, hi = 0;
	int rlo, rhi;

	if (!dash || (size_t)(dash - value) >= sizeof(lo_text)) {
		perr(p, "%s '%s': not a range LO-HI", key, value);
		return;
	}
	memcpy(lo_text, value, (size_t)(dash - value));
	lo_text[dash - value] = '\0';
	rlo = parse_uint(lo_text, UINT32_MAX, &lo);
	rhi = parse_uint(dash + 1, UINT32_MAX, &hi);
	if (rlo == -EINVAL || rhi == -EINVAL) {
		perr(p, "%s '%s': not a range LO-HI", key, value);
		return;
	}
	if (rlo < 0 || rhi < 0 || lo == 0) {
		perr(p, "%s '%s': out of range (1-%u)", key, value, UINT32_MAX);
		return;
	}
	if (lo > hi) {
		perr(p, "%s '%s': range is reversed", key, value);
		return;
	}
	/* The planner takes any table in the range: none may be the kernel's. */
	if (lo <= 255 && hi >= 253) {
		perr(p, "%s '%s': includes the kernel's tables 253-255", key, value);
		return;
	}
	g->table_auto_min = (uint32_t)lo;
	g->table_auto_max = (uint32_t)hi;
}

static void global_key(struct parse *p, int id, const char *key, const char *value)
{
	struct vrf_global *g = &p->cfg->global;
	uint64_t v;

	switch (id) {
	case G_TCP_ACCEPT: set_tristate(p, key, value, &g->tcp_l3mdev_accept); break;
	case G_UDP_ACCEPT: set_tristate(p, key, value, &g->udp_l3mdev_accept); break;
	case G_RAW_ACCEPT: set_tristate(p, key, value, &g->raw_l3mdev_accept); break;
	case G_PREF_L3MDEV: set_pref(p, key, value, &g->pref_l3mdev); break;
	case G_PREF_UNREACHABLE: set_pref(p, key, value, &g->pref_unreachable); break;
	case G_PREF_LOCAL: set_pref(p, key, value, &g->pref_local); break;
	case G_PREF_BRIDGE: set_pref(p, key, value, &g->pref_bridge); break;
	case G_TABLE_AUTO_RANGE: set_auto_range(p, key, value); break;
	case G_ROUTE_PROTOCOL:
		/* 0-4 mean unspec, redirect, kernel, boot, static to the kernel. */
		if (parse_uint(value, 255, &v) < 0 || v < 5)
			perr(p, "%s '%s': out of range (5-255; 0-4 are the kernel's)", key, value);
		else
			g->route_protocol = (uint8_t)v;
		break;
	}
}

/* ---- [vrf NAME] ----------------------------------------------------------- */

static void set_table(struct parse *p, const char *key, const char *value)
{
	uint64_t v;
	int r;

	if (strcmp(value, "auto") == 0) {
		p->vrf->table_auto = true;
		return;
	}
	r = parse_uint(value, UINT32_MAX, &v);
	if (r == -EINVAL) {
		perr(p, "%s '%s': not a number or 'auto'", key, value);
	} else if (r < 0 || v == 0) {
		perr(p, "%s '%s': out of range (1-%u)", key, value, UINT32_MAX);
	} else if (reserved_table(v)) {
		perr(p, "%s '%s': reserved for the kernel's %s table", key, value,
		      reserved_table(v));
	} else {
		p->vrf->table = (uint32_t)v;
	}
}

/* Where name is listed in vrf's members or bridges (*as says which), or NULL. */
static const struct vrf_where *listed_at(const struct vrf_def *vrf, const struct vrf_aux *aux,
					 const char *name, const char **as)
{
	*as = "member";
	for (size_t i = 0; i < vrf->n_members; i++)
		if (strcmp(vrf->members[i], name) == 0)
			return &aux->member_where[i];
	*as = "bridge";
	for (size_t i = 0; i < vrf->n_bridges; i++)
		if (strcmp(vrf->bridges[i], name) == 0)
			return &aux->bridge_where[i];
	return NULL;
}

/*
 * members and bridges: an interface belongs to one VRF, as a port (enslaved)
 * or as a bridge (routed by rules), never both.
 */
static void add_member(struct parse *p, const char *key, const char *name)
{
	struct vrf_def *vrf = p->vrf;
	struct vrf_aux *aux = p->aux;
	bool bridge = strcmp(key, "bridges") == 0;
	const char *what = bridge ? "bridge" : "member";
	const struct vrf_where *w;
	struct vrf_where *where;
	char (*slot)[IFNAMSIZ];
	const char *as;
	size_t v;

	if (!ifname_value(p, NULL, NULL, what, name))
		return;
	if ((w = listed_at(vrf, aux, name, &as))) {
		perr(p, "%s '%s' already listed%s%s at %s:%u", what, name,
		      strcmp(as, what) ? " as a " : "", strcmp(as, what) ? as : "", w->file, w->line);
		return;
	}
	if (vrf_strmap_get(&p->member_index, name, &v) && &p->cfg->vrfs[v] != vrf &&
	    (w = listed_at(&p->cfg->vrfs[v], &p->auxs[v], name, &as))) {
		perr(p, "%s '%s' already in vrf '%s' at %s:%u", what, name,
		      p->cfg->vrfs[v].name, w->file, w->line);
		return;
	}
	if (bridge) {
		if (!(where = PUSH(p, aux->bridge_where, aux->n_bridge_where)) ||
		    !(slot = PUSH(p, vrf->bridges, vrf->n_bridges)))
			return;
	} else {
		if (!(where = PUSH(p, aux->member_where, aux->n_member_where)) ||
		    !(slot = PUSH(p, vrf->members, vrf->n_members)))
			return;
	}
	strcpy(*slot, name);
	*where = here(p);
	/* A refused [vrf]'s members are checked, not claimed. */
	if (vrf != &p->scratch &&
	    vrf_strmap_put(&p->member_index, name, (size_t)(vrf - p->cfg->vrfs)) < 0)
		out_of_memory(p);
}

/* PREFIX [via ADDR] [dev IFNAME] [metric N], the three in any order. */
static bool parse_route(struct parse *p, const char *key, const char *value,
			struct vrf_route_def *route)
{
	char stack[256], *copy = value_copy(stack, sizeof(stack), value);
	char *cursor = copy;
	char *tok;
	bool ok = false, has_dev = false;
	int via_family = AF_UNSPEC;

	if (!copy) {
		out_of_memory(p);
		return false;
	}
	tok = vrf_next_word(&cursor, false);
	if (!prefix_value(p, key, value, tok, &route->dst))
		goto out;
	while ((tok = vrf_next_word(&cursor, false))) {
		char *arg = vrf_next_word(&cursor, false);
		uint64_t metric;
		int r;

		if (strcmp(tok, "via") != 0 && strcmp(tok, "dev") != 0 && strcmp(tok, "metric") != 0) {
			perr(p, "%s '%s': unknown word '%s' (expected via, dev or metric)", key,
			      value, tok);
			goto out;
		}
		if ((tok[0] == 'v' && route->has_via) || (tok[0] == 'd' && has_dev) ||
		    (tok[0] == 'm' && route->has_metric)) {
			perr(p, "%s '%s': '%s' given twice", key, value, tok);
			goto out;
		}
		if (!arg) {
			perr(p, "%s '%s': '%s' needs a value", key, value, tok);
			goto out;
		}
		switch (tok[0]) {
		case 'v':
			if (vrf_addr_parse(arg, &via_family, &route->via) < 0) {
				perr(p, "%s '%s': via '%s' is not an address", key, value, arg);
				goto out;
			}
			route->has_via = true;
			break;
		case 'd':
			if (!ifname_value(p, key, value, "dev", arg))
				goto out;
			strcpy(route->dev, arg);
			has_dev = true;
			break;
		default:
			r = parse_uint(arg, UINT32_MAX, &metric);
			if (r < 0) {
				perr(p, "%s '%s': metric '%s' is %s", key, value, arg,
				      r == -ERANGE ? "out of range (0-4294967295)" : "not a number");
				goto out;
			}
			route->metric = (uint32_t)metric;
			route->has_metric = true;
		}
	}
	if (route->dst.family == AF_UNSPEC) {
		/* "default" takes its family from the gateway; alone it is ambiguous. */
		if (!route->has_via) {
			perr(p, "%s '%s': default without via: write 0.0.0.0/0 or ::/0", key, value);
			goto out;
		}
		route->dst.family = via_family;
	} else if (route->has_via && via_family != route->dst.family) {
		perr(p, "%s '%s': via is %s but the prefix is %s", key, value,
		      via_family == AF_INET ? "IPv4" : "IPv6",
		      route->dst.family == AF_INET ? "IPv4" : "IPv6");
		goto out;
	}
	if (!route->has_via && !has_dev) {
		perr(p, "%s '%s': needs via or dev", key, value);
		goto out;
	}
	/* The kernel cannot tell which link a link-local gateway is on. */
	if (route->has_via && via_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&route->via.v6) &&
	    !has_dev) {
		perr(p, "%s '%s': a link-local via needs dev", key, value);
		goto out;
	}
	ok = true;
out:
	value_copy_free(copy, stack);
	return ok;
}

static void add_route(struct parse *p, const char *key, const char *value)
{
	struct vrf_route_def route = { .where = here(p) };
	struct vrf_aux *aux = p->aux;
	struct vrf_route_def *slot;
	char *text = NULL;
	char **text_slot;

	if (!parse_route(p, key, value, &route))
		return;
	/* The text is for messages of the checks after the last file. */
	text = strdup(value);
	if (!text)
		out_of_memory(p);
	else if ((text_slot = PUSH(p, aux->route_text, aux->n_route_text)))
		*text_slot = text;
	else
		free(text);
	if (p->enomem || !(slot = PUSH(p, p->vrf->routes, p->vrf->n_routes)))
		return;
	*slot = route;
}

/* ---- Docker objects by name --------------------------------------------- */

/*
 * A Docker network or container name as Docker accepts one: a letter or
 * digit, then letters, digits, '_', '.', '-' (its own validation, which
 * compose's names keep to as well).
 */
static bool docker_name_value(struct parse *p, const char *key, const char *text,
			      const char *what, const char *name)
{
	size_t n = strlen(name);
	bool ok = n > 0 && n < 256 && vrf_is_alnum(name[0]);

	for (size_t i = 1; ok && i < n; i++)
		ok = vrf_is_alnum(name[i]) || strchr("_.-", name[i]);
	if (!ok)
		perr(p, "%s '%s': not a Docker %s name (a letter or digit, then letters, digits, "
		     "'_', '.', '-')", key, text, what);
	return ok;
}

/* Append a reference to *refs unless it is there (an error naming where). */
static void add_ref(struct parse *p, const char *key, enum vrf_docker_ref_kind kind,
		    const char *name, struct vrf_docker_ref **refs, size_t *n)
{
	struct vrf_docker_ref *slot;

	for (size_t i = 0; i < *n; i++) {
		if ((*refs)[i].kind == kind && strcmp((*refs)[i].name, name) == 0) {
			perr(p, "%s '%s' already listed at %s:%u", key, name, (*refs)[i].where.file,
			     (*refs)[i].where.line);
			return;
		}
	}
	if (!(slot = PUSH(p, *refs, *n)))
		return;
	slot->kind = kind;
	slot->where = here(p);
	slot->name = strdup(name);
	if (!slot->name) {
		(*n)--;
		out_of_memory(p);
	}
}

/* [vrf] networks, [docker] network: Docker networks by name (docker.h resolves them). */
static void add_network(struct parse *p, const char *key, const char *name)
{
	bool in_vrf = p->sec == SEC_VRF;

	if (!docker_name_value(p, key, name, "network", name))
		return;
	if (in_vrf)
		add_ref(p, key, VRF_DOCKER_NETWORK, name, &p->vrf->networks, &p->vrf->n_networks);
	else
		add_ref(p, key, VRF_DOCKER_NETWORK, name, &p->cfg->docker.networks,
			&p->cfg->docker.n_networks);
}

/* allow-from = container:NAME or label:KEY=VALUE; false when text is neither form. */
static bool allow_from_ref(struct parse *p, const char *key, const char *text)
{
	struct vrf_docker *d = &p->cfg->docker;
	const char *eq;

	if (strncmp(text, "container:", 10) == 0) {
		if (docker_name_value(p, key, text, "container", text + 10))
			add_ref(p, key, VRF_DOCKER_CONTAINER, text + 10, &d->allow_from_refs,
				&d->n_allow_from_refs);
		return true;
	}
	if (strncmp(text, "label:", 6) != 0)
		return false;
	eq = strchr(text + 6, '=');
	if (!eq || eq == text + 6 || strlen(text) > 255)
		perr(p, "%s '%s': a label is label:KEY=VALUE (com.docker.compose.service=proxy)",
		     key, text);
	else
		add_ref(p, key, VRF_DOCKER_LABEL, text + 6, &d->allow_from_refs,
			&d->n_allow_from_refs);
	return true;
}

static void vrf_key(struct parse *p, int id, const char *key, const char *value)
{
	bool b;

	switch (id) {
	case V_TABLE: set_table(p, key, value); break;
	case V_MEMBERS:
	case V_BRIDGES: for_each_item(p, key, value, add_member); break;
	case V_NETWORKS: for_each_item(p, key, value, add_network); break;
	case V_ROUTE: add_route(p, key, value); break;
	case V_UNREACHABLE_DEFAULT:
		if (bool_value(p, key, value, &b))
			p->vrf->unreachable_default = b;
		break;
	}
}

/* ---- [docker] ------------------------------------------------------------- */

/* The protocol number, -ERANGE for a number above 255, -ENOENT unknown. */
static int proto_lookup(const char *name)
{
	const struct protoent *pe;
	uint64_t v;
	int r = parse_uint(name, 255, &v);

	if (r != -EINVAL)
		return r < 0 ? r : (int)v;
	r = vrf_proto_number(name);
	if (r >= 0)
		return r;
	pe = getprotobyname(name);
	return pe && pe->p_proto >= 0 && pe->p_proto <= 255 ? pe->p_proto : -ENOENT;
}

/* One port entry, N or LO-HI; false (reported) when it is not. */
static bool port_entry(struct parse *p, const char *key, const char *value, const char *text,
		       struct vrf_port_range *range)
{
	const char *dash = strchr(text, '-');
	char lo_text[8];
	uint64_t lo = 0, hi = 0;
	int rlo, rhi;

	if (!dash) {
		rlo = rhi = parse_uint(text, 65535, &lo);
		hi = lo;
	} else if ((size_t)(dash - text) < sizeof(lo_text)) {
		memcpy(lo_text, text, (size_t)(dash - text));
		lo_text[dash - text] = '\0';
		rlo = parse_uint(lo_text, 65535, &lo);
		rhi = parse_uint(dash + 1, 65535, &hi);
	} else {
		rlo = rhi = -EINVAL;
	}
	if (rlo == -EINVAL || rhi == -EINVAL) {
		perr(p, "%s '%s': bad port '%s' (a port is N or LO-HI)", key, value, text);
		return false;
	}
	if (rlo < 0 || rhi < 0 || lo == 0 || hi == 0) {
		perr(p, "%s '%s': port '%s' out of range (1-65535)", key, value, text);
		return false;
	}
	if (lo > hi) {
		perr(p, "%s '%s': port range '%s' is reversed", key, value, text);
		return false;
	}
	range->lo = (uint16_t)lo;
	range->hi = (uint16_t)hi;
	return true;
}

static void add_port_rule(struct parse *p, const char *key, const char *value,
			  struct vrf_port_rule **rules, size_t *n_rules)
{
	struct vrf_port_rule rule = { .where = here(p) }, *slot;
	struct vrf_port_range *range;
	char stack[256], *copy = value_copy(stack, sizeof(stack), value);
	char *cursor = copy;
	char *tok;
	bool ok = false;
	int proto;

	if (!copy) {
		out_of_memory(p);
		return;
	}
	if (*n_rules >= VRF_CONFIG_MAX_RULES) {
		perr(p, "%s '%s': more than %d %s rules", key, value, VRF_CONFIG_MAX_RULES, key);
		goto out;
	}
	tok = vrf_next_word(&cursor, true);
	if (!tok) {
		perr(p, "%s '%s': no protocol", key, value);
		goto out;
	}
	proto = proto_lookup(tok);
	if (proto == -ERANGE) {
		perr(p, "%s '%s': protocol '%s' out of range (0-255)", key, value, tok);
		goto out;
	}
	if (proto < 0) {
		perr(p, "%s '%s': unknown protocol '%s'", key, value, tok);
		goto out;
	}
	rule.proto = (uint8_t)proto;
	while ((tok = vrf_next_word(&cursor, true))) {
		if (!vrf_proto_has_ports(rule.proto)) {
			perr(p, "%s '%s': ports only apply to tcp, udp, sctp, udplite and dccp",
			      key, value);
			goto out;
		}
		if (rule.n_ports >= VRF_CONFIG_MAX_PORTS) {
			perr(p, "%s '%s': more than %d port entries", key, value,
			      VRF_CONFIG_MAX_PORTS);
			goto out;
		}
		if (!(range = PUSH(p, rule.ports, rule.n_ports)))
			goto out;
		if (!port_entry(p, key, value, tok, range))
			goto out;
	}
	if (!(slot = PUSH(p, *rules, *n_rules)))
		goto out;
	*slot = rule;
	ok = true;
out:
	if (!ok)
		free(rule.ports);
	value_copy_free(copy, stack);
}

static void add_bridge(struct parse *p, const char *key, const char *name)
{
	struct vrf_docker *d = &p->cfg->docker;
	size_t n = d->n_bridges;     /* p->bridge_where is parallel to d->bridges */
	struct vrf_where *where;
	char (*slot)[IFNAMSIZ];

	(void)key;
	if (!ifname_value(p, NULL, NULL, "bridge", name))
		return;
	for (size_t i = 0; i < d->n_bridges; i++) {
		if (strcmp(d->bridges[i], name) == 0) {
			perr(p, "bridge '%s' already listed at %s:%u", name,
			      p->bridge_where[i].file, p->bridge_where[i].line);
			return;
		}
	}
	if (!(where = PUSH(p, p->bridge_where, n)) || !(slot = PUSH(p, d->bridges, d->n_bridges)))
		return;
	strcpy(*slot, name);
	*where = here(p);
}

static void add_allow_from(struct parse *p, const char *key, const char *text)
{
	struct vrf_docker *d = &p->cfg->docker;
	struct vrf_prefix prefix, *slot;

	if (allow_from_ref(p, key, text))
		return;
	/* "default" would be every source: isolation would isolate nothing. */
	if (strcmp(text, "default") == 0) {
		perr(p, "%s '%s': not an address or prefix", key, text);
		return;
	}
	if (!prefix_value(p, key, text, text, &prefix))
		return;
	if (!(slot = PUSH(p, d->allow_from, d->n_allow_from)))
		return;
	*slot = prefix;
}

static void docker_key(struct parse *p, int id, const char *key, const char *value)
{
	struct vrf_docker *d = &p->cfg->docker;
	bool b;

	switch (id) {
	case D_BRIDGE: for_each_item(p, key, value, add_bridge); break;
	case D_NETWORK: for_each_item(p, key, value, add_network); break;
	case D_ALLOW: add_port_rule(p, key, value, &d->allow, &d->n_allow); break;
	case D_ISOLATE:
		if (bool_value(p, key, value, &b))
			d->isolate_containers = b;
		break;
	case D_ALLOW_FROM: for_each_item(p, key, value, add_allow_from); break;
	case D_HOST_ALLOW: add_port_rule(p, key, value, &d->host_allow, &d->n_host_allow); break;
	}
}

/* ---- sections and keys ---------------------------------------------------- */

static void aux_free(struct vrf_aux *aux)
{
	free(aux->member_where);
	free(aux->bridge_where);
	for (size_t i = 0; i < aux->n_route_text; i++)
		free(aux->route_text[i]);
	free(aux->route_text);
	memset(aux, 0, sizeof(*aux));
}

static void scratch_reset(struct parse *p)
{
	aux_free(&p->scratch_aux);
	free(p->scratch.members);
	free(p->scratch.bridges);
	vrf_docker_refs_free(p->scratch.networks, p->scratch.n_networks);
	free(p->scratch.routes);
	memset(&p->scratch, 0, sizeof(p->scratch));
}

static void vrf_section(struct parse *p, const char *name)
{
	struct vrf_config *cfg = p->cfg;
	size_t n = cfg->n_vrfs, at;
	const struct vrf_def *dup = vrf_strmap_get(&p->vrf_index, name, &at) ? &cfg->vrfs[at] : NULL;
	bool ok = ifname_value(p, NULL, NULL, "vrf name", name);
	struct vrf_def *vrf;
	struct vrf_aux *aux;

	if (ok && strcmp(name, "default") == 0) {
		perr(p, "vrf name 'default': reserved (vrf-exec uses it to leave a VRF)");
		ok = false;
	} else if (ok && dup) {
		perr(p, "vrf '%s' already defined at %s:%u", name, dup->where.file, dup->where.line);
		ok = false;
	}
	/* Refused, its keys are still checked, against a VRF nobody will see. */
	if (!ok) {
		scratch_reset(p);
		p->vrf = &p->scratch;
		p->aux = &p->scratch_aux;
	} else {
		/* p->auxs is parallel to cfg->vrfs: n counts both. */
		if (!(aux = PUSH(p, p->auxs, n)) || !(vrf = PUSH(p, cfg->vrfs, cfg->n_vrfs))) {
			p->sec = SEC_SKIP;
			return;
		}
		p->vrf = vrf;
		p->aux = aux;
		strcpy(p->vrf->name, name);
		if (vrf_strmap_put(&p->vrf_index, name, cfg->n_vrfs - 1) < 0)
			out_of_memory(p);
	}
	p->vrf->unreachable_default = true;
	p->vrf->where = here(p);
	p->sec = SEC_VRF;
}

void vrf_config_section(struct parse *p, char *text)
{
	static const struct key_def names[] = {
		{ .name = "global" }, { .name = "vrf" }, { .name = "docker" }, { .name = NULL },
	};
	char *word = vrf_skip_blanks(text);
	char *rest = word;
	const char *guess;

	while (*rest && !vrf_is_blank(*rest))
		rest++;
	if (*rest) {
		*rest++ = '\0';
		rest = vrf_skip_blanks(rest);
		/* The caller already trimmed the end of the line, not of the section. */
		for (char *e = rest + strlen(rest); e > rest && vrf_is_blank(e[-1]);)
			*--e = '\0';
	}
	p->sec = SEC_SKIP;
	if (strcmp(word, "vrf") == 0) {
		if (!*rest)
			perr(p, "section [vrf] needs a name: [vrf NAME]");
		else
			vrf_section(p, rest);
		snprintf(p->label, sizeof(p->label), "vrf %s", rest);
	} else if (strcmp(word, "global") == 0 || strcmp(word, "docker") == 0) {
		if (*rest) {
			perr(p, "section [%s] takes no name", word);
			return;
		}
		p->sec = word[0] == 'g' ? SEC_GLOBAL : SEC_DOCKER;
		snprintf(p->label, sizeof(p->label), "%s", word);
		if (p->sec == SEC_DOCKER && !p->cfg->docker.present) {
			p->cfg->docker.present = true;
			p->cfg->docker.where = here(p);
		}
	} else {
		guess = suggest(word, names);
		if (guess && strcmp(guess, "vrf") == 0)
			perr(p, "unknown section [%s%s%s] (did you mean [vrf %s]?)", word,
			      *rest ? " " : "", rest, *rest ? rest : "NAME");
		else if (guess)
			perr(p, "unknown section [%s%s%s] (did you mean [%s]?)", word,
			      *rest ? " " : "", rest, guess);
		else
			perr(p, "unknown section [%s%s%s]", word, *rest ? " " : "", rest);
	}
}

/* The section a key belongs to, for a key written in the wrong one. */
static const char *home_of(const char *key)
{
	static const struct {
		const char *section;
		const struct key_def *keys;
	} homes[] = {
		{ "global", vrf_config_global_keys }, { "vrf NAME", vrf_keys },
		{ "docker", docker_keys },
	};

	for (size_t h = 0; h < sizeof(homes) / sizeof(homes[0]); h++)
		for (const struct key_def *k = homes[h].keys; k->name; k++)
			if (strcmp(k->name, key) == 0)
				return homes[h].section;
	return NULL;
}

int vrf_config_on_key(void *user, const char *section_name, const char *key, const char *value)
{
	struct parse *p = user;
	const struct key_def *keys;
	struct vrf_where *seen;
	size_t i;
	const char *guess;

	(void)section_name;   /* inih never sees a section line: ours is p->sec */
	if (p->enomem || p->sec == SEC_SKIP)
		return 1;
	switch (p->sec) {
	case SEC_GLOBAL: keys = vrf_config_global_keys; seen = p->seen_global; break;
	case SEC_VRF: keys = vrf_keys; seen = p->aux->seen; break;
	case SEC_DOCKER: keys = docker_keys; seen = p->seen_docker; break;
	default:
		perr(p, "key '%s' outside any section", key);
		return 1;
	}
	for (i = 0; keys[i].name && strcmp(keys[i].name, key) != 0; i++)
		;
	if (!keys[i].name) {
		guess = suggest(key, keys);
		if (guess)
			perr(p, "unknown key '%s' in [%s] (did you mean '%s'?)", key, p->label, guess);
		else if (home_of(key))
			perr(p, "unknown key '%s' in [%s] (it belongs in [%s])", key, p->label,
			     home_of(key));
		else
			perr(p, "unknown key '%s' in [%s]", key, p->label);
		return 1;
	}
	if (!keys[i].repeatable) {
		struct vrf_where *w = &seen[keys[i].id];

		if (w->line) {
			perr(p, "key '%s' already set at %s:%u", key, w->file, w->line);
			return 1;
		}
		*w = here(p);
	}
	if (!*value) {
		perr(p, "key '%s' has no value", key);
		return 1;
	}
	switch (p->sec) {
	case SEC_GLOBAL: global_key(p, keys[i].id, key, value); break;
	case SEC_VRF: vrf_key(p, keys[i].id, key, value); break;
	default: docker_key(p, keys[i].id, key, value); break;
	}
	return 1;
}

void vrf_config_parse_free(struct parse *p)
{
	for (size_t v = 0; v < p->cfg->n_vrfs; v++)
		aux_free(&p->auxs[v]);
	free(p->auxs);
	p->auxs = NULL;
	vrf_strmap_free(&p->vrf_index);
	vrf_strmap_free(&p->member_index);
	scratch_reset(p);
	free(p->bridge_where);
	p->bridge_where = NULL;
}
