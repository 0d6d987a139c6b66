/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <sys/socket.h>

#include "sock.h"

int vrf_sock_grow_buffer(int fd, int opt, int force, size_t size)
{
	int cur = 0, want = size > (size_t)(1 << 30) ? 1 << 30 : (int)size;
	socklen_t len = sizeof(cur);

	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) < 0)
		return -errno;
	if (cur >= want)
		return cur;
	if (setsockopt(fd, SOL_SOCKET, force, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
	len = sizeof(cur);
	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) < 0)
		return -errno;
	return cur;
}
