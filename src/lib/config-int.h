/* SPDX-License-Identifier: MIT */
#ifndef VRF_CONFIG_INT_H
#define VRF_CONFIG_INT_H
/*
 * Between the config files only, one per stage of a load:
 *  - config-read.c reads the files line by line around inih, keeps FILE:LINE
 *    and the held-back errors, and is the loader (config.h's entry points);
 *  - config-parse.c turns sections and "key = value" into the model, checking
 *    each value as it comes;
 *  - config-check.c checks what needs the whole config, after the last file;
 *  - config-json.c writes the result.
 * struct parse is the state of one load, shared by the first three.
 */

#include <stdbool.h>
#include <stddef.h>

#include "array.h"
#include "config.h"
#include "strmap.h"

/*
 * Byte loops for the config's short words, instead of strspn, strcspn,
 * strtok_r and isalnum: glibc's SSE4.2 string functions cost more to set up
 * than a loop over a word of a few bytes, and the emulated CPU of the test VM
 * (qemu TCG) runs their instructions slowly: with isalnum's locale lookup
 * they were an eighth of a no-op apply at 1000 VRFs there. The config is
 * ASCII to us: these are the "C" locale's classes, which vrfctl runs in.
 */
static inline bool vrf_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool vrf_is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline char *vrf_skip_blanks(char *s)
{
	while (vrf_is_blank(*s))
		s++;
	return s;
}

/*
 * The next word at *cursor, cut off with a NUL, or NULL after the last one,
 * as strtok_r(..., " \t") does (" \t," with commas).
 */
static inline char *vrf_next_word(char **cursor, bool commas)
{
	char *s = *cursor, *word;

	while (vrf_is_blank(*s) || (commas && *s == ','))
		s++;
	if (!*s) {
		*cursor = s;
		return NULL;
	}
	word = s;
	while (*s && !vrf_is_blank(*s) && !(commas && *s == ','))
		s++;
	if (*s)
		*s++ = '\0';
	*cursor = s;
	return word;
}

enum section_kind { SEC_NONE, SEC_GLOBAL, SEC_VRF, SEC_DOCKER, SEC_SKIP };

enum {
	G_TCP_ACCEPT, G_UDP_ACCEPT, G_RAW_ACCEPT, G_PREF_L3MDEV, G_PREF_UNREACHABLE,
	G_PREF_LOCAL, G_PREF_BRIDGE, G_TABLE_AUTO_RANGE, G_ROUTE_PROTOCOL, G_N
};
enum { V_TABLE, V_MEMBERS, V_BRIDGES, V_NETWORKS, V_ROUTE, V_UNREACHABLE_DEFAULT, V_N };
enum { D_BRIDGE, D_NETWORK, D_ALLOW, D_ISOLATE, D_ALLOW_FROM, D_HOST_ALLOW, D_N };

struct key_def {
	const char *name;
	int id;
	bool repeatable;             /* repeating adds; otherwise once only */
};

/* [global]'s keys, indexed by G_*: the checks name them in messages. */
extern const struct key_def vrf_config_global_keys[];

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

/* ---- config-read.c: reporting ---------------------------------------------- */

/* Say "out of memory" once and remember it: the load then fails with -ENOMEM. */
static inline void out_of_memory(struct parse *p)
{
	/* Once: after the first failure the rest is noise. */
	if (!p->enomem)
		vrf_err(p->log, "out of memory");
	p->enomem = true;
}

/*
 * Count an error at where and hold it back: the messages are logged in file
 * and line order when the load ends, whichever stage found them.
 */
__attribute__((format(printf, 3, 4)))
void vrf_config_error_at(struct parse *p, struct vrf_where where, const char *fmt, ...);

static inline void *reported(struct parse *p, void *elem)
{
	if (!elem)
		out_of_memory(p);
	return elem;
}

/* VRF_ARRAY_PUSH, saying "out of memory" when it fails: the new zeroed element or NULL. */
#define PUSH(p, items, n) ((__typeof__(&(items)[0]))reported((p), VRF_ARRAY_PUSH(items, n)))

/* The line being read. */
static inline struct vrf_where here(const struct parse *p)
{
	return (struct vrf_where){ .file = p->file, .line = p->line };
}

/* An error on the line being read. */
#define perr(p, ...) vrf_config_error_at((p), here(p), __VA_ARGS__)

/* ---- config-parse.c: sections and keys ------------------------------------- */

/* A section line: text is what is between '[' and ']'; sets p->sec. */
void vrf_config_section(struct parse *p, char *text);

/* inih's handler: one "key = value" of the section p->sec. Returns 1 (go on). */
int vrf_config_on_key(void *user, const char *section_name, const char *key, const char *value);

/* Free what the parse keeps beside the model (p->cfg is the caller's). */
void vrf_config_parse_free(struct parse *p);

/* ---- config-check.c --------------------------------------------------------- */

/* The checks that need the whole config, once every file is read. */
void vrf_config_check(struct parse *p);

#endif
