/* SPDX-License-Identifier: MIT */
/*
 * The kernel's answers are checked before any attribute is read: messages
 * built here, well-formed and not, go through the one parser (rtnl.h).
 */
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "rtnl.h"

static const struct vrf_rtnl_policy policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { MNL_TYPE_NUL_STRING, 0 },
	[IFLA_MASTER] = { MNL_TYPE_U32, 0 },
	[IFLA_ADDRESS] = { MNL_TYPE_BINARY, 6 },
};

/* An RTM_NEWLINK with its ifinfomsg, in buf. */
static struct nlmsghdr *link_msg(union vrf_rtnl_buf *buf)
{
	void *hdr;

	return vrf_rtnl_request(buf, RTM_NEWLINK, 0, sizeof(struct ifinfomsg), &hdr);
}

static void well_formed_is_read(void **unused)
{
	union vrf_rtnl_buf buf;
	char name[IFNAMSIZ];
	const struct nlattr *tb[IFLA_MAX + 1];
	struct nlmsghdr *msg = link_msg(&buf);
	const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	(void)unused;
	mnl_attr_put_strz(msg, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(msg, IFLA_MASTER, 7);
	mnl_attr_put(msg, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(msg, IFLA_MTU, 1500);   /* no policy: present, not checked */
	assert_int_equal(vrf_rtnl_parse(msg, sizeof(struct ifinfomsg), policy, IFLA_MAX, tb), 0);
	vrf_rtnl_ifname(tb[IFLA_IFNAME], name);
	assert_string_equal(name, "eth0");
	assert_int_equal(vrf_rtnl_u32(tb[IFLA_MASTER]), 7);
	assert_non_null(tb[IFLA_MTU]);
	assert_null(tb[IFLA_GROUP]);
	assert_int_equal(vrf_rtnl_u32(tb[IFLA_GROUP]), 0);
}

/* Each malformed message is refused whole: nothing of it is read. */
static void assert_refused(struct nlmsghdr *msg)
{
	const struct nlattr *tb[IFLA_MAX + 1];

	assert_int_equal(vrf_rtnl_parse(msg, sizeof(struct ifinfomsg), policy, IFLA_MAX, tb),
			 -EBADMSG);
	for (size_t i = 0; i <= IFLA_MAX; i++)
		assert_null(tb[i]);
}

static void short_u32_is_refused(void **unused)
{
	union vrf_rtnl_buf buf;
	struct nlmsghdr *msg = link_msg(&buf);

	(void)unused;
	mnl_attr_put_strz(msg, IFLA_IFNAME, "eth0");
	mnl_attr_put_u16(msg, IFLA_MASTER, 7);
	assert_refused(msg);
}

static void unterminated_name_is_refused(void **unused)
{
	union vrf_rtnl_buf buf;
	struct nlmsghdr *msg = link_msg(&buf);

	(void)unused;
	mnl_attr_put(msg, IFLA_IFNAME, 4, "eth0");
	assert_refused(msg);
}

static void long_binary_is_refused(void **unused)
{
	union vrf_rtnl_buf buf;
	struct nlmsghdr *msg = link_msg(&buf);
	const uint8_t addr[16] = { 0 };

	(void)unused;
	mnl_attr_put(msg, IFLA_ADDRESS, sizeof(addr), addr);
	assert_refused(msg);
}

static void overrunning_attribute_is_refused(void **unused)
{
	union vrf_rtnl_buf buf;
	struct nlmsghdr *msg = link_msg(&buf);
	struct nlattr *a;

	(void)unused;
	mnl_attr_put_u32(msg, IFLA_MASTER, 7);
	a = mnl_nlmsg_get_payload_tail(msg);
	mnl_attr_put_u32(msg, IFLA_GROUP, 1);
	a->nla_len = 64;   /* says more than the message holds */
	assert_refused(msg);
}

static void short_header_is_refused(void **unused)
{
	union vrf_rtnl_buf buf;
	struct nlmsghdr *msg = link_msg(&buf);

	(void)unused;
	msg->nlmsg_len = NLMSG_HDRLEN + 4;   /* less than an ifinfomsg */
	assert_refused(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(well_formed_is_read),
		cmocka_unit_test(short_u32_is_refused),
		cmocka_unit_test(unterminated_name_is_refused),
		cmocka_unit_test(long_binary_is_refused),
		cmocka_unit_test(overrunning_attribute_is_refused),
		cmocka_unit_test(short_header_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
