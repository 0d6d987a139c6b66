/* SPDX-License-Identifier: MIT */
#ifndef VRF_PROTO_H
#define VRF_PROTO_H

/*
 * The IP protocols vrfctl knows by name, in one table: the config reads
 * them ([docker] allow, host-allow), its JSON and the nftables rules print
 * them. Known without /etc/protocols, which minimal systems lack.
 */

#include <stdbool.h>
#include <stdint.h>

/* A protocol's usual name ("tcp", "ipv6-icmp"), the one nft prints, or NULL. */
const char *vrf_proto_name(uint8_t proto);

/* The number of a name in the table (any case; "icmpv6" too), or -ENOENT. */
int vrf_proto_number(const char *name);

/* Whether the protocol carries 16-bit ports (the destination port at offset 2). */
bool vrf_proto_has_ports(uint8_t proto);

#endif
