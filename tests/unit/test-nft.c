/* SPDX-License-Identifier: MIT */
/*
 * The nft builder without a kernel: the text `vrfctl plan` shows, pinned in
 * tests/fixtures/nft/ (the netns test proves nft lists a loaded table exactly
 * so), and the transaction parsed back message by message: types, sequence
 * numbers, flags, chains, rule comments, and the expressions of a few rules
 * against what nft(8) itself generates for the same text (nft --debug=netlink).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "log-capture.h"

/* netinet/in.h (through these) before linux/netfilter.h's linux/in.h. */
#include "addr.h"
#include "config.h"
#include "nft.h"
#include "proto.h"

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

/* ---- fixtures ------------------------------------------------------------ */

struct fixture {
	struct vrf_config cfg;
	char log[VRF_TEST_LOG_SIZE];
	struct vrf_log logger;
	struct vrf_nft_batch batch;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->logger = VRF_TEST_LOG(f->log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vrf_nft_batch_free(&f->batch);
	vrf_config_free(&f->cfg);
	free(f);
	return 0;
}

static void add_bridge(struct vrf_docker *d, const char *name)
{
	d->bridges = realloc(d->bridges, (d->n_bridges + 1) * sizeof(*d->bridges));
	assert_non_null(d->bridges);
	snprintf(d->bridges[d->n_bridges++], IFNAMSIZ, "%s", name);
	d->present = true;
	d->where = (struct vrf_where){ "/etc/vrfctl.conf", 7 };
}

/* proto, then n (lo, hi) pairs; n == 0: the whole protocol. */
static void add_rule(struct vrf_port_rule **rules, size_t *n_rules, uint8_t proto, size_t n, ...)
{
	struct vrf_port_rule *r;
	va_list ap;

	*rules = realloc(*rules, (*n_rules + 1) * sizeof(**rules));
	assert_non_null(*rules);
	r = &(*rules)[(*n_rules)++];
	memset(r, 0, sizeof(*r));
	r->proto = proto;
	r->where = (struct vrf_where){ "/etc/vrfctl.conf", 9 };
	if (n) {
		r->ports = calloc(n, sizeof(*r->ports));
		assert_non_null(r->ports);
	}
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		r->ports[i].lo = (uint16_t)va_arg(ap, int);
		r->ports[i].hi = (uint16_t)va_arg(ap, int);
	}
	va_end(ap);
	r->n_ports = n;
}

static void add_from(struct vrf_docker *d, const char *text)
{
	d->allow_from = realloc(d->allow_from, (d->n_allow_from + 1) * sizeof(*d->allow_from));
	assert_non_null(d->allow_from);
	assert_int_equal(vrf_prefix_parse(text, &d->allow_from[d->n_allow_from++]), 0);
}

/* The example of the design. */
static void config_full(struct vrf_docker *d)
{
	add_bridge(d, "docker0");
	add_rule(&d->allow, &d->n_allow, IPPROTO_TCP, 1, 18000, 18300);
	d->isolate_containers = true;
	add_from(d, "172.17.0.10");
	add_rule(&d->host_allow, &d->n_host_allow, IPPROTO_TCP, 1, 8080, 8080);
}

static void config_two_bridges(struct vrf_docker *d)
{
	add_bridge(d, "docker0");
	add_bridge(d, "br-backend");
	add_rule(&d->allow, &d->n_allow, IPPROTO_TCP, 2, 80, 80, 443, 443);
	add_rule(&d->allow, &d->n_allow, IPPROTO_UDP, 0);
	add_rule(&d->allow, &d->n_allow, IPPROTO_SCTP, 1, 9000, 9010);
	d->isolate_containers = true;
	add_from(d, "172.16.0.0/12");
	add_from(d, "2001:db8::42");
	add_rule(&d->host_allow, &d->n_host_allow, IPPROTO_UDP, 1, 53, 53);
	add_rule(&d->host_allow, &d->n_host_allow, IPPROTO_TCP, 1, 53, 53);
}

static char *read_fixture(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[4096], *text;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/nft/%s", top ? top : ".", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return text;
}

static void assert_render(struct fixture *f, const char *fixture)
{
	char *text = NULL, *want = read_fixture(fixture);

	assert_int_equal(vrf_nft_render(&f->cfg.docker, &text), 0);
	assert_string_equal(text, want);
	free(text);
	free(want);
}

/* ---- the batch, parsed back ---------------------------------------------- */

struct parsed {
	uint16_t type[256];            /* nfnetlink message type, subsystem stripped */
	uint16_t flags[256];
	size_t n;
	struct nftnl_rule *rules[128];
	size_t n_rules;
	struct nftnl_chain *chains[4];
	size_t n_chains;
	struct nftnl_set *sets[8];     /* NEWSET */
	size_t n_sets;
	const struct nlmsghdr *elems[16];   /* NEWSETELEM, one per message */
	size_t n_elems;
};

static void parse_batch(const struct vrf_nft_batch *b, struct parsed *p)
{
	const struct nlmsghdr *nlh = b->buf;
	int left = (int)b->len;

	memset(p, 0, sizeof(*p));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
		uint16_t type = nlh->nlmsg_type;

		assert_true(p->n < 256);
		assert_int_equal(nlh->nlmsg_seq, b->seq_first + p->n);
		if (type != NFNL_MSG_BATCH_BEGIN && type != NFNL_MSG_BATCH_END) {
			assert_int_equal(type >> 8, NFNL_SUBSYS_NFTABLES);
			assert_int_equal(nfg->nfgen_family, NFPROTO_INET);
			type &= 0xff;
		} else {
			/* nfnetlink routes the whole batch to nf_tables. */
			assert_int_equal(ntohs(nfg->res_id), NFNL_SUBSYS_NFTABLES);
		}
		p->type[p->n] = type;
		p->flags[p->n++] = nlh->nlmsg_flags;
		if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			assert_int_equal(nftnl_rule_nlmsg_parse(nlh, r), 0);
			p->rules[p->n_rules++] = r;
		} else if (type == NFT_MSG_NEWCHAIN) {
			struct nftnl_chain *c = nftnl_chain_alloc();

			assert_int_equal(nftnl_chain_nlmsg_parse(nlh, c), 0);
			p->chains[p->n_chains++] = c;
		} else if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *set = nftnl_set_alloc();

			assert_true(p->n_sets < 8);
			assert_int_equal(nftnl_set_nlmsg_parse(nlh, set), 0);
			p->sets[p->n_sets++] = set;
		} else if (type == NFT_MSG_NEWSETELEM) {
			/* Read by set_elems(): libnftnl numbers the elements it
			 * builds 1, 2, ... where its parser (and a kernel dump)
			 * has NFTA_LIST_ELEM for each, so it cannot parse them. */
			assert_true(p->n_elems < 16);
			p->elems[p->n_elems++] = nlh;
		} else if (type == NFT_MSG_NEWTABLE || type == NFT_MSG_DELTABLE) {
			struct nftnl_table *t = nftnl_table_alloc();

			assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
			assert_string_equal(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "vrfctl");
			nftnl_table_free(t);
		}
	}
	/* Every byte is a whole message, and the count is the one we keep. */
	assert_int_equal(left, 0);
	assert_int_equal(p->n, b->n_msgs);
}

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		nftnl_rule_free(p->rules[i]);
	for (size_t i = 0; i < p->n_chains; i++)
		nftnl_chain_free(p->chains[i]);
	for (size_t i = 0; i < p->n_sets; i++)
		nftnl_set_free(p->sets[i]);
}

/* A NEWSETELEM message's set id (0 if none). */
static uint32_t elems_set_id(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET_ID)
			return ntohl(mnl_attr_get_u32(a));
	return 0;
}

/* The elements of NEWSETELEM messages [from, to), as "KEY" or "KEY end" (and
 * " open" for nft's open-interval mark), in the order sent, one a line. */
static char *set_elems(struct parsed *p, size_t from, size_t to)
{
	char *out = calloc(1, 65536);
	const struct nlattr *list, *elem, *a, *v;

	assert_non_null(out);
	for (size_t m = from; m < to; m++) {
		mnl_attr_for_each(list, p->elems[m], sizeof(struct nfgenmsg)) {
			if (mnl_attr_get_type(list) != NFTA_SET_ELEM_LIST_ELEMENTS)
				continue;
			mnl_attr_for_each_nested(elem, list) {
				unsigned key = 0;
				bool end = false, open = false;

				mnl_attr_for_each_nested(a, elem) {
					switch (mnl_attr_get_type(a)) {
					case NFTA_SET_ELEM_KEY:
						mnl_attr_for_each_nested(v, a) {
							assert_int_equal(mnl_attr_get_payload_len(v), 2);
							key = ntohs(mnl_attr_get_u16(v));
						}
						break;
					case NFTA_SET_ELEM_FLAGS:
						end = ntohl(mnl_attr_get_u32(a)) & NFT_SET_ELEM_INTERVAL_END;
						break;
					case NFTA_SET_ELEM_USERDATA:
						open = true;
						break;
					}
				}
				snprintf(out + strlen(out), 65536 - strlen(out), "%u%s%s\n", key,
					 end ? " end" : "", open ? " open" : "");
			}
		}
	}
	return out;
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT)
		*(const char **)data = nftnl_udata_get(attr);
	return 0;
}

static const char *rule_comment(struct nftnl_rule *r)
{
	const char *comment = NULL;
	uint32_t len = 0;
	const void *ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);

	assert_non_null(ud);
	assert_int_equal(nftnl_udata_parse(ud, len, comment_cb, &comment), 0);
	assert_non_null(comment);
	return comment;
}

/* The expressions as nft --debug=netlink prints them, one "[ ... ]" per line. */
static char *rule_exprs(struct nftnl_rule *r)
{
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	char *out = calloc(1, 8192), one[1024];

	assert_non_null(out);
	while ((e = nftnl_expr_iter_next(it))) {
		nftnl_expr_snprintf(one, sizeof(one), e, NFTNL_OUTPUT_DEFAULT, 0);
		snprintf(out + strlen(out), 8192 - strlen(out), "[ %s %s]\n",
			 nftnl_expr_get_str(e, NFTNL_EXPR_NAME), one);
	}
	nftnl_expr_iter_destroy(it);
	return out;
}

static struct nftnl_rule *find_rule(struct parsed *p, const char *comment)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(rule_comment(p->rules[i]), comment) == 0)
			return p->rules[i];
	fail_msg("no rule '%s'", comment);
	return NULL;
}

/* ---- tests --------------------------------------------------------------- */

static void test_render_minimal(void **state)
{
	struct fixture *f = *state;

	add_bridge(&f->cfg.docker, "docker0");
	assert_render(f, "minimal.nft");
}

static void test_render_full(void **state)
{
	struct fixture *f = *state;

	config_full(&f->cfg.docker);
	assert_render(f, "full.nft");
}

static void test_render_two_bridges(void **state)
{
	struct fixture *f = *state;

	config_two_bridges(&f->cfg.docker);
	assert_render(f, "two-bridges.nft");
}

/* The shipped examples, through the real parser, give their pinned rulesets. */
static void test_render_example_config(void **state)
{
	static const char *const examples[] = { "isolation", "sandbox", "workstation" };
	struct fixture *f = *state;
	const char *top = getenv("top_srcdir");
	char path[4096], want[64];
	const char *paths[] = { path };

	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		snprintf(path, sizeof(path), "%s/examples/docker-%s.conf", top ? top : ".",
			 examples[i]);
		snprintf(want, sizeof(want), "%s-example.nft", examples[i]);
		vrf_config_free(&f->cfg);
		assert_int_equal(vrf_config_load_files(&f->cfg, paths, 1, &f->logger), 0);
		assert_render(f, want);
	}
}

/* No [docker] section, or one without a bridge: nothing to show or load. */
static void test_render_empty(void **state)
{
	struct fixture *f = *state;
	char *text = NULL;

	assert_false(vrf_nft_wanted(&f->cfg.docker));
	assert_int_equal(vrf_nft_render(&f->cfg.docker, &text), 0);
	assert_string_equal(text, "");
	free(text);
	f->cfg.docker.present = true;
	assert_false(vrf_nft_wanted(&f->cfg.docker));
	assert_false(vrf_nft_wanted(NULL));
}

/* Nothing wanted: the batch only removes the table, add-then-delete. */
static void test_batch_delete_only(void **state)
{
	struct fixture *f = *state;
	struct parsed p;

	assert_int_equal(vrf_nft_batch_build(NULL, 1000, &f->batch), 0);
	parse_batch(&f->batch, &p);
	assert_int_equal(p.n, 4);
	assert_int_equal(p.type[0], NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(p.type[1], NFT_MSG_NEWTABLE);
	assert_int_equal(p.type[2], NFT_MSG_DELTABLE);
	assert_int_equal(p.type[3], NFNL_MSG_BATCH_END);
	assert_true(p.flags[1] & NLM_F_CREATE);
	/* Not EXCL: adding an existing table is what makes the delete safe. */
	assert_false(p.flags[1] & NLM_F_EXCL);
	assert_true(p.flags[1] & NLM_F_ACK);
	assert_true(p.flags[2] & NLM_F_ACK);
	assert_false(p.flags[0] & NLM_F_ACK);
	assert_string_equal(f->batch.what[2], "delete table 'inet vrfctl'");
	parsed_free(&p);
}

static void test_batch_full(void **state)
{
	struct fixture *f = *state;
	static const char *const comments[] = {
		"docker0: replies",
		"docker0: allow tcp @allow_tcp",
		"docker0: drop inbound",
		"docker0: isolate nd-neighbor-solicit",
		"docker0: isolate nd-neighbor-advert",
		"docker0: allow-from 172.17.0.10",
		"docker0: isolate containers",
		"docker0: host replies",
		"docker0: host nd-neighbor-solicit",
		"docker0: host nd-neighbor-advert",
		"docker0: host-allow tcp @host_allow_tcp",
		"docker0: drop to host",
	};
	const size_t n_comments = sizeof(comments) / sizeof(comments[0]);
	char what[VRF_NFT_COMMENT_MAX + 32];
	struct parsed p;
	char *exprs;

	config_full(&f->cfg.docker);
	assert_int_equal(vrf_nft_batch_build(&f->cfg.docker, 77, &f->batch), 0);
	assert_int_equal(f->batch.seq_first, 77);
	parse_batch(&f->batch, &p);
	/* BEGIN, add, delete, add, 2 sets with their elements, 2 chains, the
	 * rules, END: a set before the rules that look it up. */
	assert_int_equal(p.n, 4 + 4 + 2 + n_comments + 1);
	assert_int_equal(p.type[0], NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(p.type[1], NFT_MSG_NEWTABLE);
	assert_int_equal(p.type[2], NFT_MSG_DELTABLE);
	assert_int_equal(p.type[3], NFT_MSG_NEWTABLE);
	assert_int_equal(p.type[4], NFT_MSG_NEWSET);
	assert_int_equal(p.type[5], NFT_MSG_NEWSETELEM);
	assert_int_equal(p.type[6], NFT_MSG_NEWSET);
	assert_int_equal(p.type[7], NFT_MSG_NEWSETELEM);
	assert_int_equal(p.type[8], NFT_MSG_NEWCHAIN);
	assert_int_equal(p.type[9], NFT_MSG_NEWCHAIN);
	for (size_t i = 4; i < 8; i++)
		assert_true(p.flags[i] & NLM_F_ACK);
	assert_string_equal(f->batch.what[4], "add set 'allow_tcp'");
	assert_string_equal(f->batch.what[5], "add elements to set 'allow_tcp'");

	/* Sets: as nft makes `type inet_service` [`flags interval`]. */
	assert_int_equal(p.n_sets, 2);
	assert_string_equal(nftnl_set_get_str(p.sets[0], NFTNL_SET_NAME), "allow_tcp");
	assert_string_equal(nftnl_set_get_str(p.sets[1], NFTNL_SET_NAME), "host_allow_tcp");
	/* A range: an interval set; a single port: a hash set, no flags. */
	assert_int_equal(nftnl_set_get_u32(p.sets[0], NFTNL_SET_FLAGS), NFT_SET_INTERVAL);
	assert_int_equal(nftnl_set_get_u32(p.sets[1], NFTNL_SET_FLAGS), 0);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(nftnl_set_get_str(p.sets[i], NFTNL_SET_TABLE), "vrfctl");
		assert_int_equal(nftnl_set_get_u32(p.sets[i], NFTNL_SET_KEY_TYPE), 13);
		assert_int_equal(nftnl_set_get_u32(p.sets[i], NFTNL_SET_KEY_LEN), 2);
		assert_int_equal(nftnl_set_get_u32(p.sets[i], NFTNL_SET_ID), i + 1);
		assert_int_equal(elems_set_id(p.elems[i]), i + 1);
	}
	exprs = set_elems(&p, 0, 1);
	assert_string_equal(exprs, "18000\n18301 end\n");
	free(exprs);
	exprs = set_elems(&p, 1, 2);
	assert_string_equal(exprs, "8080\n");
	free(exprs);
	for (size_t i = 10; i < p.n - 1; i++) {
		assert_int_equal(p.type[i], NFT_MSG_NEWRULE);
		assert_true(p.flags[i] & NLM_F_APPEND);
		assert_true(p.flags[i] & NLM_F_ACK);
	}
	assert_int_equal(p.type[p.n - 1], NFNL_MSG_BATCH_END);
	assert_false(p.flags[p.n - 1] & NLM_F_ACK);

	/* Chains: base chains at filter - 10, policy accept. */
	assert_int_equal(p.n_chains, 2);
	assert_string_equal(nftnl_chain_get_str(p.chains[0], NFTNL_CHAIN_NAME), "forward");
	assert_int_equal(nftnl_chain_get_u32(p.chains[0], NFTNL_CHAIN_HOOKNUM), NF_INET_FORWARD);
	assert_string_equal(nftnl_chain_get_str(p.chains[1], NFTNL_CHAIN_NAME), "input");
	assert_int_equal(nftnl_chain_get_u32(p.chains[1], NFTNL_CHAIN_HOOKNUM), NF_INET_LOCAL_IN);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(nftnl_chain_get_s32(p.chains[i], NFTNL_CHAIN_PRIO), -10);
		assert_int_equal(nftnl_chain_get_u32(p.chains[i], NFTNL_CHAIN_POLICY), NF_ACCEPT);
		assert_string_equal(nftnl_chain_get_str(p.chains[i], NFTNL_CHAIN_TYPE), "filter");
		assert_string_equal(nftnl_chain_get_str(p.chains[i], NFTNL_CHAIN_TABLE), "vrfctl");
	}

	/* Rules in order, each in its chain, each named by its comment. */
	assert_int_equal(p.n_rules, n_comments);
	for (size_t i = 0; i < n_comments; i++) {
		assert_string_equal(rule_comment(p.rules[i]), comments[i]);
		assert_string_equal(nftnl_rule_get_str(p.rules[i], NFTNL_RULE_CHAIN),
				    i < 7 ? "forward" : "input");
		assert_string_equal(nftnl_rule_get_str(p.rules[i], NFTNL_RULE_TABLE), "vrfctl");
		/* What an error on this message would be reported as. */
		snprintf(what, sizeof(what), "add rule '%s'", comments[i]);
		assert_string_equal(f->batch.what[10 + i], what);
	}

	/* Bytecode as nft --debug=netlink shows for the same rule text, but
	 * the lookup's flags (0) set: the kernel dumps them, and drift compares
	 * the dump with this. */
	exprs = rule_exprs(find_rule(&p, "docker0: allow tcp @allow_tcp"));
	assert_string_equal(exprs,
		"[ meta load oifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load iifname => reg 1 ]\n"
		"[ cmp neq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load l4proto => reg 1 ]\n"
		"[ cmp eq reg 1 0x00000006 ]\n"
		"[ payload load 2b @ transport header + 2 => reg 1 ]\n"
		"[ lookup reg 1 set allow_tcp 0x0 ]\n"
		"[ immediate reg 0 accept ]\n");
	free(exprs);
	exprs = rule_exprs(find_rule(&p, "docker0: replies"));
	assert_string_equal(exprs,
		"[ meta load oifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ ct load state => reg 1 ]\n"
		"[ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]\n"
		"[ cmp neq reg 1 0x00000000 ]\n"
		"[ immediate reg 0 accept ]\n");
	free(exprs);
	exprs = rule_exprs(find_rule(&p, "docker0: allow-from 172.17.0.10"));
	assert_string_equal(exprs,
		"[ meta load iifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load oifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load nfproto => reg 1 ]\n"
		"[ cmp eq reg 1 0x00000002 ]\n"
		"[ payload load 4b @ network header + 12 => reg 1 ]\n"
		"[ cmp eq reg 1 0x0a0011ac ]\n"
		"[ immediate reg 0 accept ]\n");
	free(exprs);
	exprs = rule_exprs(find_rule(&p, "docker0: drop inbound"));
	assert_string_equal(exprs,
		"[ meta load oifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load iifname => reg 1 ]\n"
		"[ cmp neq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ counter pkts 0 bytes 0 ]\n"
		"[ immediate reg 0 drop ]\n");
	free(exprs);
	exprs = rule_exprs(find_rule(&p, "docker0: host nd-neighbor-solicit"));
	assert_string_equal(exprs,
		"[ meta load iifname => reg 1 ]\n"
		"[ cmp eq reg 1 0x6b636f64 0x00307265 0x00000000 0x00000000 ]\n"
		"[ meta load nfproto => reg 1 ]\n"
		"[ cmp eq reg 1 0x0000000a ]\n"
		"[ meta load l4proto => reg 1 ]\n"
		"[ cmp eq reg 1 0x0000003a ]\n"
		"[ payload load 1b @ transport header + 0 => reg 1 ]\n"
		"[ cmp eq reg 1 0x00000087 ]\n"
		"[ immediate reg 0 accept ]\n");
	free(exprs);
	parsed_free(&p);
}

/* Prefixes off a byte boundary are masked; IPv6 ones load the right offset. */
static void test_batch_prefixes(void **state)
{
	struct fixture *f = *state;
	struct parsed p;
	char *exprs;

	config_two_bridges(&f->cfg.docker);
	assert_int_equal(vrf_nft_batch_build(&f->cfg.docker, 1, &f->batch), 0);
	parse_batch(&f->batch, &p);
	exprs = rule_exprs(find_rule(&p, "br-backend: allow-from 172.16.0.0/12"));
	assert_non_null(strstr(exprs,
		"[ meta load nfproto => reg 1 ]\n"
		"[ cmp eq reg 1 0x00000002 ]\n"
		"[ payload load 4b @ network header + 12 => reg 1 ]\n"
		"[ bitwise reg 1 = ( reg 1 & 0x0000f0ff ) ^ 0x00000000 ]\n"
		"[ cmp eq reg 1 0x000010ac ]\n"));
	free(exprs);
	exprs = rule_exprs(find_rule(&p, "docker0: allow-from 2001:db8::42"));
	assert_non_null(strstr(exprs,
		"[ cmp eq reg 1 0x0000000a ]\n"
		"[ payload load 16b @ network header + 8 => reg 1 ]\n"
		"[ cmp eq reg 1 0xb80d0120 0x00000000 0x00000000 0x42000000 ]\n"));
	free(exprs);
	/* A whole protocol: no port match at all. */
	exprs = rule_exprs(find_rule(&p, "docker0: allow udp"));
	assert_null(strstr(exprs, "payload"));
	assert_non_null(strstr(exprs, "[ cmp eq reg 1 0x00000011 ]\n[ immediate reg 0 accept ]\n"));
	free(exprs);
	/* Two bridges: the second one's rules follow the first's, per chain. */
	assert_string_equal(rule_comment(p.rules[10]), "br-backend: replies");
	/* ... and look up the same sets. */
	exprs = rule_exprs(find_rule(&p, "br-backend: allow sctp @allow_sctp"));
	assert_non_null(strstr(exprs, "[ lookup reg 1 set allow_sctp 0x0 ]\n"));
	free(exprs);
	assert_int_equal(p.n_sets, 4);
	parsed_free(&p);
}

/*
 * A list's ranges for one protocol become one set, sorted and merged where
 * they overlap or touch (the kernel refuses overlapping intervals); a range
 * to 65535 has no end element but nft's open mark; a protocol one line takes
 * whole needs no set; single ports only make a hash set; a long list goes
 * out ELEMS_PER_MSG elements a message.
 */
static void test_batch_sets(void **state)
{
	struct fixture *f = *state;
	struct vrf_docker *d = &f->cfg.docker;
	struct parsed p;
	char *text = NULL, *elems;

	add_bridge(d, "docker0");
	add_rule(&d->allow, &d->n_allow, IPPROTO_TCP, 3, 443, 443, 80, 81, 150, 250);
	add_rule(&d->allow, &d->n_allow, IPPROTO_UDP, 1, 53, 53);
	add_rule(&d->allow, &d->n_allow, IPPROTO_TCP, 3, 82, 82, 100, 200, 60000, 65535);
	add_rule(&d->allow, &d->n_allow, IPPROTO_UDP, 0);
	assert_int_equal(vrf_nft_render(d, &text), 0);
	assert_non_null(strstr(text, "\t\telements = { 80-82, 100-250, 443, 60000-65535 }\n"));
	assert_null(strstr(text, "allow_udp"));
	assert_non_null(strstr(text, "meta l4proto udp accept comment \"docker0: allow udp\"\n"));
	free(text);
	assert_int_equal(vrf_nft_batch_build(d, 1, &f->batch), 0);
	parse_batch(&f->batch, &p);
	assert_int_equal(p.n_sets, 1);
	elems = set_elems(&p, 0, p.n_elems);
	assert_string_equal(elems, "80\n83 end\n100\n251 end\n443\n444 end\n60000 open\n");
	free(elems);
	parsed_free(&p);
	vrf_nft_batch_free(&f->batch);

	/* 300 single ports, none touching: a hash set, 300 elements in 3
	 * messages. */
	vrf_config_free(&f->cfg);
	memset(&f->cfg, 0, sizeof(f->cfg));
	add_bridge(d, "docker0");
	for (int i = 0; i < 300; i++)
		add_rule(&d->allow, &d->n_allow, IPPROTO_TCP, 1, 1000 + 2 * i, 1000 + 2 * i);
	assert_int_equal(vrf_nft_render(d, &text), 0);
	/* Five to a line, the way nft lists them. */
	assert_non_null(strstr(text, "{ 1000, 1002, 1004, 1006, 1008,\n\t\t\t     1010, "));
	free(text);
	assert_int_equal(vrf_nft_batch_build(d, 1, &f->batch), 0);
	parse_batch(&f->batch, &p);
	assert_int_equal(p.n_elems, 3);
	assert_int_equal(nftnl_set_get_u32(p.sets[0], NFTNL_SET_FLAGS), 0);
	elems = set_elems(&p, 0, 1);
	assert_int_equal(strlen(elems), 128 * strlen("1000\n"));
	free(elems);
	parsed_free(&p);
}

/*
 * One protocol table for the config and the rules: a protocol prints by the
 * name nft prints (89 is "ospf", as in /etc/protocols), one without a name
 * as its number. Ports on a protocol without them, or a reversed range, are
 * the config's to refuse (tests/fixtures/bad), not checked again here.
 */
static void test_proto_names(void **state)
{
	struct fixture *f = *state;
	struct vrf_docker *d = &f->cfg.docker;
	char *text = NULL;

	add_bridge(d, "docker0");
	add_rule(&d->allow, &d->n_allow, 89, 0);
	add_rule(&d->allow, &d->n_allow, 58, 0);
	add_rule(&d->allow, &d->n_allow, 200, 0);
	add_rule(&d->allow, &d->n_allow, IPPROTO_DCCP, 1, 5000, 5000);
	assert_int_equal(vrf_nft_render(d, &text), 0);
	assert_non_null(strstr(text, "meta l4proto ospf accept comment \"docker0: allow ospf\""));
	assert_non_null(strstr(text,
		"meta l4proto ipv6-icmp accept comment \"docker0: allow ipv6-icmp\""));
	assert_non_null(strstr(text, "meta l4proto 200 accept comment \"docker0: allow proto 200\""));
	assert_non_null(strstr(text,
		"dccp dport @allow_dccp accept comment \"docker0: allow dccp @allow_dccp\""));
	free(text);
	assert_string_equal(vrf_proto_name(58), "ipv6-icmp");
	assert_int_equal(vrf_proto_number("ICMPv6"), 58);
	assert_int_equal(vrf_proto_number("no-such-protocol"), -ENOENT);
	assert_true(vrf_proto_has_ports(IPPROTO_UDPLITE));
	assert_false(vrf_proto_has_ports(IPPROTO_GRE));
}

/*
 * Names no interface here carries (Docker not started yet): pending, each
 * named with its file:line, a typo with the interface it likely means; the
 * table is loaded all the same (it matches bridges by name).
 */
static void test_validate_missing_bridge(void **state)
{
	struct fixture *f = *state;
	struct vrf_pending_list pending = { 0 };

	add_bridge(&f->cfg.docker, "vrfctl-nobr0");
	add_bridge(&f->cfg.docker, "lo");
	add_bridge(&f->cfg.docker, "l0");
	assert_int_equal(vrf_nft_validate(&f->cfg.docker, &pending, &f->logger), 0);
	assert_string_equal(f->log,
		"/etc/vrfctl.conf:7: bridge 'vrfctl-nobr0' does not exist yet (docker network ls; "
		"its rules are loaded all the same): pending\n"
		"/etc/vrfctl.conf:7: bridge 'l0' does not exist yet (docker network ls; its rules "
		"are loaded all the same): pending (did you mean 'lo'?)\n");
	assert_int_equal(pending.n, 2);
	assert_int_equal(pending.items[0].kind, VRF_PENDING_DOCKER_BRIDGE);
	assert_string_equal(pending.items[1].name, "l0");
	vrf_pending_free(&pending);
	/* Nothing wanted: nothing to check. */
	assert_int_equal(vrf_nft_validate(NULL, NULL, &f->logger), 0);
}

static void test_free_null_safe(void **state)
{
	(void)state;
	vrf_nft_batch_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_render_minimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_two_bridges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_example_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_delete_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_prefixes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proto_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validate_missing_bridge, setup, teardown),
		cmocka_unit_test(test_free_null_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
