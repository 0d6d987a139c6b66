/* SPDX-License-Identifier: MIT */
#ifndef VRF_SOCK_H
#define VRF_SOCK_H

#include <stddef.h>

/*
 * Grow a socket buffer (SO_RCVBUF/SO_RCVBUFFORCE or SO_SNDBUF/SO_SNDBUFFORCE)
 * to at least size bytes: the FORCE option first, which root may use past
 * net.core.rmem_max/wmem_max, then the plain one. Never shrinks it. Returns
 * the size the kernel reports afterwards (it counts skb overhead too), or
 * -errno when it cannot be read.
 */
int vrf_sock_grow_buffer(int fd, int opt, int force, size_t size);

#endif
