/* SPDX-License-Identifier: MIT */
#ifndef VRF_VRFDEV_H
#define VRF_VRFDEV_H
/*
 * The questions vrf-exec asks before every program it starts, answered
 * over raw rtnetlink. vrf-exec stands between a shell and each program it
 * runs, so it must start fast: loading libnl (netlink.c, vrfctl's kernel
 * access) takes longer than asking. Nothing here changes the kernel.
 */
#include <stddef.h>

/*
 * The ifindex of the VRF device name. -ENODEV: no device of that name;
 * -EMEDIUMTYPE: a device, but not a VRF; other -errno: netlink failed.
 */
int vrf_dev_vrf_ifindex(const char *name);

/*
 * The VRF's ifindex, as vrf_dev_vrf_ifindex, and the ifindexes of its ports
 * (*ports malloc'ed, *n of them; NULL and 0 on error).
 */
int vrf_dev_vrf_ports(const char *name, unsigned **ports, size_t *n);

/*
 * The names of the VRF devices there are, "a, b" into out (truncated to
 * size; "" when there are none). 0 or -errno.
 */
int vrf_dev_vrf_names(char *out, size_t size);

#endif
