/* SPDX-License-Identifier: MIT */
/*
 * The Engine API client: HTTP over the daemon's UNIX socket (http.c), json-c
 * for its answers. The only file that includes json-c (docker-resolve.c works
 * on the parsed view). Paths carry no API version: the daemon then answers in
 * its own, and the fields read here (Name, Id, Driver, Options, Names,
 * Labels, NetworkSettings.Networks) are the same from API 1.24 to today,
 * where a pinned version is refused by daemons whose minimum moved past it.
 */

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "array.h"
#include "clock.h"
#include "docker.h"
#include "http.h"

/* An answer larger than this is not one of the lists asked for (64 MiB). */
#define MAX_ANSWER (64u << 20)
/* Default networks are named so; every other bridge network is br-<id12>. */
#define BRIDGE_NAME_OPTION "com.docker.network.bridge.name"
#define BRIDGE_ID_CHARS 12

/* ---- parsing -------------------------------------------------------------- */

/* The whole of text as one JSON value, or NULL. */
static struct json_object *parse_all(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj = NULL;
	size_t end;

	/* An empty body is no document (its buffer is then NULL). */
	if (!tok || !text || len > (size_t)INT32_MAX)
		goto out;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	while (end < len && (text[end] == '\n' || text[end] == '\r' || text[end] == ' '))
		end++;
	if (json_tokener_get_error(tok) != json_tokener_success || end != len) {
		json_object_put(obj);
		obj = NULL;
	}
out:
	if (tok)
		json_tokener_free(tok);
	return obj;
}

/* obj[key] as a string, or NULL when absent or not a string. */
static const char *str_at(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *obj_at(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

static void copy_id(char id[65], const char *from)
{
	snprintf(id, 65, "%s", from ? from : "");
}

static int bad_answer(const struct vrf_log *log, const char *what)
{
	vrf_err(log, "docker: the answer to %s is not what the Engine API sends", what);
	return -EBADMSG;
}

static int parse_net(struct json_object *o, void *item)
{
	struct vrf_docker_net *n = item;
	const char *name = str_at(o, "Name"), *id = str_at(o, "Id"), *driver = str_at(o, "Driver");
	struct json_object *opts = obj_at(o, "Options");
	const char *br = opts ? str_at(opts, BRIDGE_NAME_OPTION) : NULL;

	if (!name || !id)
		return -EBADMSG;
	n->name = strdup(name);
	if (!n->name)
		return -ENOMEM;
	copy_id(n->id, id);
	if (!driver || strcmp(driver, "bridge") != 0)
		return 0;
	if (br && *br)
		snprintf(n->bridge, sizeof(n->bridge), "%s", br);
	else
		snprintf(n->bridge, sizeof(n->bridge), "br-%.*s", BRIDGE_ID_CHARS, id);
	return 0;
}

/* Put part (the nets or the containers of tmp) in place of view's, freeing one or the other. */
static int replace_part(struct vrf_docker_view *view, struct vrf_docker_view *tmp, bool nets,
			int err)
{
	struct vrf_docker_view old = { 0 };

	if (nets) {
		old.nets = view->nets;
		old.n_nets = view->n_nets;
		view->nets = err ? NULL : tmp->nets;
		view->n_nets = err ? 0 : tmp->n_nets;
	} else {
		old.containers = view->containers;
		old.n_containers = view->n_containers;
		view->containers = err ? NULL : tmp->containers;
		view->n_containers = err ? 0 : tmp->n_containers;
	}
	vrf_docker_view_free(&old);
	if (err)
		vrf_docker_view_free(tmp);
	return err;
}

static int add_addr(struct vrf_docker_container *c, const char *network, const char *text)
{
	struct vrf_docker_addr *a;
	struct vrf_prefix p = { 0 };

	/* Docker says "" for a family the network does not have. */
	if (!text || !*text || vrf_addr_parse(text, &p.family, &p.addr) < 0)
		return 0;
	p.len = p.family == AF_INET6 ? 128 : 32;
	a = VRF_ARRAY_PUSH(c->addrs, c->n_addrs);
	if (!a)
		return -ENOMEM;
	a->addr = p;
	a->network = strdup(network);
	return a->network ? 0 : -ENOMEM;
}

static int parse_container(struct json_object *o, void *item)
{
	struct vrf_docker_container *c = item;
	struct json_object *names, *labels = obj_at(o, "Labels");
	struct json_object *settings = obj_at(o, "NetworkSettings");
	struct json_object *nets = settings ? obj_at(settings, "Networks") : NULL;
	const char *name;
	int err = 0;

	if (!json_object_object_get_ex(o, "Names", &names) ||
	    !json_object_is_type(names, json_type_array) || json_object_array_length(names) == 0 ||
	    !str_at(o, "Id"))
		return -EBADMSG;
	name = json_object_get_string(json_object_array_get_idx(names, 0));
	c->name = strdup(name[0] == '/' ? name + 1 : name);
	if (!c->name)
		return -ENOMEM;
	copy_id(c->id, str_at(o, "Id"));
	if (labels) {
		json_object_object_foreach(labels, key, val) {
			char **l;

			if (!json_object_is_type(val, json_type_string))
				continue;
			l = VRF_ARRAY_PUSH(c->labels, c->n_labels);
			if (!l || asprintf(l, "%s=%s", key, json_object_get_string(val)) < 0) {
				if (l)
					*l = NULL;
				return -ENOMEM;
			}
		}
	}
	if (!nets)
		return 0;
	json_object_object_foreach(nets, net, ep) {
		if (!json_object_is_type(ep, json_type_object))
			continue;
		err = add_addr(c, net, str_at(ep, "IPAddress"));
		if (!err)
			err = add_addr(c, net, str_at(ep, "GlobalIPv6Address"));
		if (err)
			break;
	}
	return err;
}

/*
 * An array of objects, each parsed by fn into a new zeroed element of the
 * array at itemsp (*n of size bytes). 0, -EBADMSG (reported), -ENOMEM; on
 * failure the elements made so far stay for the caller to free.
 */
static int parse_list(const char *json, size_t len, const char *what, void *itemsp, size_t *n,
		      size_t size, int (*fn)(struct json_object *o, void *item),
		      const struct vrf_log *log)
{
	struct json_object *root = parse_all(json, len);
	int err = 0;

	if (!root || !json_object_is_type(root, json_type_array))
		err = -EBADMSG;
	for (size_t i = 0; !err && i < json_object_array_length(root); i++) {
		struct json_object *o = json_object_array_get_idx(root, i);
		void *item = vrf_array_push(itemsp, n, size);

		if (!item)
			err = -ENOMEM;
		else if (!json_object_is_type(o, json_type_object))
			err = -EBADMSG;
		else
			err = fn(o, item);
	}
	if (err == -EBADMSG)
		bad_answer(log, what);
	json_object_put(root);
	return err;
}

int vrf_docker_parse_networks(const char *json, size_t len, struct vrf_docker_view *view,
			      const struct vrf_log *log)
{
	struct vrf_docker_view tmp = { 0 };
	int err = parse_list(json, len, "GET /networks", &tmp.nets, &tmp.n_nets,
			     sizeof(*tmp.nets), parse_net, log);

	return replace_part(view, &tmp, true, err);
}

int vrf_docker_parse_containers(const char *json, size_t len, struct vrf_docker_view *view,
				const struct vrf_log *log)
{
	struct vrf_docker_view tmp = { 0 };
	int err = parse_list(json, len, "GET /containers/json", &tmp.containers,
			     &tmp.n_containers, sizeof(*tmp.containers), parse_container, log);

	return replace_part(view, &tmp, false, err);
}

int vrf_docker_parse_event(const char *json, size_t len, struct vrf_docker_event *ev)
{
	struct json_object *root = parse_all(json, len), *actor, *attrs;
	const char *type, *action, *name;
	int err = -EBADMSG;

	memset(ev, 0, sizeof(*ev));
	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	type = str_at(root, "Type");
	action = str_at(root, "Action");
	actor = obj_at(root, "Actor");
	attrs = actor ? obj_at(actor, "Attributes") : NULL;
	name = attrs ? str_at(attrs, "name") : NULL;
	if (!type || !action)
		goto out;
	snprintf(ev->type, sizeof(ev->type), "%s", type);
	snprintf(ev->action, sizeof(ev->action), "%s", action);
	snprintf(ev->name, sizeof(ev->name), "%s", name ? name : "");
	err = 0;
out:
	json_object_put(root);
	return err;
}

/* ---- requests ------------------------------------------------------------- */

struct buf {
	char *data;
	size_t len;
};

/* Body bytes appended; -EMSGSIZE past MAX_ANSWER. */
static int buf_add(void *data, const char *bytes, size_t add)
{
	struct buf *b = data;
	char *grown;

	if (b->len + add > MAX_ANSWER)
		return -EMSGSIZE;
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + b->len, bytes, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return 0;
}

/* What a failed request means for the user, in a few words. */
static const char *transport_words(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such socket: Docker is not installed or not started";
	case -EACCES:
		return "permission denied (run as root, or as a member of group docker)";
	case -ECONNREFUSED:
		return "connection refused: the Docker daemon is not running";
	case -ETIMEDOUT:
		return "the Docker daemon does not answer";
	case -EPIPE:
		return "the Docker daemon closed the connection before its answer ended";
	case -EBADMSG:
		return "the answer is not HTTP";
	case -EMSGSIZE:
		return "answer too large";
	default:
		return strerror(-err);
	}
}

/* An API error's own words: {"message": "..."}. */
static void api_message(const struct buf *b, char *out, size_t size)
{
	struct json_object *root = b->data ? parse_all(b->data, b->len) : NULL;
	const char *msg = root && json_object_is_type(root, json_type_object)
			  ? str_at(root, "message") : NULL;

	snprintf(out, size, "%s", msg ? msg : "no message");
	json_object_put(root);
}

/* GET path into *b: 0 or an errno reported once. */
static int get(const char *socket, const char *path, struct buf *b, const struct vrf_log *log)
{
	struct vrf_http_reader r;
	int fd = vrf_http_request(socket, path, VRF_DOCKER_TIMEOUT_MS), err;

	if (fd < 0) {
		vrf_err(log, "docker: %s: %s", socket, transport_words(fd));
		return fd;
	}
	vrf_http_reader_init(&r, buf_add, b);
	err = vrf_http_read_all(fd, &r, VRF_DOCKER_TIMEOUT_MS);
	close(fd);
	if (err) {
		vrf_err(log, "docker: %s: GET %s: %s", socket, path, transport_words(err));
		return err == -EBADMSG ? -EPROTO : err;
	}
	if (r.status != 200) {
		char msg[256];

		api_message(b, msg, sizeof(msg));
		vrf_err(log, "docker: GET %s: HTTP %d: %s", path, r.status, msg);
		return -EPROTO;
	}
	return 0;
}

int vrf_docker_observe(const char *socket, struct vrf_docker_view *view,
		       const struct vrf_log *log)
{
	struct buf nets = { 0 }, ctrs = { 0 };
	int err;

	memset(view, 0, sizeof(*view));
	if (!socket)
		socket = vrf_docker_socket_path();
	if (!socket) {
		vrf_err(log, "docker: DOCKER_HOST='%s': only unix:// sockets are supported",
			getenv("DOCKER_HOST"));
		return -ENOTSUP;
	}
	err = get(socket, "/networks", &nets, log);
	if (!err)
		err = get(socket, "/containers/json", &ctrs, log);
	if (!err)
		err = vrf_docker_parse_networks(nets.data, nets.len, view, log);
	if (!err)
		err = vrf_docker_parse_containers(ctrs.data, ctrs.len, view, log);
	if (err)
		vrf_docker_view_free(view);
	free(nets.data);
	free(ctrs.data);
	return err;
}

/* ---- events ------------------------------------------------------------- */

struct vrf_docker_events {
	int fd;                      /* the one answer that never ends */
	struct vrf_http_reader reader;
	struct buf line;             /* what came since the last newline */
	bool matters;                /* an event that matters since the last wait */
	bool ended;
	const struct vrf_log *log;
};

static void take_lines(struct vrf_docker_events *ev)
{
	char *start = ev->line.data, *nl;
	size_t rest;

	while (start && (nl = memchr(start, '\n', ev->line.len - (size_t)(start - ev->line.data)))) {
		struct vrf_docker_event e;

		if (vrf_docker_parse_event(start, (size_t)(nl - start), &e) == 0 &&
		    vrf_docker_event_matters(&e)) {
			vrf_info(ev->log, "docker: %s %s %s", e.type, e.action, e.name);
			ev->matters = true;
		}
		start = nl + 1;
	}
	if (!start)
		return;
	rest = ev->line.len - (size_t)(start - ev->line.data);
	memmove(ev->line.data, start, rest);
	ev->line.len = rest;
}

static int events_body(void *data, const char *bytes, size_t len)
{
	struct vrf_docker_events *ev = data;
	int err = buf_add(&ev->line, bytes, len);

	if (!err)
		take_lines(ev);
	return err;
}

void vrf_docker_events_close(struct vrf_docker_events *ev)
{
	if (!ev)
		return;
	if (ev->fd >= 0)
		close(ev->fd);
	free(ev->line.data);
	free(ev);
}

/* Read what the stream has now: 0, or -EPIPE once it ended (for any reason:
 * the daemon stopped, or sent what is not an event stream). */
static int pump(struct vrf_docker_events *ev)
{
	int r;

	if (ev->ended)
		return -EPIPE;
	r = vrf_http_read_some(ev->fd, &ev->reader);
	if (r == 0)
		return 0;
	if (r == -ENOMEM)
		return r;
	ev->ended = true;
	return -EPIPE;
}

int vrf_docker_events_open(const char *socket, struct vrf_docker_events **out,
			   const struct vrf_log *log)
{
	/* filters={"type":["network","container"]}, URL-encoded. */
	static const char path[] =
		"/events?filters=%7B%22type%22%3A%5B%22network%22%2C%22container%22%5D%7D";
	struct vrf_docker_events *ev = calloc(1, sizeof(*ev));
	struct vrf_docker_view probe = { 0 };
	int err;

	*out = NULL;
	if (!ev)
		return -ENOMEM;
	ev->fd = -1;
	ev->log = log;
	vrf_http_reader_init(&ev->reader, events_body, ev);
	if (!socket)
		socket = vrf_docker_socket_path();
	/* One plain request first: its errors are the clear ones (no socket,
	 * permission, not running), which a stream would only show later. */
	err = socket ? vrf_docker_observe(socket, &probe, log) : -ENOTSUP;
	vrf_docker_view_free(&probe);
	if (err)
		goto fail;
	ev->fd = vrf_http_request(socket, path, VRF_DOCKER_TIMEOUT_MS);
	if (ev->fd < 0) {
		err = ev->fd;
		vrf_err(log, "docker: %s: %s", socket, transport_words(err));
		goto fail;
	}
	/* Until the daemon has answered with its headers, the subscription may
	 * not be in place: wait for them (bounded), so that an event right
	 * after open is not lost. */
	err = vrf_http_read_head(ev->fd, &ev->reader, VRF_DOCKER_TIMEOUT_MS);
	if (!err && ev->reader.status != 200)
		err = -EPROTO;
	if (err) {
		vrf_err(log, "docker: %s: GET /events: %s", socket,
			err == -EPROTO ? "refused by the daemon" : transport_words(err));
		goto fail;
	}
	*out = ev;
	return 0;
fail:
	vrf_docker_events_close(ev);
	return err;
}

int vrf_docker_events_wait(struct vrf_docker_events *ev, struct pollfd *fds, size_t n_fds,
			   int timeout_ms, const struct vrf_log *log)
{
	/* The caller's fds, then the stream's. */
	struct pollfd *all = calloc(n_fds + 1, sizeof(*all));
	long long end = timeout_ms < 0 ? -1 : vrf_now_ms() + timeout_ms;
	bool fd_ready = false;
	int err = 0;

	(void)log;
	if (!all)
		return -ENOMEM;
	memcpy(all, fds, n_fds * sizeof(*fds));
	for (size_t i = 0; i < n_fds; i++)
		fds[i].revents = 0;
	all[n_fds] = (struct pollfd){ .fd = ev->fd, .events = POLLIN };
	/* What came before this wait (with the last one's caller fds) first. */
	err = pump(ev);
	while (!err && !ev->matters && !fd_ready) {
		long long left = end < 0 ? -1 : end - vrf_now_ms();
		int n;

		if (end >= 0 && left <= 0)
			break;
		n = poll(all, n_fds + 1, (int)(left > INT32_MAX ? INT32_MAX : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		for (size_t i = 0; i < n_fds; i++) {
			fds[i].revents = all[i].revents;
			fd_ready |= all[i].revents != 0;
		}
		if (all[n_fds].revents)
			err = pump(ev);
	}
	free(all);
	if (ev->matters) {
		ev->matters = false;
		return 1;
	}
	return err;
}
