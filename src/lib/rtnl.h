/* SPDX-License-Identifier: MIT */
#ifndef VRF_RTNL_H
#define VRF_RTNL_H
/*
 * Every conversation with rtnetlink, for vrfctl and vrf-exec alike, over
 * libmnl (which also carries nf_tables, nft.c): a socket, requests built in
 * place, one receive loop, the kernel's answers validated before anyone reads
 * an attribute, and the plan's link, rule and route steps sent in batches.
 * What the answers mean for the observed state is observe.c's business.
 * Errors are -errno.
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct vrf_rtnl;

/* Batches of steps will be sent (vrfctl apply): grow the socket's buffers for them. */
#define VRF_RTNL_BATCHES 1u

/* A socket to the kernel. flags: VRF_RTNL_BATCHES or 0 (a few questions). */
int vrf_rtnl_open(struct vrf_rtnl **rt, unsigned flags);
void vrf_rtnl_close(struct vrf_rtnl *rt);

/* ---- questions ---------------------------------------------------------- */

/* Room for any request vrfctl sends: a header, an ifinfomsg/rtmsg, a few attributes. */
#define VRF_RTNL_REQUEST_MAX 512

/* A request's buffer, aligned for its header. */
union vrf_rtnl_buf {
	struct nlmsghdr hdr;
	char bytes[VRF_RTNL_REQUEST_MAX];
};

/*
 * Start a request of type with flags (NLM_F_REQUEST is added) in buf
 * (VRF_RTNL_REQUEST_MAX bytes, aligned as a union vrf_rtnl_buf), and its
 * family header of hdrlen bytes, zeroed (returned through *hdr).
 * Attributes follow with mnl_attr_put*.
 */
struct nlmsghdr *vrf_rtnl_request(void *buf, uint16_t type, uint16_t flags, size_t hdrlen,
				  void **hdr);

/* Called for each answer that is not NLMSG_DONE/NLMSG_ERROR; < 0 stops. */
typedef int (*vrf_rtnl_fn)(const struct nlmsghdr *msg, void *data);

/*
 * Send req and read its answers, each to fn: to NLMSG_DONE for a dump
 * (NLM_F_DUMP), else the one answer or the ack. A dump the kernel marks
 * inconsistent (NLM_F_DUMP_INTR: the objects changed while it was being
 * written) is read to its end and asked again, up to a few times, after
 * restart(data) has forgotten what fn kept of it (restart may be NULL when
 * fn's effect does not accumulate); then -EAGAIN. 0, the kernel's -errno,
 * fn's, or -errno from the socket.
 */
int vrf_rtnl_talk(struct vrf_rtnl *rt, struct nlmsghdr *req, vrf_rtnl_fn fn,
		  void (*restart)(void *data), void *data);

/* ---- events ---------------------------------------------------------- */

/*
 * Make rt a listener (vrfctl watch): it joins rtnetlink's multicast groups
 * (RTNLGRP_LINK, ...), n of them, with a receive queue large enough for a
 * burst, and is then read only with vrf_rtnl_read_events. Such a socket
 * asks nothing: its events would be taken for answers.
 */
int vrf_rtnl_subscribe(struct vrf_rtnl *rt, const unsigned *groups, size_t n);

/* The socket's descriptor, to poll() for events. */
int vrf_rtnl_fd(const struct vrf_rtnl *rt);

/*
 * Read every event queued, without waiting, each to fn (< 0 stops). The
 * number read; -ENOBUFS when the kernel had to drop some because the queue
 * was full (what they said is lost: assume anything changed); -errno.
 */
int vrf_rtnl_read_events(struct vrf_rtnl *rt, vrf_rtnl_fn fn, void *data);

/* ---- answers --------------------------------------------------------- */

/*
 * What one attribute type must look like: a libmnl type (MNL_TYPE_U32, ...,
 * MNL_TYPE_UNSPEC for anything), and for MNL_TYPE_BINARY the largest payload.
 */
struct vrf_rtnl_policy {
	uint8_t type;
	uint16_t max_len;
};

/*
 * The attributes after a family header of hdrlen bytes into tb (max + 1
 * entries, NULL where absent), each checked against policy[type] first
 * (types past max are skipped). -EBADMSG when one is malformed: a message
 * that does not parse is not read at all.
 */
int vrf_rtnl_parse(const struct nlmsghdr *msg, size_t hdrlen, const struct vrf_rtnl_policy *policy,
		   uint16_t max, const struct nlattr **tb);
/* The same for the attributes nested in attr. */
int vrf_rtnl_parse_nested(const struct nlattr *attr, const struct vrf_rtnl_policy *policy,
			  uint16_t max, const struct nlattr **tb);

/* An attribute's u32 (0 when absent), or its string copied into out[IFNAMSIZ] ("" when absent). */
uint32_t vrf_rtnl_u32(const struct nlattr *attr);
void vrf_rtnl_ifname(const struct nlattr *attr, char *out);

/* ---- the plan's steps ------------------------------------------------ */

/*
 * Carry out one link, rule or route step. 1: done; 0: the kernel already
 * had it that way (nothing to undo); -errno on failure.
 */
int vrf_rtnl_step(struct vrf_rtnl *rt, const struct vrf_step *step);

/*
 * Carry out n link, rule or route steps that do not depend on each other
 * (a run of VRF creations, of route additions...) with as few round trips as
 * the socket allows; results[i] is what vrf_rtnl_step would have returned for
 * steps[i]. Returns -errno only when the socket itself failed (then results
 * past the failure are unknown and left at 0).
 */
int vrf_rtnl_steps(struct vrf_rtnl *rt, const struct vrf_step *steps, size_t n, int *results);

#endif
