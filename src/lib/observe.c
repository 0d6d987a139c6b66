/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "array.h"
#include "bind.h"
#include "observe.h"
#include "rtnl.h"

/* ---- the observed state ------------------------------------------------- */

void vrf_state_free(struct vrf_state *state)
{
	if (!state)
		return;
	free(state->links);
	free(state->rules);
	free(state->routes);
	free(state->addrs);
	free(state->conns);
	for (size_t i = 0; i < state->n_cgroups; i++)
		free(state->cgroups[i].allow);
	free(state->cgroups);
	vrf_strmap_free(&state->by_name);
	memset(state, 0, sizeof(*state));
}

static int cmp_link_index(const void *a, const void *b)
{
	const struct vrf_obs_link *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

int vrf_state_index(struct vrf_state *s)
{
	vrf_strmap_free(&s->by_name);
	s->indexed = false;
	qsort(s->links, s->n_links, sizeof(*s->links), cmp_link_index);
	for (size_t i = 0; i < s->n_links; i++) {
		if (vrf_strmap_put(&s->by_name, s->links[i].name, i) < 0) {
			vrf_strmap_free(&s->by_name);
			return -ENOMEM;
		}
	}
	s->indexed = true;
	return 0;
}

const struct vrf_obs_link *vrf_state_link_by_name(const struct vrf_state *s, const char *name)
{
	size_t i;

	if (s->indexed)
		return vrf_strmap_get(&s->by_name, name, &i) ? &s->links[i] : NULL;
	for (size_t k = 0; k < s->n_links; k++)
		if (strcmp(s->links[k].name, name) == 0)
			return &s->links[k];
	return NULL;
}

const struct vrf_obs_link *vrf_state_link_by_index(const struct vrf_state *s, unsigned ifindex)
{
	if (s->indexed) {
		struct vrf_obs_link key = { .ifindex = ifindex };

		return bsearch(&key, s->links, s->n_links, sizeof(*s->links), cmp_link_index);
	}
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

static const char *const sysctl_names[VRF_SYSCTL_COUNT] = {
	[VRF_SYSCTL_TCP_L3MDEV_ACCEPT] = "net.ipv4.tcp_l3mdev_accept",
	[VRF_SYSCTL_UDP_L3MDEV_ACCEPT] = "net.ipv4.udp_l3mdev_accept",
	[VRF_SYSCTL_RAW_L3MDEV_ACCEPT] = "net.ipv4.raw_l3mdev_accept",
};

static const char *const sysctl_paths[VRF_SYSCTL_COUNT] = {
	[VRF_SYSCTL_TCP_L3MDEV_ACCEPT] = "/proc/sys/net/ipv4/tcp_l3mdev_accept",
	[VRF_SYSCTL_UDP_L3MDEV_ACCEPT] = "/proc/sys/net/ipv4/udp_l3mdev_accept",
	[VRF_SYSCTL_RAW_L3MDEV_ACCEPT] = "/proc/sys/net/ipv4/raw_l3mdev_accept",
};

const char *vrf_sysctl_name(enum vrf_sysctl_id id)
{
	return sysctl_names[id];
}

const char *vrf_sysctl_path(enum vrf_sysctl_id id)
{
	return sysctl_paths[id];
}

/* Each value the planner compares; -1 when the file is missing. */
static void observe_sysctls(struct vrf_state *st)
{
	for (int id = 0; id < VRF_SYSCTL_COUNT; id++) {
		FILE *f = fopen(vrf_sysctl_path((enum vrf_sysctl_id)id), "re");
		int value = -1;

		if (f) {
			if (fscanf(f, "%d", &value) != 1)
				value = -1;
			fclose(f);
		}
		st->sysctl[id] = value;
	}
}

/* ---- rtnetlink dumps ---------------------------------------------------- */

/*
 * What each attribute read below must look like: the kernel's answers are
 * checked against these before any field is read (rtnl.h).
 */
static const struct vrf_rtnl_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING, 0 },
	[IFLA_MASTER] = { MNL_TYPE_U32, 0 },
	[IFLA_GROUP] = { MNL_TYPE_U32, 0 },
	[IFLA_LINKINFO] = { MNL_TYPE_NESTED, 0 },
};
static const struct vrf_rtnl_policy linkinfo_policy[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { MNL_TYPE_STRING, 0 },
	[IFLA_INFO_DATA] = { MNL_TYPE_NESTED, 0 },
};
static const struct vrf_rtnl_policy vrf_policy[IFLA_VRF_MAX + 1] = {
	[IFLA_VRF_TABLE] = { MNL_TYPE_U32, 0 },
};
static const struct vrf_rtnl_policy rule_policy[FRA_MAX + 1] = {
	[FRA_PRIORITY] = { MNL_TYPE_U32, 0 },
	[FRA_TABLE] = { MNL_TYPE_U32, 0 },
	[FRA_L3MDEV] = { MNL_TYPE_U8, 0 },
	[FRA_PROTOCOL] = { MNL_TYPE_U8, 0 },
	[FRA_FWMARK] = { MNL_TYPE_U32, 0 },
	[FRA_IIFNAME] = { MNL_TYPE_NUL_STRING, 0 },
};
static const struct vrf_rtnl_policy route_policy[RTA_MAX + 1] = {
	[RTA_TABLE] = { MNL_TYPE_U32, 0 },
	[RTA_DST] = { MNL_TYPE_BINARY, 16 },
	[RTA_GATEWAY] = { MNL_TYPE_BINARY, 16 },
	[RTA_PRIORITY] = { MNL_TYPE_U32, 0 },
	[RTA_OIF] = { MNL_TYPE_U32, 0 },
	[RTA_MULTIPATH] = { MNL_TYPE_UNSPEC, 0 },
};
static const struct vrf_rtnl_policy addr_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { MNL_TYPE_BINARY, 16 },
	[IFA_LOCAL] = { MNL_TYPE_BINARY, 16 },
};

/*
 * The one reading of an RTM_NEWLINK, for the planner's dump and vrf-exec's
 * questions alike. 0, or -EBADMSG for an answer that does not parse.
 */
static int parse_link(const struct nlmsghdr *msg, struct vrf_obs_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *vrf[IFLA_VRF_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(msg);
	int r = vrf_rtnl_parse(msg, sizeof(*ifi), link_policy, IFLA_MAX, tb);

	memset(l, 0, sizeof(*l));
	if (r < 0)
		return r;
	l->ifindex = ifi->ifi_index > 0 ? (unsigned)ifi->ifi_index : 0;
	vrf_rtnl_ifname(tb[IFLA_IFNAME], l->name);
	l->master = vrf_rtnl_u32(tb[IFLA_MASTER]);
	l->group = vrf_rtnl_u32(tb[IFLA_GROUP]);
	l->up = ifi->ifi_flags & IFF_UP;
	if (!tb[IFLA_LINKINFO])
		return 0;
	r = vrf_rtnl_parse_nested(tb[IFLA_LINKINFO], linkinfo_policy, IFLA_INFO_MAX, info);
	if (r < 0)
		return r;
	l->is_vrf = info[IFLA_INFO_KIND] &&
		    strncmp(mnl_attr_get_payload(info[IFLA_INFO_KIND]), "vrf",
			    mnl_attr_get_payload_len(info[IFLA_INFO_KIND])) == 0 &&
		    mnl_attr_get_payload_len(info[IFLA_INFO_KIND]) >= 3;
	if (l->is_vrf && info[IFLA_INFO_DATA]) {
		r = vrf_rtnl_parse_nested(info[IFLA_INFO_DATA], vrf_policy, IFLA_VRF_MAX, vrf);
		l->vrf_table = vrf_rtnl_u32(vrf[IFLA_VRF_TABLE]);
	}
	return r;
}

/* An address attribute into out (zeroed first); the policy kept it to 16 bytes. */
static void addr_from_attr(const struct nlattr *a, union vrf_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (a)
		memcpy(out->bytes, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
}

static int observe_link(const struct nlmsghdr *msg, void *data)
{
	struct vrf_state *st = data;
	struct vrf_obs_link *l;

	if (msg->nlmsg_type != RTM_NEWLINK)
		return 0;
	l = VRF_ARRAY_PUSH(st->links, st->n_links);
	return l ? parse_link(msg, l) : -ENOMEM;
}

static int observe_rule(const struct nlmsghdr *msg, void *data)
{
	struct vrf_state *st = data;
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(msg);
	const struct nlattr *tb[FRA_MAX + 1];
	uint32_t mark;
	struct vrf_rule *v;

	/* The VRF driver also adds l3mdev rules for multicast routing
	 * (RTNL_FAMILY_IPMR, IP6MR): not vrfctl's to manage. */
	if (msg->nlmsg_type != RTM_NEWRULE || (frh->family != AF_INET && frh->family != AF_INET6))
		return 0;
	if (vrf_rtnl_parse(msg, sizeof(*frh), rule_policy, FRA_MAX, tb) < 0)
		return -EBADMSG;
	v = VRF_ARRAY_PUSH(st->rules, st->n_rules);
	if (!v)
		return -ENOMEM;
	v->family = frh->family;
	v->pref = vrf_rtnl_u32(tb[FRA_PRIORITY]);
	v->table = tb[FRA_TABLE] ? vrf_rtnl_u32(tb[FRA_TABLE]) : frh->table;
	v->l3mdev = tb[FRA_L3MDEV] && mnl_attr_get_u8(tb[FRA_L3MDEV]);
	v->unreachable = frh->action == FR_ACT_UNREACHABLE;
	v->protocol = tb[FRA_PROTOCOL] ? mnl_attr_get_u8(tb[FRA_PROTOCOL]) : 0;
	mark = vrf_rtnl_u32(tb[FRA_FWMARK]);
	vrf_rtnl_ifname(tb[FRA_IIFNAME], v->iif);
	/* Any selector vrfctl never sets makes the rule someone else's. The
	 * policy does not list them: only their presence is read. */
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

/* The first next hop of RTA_MULTIPATH: its device, and its gateway when it has one. */
static int first_nexthop(const struct nlattr *multipath, unsigned *oif, const struct nlattr **gateway)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(multipath);
	size_t room = mnl_attr_get_payload_len(multipath);

	if (room < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > room)
		return -EBADMSG;
	*oif = (unsigned)nh->rtnh_ifindex;
	*gateway = NULL;
	room = nh->rtnh_len - sizeof(*nh);
	for (const struct nlattr *a = (const struct nlattr *)RTNH_DATA(nh);
	     mnl_attr_ok(a, (int)room); room -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a))
		if (mnl_attr_get_type(a) == RTA_GATEWAY) {
			if (mnl_attr_get_payload_len(a) > 16)
				return -EBADMSG;
			*gateway = a;
		}
	return 0;
}

static int observe_route(const struct nlmsghdr *msg, void *data)
{
	struct vrf_state *st = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(msg);
	const struct nlattr *tb[RTA_MAX + 1], *gateway;
	uint32_t table;
	unsigned oif;
	struct vrf_route *v;

	if (msg->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (vrf_rtnl_parse(msg, sizeof(*rtm), route_policy, RTA_MAX, tb) < 0)
		return -EBADMSG;
	table = tb[RTA_TABLE] ? vrf_rtnl_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	/* The local table is the kernel's business; other types are not vrfctl's. */
	if (table == RT_TABLE_LOCAL || (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    (rtm->rtm_type != RTN_UNICAST && rtm->rtm_type != RTN_UNREACHABLE))
		return 0;
	gateway = tb[RTA_GATEWAY];
	oif = vrf_rtnl_u32(tb[RTA_OIF]);
	/* Several next hops: the first, as for one. */
	if (tb[RTA_MULTIPATH] && first_nexthop(tb[RTA_MULTIPATH], &oif, &gateway) < 0)
		return -EBADMSG;
	v = VRF_ARRAY_PUSH(st->routes, st->n_routes);
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
	if (gateway) {
		v->has_via = true;
		addr_from_attr(gateway, &v->via);
	}
	/* The kernel shows an IPv6 reject route on lo; it has no device. */
	if (!v->unreachable)
		dev_name(st, oif, v->dev);
	return 0;
}

static int observe_addr(const struct nlmsghdr *msg, void *data)
{
	struct vrf_state *st = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(msg);
	const struct nlattr *tb[IFA_MAX + 1], *local;
	struct vrf_obs_addr *v;

	if (msg->nlmsg_type != RTM_NEWADDR)
		return 0;
	if (vrf_rtnl_parse(msg, sizeof(*ifa), addr_policy, IFA_MAX, tb) < 0)
		return -EBADMSG;
	/* IPv6 says only IFA_ADDRESS; IPv4 has IFA_LOCAL (IFA_ADDRESS is the peer). */
	local = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!local)
		return 0;
	v = VRF_ARRAY_PUSH(st->addrs, st->n_addrs);
	if (!v)
		return -ENOMEM;
	v->ifindex = ifa->ifa_index;
	v->family = ifa->ifa_family;
	addr_from_attr(local, &v->addr);
	return 0;
}

/* A dump's answers go to fn; asked again, it forgets what the first answers added. */
struct dump_call {
	struct vrf_state *st;
	vrf_rtnl_fn fn;
	size_t *n;                   /* the count the dump grows */
	size_t n_before;
};

static int dump_fn(const struct nlmsghdr *msg, void *data)
{
	const struct dump_call *c = data;

	return c->fn(msg, c->st);
}

static void dump_restart(void *data)
{
	struct dump_call *c = data;

	*c->n = c->n_before;
}

/* Start a dump of type, of every family; links without their counters. */
static struct nlmsghdr *dump_request(union vrf_rtnl_buf *buf, uint16_t type)
{
	void *hdr;
	/* rtgenmsg would do for all but links, which take a filter attribute:
	 * an ifinfomsg-sized header suits every family's dump. */
	struct nlmsghdr *req = vrf_rtnl_request(buf, type, NLM_F_DUMP, sizeof(struct ifinfomsg), &hdr);

	if (type == RTM_GETLINK)
		mnl_attr_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return req;
}

/* One dump of type into st, its answers to fn, which grows the count *n. */
static int observe_dump(struct vrf_rtnl *rt, struct vrf_state *st, uint16_t type, vrf_rtnl_fn fn,
			size_t *n)
{
	union vrf_rtnl_buf buf;
	struct dump_call c = { st, fn, n, *n };

	return vrf_rtnl_talk(rt, dump_request(&buf, type), dump_fn, dump_restart, &c);
}

/*
 * Observing is four dumps, read raw: with thousands of VRFs the answers are
 * tens of thousands of routes, and building an object for each was most of
 * what a no-op apply cost.
 */
static int observe_netlink(struct vrf_rtnl *rt, struct vrf_state *st)
{
	int r = observe_dump(rt, st, RTM_GETLINK, observe_link, &st->n_links);

	/* Routes name their devices through the index: build it first. */
	if (r >= 0)
		r = vrf_state_index(st);
	if (r >= 0)
		r = observe_dump(rt, st, RTM_GETRULE, observe_rule, &st->n_rules);
	if (r >= 0)
		r = observe_dump(rt, st, RTM_GETROUTE, observe_route, &st->n_routes);
	if (r >= 0)
		r = observe_dump(rt, st, RTM_GETADDR, observe_addr, &st->n_addrs);
	return r;
}

/* /proc/net/tcp prints addresses as the kernel holds them, in host order words. */
static int parse_proc_addr(const char *hex, int family, union vrf_addr *out)
{
	size_t words = family == AF_INET6 ? 4 : 1;

	if (strlen(hex) != words * 8)
		return -EINVAL;
	for (size_t w = 0; w < words; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, hex + w * 8, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(out->bytes + w * 4, &v, 4);
	}
	return 0;
}

/* a.b.c.d of ::ffff:a.b.c.d (the remote of a mapped local is mapped too). */
static struct in_addr v4_of_mapped(const union vrf_addr *a)
{
	struct in_addr v4;

	memcpy(&v4, a->bytes + 12, sizeof(v4));
	return v4;
}

struct tcp_sock {
	int family;
	union vrf_addr local, remote;
	unsigned local_port, remote_port, state;
};

#define TCP_ESTABLISHED 1
#define TCP_LISTEN 10

static int read_tcp_table(const char *path, int family, struct tcp_sock **socks, size_t *n)
{
	FILE *f = fopen(path, "re");
	char line[512];

	if (!f)
		return 0;   /* no IPv6, say: nothing to protect there */
	while (fgets(line, sizeof(line), f)) {
		char la[40], ra[40];
		struct tcp_sock s = { .family = family }, *kept;

		if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", la, &s.local_port,
			   ra, &s.remote_port, &s.state) != 5)
			continue;
		if (parse_proc_addr(la, family, &s.local) < 0 ||
		    parse_proc_addr(ra, family, &s.remote) < 0)
			continue;
		/* An IPv4 client of a dual-stack [::] listener is listed here as
		 * ::ffff:a.b.c.d: it arrives on the link's IPv4 address. */
		if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s.local.v6))
			s = (struct tcp_sock){
				.family = AF_INET, .local.v4 = v4_of_mapped(&s.local),
				.remote.v4 = v4_of_mapped(&s.remote), .local_port = s.local_port,
				.remote_port = s.remote_port, .state = s.state,
			};
		kept = VRF_ARRAY_PUSH(*socks, *n);
		if (!kept) {
			fclose(f);
			return -ENOMEM;
		}
		*kept = s;
	}
	fclose(f);
	return 0;
}

/*
 * Established connections whose local port is a listening one: someone came
 * in (an SSH session), and enslaving their link would cut them off.
 */
int vrf_state_observe_tcp(struct vrf_state *st, const char *tcp, const char *tcp6)
{
	/* One bit per port that something listens on: a busy server has tens
	 * of thousands of connections, too many to compare pairwise. */
	uint8_t listening[65536 / 8] = { 0 };
	struct tcp_sock *socks = NULL;
	size_t n = 0;
	int r = read_tcp_table(tcp, AF_INET, &socks, &n);

	if (r >= 0)
		r = read_tcp_table(tcp6, AF_INET6, &socks, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		if (socks[i].state == TCP_LISTEN && socks[i].local_port < 65536)
			listening[socks[i].local_port / 8] |= (uint8_t)(1u << (socks[i].local_port % 8));
	for (size_t i = 0; r >= 0 && i < n; i++) {
		unsigned port = socks[i].local_port;
		struct vrf_obs_conn *c;

		if (socks[i].state != TCP_ESTABLISHED || port >= 65536 ||
		    !(listening[port / 8] & (1u << (port % 8))))
			continue;
		c = VRF_ARRAY_PUSH(st->conns, st->n_conns);
		if (!c) {
			r = -ENOMEM;
			break;
		}
		*c = (struct vrf_obs_conn){
			.family = socks[i].family, .local = socks[i].local,
			.local_port = (uint16_t)socks[i].local_port, .remote = socks[i].remote,
			.remote_port = (uint16_t)socks[i].remote_port,
		};
	}
	free(socks);
	return r;
}

int vrf_state_observe(struct vrf_rtnl *rt, struct vrf_state *st)
{
	int r;

	memset(st, 0, sizeof(*st));
	r = observe_netlink(rt, st);
	if (r >= 0)
		r = vrf_state_observe_tcp(st, "/proc/net/tcp", "/proc/net/tcp6");
	if (r >= 0)
		r = vrf_bind_cgroup_observe(st);
	observe_sysctls(st);
	if (r < 0)
		vrf_state_free(st);
	return r;
}

bool vrf_observe_route_event(const struct nlmsghdr *msg, uint32_t *table, uint8_t *protocol)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(msg);
	const struct nlattr *tb[RTA_MAX + 1];

	if ((msg->nlmsg_type != RTM_NEWROUTE && msg->nlmsg_type != RTM_DELROUTE) ||
	    vrf_rtnl_parse(msg, sizeof(*rtm), route_policy, RTA_MAX, tb) < 0)
		return false;
	*table = tb[RTA_TABLE] ? vrf_rtnl_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	*protocol = rtm->rtm_protocol;
	return true;
}

/* ---- vrf-exec's questions ------------------------------------------------- */

/* The links a question is about, collected. */
struct link_query {
	const char *name;            /* NULL: every VRF */
	unsigned master;             /* 0: not a port question */
	struct vrf_obs_link found;
	unsigned *ports;
	size_t n_ports;
	char *names;
	size_t size, len;
};

static int answer_link(const struct nlmsghdr *msg, void *data)
{
	struct link_query *q = data;
	struct vrf_obs_link l;
	unsigned *port;
	int r;

	if (msg->nlmsg_type != RTM_NEWLINK)
		return 0;
	r = parse_link(msg, &l);
	if (r < 0)
		return r;
	if (q->name) {
		q->found = l;
	} else if (q->master) {
		/* The kernel filters by master; an older one may not. */
		if (l.master != q->master || !l.ifindex)
			return 0;
		port = VRF_ARRAY_PUSH(q->ports, q->n_ports);
		if (!port)
			return -ENOMEM;
		*port = l.ifindex;
	} else if (l.is_vrf && q->len < q->size) {
		q->len += (size_t)snprintf(q->names + q->len, q->size - q->len, "%s%s",
					   q->len ? ", " : "", l.name);
	}
	return 0;
}

static void forget_ports(void *data)
{
	struct link_query *q = data;

	q->n_ports = 0;
	q->len = 0;
	if (q->size)
		q->names[0] = '\0';
}

int vrf_observe_vrf(struct vrf_rtnl *rt, const char *name, unsigned **ports, size_t *n)
{
	union vrf_rtnl_buf buf;
	struct link_query q = { .name = name };
	size_t len = strnlen(name, IFNAMSIZ);
	struct nlmsghdr *req;
	void *hdr;
	int r;

	if (ports) {
		*ports = NULL;
		*n = 0;
	}
	if (len == 0 || len >= IFNAMSIZ)
		return -ENODEV;
	/* Counters are most of a link's answer, and not asked. */
	req = vrf_rtnl_request(&buf, RTM_GETLINK, 0, sizeof(struct ifinfomsg), &hdr);
	mnl_attr_put_u32(req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	mnl_attr_put_strz(req, IFLA_IFNAME, name);
	r = vrf_rtnl_talk(rt, req, answer_link, NULL, &q);
	if (r == -ENODEV || (r == 0 && !q.found.ifindex))
		return -ENODEV;
	if (r < 0)
		return r;
	if (!q.found.is_vrf)
		return -EMEDIUMTYPE;
	if (!ports)
		return (int)q.found.ifindex;
	q.name = NULL;
	q.master = q.found.ifindex;
	req = dump_request(&buf, RTM_GETLINK);
	/* Only the VRF's ports, not every device of the host. */
	mnl_attr_put_u32(req, IFLA_MASTER, q.master);
	r = vrf_rtnl_talk(rt, req, answer_link, forget_ports, &q);
	if (r < 0) {
		free(q.ports);
		return r;
	}
	*ports = q.ports;
	*n = q.n_ports;
	return (int)q.master;
}

int vrf_observe_vrf_names(struct vrf_rtnl *rt, char *out, size_t size)
{
	union vrf_rtnl_buf buf;
	struct link_query q = { .names = out, .size = size };

	if (size)
		out[0] = '\0';
	return vrf_rtnl_talk(rt, dump_request(&buf, RTM_GETLINK), answer_link, forget_ports, &q);
}
