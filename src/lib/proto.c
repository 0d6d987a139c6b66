/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "proto.h"

static const struct {
	const char *name;
	uint8_t proto;
	bool ports;
} protocols[] = {
	/* The first name of a number is the one /etc/protocols and nft print. */
	{ "icmp", 1, false }, { "igmp", 2, false }, { "tcp", 6, true }, { "udp", 17, true },
	{ "dccp", 33, true }, { "gre", 47, false }, { "esp", 50, false }, { "ah", 51, false },
	{ "ipv6-icmp", 58, false }, { "icmpv6", 58, false }, { "ospf", 89, false },
	{ "sctp", 132, true }, { "udplite", 136, true },
};

#define N_PROTOCOLS (sizeof(protocols) / sizeof(protocols[0]))

const char *vrf_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < N_PROTOCOLS; i++)
		if (protocols[i].proto == proto)
			return protocols[i].name;
	return NULL;
}

int vrf_proto_number(const char *name)
{
	for (size_t i = 0; i < N_PROTOCOLS; i++)
		if (strcasecmp(protocols[i].name, name) == 0)
			return protocols[i].proto;
	return -ENOENT;
}

bool vrf_proto_has_ports(uint8_t proto)
{
	for (size_t i = 0; i < N_PROTOCOLS; i++)
		if (protocols[i].proto == proto)
			return protocols[i].ports;
	return false;
}
