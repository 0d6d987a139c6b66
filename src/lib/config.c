/* SPDX-License-Identifier: MIT */
/*
 * The config parser. inih splits "key = value" lines; everything around it
 * is ours, through the line reader we hand to ini_parse_stream():
 *  - inih 55 as distributions build it gives the handler no line number, so
 *    the reader counts lines, and every message carries FILE:LINE;
 *  - inih reports only the first syntax error, so the reader checks each line
 *    itself and reports them all, passing inih only lines it accepts;
 *  - the reader reads [sections] itself, so a section without keys still
 *    counts ([vrf x] with no table is an error, not nothing);
 *  - it strips leading blanks, so an indented key is a key (inih would take it
 *    as a continuation of the previous value), and inline comments, so they
 *    work whatever INI_ALLOW_INLINE_COMMENTS the library was built with.
 * Values are checked as they come; what needs the whole config (tables used
 * twice, route devices that are not members, rule priorities) is checked
 * once every file is read. Every error is reported; the load fails once.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ini.h>

#include "addr.h"
#include "config.h"
#include "json.h"
#include "strmap.h"

enum section_kind { SEC_NONE, SEC_GLOBAL, SEC_VRF, SEC_DOCKER, SEC_SKIP };

enum {
	G_TCP_ACCEPT, G_UDP_ACCEPT, G_RAW_ACCEPT, G_PREF_L3MDEV, G_PREF_UNREACHABLE,
	G_PREF_LOCAL, G_PREF_BRIDGE, G_TABLE_AUTO_RANGE, G_ROUTE_PROTOCOL, G_N
};
enum { V_TABLE, V_MEMBERS, V_BRIDGES, V_ROUTE, V_UNREACHABLE_DEFAULT, V_N };
enum { D_BRIDGE, D_ALLOW, D_ISOLATE, D_ALLOW_FROM, D_HOST_ALLOW, D_N };

struct key_def {
	const char *name;
	int id;
	bool repeatable;             /* repeating adds; otherwise once only */
};

static const struct key_def global_keys[] = {
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
	{ "route",               V_ROUTE,               true },
	{ "unreachable-default", V_UNREACHABLE_DEFAULT, false },
	{ NULL, 0, false },
};

static const struct key_def docker_keys[] = {
	{ "bridge",             D_BRIDGE,     true },
	{ "allow",              D_ALLOW,      true },
	{ "isolate-containers", D_ISOLATE,    false },
	{ "allow-from",         D_ALLOW_FROM, true },
	{ "host-allow",         D_HOST_ALLOW, true },
	{ NULL, 0, false },
};

/* What the model does not keep but the checks after the last file need. */
struct vrf_aux {
	struct vrf_where seen[V_N];  /* where each once-only key was set */
	struct vrf_where *member_where;   /* parallel to the members */
	size_t n_member_where;
	struct vrf_where *bridge_where;   /* parallel to the bridges */
	size_t n_bridge_where;
	char **route_text;                /* each route as written, for messages */
	size_t n_route_text;
};

/* An error waiting to be reported, so that they come out in file order. */
struct pending {
	size_t file;                 /* index in cfg->files */
	unsigned line;
	size_t seq;                  /* same line: in the order found */
	char *text;
};

struct parse {
	struct vrf_config *cfg;
	const struct vrf_log *log;
	unsigned errors;
	bool enomem;
	struct pending *pending;
	size_t n_pending;

	/* The file being read, for the line reader. */
	FILE *f;
	char *buf;
	size_t cap;
	int read_errno;
	const char *file;            /* owned by cfg->files */
	unsigned line;

	/* The section the next key belongs to. */
	enum section_kind sec;
	char label[64];              /* "vrf mgmt", for messages */
	struct vrf_def *vrf;         /* SEC_VRF: in cfg->vrfs or &scratch */
	struct vrf_aux *aux;

	/* A [vrf] whose name was refused still has its keys checked, here. */
	struct vrf_def scratch;
	struct vrf_aux scratch_aux;

	struct vrf_aux *auxs;        /* parallel to cfg->vrfs */
	struct vrf_strmap vrf_index;     /* VRF name -> its place in cfg->vrfs */
	struct vrf_strmap member_index;  /* member or bridge -> the place of its VRF */
	struct vrf_where seen_global[G_N];
	struct vrf_where seen_docker[D_N];
	struct vrf_where *bridge_where;
};

/* ---- reporting ------------------------------------------------------------ */

static void out_of_memory(struct parse *p)
{
	/* Once: after the first failure the rest is noise. */
	if (!p->enomem)
		vrf_err(p->log, "out of memory");
	p->enomem = true;
}

/*
 * Errors are held back and reported in file and line order: the checks that
 * need the whole config run after the last line, but a reader wants the
 * messages in the order of the file.
 */
__attribute__((format(printf, 3, 4)))
static void error_at(struct parse *p, struct vrf_where where, const char *fmt, ...)
{
	struct pending *more = realloc(p->pending, (p->n_pending + 1) * sizeof(*more));
	char msg[900];
	size_t file = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->errors++;
	while (file < p->cfg->n_files && p->cfg->files[file] != where.file)
		file++;
	if (more) {
		p->pending = more;
		more = &p->pending[p->n_pending];
		if (asprintf(&more->text, "%s:%u: %s", where.file, where.line, msg) >= 0) {
			more->file = file;
			more->line = where.line;
			more->seq = p->n_pending++;
			return;
		}
	}
	/* Without memory to hold it, say it now rather than never. */
	vrf_err(p->log, "%s:%u: %s", where.file, where.line, msg);
	out_of_memory(p);
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_errors(struct parse *p)
{
	if (p->n_pending)
		qsort(p->pending, p->n_pending, sizeof(*p->pending), cmp_pending);
	for (size_t i = 0; i < p->n_pending; i++) {
		vrf_err(p->log, "%s", p->pending[i].text);
		free(p->pending[i].text);
	}
	free(p->pending);
	p->pending = NULL;
	p->n_pending = 0;
}

static struct vrf_where here(const struct parse *p)
{
	return (struct vrf_where){ .file = p->file, .line = p->line };
}

#define perr(p, ...) error_at((p), here(p), __VA_ARGS__)

/* Append one zeroed element to *arr of *n; false (reported) when out of memory. */
static bool grow(struct parse *p, void *arr, size_t *n, size_t size)
{
	void **parr = arr;
	char *bigger = realloc(*parr, (*n + 1) * size);

	if (!bigger) {
		out_of_memory(p);
		return false;
	}
	memset(bigger + *n * size, 0, size);
	*parr = bigger;
	(*n)++;
	return true;
}

/* Edit distance (with swaps), for "did you mean"; long words are never close. */
static size_t distance(const char *a, const char *b)
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

/*
 * The name in the table closest to word, if close enough to be a likely
 * typo. The table itself, not a copy of its names: no array to outgrow.
 */
static const char *suggest(const char *word, const struct key_def *candidates)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; candidates[i].name; i++) {
		size_t d = distance(word, candidates[i].name);

		/* Two edits in a three-letter word is a different word. */
		if (d < best_d && 2 * d <= strlen(candidates[i].name)) {
			best = candidates[i].name;
			best_d = d;
		}
	}
	return best;
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
static bool ifname_value(struct parse *p, const char *context, const char *what,
			 const char *name)
{
	char why[64] = "";

	if (strlen(name) >= IFNAMSIZ) {
		snprintf(why, sizeof(why), "longer than %d characters", IFNAMSIZ - 1);
	} else if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(why, sizeof(why), "not a valid interface name");
	} else {
		for (const char *s = name; *s && !why[0]; s++) {
			if (isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-')
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
	/* context: the whole value, when the name is one word of it. */
	if (context)
		perr(p, "%s: %s '%s': %s", context, what, name, why);
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
	char *copy = strdup(value);
	char *save = NULL;
	size_t n = 0;

	if (!copy) {
		out_of_memory(p);
		return;
	}
	for (char *tok = strtok_r(copy, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		fn(p, key, tok);
		n++;
	}
	if (n == 0)
		perr(p, "key '%s' has no value", key);
	free(copy);
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
	const char *as;
	size_t v;

	if (!ifname_value(p, NULL, what, name))
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
		if (!grow(p, &aux->bridge_where, &aux->n_bridge_where, sizeof(*aux->bridge_where)) ||
		    !grow(p, &vrf->bridges, &vrf->n_bridges, sizeof(*vrf->bridges)))
			return;
		strcpy(vrf->bridges[vrf->n_bridges - 1], name);
		aux->bridge_where[vrf->n_bridges - 1] = here(p);
	} else {
		if (!grow(p, &aux->member_where, &aux->n_member_where, sizeof(*aux->member_where)) ||
		    !grow(p, &vrf->members, &vrf->n_members, sizeof(*vrf->members)))
			return;
		strcpy(vrf->members[vrf->n_members - 1], name);
		aux->member_where[vrf->n_members - 1] = here(p);
	}
	/* A refused [vrf]'s members are checked, not claimed. */
	if (vrf != &p->scratch &&
	    vrf_strmap_put(&p->member_index, name, (size_t)(vrf - p->cfg->vrfs)) < 0)
		out_of_memory(p);
}

/* PREFIX [via ADDR] [dev IFNAME] [metric N], the three in any order. */
static bool parse_route(struct parse *p, const char *key, const char *value,
			struct vrf_route_def *route)
{
	char context[300];
	char *copy = strdup(value);
	char *save = NULL;
	char *tok;
	bool ok = false, has_dev = false;
	int via_family = AF_UNSPEC;

	if (!copy) {
		out_of_memory(p);
		return false;
	}
	tok = strtok_r(copy, " \t", &save);
	if (!prefix_value(p, key, value, tok, &route->dst))
		goto out;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *arg = strtok_r(NULL, " \t", &save);
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
			snprintf(context, sizeof(context), "%s '%s'", key, value);
			if (!ifname_value(p, context, "dev", arg))
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
	free(copy);
	return ok;
}

static void add_route(struct parse *p, const char *key, const char *value)
{
	struct vrf_route_def route = { .where = here(p) };
	struct vrf_aux *aux = p->aux;
	char *text = NULL;

	if (!parse_route(p, key, value, &route))
		return;
	/* The text is for messages of the checks after the last file. */
	text = strdup(value);
	if (!text)
		out_of_memory(p);
	else if (grow(p, &aux->route_text, &aux->n_route_text, sizeof(char *)))
		aux->route_text[aux->n_route_text - 1] = text;
	else
		free(text);
	if (p->enomem || !grow(p, &p->vrf->routes, &p->vrf->n_routes, sizeof(route)))
		return;
	p->vrf->routes[p->vrf->n_routes - 1] = route;
}

static void vrf_key(struct parse *p, int id, const char *key, const char *value)
{
	bool b;

	switch (id) {
	case V_TABLE: set_table(p, key, value); break;
	case V_MEMBERS:
	case V_BRIDGES: for_each_item(p, key, value, add_member); break;
	case V_ROUTE: add_route(p, key, value); break;
	case V_UNREACHABLE_DEFAULT:
		if (bool_value(p, key, value, &b))
			p->vrf->unreachable_default = b;
		break;
	}
}

/* ---- [docker] ------------------------------------------------------------- */

static const struct {
	const char *name;
	uint8_t proto;
} protocols[] = {
	/* Known without /etc/protocols, which minimal systems lack. */
	{ "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 }, { "dccp", 33 },
	{ "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
	{ "ospf", 89 }, { "sctp", 132 }, { "udplite", 136 },
};

const char *vrf_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].proto == proto)
			return protocols[i].name;
	return NULL;
}

/* The protocol number, -ERANGE for a number above 255, -ENOENT unknown. */
static int proto_lookup(const char *name)
{
	const struct protoent *pe;
	uint64_t v;
	int r = parse_uint(name, 255, &v);

	if (r != -EINVAL)
		return r < 0 ? r : (int)v;
	for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (strcasecmp(protocols[i].name, name) == 0)
			return protocols[i].proto;
	pe = getprotobyname(name);
	return pe && pe->p_proto >= 0 && pe->p_proto <= 255 ? pe->p_proto : -ENOENT;
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 33 || proto == 132 || proto == 136;
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
	struct vrf_port_rule rule = { .where = here(p) };
	char *copy = strdup(value);
	char *save = NULL;
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
	tok = strtok_r(copy, " \t,", &save);
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
	while ((tok = strtok_r(NULL, " \t,", &save))) {
		if (!has_ports(rule.proto)) {
			perr(p, "%s '%s': ports only apply to tcp, udp, sctp, udplite and dccp",
			      key, value);
			goto out;
		}
		if (rule.n_ports >= VRF_CONFIG_MAX_PORTS) {
			perr(p, "%s '%s': more than %d port entries", key, value,
			      VRF_CONFIG_MAX_PORTS);
			goto out;
		}
		if (!grow(p, &rule.ports, &rule.n_ports, sizeof(*rule.ports)))
			goto out;
		if (!port_entry(p, key, value, tok, &rule.ports[rule.n_ports - 1]))
			goto out;
	}
	if (!grow(p, rules, n_rules, sizeof(rule)))
		goto out;
	(*rules)[*n_rules - 1] = rule;
	ok = true;
out:
	if (!ok)
		free(rule.ports);
	free(copy);
}

static void add_bridge(struct parse *p, const char *key, const char *name)
{
	struct vrf_docker *d = &p->cfg->docker;
	size_t n = d->n_bridges;

	(void)key;
	if (!ifname_value(p, NULL, "bridge", name))
		return;
	for (size_t i = 0; i < d->n_bridges; i++) {
		if (strcmp(d->bridges[i], name) == 0) {
			perr(p, "bridge '%s' already listed at %s:%u", name,
			      p->bridge_where[i].file, p->bridge_where[i].line);
			return;
		}
	}
	if (!grow(p, &p->bridge_where, &n, sizeof(*p->bridge_where)) ||
	    !grow(p, &d->bridges, &d->n_bridges, sizeof(*d->bridges)))
		return;
	strcpy(d->bridges[d->n_bridges - 1], name);
	p->bridge_where[d->n_bridges - 1] = here(p);
}

static void add_allow_from(struct parse *p, const char *key, const char *text)
{
	struct vrf_docker *d = &p->cfg->docker;
	struct vrf_prefix prefix;

	/* "default" would be every source: isolation would isolate nothing. */
	if (strcmp(text, "default") == 0) {
		perr(p, "%s '%s': not an address or prefix", key, text);
		return;
	}
	if (!prefix_value(p, key, text, text, &prefix))
		return;
	if (!grow(p, &d->allow_from, &d->n_allow_from, sizeof(prefix)))
		return;
	d->allow_from[d->n_allow_from - 1] = prefix;
}

static void docker_key(struct parse *p, int id, const char *key, const char *value)
{
	struct vrf_docker *d = &p->cfg->docker;
	bool b;

	switch (id) {
	case D_BRIDGE: for_each_item(p, key, value, add_bridge); break;
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
	free(p->scratch.routes);
	memset(&p->scratch, 0, sizeof(p->scratch));
}

static void vrf_section(struct parse *p, const char *name)
{
	struct vrf_config *cfg = p->cfg;
	size_t n = cfg->n_vrfs, at;
	const struct vrf_def *dup = vrf_strmap_get(&p->vrf_index, name, &at) ? &cfg->vrfs[at] : NULL;
	bool ok = ifname_value(p, NULL, "vrf name", name);

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
		if (!grow(p, &p->auxs, &n, sizeof(*p->auxs)) ||
		    !grow(p, &cfg->vrfs, &cfg->n_vrfs, sizeof(*cfg->vrfs))) {
			p->sec = SEC_SKIP;
			return;
		}
		p->vrf = &cfg->vrfs[cfg->n_vrfs - 1];
		p->aux = &p->auxs[cfg->n_vrfs - 1];
		strcpy(p->vrf->name, name);
		if (vrf_strmap_put(&p->vrf_index, name, cfg->n_vrfs - 1) < 0)
			out_of_memory(p);
	}
	p->vrf->unreachable_default = true;
	p->vrf->where = here(p);
	p->sec = SEC_VRF;
}

/* The text between '[' and ']'. */
static void section(struct parse *p, char *text)
{
	static const struct key_def names[] = {
		{ .name = "global" }, { .name = "vrf" }, { .name = "docker" }, { .name = NULL },
	};
	char *word = text + strspn(text, " \t");
	char *rest = word + strcspn(word, " \t");
	const char *guess;

	if (*rest) {
		*rest++ = '\0';
		rest += strspn(rest, " \t");
		/* The caller already trimmed the end of the line, not of the section. */
		for (char *e = rest + strlen(rest); e > rest && (e[-1] == ' ' || e[-1] == '\t');)
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
		{ "global", global_keys }, { "vrf NAME", vrf_keys }, { "docker", docker_keys },
	};

	for (size_t h = 0; h < sizeof(homes) / sizeof(homes[0]); h++)
		for (const struct key_def *k = homes[h].keys; k->name; k++)
			if (strcmp(k->name, key) == 0)
				return homes[h].section;
	return NULL;
}

static int on_key(void *user, const char *section_name, const char *key, const char *value)
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
	case SEC_GLOBAL: keys = global_keys; seen = p->seen_global; break;
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

/* ---- reading a file --------------------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	s += strspn(s, " \t\r\n\f\v");
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * inih's reader: one physical line per call, never more than one, so
 * p->line is the line of whatever the handler is called for next.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse *p = stream;
	ssize_t len = getline(&p->buf, &p->cap, p->f);
	char *s, *c;
	size_t n;

	if (len < 0) {
		if (ferror(p->f))
			p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	p->line++;
	strcpy(str, "\n");   /* what inih sees for anything it need not */
	s = p->buf;
	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	s += strspn(s, " \t");
	if (*s == ';' || *s == '#')
		return str;
	/* Inline comments start at a ';' or '#' after a blank, as in inih. */
	for (c = s; *c; c++) {
		if ((*c == ';' || *c == '#') && c > s && (c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			break;
		}
	}
	s = trim(s);
	if (*s == '\0')
		return str;
	if (*s == '[') {
		c = strchr(s, ']');
		if (!c || c[1]) {
			perr(p, c ? "syntax error: '%s' has text after ']'" :
			     "syntax error: '%s' has no closing ']'", s);
			/* Its keys would land in the previous section: skip them. */
			p->sec = SEC_SKIP;
			return str;
		}
		*c = '\0';
		section(p, s + 1);
		return str;
	}
	/* KEY = VALUE, or KEY: VALUE as inih also allows. */
	n = strcspn(s, "=:");
	if (!s[n] || n == 0) {
		perr(p, "syntax error: '%s' is not KEY = VALUE", s);
		return str;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' &&
		    !(isblank((unsigned char)s[i]) && s[i + strspn(s + i, " \t")] == s[n])) {
			perr(p, "syntax error: '%s' is not KEY = VALUE", s);
			return str;
		}
	}
	if (strlen(s) + 2 > (size_t)num) {
		perr(p, "line too long (more than %d characters)", num - 2);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

static int parse_file(struct parse *p, const char *path)
{
	struct vrf_config *cfg = p->cfg;
	char *name = NULL;
	size_t n = cfg->n_files;
	int r = 0;

	/* "-": the config comes on standard input (the ifupdown hook pipes one). */
	p->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	if (!p->f) {
		r = -errno;
		flush_errors(p);
		vrf_err(p->log, "%s: %s", path, strerror(-r));
		goto out;
	}
	name = strdup(p->f == stdin ? "(stdin)" : path);
	if (!name || !grow(p, &cfg->files, &n, sizeof(char *))) {
		out_of_memory(p);
		r = -ENOMEM;
		goto out;
	}
	cfg->files[n - 1] = name;
	cfg->n_files = n;
	name = NULL;
	p->file = cfg->files[n - 1];
	p->line = 0;
	p->read_errno = 0;
	/* A file starts outside any section: [global] does not carry over. */
	p->sec = SEC_NONE;
	r = ini_parse_stream(read_line, p, on_key, p);
	if (p->read_errno) {
		r = -p->read_errno;
		flush_errors(p);
		vrf_err(p->log, "%s: %s", path, strerror(-r));
	} else if (p->enomem || r == -2) {
		out_of_memory(p);
		r = -ENOMEM;
	} else if (r != 0) {
		/* The reader passes inih only lines it accepts; should not happen. */
		error_at(p, (struct vrf_where){ .file = p->file, .line = (unsigned)r },
			 "syntax error");
		r = 0;
	}
out:
	free(name);
	if (p->f && p->f != stdin)
		fclose(p->f);
	p->f = NULL;
	return r;
}

/* ---- checks over the whole config ------------------------------------------ */

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

	/* l3mdev, then unreachable, then local: each must see what the previous
	 * misses. At one priority vrfctl adds them in that order. */
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct vrf_where w = p->seen_global[pairs[i].hi_key];

		if (pairs[i].lo <= pairs[i].hi)
			continue;
		if (!w.line)
			w = p->seen_global[pairs[i].lo_key];
		error_at(p, w, "%s %u must not be above %s %u", global_keys[pairs[i].lo_key].name,
			 pairs[i].lo, global_keys[pairs[i].hi_key].name, pairs[i].hi);
	}
	/*
	 * Where bridges are used or the key is set: a bridge's three rules take
	 * bridge-rule-pref and the two above it (its first looks up the local
	 * table itself); sharing a priority with the layout's rules would leave
	 * their order to the order they were added in.
	 */
	for (size_t v = 0; v < p->cfg->n_vrfs; v++)
		bridges |= p->cfg->vrfs[v].n_bridges > 0;
	if (!bridges)
		return;
	if (g->pref_bridge + 2 > VRF_MAX_RULE_PREF || clash(g->pref_l3mdev, g->pref_bridge) ||
	    clash(g->pref_unreachable, g->pref_bridge) || clash(g->pref_local, g->pref_bridge))
		error_at(p, first_seen(p, (const int[]){ G_PREF_BRIDGE, G_PREF_L3MDEV,
			 G_PREF_UNREACHABLE, G_PREF_LOCAL }, 4), "bridge-rule-pref %u: the bridges' rules "
			 "take %u-%u, which must be below %u and clear of l3mdev-rule-pref %u, "
			 "unreachable-rule-pref %u and local-rule-pref %u", g->pref_bridge,
			 g->pref_bridge, g->pref_bridge + 2, VRF_MAX_RULE_PREF + 1, g->pref_l3mdev,
			 g->pref_unreachable, g->pref_local);
}

static bool same_prefix(const struct vrf_prefix *a, const struct vrf_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(&a->addr, &b->addr, vrf_addr_len(a->family)) == 0;
}

static void check_vrf(struct parse *p, size_t v)
{
	const struct vrf_config *cfg = p->cfg;
	const struct vrf_def *vrf = &cfg->vrfs[v];
	const struct vrf_aux *aux = &p->auxs[v];

	if (!aux->seen[V_TABLE].line)
		error_at(p, vrf->where, "[vrf %s] has no table (table = N or auto)", vrf->name);
	for (size_t o = 0; vrf->table && o < v; o++) {
		if (cfg->vrfs[o].table == vrf->table) {
			error_at(p, aux->seen[V_TABLE], "table %u already used by vrf '%s' at %s:%u",
				 vrf->table, cfg->vrfs[o].name, p->auxs[o].seen[V_TABLE].file,
				 p->auxs[o].seen[V_TABLE].line);
			break;
		}
	}
	for (size_t m = 0; m < vrf->n_members; m++)
		if (vrf_strmap_get(&p->vrf_index, vrf->members[m], NULL))
			error_at(p, aux->member_where[m], "member '%s' is a vrf", vrf->members[m]);
	for (size_t b = 0; b < vrf->n_bridges; b++)
		if (vrf_strmap_get(&p->vrf_index, vrf->bridges[b], NULL))
			error_at(p, aux->bridge_where[b], "bridge '%s' is a vrf", vrf->bridges[b]);
	for (size_t r = 0; r < vrf->n_routes; r++) {
		const struct vrf_route_def *route = &vrf->routes[r];

		/* A dev outside `members` may still be the VRF's port (enslaved by
		 * ifupdown-ng's vrf-member): only the kernel knows, so the planner
		 * checks it and warns. */
		/* The kernel keys a route by destination and metric: a second one fails. */
		for (size_t o = 0; o < r; o++) {
			const struct vrf_route_def *other = &vrf->routes[o];

			if (same_prefix(&route->dst, &other->dst) && route->metric == other->metric) {
				error_at(p, route->where, "route '%s': same destination and metric "
					 "as the route at %s:%u", aux->route_text[r],
					 other->where.file, other->where.line);
				break;
			}
		}
	}
}

/* ---- loading ------------------------------------------------------------------ */

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
	for (size_t b = 0; b < d->n_bridges; b++)
		for (size_t v = 0; v < cfg->n_vrfs; v++)
			for (size_t m = 0; m < cfg->vrfs[v].n_members; m++)
				if (strcmp(cfg->vrfs[v].members[m], d->bridges[b]) == 0)
					error_at(p, p->bridge_where[b], "bridge '%s' is a member of "
						 "vrf '%s': host-allow cannot filter it there (the "
						 "kernel shows the VRF as the input interface); "
						 "write 'bridges = %s' in [vrf %s] instead",
						 d->bridges[b], cfg->vrfs[v].name, d->bridges[b],
						 cfg->vrfs[v].name);
}

int vrf_config_load_files(struct vrf_config *cfg, const char *const *paths, size_t n,
			  const struct vrf_log *log)
{
	struct parse p = { .cfg = cfg, .log = log };
	int r = 0;

	memset(cfg, 0, sizeof(*cfg));
	vrf_global_init(&cfg->global);
	for (size_t i = 0; i < n && r == 0; i++)
		r = parse_file(&p, paths[i]);
	if (r == 0 && !p.enomem) {
		check_prefs(&p);
		for (size_t v = 0; v < cfg->n_vrfs; v++)
			check_vrf(&p, v);
		check_bridges_in_vrfs(&p);
	}
	flush_errors(&p);
	if (r == 0 && p.enomem)
		r = -ENOMEM;
	else if (r == 0 && p.errors)
		r = -EINVAL;

	for (size_t v = 0; v < cfg->n_vrfs; v++)
		aux_free(&p.auxs[v]);
	free(p.auxs);
	vrf_strmap_free(&p.vrf_index);
	vrf_strmap_free(&p.member_index);
	scratch_reset(&p);
	free(p.bridge_where);
	free(p.buf);
	if (r < 0)
		vrf_config_free(cfg);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

int vrf_config_load_dir(struct vrf_config *cfg, const char *file, const char *dir,
			const struct vrf_log *log)
{
	char **paths = NULL;
	size_t n = 0, first;
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r = 0;

	memset(cfg, 0, sizeof(*cfg));
	vrf_global_init(&cfg->global);
	/* Missing is fine; anything else, fopen says why. */
	if (file && (stat(file, &st) == 0 || errno != ENOENT)) {
		paths = malloc(sizeof(char *));
		if (!paths || !(paths[0] = strdup(file))) {
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
		n = 1;
	}
	first = n;
	if (dir && !(d = opendir(dir)) && errno != ENOENT && errno != ENOTDIR) {
		r = -errno;
		vrf_err(log, "%s: %s", dir, strerror(-r));
		goto out;
	}
	while (d && (errno = 0, de = readdir(d))) {
		char *path;
		char **more;

		if (!is_conf_name(de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
		/* A directory or a fifo named x.conf is not a config file; a dangling
		 * link is kept so that opening it reports the problem. */
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		more = realloc(paths, (n + 1) * sizeof(char *));
		if (!more) {
			free(path);
			r = -ENOMEM;
			vrf_err(log, "out of memory");
			goto out;
		}
		paths = more;
		paths[n++] = path;
	}
	if (d && errno) {
		r = -errno;
		vrf_err(log, "%s: %s", dir, strerror(-r));
		goto out;
	}
	/* The main file stays first; the directory's files in byte order. */
	if (n > first)
		qsort(paths + first, n - first, sizeof(char *), cmp_str);
	r = vrf_config_load_files(cfg, (const char *const *)paths, n, log);
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

int vrf_config_load(struct vrf_config *cfg, const char *path, const struct vrf_log *log)
{
	if (!path)
		return vrf_config_load_dir(cfg, VRF_CONFIG_FILE, VRF_CONFIG_DIR, log);
	return vrf_config_load_files(cfg, &path, 1, log);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_tristate(struct vrf_json *j, const char *key, enum vrf_tristate t)
{
	if (t == VRF_UNSET)
		vrf_json_null(j, key);
	else
		vrf_json_bool(j, key, t == VRF_YES);
}

static void json_port_rules(struct vrf_json *j, const char *key,
			    const struct vrf_port_rule *rules, size_t n)
{
	vrf_json_array_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		vrf_json_object_begin(j, NULL);
		vrf_json_uint(j, "protocol", rules[i].proto);
		vrf_json_string(j, "protocol_name", vrf_proto_name(rules[i].proto));
		vrf_json_array_begin(j, "ports");
		for (size_t k = 0; k < rules[i].n_ports; k++) {
			vrf_json_object_begin(j, NULL);
			vrf_json_uint(j, "lo", rules[i].ports[k].lo);
			vrf_json_uint(j, "hi", rules[i].ports[k].hi);
			vrf_json_object_end(j);
		}
		vrf_json_array_end(j);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
}

static void json_vrf(struct vrf_json *j, const struct vrf_def *vrf)
{
	char buf[VRF_PREFIX_STRLEN];

	vrf_json_object_begin(j, NULL);
	vrf_json_string(j, "name", vrf->name);
	if (vrf->table_auto)
		vrf_json_string(j, "table", "auto");
	else
		vrf_json_uint(j, "table", vrf->table);
	vrf_json_array_begin(j, "members");
	for (size_t i = 0; i < vrf->n_members; i++)
		vrf_json_string(j, NULL, vrf->members[i]);
	vrf_json_array_end(j);
	vrf_json_array_begin(j, "bridges");
	for (size_t i = 0; i < vrf->n_bridges; i++)
		vrf_json_string(j, NULL, vrf->bridges[i]);
	vrf_json_array_end(j);
	vrf_json_array_begin(j, "routes");
	for (size_t i = 0; i < vrf->n_routes; i++) {
		const struct vrf_route_def *route = &vrf->routes[i];

		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "dst", vrf_prefix_format(&route->dst, buf));
		vrf_json_string(j, "via", route->has_via ?
				vrf_addr_format(route->dst.family, &route->via, buf) : NULL);
		vrf_json_string(j, "dev", route->dev[0] ? route->dev : NULL);
		if (route->has_metric)
			vrf_json_uint(j, "metric", route->metric);
		else
			vrf_json_null(j, "metric");
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
	vrf_json_bool(j, "unreachable_default", vrf->unreachable_default);
	vrf_json_object_end(j);
}

static void json_docker(struct vrf_json *j, const struct vrf_docker *d)
{
	char buf[VRF_PREFIX_STRLEN];

	if (!d->present) {
		vrf_json_null(j, "docker");
		return;
	}
	vrf_json_object_begin(j, "docker");
	vrf_json_array_begin(j, "bridges");
	for (size_t i = 0; i < d->n_bridges; i++)
		vrf_json_string(j, NULL, d->bridges[i]);
	vrf_json_array_end(j);
	json_port_rules(j, "allow", d->allow, d->n_allow);
	vrf_json_bool(j, "isolate_containers", d->isolate_containers);
	vrf_json_array_begin(j, "allow_from");
	for (size_t i = 0; i < d->n_allow_from; i++)
		vrf_json_string(j, NULL, vrf_prefix_format(&d->allow_from[i], buf));
	vrf_json_array_end(j);
	json_port_rules(j, "host_allow", d->host_allow, d->n_host_allow);
	vrf_json_object_end(j);
}

void vrf_config_json(struct vrf_json *j, const char *key, const struct vrf_config *cfg)
{
	const struct vrf_global *g = &cfg->global;

	vrf_json_object_begin(j, key);
	vrf_json_array_begin(j, "files");
	for (size_t i = 0; i < cfg->n_files; i++)
		vrf_json_string(j, NULL, cfg->files[i]);
	vrf_json_array_end(j);

	vrf_json_object_begin(j, "global");
	json_tristate(j, "tcp_l3mdev_accept", g->tcp_l3mdev_accept);
	json_tristate(j, "udp_l3mdev_accept", g->udp_l3mdev_accept);
	json_tristate(j, "raw_l3mdev_accept", g->raw_l3mdev_accept);
	vrf_json_uint(j, "l3mdev_rule_pref", g->pref_l3mdev);
	vrf_json_uint(j, "unreachable_rule_pref", g->pref_unreachable);
	vrf_json_uint(j, "local_rule_pref", g->pref_local);
	vrf_json_uint(j, "bridge_rule_pref", g->pref_bridge);
	vrf_json_object_begin(j, "table_auto_range");
	vrf_json_uint(j, "lo", g->table_auto_min);
	vrf_json_uint(j, "hi", g->table_auto_max);
	vrf_json_object_end(j);
	vrf_json_uint(j, "route_protocol", g->route_protocol);
	vrf_json_object_end(j);

	vrf_json_array_begin(j, "vrfs");
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		json_vrf(j, &cfg->vrfs[i]);
	vrf_json_array_end(j);

	json_docker(j, &cfg->docker);
	vrf_json_object_end(j);
}

int vrf_config_write_json(const struct vrf_config *cfg, FILE *out)
{
	struct vrf_json j;
	int r;

	vrf_json_init(&j, out, true);
	vrf_config_json(&j, NULL, cfg);
	r = vrf_json_finish(&j);
	/* -EINVAL would be a bug here: the calls above are balanced. */
	return r < 0 ? -EIO : 0;
}
