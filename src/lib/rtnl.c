/* SPDX-License-Identifier: MIT */
/*
 * Why libmnl for rtnetlink too, not libnl-route-3: every dump vrfctl reads
 * (tens of thousands of routes at N = 1000) was already parsed raw, since a
 * libnl object per answer was most of what a no-op apply cost, and the
 * batches bypassed libnl's receive loop so that one sendmsg carries hundreds
 * of requests. What libnl still did was build each request from an object
 * and translate its NLE_* codes back to errno. libmnl does what is left in
 * a few lines per request, is already loaded for nf_tables, and keeps
 * vrf-exec's start small: one library, one way to build, send and read.
 */

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "addr.h"
#include "rtnl.h"
#include "sock.h"
#include "strmap.h"

struct vrf_rtnl {
	struct mnl_socket *sock;
	unsigned portid;
	uint32_t seq;
	size_t batch_max;            /* requests per sendmsg (see vrf_rtnl_open) */
	char *buf;                   /* RECV_SIZE bytes: answers are read into it */
	/* Names to ifindexes, learned from what was looked up: thousands of
	 * steps name the same devices. 0: made again, ask. */
	struct vrf_strmap ifindexes;
};

/* A dump's answers come in skbs of up to 32 KiB; more room than that. */
#define RECV_SIZE 65536
/* A dump marked inconsistent is asked again this many times at most. */
#define DUMP_TRIES 5
/* Requests per sendmsg at most, and bytes: past a few hundred, fewer system
 * calls no longer show in the time, and a failure's report stays small. */
#define BATCH_MAX 512
#define BATCH_BYTES (64 * 1024)
/* Every answer is an skb of its own in the receive queue, charged about this. */
#define ANSWER_TRUESIZE 1024

int vrf_rtnl_open(struct vrf_rtnl **out, unsigned flags)
{
	struct vrf_rtnl *rt = calloc(1, sizeof(*rt));
	int r = -ENOMEM, fd, one = 1;

	*out = NULL;
	if (!rt)
		goto fail;
	rt->buf = malloc(RECV_SIZE);
	if (!rt->buf)
		goto fail;
	rt->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!rt->sock || mnl_socket_bind(rt->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	rt->portid = mnl_socket_get_portid(rt->sock);
	fd = mnl_socket_get_fd(rt->sock);
	/* A refusal quotes the header of the request, not all of it. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	rt->batch_max = 1;
	if (flags & VRF_RTNL_BATCHES) {
		/*
		 * A batch's answers are queued in full before the first is read,
		 * and the kernel drops what does not fit (ENOBUFS): size the
		 * batches to the receive buffer. Only failures and each batch's
		 * last request are answered, but every request may fail.
		 */
		r = vrf_sock_grow_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE,
					 (BATCH_MAX + 64) * ANSWER_TRUESIZE);
		if (r < 0)
			goto fail;
		rt->batch_max = (size_t)r / ANSWER_TRUESIZE > 64 ? (size_t)r / ANSWER_TRUESIZE - 32 : 16;
		if (rt->batch_max > BATCH_MAX)
			rt->batch_max = BATCH_MAX;
		r = vrf_sock_grow_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, 2 * BATCH_BYTES);
		if (r < 0)
			goto fail;
	}
	*out = rt;
	return 0;
fail:
	vrf_rtnl_close(rt);
	return r;
}

void vrf_rtnl_close(struct vrf_rtnl *rt)
{
	if (!rt)
		return;
	if (rt->sock)
		mnl_socket_close(rt->sock);
	vrf_strmap_free(&rt->ifindexes);
	free(rt->buf);
	free(rt);
}

/* ---- questions ---------------------------------------------------------- */

struct nlmsghdr *vrf_rtnl_request(void *buf, uint16_t type, uint16_t flags, size_t hdrlen,
				  void **hdr)
{
	struct nlmsghdr *req;

	memset(buf, 0, VRF_RTNL_REQUEST_MAX);
	req = mnl_nlmsg_put_header(buf);
	req->nlmsg_type = type;
	req->nlmsg_flags = NLM_F_REQUEST | flags;
	*hdr = mnl_nlmsg_put_extra_header(req, hdrlen);
	return req;
}

/* Whatever is queued, thrown away: after a failed read it belongs to
 * nobody, and must not be taken for the answers of the next requests. */
static void drain(struct vrf_rtnl *rt)
{
	int fd = mnl_socket_get_fd(rt->sock);

	for (;;) {
		ssize_t got = recv(fd, rt->buf, RECV_SIZE, MSG_DONTWAIT);

		if (got <= 0 && !(got < 0 && (errno == EINTR || errno == ENOBUFS)))
			return;
	}
}

/* The error NLMSG_DONE may carry (a dump the kernel could not finish), or 0. */
static int done_error(const struct nlmsghdr *h)
{
	int err = 0;

	if (mnl_nlmsg_get_payload_len(h) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(h), sizeof(err));
	return err < 0 ? err : 0;
}

/*
 * The one receive loop: each message addressed to this socket goes to fn,
 * datagram after datagram, until fn says the answers are complete (1). fn
 * keeps its own verdict: the loop fails only when the socket does, and then
 * drops whatever is still queued.
 */
static int receive(struct vrf_rtnl *rt, int (*fn)(const struct nlmsghdr *h, void *data), void *data)
{
	for (;;) {
		ssize_t got = mnl_socket_recvfrom(rt->sock, rt->buf, RECV_SIZE);
		int len = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			/* ENOSPC: an answer larger than the buffer was cut. */
			int r = got < 0 ? -errno : -EIO;

			drain(rt);
			return r;
		}
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)rt->buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len))
			if (mnl_nlmsg_portid_ok(h, rt->portid) && fn(h, data))
				return 0;
	}
}

/* The answers to one request, as vrf_rtnl_talk hands them on. */
struct answers {
	uint32_t seq;
	bool dump;
	vrf_rtnl_fn fn;
	void *data;
	bool intr;                   /* a dump marked inconsistent */
	int r;
};

static int take_answer(const struct nlmsghdr *h, void *data)
{
	struct answers *a = data;

	if (!mnl_nlmsg_seq_ok(h, a->seq))
		return 0;
	a->intr |= (h->nlmsg_flags & NLM_F_DUMP_INTR) != 0;
	if (h->nlmsg_type == NLMSG_DONE) {
		if (a->r == 0)
			a->r = done_error(h);
		return 1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

		if (a->r == 0)
			a->r = mnl_nlmsg_get_payload_len(h) < sizeof(*e) ? -EBADMSG : e->error;
		return 1;
	}
	/* After fn fails, the rest is read but not looked at. */
	if (a->r == 0)
		a->r = a->fn(h, a->data);
	return !a->dump;
}

int vrf_rtnl_talk(struct vrf_rtnl *rt, struct nlmsghdr *req, vrf_rtnl_fn fn,
		  void (*restart)(void *data), void *data)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	for (int tries = 0; tries < DUMP_TRIES; tries++) {
		struct answers a = { ++rt->seq, dump, fn, data, false, 0 };
		int r;

		req->nlmsg_seq = a.seq;
		req->nlmsg_pid = 0;
		if (tries && restart)
			restart(data);
		if (mnl_socket_sendto(rt->sock, req, req->nlmsg_len) < 0)
			return -errno;
		r = receive(rt, take_answer, &a);
		if (r == 0)
			r = a.r;
		/* A plan made from a dump that mixes two states is wrong: ask again. */
		if (r < 0 || !a.intr || !dump)
			return r;
	}
	return -EAGAIN;
}

/* ---- events ---------------------------------------------------------- */

/* A burst of link events (a thousand veths made at once) is ~1 KiB each. */
#define EVENT_QUEUE (4 * 1024 * 1024)

int vrf_rtnl_subscribe(struct vrf_rtnl *rt, const unsigned *groups, size_t n)
{
	int fd = mnl_socket_get_fd(rt->sock), r;

	for (size_t i = 0; i < n; i++) {
		int group = (int)groups[i];

		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
			return -errno;
	}
	r = vrf_sock_grow_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, EVENT_QUEUE);
	return r < 0 ? r : 0;
}

int vrf_rtnl_fd(const struct vrf_rtnl *rt)
{
	return mnl_socket_get_fd(rt->sock);
}

int vrf_rtnl_read_events(struct vrf_rtnl *rt, vrf_rtnl_fn fn, void *data)
{
	int fd = mnl_socket_get_fd(rt->sock), count = 0;

	for (;;) {
		ssize_t got = recv(fd, rt->buf, RECV_SIZE, MSG_DONTWAIT);
		int len = (int)got, r;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? count : -errno;
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)rt->buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			count++;
			r = fn(h, data);
			if (r < 0)
				return r;
		}
	}
}

/* ---- answers --------------------------------------------------------- */

/* Check each attribute of the len bytes at attrs against policy into tb. */
static int parse_attrs(const void *attrs, size_t len, const struct vrf_rtnl_policy *policy,
		       uint16_t max, const struct nlattr **tb)
{
	const struct nlattr *a = attrs;
	int left = (int)len;

	memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
	for (; mnl_attr_ok(a, left); left -= (int)MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		uint16_t type = mnl_attr_get_type(a);
		const struct vrf_rtnl_policy *rule = &policy[type <= max ? type : 0];

		if (type > max || tb[type])
			continue;
		if (rule->type == MNL_TYPE_BINARY ? mnl_attr_get_payload_len(a) > rule->max_len :
		    rule->type != MNL_TYPE_UNSPEC &&
		    mnl_attr_validate(a, (enum mnl_attr_data_type)rule->type) < 0)
			goto bad;
		tb[type] = a;
	}
	/* mnl_attr_ok stops at an attribute that overruns the message: bytes
	 * left over mean a message cut or garbled, not one to half-read. */
	if (left > 0)
		goto bad;
	return 0;
bad:
	memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
	return -EBADMSG;
}

int vrf_rtnl_parse(const struct nlmsghdr *msg, size_t hdrlen, const struct vrf_rtnl_policy *policy,
		   uint16_t max, const struct nlattr **tb)
{
	size_t payload = mnl_nlmsg_get_payload_len(msg), skip = MNL_ALIGN(hdrlen);

	if (payload < hdrlen) {
		memset(tb, 0, ((size_t)max + 1) * sizeof(*tb));
		return -EBADMSG;
	}
	return parse_attrs(mnl_nlmsg_get_payload_offset(msg, hdrlen),
			   payload > skip ? payload - skip : 0, policy, max, tb);
}

int vrf_rtnl_parse_nested(const struct nlattr *attr, const struct vrf_rtnl_policy *policy,
			  uint16_t max, const struct nlattr **tb)
{
	return parse_attrs(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr), policy, max,
			   tb);
}

uint32_t vrf_rtnl_u32(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u32(attr) : 0;
}

void vrf_rtnl_ifname(const struct nlattr *attr, char *out)
{
	size_t len = attr ? strnlen(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr)) : 0;

	if (len >= IFNAMSIZ)
		len = IFNAMSIZ - 1;
	memcpy(out, attr ? mnl_attr_get_payload(attr) : "", len);
	out[len] = '\0';
}

/* ---- names to ifindexes --------------------------------------------------- */

/* Remember name's ifindex (0: ask the kernel again). Without memory the
 * cache just stays smaller: every miss is asked of the kernel, and a name
 * already in is changed in place, which cannot fail (strmap.h). */
static void ifcache_set(struct vrf_rtnl *rt, const char *name, unsigned ifindex)
{
	(void)vrf_strmap_put(&rt->ifindexes, name, ifindex);
}

/* name's ifindex, learned or asked of the kernel now; 0 when there is none. */
static unsigned ifindex_of(struct vrf_rtnl *rt, const char *name)
{
	size_t known = 0;
	unsigned ifindex;

	if (vrf_strmap_get(&rt->ifindexes, name, &known) && known)
		return (unsigned)known;
	ifindex = if_nametoindex(name);
	if (ifindex)
		ifcache_set(rt, name, ifindex);
	return ifindex;
}

/* ---- the plan's steps ------------------------------------------------ */

/*
 * Each step becomes one rtnetlink request, built in place in the batch's
 * buffer, so that a run of independent steps goes to the kernel in one
 * sendmsg and its acks come back together: the kernel processes every
 * message of a buffer in order and answers each one that fails.
 */

static void rule_msg(const struct vrf_step *s, struct nlmsghdr *req)
{
	const struct vrf_rule *v = &s->u.rule;
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(req);

	if (s->op == VRF_STEP_RULE_ADD) {
		req->nlmsg_type = RTM_NEWRULE;
		/* Not NLM_F_EXCL: a layout out of order is rebuilt by adding the
		 * same rules again behind the others, then deleting the first ones. */
		req->nlmsg_flags |= NLM_F_CREATE;
	} else {
		req->nlmsg_type = RTM_DELRULE;
	}
	frh->family = (uint8_t)v->family;
	frh->action = v->unreachable ? FR_ACT_UNREACHABLE : FR_ACT_TO_TBL;
	mnl_attr_put_u32(req, FRA_PRIORITY, v->pref);
	if (v->l3mdev) {
		mnl_attr_put_u8(req, FRA_L3MDEV, 1);
	} else if (!v->unreachable) {
		frh->table = v->table < 256 ? (uint8_t)v->table : RT_TABLE_UNSPEC;
		mnl_attr_put_u32(req, FRA_TABLE, v->table);
	}
	if (v->iif[0])
		mnl_attr_put_strz(req, FRA_IIFNAME, v->iif);
	/* On delete the protocol narrows the match: only that rule goes. */
	mnl_attr_put_u8(req, FRA_PROTOCOL, v->protocol);
}

/* 1: built; 0: nothing to send (a route through a device that is gone); -errno. */
static int route_msg(struct vrf_rtnl *rt, const struct vrf_step *s, struct nlmsghdr *req)
{
	const struct vrf_route *v = &s->u.route;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(req);
	bool add = s->op == VRF_STEP_ROUTE_ADD;

	req->nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
	if (add)
		req->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	rtm->rtm_family = (uint8_t)v->family;
	rtm->rtm_dst_len = (uint8_t)v->dst.len;
	rtm->rtm_table = v->table < 256 ? (uint8_t)v->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = v->protocol;
	rtm->rtm_type = v->unreachable ? RTN_UNREACHABLE : RTN_UNICAST;
	/* As ip: a route straight onto a link is link-scoped, one through a
	 * gateway or unreachable global; a deletion matches any scope. */
	if (!add)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else if (!v->unreachable && !v->has_via)
		rtm->rtm_scope = RT_SCOPE_LINK;
	else
		rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put_u32(req, RTA_TABLE, v->table);
	if (v->dst.len)
		mnl_attr_put(req, RTA_DST, vrf_addr_len(v->family), v->dst.addr.bytes);
	mnl_attr_put_u32(req, RTA_PRIORITY, v->metric);
	if (v->dev[0]) {
		unsigned ifindex = ifindex_of(rt, v->dev);

		/* A route through a device that is gone is gone too. */
		if (!ifindex)
			return add ? -ENODEV : 0;
		mnl_attr_put_u32(req, RTA_OIF, ifindex);
	}
	if (v->has_via)
		mnl_attr_put(req, RTA_GATEWAY, vrf_addr_len(v->family), v->via.bytes);
	return 1;
}

static int link_msg(struct vrf_rtnl *rt, const struct vrf_step *s, struct nlmsghdr *req)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(req);
	unsigned ifindex;

	ifi->ifi_family = AF_UNSPEC;
	if (s->op == VRF_STEP_LINK_ADD) {
		struct nlattr *info, *data;

		req->nlmsg_type = RTM_NEWLINK;
		req->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		if (s->u.link.up) {
			ifi->ifi_flags = IFF_UP;
			ifi->ifi_change = IFF_UP;
		}
		mnl_attr_put_strz(req, IFLA_IFNAME, s->u.link.name);
		/* The group is set in the same message that creates the device, so a
		 * VRF of vrfctl's is never seen unmarked. */
		mnl_attr_put_u32(req, IFLA_GROUP, s->u.link.group);
		info = mnl_attr_nest_start(req, IFLA_LINKINFO);
		mnl_attr_put_strz(req, IFLA_INFO_KIND, "vrf");
		data = mnl_attr_nest_start(req, IFLA_INFO_DATA);
		mnl_attr_put_u32(req, IFLA_VRF_TABLE, s->u.link.table);
		mnl_attr_nest_end(req, data);
		mnl_attr_nest_end(req, info);
		/* The new device's index is asked for when a later batch needs it. */
		ifcache_set(rt, s->u.link.name, 0);
		return 1;
	}
	ifindex = ifindex_of(rt, s->op == VRF_STEP_LINK_MASTER ? s->u.master.dev : s->u.link.name);
	if (s->op == VRF_STEP_LINK_DEL)
		ifcache_set(rt, s->u.link.name, 0);
	/* Deleting what is not there is done; anything else needs the device. */
	if (!ifindex)
		return s->op == VRF_STEP_LINK_DEL ? 0 : -ENODEV;
	ifi->ifi_index = (int)ifindex;
	req->nlmsg_type = s->op == VRF_STEP_LINK_DEL ? RTM_DELLINK : RTM_NEWLINK;
	switch (s->op) {
	case VRF_STEP_LINK_DEL:
		break;
	case VRF_STEP_LINK_UP:
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		break;
	case VRF_STEP_LINK_DOWN:
		ifi->ifi_change = IFF_UP;
		break;
	case VRF_STEP_LINK_MASTER: {
		unsigned master = 0;

		if (s->u.master.master[0]) {
			master = ifindex_of(rt, s->u.master.master);
			if (!master)
				return -ENODEV;
		}
		mnl_attr_put_u32(req, IFLA_MASTER, master);
		break;
	}
	default:
		return -EINVAL;
	}
	return 1;
}

/* One RTM_DELLINK for every device of a link group. */
static void group_del_msg(uint32_t group, struct nlmsghdr *req)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(req);

	req->nlmsg_type = RTM_DELLINK;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(req, IFLA_GROUP, group);
}

/* The family header each kind of step's request carries. */
static size_t step_hdrlen(enum vrf_step_op op)
{
	switch (op) {
	case VRF_STEP_RULE_ADD:
	case VRF_STEP_RULE_DEL:
		return sizeof(struct fib_rule_hdr);
	case VRF_STEP_ROUTE_ADD:
	case VRF_STEP_ROUTE_DEL:
		return sizeof(struct rtmsg);
	default:
		return sizeof(struct ifinfomsg);
	}
}

/* The request for step into req: 1 built, 0 nothing to send, -errno. */
static int step_msg(struct vrf_rtnl *rt, const struct vrf_step *s, struct nlmsghdr *req)
{
	switch (s->op) {
	case VRF_STEP_RULE_ADD:
	case VRF_STEP_RULE_DEL:
		rule_msg(s, req);
		return 1;
	case VRF_STEP_ROUTE_ADD:
	case VRF_STEP_ROUTE_DEL:
		return route_msg(rt, s, req);
	case VRF_STEP_LINK_ADD:
	case VRF_STEP_LINK_DEL:
	case VRF_STEP_LINK_UP:
	case VRF_STEP_LINK_DOWN:
	case VRF_STEP_LINK_MASTER:
		return link_msg(rt, s, req);
	default:
		return -EINVAL;
	}
}

/* The kernel's answer for a step: 1 done, 0 it was already so, or -errno. */
static int step_result(const struct vrf_step *s, int err)
{
	bool add = s->op == VRF_STEP_RULE_ADD || s->op == VRF_STEP_ROUTE_ADD ||
		   s->op == VRF_STEP_LINK_ADD;
	bool del = s->op == VRF_STEP_RULE_DEL || s->op == VRF_STEP_ROUTE_DEL ||
		   s->op == VRF_STEP_LINK_DEL;

	if (err == 0)
		return 1;
	if (add && err == -EEXIST)
		return 0;
	/* IPv6 says ESRCH for a route that is not there. */
	if (del && (err == -ENOENT || err == -ESRCH || err == -ENODEV))
		return 0;
	return err;
}

/* Requests waiting to be sent together; each is built in place at len. */
struct batch {
	char *buf;
	size_t len;
	size_t last;                 /* offset of the last request */
	uint32_t seq[BATCH_MAX];
	size_t index[BATCH_MAX];     /* which step each request is */
	size_t n;
};

#define BATCH_ROOM (BATCH_BYTES + VRF_RTNL_REQUEST_MAX)

/* The acks of a batch sent: each failure to its step's result. */
struct batch_answers {
	const struct batch *b;
	const struct vrf_step *steps;
	int *results;
};

static int take_ack(const struct nlmsghdr *h, void *data)
{
	const struct batch_answers *a = data;
	const struct batch *b = a->b;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

	if (h->nlmsg_type != NLMSG_ERROR || mnl_nlmsg_get_payload_len(h) < sizeof(*e))
		return 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->seq[i] == h->nlmsg_seq)
			a->results[b->index[i]] = step_result(&a->steps[b->index[i]], e->error);
	return h->nlmsg_seq == b->seq[b->n - 1];
}

/*
 * Send the batch in one sendmsg and read the answers. The kernel runs every
 * request of the buffer in order inside that sendmsg and answers each failure
 * whether asked or not; only the last request asks for an ack. So once the
 * last is answered, every request without an error of its own was done.
 */
static int batch_flush(struct vrf_rtnl *rt, struct batch *b, const struct vrf_step *steps,
		       int *results)
{
	struct batch_answers a = { b, steps, results };
	int r = 0;

	if (b->n == 0)
		return 0;
	((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
	/* Done unless refused. If the answers are lost (below), the rollback
	 * undoes them all: undoing what was not done is found already so. */
	for (size_t i = 0; i < b->n; i++)
		results[b->index[i]] = 1;
	if (mnl_socket_sendto(rt->sock, b->buf, b->len) < 0)
		r = -errno;
	else
		r = receive(rt, take_ack, &a);
	b->len = 0;
	b->n = 0;
	return r;
}

/*
 * Start the next request in the batch (sent first when full) for step i.
 * NULL only when the socket failed (*r set).
 */
static struct nlmsghdr *batch_next(struct vrf_rtnl *rt, struct batch *b, const struct vrf_step *steps,
				   size_t i, int *results, int *r)
{
	struct nlmsghdr *req;
	void *hdr;

	if (b->n == rt->batch_max || b->len > BATCH_BYTES) {
		*r = batch_flush(rt, b, steps, results);
		if (*r < 0)
			return NULL;
	}
	req = vrf_rtnl_request(b->buf + b->len, 0, 0, step_hdrlen(steps[i].op), &hdr);
	req->nlmsg_seq = ++rt->seq;
	return req;
}

/* Keep the request just built in the batch. */
static void batch_keep(struct batch *b, struct nlmsghdr *req, size_t step)
{
	b->last = b->len;
	b->len += NLMSG_ALIGN(req->nlmsg_len);
	b->seq[b->n] = req->nlmsg_seq;
	b->index[b->n++] = step;
}

static bool group_deletion(const struct vrf_step *s)
{
	return s->op == VRF_STEP_LINK_DEL && s->u.link.group_size;
}

/*
 * The first of these n steps that the planner marked as deleting a device of
 * a whole link group (group_size), if all of the group's deletions are among
 * them: then one request by group does them all, there. A run cut short (a
 * failure injected in the middle) deletes one by one instead. n if none.
 */
static size_t whole_group_deletion(const struct vrf_step *steps, size_t n)
{
	size_t first = n, count = 0;

	for (size_t k = 0; k < n; k++) {
		if (!group_deletion(&steps[k]))
			continue;
		if (first == n)
			first = k;
		count += steps[k].u.link.group == steps[first].u.link.group;
	}
	return first < n && count == steps[first].u.link.group_size ? first : n;
}

int vrf_rtnl_steps(struct vrf_rtnl *rt, const struct vrf_step *steps, size_t n, int *results)
{
	struct batch b = { .buf = malloc(BATCH_ROOM) };
	size_t fold = whole_group_deletion(steps, n);
	int r = 0;

	if (!b.buf)
		return -ENOMEM;
	for (size_t i = 0; i < n && r >= 0; i++) {
		bool in_group = fold < n && group_deletion(&steps[i]) &&
				steps[i].u.link.group == steps[fold].u.link.group;
		struct nlmsghdr *req;

		if (in_group) {
			ifcache_set(rt, steps[i].u.link.name, 0);
			/* Done by the request at the group's first deletion. */
			if (i != fold)
				continue;
		}
		req = batch_next(rt, &b, steps, i, results, &r);
		if (!req)
			break;
		if (in_group) {
			group_del_msg(steps[i].u.link.group, req);
			results[i] = 1;
		} else {
			results[i] = step_msg(rt, &steps[i], req);
		}
		if (results[i] > 0)
			batch_keep(&b, req, i);
	}
	if (r >= 0)
		r = batch_flush(rt, &b, steps, results);
	/* The group's other deletions fared as its request did. */
	for (size_t i = 0; fold < n && i < n; i++)
		if (group_deletion(&steps[i]) && steps[i].u.link.group == steps[fold].u.link.group)
			results[i] = results[fold];
	free(b.buf);
	return r;
}

int vrf_rtnl_step(struct vrf_rtnl *rt, const struct vrf_step *step)
{
	int result = 0;
	int r = vrf_rtnl_steps(rt, step, 1, &result);

	return r < 0 ? r : result;
}
