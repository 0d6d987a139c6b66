/* SPDX-License-Identifier: MIT */
/* What plan and status show of the parts an apply could not do yet. */
#include <stdio.h>

#include "cmd.h"

void vrfctl_pending_write(const struct vrf_pending_list *list, const char *indent, FILE *out)
{
	for (size_t i = 0; i < list->n; i++) {
		const struct vrf_pending *p = &list->items[i];

		fprintf(out, "%s%s %s", indent, vrf_pending_kind_name(p->kind), p->name);
		if (p->vrf[0])
			fprintf(out, " of vrf %s", p->vrf);
		if (p->where.file)
			fprintf(out, " (%s:%u)", p->where.file, p->where.line);
		fprintf(out, ": %s\n", p->reason);
	}
}

void vrfctl_pending_json(struct vrf_json *j, const char *key, const struct vrf_pending_list *list)
{
	vrf_json_array_begin(j, key);
	for (size_t i = 0; i < list->n; i++) {
		const struct vrf_pending *p = &list->items[i];

		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "kind", vrf_pending_kind_name(p->kind));
		vrf_json_string(j, "name", p->name);
		vrf_json_string(j, "vrf", p->vrf[0] ? p->vrf : NULL);
		vrf_json_string(j, "reason", p->reason);
		vrf_json_string(j, "file", p->where.file);
		if (p->where.file)
			vrf_json_uint(j, "line", p->where.line);
		else
			vrf_json_null(j, "line");
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
}
