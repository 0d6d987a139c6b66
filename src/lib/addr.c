/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

size_t vrf_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

int vrf_addr_parse(const char *text, int *family, union vrf_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, &addr->v4) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, &addr->v6) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/*
 * A.B.C.D, each part 0-255 in decimal without a leading zero, as inet_pton
 * takes them, ended by '\0' or '/': the common case of a config with
 * thousands of routes, read without copying the text for inet_pton. NULL
 * when the text is not of that form (inet_pton then decides).
 */
static const char *ipv4_dotted(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		const char *start = s;
		unsigned v = 0;

		while (*s >= '0' && *s <= '9' && s - start < 3)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (s == start || v > 255 || (s - start > 1 && *start == '0'))
			return NULL;
		if (i < 3 && *s++ != '.')
			return NULL;
		out[i] = (uint8_t)v;
	}
	return *s == '\0' || *s == '/' ? s : NULL;
}

int vrf_prefix_parse(const char *text, struct vrf_prefix *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	uint8_t v4[4];
	const char *slash = ipv4_dotted(text, v4);
	size_t addrlen;
	unsigned long len;
	char *end;
	int family = AF_INET;

	memset(prefix, 0, sizeof(*prefix));
	if (slash) {
		memcpy(prefix->addr.bytes, v4, sizeof(v4));
		slash = *slash ? slash : NULL;
		goto parsed;
	}
	slash = strchr(text, '/');
	addrlen = slash ? (size_t)(slash - text) : strlen(text);
	if (strcmp(text, "default") == 0) {
		/* "default" alone is ambiguous between families: callers that accept
		 * it decide the family (routes add one per family). */
		prefix->family = AF_UNSPEC;
		return 0;
	}
	if (addrlen == 0 || addrlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, addrlen);
	buf[addrlen] = '\0';
	if (vrf_addr_parse(buf, &family, &prefix->addr) < 0)
		return -EINVAL;
parsed:
	prefix->family = family;
	prefix->len = (uint8_t)(vrf_addr_len(family) * 8);
	if (!slash)
		return 0;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || errno)
		return -EINVAL;
	if (len > vrf_addr_len(family) * 8)
		return -ERANGE;
	prefix->len = (uint8_t)len;
	/* The kernel refuses a route whose host part is set; say so up front. */
	for (size_t bit = len; bit < vrf_addr_len(family) * 8; bit++)
		if (prefix->addr.bytes[bit / 8] & (0x80 >> (bit % 8)))
			return -EBADMSG;
	return 0;
}

const char *vrf_addr_format(int family, const union vrf_addr *addr, char *buf)
{
	if (!inet_ntop(family, addr, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

const char *vrf_prefix_format(const struct vrf_prefix *prefix, char *buf)
{
	if (prefix->family == AF_UNSPEC) {
		strcpy(buf, "default");
		return buf;
	}
	vrf_addr_format(prefix->family, &prefix->addr, buf);
	sprintf(buf + strlen(buf), "/%u", prefix->len);
	return buf;
}
