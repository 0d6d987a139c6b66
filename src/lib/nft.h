/* SPDX-License-Identifier: MIT */
#ifndef VRF_NFT_H
#define VRF_NFT_H

/*
 * The [docker] section as one nftables table of vrfctl's own, `inet vrfctl`.
 *
 * Routing decides where a socket's traffic may go; it cannot decide which
 * NEW connections Docker may forward into its containers, or which ports a
 * container may open on the host. That needs stateful filtering, so vrfctl
 * keeps one table, replaced as a whole in one nf_tables transaction, and
 * never touches any other table (Docker's `ip filter`, the admin's own).
 *
 *   chain forward  hook forward priority filter - 10 (-10), policy accept
 *   chain input    hook input   priority filter - 10 (-10), policy accept
 *                  (only when host-allow lists something)
 *
 * -10 runs before iptables (legacy or nft) at priority 0, where Docker's
 * DOCKER-USER/DOCKER chains live. A drop in any base chain is final, an
 * accept only ends that chain: so our chains never grant anything Docker
 * would refuse, they only drop. The rules (per configured bridge BR):
 *
 *   set allow_P, host_allow_P: type inet_service (flags interval when it
 *            holds a range); every port range of that list for protocol P,
 *            merged
 *   forward: oifname BR ct state established,related accept
 *            oifname BR iifname != BR meta l4proto P th dport @allow_P accept
 *            oifname BR iifname != BR meta l4proto P accept  (P without ports)
 *                                                            (each protocol)
 *            oifname BR iifname != BR counter drop                 (the rest)
 *     isolate-containers = yes:
 *            iifname BR oifname BR icmpv6 type nd-neighbor-{solicit,advert} accept
 *            iifname BR oifname BR ip[6] saddr <allow-from> accept (each)
 *            iifname BR oifname BR counter drop
 *   input:   iifname BR ct state established,related accept
 *            iifname BR icmpv6 type nd-neighbor-{solicit,advert} accept
 *            iifname BR <host-allow protocol P, @host_allow_P>   (each)
 *            iifname BR counter drop
 *
 * With br_netfilter, a frame bridged between two ports of BR reaches the inet
 * forward hook with iifname and oifname both BR (the bridge, not the veths);
 * a packet routed into BR from elsewhere has iifname != BR. Every rule carries
 * a comment ("docker0: allow tcp @allow_tcp") that names it in drift and
 * counters.
 *
 * Build, send and parse are separate steps: vrf_nft_batch_build() makes the
 * whole transaction in memory (checked by unit tests without a socket),
 * vrf_nft_apply() sends it and checks every reply. Functions return 0 or a
 * negative errno and report through the log hook; none prints.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "model.h"
#include "pending.h"

#define VRF_NFT_TABLE    "vrfctl"     /* family inet */
#define VRF_NFT_PRIORITY (-10)        /* NF_IP_PRI_FILTER - 10 */
#define VRF_NFT_COMMENT_MAX 128       /* nft's own limit on a rule comment */

/* Does this [docker] section ask for a table? (present with a bridge) */
bool vrf_nft_wanted(const struct vrf_docker *d);

/*
 * What needs the kernel to check: a configured bridge that does not exist
 * (Docker not started yet, its network not created yet) is pending, its
 * rules loaded all the same: they match it by name, from the moment Docker
 * makes it. Each one is logged as a warning, "FILE:LINE: bridge 'X' does
 * not exist yet...: pending", with a did-you-mean among the interfaces
 * there, and added to pending (may be NULL). 0, or -ENOMEM.
 */
int vrf_nft_validate(const struct vrf_docker *d, struct vrf_pending_list *pending,
		     const struct vrf_log *log);

/*
 * The table as nft syntax, as `nft list table inet vrfctl` prints it right
 * after an apply (counters at 0): for `vrfctl plan`. "" when no table is
 * wanted. *text is malloc'ed: free() it. 0 or -ENOMEM. Here and below, d is
 * as vrf_config_load made it: its values were checked there, once.
 */
int vrf_nft_render(const struct vrf_docker *d, char **text);

/* One nf_tables transaction, ready to send; n_msgs counts BEGIN and END. */
struct vrf_nft_batch {
	void *buf;
	size_t len;
	size_t cap;
	uint32_t seq_first;          /* BEGIN's; message i has seq_first + i */
	uint32_t n_msgs;
	char (*what)[VRF_NFT_COMMENT_MAX + 32]; /* per message, for errors */
};

/*
 * BEGIN, NEWTABLE inet vrfctl, DELTABLE inet vrfctl, then (when wanted)
 * NEWTABLE, NEWCHAIN..., NEWRULE..., END. Adding before deleting makes the
 * delete succeed whether or not the table existed; the kernel applies the
 * whole transaction or nothing, so there is never a moment without rules.
 * d NULL or not wanted: the batch only removes the table. Every message but
 * BEGIN/END asks for an ack. *b is overwritten; free with vrf_nft_batch_free.
 */
int vrf_nft_batch_build(const struct vrf_docker *d, uint32_t seq, struct vrf_nft_batch *b);
void vrf_nft_batch_free(struct vrf_nft_batch *b);

/*
 * Make the kernel's table match d: compare (vrf_nft_drift,
 * its findings logged at LOG_DEBUG); when it differs, build, send, check
 * every reply. Nothing is sent when the table already matches, so counters
 * survive a re-apply. d NULL or not wanted: remove the table if it exists.
 * Returns 1 when it changed the kernel's table, 0 when it was already right.
 * No change is made on any error. -EOPNOTSUPP: nf_tables is not available
 * (logged as such); -EPERM: not root.
 */
int vrf_nft_apply(const struct vrf_docker *d, const struct vrf_log *log);

/*
 * *differs = whether the kernel's table is not what apply would load: table
 * missing (or present when none is wanted), a chain missing, extra, or with
 * another type/hook/priority/policy, a rule missing, added or changed. Rules
 * are compared in order per chain by comment and expressions (counter
 * values ignored). Each difference is logged at LOG_INFO ("nft: ...").
 */
int vrf_nft_drift(const struct vrf_docker *d, bool *differs, const struct vrf_log *log);

/* The counter of one rule of table inet vrfctl, for `vrfctl status`. */
struct vrf_nft_counter {
	char chain[32];
	char comment[VRF_NFT_COMMENT_MAX];
	uint64_t packets;
	uint64_t bytes;
};

/*
 * The rules with counters (the drops), in chain and rule order. *list is
 * malloc'ed (NULL when *n == 0): free() it. -ENOENT: no table.
 */
int vrf_nft_counters(struct vrf_nft_counter **list, size_t *n, const struct vrf_log *log);

#endif
