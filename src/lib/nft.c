/* SPDX-License-Identifier: MIT */
/*
 * table inet vrfctl through libnftnl and libmnl: the only file that speaks
 * nf_tables. Three separate steps, libmnl style: build the transaction into
 * a buffer (vrf_nft_batch_build, unit-tested without a socket), send it,
 * parse the replies. Reading the kernel's table back (drift, counters) is a
 * dump per object type, filtered to our table.
 *
 * The expressions mirror what nft(8) itself generates for the same rule
 * text, so that `nft list table inet vrfctl` prints exactly what
 * vrf_nft_render() shows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "array.h"
#include "guess.h"
#include "nft-int.h"
#include "sock.h"

/* Room reserved for one message; a rule here is well under 2 KiB. */
#define MSG_ROOM 8192
/* Receive buffer for dumps: the kernel grows dump skbs up to 32 KiB. */
#define RECV_SIZE 65536
/* How long to wait for nf_tables to answer a transaction. */
#define REPLY_TIMEOUT_MS 5000
/* nft's datatype number of inet_service (a port, 2 bytes, network order). */
#define TYPE_INET_SERVICE 13
/* Set elements per NEWSETELEM message: each is under 48 bytes, so a message
 * stays well inside MSG_ROOM. */
#define ELEMS_PER_MSG 128
/* ct state bits: NF_CT_STATE_BIT(IP_CT_ESTABLISHED) | ..(IP_CT_RELATED). */
#define CT_STATE_ESTREL 0x6u

/* ---- errors -------------------------------------------------------------- */

/* err is -errno; what says which step. Returns the error to pass on. */
static int report(const struct vrf_log *log, int err, const char *what)
{
	if (err == -EOPNOTSUPP || err == -EPROTONOSUPPORT || err == -EAFNOSUPPORT) {
		vrf_err(log, "nf_tables is not available in this kernel (modprobe nf_tables?)");
		return -EOPNOTSUPP;
	}
	if (err == -EPERM)
		vrf_err(log, "nft: %s: %s (CAP_NET_ADMIN is needed)", what, strerror(-err));
	else
		vrf_err(log, "nft: %s: %s", what, strerror(-err));
	return err;
}

/* ---- expressions --------------------------------------------------------- */

/* Append an expression; false (and nothing appended) when out of memory. */
static struct nftnl_expr *expr_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static bool meta_load(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr_add(r, "meta");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return true;
}

static bool cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "cmp");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return true;
}

static bool payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "payload");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return true;
}

static bool bitwise(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr_add(r, "bitwise");

	if (!e)
		return false;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return true;
}

static bool cmp_u8(struct nftnl_rule *r, uint32_t op, uint8_t v)
{
	return cmp(r, op, &v, sizeof(v));
}

static bool match_nfproto(struct nftnl_rule *r, uint8_t nfproto)
{
	return meta_load(r, NFT_META_NFPROTO) && cmp_u8(r, NFT_CMP_EQ, nfproto);
}

static bool match_l4proto(struct nftnl_rule *r, uint8_t proto)
{
	return meta_load(r, NFT_META_L4PROTO) && cmp_u8(r, NFT_CMP_EQ, proto);
}

/* nft loads only the whole bytes of a byte-aligned prefix, else masks. */
static bool match_saddr(struct nftnl_rule *r, const struct vrf_prefix *p)
{
	bool v4 = p->family == AF_INET;
	uint32_t alen = v4 ? 4 : 16;
	uint8_t mask[16] = { 0 }, addr[16];

	if (!match_nfproto(r, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6))
		return false;
	if (p->len == 0)
		return true;
	if (p->len % 8 == 0)
		return payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, p->len / 8u) &&
		       cmp(r, NFT_CMP_EQ, p->addr.bytes, p->len / 8u);
	for (unsigned bit = 0; bit < p->len; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	for (unsigned i = 0; i < alen; i++)
		addr[i] = p->addr.bytes[i] & mask[i];
	return payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, alen) &&
	       bitwise(r, mask, alen) && cmp(r, NFT_CMP_EQ, addr, alen);
}

/* The set's id in the transaction: its place in the ruleset, from 1. */
static uint32_t set_id(const struct vrf_nft_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->n_sets; i++)
		if (strcmp(rs->sets[i].name, name) == 0)
			return (uint32_t)i + 1;
	return 0;
}

static bool match_expr(struct nftnl_rule *r, const struct vrf_nft_ruleset *rs,
		       const struct vrf_nft_match *m)
{
	char name[IFNAMSIZ] = { 0 };
	uint32_t state = CT_STATE_ESTREL, zero = 0;
	struct nftnl_expr *e;

	switch (m->kind) {
	case VRF_NM_IIFNAME:
	case VRF_NM_OIFNAME:
		/* All IFNAMSIZ bytes, NUL-padded: an exact name, not a prefix. */
		memcpy(name, m->ifname, strnlen(m->ifname, IFNAMSIZ - 1));
		return meta_load(r, m->kind == VRF_NM_IIFNAME ? NFT_META_IIFNAME :
				 NFT_META_OIFNAME) &&
		       cmp(r, m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, name, sizeof(name));
	case VRF_NM_CT_ESTREL:
		if (!(e = expr_add(r, "ct")))
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		return bitwise(r, &state, sizeof(state)) &&
		       cmp(r, NFT_CMP_NEQ, &zero, sizeof(zero));
	case VRF_NM_SADDR:
		return match_saddr(r, &m->prefix);
	case VRF_NM_L4PROTO:
		return match_l4proto(r, m->proto);
	case VRF_NM_DPORT_SET:
		if (!payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2) || !(e = expr_add(r, "lookup")))
			return false;
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, m->set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, set_id(rs, m->set));
		/* The kernel dumps the flags even when 0: set them for drift's sake. */
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
		return true;
	case VRF_NM_ICMPV6_TYPE:
		return match_nfproto(r, NFPROTO_IPV6) && match_l4proto(r, IPPROTO_ICMPV6) &&
		       payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1) &&
		       cmp_u8(r, NFT_CMP_EQ, m->icmp_type);
	}
	return false;
}

/* One rule of the description as a libnftnl rule; NULL when out of memory. */
static struct nftnl_rule *rule_object(const struct vrf_nft_ruleset *rs,
				      const struct vrf_nft_rule *nr)
{
	struct nftnl_udata_buf *ud = NULL;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;
	bool ok = r != NULL;

	if (!ok)
		goto out;
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, VRF_NFT_TABLE);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, vrf_nft_chains[nr->chain].name);
	for (size_t i = 0; i < nr->n_m && ok; i++)
		ok = match_expr(r, rs, &nr->m[i]);
	if (ok && nr->counter)
		ok = expr_add(r, "counter") != NULL;
	if (ok && (ok = (e = expr_add(r, "immediate")) != NULL)) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, nr->drop ? NF_DROP : NF_ACCEPT);
	}
	/* The comment, as nft stores it: a NUL-terminated TLV in the userdata. */
	if (ok)
		ok = (ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) != NULL &&
		     nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, nr->comment);
	if (ok)
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
out:
	if (ud)
		nftnl_udata_buf_free(ud);
	if (!ok && r) {
		nftnl_rule_free(r);
		r = NULL;
	}
	return r;
}

static struct nftnl_chain *chain_object(enum vrf_nft_chain_id c)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();

	if (!ch)
		return NULL;
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, VRF_NFT_TABLE);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, vrf_nft_chains[c].name);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, vrf_nft_chains[c].hook);
	nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, vrf_nft_chains[c].prio);
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	return ch;
}

/* A set as NEWSET and NEWSETELEM name it: table, name, id. */
static struct nftnl_set *set_object(const struct vrf_nft_set *set, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, VRF_NFT_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set->name);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	return s;
}

/*
 * Elements [from, to) of the set, the kernel's way: a key for each port of a
 * hash set; for an interval set a key where a range starts, and one with
 * INTERVAL_END just past where it ends. A range that ends at 65535 has no
 * end; nft marks its start as open (userdata) to list it as LO-65535, so
 * this does too.
 */
static bool set_elems_add(struct nftnl_set *s, const struct vrf_nft_set *set, size_t from,
			  size_t to)
{
	/* A userdata TLV as nftnl_udata_put_u32 writes it: type, length, value
	 * in host order. */
	uint32_t open = NFTNL_SET_ELEM_F_INTERVAL_OPEN;
	unsigned char open_flag[2 + sizeof(open)] = { NFTNL_UDATA_SET_ELEM_FLAGS, sizeof(open) };

	memcpy(open_flag + 2, &open, sizeof(open));
	for (size_t i = from; i < to; i++) {
		const struct vrf_port_range *r = &set->ranges[i];
		struct nftnl_set_elem *start = nftnl_set_elem_alloc(), *end = NULL;
		uint16_t key = htons(r->lo);

		if (!start)
			return false;
		nftnl_set_elem_set(start, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
		nftnl_set_elem_add(s, start);
		if (!set->interval)
			continue;
		if (r->hi == UINT16_MAX) {
			if (nftnl_set_elem_set(start, NFTNL_SET_ELEM_USERDATA, open_flag,
					       sizeof(open_flag)) < 0)
				return false;
			continue;
		}
		if (!(end = nftnl_set_elem_alloc()))
			return false;
		key = htons((uint16_t)(r->hi + 1));
		nftnl_set_elem_set(end, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
		nftnl_set_elem_set_u32(end, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
		nftnl_set_elem_add(s, end);
	}
	return true;
}

/* ---- the batch ----------------------------------------------------------- */

void vrf_nft_batch_free(struct vrf_nft_batch *b)
{
	if (!b)
		return;
	free(b->buf);
	free(b->what);
	memset(b, 0, sizeof(*b));
}

/*
 * Room for one more message at the end; NULL when out of memory. The buffer
 * holds messages of different sizes back to back, so it grows by bytes, not
 * by elements as array.h's arrays do; what[] is one such array, pushed at
 * n_msgs each time (batch_commit counts the message only once it is built).
 */
static char *batch_room(struct vrf_nft_batch *b)
{
	size_t n_what = b->n_msgs;

	if (b->cap - b->len < MSG_ROOM) {
		size_t cap = (b->cap + MSG_ROOM) * 2;
		void *buf = realloc(b->buf, cap);

		if (!buf)
			return NULL;
		b->buf = buf;
		b->cap = cap;
	}
	if (!VRF_ARRAY_PUSH(b->what, n_what))
		return NULL;
	return (char *)b->buf + b->len;
}

static void batch_commit(struct vrf_nft_batch *b, struct nlmsghdr *nlh, const char *what,
			 const char *arg)
{
	snprintf(b->what[b->n_msgs], sizeof(b->what[0]), "%s%s%s%s", what,
		 arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->n_msgs++;
}

/* A table message, NEWTABLE or DELTABLE. */
static int batch_table(struct vrf_nft_batch *b, uint16_t type, uint16_t flags, const char *what)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	char *room = batch_room(b);

	if (!t || !room) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, VRF_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(room, type, NFPROTO_INET, flags | NLM_F_ACK,
				    b->seq_first + b->n_msgs);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_commit(b, nlh, what, "inet " VRF_NFT_TABLE);
	return 0;
}

/* NEWSET, then its elements ELEMS_PER_MSG to a NEWSETELEM. */
static int batch_set(struct vrf_nft_batch *b, const struct vrf_nft_set *set, uint32_t id)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	char *room;

	if (!(room = batch_room(b)) || !(s = set_object(set, id)))
		return -ENOMEM;
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, set->interval ? NFT_SET_INTERVAL : 0);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, TYPE_INET_SERVICE);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sizeof(uint16_t));
	nlh = nftnl_nlmsg_build_hdr(room, NFT_MSG_NEWSET, NFPROTO_INET, NLM_F_CREATE | NLM_F_ACK,
				    b->seq_first + b->n_msgs);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	batch_commit(b, nlh, "add set", set->name);
	for (size_t from = 0; from < set->n; from += ELEMS_PER_MSG) {
		size_t to = from + ELEMS_PER_MSG < set->n ? from + ELEMS_PER_MSG : set->n;

		if (!(room = batch_room(b)) || !(s = set_object(set, id)))
			return -ENOMEM;
		if (!set_elems_add(s, set, from, to)) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nlh = nftnl_nlmsg_build_hdr(room, NFT_MSG_NEWSETELEM, NFPROTO_INET,
					    NLM_F_CREATE | NLM_F_ACK, b->seq_first + b->n_msgs);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nftnl_set_free(s);
		batch_commit(b, nlh, "add elements to set", set->name);
	}
	return 0;
}

int vrf_nft_batch_build(const struct vrf_docker *d, uint32_t seq, struct vrf_nft_batch *b)
{
	struct vrf_nft_ruleset rs;
	struct nlmsghdr *nlh;
	char *room;
	int err;

	memset(b, 0, sizeof(*b));
	b->seq_first = seq;
	err = vrf_nft_ruleset_build(d, &rs);
	if (err < 0)
		return err;
	err = -ENOMEM;
	if (!(room = batch_room(b)))
		goto out;
	batch_commit(b, nftnl_batch_begin(room, b->seq_first + b->n_msgs), "begin transaction",
		     NULL);
	/* Add, then delete: the delete cannot fail with ENOENT, and the table
	 * below is created afresh, so nothing stale or foreign survives in it. */
	if ((err = batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add table")) < 0 ||
	    (err = batch_table(b, NFT_MSG_DELTABLE, 0, "delete table")) < 0)
		goto out;
	if (rs.n > 0 && (err = batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, "add table")) < 0)
		goto out;
	for (size_t i = 0; i < rs.n_sets; i++)
		if ((err = batch_set(b, &rs.sets[i], (uint32_t)i + 1)) < 0)
			goto out;
	for (int c = 0; c < VRF_NFT_CHAIN_COUNT; c++) {
		struct nftnl_chain *ch;

		if (!vrf_nft_ruleset_has_chain(&rs, c))
			continue;
		err = -ENOMEM;
		if (!(room = batch_room(b)) || !(ch = chain_object(c)))
			goto out;
		nlh = nftnl_nlmsg_build_hdr(room, NFT_MSG_NEWCHAIN, NFPROTO_INET,
					    NLM_F_CREATE | NLM_F_ACK, b->seq_first + b->n_msgs);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		nftnl_chain_free(ch);
		batch_commit(b, nlh, "add chain", vrf_nft_chains[c].name);
	}
	for (size_t i = 0; i < rs.n; i++) {
		struct nftnl_rule *r;

		err = -ENOMEM;
		if (!(room = batch_room(b)) || !(r = rule_object(&rs, &rs.rules[i])))
			goto out;
		nlh = nftnl_nlmsg_build_hdr(room, NFT_MSG_NEWRULE, NFPROTO_INET,
					    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK,
					    b->seq_first + b->n_msgs);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_commit(b, nlh, "add rule", rs.rules[i].comment);
	}
	err = -ENOMEM;
	if (!(room = batch_room(b)))
		goto out;
	batch_commit(b, nftnl_batch_end(room, b->seq_first + b->n_msgs), "commit transaction",
		     NULL);
	err = 0;
out:
	vrf_nft_ruleset_free(&rs);
	if (err < 0)
		vrf_nft_batch_free(b);
	return err;
}

/* ---- the socket ---------------------------------------------------------- */

static int nl_open(struct mnl_socket **out, const struct vrf_log *log)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int err = 0;

	*out = NULL;
	if (!nl)
		return report(log, -errno, "netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = report(log, -errno, "netlink bind");
		mnl_socket_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

/* Make room for size bytes in a socket buffer: FORCE needs CAP_NET_ADMIN,
 * which applying needs anyway; without it the default has to do. */
/*
 * Send the transaction, then read every reply. nfnetlink runs the batch
 * inside sendmsg, so all replies are queued when it returns; the poll only
 * guards against a kernel that does otherwise. Success is an ack for every
 * message that asked for one (all but BEGIN/END); any error aborts the
 * whole transaction in the kernel and is reported with the message it hit.
 */
static int batch_send(struct mnl_socket *nl, const struct vrf_nft_batch *b,
		      const struct vrf_log *log)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl), .events = POLLIN };
	uint32_t want = b->n_msgs - 2, acked = 0, err_seq = 0;
	int one = 1, err = 0, first_err = 0;
	char *buf = malloc(RECV_SIZE);

	if (!buf)
		return -ENOMEM;
	(void)vrf_sock_grow_buffer(pfd.fd, SO_SNDBUF, SO_SNDBUFFORCE, b->len + 4096);
	/* Every ack is an skb of its own in the receive queue. */
	(void)vrf_sock_grow_buffer(pfd.fd, SO_RCVBUF, SO_RCVBUFFORCE, (size_t)b->n_msgs * 1024 + 65536);
	/* Errors carry only the header of the message they refuse, not all of it. */
	(void)setsockopt(pfd.fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0) {
		err = report(log, -errno, "send transaction");
		goto out;
	}
	while (acked < want && !first_err) {
		ssize_t got;
		int n, pr = poll(&pfd, 1, REPLY_TIMEOUT_MS);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			err = report(log, pr < 0 ? -errno : -ETIMEDOUT, "waiting for nf_tables");
			goto out;
		}
		got = mnl_socket_recvfrom(nl, buf, RECV_SIZE);
		if (got < 0) {
			err = report(log, -errno, "reading nf_tables replies");
			goto out;
		}
		n = (int)got;
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) ||
			    nlh->nlmsg_seq - b->seq_first >= b->n_msgs)
				continue;
			if (e->error == 0) {
				acked++;
			} else if (!first_err) {
				first_err = e->error;
				err_seq = nlh->nlmsg_seq;
			}
		}
	}
	if (first_err)
		err = report(log, first_err, b->what[err_seq - b->seq_first]);
out:
	free(buf);
	return err;
}

static int batch_run(const struct vrf_docker *d, const struct vrf_log *log)
{
	struct vrf_nft_batch b = { 0 };
	struct mnl_socket *nl = NULL;
	int err;

	err = vrf_nft_batch_build(d, (uint32_t)time(NULL), &b);
	if (err < 0) {
		if (err == -ENOMEM)
			vrf_err(log, "nft: out of memory");
		goto out;
	}
	err = nl_open(&nl, log);
	if (err < 0)
		goto out;
	err = batch_send(nl, &b, log);
out:
	if (nl)
		mnl_socket_close(nl);
	vrf_nft_batch_free(&b);
	return err;
}

int vrf_nft_validate(const struct vrf_docker *d, struct vrf_pending_list *pending,
		     const struct vrf_log *log)
{
	struct if_nameindex *names = NULL;
	int err = 0;

	if (!vrf_nft_wanted(d))
		return 0;
	for (size_t i = 0; i < d->n_bridges && !err; i++) {
		struct vrf_guess g;

		if (if_nametoindex(d->bridges[i]) != 0)
			continue;
		if (!names)
			names = if_nameindex();
		vrf_guess_init(&g, d->bridges[i]);
		for (size_t k = 0; names && names[k].if_name; k++)
			vrf_guess_try(&g, names[k].if_name);
		/* A bridge is Docker's to make: say how to find its name. */
		vrf_warn(log, "%s:%u: bridge '%s' does not exist yet (docker network ls; its "
			 "rules are loaded all the same): pending%s%s%s",
			 d->where.file ? d->where.file : "?", d->where.line, d->bridges[i],
			 g.best ? " (did you mean '" : "", g.best ? g.best : "", g.best ? "'?)" : "");
		if (pending)
			err = vrf_pending_add(pending, VRF_PENDING_DOCKER_BRIDGE, NULL, d->bridges[i],
					      "does not exist yet", &d->where);
	}
	if (names)
		if_freenameindex(names);
	return err;
}

/* Drift's findings are news for `plan`, detail for `apply`: one level down. */
static void demote(void *data, int priority, const char *msg)
{
	vrf_logf(data, priority == LOG_INFO ? LOG_DEBUG : priority, "%s", msg);
}

int vrf_nft_apply(const struct vrf_docker *d, const struct vrf_log *log)
{
	struct vrf_log quiet = { demote, (void *)log };
	bool differs = true;
	int err;

	/*
	 * Idempotent: when the kernel already holds exactly this table, send
	 * nothing, so the drop counters keep counting across applies.
	 */
	err = vrf_nft_drift(d, &differs, &quiet);
	if (err < 0)
		return err;
	if (!differs) {
		vrf_debug(log, "nft: table inet %s is up to date", VRF_NFT_TABLE);
		return 0;
	}
	err = batch_run(vrf_nft_wanted(d) ? d : NULL, log);
	return err < 0 ? err : 1;
}

/* ---- reading the kernel's table ------------------------------------------ */

struct kchain {
	char name[32];
	bool base;               /* has a hook */
	uint32_t hook;
	int32_t prio;
	uint32_t policy;
	char type[16];
};

struct krule {
	char chain[32];
	char comment[VRF_NFT_COMMENT_MAX];
	char *sig;
	bool has_counter;
	uint64_t packets, bytes;
};

struct kset {
	char name[VRF_NFT_SET_NAME_MAX];
	uint32_t flags, key_type, key_len;
	struct kelem { uint16_t key; bool end; } *elems;   /* as dumped */
	size_t n_elems;
	int err;                 /* a failure inside elem_cb */
};

struct kstate {
	bool table;
	struct kset *sets;
	size_t n_sets;
	struct kchain *chains;
	size_t n_chains;
	struct krule *rules;
	size_t n_rules;
	int err;                 /* first failure inside a callback */
};

static void kstate_free(struct kstate *k)
{
	for (size_t i = 0; i < k->n_sets; i++)
		free(k->sets[i].elems);
	free(k->sets);
	for (size_t i = 0; i < k->n_rules; i++)
		free(k->rules[i].sig);
	free(k->rules);
	free(k->chains);
	memset(k, 0, sizeof(*k));
}

static int comment_cb(const struct nftnl_udata *attr, void *data)
{
	char *out = data;

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && nftnl_udata_len(attr) > 0)
		snprintf(out, VRF_NFT_COMMENT_MAX, "%.*s", (int)nftnl_udata_len(attr),
			 (const char *)nftnl_udata_get(attr));
	return 0;
}

/*
 * What drift compares: the comment and every expression as libnftnl prints
 * it, except the counter, whose values change with traffic. Built the same
 * way from the rule we would load and from the rule the kernel dumps.
 */
static int rule_signature(struct nftnl_rule *r, char *comment_out, char **sig,
			  bool *has_counter, uint64_t *packets, uint64_t *bytes)
{
	char comment_buf[VRF_NFT_COMMENT_MAX] = "", text[1024];
	struct nftnl_expr_iter *it = NULL;
	struct nftnl_expr *e;
	const void *ud;
	uint32_t ud_len = 0;
	size_t len = 0;
	FILE *f;
	int err = 0;

	*sig = NULL;
	*has_counter = false;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ud_len);
	if (ud && ud_len)
		(void)nftnl_udata_parse(ud, ud_len, comment_cb, comment_buf);
	if (comment_out)
		memcpy(comment_out, comment_buf, sizeof(comment_buf));
	f = open_memstream(sig, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "comment \"%s\"", comment_buf);
	if (!(it = nftnl_expr_iter_create(r))) {
		err = -ENOMEM;
		goto out;
	}
	while ((e = nftnl_expr_iter_next(it))) {
		const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

		if (name && strcmp(name, "counter") == 0) {
			*has_counter = true;
			*packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
			*bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
			fputs(" [counter]", f);
			continue;
		}
		text[0] = '\0';
		nftnl_expr_snprintf(text, sizeof(text), e, NFTNL_OUTPUT_DEFAULT, 0);
		fprintf(f, " [%s %s]", name ? name : "?", text);
	}
out:
	nftnl_expr_iter_destroy(it);
	if (fclose(f) != 0 && err == 0)
		err = -ENOMEM;
	if (err < 0) {
		free(*sig);
		*sig = NULL;
	}
	return err;
}

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *k = data;
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct kchain *kc;

	if (!ch || nftnl_chain_nlmsg_parse(nlh, ch) < 0)
		goto out;
	/* Older kernels dump every table's chains: keep ours only (named: the
	 * name is printed, and NULL is no string). */
	if (nftnl_chain_get_u32(ch, NFTNL_CHAIN_FAMILY) != NFPROTO_INET ||
	    !nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE) ||
	    strcmp(nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), VRF_NFT_TABLE) != 0 ||
	    !nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME))
		goto out;
	kc = VRF_ARRAY_PUSH(k->chains, k->n_chains);
	if (!kc) {
		k->err = -ENOMEM;
		goto out;
	}
	snprintf(kc->name, sizeof(kc->name), "%s", nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME));
	kc->base = nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM);
	if (kc->base) {
		kc->hook = nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM);
		kc->prio = nftnl_chain_get_s32(ch, NFTNL_CHAIN_PRIO);
		kc->policy = nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY);
		if (nftnl_chain_is_set(ch, NFTNL_CHAIN_TYPE))
			snprintf(kc->type, sizeof(kc->type), "%s",
				 nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE));
	}
out:
	nftnl_chain_free(ch);
	return MNL_CB_OK;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *k = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct krule *kr;
	int err;

	if (!r || nftnl_rule_nlmsg_parse(nlh, r) < 0)
		goto out;
	if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) != NFPROTO_INET ||
	    !nftnl_rule_get_str(r, NFTNL_RULE_TABLE) ||
	    strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), VRF_NFT_TABLE) != 0 ||
	    !nftnl_rule_get_str(r, NFTNL_RULE_CHAIN))
		goto out;
	kr = VRF_ARRAY_PUSH(k->rules, k->n_rules);
	if (!kr) {
		k->err = -ENOMEM;
		goto out;
	}
	snprintf(kr->chain, sizeof(kr->chain), "%s", nftnl_rule_get_str(r, NFTNL_RULE_CHAIN));
	err = rule_signature(r, kr->comment, &kr->sig, &kr->has_counter, &kr->packets,
			     &kr->bytes);
	if (err < 0) {
		k->err = err;
		k->n_rules--;        /* not kept: array.h keeps the room */
	}
out:
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* Keep ours only, as chain_cb does. */
static bool set_is_ours(struct nftnl_set *s)
{
	const char *table = nftnl_set_get_str(s, NFTNL_SET_TABLE);

	return nftnl_set_get_u32(s, NFTNL_SET_FAMILY) == NFPROTO_INET && table &&
	       strcmp(table, VRF_NFT_TABLE) == 0 && nftnl_set_get_str(s, NFTNL_SET_NAME);
}

static int set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kstate *k = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct kset *ks;

	if (!s || nftnl_set_nlmsg_parse(nlh, s) < 0 || !set_is_ours(s))
		goto out;
	if (!(ks = VRF_ARRAY_PUSH(k->sets, k->n_sets))) {
		k->err = -ENOMEM;
		goto out;
	}
	snprintf(ks->name, sizeof(ks->name), "%s", nftnl_set_get_str(s, NFTNL_SET_NAME));
	ks->flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	ks->key_type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
	ks->key_len = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
out:
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* The elements of the set in data (a struct kset), any number of messages. */
static int elem_cb(const struct nlmsghdr *nlh, void *data)
{
	struct kset *ks = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it = NULL;
	struct nftnl_set_elem *e;

	if (!s || nftnl_set_elems_nlmsg_parse(nlh, s) < 0 || !(it = nftnl_set_elems_iter_create(s)))
		goto out;
	while ((e = nftnl_set_elems_iter_next(it))) {
		uint32_t len = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		struct kelem *ke;

		if (!(ke = VRF_ARRAY_PUSH(ks->elems, ks->n_elems))) {
			ks->err = -ENOMEM;
			break;
		}
		/* A key of another length is kept as 0: the set's key_len differs then. */
		ke->key = 0;
		if (key && len == sizeof(uint16_t))
			ke->key = ntohs(*(const uint16_t *)key);
		ke->end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
			  (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END);
	}
out:
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/*
 * One request, replies through cb until DONE (dump) or the ack. -ENOENT when
 * the table does not exist; -EINTR when the ruleset changed mid-dump.
 */
static int nl_request(struct mnl_socket *nl, uint16_t type, uint16_t flags, const char *set,
		      mnl_cb_t cb, void *data)
{
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	char *buf = malloc(RECV_SIZE);
	struct nlmsghdr *nlh;
	int err = 0, ret;

	if (!buf)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(buf, type, NFPROTO_INET, flags, seq);
	if (type == NFT_MSG_GETTABLE)
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, VRF_NFT_TABLE);
	else if (type == NFT_MSG_GETRULE)
		/* The kernel filters a rule dump by table. */
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, VRF_NFT_TABLE);
	else if (type == NFT_MSG_GETSET)
		mnl_attr_put_strz(nlh, NFTA_SET_TABLE, VRF_NFT_TABLE);
	else if (type == NFT_MSG_GETSETELEM) {
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, VRF_NFT_TABLE);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_SIZE);

		if (n < 0) {
			err = -errno;
			goto out;
		}
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (ret > 0);
	if (ret < 0)
		err = -errno;
out:
	free(buf);
	return err;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	((struct kstate *)data)->table = true;
	return MNL_CB_OK;
}

/* The kernel's table inet vrfctl, chains and rules. k->table false: absent. */
static int kstate_read(struct kstate *k, const struct vrf_log *log)
{
	struct mnl_socket *nl = NULL;
	int err;

	for (int tries = 0; tries < 3; tries++) {
		kstate_free(k);
		err = nl_open(&nl, log);
		if (err < 0)
			return err;
		err = nl_request(nl, NFT_MSG_GETTABLE, NLM_F_ACK, NULL, table_cb, k);
		/* nfnetlink answers a plain request for a subsystem it does not
		 * have with EINVAL (a batch gets EOPNOTSUPP); this request is
		 * well-formed, so EINVAL here means no nf_tables. */
		if (err == -EINVAL)
			err = -EOPNOTSUPP;
		if (err == -ENOENT) {
			k->table = false;
			err = 0;
			goto out;
		}
		if (err == 0)
			err = nl_request(nl, NFT_MSG_GETSET, NLM_F_DUMP, NULL, set_cb, k);
		for (size_t i = 0; i < k->n_sets && err == 0; i++) {
			err = nl_request(nl, NFT_MSG_GETSETELEM, NLM_F_DUMP, k->sets[i].name, elem_cb,
					 &k->sets[i]);
			if (err == 0)
				err = k->sets[i].err;
		}
		if (err == 0)
			err = nl_request(nl, NFT_MSG_GETCHAIN, NLM_F_DUMP, NULL, chain_cb, k);
		if (err == 0)
			err = nl_request(nl, NFT_MSG_GETRULE, NLM_F_DUMP, NULL, rule_cb, k);
		if (err == 0)
			err = k->err;
		/* The table went away between the requests: as good as absent. */
		if (err == -ENOENT) {
			kstate_free(k);
			err = 0;
			goto out;
		}
		if (err != -EINTR)
			goto out;
		mnl_socket_close(nl);
		nl = NULL;
	}
out:
	if (nl)
		mnl_socket_close(nl);
	if (err < 0) {
		kstate_free(k);
		return report(log, err, "reading table inet " VRF_NFT_TABLE);
	}
	return 0;
}

/* ---- drift --------------------------------------------------------------- */

static bool chain_matches(const struct kchain *kc, enum vrf_nft_chain_id c)
{
	const struct vrf_nft_chain_def *want = &vrf_nft_chains[c];

	return kc->base && kc->hook == want->hook && kc->prio == want->prio &&
	       kc->policy == NF_ACCEPT && strcmp(kc->type, "filter") == 0;
}

static int kelem_cmp(const void *a, const void *b)
{
	const struct kelem *x = a, *y = b;

	if (x->key != y->key)
		return (x->key > y->key) - (x->key < y->key);
	return (int)y->end - (int)x->end;      /* an end before a start at one key */
}

/*
 * Does the kernel's set hold exactly these ranges? A hash set's elements are
 * its ports. An interval set's are read as ranges, the way nft lists them:
 * a start opens one, the next end closes it just before, a start left open
 * runs to 65535. An end that closes nothing (nft begins its interval sets
 * with one at 0) is no range.
 */
static bool set_elems_equal(struct kset *ks, const struct vrf_nft_set *want)
{
	size_t n = 0;
	bool open = false;
	uint16_t lo = 0;

	/* A set emptied by hand dumps no elements: elems is NULL then. */
	if (ks->n_elems)
		qsort(ks->elems, ks->n_elems, sizeof(*ks->elems), kelem_cmp);
	if (!want->interval) {
		if (ks->n_elems != want->n)
			return false;
		for (size_t i = 0; i < want->n; i++)
			if (ks->elems[i].end || ks->elems[i].key != want->ranges[i].lo)
				return false;
		return true;
	}
	for (size_t i = 0; i <= ks->n_elems; i++) {
		bool last = i == ks->n_elems;
		uint32_t hi;

		if (!last && !ks->elems[i].end && !open) {
			open = true;
			lo = ks->elems[i].key;
			continue;
		}
		if (!open)
			continue;
		hi = last ? UINT16_MAX : (uint32_t)ks->elems[i].key - 1;
		if (n >= want->n || want->ranges[n].lo != lo || want->ranges[n].hi != hi)
			return false;
		n++;
		open = !last && !ks->elems[i].end;
		lo = last ? 0 : ks->elems[i].key;
	}
	return n == want->n;
}

/* Compare the sets, by name: every one wanted, as wanted, and no other. */
static bool sets_differ(const struct vrf_nft_ruleset *rs, struct kstate *k,
			const struct vrf_log *log)
{
	bool differs = false;

	for (size_t i = 0; i < rs->n_sets; i++) {
		const struct vrf_nft_set *want = &rs->sets[i];
		struct kset *ks = NULL;

		for (size_t j = 0; j < k->n_sets && !ks; j++)
			if (strcmp(k->sets[j].name, want->name) == 0)
				ks = &k->sets[j];
		if (!ks) {
			vrf_info(log, "nft: set %s is missing", want->name);
			differs = true;
		} else if (ks->flags != (want->interval ? NFT_SET_INTERVAL : 0) ||
			   ks->key_type != TYPE_INET_SERVICE ||
			   ks->key_len != sizeof(uint16_t)) {
			vrf_info(log, "nft: set %s: type or flags changed", want->name);
			differs = true;
		} else if (!set_elems_equal(ks, want)) {
			vrf_info(log, "nft: set %s: its elements changed", want->name);
			differs = true;
		}
	}
	for (size_t j = 0; j < k->n_sets; j++) {
		bool known = false;

		for (size_t i = 0; i < rs->n_sets && !known; i++)
			known = strcmp(k->sets[j].name, rs->sets[i].name) == 0;
		if (!known) {
			vrf_info(log, "nft: set %s is not one vrfctl loads", k->sets[j].name);
			differs = true;
		}
	}
	return differs;
}

/* Compare one desired chain's rules, in order, with the kernel's. */
static bool rules_differ(const struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id c,
			 const struct kstate *k, int *err, const struct vrf_log *log)
{
	const char *name = vrf_nft_chains[c].name;
	size_t ki = 0, pos = 0;
	bool differs = false;

	for (size_t i = 0; i < rs->n && !differs && *err == 0; i++) {
		struct nftnl_rule *r;
		bool counter;
		uint64_t p, b;
		char *sig = NULL;

		if (rs->rules[i].chain != c)
			continue;
		pos++;
		while (ki < k->n_rules && strcmp(k->rules[ki].chain, name) != 0)
			ki++;
		if (ki == k->n_rules) {
			vrf_info(log, "nft: chain %s: rule %zu '%s' is missing", name, pos,
				 rs->rules[i].comment);
			differs = true;
			break;
		}
		if (!(r = rule_object(rs, &rs->rules[i]))) {
			*err = -ENOMEM;
			break;
		}
		*err = rule_signature(r, NULL, &sig, &counter, &p, &b);
		nftnl_rule_free(r);
		if (*err == 0 && strcmp(sig, k->rules[ki].sig) != 0) {
			vrf_info(log, "nft: chain %s: rule %zu is '%s' in the kernel, '%s' expected",
				 name, pos, k->rules[ki].comment, rs->rules[i].comment);
			differs = true;
		}
		free(sig);
		ki++;
	}
	for (; ki < k->n_rules && !differs && *err == 0; ki++) {
		if (strcmp(k->rules[ki].chain, name) != 0)
			continue;
		vrf_info(log, "nft: chain %s: rule '%s' was added", name, k->rules[ki].comment);
		differs = true;
	}
	return differs;
}

int vrf_nft_drift(const struct vrf_docker *d, bool *differs, const struct vrf_log *log)
{
	struct vrf_nft_ruleset rs = { 0 };
	struct kstate k = { 0 };
	int err;

	*differs = false;
	err = vrf_nft_ruleset_build(d, &rs);
	if (err < 0)
		goto out;
	err = kstate_read(&k, log);
	if (err < 0)
		goto out;
	if (rs.n == 0) {
		if (k.table)
			vrf_info(log, "nft: table inet %s is loaded, no [docker] bridge wants it",
				 VRF_NFT_TABLE);
		*differs = k.table;
		goto out;
	}
	if (!k.table) {
		vrf_info(log, "nft: table inet %s is missing", VRF_NFT_TABLE);
		*differs = true;
		goto out;
	}
	if (sets_differ(&rs, &k, log))
		*differs = true;
	for (size_t i = 0; i < k.n_chains; i++) {
		int c;

		for (c = 0; c < VRF_NFT_CHAIN_COUNT; c++)
			if (strcmp(k.chains[i].name, vrf_nft_chains[c].name) == 0 &&
			    vrf_nft_ruleset_has_chain(&rs, c))
				break;
		if (c == VRF_NFT_CHAIN_COUNT) {
			vrf_info(log, "nft: chain %s is not one vrfctl loads", k.chains[i].name);
			*differs = true;
		} else if (!chain_matches(&k.chains[i], c)) {
			vrf_info(log, "nft: chain %s: type, hook, priority or policy changed",
				 k.chains[i].name);
			*differs = true;
		}
	}
	for (int c = 0; c < VRF_NFT_CHAIN_COUNT && err == 0; c++) {
		bool found = false;

		if (!vrf_nft_ruleset_has_chain(&rs, c))
			continue;
		for (size_t i = 0; i < k.n_chains; i++)
			found = found || strcmp(k.chains[i].name, vrf_nft_chains[c].name) == 0;
		if (!found) {
			vrf_info(log, "nft: chain %s is missing", vrf_nft_chains[c].name);
			*differs = true;
			continue;
		}
		if (rules_differ(&rs, c, &k, &err, log))
			*differs = true;
	}
	if (err < 0)
		vrf_err(log, "nft: out of memory");
out:
	kstate_free(&k);
	vrf_nft_ruleset_free(&rs);
	return err;
}

/* ---- counters ------------------------------------------------------------ */

int vrf_nft_counters(struct vrf_nft_counter **list, size_t *n, const struct vrf_log *log)
{
	struct kstate k = { 0 };
	struct vrf_nft_counter *out = NULL;
	size_t count = 0;
	int err;

	*list = NULL;
	*n = 0;
	err = kstate_read(&k, log);
	if (err < 0)
		return err;
	if (!k.table) {
		err = -ENOENT;
		goto out;
	}
	for (size_t i = 0; i < k.n_rules; i++)
		count += k.rules[i].has_counter;
	if (count && !(out = calloc(count, sizeof(*out)))) {
		err = -ENOMEM;
		goto out;
	}
	count = 0;
	for (size_t i = 0; i < k.n_rules; i++) {
		if (!k.rules[i].has_counter)
			continue;
		snprintf(out[count].chain, sizeof(out[count].chain), "%s", k.rules[i].chain);
		snprintf(out[count].comment, sizeof(out[count].comment), "%s", k.rules[i].comment);
		out[count].packets = k.rules[i].packets;
		out[count].bytes = k.rules[i].bytes;
		count++;
	}
	*list = out;
	*n = count;
out:
	kstate_free(&k);
	return err;
}
