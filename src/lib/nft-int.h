/* SPDX-License-Identifier: MIT */
#ifndef VRF_NFT_INT_H
#define VRF_NFT_INT_H

/*
 * Between the nft files only: the ruleset as plain data. nft-rules.c derives
 * it from the model, nft-render.c prints it as nft syntax, nft.c turns it
 * into libnftnl expressions. One description, two outputs, so what `plan`
 * shows and what `apply` loads cannot drift apart.
 */

#include "nft.h"

#define VRF_NFT_SET_NAME_MAX 32

enum vrf_nft_match_kind {
	VRF_NM_IIFNAME,       /* meta iifname (==, !=) */
	VRF_NM_OIFNAME,       /* meta oifname (==, !=) */
	VRF_NM_CT_ESTREL,     /* ct state established,related */
	VRF_NM_SADDR,         /* ip saddr / ip6 saddr PREFIX (implies meta nfproto) */
	VRF_NM_L4PROTO,       /* meta l4proto N */
	VRF_NM_DPORT_SET,     /* th dport @SET; follows a VRF_NM_L4PROTO */
	VRF_NM_ICMPV6_TYPE,   /* icmpv6 type N (implies nfproto ipv6, l4proto 58) */
};

struct vrf_nft_match {
	enum vrf_nft_match_kind kind;
	bool neg;
	char ifname[IFNAMSIZ];
	struct vrf_prefix prefix;
	uint8_t proto;
	uint8_t icmp_type;
	char set[VRF_NFT_SET_NAME_MAX];
};

/*
 * A named set of ports, `set NAME { type inet_service; }`: every port range
 * of one list (allow, host-allow) for one protocol. One rule per protocol
 * looks its destination port up there, so the rules a packet walks do not
 * grow with the lines of the list. Only single ports: a hash set, whose
 * lookup does not grow either; any range: `flags interval`, a tree.
 */
struct vrf_nft_set {
	char name[VRF_NFT_SET_NAME_MAX];     /* allow_tcp, host_allow_udp */
	uint8_t proto;
	bool interval;                       /* some range is more than one port */
	struct vrf_port_range *ranges;       /* sorted, disjoint, none adjacent */
	size_t n;
};

enum vrf_nft_chain_id { VRF_NFT_CHAIN_FORWARD, VRF_NFT_CHAIN_INPUT, VRF_NFT_CHAIN_COUNT };

struct vrf_nft_chain_def {
	const char *name;
	uint32_t hook;    /* NF_INET_* */
	int32_t prio;
};

extern const struct vrf_nft_chain_def vrf_nft_chains[VRF_NFT_CHAIN_COUNT];

#define VRF_NFT_MAX_MATCH 6

struct vrf_nft_rule {
	enum vrf_nft_chain_id chain;
	struct vrf_nft_match m[VRF_NFT_MAX_MATCH];
	size_t n_m;
	bool counter;
	bool drop;        /* else accept */
	char comment[VRF_NFT_COMMENT_MAX];
};

struct vrf_nft_ruleset {
	struct vrf_nft_set *sets;     /* each used by a rule below */
	size_t n_sets;
	struct vrf_nft_rule *rules;   /* grouped by chain: all forward, then input */
	size_t n;
};

/*
 * d NULL or not wanted: an empty ruleset. d is as vrf_config_load made it:
 * its values were checked there and are not checked again. 0 or -ENOMEM.
 */
int vrf_nft_ruleset_build(const struct vrf_docker *d, struct vrf_nft_ruleset *rs);
void vrf_nft_ruleset_free(struct vrf_nft_ruleset *rs);
/* Does any rule live in this chain? A chain exists only with rules. */
bool vrf_nft_ruleset_has_chain(const struct vrf_nft_ruleset *rs, enum vrf_nft_chain_id chain);

/* The ruleset as `nft list table inet vrfctl` prints it; "" when empty. */
int vrf_nft_ruleset_render(const struct vrf_nft_ruleset *rs, char **text);

#endif
