/* SPDX-License-Identifier: MIT */
#ifndef VRF_BIND_H
#define VRF_BIND_H

/*
 * Putting programs into a VRF.
 *
 * cgroup method: a cgroup2 cgroup per VRF with a BPF_CGROUP_INET_SOCK_CREATE
 * program that sets every new AF_INET/AF_INET6 socket's bound device to the
 * VRF: the kernel mechanism `ip vrf exec` uses, and its layout, so
 * `ip vrf identify` and `ip vrf pids` see the processes.
 *
 * Placement: <cgroup2>/<caller's cgroup>/vrf/NAME, as ip vrf exec does, so a
 * service manager that tracks or kills a service by its cgroup (systemd,
 * OpenRC's rc_cgroup_*) still finds the service's processes. Only where no
 * unprivileged user can write to that chain of cgroups, though: in a
 * delegated subtree its owner could move a process out of vrf/NAME, so there
 * (and when the caller is in the root cgroup) the place is <cgroup2>/vrf/NAME,
 * the one `vrfctl apply` prepares. Attached without ALLOW_OVERRIDE, so no
 * cgroup below can replace the program. The VRF's ifindex is kept in the xattr
 * trusted.vrfctl.ifindex, so a launcher tells a prepared cgroup from a stale
 * one (the VRF recreated) by one getxattr, and then only joins it.
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
 * Mounts a cgroup2 hierarchy on /run/cgroup2 (where ip vrf looks) if the
 * host has none.
 */
int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const struct vrf_log *log);

/*
 * Detach and remove every cgroup of the VRF (the top one and those nested
 * under services); -EBUSY (reported) while processes are still inside.
 */
int vrf_bind_cgroup_remove(const char *vrf, const struct vrf_log *log);

/* The ifindex <cgroup2>/vrf/NAME binds to: -ENOENT when not prepared. */
int vrf_bind_cgroup_ifindex(const char *vrf);

/*
 * Move the calling process into the VRF's cgroup (placement above), first
 * preparing it when missing or stale: once prepared, one write. The cgroup's
 * path relative to the cgroup2 root goes to where (may be NULL).
 */
int vrf_bind_cgroup_enter(const char *vrf, unsigned ifindex, char *where, size_t size,
			  const struct vrf_log *log);

/* The VRF whose cgroup pid (0: self) is in, as ip vrf identify: "" if none. */
int vrf_bind_cgroup_identify(pid_t pid, char *vrf, size_t size);

/* The processes in the VRF's cgroups (*pids malloc'ed, possibly empty). */
int vrf_bind_cgroup_pids(const char *vrf, pid_t **pids, size_t *n);

/* Every prepared VRF cgroup, for the planner; cgroups_supported in state. */
int vrf_bind_cgroup_observe(struct vrf_state *state);

/*
 * Can the sockopt shim reach the program at path? 0 if so; -ENOEXEC for a
 * static ELF (directly or as a script's interpreter: no loader, no
 * LD_PRELOAD), -EPERM for setuid/setgid or file capabilities (the loader runs
 * it in secure mode and ignores LD_PRELOAD). Reported through log.
 */
int vrf_bind_sockopt_check(const char *path, const struct vrf_log *log);

#endif
