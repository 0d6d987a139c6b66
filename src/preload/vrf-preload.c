/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD shim of vrf-exec's sockopt method: every new AF_INET/AF_INET6
 * socket is bound to the device in $VRF_EXEC_DEVICE with SO_BINDTODEVICE
 * before the program sees it. A socket that cannot be bound is closed and the
 * call fails with that error: never an unbound socket. Advisory by nature: a
 * static binary, a setuid one, or a raw syscall does not come through here
 * (vrf-exec refuses the first two); the cgroup method has no such gaps.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int socket(int domain, int type, int protocol);

int socket(int domain, int type, int protocol)
{
	static int (*real_socket)(int, int, int);
	const char *dev = getenv("VRF_EXEC_DEVICE");
	int fd, err;

	if (!real_socket)
		real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (!real_socket) {
		errno = ENOSYS;
		return -1;
	}
	fd = real_socket(domain, type, protocol);
	if (fd < 0 || (domain != AF_INET && domain != AF_INET6) || !dev || !*dev)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}
