/* SPDX-License-Identifier: MIT */
#ifndef VRF_TESTS_SOCKADDR_PARSE_H
#define VRF_TESTS_SOCKADDR_PARSE_H
/*
 * HOST PORT from a command line to a socket address: the test probe's and
 * the benchmark load generator's one parser.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static inline int sockaddr_parse(const char *host, const char *port, struct sockaddr_storage *ss,
				 socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(port));
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(port));
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

#endif
