/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <linux/if_link.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtnl.h"
#include "sock.h"

/* A dump's answers come in skbs of up to 32 KiB; more room than that. */
#define RECV_SIZE 65536

int vrf_rtnl_talk(const struct nlmsghdr *req, vrf_rtnl_fn fn, void *data)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	bool dump = req->nlmsg_flags & NLM_F_DUMP, done = false;
	static const int one = 1;
	char buf[RECV_SIZE];
	int fd, r = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* A refusal quotes the request's header only. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (sendto(fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		r = -errno;
		goto out;
	}
	while (!done) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t got = recvmsg(fd, &msg, 0);
		int len = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || (msg.msg_flags & MSG_TRUNC)) {
			r = got < 0 ? -errno : -EIO;
			break;
		}
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != req->nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
			} else if (h->nlmsg_type == NLMSG_ERROR) {
				r = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
				done = true;
			} else if (r == 0) {
				/* After fn fails, the rest is read but not looked at. */
				r = fn(h, data);
				done |= !dump;
			}
		}
	}
out:
	close(fd);
	return r;
}

void vrf_rtnl_put(struct nlmsghdr *req, uint16_t type, const void *value, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), value, len);
	req->nlmsg_len = NLMSG_ALIGN(req->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

int vrf_rtnl_dump(uint16_t type, uint8_t family, vrf_rtnl_fn fn, void *data)
{
	/* rtgenmsg would do for all but links, which take a filter attribute:
	 * an ifinfomsg-sized header suits every family's dump. */
	struct {
		struct nlmsghdr hdr;
		struct ifinfomsg ifi;
		char attrs[RTA_SPACE(sizeof(uint32_t))];
	} req = {
		.hdr = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
			.nlmsg_type = type,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.ifi = { .ifi_family = family },
	};

	if (type == RTM_GETLINK) {
		uint32_t filter = RTEXT_FILTER_SKIP_STATS;

		vrf_rtnl_put(&req.hdr, IFLA_EXT_MASK, &filter, sizeof(filter));
	}
	return vrf_rtnl_talk(&req.hdr, fn, data);
}

static void parse_attrs(const struct rtattr *a, int len, struct rtattr **tb, size_t max)
{
	memset(tb, 0, (max + 1) * sizeof(*tb));
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type <= max && !tb[a->rta_type])
			tb[a->rta_type] = (struct rtattr *)a;
}

void vrf_rtnl_attrs(const struct nlmsghdr *msg, size_t hdrlen, struct rtattr **tb, size_t max)
{
	const char *start = (const char *)NLMSG_DATA(msg) + NLMSG_ALIGN(hdrlen);
	int len = (int)msg->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(hdrlen));

	parse_attrs((const struct rtattr *)start, len, tb, max);
}

void vrf_rtnl_nested(const struct rtattr *attr, struct rtattr **tb, size_t max)
{
	parse_attrs(RTA_DATA(attr), (int)RTA_PAYLOAD(attr), tb, max);
}

uint32_t vrf_rtnl_u32(const struct rtattr *attr)
{
	uint32_t v = 0;

	if (attr && RTA_PAYLOAD(attr) >= sizeof(v))
		memcpy(&v, RTA_DATA(attr), sizeof(v));
	return v;
}
