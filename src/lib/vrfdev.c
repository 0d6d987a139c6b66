/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vrfdev.h"

/* What the questions need of one RTM_NEWLINK. */
struct link_seen {
	int ifindex;
	char name[IFNAMSIZ];
	bool is_vrf;
};

/* The name of the link, and whether IFLA_LINKINFO's kind is "vrf". */
static void parse_link(struct nlmsghdr *hdr, struct link_seen *out)
{
	struct ifinfomsg *ifi = NLMSG_DATA(hdr);
	int len = (int)IFLA_PAYLOAD(hdr);

	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFLA_IFNAME) {
			snprintf(out->name, sizeof(out->name), "%.*s", (int)RTA_PAYLOAD(a),
				 (const char *)RTA_DATA(a));
		} else if (a->rta_type == IFLA_LINKINFO) {
			int ilen = (int)RTA_PAYLOAD(a);

			for (struct rtattr *i = RTA_DATA(a); RTA_OK(i, ilen); i = RTA_NEXT(i, ilen))
				if (i->rta_type == IFLA_INFO_KIND)
					out->is_vrf = RTA_PAYLOAD(i) >= 3 &&
						      strncmp(RTA_DATA(i), "vrf", RTA_PAYLOAD(i)) == 0;
		}
	}
}

typedef void (*link_fn)(const struct link_seen *link, void *data);

/*
 * Ask for one link by name (name set) or all of them (NULL), and call fn for
 * each answer. 0, or -errno (the kernel's, for a link that is not there).
 */
static int query_links(const char *name, link_fn fn, void *data)
{
	struct {
		struct nlmsghdr hdr;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(IFNAMSIZ) + RTA_SPACE(sizeof(__u32))];
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct rtattr *a;
	__u32 filter = RTEXT_FILTER_SKIP_STATS;
	char buf[65536];
	bool done = false;
	int fd, r = 0;

	memset(&req, 0, sizeof(req));
	req.hdr.nlmsg_type = RTM_GETLINK;
	req.hdr.nlmsg_flags = NLM_F_REQUEST | (name ? 0 : NLM_F_DUMP);
	req.hdr.nlmsg_seq = 1;
	req.hdr.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.ifi.ifi_family = AF_UNSPEC;
	/* Counters are most of a link's answer, and not asked. */
	a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.hdr.nlmsg_len));
	a->rta_type = IFLA_EXT_MASK;
	a->rta_len = RTA_LENGTH(sizeof(filter));
	memcpy(RTA_DATA(a), &filter, sizeof(filter));
	req.hdr.nlmsg_len = NLMSG_ALIGN(req.hdr.nlmsg_len) + RTA_ALIGN(a->rta_len);
	if (name) {
		size_t len = strnlen(name, IFNAMSIZ);

		if (len == 0 || len >= IFNAMSIZ)
			return -ENODEV;
		a = (struct rtattr *)((char *)&req + req.hdr.nlmsg_len);
		a->rta_type = IFLA_IFNAME;
		a->rta_len = (unsigned short)RTA_LENGTH(len + 1);
		memcpy(RTA_DATA(a), name, len + 1);
		req.hdr.nlmsg_len += RTA_ALIGN(a->rta_len);
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, &req, req.hdr.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
		goto out;
	}
	while (!done) {
		struct msghdr msg = { 0 };
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		ssize_t got;
		int len;

		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		got = recvmsg(fd, &msg, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || (msg.msg_flags & MSG_TRUNC)) {
			r = got < 0 ? -errno : -EIO;
			break;
		}
		len = (int)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = true;
			} else if (h->nlmsg_type == RTM_NEWLINK) {
				struct link_seen link;

				parse_link(h, &link);
				fn(&link, data);
				done |= name != NULL;
			}
		}
	}
out:
	close(fd);
	return r;
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

	if (size)
		out[0] = '\0';
	return query_links(NULL, add_vrf_name, &n);
}
