/* SPDX-License-Identifier: MIT */
/*
 * The Engine API client: libcurl over the daemon's UNIX socket, json-c for
 * its answers. The only file that includes either (docker-resolve.c works on
 * the parsed view). Paths carry no API version: the daemon then answers in
 * its own, and the fields read here (Name, Id, Driver, Options, Names,
 * Labels, NetworkSettings.Networks) are the same from API 1.24 to today,
 * where a pinned version is refused by daemons whose minimum moved past it.
 */

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "array.h"
#include "docker.h"

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

	/* An empty body is no document (curl leaves the buffer NULL). */
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
	bool overflow;
};

static size_t buf_write(char *ptr, size_t size, size_t n, void *data)
{
	struct buf *b = data;
	size_t add = size * n;
	char *grown;

	if (b->len + add > MAX_ANSWER) {
		b->overflow = true;
		return 0;
	}
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, ptr, add);
	b->data = grown;
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

static CURL *handle_for(const char *socket, const char *path)
{
	CURL *c = curl_easy_init();
	char url[256];

	if (!c)
		return NULL;
	/* The host part is not used for a UNIX socket, but HTTP needs one. */
	snprintf(url, sizeof(url), "http://docker%s", path);
	if (curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)VRF_DOCKER_TIMEOUT_MS) != CURLE_OK) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
}

/* What curl's failure means for the user, as an errno and a few words. */
static int curl_errno(CURL *c, CURLcode code, const char **what)
{
	long os = 0;

	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os);
	switch (code) {
	case CURLE_COULDNT_CONNECT:
		if (os == ENOENT) {
			*what = "no such socket: Docker is not installed or not started";
			return -ENOENT;
		}
		if (os == EACCES) {
			*what = "permission denied (run as root, or as a member of group docker)";
			return -EACCES;
		}
		*what = "connection refused: the Docker daemon is not running";
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		*what = "the Docker daemon does not answer";
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		*what = "out of memory";
		return -ENOMEM;
	default:
		*what = curl_easy_strerror(code);
		return -EPROTO;
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
	CURL *c = handle_for(socket, path);
	const char *what = NULL;
	long status = 0;
	CURLcode code;
	int err = 0;

	if (!c)
		return -ENOMEM;
	if (curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_write) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, b) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)VRF_DOCKER_TIMEOUT_MS) != CURLE_OK) {
		err = -ENOMEM;
		goto out;
	}
	code = curl_easy_perform(c);
	if (code != CURLE_OK) {
		err = b->overflow ? -EMSGSIZE : curl_errno(c, code, &what);
		vrf_err(log, "docker: %s: %s", socket, b->overflow ? "answer too large" : what);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		char msg[256];

		api_message(b, msg, sizeof(msg));
		vrf_err(log, "docker: GET %s: HTTP %ld: %s", path, status, msg);
		err = -EPROTO;
	}
out:
	curl_easy_cleanup(c);
	return err;
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
	CURLM *multi;
	CURL *easy;
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

static size_t events_write(char *ptr, size_t size, size_t n, void *data)
{
	struct vrf_docker_events *ev = data;
	size_t got = buf_write(ptr, size, n, &ev->line);

	if (got)
		take_lines(ev);
	return got;
}

void vrf_docker_events_close(struct vrf_docker_events *ev)
{
	if (!ev)
		return;
	if (ev->multi && ev->easy)
		curl_multi_remove_handle(ev->multi, ev->easy);
	if (ev->easy)
		curl_easy_cleanup(ev->easy);
	if (ev->multi)
		curl_multi_cleanup(ev->multi);
	free(ev->line.data);
	free(ev);
}

/* Run the transfer as far as it goes without waiting: 0, or -EPIPE once it ended. */
static int pump(struct vrf_docker_events *ev)
{
	struct CURLMsg *m;
	int running = 0, left;

	if (ev->ended)
		return -EPIPE;
	if (curl_multi_perform(ev->multi, &running) != CURLM_OK)
		return -ENOMEM;
	while ((m = curl_multi_info_read(ev->multi, &left)))
		if (m->msg == CURLMSG_DONE)
			ev->ended = true;
	return ev->ended ? -EPIPE : 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int vrf_docker_events_open(const char *socket, struct vrf_docker_events **out,
			   const struct vrf_log *log)
{
	/* filters={"type":["network","container"]}, URL-encoded. */
	static const char path[] =
		"/events?filters=%7B%22type%22%3A%5B%22network%22%2C%22container%22%5D%7D";
	struct vrf_docker_events *ev = calloc(1, sizeof(*ev));
	struct vrf_docker_view probe = { 0 };
	long status = 0;
	int err;

	*out = NULL;
	if (!ev)
		return -ENOMEM;
	ev->log = log;
	if (!socket)
		socket = vrf_docker_socket_path();
	/* One plain request first: its errors are the clear ones (no socket,
	 * permission, not running), which a stream would only show later. */
	err = socket ? vrf_docker_observe(socket, &probe, log) : -ENOTSUP;
	vrf_docker_view_free(&probe);
	if (err)
		goto fail;
	ev->multi = curl_multi_init();
	ev->easy = handle_for(socket, path);
	if (!ev->multi || !ev->easy ||
	    curl_easy_setopt(ev->easy, CURLOPT_WRITEFUNCTION, events_write) != CURLE_OK ||
	    curl_easy_setopt(ev->easy, CURLOPT_WRITEDATA, ev) != CURLE_OK ||
	    curl_multi_add_handle(ev->multi, ev->easy) != CURLM_OK) {
		err = -ENOMEM;
		goto fail;
	}
	/* Until the daemon has answered with its headers, the subscription may
	 * not be in place: wait for them (bounded), so that an event right
	 * after open is not lost. */
	for (long end = now_ms() + VRF_DOCKER_TIMEOUT_MS; status == 0 && now_ms() < end;) {
		err = pump(ev);
		if (err)
			break;
		curl_easy_getinfo(ev->easy, CURLINFO_RESPONSE_CODE, &status);
		if (status == 0)
			curl_multi_poll(ev->multi, NULL, 0, 100, NULL);
	}
	if (!err && status != 200) {
		vrf_err(log, "docker: %s: GET /events: %s", socket,
			status ? "refused by the daemon" : "no answer");
		err = status ? -EPROTO : -ETIMEDOUT;
	}
	if (err)
		goto fail;
	*out = ev;
	return 0;
fail:
	vrf_docker_events_close(ev);
	return err;
}

int vrf_docker_events_wait(struct vrf_docker_events *ev, struct pollfd *fds, size_t n_fds,
			   int timeout_ms, const struct vrf_log *log)
{
	struct curl_waitfd *wfds = n_fds ? calloc(n_fds, sizeof(*wfds)) : NULL;
	long end = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	bool fd_ready = false;
	int err = 0;

	(void)log;
	if (n_fds && !wfds)
		return -ENOMEM;
	for (size_t i = 0; i < n_fds; i++) {
		wfds[i].fd = fds[i].fd;
		wfds[i].events = (short)fds[i].events;
		fds[i].revents = 0;
	}
	while (!ev->matters && !fd_ready) {
		long left = end < 0 ? 60000 : end - now_ms();

		err = pump(ev);
		if (err || ev->matters || left <= 0)
			break;
		/* curl's own timers may end the wait early: loop until ours. */
		if (curl_multi_poll(ev->multi, wfds, (unsigned)n_fds, (int)(left > 60000 ? 60000 : left),
				    NULL) != CURLM_OK) {
			err = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < n_fds; i++) {
			fds[i].revents = wfds[i].revents;
			fd_ready |= wfds[i].revents != 0;
		}
	}
	if (fd_ready && !err)
		err = pump(ev);   /* what came with the caller's fds */
	free(wfds);
	if (ev->matters) {
		ev->matters = false;
		return 1;
	}
	return err;
}
