/* SPDX-License-Identifier: MIT */
#ifndef VRF_CONFINE_H
#define VRF_CONFINE_H
/*
 * What vrf-exec does to a program just before exec, so that it stays in its
 * VRF: the cgroup's egress check stops packets by any device outside the
 * VRF; these close the ways around that check and the binding.
 *
 * - no_new_privs: no setuid or file-capability helper (Debian's ping has
 *   cap_net_raw) regains the privilege to rebind a socket.
 * - Landlock: a domain that restricts nothing on the filesystem (only the
 *   making of block devices, which needs a capability anyway), but, as every
 *   Landlock domain, keeps the program from ptrace and pidfd_getfd on
 *   processes outside it: no taking of an unbound socket from a process of
 *   the same user outside the VRF.
 * - seccomp: socket() only for the families the egress check covers
 *   (AF_INET, AF_INET6) and AF_UNIX, AF_NETLINK, without MPTCP (whose
 *   subflows the kernel makes without the socket hook); no bpf() (detaching
 *   or replacing the cgroup's programs), no io_uring (a second way to make
 *   sockets), no pidfd_getfd, and no system call of another ABI (x32, i386),
 *   where the same numbers mean other calls.
 *
 * Each returns 0 or -errno and reports through log; none can be undone by
 * the process or its children.
 */
#include "log.h"

int vrf_confine_no_new_privs(const struct vrf_log *log);

/* -EOPNOTSUPP when the kernel has no Landlock (not built, or not in lsm=). */
int vrf_confine_landlock(const struct vrf_log *log);

int vrf_confine_seccomp(const struct vrf_log *log);

#endif
