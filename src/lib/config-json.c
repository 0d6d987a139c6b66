/* SPDX-License-Identifier: MIT */
/*
 * The parsed config as JSON (`vrfctl check -j`, and inside `status -j`); the
 * shape is documented in vrfctl.conf(5).
 */

#include <errno.h>

#include "addr.h"
#include "config.h"
#include "proto.h"

static void json_tristate(struct vrf_json *j, const char *key, enum vrf_tristate t)
{
	if (t == VRF_UNSET)
		vrf_json_null(j, key);
	else
		vrf_json_bool(j, key, t == VRF_YES);
}

static void json_port_rules(struct vrf_json *j, const char *key,
			    const struct vrf_port_rule *rules, size_t n)
{
	vrf_json_array_begin(j, key);
	for (size_t i = 0; i < n; i++) {
		vrf_json_object_begin(j, NULL);
		vrf_json_uint(j, "protocol", rules[i].proto);
		vrf_json_string(j, "protocol_name", vrf_proto_name(rules[i].proto));
		vrf_json_array_begin(j, "ports");
		for (size_t k = 0; k < rules[i].n_ports; k++) {
			vrf_json_object_begin(j, NULL);
			vrf_json_uint(j, "lo", rules[i].ports[k].lo);
			vrf_json_uint(j, "hi", rules[i].ports[k].hi);
			vrf_json_object_end(j);
		}
		vrf_json_array_end(j);
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
}

static void json_vrf(struct vrf_json *j, const struct vrf_def *vrf)
{
	char buf[VRF_PREFIX_STRLEN];

	vrf_json_object_begin(j, NULL);
	vrf_json_string(j, "name", vrf->name);
	if (vrf->table_auto)
		vrf_json_string(j, "table", "auto");
	else
		vrf_json_uint(j, "table", vrf->table);
	vrf_json_array_begin(j, "members");
	for (size_t i = 0; i < vrf->n_members; i++)
		vrf_json_string(j, NULL, vrf->members[i]);
	vrf_json_array_end(j);
	vrf_json_array_begin(j, "bridges");
	for (size_t i = 0; i < vrf->n_bridges; i++)
		vrf_json_string(j, NULL, vrf->bridges[i]);
	vrf_json_array_end(j);
	vrf_json_array_begin(j, "routes");
	for (size_t i = 0; i < vrf->n_routes; i++) {
		const struct vrf_route_def *route = &vrf->routes[i];

		vrf_json_object_begin(j, NULL);
		vrf_json_string(j, "dst", vrf_prefix_format(&route->dst, buf));
		vrf_json_string(j, "via", route->has_via ?
				vrf_addr_format(route->dst.family, &route->via, buf) : NULL);
		vrf_json_string(j, "dev", route->dev[0] ? route->dev : NULL);
		if (route->has_metric)
			vrf_json_uint(j, "metric", route->metric);
		else
			vrf_json_null(j, "metric");
		vrf_json_object_end(j);
	}
	vrf_json_array_end(j);
	vrf_json_bool(j, "unreachable_default", vrf->unreachable_default);
	vrf_json_object_end(j);
}

static void json_docker(struct vrf_json *j, const struct vrf_docker *d)
{
	char buf[VRF_PREFIX_STRLEN];

	if (!d->present) {
		vrf_json_null(j, "docker");
		return;
	}
	vrf_json_object_begin(j, "docker");
	vrf_json_array_begin(j, "bridges");
	for (size_t i = 0; i < d->n_bridges; i++)
		vrf_json_string(j, NULL, d->bridges[i]);
	vrf_json_array_end(j);
	json_port_rules(j, "allow", d->allow, d->n_allow);
	vrf_json_bool(j, "isolate_containers", d->isolate_containers);
	vrf_json_array_begin(j, "allow_from");
	for (size_t i = 0; i < d->n_allow_from; i++)
		vrf_json_string(j, NULL, vrf_prefix_format(&d->allow_from[i], buf));
	vrf_json_array_end(j);
	json_port_rules(j, "host_allow", d->host_allow, d->n_host_allow);
	vrf_json_object_end(j);
}

void vrf_config_json(struct vrf_json *j, const char *key, const struct vrf_config *cfg)
{
	const struct vrf_global *g = &cfg->global;

	vrf_json_object_begin(j, key);
	vrf_json_array_begin(j, "files");
	for (size_t i = 0; i < cfg->n_files; i++)
		vrf_json_string(j, NULL, cfg->files[i]);
	vrf_json_array_end(j);

	vrf_json_object_begin(j, "global");
	json_tristate(j, "tcp_l3mdev_accept", g->tcp_l3mdev_accept);
	json_tristate(j, "udp_l3mdev_accept", g->udp_l3mdev_accept);
	json_tristate(j, "raw_l3mdev_accept", g->raw_l3mdev_accept);
	vrf_json_uint(j, "l3mdev_rule_pref", g->pref_l3mdev);
	vrf_json_uint(j, "unreachable_rule_pref", g->pref_unreachable);
	vrf_json_uint(j, "local_rule_pref", g->pref_local);
	vrf_json_uint(j, "bridge_rule_pref", g->pref_bridge);
	vrf_json_object_begin(j, "table_auto_range");
	vrf_json_uint(j, "lo", g->table_auto_min);
	vrf_json_uint(j, "hi", g->table_auto_max);
	vrf_json_object_end(j);
	vrf_json_uint(j, "route_protocol", g->route_protocol);
	vrf_json_object_end(j);

	vrf_json_array_begin(j, "vrfs");
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		json_vrf(j, &cfg->vrfs[i]);
	vrf_json_array_end(j);

	json_docker(j, &cfg->docker);
	vrf_json_object_end(j);
}

int vrf_config_write_json(const struct vrf_config *cfg, FILE *out)
{
	struct vrf_json j;
	int r;

	vrf_json_init(&j, out, true);
	vrf_config_json(&j, NULL, cfg);
	r = vrf_json_finish(&j);
	/* -EINVAL would be a bug here: the calls above are balanced. */
	return r < 0 ? -EIO : 0;
}
