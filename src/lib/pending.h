/* SPDX-License-Identifier: MIT */
#ifndef VRF_PENDING_H
#define VRF_PENDING_H

/*
 * What an apply could not do yet because something it names is not there:
 * a member, bridge or route device that does not exist, a Docker network or
 * container that Docker does not have (or Docker not answering). Everything
 * else is applied; a later apply (or `vrfctl watch`, on the kernel's and
 * Docker's events) completes these. The planner and the Docker resolver add
 * to one list; plan, apply and status show it.
 */

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"

enum vrf_pending_kind {
	VRF_PENDING_MEMBER,          /* [vrf] members: not enslaved */
	VRF_PENDING_BRIDGE,          /* [vrf] bridges: its rules are in place already */
	VRF_PENDING_ROUTE,           /* a route whose device does not exist: not installed */
	VRF_PENDING_DOCKER_BRIDGE,   /* [docker] bridge: its nftables rules are loaded already */
	VRF_PENDING_NETWORK,         /* a Docker network by name: not resolved */
	VRF_PENDING_CONTAINER,       /* [docker] allow-from by container or label */
};

struct vrf_pending {
	enum vrf_pending_kind kind;
	char vrf[IFNAMSIZ];          /* "" for [docker]'s */
	char name[256];              /* the device, network, container or label */
	char reason[160];            /* "does not exist yet", "Docker is not running"... */
	struct vrf_where where;      /* where the config names it */
};

struct vrf_pending_list {
	struct vrf_pending *items;
	size_t n;
};

/* Append one; -ENOMEM (the list unchanged) or 0. Strings are truncated to fit. */
int vrf_pending_add(struct vrf_pending_list *list, enum vrf_pending_kind kind, const char *vrf,
		    const char *name, const char *reason, const struct vrf_where *where);

/* Append every item of from; -ENOMEM (list as before) or 0. */
int vrf_pending_merge(struct vrf_pending_list *list, const struct vrf_pending_list *from);

/*
 * Does the list hold a name of [docker]'s (a network, a container, a label)
 * that did not resolve? Then the nftables table would be built without it,
 * half of what the config says: it is left as it is instead.
 */
bool vrf_pending_docker_unresolved(const struct vrf_pending_list *list);

/* "member", "bridge", "route", "docker-bridge", "network", "container". */
const char *vrf_pending_kind_name(enum vrf_pending_kind kind);

/* NULL-safe; leaves the list empty. */
void vrf_pending_free(struct vrf_pending_list *list);

#endif
