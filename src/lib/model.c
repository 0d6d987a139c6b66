/* SPDX-License-Identifier: MIT */

#include <stdlib.h>
#include <string.h>

#include "model.h"

void vrf_global_init(struct vrf_global *global)
{
	*global = (struct vrf_global){
		.tcp_l3mdev_accept = VRF_UNSET,
		.udp_l3mdev_accept = VRF_UNSET,
		.raw_l3mdev_accept = VRF_UNSET,
		.pref_l3mdev = VRF_DEFAULT_PREF_L3MDEV,
		.pref_unreachable = VRF_DEFAULT_PREF_UNREACHABLE,
		.pref_local = VRF_DEFAULT_PREF_LOCAL,
		.pref_bridge = VRF_DEFAULT_PREF_BRIDGE,
		.table_auto_min = VRF_DEFAULT_TABLE_AUTO_MIN,
		.table_auto_max = VRF_DEFAULT_TABLE_AUTO_MAX,
		.route_protocol = VRF_DEFAULT_ROUTE_PROTOCOL,
	};
}

const struct vrf_def *vrf_config_find(const struct vrf_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (strcmp(cfg->vrfs[i].name, name) == 0)
			return &cfg->vrfs[i];
	return NULL;
}

static void port_rules_free(struct vrf_port_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rules[i].ports);
	free(rules);
}

bool vrf_config_names_docker(const struct vrf_config *cfg)
{
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		if (cfg->vrfs[i].n_networks)
			return true;
	return cfg->docker.n_networks || cfg->docker.n_allow_from_refs;
}

void vrf_docker_refs_free(struct vrf_docker_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i].name);
	free(refs);
}

void vrf_config_free(struct vrf_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		free(cfg->vrfs[i].members);
		free(cfg->vrfs[i].bridges);
		vrf_docker_refs_free(cfg->vrfs[i].networks, cfg->vrfs[i].n_networks);
		free(cfg->vrfs[i].routes);
	}
	free(cfg->vrfs);
	free(cfg->docker.bridges);
	port_rules_free(cfg->docker.allow, cfg->docker.n_allow);
	free(cfg->docker.allow_from);
	vrf_docker_refs_free(cfg->docker.networks, cfg->docker.n_networks);
	vrf_docker_refs_free(cfg->docker.allow_from_refs, cfg->docker.n_allow_from_refs);
	port_rules_free(cfg->docker.host_allow, cfg->docker.n_host_allow);
	for (size_t i = 0; i < cfg->n_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	memset(cfg, 0, sizeof(*cfg));
}
