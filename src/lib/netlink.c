/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vrf.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>

#include "addr.h"
#include "netlink.h"
#include "rtnl.h"
#include "sock.h"
#include "strmap.h"

struct vrf_nl {
	struct nl_sock *sock;
	size_t batch_max;            /* requests per sendmsg (see vrf_nl_open) */
	/* Names to ifindexes, from the link dump and what was looked up since:
	 * thousands of steps name the same devices. 0: made again, ask. */
	struct vrf_strmap ifindexes;
};

/* Requests per sendmsg at most, and bytes: past a few hundred, fewer system
 * calls no longer show in the time, and a failure's report stays small. */
#define BATCH_MAX 512
#define BATCH_BYTES (64 * 1024)
/* Every answer is an skb of its own in the receive queue, charged about this. */
#define ANSWER_TRUESIZE 1024

/* libnl speaks NLE_*; the rest of vrfctl speaks errno. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case 0:                 return 0;
	case NLE_NOMEM:         return -ENOMEM;
	case NLE_EXIST:         return -EEXIST;
	case NLE_OBJ_NOTFOUND:  return -ENOENT;
	case NLE_NODEV:         return -ENODEV;
	case NLE_PERM:          return -EPERM;
	case NLE_INVAL:         return -EINVAL;
	case NLE_RANGE:         return -ERANGE;
	case NLE_BUSY:          return -EBUSY;
	case NLE_AGAIN:         return -EAGAIN;
	case NLE_OPNOTSUPP:     return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:  return -EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_NOADDR:        return -EADDRNOTAVAIL;
	case NLE_NOACCESS:      return -EACCES;
	case NLE_MSGSIZE:       return -EMSGSIZE;
	default:                return -EIO;
	}
}

int vrf_nl_open(struct vrf_nl **out)
{
	struct vrf_nl *nl = calloc(1, sizeof(*nl));
	int r = -ENOMEM, fd, one = 1;

	if (!nl)
		goto fail;
	nl->sock = nl_socket_alloc();
	if (!nl->sock)
		goto fail;
	r = nle_to_errno(nl_connect(nl->sock, NETLINK_ROUTE));
	if (r < 0)
		goto fail;
	/*
	 * A batch's answers are queued in full before the first is read, and
	 * the kernel drops what does not fit (ENOBUFS): size the batches to the
	 * receive buffer (libnl's default, 32 KiB, holds ~30). Only failures and
	 * each batch's last request are answered, but every request may fail.
	 */
	fd = nl_socket_get_fd(nl->sock);
	r = vrf_sock_grow_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, (BATCH_MAX + 64) * ANSWER_TRUESIZE);
	if (r < 0)
		goto fail;
	nl->batch_max = (size_t)r / ANSWER_TRUESIZE > 64 ? (size_t)r / ANSWER_TRUESIZE - 32 : 16;
	if (nl->batch_max > BATCH_MAX)
		nl->batch_max = BATCH_MAX;
	r = vrf_sock_grow_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, 2 * BATCH_BYTES);
	if (r < 0)
		goto fail;
	/* A refusal quotes the header of the request, not all of it. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*out = nl;
	return 0;
fail:
	vrf_nl_close(nl);
	return r;
}

void vrf_nl_close(struct vrf_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sock);
	vrf_strmap_free(&nl->ifindexes);
	free(nl);
}

/* ---- names to ifindexes --------------------------------------------------- */

/* Remember name's ifindex (0: ask the kernel again). Without memory the
 * cache just stays smaller: every miss is asked of the kernel, and a name
 * already in is changed in place, which cannot fail (strmap.h). */
static void ifcache_set(struct vrf_nl *nl, const char *name, unsigned ifindex)
{
	(void)vrf_strmap_put(&nl->ifindexes, name, ifindex);
}

/* name's ifindex, learned or asked of the kernel now; 0 when there is none. */
static unsigned ifindex_of(struct vrf_nl *nl, const char *name)
{
	size_t known = 0;
	unsigned ifindex;

	if (vrf_strmap_get(&nl->ifindexes, name, &known) && known)
		return (unsigned)known;
	ifindex = if_nametoindex(name);
	if (ifindex)
		ifcache_set(nl, name, ifindex);
	return ifindex;
}

/*
 * Grow an array by one zeroed element; returns it, or NULL. The room doubles
 * whenever n reaches a power of two, so a dump of thousands of routes costs a
 * few reallocs, not one each. Only for arrays grown by nothing else.
 */
static void *append(void *arrayp, size_t *n, size_t size)
{
	void **array = arrayp;

	if ((*n & (*n - 1)) == 0) {
		char *grown = realloc(*array, (*n ? 2 * *n : 1) * size);

		if (!grown)
			return NULL;
		*array = grown;
	}
	memset((char *)*array + *n * size, 0, size);
	return (char *)*array + (*n)++ * size;
}

/*
 * Observing is four dumps, read raw (rtnl.h): with thousands of VRFs the
 * answers are tens of thousands of routes, and building a libnl object for
 * each was most of what a no-op apply cost.
 */

/* An address attribute into out (zeroed first); at most 16 bytes are kept. */
static void addr_from_attr(const struct rtattr *a, union vrf_addr *out)
{
	size_t len = a ? RTA_PAYLOAD(a) : 0;

	memset(out, 0, sizeof(*out));
	if (len)
		memcpy(out->bytes, RTA_DATA(a), len > 16 ? 16 : len);
}

struct observing {
	struct vrf_nl *nl;
	struct vrf_state *st;
};

static int observe_link(const struct nlmsghdr *msg, void *data)
{
	const struct observing *o = data;
	const struct ifinfomsg *ifi = NLMSG_DATA(msg);
	struct rtattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *vrf[IFLA_VRF_MAX + 1];
	struct vrf_obs_link *l;

	if (msg->nlmsg_type != RTM_NEWLINK)
		return 0;
	l = append(&o->st->links, &o->st->n_links, sizeof(*l));
	if (!l)
		return -ENOMEM;
	vrf_rtnl_attrs(msg, sizeof(*ifi), tb, IFLA_MAX);
	l->ifindex = (unsigned)ifi->ifi_index;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(tb[IFLA_IFNAME]),
			 (const char *)RTA_DATA(tb[IFLA_IFNAME]));
	l->master = vrf_rtnl_u32(tb[IFLA_MASTER]);
	l->group = vrf_rtnl_u32(tb[IFLA_GROUP]);
	l->up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_LINKINFO]) {
		vrf_rtnl_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
		l->is_vrf = info[IFLA_INFO_KIND] &&
			    strncmp(RTA_DATA(info[IFLA_INFO_KIND]), "vrf",
				    RTA_PAYLOAD(info[IFLA_INFO_KIND])) == 0 &&
			    RTA_PAYLOAD(info[IFLA_INFO_KIND]) >= 3;
		if (l->is_vrf && info[IFLA_INFO_DATA]) {
			vrf_rtnl_nested(info[IFLA_INFO_DATA], vrf, IFLA_VRF_MAX);
			l->vrf_table = vrf_rtnl_u32(vrf[IFLA_VRF_TABLE]);
		}
	}
	ifcache_set(o->nl, l->name, l->ifindex);
	return 0;
}

static int observe_rule(const struct nlmsghdr *msg, void *data)
{
	const struct observing *o = data;
	const struct fib_rule_hdr *frh = NLMSG_DATA(msg);
	struct rtattr *tb[FRA_MAX + 1];
	uint32_t mark;
	struct vrf_rule *v;

	/* The VRF driver also adds l3mdev rules for multicast routing
	 * (RTNL_FAMILY_IPMR, IP6MR): not vrfctl's to manage. */
	if (msg->nlmsg_type != RTM_NEWRULE || (frh->family != AF_INET && frh->family != AF_INET6))
		return 0;
	v = append(&o->st->rules, &o->st->n_rules, sizeof(*v));
	if (!v)
		return -ENOMEM;
	vrf_rtnl_attrs(msg, sizeof(*frh), tb, FRA_MAX);
	v->family = frh->family;
	v->pref = vrf_rtnl_u32(tb[FRA_PRIORITY]);
	v->table = tb[FRA_TABLE] ? vrf_rtnl_u32(tb[FRA_TABLE]) : frh->table;
	v->l3mdev = tb[FRA_L3MDEV] && *(const uint8_t *)RTA_DATA(tb[FRA_L3MDEV]);
	v->unreachable = frh->action == FR_ACT_UNREACHABLE;
	v->protocol = tb[FRA_PROTOCOL] ? *(const uint8_t *)RTA_DATA(tb[FRA_PROTOCOL]) : 0;
	mark = vrf_rtnl_u32(tb[FRA_FWMARK]);
	if (tb[FRA_IIFNAME])
		snprintf(v->iif, sizeof(v->iif), "%.*s", (int)RTA_PAYLOAD(tb[FRA_IIFNAME]),
			 (const char *)RTA_DATA(tb[FRA_IIFNAME]));
	/* Any selector vrfctl never sets makes the rule someone else's. */
	v->other_selectors =
		(frh->action != FR_ACT_TO_TBL && frh->action != FR_ACT_UNREACHABLE) ||
		frh->src_len || frh->dst_len || tb[FRA_SRC] || tb[FRA_DST] ||
		tb[FRA_OIFNAME] || (mark != 0 && mark != 0xffffffffu) ||
		frh->tos || tb[FRA_IP_PROTO] || tb[FRA_SPORT_RANGE] || tb[FRA_DPORT_RANGE];
	return 0;
}

/* The name of ifindex from the links already observed. */
static void dev_name(const struct vrf_state *st, unsigned ifindex, char *out)
{
	const struct vrf_obs_link *l = ifindex ? vrf_state_link_by_index(st, ifindex) : NULL;

	out[0] = '\0';
	if (l)
		memcpy(out, l->name, IFNAMSIZ);
}

static int observe_route(const struct nlmsghdr *msg, void *data)
{
	const struct observing *o = data;
	const struct rtmsg *rtm = NLMSG_DATA(msg);
	struct rtattr *tb[RTA_MAX + 1], *gateway;
	uint32_t table;
	unsigned oif;
	struct vrf_route *v;

	if (msg->nlmsg_type != RTM_NEWROUTE)
		return 0;
	vrf_rtnl_attrs(msg, sizeof(*rtm), tb, RTA_MAX);
	table = tb[RTA_TABLE] ? vrf_rtnl_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	/* The local table is the kernel's business; other types are not vrfctl's. */
	if (table == RT_TABLE_LOCAL || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_type != RTN_UNICAST && rtm->rtm_type != RTN_UNREACHABLE))
		return 0;
	v = append(&o->st->routes, &o->st->n_routes, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->family = rtm->rtm_family;
	v->table = table;
	v->dst.family = rtm->rtm_family;
	addr_from_attr(tb[RTA_DST], &v->dst.addr);
	v->dst.len = rtm->rtm_dst_len;
	v->unreachable = rtm->rtm_type == RTN_UNREACHABLE;
	v->protocol = rtm->rtm_protocol;
	v->metric = vrf_rtnl_u32(tb[RTA_PRIORITY]);
	gateway = tb[RTA_GATEWAY];
	oif = vrf_rtnl_u32(tb[RTA_OIF]);
	if (tb[RTA_MULTIPATH] && RTA_PAYLOAD(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
		/* Several next hops: the first, as for one. */
		struct rtnexthop *nh = RTA_DATA(tb[RTA_MULTIPATH]);
		int len = (int)nh->rtnh_len - (int)sizeof(*nh);

		oif = (unsigned)nh->rtnh_ifindex;
		gateway = NULL;
		for (struct rtattr *a = RTNH_DATA(nh); RTA_OK(a, len); a = RTA_NEXT(a, len))
			if (a->rta_type == RTA_GATEWAY)
				gateway = a;
	}
	if (gateway) {
		v->has_via = true;
		addr_from_attr(gateway, &v->via);
	}
	/* The kernel shows an IPv6 reject route on lo; it has no device. */
	if (!v->unreachable)
		dev_name(o->st, oif, v->dev);
	return 0;
}

static int observe_addr(const struct nlmsghdr *msg, void *data)
{
	const struct observing *o = data;
	const struct ifaddrmsg *ifa = NLMSG_DATA(msg);
	struct rtattr *tb[IFA_MAX + 1], *local;
	struct vrf_obs_addr *v;

	if (msg->nlmsg_type != RTM_NEWADDR)
		return 0;
	vrf_rtnl_attrs(msg, sizeof(*ifa), tb, IFA_MAX);
	/* IPv6 says only IFA_ADDRESS; IPv4 has IFA_LOCAL (IFA_ADDRESS is the peer). */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return 0;
	v = append(&o->st->addrs, &o->st->n_addrs, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ifindex = ifa->ifa_index;
	v->family = ifa->ifa_family;
	addr_from_attr(local, &v->addr);
	return 0;
}

int vrf_nl_observe(struct vrf_nl *nl, struct vrf_state *st)
{
	struct observing o = { nl, st };
	int r = vrf_rtnl_dump(RTM_GETLINK, AF_UNSPEC, observe_link, &o);

	/* Routes name their devices through the index: build it first. */
	if (r >= 0)
		r = vrf_state_index(st);
	if (r >= 0)
		r = vrf_rtnl_dump(RTM_GETRULE, AF_UNSPEC, observe_rule, &o);
	if (r >= 0)
		r = vrf_rtnl_dump(RTM_GETROUTE, AF_UNSPEC, observe_route, &o);
	if (r >= 0)
		r = vrf_rtnl_dump(RTM_GETADDR, AF_UNSPEC, observe_addr, &o);
	return r;
}

/* ---- steps ------------------------------------------------------------ */

/*
 * Each step becomes one rtnetlink request. Building is separate from sending
 * (libmnl style), so that a run of independent steps goes to the kernel in
 * one sendmsg and its acks come back together: the kernel processes every
 * message of a buffer in order and acks each one, failed or not.
 */

static struct nl_addr *nl_addr_from(int family, const union vrf_addr *a, unsigned plen)
{
	struct nl_addr *addr = nl_addr_build(family, a->bytes, vrf_addr_len(family));

	if (addr)
		nl_addr_set_prefixlen(addr, (int)plen);
	return addr;
}

static int rule_msg(const struct vrf_step *s, struct nl_msg **msg)
{
	const struct vrf_rule *v = &s->u.rule;
	struct rtnl_rule *rule = rtnl_rule_alloc();
	int r;

	if (!rule)
		return -ENOMEM;
	rtnl_rule_set_family(rule, v->family);
	rtnl_rule_set_prio(rule, v->pref);
	rtnl_rule_set_action(rule, v->unreachable ? FR_ACT_UNREACHABLE : FR_ACT_TO_TBL);
	if (v->l3mdev)
		rtnl_rule_set_l3mdev(rule, 1);
	else if (!v->unreachable)
		rtnl_rule_set_table(rule, v->table);
	if (v->iif[0])
		rtnl_rule_set_iif(rule, v->iif);
	/* On delete the protocol narrows the match: only that rule goes. */
	rtnl_rule_set_protocol(rule, v->protocol);
	if (s->op == VRF_STEP_RULE_ADD)
		/* Not NLM_F_EXCL: a layout out of order is rebuilt by adding the
		 * same rules again behind the others, then deleting the first ones. */
		r = rtnl_rule_build_add_request(rule, 0, msg);
	else
		r = rtnl_rule_build_delete_request(rule, 0, msg);
	rtnl_rule_put(rule);
	return nle_to_errno(r);
}

static int route_msg(struct vrf_nl *nl, const struct vrf_step *s, struct nl_msg **msg)
{
	const struct vrf_route *v = &s->u.route;
	struct rtnl_route *route = rtnl_route_alloc();
	struct nl_addr *dst = NULL, *gw = NULL;
	int r = -ENOMEM;

	if (!route)
		goto out;
	dst = nl_addr_from(v->family, &v->dst.addr, v->dst.len);
	if (!dst)
		goto out;
	rtnl_route_set_family(route, (uint8_t)v->family);
	rtnl_route_set_table(route, v->table);
	rtnl_route_set_dst(route, dst);
	rtnl_route_set_type(route, v->unreachable ? RTN_UNREACHABLE : RTN_UNICAST);
	rtnl_route_set_protocol(route, v->protocol);
	rtnl_route_set_priority(route, v->metric);
	/* libnl would guess "link" for a route with no gateway; ip, and so what
	 * vrfctl -n prints, makes an unreachable route global. */
	if (v->unreachable)
		rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
	if (v->has_via || v->dev[0]) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		if (!nh)
			goto out;
		if (v->dev[0]) {
			unsigned ifindex = ifindex_of(nl, v->dev);

			if (!ifindex) {
				rtnl_route_nh_free(nh);
				/* A route through a device that is gone is gone too. */
				r = s->op == VRF_STEP_ROUTE_DEL ? 0 : -ENODEV;
				goto out;
			}
			rtnl_route_nh_set_ifindex(nh, (int)ifindex);
		}
		if (v->has_via) {
			gw = nl_addr_from(v->family, &v->via, vrf_addr_len(v->family) * 8);
			if (!gw) {
				rtnl_route_nh_free(nh);
				goto out;
			}
			rtnl_route_nh_set_gateway(nh, gw);
		}
		rtnl_route_add_nexthop(route, nh);
	}
	if (s->op == VRF_STEP_ROUTE_ADD)
		r = nle_to_errno(rtnl_route_build_add_request(route, NLM_F_EXCL, msg));
	else
		r = nle_to_errno(rtnl_route_build_del_request(route, 0, msg));
out:
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_route_put(route);
	return r;
}

static int link_msg(struct vrf_nl *nl, const struct vrf_step *s, struct nl_msg **msg)
{
	struct rtnl_link *link = NULL, *change = NULL;
	unsigned ifindex;
	int r = -ENOMEM;

	if (s->op == VRF_STEP_LINK_ADD) {
		link = rtnl_link_vrf_alloc();
		if (!link)
			goto out;
		rtnl_link_set_name(link, s->u.link.name);
		rtnl_link_vrf_set_tableid(link, s->u.link.table);
		/* The group is set in the same message that creates the device, so a
		 * VRF of vrfctl's is never seen unmarked. */
		rtnl_link_set_group(link, s->u.link.group);
		if (s->u.link.up)
			rtnl_link_set_flags(link, IFF_UP);
		r = nle_to_errno(rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, msg));
		/* The new device's index is asked for when a later batch needs it. */
		ifcache_set(nl, s->u.link.name, 0);
		goto out;
	}
	ifindex = ifindex_of(nl, s->op == VRF_STEP_LINK_MASTER ? s->u.master.dev : s->u.link.name);
	if (s->op == VRF_STEP_LINK_DEL)
		ifcache_set(nl, s->u.link.name, 0);
	if (!ifindex) {
		/* Deleting what is not there is done; anything else needs the device. */
		r = s->op == VRF_STEP_LINK_DEL ? 0 : -ENODEV;
		goto out;
	}
	link = rtnl_link_alloc();
	change = rtnl_link_alloc();
	if (!link || !change)
		goto out;
	rtnl_link_set_ifindex(link, (int)ifindex);
	switch (s->op) {
	case VRF_STEP_LINK_DEL:
		r = nle_to_errno(rtnl_link_build_delete_request(link, msg));
		goto out;
	case VRF_STEP_LINK_UP:
		rtnl_link_set_flags(change, IFF_UP);
		break;
	case VRF_STEP_LINK_DOWN:
		rtnl_link_unset_flags(change, IFF_UP);
		break;
	case VRF_STEP_LINK_MASTER: {
		unsigned master = 0;

		if (s->u.master.master[0]) {
			master = ifindex_of(nl, s->u.master.master);
			if (!master) {
				r = -ENODEV;
				goto out;
			}
		}
		rtnl_link_set_master(change, (int)master);
		break;
	}
	default:
		r = -EINVAL;
		goto out;
	}
	r = nle_to_errno(rtnl_link_build_change_request(link, change, 0, msg));
out:
	rtnl_link_put(change);
	rtnl_link_put(link);
	return r;
}

/* The request for step, or *msg NULL when there is nothing to send (0). */
static int step_msg(struct vrf_nl *nl, const struct vrf_step *s, struct nl_msg **msg)
{
	*msg = NULL;
	switch (s->op) {
	case VRF_STEP_RULE_ADD:
	case VRF_STEP_RULE_DEL:
		return rule_msg(s, msg);
	case VRF_STEP_ROUTE_ADD:
	case VRF_STEP_ROUTE_DEL:
		return route_msg(nl, s, msg);
	case VRF_STEP_LINK_ADD:
	case VRF_STEP_LINK_DEL:
	case VRF_STEP_LINK_UP:
	case VRF_STEP_LINK_DOWN:
	case VRF_STEP_LINK_MASTER:
		return link_msg(nl, s, msg);
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

struct batch {
	char *buf;
	size_t len, cap;
	size_t last;                 /* offset of the last request */
	uint32_t seq[BATCH_MAX];
	size_t index[BATCH_MAX];     /* which step each request is */
	size_t n;
};

static int batch_add(struct batch *b, struct nl_msg *msg, size_t step)
{
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	size_t len = NLMSG_ALIGN(hdr->nlmsg_len);

	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16384;
		char *buf;

		while (cap < b->len + len)
			cap *= 2;
		buf = realloc(b->buf, cap);
		if (!buf)
			return -ENOMEM;
		b->buf = buf;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, hdr, hdr->nlmsg_len);
	memset(b->buf + b->len + hdr->nlmsg_len, 0, len - hdr->nlmsg_len);
	((struct nlmsghdr *)(b->buf + b->len))->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	b->last = b->len;
	b->len += len;
	b->seq[b->n] = hdr->nlmsg_seq;
	b->index[b->n++] = step;
	return 0;
}

/* Throw away whatever answers are queued: after a failed read they belong to
 * nobody, and must not be taken for the answers of the rollback's requests. */
static void drain(int fd, char *buf, size_t size)
{
	for (;;) {
		ssize_t got = recv(fd, buf, size, MSG_DONTWAIT);

		if (got <= 0 && !(got < 0 && (errno == EINTR || errno == ENOBUFS)))
			return;
	}
}

/*
 * Send the batch in one sendmsg and read the answers. The kernel runs every
 * request of the buffer in order inside that sendmsg and answers each failure
 * whether asked or not; only the last request asks for an ack. So once the
 * last is answered, every request without an error of its own was done.
 */
static int batch_flush(struct vrf_nl *nl, struct batch *b, const struct vrf_step *steps,
		       int *results)
{
	int fd = nl_socket_get_fd(nl->sock), r = 0;
	uint32_t last_seq;
	char buf[16384];
	bool done = false;

	if (b->n == 0)
		return 0;
	last_seq = b->seq[b->n - 1];
	((struct nlmsghdr *)(b->buf + b->last))->nlmsg_flags |= NLM_F_ACK;
	/* Done unless refused. If the answers are lost (below), the rollback
	 * undoes them all: undoing what was not done is found already so. */
	for (size_t i = 0; i < b->n; i++)
		results[b->index[i]] = 1;
	r = nl_sendto(nl->sock, b->buf, b->len);
	if (r < 0) {
		r = nle_to_errno(r);
		goto out;
	}
	r = 0;
	while (!done) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		int len = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			r = got < 0 ? -errno : -EIO;
			drain(fd, buf, sizeof(buf));
			goto out;
		}
		for (struct nlmsghdr *hdr = (struct nlmsghdr *)buf; NLMSG_OK(hdr, len);
		     hdr = NLMSG_NEXT(hdr, len)) {
			const struct nlmsgerr *e = NLMSG_DATA(hdr);

			if (hdr->nlmsg_type != NLMSG_ERROR)
				continue;
			for (size_t i = 0; i < b->n; i++)
				if (b->seq[i] == hdr->nlmsg_seq)
					results[b->index[i]] = step_result(&steps[b->index[i]], e->error);
			done |= hdr->nlmsg_seq == last_seq;
		}
	}
out:
	b->len = 0;
	b->n = 0;
	return r;
}

/* One RTM_DELLINK for every device of a link group. */
static int group_del_msg(uint32_t group, struct nl_msg **msg)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	*msg = nlmsg_alloc_simple(RTM_DELLINK, 0);
	if (!*msg)
		return -ENOMEM;
	if (nlmsg_append(*msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_u32(*msg, IFLA_GROUP, group) < 0) {
		nlmsg_free(*msg);
		*msg = NULL;
		return -ENOMEM;
	}
	return 0;
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

int vrf_nl_steps(struct vrf_nl *nl, const struct vrf_step *steps, size_t n, int *results)
{
	struct batch b = { 0 };
	size_t fold = whole_group_deletion(steps, n);
	int r = 0;

	nl_socket_disable_seq_check(nl->sock);
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct nl_msg *msg = NULL;

		if (fold < n && group_deletion(&steps[i]) &&
		    steps[i].u.link.group == steps[fold].u.link.group) {
			ifcache_set(nl, steps[i].u.link.name, 0);
			/* Done by the request at the group's first deletion. */
			if (i != fold)
				continue;
			results[i] = group_del_msg(steps[i].u.link.group, &msg);
		} else {
			results[i] = step_msg(nl, &steps[i], &msg);
		}
		if (!msg)
			continue;
		nl_complete_msg(nl->sock, msg);
		if (b.n == nl->batch_max || b.len + nlmsg_hdr(msg)->nlmsg_len > BATCH_BYTES)
			r = batch_flush(nl, &b, steps, results);
		if (r >= 0)
			r = batch_add(&b, msg, i);
		nlmsg_free(msg);
	}
	if (r >= 0)
		r = batch_flush(nl, &b, steps, results);
	/* The group's other deletions fared as its request did. */
	for (size_t i = 0; fold < n && i < n; i++)
		if (group_deletion(&steps[i]) && steps[i].u.link.group == steps[fold].u.link.group)
			results[i] = results[fold];
	free(b.buf);
	return r;
}

int vrf_nl_step(struct vrf_nl *nl, const struct vrf_step *step)
{
	int result = 0;
	int r = vrf_nl_steps(nl, step, 1, &result);

	return r < 0 ? r : result;
}
