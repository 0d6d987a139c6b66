/* SPDX-License-Identifier: MIT */
/*
 * The config's Docker names against what Docker has (a struct
 * vrf_docker_view): pure, so the unit tests run it on recorded answers and
 * `vrfctl watch` runs it again on every Docker event.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "array.h"
#include "docker.h"
#include "guess.h"

/* ---- the view ------------------------------------------------------------- */

static void nets_free(struct vrf_docker_view *view)
{
	for (size_t i = 0; i < view->n_nets; i++)
		free(view->nets[i].name);
	free(view->nets);
	view->nets = NULL;
	view->n_nets = 0;
}

static void containers_free(struct vrf_docker_view *view)
{
	for (size_t i = 0; i < view->n_containers; i++) {
		struct vrf_docker_container *c = &view->containers[i];

		free(c->name);
		for (size_t j = 0; j < c->n_labels; j++)
			free(c->labels[j]);
		free(c->labels);
		for (size_t j = 0; j < c->n_addrs; j++)
			free(c->addrs[j].network);
		free(c->addrs);
	}
	free(view->containers);
	view->containers = NULL;
	view->n_containers = 0;
}

void vrf_docker_view_free(struct vrf_docker_view *view)
{
	if (!view)
		return;
	nets_free(view);
	containers_free(view);
}

const char *vrf_docker_socket_path(void)
{
	const char *host = getenv("DOCKER_HOST");

	if (!host || !*host)
		return VRF_DOCKER_SOCKET;
	return strncmp(host, "unix://", 7) == 0 && host[7] ? host + 7 : NULL;
}

bool vrf_docker_event_matters(const struct vrf_docker_event *ev)
{
	static const char *const network[] = { "create", "destroy", "connect", "disconnect" };
	static const char *const container[] = { "start", "die", "destroy", "rename" };
	bool is_net = strcmp(ev->type, "network") == 0;
	const char *const *acts = is_net ? network : container;

	if (!is_net && strcmp(ev->type, "container") != 0)
		return false;
	for (size_t i = 0; i < 4; i++)
		if (strcmp(ev->action, acts[i]) == 0)
			return true;
	return false;
}

const struct vrf_docker_net *vrf_docker_net_find(const struct vrf_docker_view *view,
						 const char *name)
{
	for (size_t i = 0; view && i < view->n_nets; i++)
		if (strcmp(view->nets[i].name, name) == 0)
			return &view->nets[i];
	return NULL;
}

struct resolver {
	const struct vrf_docker_view *view;
	const char *why;             /* view NULL: why Docker could not say */
	struct vrf_pending_list *pending;
	const struct vrf_log *log;
	int err;
};

__attribute__((format(printf, 5, 6)))
static void pend(struct resolver *r, enum vrf_pending_kind kind, const char *vrf,
		 const struct vrf_docker_ref *ref, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vrf_warn(r->log, "%s:%u: %s '%s'%s%s%s: %s: pending", ref->where.file ? ref->where.file : "?",
		 ref->where.line, ref->kind == VRF_DOCKER_NETWORK ? "network" :
		 ref->kind == VRF_DOCKER_CONTAINER ? "container" : "label", ref->name,
		 vrf ? " of vrf '" : "", vrf ? vrf : "", vrf ? "'" : "", reason);
	if (!r->err) {
		char name[256];

		/* A label is no name: say it as written. */
		snprintf(name, sizeof(name), "%s%s", ref->kind == VRF_DOCKER_LABEL ? "label:" : "",
			 ref->name);
		r->err = vrf_pending_add(r->pending, kind, vrf, name, reason, &ref->where);
	}
}

/* Append name to a bridges array unless it is there already. */
static int add_bridge(char (**bridges)[IFNAMSIZ], size_t *n, size_t *n_resolved,
		      const char *name)
{
	char (*b)[IFNAMSIZ];

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*bridges)[i], name) == 0)
			return 0;
	b = VRF_ARRAY_PUSH(*bridges, *n);
	if (!b)
		return -ENOMEM;
	snprintf(*b, IFNAMSIZ, "%s", name);
	(*n_resolved)++;
	return 0;
}

/* The network's bridge, or NULL after making the reference pending. */
static const char *network_bridge(struct resolver *r, const char *vrf,
				  const struct vrf_docker_ref *ref)
{
	const struct vrf_docker_net *net;
	struct vrf_guess g;

	if (!r->view) {
		pend(r, VRF_PENDING_NETWORK, vrf, ref, "%s", r->why ? r->why : "Docker is not running");
		return NULL;
	}
	net = vrf_docker_net_find(r->view, ref->name);
	if (!net) {
		vrf_guess_init(&g, ref->name);
		for (size_t i = 0; i < r->view->n_nets; i++)
			vrf_guess_try(&g, r->view->nets[i].name);
		if (g.best)
			pend(r, VRF_PENDING_NETWORK, vrf, ref, "Docker has no such network (did you "
			     "mean '%s'?)", g.best);
		else
			pend(r, VRF_PENDING_NETWORK, vrf, ref, "Docker has no such network yet");
		return NULL;
	}
	if (!net->bridge[0]) {
		pend(r, VRF_PENDING_NETWORK, vrf, ref, "not a bridge network: it has no bridge to "
		     "route");
		return NULL;
	}
	return net->bridge;
}

static bool has_label(const struct vrf_docker_container *c, const char *label)
{
	for (size_t i = 0; i < c->n_labels; i++)
		if (strcmp(c->labels[i], label) == 0)
			return true;
	return false;
}

static bool matches(const struct vrf_docker_ref *ref, const struct vrf_docker_container *c)
{
	return ref->kind == VRF_DOCKER_CONTAINER ? strcmp(c->name, ref->name) == 0
						 : has_label(c, ref->name);
}

/* Is the network of this name one whose bridge [docker] filters? */
static bool docker_network(const struct resolver *r, const struct vrf_docker *d,
			   const char *network)
{
	const struct vrf_docker_net *net = vrf_docker_net_find(r->view, network);

	for (size_t i = 0; net && net->bridge[0] && i < d->n_bridges; i++)
		if (strcmp(d->bridges[i], net->bridge) == 0)
			return true;
	return false;
}

/*
 * A container's addresses on [docker]'s networks: those are what its
 * packets carry there (on another network it is another source).
 */
static void resolve_allow_from(struct resolver *r, struct vrf_docker *d,
			       const struct vrf_docker_ref *ref)
{
	size_t found = 0, added = 0;
	struct vrf_guess g;

	if (!r->view) {
		pend(r, VRF_PENDING_CONTAINER, NULL, ref, "%s",
		     r->why ? r->why : "Docker is not running");
		return;
	}
	vrf_guess_init(&g, ref->name);
	for (size_t i = 0; i < r->view->n_containers && !r->err; i++) {
		const struct vrf_docker_container *c = &r->view->containers[i];

		if (!matches(ref, c)) {
			if (ref->kind == VRF_DOCKER_CONTAINER)
				vrf_guess_try(&g, c->name);
			continue;
		}
		found++;
		for (size_t j = 0; j < c->n_addrs; j++) {
			struct vrf_prefix *p;

			if (!docker_network(r, d, c->addrs[j].network))
				continue;
			p = VRF_ARRAY_PUSH(d->allow_from, d->n_allow_from);
			if (!p) {
				r->err = -ENOMEM;
				return;
			}
			*p = c->addrs[j].addr;
			d->n_resolved_allow_from++;
			added++;
		}
	}
	if (!found && g.best)
		pend(r, VRF_PENDING_CONTAINER, NULL, ref, "no running container of that name (did "
		     "you mean '%s'?)", g.best);
	else if (!found)
		pend(r, VRF_PENDING_CONTAINER, NULL, ref, "no running container %s",
		     ref->kind == VRF_DOCKER_CONTAINER ? "of that name" : "with that label");
	else if (!added)
		pend(r, VRF_PENDING_CONTAINER, NULL, ref, "no address on the networks of [docker]");
}

/* Drop what the last resolution appended: it is made again from the view. */
static void forget(struct vrf_config *cfg)
{
	for (size_t i = 0; i < cfg->n_vrfs; i++) {
		cfg->vrfs[i].n_bridges -= cfg->vrfs[i].n_resolved_bridges;
		cfg->vrfs[i].n_resolved_bridges = 0;
	}
	cfg->docker.n_bridges -= cfg->docker.n_resolved_bridges;
	cfg->docker.n_resolved_bridges = 0;
	cfg->docker.n_allow_from -= cfg->docker.n_resolved_allow_from;
	cfg->docker.n_resolved_allow_from = 0;
}

int vrf_docker_resolve(struct vrf_config *cfg, const struct vrf_docker_view *view,
		       const char *why, struct vrf_pending_list *pending,
		       const struct vrf_log *log)
{
	struct resolver r = { .view = view, .why = why, .pending = pending, .log = log };
	struct vrf_docker *d = &cfg->docker;

	forget(cfg);
	for (size_t i = 0; i < cfg->n_vrfs && !r.err; i++) {
		struct vrf_def *v = &cfg->vrfs[i];

		v->networks_unresolved = !view && v->n_networks > 0;
		for (size_t j = 0; j < v->n_networks && !r.err; j++) {
			const char *br = network_bridge(&r, v->name, &v->networks[j]);

			if (br)
				r.err = add_bridge(&v->bridges, &v->n_bridges, &v->n_resolved_bridges,
						   br);
		}
	}
	for (size_t j = 0; j < d->n_networks && !r.err; j++) {
		const char *br = network_bridge(&r, NULL, &d->networks[j]);

		if (br)
			r.err = add_bridge(&d->bridges, &d->n_bridges, &d->n_resolved_bridges, br);
	}
	for (size_t j = 0; j < d->n_allow_from_refs && !r.err; j++)
		resolve_allow_from(&r, d, &d->allow_from_refs[j]);
	return r.err;
}

/* The first message of a call, kept as the reason for what stays pending. */
struct first_msg {
	char text[160];
};

static void keep_first(void *data, int priority, const char *msg)
{
	struct first_msg *m = data;

	(void)priority;
	if (!m->text[0])
		snprintf(m->text, sizeof(m->text), "%s", strncmp(msg, "docker: ", 8) == 0 ? msg + 8
											     : msg);
}

int vrf_docker_refresh(struct vrf_config *cfg, const char *socket,
		       struct vrf_pending_list *pending, const struct vrf_log *log)
{
	struct vrf_docker_view view = { 0 };
	struct first_msg why = { "" };
	struct vrf_log keep = { keep_first, &why };
	int r;

	if (!vrf_config_names_docker(cfg))
		return 0;
	r = vrf_docker_observe(socket, &view, &keep);
	if (r == -ENOMEM)
		return r;
	r = vrf_docker_resolve(cfg, r ? NULL : &view, why.text[0] ? why.text : NULL, pending, log);
	vrf_docker_view_free(&view);
	return r;
}
