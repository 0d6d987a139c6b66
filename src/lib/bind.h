/* SPDX-License-Identifier: MIT */
#ifndef VRF_BIND_H
#define VRF_BIND_H

/*
 * Putting programs into a VRF, and keeping them there.
 *
 * cgroup method: a cgroup2 cgroup per VRF with two programs. A
 * BPF_CGROUP_INET_SOCK_CREATE program sets every new AF_INET/AF_INET6
 * socket's bound device to the VRF: the kernel mechanism `ip vrf exec` uses,
 * and its layout, so `ip vrf identify` and `ip vrf pids` see the processes.
 * A BPF_CGROUP_INET_EGRESS program drops every packet of the cgroup that
 * would leave by a device other than the VRF and its ports: binding is not
 * confinement, since the kernel has send paths that choose another device
 * than the bound one (multicast, IP_PKTINFO, IPv6 scope ids) and sockets it
 * makes itself. The check is attached with BPF_F_ALLOW_MULTI, so only a
 * holder of the program's fd (root) can detach it; the binding without
 * flags, as ip vrf exec attaches its own, so that ip vrf exec still works
 * here (see attach_program). The cgroup's directory is 0700.
 *
 * Placement: <cgroup2>/<caller's cgroup>/vrf/NAME, as ip vrf exec does, so a
 * service manager that tracks or kills a service by its cgroup (systemd,
 * OpenRC's rc_cgroup_*) still finds the service's processes. Only where no
 * unprivileged user can write to that chain of cgroups, though: in a
 * delegated subtree its owner could move a process out of vrf/NAME, so there
 * (and when the caller is in the root cgroup) the place is <cgroup2>/vrf/NAME,
 * the one `vrfctl apply` keeps current. What was attached is recorded in
 * xattrs (trusted.vrfctl.ifindex, trusted.vrfctl.confine: program ids and
 * the devices let out by), so a launcher checks a prepared cgroup with two
 * BPF_PROG_QUERY calls and then only joins it.
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
 * The sorted, duplicate-free set of devices a VRF's packets may leave by:
 * the VRF (ifindex) and its n ports. out has room for n + 1. Its length.
 * What the egress check is made of, and what the planner compares with.
 */
size_t vrf_bind_allow_set(unsigned ifindex, const unsigned *ports, size_t n, unsigned *out);

/*
 * Create <cgroup2>/vrf/NAME and attach (or replace) its programs: binding
 * sockets to ifindex, and letting packets out only by ifindex and ports (the
 * VRF's ports, n_ports of them). ifindex 0 is "default": sockets bound to no
 * device, no egress check. The VRF's cgroups nested under services are
 * brought up to date too. Idempotent. Mounts a cgroup2 hierarchy on
 * /run/cgroup2 (where ip vrf looks) if the host has none.
 */
int vrf_bind_cgroup_prepare(const char *vrf, unsigned ifindex, const unsigned *ports,
			    size_t n_ports, const struct vrf_log *log);

/*
 * Detach and remove every cgroup of the VRF (the top one and those nested
 * under services); -EBUSY (reported) while processes are still inside.
 */
int vrf_bind_cgroup_remove(const char *vrf, const struct vrf_log *log);

/*
 * Move the calling process into the VRF's cgroup (placement above), first
 * preparing it when missing, stale (another ifindex or other ports) or when
 * a program is no longer attached: once prepared, a check and one write.
 * The cgroup's path relative to the cgroup2 root goes to where (may be NULL).
 */
int vrf_bind_cgroup_enter(const char *vrf, unsigned ifindex, const unsigned *ports,
			  size_t n_ports, char *where, size_t size, const struct vrf_log *log);

/*
 * Move process pid into the cgroup where (relative to the cgroup2 root, as
 * vrf_bind_cgroup_enter gives it): one write to its cgroup.procs. 0, or
 * -errno (reported).
 */
int vrf_bind_cgroup_move(pid_t pid, const char *where, const struct vrf_log *log);

/*
 * Attach the VRF's two programs (as for vrf/NAME above) to the existing
 * cgroup at path, absolute: one a service manager made for a service, whose
 * processes it keeps tracking there (see vrf-unit(8)). Nothing is done when
 * its record says they are attached and current. Not for "default". 0 or
 * -errno, reported through log.
 */
int vrf_bind_cgroup_attach(const char *vrf, const char *path, unsigned ifindex,
			   const unsigned *ports, size_t n_ports, const struct vrf_log *log);

/* The cgroup2 path of pid (0: self), as the "0::" line of /proc/PID/cgroup. */
int vrf_bind_cgroup_path(pid_t pid, char *path, size_t size);

/*
 * Remove the VRF cgroups nested below the cgroup below (its path from the
 * cgroup2 root, not "/") that no process is in, and their vrf/ when empty:
 * what lets a service manager remove a stopped service's cgroup. 0 also when
 * there are none; -EINVAL for "/" or a relative path.
 */
int vrf_bind_cgroup_prune(const char *below);

/* The VRF whose cgroup pid (0: self) is in, as ip vrf identify: "" if none. */
int vrf_bind_cgroup_identify(pid_t pid, char *vrf, size_t size);

/* The processes in the VRF's cgroups (*pids malloc'ed, possibly empty). */
int vrf_bind_cgroup_pids(const char *vrf, pid_t **pids, size_t *n);

/* Every VRF's cgroups, for the planner (one entry per VRF); cgroups_supported in state. */
int vrf_bind_cgroup_observe(struct vrf_state *state);

/*
 * Can the sockopt shim reach the program at path? 0 if so; -ENOEXEC for a
 * static ELF (directly or as a script's interpreter: no loader, no
 * LD_PRELOAD), -EPERM for setuid/setgid or file capabilities (the loader runs
 * it in secure mode and ignores LD_PRELOAD). Reported through log.
 */
int vrf_bind_sockopt_check(const char *path, const struct vrf_log *log);

#endif
