/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rtnl.h"
#include "vrfdev.h"

/* What the questions need of one RTM_NEWLINK. */
struct link_seen {
	int ifindex;
	char name[IFNAMSIZ];
	bool is_vrf;
	unsigned master;
};

typedef void (*link_fn)(const struct link_seen *link, void *data);

struct query {
	link_fn fn;
	void *data;
};

/* The name of the link, and whether IFLA_LINKINFO's kind is "vrf". */
static int parse_link(const struct nlmsghdr *msg, void *data)
{
	const struct query *q = data;
	struct rtattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	struct link_seen link = { .ifindex = ((const struct ifinfomsg *)NLMSG_DATA(msg))->ifi_index };

	if (msg->nlmsg_type != RTM_NEWLINK)
		return 0;
	vrf_rtnl_attrs(msg, sizeof(struct ifinfomsg), tb, IFLA_MAX);
	if (tb[IFLA_IFNAME])
		snprintf(link.name, sizeof(link.name), "%.*s", (int)RTA_PAYLOAD(tb[IFLA_IFNAME]),
			 (const char *)RTA_DATA(tb[IFLA_IFNAME]));
	link.master = vrf_rtnl_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO]) {
		vrf_rtnl_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX);
		link.is_vrf = info[IFLA_INFO_KIND] && RTA_PAYLOAD(info[IFLA_INFO_KIND]) >= 3 &&
			      strncmp(RTA_DATA(info[IFLA_INFO_KIND]), "vrf",
				      RTA_PAYLOAD(info[IFLA_INFO_KIND])) == 0;
	}
	q->fn(&link, q->data);
	return 0;
}

/*
 * Ask for one link by name (name set) or all of them (NULL), and call fn for
 * each answer. 0, or -errno (the kernel's, for a link that is not there).
 */
static int query_links(const char *name, link_fn fn, void *data)
{
	struct {
		struct nlmsghdr hdr;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IFNAMSIZ) + RTA_SPACE(sizeof(uint32_t))];
	} req = {
		.hdr = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = 1,
		},
	};
	struct query q = { fn, data };
	uint32_t filter = RTEXT_FILTER_SKIP_STATS;
	size_t len = strnlen(name, IFNAMSIZ);

	if (len == 0 || len >= IFNAMSIZ)
		return -ENODEV;
	/* Counters are most of a link's answer, and not asked. */
	vrf_rtnl_put(&req.hdr, IFLA_EXT_MASK, &filter, sizeof(filter));
	vrf_rtnl_put(&req.hdr, IFLA_IFNAME, name, len + 1);
	return vrf_rtnl_talk(&req.hdr, parse_link, &q);
}

static void keep_link(const struct link_seen *link, void *data)
{
	*(struct link_seen *)data = *link;
}

int vrf_dev_vrf_ifindex(const char *name)
{
	struct link_seen link = { 0 };
	int r = query_links(name, keep_link, &link);

	if (r == -ENODEV || (r == 0 && link.ifindex <= 0))
		return -ENODEV;
	if (r < 0)
		return r;
	return link.is_vrf ? link.ifindex : -EMEDIUMTYPE;
}

struct names {
	char *out;
	size_t size, len;
};

static void add_vrf_name(const struct link_seen *link, void *data)
{
	struct names *n = data;

	if (!link->is_vrf || n->len >= n->size)
		return;
	n->len += (size_t)snprintf(n->out + n->len, n->size - n->len, "%s%s", n->len ? ", " : "",
				   link->name);
}

int vrf_dev_vrf_names(char *out, size_t size)
{
	struct names n = { .out = out, .size = size };
	struct query q = { add_vrf_name, &n };

	if (size)
		out[0] = '\0';
	return vrf_rtnl_dump(RTM_GETLINK, AF_UNSPEC, parse_link, &q);
}

struct port_list {
	unsigned master;
	unsigned *ports;
	size_t n;
	int err;
};

static void add_port(const struct link_seen *link, void *data)
{
	struct port_list *l = data;
	unsigned *grown;

	/* The kernel filters by master; an older one may not. */
	if (link->master != l->master || link->ifindex <= 0 || l->err)
		return;
	grown = realloc(l->ports, (l->n + 1) * sizeof(*grown));
	if (!grown) {
		l->err = -ENOMEM;
		return;
	}
	l->ports = grown;
	l->ports[l->n++] = (unsigned)link->ifindex;
}

int vrf_dev_vrf_ports(const char *name, unsigned **ports, size_t *n)
{
	struct {
		struct nlmsghdr hdr;
		struct ifinfomsg ifi;
		char attrs[2 * RTA_SPACE(sizeof(uint32_t))];
	} req = {
		.hdr = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
	};
	struct port_list l = { 0 };
	struct query q = { add_port, &l };
	uint32_t filter = RTEXT_FILTER_SKIP_STATS;
	int ifindex = vrf_dev_vrf_ifindex(name), r;

	*ports = NULL;
	*n = 0;
	if (ifindex < 0)
		return ifindex;
	l.master = (unsigned)ifindex;
	vrf_rtnl_put(&req.hdr, IFLA_EXT_MASK, &filter, sizeof(filter));
	/* Only the VRF's ports, not every device of the host. */
	vrf_rtnl_put(&req.hdr, IFLA_MASTER, &l.master, sizeof(l.master));
	r = vrf_rtnl_talk(&req.hdr, parse_link, &q);
	if (r == 0)
		r = l.err;
	if (r < 0) {
		free(l.ports);
		return r;
	}
	*ports = l.ports;
	*n = l.n;
	return ifindex;
}
