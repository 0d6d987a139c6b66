/* SPDX-License-Identifier: MIT */
#ifndef VRF_ADDR_H
#define VRF_ADDR_H

#include <arpa/inet.h>

#include "model.h"

/* Room for "ffff:...:ffff/128" and a NUL. */
#define VRF_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* Parse an IPv4 or IPv6 address; -EINVAL when it is neither. */
int vrf_addr_parse(const char *text, int *family, union vrf_addr *addr);

/*
 * Parse "ADDR[/LEN]" (LEN defaults to the full length) or "default".
 * -EINVAL: not an address; -ERANGE: prefix length out of range;
 * -EBADMSG: host bits set below the prefix length (10.0.0.1/24).
 */
int vrf_prefix_parse(const char *text, struct vrf_prefix *prefix);

/* Format into buf (at least INET6_ADDRSTRLEN / VRF_PREFIX_STRLEN bytes); returns buf. */
const char *vrf_addr_format(int family, const union vrf_addr *addr, char *buf);
const char *vrf_prefix_format(const struct vrf_prefix *prefix, char *buf);

/* Bytes in an address of this family: 4 or 16. */
size_t vrf_addr_len(int family);

#endif
