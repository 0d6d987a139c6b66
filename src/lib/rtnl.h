/* SPDX-License-Identifier: MIT */
#ifndef VRF_RTNL_H
#define VRF_RTNL_H
/*
 * Questions to rtnetlink without libnl: a request, and each answer handed to
 * a callback as the kernel wrote it. Dumps of thousands of routes and links
 * are read this way (no object per answer, no counters asked for), and
 * vrf-exec's one question too, so it need not load libnl.
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* Called for each answer that is not NLMSG_DONE/NLMSG_ERROR; < 0 stops. */
typedef int (*vrf_rtnl_fn)(const struct nlmsghdr *msg, void *data);

/*
 * Send the request (its nlmsg_len bytes) on a socket of its own and read
 * the answers: to NLMSG_DONE for a dump (NLM_F_DUMP), else the one answer.
 * 0, the kernel's -errno, fn's, or -errno from the socket.
 */
int vrf_rtnl_talk(const struct nlmsghdr *req, vrf_rtnl_fn fn, void *data);

/* Dump every object of type (RTM_GETLINK, ...) of family; links without their counters. */
int vrf_rtnl_dump(uint16_t type, uint8_t family, vrf_rtnl_fn fn, void *data);

/* The attributes after a header of hdrlen bytes, by type (up to max), others NULL. */
void vrf_rtnl_attrs(const struct nlmsghdr *msg, size_t hdrlen, struct rtattr **tb, size_t max);
/* The same for the attributes nested in attr. */
void vrf_rtnl_nested(const struct rtattr *attr, struct rtattr **tb, size_t max);

/* Append an attribute to the request in buf (room checked by the caller's size). */
void vrf_rtnl_put(struct nlmsghdr *req, uint16_t type, const void *value, size_t len);

uint32_t vrf_rtnl_u32(const struct rtattr *attr);

#endif
