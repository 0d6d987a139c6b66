/* SPDX-License-Identifier: MIT */
#ifndef VRF_DOCKER_H
#define VRF_DOCKER_H

/*
 * Docker objects by name, through the Engine API on its UNIX socket (HTTP,
 * JSON): http.c speaks HTTP, json-c reads the answers. Three parts, each
 * testable on its own:
 *
 * - the view: what Docker has (its networks and their bridges, its running
 *   containers and their addresses), read with two requests
 *   (vrf_docker_observe) or parsed from recorded answers
 *   (vrf_docker_parse_networks, vrf_docker_parse_containers);
 * - resolution (pure): the config's Docker names against a view, into the
 *   bridges and allow-from addresses the planner and the nftables builder
 *   read; what does not resolve is pending, never an error;
 * - the event stream (network create/destroy, container start/stop...),
 *   for a poll() loop that also waits on a netlink socket: `vrfctl watch`.
 *
 * Without json-c at build time (configure --without-docker)
 * every call that needs the daemon returns -ENOTSUP and the parsers
 * -ENOTSUP: a config naming Docker objects is then pending, the rest works.
 */

#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "log.h"
#include "model.h"
#include "pending.h"

/* Where the daemon listens unless DOCKER_HOST says unix://PATH. */
#define VRF_DOCKER_SOCKET "/var/run/docker.sock"

/* A request the daemon does not answer in this long is given up (ms). */
#define VRF_DOCKER_TIMEOUT_MS 10000

struct vrf_docker_net {
	char *name;
	char id[65];
	char bridge[IFNAMSIZ];       /* "" when the driver is not bridge */
};

/* One address of a container, on one network. */
struct vrf_docker_addr {
	char *network;               /* the network's name */
	struct vrf_prefix addr;      /* a host prefix: /32 or /128 */
};

struct vrf_docker_container {
	char *name;                  /* without Docker's leading '/' */
	char id[65];
	char **labels;               /* "KEY=VALUE" */
	size_t n_labels;
	struct vrf_docker_addr *addrs;
	size_t n_addrs;
};

/* What Docker has; one owner, vrf_docker_view_free(). */
struct vrf_docker_view {
	struct vrf_docker_net *nets;
	size_t n_nets;
	struct vrf_docker_container *containers;   /* the running ones */
	size_t n_containers;
};

void vrf_docker_view_free(struct vrf_docker_view *view);

/*
 * The socket's path: DOCKER_HOST's when it is unix://PATH, else
 * VRF_DOCKER_SOCKET. NULL when DOCKER_HOST names another transport
 * (tcp://, ssh://), which vrfctl does not speak.
 */
const char *vrf_docker_socket_path(void);

/*
 * Parse GET /networks (an array of networks) into view->nets, replacing
 * them, or GET /containers/json into view->containers. 0; -EBADMSG when
 * the text is not the JSON the Engine API answers (reported through log,
 * may be NULL); -ENOMEM. On failure that part of the view is empty.
 */
int vrf_docker_parse_networks(const char *json, size_t len, struct vrf_docker_view *view,
			      const struct vrf_log *log);
int vrf_docker_parse_containers(const char *json, size_t len, struct vrf_docker_view *view,
				const struct vrf_log *log);

/*
 * Read the view from the daemon at socket (NULL: vrf_docker_socket_path()).
 * 0; or, reported once through log as "docker: SOCKET: what": -ENOENT (no
 * socket: Docker not installed or not started), -EACCES (not root nor in
 * group docker), -ECONNREFUSED (a stale socket: the daemon is not
 * running), -ETIMEDOUT (it does not answer), -EPROTO (an API error, with
 * Docker's own message), -EBADMSG, -ENOMEM, -ENOTSUP (built without
 * Docker support). *view is empty on failure.
 */
int vrf_docker_observe(const char *socket, struct vrf_docker_view *view,
		       const struct vrf_log *log);

/* The network called name (exact: Docker's own lookup also takes id prefixes), or NULL. */
const struct vrf_docker_net *vrf_docker_net_find(const struct vrf_docker_view *view,
						 const char *name);

/*
 * Resolve the config's Docker names against view (NULL: Docker could not be
 * asked, why says in a few words, "Docker is not running"): each VRF's
 * networks to their bridges, [docker]'s networks to bridges and its
 * allow-from containers and labels to their addresses on [docker]'s
 * networks. The results replace those of the previous resolution in cfg
 * (see model.h), so a watch loop calls this again on every change. What
 * does not resolve goes onto pending, reported through log at its
 * file:line as a warning. With view NULL, each VRF with networks is marked
 * networks_unresolved: the planner keeps its bridges' rules as they are
 * (containers may still run, and must not fall through to the main
 * table). Returns 0 or -ENOMEM.
 *
 * A container name matches one container exactly; a label every
 * container carrying it (a compose service scaled up). Matching nothing
 * is pending ("no running container 'proxy'"); a name Docker does not
 * know but one close to it does gets a did-you-mean.
 */
int vrf_docker_resolve(struct vrf_config *cfg, const struct vrf_docker_view *view,
		       const char *why, struct vrf_pending_list *pending,
		       const struct vrf_log *log);

/*
 * Ask Docker (socket NULL: the default) and resolve: vrf_docker_observe,
 * then vrf_docker_resolve with its view, or, when Docker cannot be asked,
 * with why it cannot (its message, as a warning on each pending name).
 * Nothing is asked when the config names no Docker object. What apply,
 * plan, status and a watch loop's "something changed" call. 0 or -ENOMEM.
 */
int vrf_docker_refresh(struct vrf_config *cfg, const char *socket,
		       struct vrf_pending_list *pending, const struct vrf_log *log);

/* ---- events --------------------------------------------------------------- */

/* One line of GET /events, reduced. */
struct vrf_docker_event {
	char type[16];               /* "network", "container" */
	char action[32];             /* "create", "destroy", "start", "die"... */
	char name[256];              /* Actor.Attributes.name */
};

/*
 * Parse one event (a JSON object, as one line of the stream). 0, -EBADMSG,
 * -ENOTSUP without Docker support.
 */
int vrf_docker_parse_event(const char *json, size_t len, struct vrf_docker_event *ev);

/* Can this event change what a config resolves to? */
bool vrf_docker_event_matters(const struct vrf_docker_event *ev);

struct vrf_docker_events;

/*
 * Subscribe to the daemon's events at socket (NULL: the default): network
 * create, destroy, connect, disconnect; container start, die, destroy,
 * rename. 0 and *out; or the errors of vrf_docker_observe (the daemon is
 * down: retry on a timer). A subscription does not replay what happened
 * before it: resolve after subscribing, not before.
 */
int vrf_docker_events_open(const char *socket, struct vrf_docker_events **out,
			   const struct vrf_log *log);

/*
 * Wait up to timeout_ms (-1: no limit) for a Docker event or for one of the
 * caller's fds (a netlink socket...), whose revents are set as poll() sets
 * them. Returns 1 when an event that matters arrived (re-resolve and
 * re-plan; several are one), 0 when not (timeout, or only the caller's fds
 * are ready), -EPIPE when the stream ended (the daemon stopped: resolve
 * again, which leaves Docker's parts pending, and reopen later),
 * -ENOMEM. Never a busy wait. A signal does not end the wait: put a
 * signalfd (or a self-pipe) among fds.
 */
int vrf_docker_events_wait(struct vrf_docker_events *ev, struct pollfd *fds, size_t n_fds,
			   int timeout_ms, const struct vrf_log *log);

/* NULL-safe. */
void vrf_docker_events_close(struct vrf_docker_events *ev);

#endif
