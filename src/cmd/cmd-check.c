/* SPDX-License-Identifier: MIT */
/*
 * vrfctl check: load the config and say whether it is good. The errors
 * themselves were printed by the log hook as the loader found them.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"

/* At most this many VRF names in the summary line: it stays one line. */
#define SUMMARY_NAMES 8

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void summary(const struct vrf_config *cfg, FILE *out)
{
	const struct vrf_docker *d = &cfg->docker;
	size_t routes = 0;

	fprintf(out, "vrfctl: config OK: %zu %s", cfg->n_vrfs, plural(cfg->n_vrfs, "VRF", "VRFs"));
	for (size_t i = 0; i < cfg->n_vrfs && i < SUMMARY_NAMES; i++)
		fprintf(out, "%s%s", i ? ", " : " (", cfg->vrfs[i].name);
	if (cfg->n_vrfs > SUMMARY_NAMES)
		fputs(", ...", out);
	if (cfg->n_vrfs)
		fputc(')', out);
	for (size_t i = 0; i < cfg->n_vrfs; i++)
		routes += cfg->vrfs[i].n_routes;
	fprintf(out, ", %zu %s", routes, plural(routes, "route", "routes"));
	if (d->present && d->n_networks)
		fprintf(out, ", docker: %zu %s, %zu %s", d->n_networks,
			plural(d->n_networks, "network", "networks"), d->n_bridges,
			plural(d->n_bridges, "bridge", "bridges"));
	else if (d->present)
		fprintf(out, ", docker: %zu %s", d->n_bridges,
			plural(d->n_bridges, "bridge", "bridges"));
	if (d->present)
		fprintf(out, ", %zu %s", d->n_allow + d->n_host_allow,
			plural(d->n_allow + d->n_host_allow, "port rule", "port rules"));
	if (cfg->n_files == 0)
		fputs(" (no config file)", out);
	fputc('\n', out);
}

int vrfctl_cmd_check(const struct vrfctl_opts *opts, int argc, char **argv)
{
	struct vrf_config cfg;
	int ret = VRFCTL_EXIT_ERROR;

	if (argc > 1) {
		vrf_err(&opts->log, "check: unexpected argument '%s'", argv[1]);
		fputs("usage: vrfctl [-c FILE] [-j] check\n", stderr);
		return VRFCTL_EXIT_ERROR;
	}
	if (vrf_config_load(&cfg, opts->config_path, &opts->log) < 0)
		return VRFCTL_EXIT_ERROR;
	if (opts->json)
		vrf_config_write_json(&cfg, stdout);
	else
		summary(&cfg, stdout);
	/* A summary nobody could read (stdout full or closed) is a failure. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		vrf_err(&opts->log, "stdout: %s", strerror(EIO));
		goto out;
	}
	ret = VRFCTL_EXIT_OK;
out:
	vrf_config_free(&cfg);
	return ret;
}
