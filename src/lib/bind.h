/* SPDX-License-Identifier: MIT */
#ifndef VRF_BIND_H
#define VRF_BIND_H

/*
 * Putting programs into a VRF.
 *
 * cgroup method: a cgroup2 cgroup per VRF, <cgroup2>/vrf/NAME, with a
 * BPF_CGROUP_INET_SOCK_CREATE program that sets every new socket's bound
 * device to the VRF: the kernel mechanism `ip vrf exec` uses, in the place
 * `ip vrf identify` and `ip vrf pids` look. Attached without ALLOW_OVERRIDE,
 * so no cgroup below can replace it. The VRF's ifindex is kept in the xattr
 * trusted.vrfctl.ifindex, so a launcher can tell a prepared cgroup from a
 * stale one (the VRF recreated) by one getxattr, and then only join it.
 *
 * sockopt method: see src/preload: SO_BINDTODEVICE on each new socket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "log.h"
#include "plan.h"

/* The VRF name that means "no VRF": sockets bound to no device. */
#define VRF_BIND_DEFAULT "default"

/* Where cgroup2 is mounted (unified or hybrid): -ENOENT when it is not. */
int vrf_bind_cgroup2_root(char *path, size_t size);

/*
 * Create <cgroup2>/vrf/NAME and attach a program binding sockets to
 * ifindex (0: none, for "default"); replaces a stale program. Idempotent.
 */
int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const struct vrf_log *log);

/* Detach and remove; -EBUSY (reported) while processes are still inside. */
int vrf_bind_cgroup_remove(const char *vrf, const struct vrf_log *log);

/* The ifindex the prepared cgroup binds to: -ENOENT when not prepared. */
int vrf_bind_cgroup_ifindex(const char *vrf);

/* Move the calling process into the VRF's cgroup. */
int vrf_bind_cgroup_join(const char *vrf, const struct vrf_log *log);

/* The processes in the VRF's cgroup (*pids malloc'ed, possibly empty). */
int vrf_bind_cgroup_pids(const char *vrf, pid_t **pids, size_t *n);

/* Every prepared VRF cgroup, for the planner; cgroups_supported in state. */
int vrf_bind_cgroup_observe(struct vrf_state *state);

#endif
