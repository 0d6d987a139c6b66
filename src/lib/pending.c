/* SPDX-License-Identifier: MIT */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "pending.h"

int vrf_pending_add(struct vrf_pending_list *list, enum vrf_pending_kind kind, const char *vrf,
		    const char *name, const char *reason, const struct vrf_where *where)
{
	struct vrf_pending *p = VRF_ARRAY_PUSH(list->items, list->n);

	if (!p)
		return -ENOMEM;
	p->kind = kind;
	snprintf(p->vrf, sizeof(p->vrf), "%s", vrf ? vrf : "");
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->reason, sizeof(p->reason), "%s", reason);
	if (where)
		p->where = *where;
	return 0;
}

int vrf_pending_merge(struct vrf_pending_list *list, const struct vrf_pending_list *from)
{
	size_t n = list->n;

	for (size_t i = 0; i < from->n; i++) {
		struct vrf_pending *p = VRF_ARRAY_PUSH(list->items, list->n);

		if (!p) {
			list->n = n;
			return -ENOMEM;
		}
		*p = from->items[i];
	}
	return 0;
}

bool vrf_pending_docker_unresolved(const struct vrf_pending_list *list)
{
	for (size_t i = 0; i < list->n; i++)
		if (!list->items[i].vrf[0] && (list->items[i].kind == VRF_PENDING_NETWORK ||
					       list->items[i].kind == VRF_PENDING_CONTAINER))
			return true;
	return false;
}

const char *vrf_pending_kind_name(enum vrf_pending_kind kind)
{
	switch (kind) {
	case VRF_PENDING_MEMBER:        return "member";
	case VRF_PENDING_BRIDGE:        return "bridge";
	case VRF_PENDING_ROUTE:         return "route";
	case VRF_PENDING_DOCKER_BRIDGE: return "docker-bridge";
	case VRF_PENDING_NETWORK:       return "network";
	case VRF_PENDING_CONTAINER:     return "container";
	}
	return "?";
}

void vrf_pending_free(struct vrf_pending_list *list)
{
	if (!list)
		return;
	free(list->items);
	memset(list, 0, sizeof(*list));
}
