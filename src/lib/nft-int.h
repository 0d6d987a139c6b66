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

enum nft_match_kind {
	NM_IIFNAME,       /* meta iifname (==, !=) */
	NM_OIFNAME,       /* meta oifname (==, !=) */
	NM_CT_ESTREL,     /* ct state established,related */
	NM_SADDR,         /* ip saddr / ip6 saddr PREFIX (implies meta nfproto) */
	NM_L4PROTO,       /* meta l4proto N */
	NM_DPORT,         /* th dport LO[-HI]; follows an NM_L4PROTO */
	NM_ICMPV6_TYPE,   /* icmpv6 type N (implies nfproto ipv6, l4proto 58) */
};

struct nft_match {
	enum nft_match_kind kind;
	bool neg;
	char ifname[IFNAMSIZ];
	struct vrf_prefix prefix;
	uint8_t proto;
	uint8_t icmp_type;
	uint16_t lo, hi;
};

enum nft_chain_id { NFT_CHAIN_FORWARD, NFT_CHAIN_INPUT, NFT_CHAIN_COUNT };

struct nft_chain_def {
	const char *name;
	uint32_t hook;    /* NF_INET_* */
	int32_t prio;
};

extern const struct nft_chain_def nft_chains[NFT_CHAIN_COUNT];

#define NFT_MAX_MATCH 6

struct nft_rule {
	enum nft_chain_id chain;
	struct nft_match m[NFT_MAX_MATCH];
	size_t n_m;
	bool counter;
	bool drop;        /* else accept */
	char comment[VRF_NFT_COMMENT_MAX];
};

struct nft_ruleset {
	struct nft_rule *rules;   /* grouped by chain: all forward, then input */
	size_t n;
	size_t cap;
};

/*
 * d NULL or not wanted: an empty ruleset. d is as vrf_config_load made it:
 * its values were checked there and are not checked again. 0 or -ENOMEM.
 */
int nft_ruleset_build(const struct vrf_docker *d, struct nft_ruleset *rs);
void nft_ruleset_free(struct nft_ruleset *rs);
/* Does any rule live in this chain? A chain exists only with rules. */
bool nft_ruleset_has_chain(const struct nft_ruleset *rs, enum nft_chain_id chain);

/* The ruleset as `nft list table inet vrfctl` prints it; "" when empty. */
int nft_ruleset_render(const struct nft_ruleset *rs, char **text);

#endif
