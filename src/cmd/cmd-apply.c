/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cmd.h"
#include "config.h"
#include "docker.h"
#include "rtnl.h"
#include "nft.h"
#include "plan.h"

/* `apply`, `plan` and `down` share one path: load, observe, plan, then act. */
enum mode {
	MODE_APPLY,
	MODE_PLAN,
	MODE_DOWN,
	MODE_DOWN_RULES,
	MODE_DOWN_RULES_IF_LAST,     /* down --rules --if-last: only with no other VRF left */
};

/* The link group of vrfctl's VRF devices: the same number as its route protocol. */
static uint32_t link_group(const struct vrf_config *cfg)
{
	return cfg->global.route_protocol;
}

/* A test hook, read only by a test build (configure --enable-test-hooks). */
static long fail_step_from_env(void)
{
	const char *s = VRF_TEST_HOOKS ? getenv("VRFCTL_TEST_FAIL_STEP") : NULL;

	return s && *s ? strtol(s, NULL, 10) : -1;
}

/* A host with no nf_tables at all has no vrfctl table either. */
static bool nft_absent(int r)
{
	return r == -EOPNOTSUPP || r == -EPROTONOSUPPORT || r == -EAFNOSUPPORT;
}

struct nft_job {
	const struct vrf_docker *docker;   /* NULL: remove the table */
	const struct vrf_log *log;
	bool changed;                      /* the kernel's table was loaded or removed */
};

/* The nftables half of an apply or down --all, run as the executor's last step. */
static int nft_finish(void *data)
{
	struct nft_job *job = data;
	/* Not wanted (or removing): apply removes the table only if it is there. */
	int r = vrf_nft_apply(job->docker, job->log);

	if (r < 0)
		return nft_absent(r) && !vrf_nft_wanted(job->docker) ? 0 : r;
	job->changed = r > 0;
	return 0;
}

/*
 * What plan and --dry-run show of the nftables table: the text it would
 * load, or its removal. Returns 1 when the kernel's table differs.
 */
static int nft_show_plan(const struct vrf_docker *docker, const struct vrf_log *log, FILE *out)
{
	bool wanted = docker && vrf_nft_wanted(docker), differs = false;
	char *text = NULL;
	int r = vrf_nft_drift(wanted ? docker : NULL, &differs, log);

	if (r < 0)
		return nft_absent(r) && !wanted ? 0 : r;
	if (!differs)
		return 0;
	if (!wanted) {
		fputs("nft delete table inet " VRF_NFT_TABLE "\n", out);
		return 1;
	}
	r = vrf_nft_render(docker, &text);
	if (r < 0)
		return r;
	fprintf(out, "nft -f - <<'EOF'\n%sEOF\n", text);
	free(text);
	return 1;
}

static bool acts(const struct vrfctl_opts *o, enum mode mode)
{
	return mode != MODE_PLAN && !o->dry_run;
}

/* A VRF device other than the named ones (about to go), or NULL. */
static const char *vrf_left(const struct vrf_state *state, char **names, size_t n_names)
{
	for (size_t i = 0; i < state->n_links; i++) {
		size_t k = 0;

		while (k < n_names && strcmp(names[k], state->links[i].name) != 0)
			k++;
		if (state->links[i].is_vrf && k == n_names)
			return state->links[i].name;
	}
	return NULL;
}

/*
 * Plan for cfg against the state being observed and (unless only planning)
 * act: the part of apply, plan and down after the config is read, which
 * vrfctl watch repeats. The number of steps carried out goes to *changes
 * (may be NULL).
 */
static int plan_and_act(const struct vrfctl_opts *o, struct vrf_config *cfg, enum mode mode,
			char **names, size_t n_names, bool all, struct vrfctl_kernel_view *kv,
			size_t *changes)
{
	struct vrf_state *state = &kv->state;
	struct vrf_plan plan = { 0 };
	bool act = acts(o, mode), touch_nft;
	struct nft_job nft = { 0 };
	struct vrf_pending_list pending = { 0 };
	bool nft_held = false;
	int status = VRFCTL_EXIT_ERROR, r;

	if (changes)
		*changes = 0;
	/* Docker's names, and checks that need the kernel but change nothing,
	 * come before any change; what is not there yet is pending. */
	if ((mode == MODE_APPLY || mode == MODE_PLAN) &&
	    (vrf_docker_refresh(cfg, NULL, &pending, &o->log) < 0 ||
	     vrf_nft_validate(&cfg->docker, &pending, &o->log) < 0)) {
		vrf_err(&o->log, "out of memory");
		goto out;
	}
	if (vrfctl_kernel_view_finish(kv, o) < 0)
		goto out;
	/* The rules are the VRFs' together: the last one to go gives them back. */
	if (mode == MODE_DOWN_RULES_IF_LAST) {
		const char *left = vrf_left(state, names, n_names);

		if (left) {
			vrf_info(&o->log, "vrf %s is left: the ip rules stay", left);
			status = VRFCTL_EXIT_OK;
			goto out;
		}
		mode = MODE_DOWN_RULES;
	}
	{
		struct vrf_plan_opts popts = {
			.link_group = link_group(cfg),
			.force = o->force,
		};

		if (mode == MODE_DOWN_RULES) {
			popts.only = n_names ? (const char *const *)names : NULL;
			popts.n_only = n_names;
			r = vrf_plan_rules_down(cfg, state, &popts, &plan, &o->log);
		} else if (mode == MODE_DOWN) {
			r = vrf_plan_down(cfg, state, (const char *const *)names, n_names, all,
					  &popts, &plan, &o->log);
		} else {
			popts.only = n_names ? (const char *const *)names : NULL;
			popts.n_only = n_names;
			r = vrf_plan_apply(cfg, state, &popts, &plan, &o->log);
		}
	}
	if (r < 0)
		goto out;
	if (vrf_pending_merge(&pending, &plan.pending) < 0) {
		vrf_err(&o->log, "out of memory");
		goto out;
	}
	/* The table follows the config on apply; only down --all removes it. */
	nft.docker = mode == MODE_APPLY || mode == MODE_PLAN ? &cfg->docker : NULL;
	nft.log = &o->log;
	/* The table belongs to the whole config: `apply VRF...` (the ifupdown
	 * hook's, with a one-VRF config) and `down VRF...` leave it alone. */
	touch_nft = mode == MODE_DOWN ? all : mode != MODE_DOWN_RULES && n_names == 0;
	/* Built without a name of [docker]'s, the table would be half of what
	 * the config says (a proxy's exception missing, a network unfiltered):
	 * the one there stays until Docker answers for all of them. */
	if (touch_nft && mode != MODE_DOWN && vrf_pending_docker_unresolved(&pending)) {
		touch_nft = false;
		nft_held = true;
		vrf_warn(&o->log, "table inet " VRF_NFT_TABLE " left as it is: [docker] names what "
			 "Docker does not have yet (pending)");
	}
	if (!act) {
		int nft_differs = 0;

		vrf_plan_write(&plan, stdout);
		if (touch_nft) {
			nft_differs = nft_show_plan(nft.docker, &o->log, stdout);
			if (nft_differs < 0)
				goto out;
		}
		vrfctl_pending_write(&pending, "# pending: ", stdout);
		if (plan.n_steps == 0 && !nft_differs)
			vrf_notice(&o->log, pending.n ? "nothing to change now; %zu part%s pending"
						      : "nothing to change", pending.n,
				   pending.n == 1 ? "" : "s");
		status = mode != MODE_PLAN ? VRFCTL_EXIT_OK
			 : plan.n_steps || nft_differs ? VRFCTL_EXIT_PENDING
			 : pending.n || nft_held ? VRFCTL_EXIT_INCOMPLETE : VRFCTL_EXIT_OK;
		goto out;
	}
	{
		struct vrf_apply_opts aopts = {
			.fail_at = fail_step_from_env(),
			.finish = touch_nft ? nft_finish : NULL,
			.finish_data = &nft,
			.finish_what = vrf_nft_wanted(nft.docker) ? "load table inet vrfctl"
								  : "delete table inet vrfctl",
		};

		r = vrf_plan_execute(kv->rt, &plan, &aopts, &o->log);
	}
	if (r < 0)
		goto out;
	if (changes)
		*changes = plan.n_steps + nft.changed;
	/* vrfctl watch re-plans after each burst of events: silent when idle. */
	if (plan.n_steps == 0 && !nft.changed)
		vrf_debug(&o->log, "nothing to change");
	else
		vrf_info(&o->log, "%zu change%s made%s", plan.n_steps, plan.n_steps == 1 ? "" : "s",
			 !nft.changed ? "" : vrf_nft_wanted(nft.docker) ? ", and table inet vrfctl loaded"
						       : ", and table inet vrfctl deleted");
	/* Done what could be done: a supervisor's start succeeds, and the
	 * rest follows on a later apply (or watch). */
	if (pending.n)
		vrf_notice(&o->log, "%zu part%s pending until %s (vrfctl status lists them)",
			   pending.n, pending.n == 1 ? "" : "s",
			   pending.n == 1 ? "it exists" : "they exist");
	status = VRFCTL_EXIT_OK;
out:
	vrf_pending_free(&pending);
	vrf_plan_free(&plan);
	return status;
}

static int run(const struct vrfctl_opts *o, enum mode mode, char **names, size_t n_names,
	       bool all)
{
	struct vrf_config cfg = { 0 };
	struct vrfctl_kernel_view kv = VRFCTL_KERNEL_VIEW_INIT(acts(o, mode), VRF_RTNL_BATCHES);
	int status = VRFCTL_EXIT_ERROR;

	/* Before the config is read: start reading the kernel if that needs no
	 * lock (plan) or the lock can be had quietly. */
	vrfctl_kernel_view_begin(&kv, o);
	if (vrf_config_load(&cfg, o->config_path, &o->log) >= 0)
		status = plan_and_act(o, &cfg, mode, names, n_names, all, &kv, NULL);
	vrf_config_free(&cfg);
	vrfctl_kernel_view_free(&kv);
	return status;
}

int vrfctl_apply_config(const struct vrfctl_opts *opts, struct vrf_config *cfg, size_t *changes)
{
	/* The config is read already: the state is read after the lock. */
	struct vrfctl_kernel_view kv = VRFCTL_KERNEL_VIEW_INIT(acts(opts, MODE_APPLY), VRF_RTNL_BATCHES);
	int status;

	status = plan_and_act(opts, cfg, MODE_APPLY, NULL, 0, false, &kv, changes);
	vrfctl_kernel_view_free(&kv);
	return status;
}

/* Subcommands take no options of their own beyond `down --all`. */
static int no_options(const struct vrfctl_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };

	if (getopt_long(argc, argv, "+", longopts, NULL) != -1) {
		vrf_err(&o->log, "usage: vrfctl %s [VRF...]", argv[0]);
		return -EINVAL;
	}
	return 0;
}

int vrfctl_cmd_apply(const struct vrfctl_opts *opts, int argc, char **argv)
{
	if (no_options(opts, argc, argv) < 0)
		return VRFCTL_EXIT_ERROR;
	return run(opts, MODE_APPLY, argv + optind, (size_t)(argc - optind), false);
}

int vrfctl_cmd_plan(const struct vrfctl_opts *opts, int argc, char **argv)
{
	if (no_options(opts, argc, argv) < 0)
		return VRFCTL_EXIT_ERROR;
	return run(opts, MODE_PLAN, argv + optind, (size_t)(argc - optind), false);
}

int vrfctl_cmd_down(const struct vrfctl_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all",   no_argument, NULL, 'a' },
		{ "rules", no_argument, NULL, 'r' },
		{ "if-last", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false, rules = false, if_last = false;
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'r')
			rules = true;
		else if (c == 'l')
			if_last = true;
		else
			goto usage;
	}
	/* One of: names, --all, --rules [--if-last] (with the names of VRFs going away). */
	if (all + rules > 1 || (!all && !rules && optind == argc) || (all && optind < argc) ||
	    (if_last && !rules))
		goto usage;
	if (rules)
		return run(opts, if_last ? MODE_DOWN_RULES_IF_LAST : MODE_DOWN_RULES, argv + optind,
			   (size_t)(argc - optind), false);
	return run(opts, MODE_DOWN, argv + optind, (size_t)(argc - optind), all);
usage:
	vrf_err(&opts->log, "usage: vrfctl down VRF...|--all|--rules [--if-last] [VRF...]");
	return VRFCTL_EXIT_ERROR;
}
