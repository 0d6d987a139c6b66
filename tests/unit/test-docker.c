/* SPDX-License-Identifier: MIT */
/*
 * The Engine API's answers, as Debian's docker.io 20.10 gave them in the test
 * VM (tests/fixtures/docker, recorded by its record.vm), parsed and resolved
 * against configs built here: networks to bridges (a named bridge, docker0,
 * br-<id12>), containers and compose labels to their addresses on
 * [docker]'s networks, a network re-created with the same name, what stays
 * pending and why, and the event stream's lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log-capture.h"

#include "addr.h"
#include "docker.h"

struct fixture {
	struct vrf_config cfg;
	struct vrf_docker_view view;
	struct vrf_pending_list pending;
	char log[VRF_TEST_LOG_SIZE];
	struct vrf_log logger;
};

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *in;
	char *text;
	long n;

	snprintf(path, sizeof(path), "%s/docker/%s", FIXTURES_DIR, name);
	in = fopen(path, "r");
	assert_non_null(in);
	assert_int_equal(fseek(in, 0, SEEK_END), 0);
	n = ftell(in);
	assert_true(n >= 0);
	rewind(in);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, in), (size_t)n);
	text[n] = '\0';
	fclose(in);
	*len = (size_t)n;
	return text;
}

static void load_view(struct fixture *f, const char *networks)
{
	size_t len;
	char *text = slurp(networks, &len);

	assert_int_equal(vrf_docker_parse_networks(text, len, &f->view, &f->logger), 0);
	free(text);
	text = slurp("containers.json", &len);
	assert_int_equal(vrf_docker_parse_containers(text, len, &f->view, &f->logger), 0);
	free(text);
}

static struct vrf_docker_ref ref(enum vrf_docker_ref_kind kind, const char *name, unsigned line)
{
	struct vrf_docker_ref r = { .kind = kind, .name = strdup(name),
				    .where = { "vrfctl.conf", line } };

	assert_non_null(r.name);
	return r;
}

/*
 * [vrf sandbox] networks = sandbox; [docker] network = app_default,
 * allow-from = container:app-proxy-1, label:com.docker.compose.service=web.
 */
static void docker_config(struct vrf_config *cfg)
{
	struct vrf_def *v;

	vrf_global_init(&cfg->global);
	cfg->vrfs = calloc(1, sizeof(*cfg->vrfs));
	assert_non_null(cfg->vrfs);
	cfg->n_vrfs = 1;
	v = &cfg->vrfs[0];
	strcpy(v->name, "sandbox");
	v->table = 30;
	v->networks = calloc(1, sizeof(*v->networks));
	assert_non_null(v->networks);
	v->networks[v->n_networks++] = ref(VRF_DOCKER_NETWORK, "sandbox", 3);
	cfg->docker.present = true;
	cfg->docker.networks = calloc(1, sizeof(*cfg->docker.networks));
	cfg->docker.allow_from_refs = calloc(2, sizeof(*cfg->docker.allow_from_refs));
	assert_non_null(cfg->docker.networks);
	assert_non_null(cfg->docker.allow_from_refs);
	cfg->docker.networks[cfg->docker.n_networks++] = ref(VRF_DOCKER_NETWORK, "app_default", 6);
	cfg->docker.allow_from_refs[cfg->docker.n_allow_from_refs++] =
		ref(VRF_DOCKER_CONTAINER, "app-proxy-1", 7);
	cfg->docker.allow_from_refs[cfg->docker.n_allow_from_refs++] =
		ref(VRF_DOCKER_LABEL, "com.docker.compose.service=web", 8);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->logger = VRF_TEST_LOG(f->log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vrf_config_free(&f->cfg);
	vrf_docker_view_free(&f->view);
	vrf_pending_free(&f->pending);
	free(f);
	return 0;
}

static const char *prefixes(const struct vrf_prefix *p, size_t n, char *buf, size_t size)
{
	char one[VRF_PREFIX_STRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? " " : "",
			 vrf_prefix_format(&p[i], one));
	return buf;
}

/* ---- parsing --------------------------------------------------------------- */

static void test_networks(void **state)
{
	struct fixture *f = *state;
	const struct vrf_docker_net *n;

	load_view(f, "networks.json");
	assert_int_equal(f->view.n_nets, 5);
	/* -o com.docker.network.bridge.name=sandbox0 */
	n = vrf_docker_net_find(&f->view, "sandbox");
	assert_non_null(n);
	assert_string_equal(n->bridge, "sandbox0");
	/* The default network says its bridge too. */
	assert_string_equal(vrf_docker_net_find(&f->view, "bridge")->bridge, "docker0");
	/* A compose network: br- and the first 12 characters of its id. */
	n = vrf_docker_net_find(&f->view, "app_default");
	assert_string_equal(n->bridge, "br-be088b9053d0");
	assert_string_equal(n->id, "be088b9053d0c73d7b4e5739ebce1f7a94dd96b9698b871948264ddf07df1e33");
	/* host and null networks have no bridge. */
	assert_string_equal(vrf_docker_net_find(&f->view, "host")->bridge, "");
	assert_string_equal(vrf_docker_net_find(&f->view, "none")->bridge, "");
	/* Exact names only: Docker's own lookup would take an id prefix. */
	assert_null(vrf_docker_net_find(&f->view, "app"));
	assert_null(vrf_docker_net_find(&f->view, "be088b9053d0"));
	assert_string_equal(f->log, "");
}

static void test_containers(void **state)
{
	struct fixture *f = *state;
	const struct vrf_docker_container *proxy = NULL;
	char buf[256];

	load_view(f, "networks.json");
	/* Running ones only (stopped1 was created, never started). */
	assert_int_equal(f->view.n_containers, 4);
	for (size_t i = 0; i < f->view.n_containers; i++)
		if (strcmp(f->view.containers[i].name, "app-proxy-1") == 0)
			proxy = &f->view.containers[i];
	if (!proxy)
		abort();   /* fails the test, and the compiler knows it stops */
	assert_int_equal(proxy->n_labels, 2);
	/* On two networks; IPv6 only where the network has it. */
	assert_int_equal(proxy->n_addrs, 3);
	buf[0] = '\0';
	for (size_t i = 0; i < proxy->n_addrs; i++) {
		char a[VRF_PREFIX_STRLEN];

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s=%s ",
			 proxy->addrs[i].network, vrf_prefix_format(&proxy->addrs[i].addr, a));
	}
	assert_string_equal(buf, "app_default=172.28.0.2/32 sandbox=172.30.0.3/32 "
			    "sandbox=fd30::2/128 ");
}

static void test_bad_answers(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"", "{", "{}", "[1]", "[{\"Name\":\"x\"}]", "null", "[{\"Name\":1,\"Id\":\"a\"}]",
	};
	size_t len;
	char *text;

	load_view(f, "networks.json");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vrf_docker_parse_networks(bad[i], strlen(bad[i]), &f->view,
							   &f->logger), -EBADMSG);
		assert_int_equal(f->view.n_nets, 0);
	}
	assert_non_null(strstr(f->log, "docker: the answer to GET /networks is not what the "
			       "Engine API sends"));
	/* An API error's body is no list of containers. */
	text = slurp("error-404.json", &len);
	assert_int_equal(vrf_docker_parse_containers(text, len, &f->view, &f->logger), -EBADMSG);
	assert_int_equal(f->view.n_containers, 0);
	free(text);
	/* Nothing at all (an empty body) is no document either. */
	assert_int_equal(vrf_docker_parse_networks(NULL, 0, &f->view, NULL), -EBADMSG);
	/* Trailing garbage is not one JSON document. */
	assert_int_equal(vrf_docker_parse_containers("[] x", 4, &f->view, NULL), -EBADMSG);
}

static int parse_event(const char *text, struct vrf_docker_event *ev)
{
	return vrf_docker_parse_event(text, strlen(text), ev);
}

static void test_events(void **state)
{
	size_t len, n = 0, matter = 0;
	char *text = slurp("events.ndjson", &len), *line, *save = NULL;
	struct vrf_docker_event ev;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		assert_int_equal(vrf_docker_parse_event(line, strlen(line), &ev), 0);
		n++;
		matter += vrf_docker_event_matters(&ev);
	}
	assert_int_equal(n, 47);
	/* creates, destroys, connects, disconnects, starts, dies; not kill, stop, create. */
	assert_int_equal(matter, 32);
	free(text);
	assert_int_equal(parse_event("{\"Type\":\"network\",\"Action\":\"destroy\","
				     "\"Actor\":{\"Attributes\":{\"name\":\"app\"}}}", &ev), 0);
	assert_string_equal(ev.type, "network");
	assert_string_equal(ev.action, "destroy");
	assert_string_equal(ev.name, "app");
	assert_true(vrf_docker_event_matters(&ev));
	assert_int_equal(parse_event("{\"Type\":\"image\",\"Action\":\"pull\"}", &ev), 0);
	assert_false(vrf_docker_event_matters(&ev));
	assert_int_equal(parse_event("not json", &ev), -EBADMSG);
	assert_int_equal(parse_event("{\"Type\":\"network\"}", &ev), -EBADMSG);
}

/* ---- resolution ------------------------------------------------------------ */

static void test_resolve(void **state)
{
	struct fixture *f = *state;
	char buf[512];

	load_view(f, "networks.json");
	docker_config(&f->cfg);
	assert_int_equal(vrf_docker_resolve(&f->cfg, &f->view, NULL, &f->pending, &f->logger), 0);
	assert_string_equal(f->log, "");
	assert_int_equal(f->pending.n, 0);
	assert_false(f->cfg.vrfs[0].networks_unresolved);
	assert_int_equal(f->cfg.vrfs[0].n_bridges, 1);
	assert_string_equal(f->cfg.vrfs[0].bridges[0], "sandbox0");
	assert_int_equal(f->cfg.docker.n_bridges, 1);
	assert_string_equal(f->cfg.docker.bridges[0], "br-be088b9053d0");
	/* The proxy's address on app_default (not on sandbox: not [docker]'s),
	 * then both web replicas'. */
	assert_string_equal(prefixes(f->cfg.docker.allow_from, f->cfg.docker.n_allow_from, buf,
				     sizeof(buf)), "172.28.0.2/32 172.28.0.4/32 172.28.0.3/32");
}

/* compose down && up: the network comes back with another id, so another bridge. */
static void test_resolve_again(void **state)
{
	struct fixture *f = *state;
	struct vrf_prefix literal;

	load_view(f, "networks.json");
	docker_config(&f->cfg);
	/* What the config lists itself stays, ahead of what is resolved. */
	f->cfg.docker.bridges = calloc(1, sizeof(*f->cfg.docker.bridges));
	f->cfg.docker.allow_from = calloc(1, sizeof(*f->cfg.docker.allow_from));
	assert_non_null(f->cfg.docker.bridges);
	assert_non_null(f->cfg.docker.allow_from);
	strcpy(f->cfg.docker.bridges[f->cfg.docker.n_bridges++], "docker0");
	assert_int_equal(vrf_prefix_parse("172.17.0.10", &literal), 0);
	f->cfg.docker.allow_from[f->cfg.docker.n_allow_from++] = literal;
	assert_int_equal(vrf_docker_resolve(&f->cfg, &f->view, NULL, &f->pending, &f->logger), 0);
	assert_int_equal(f->cfg.docker.n_bridges, 2);
	assert_string_equal(f->cfg.docker.bridges[1], "br-be088b9053d0");
	assert_int_equal(f->cfg.docker.n_allow_from, 4);

	load_view(f, "networks-after.json");
	assert_int_equal(vrf_docker_resolve(&f->cfg, &f->view, NULL, &f->pending, &f->logger), 0);
	assert_int_equal(f->cfg.docker.n_bridges, 2);
	assert_string_equal(f->cfg.docker.bridges[0], "docker0");
	assert_string_equal(f->cfg.docker.bridges[1], "br-64927f2dbb44");
	assert_int_equal(f->cfg.vrfs[0].n_bridges, 1);
	/* The containers' addresses are on app_default by name: still there. */
	assert_int_equal(f->cfg.docker.n_allow_from, 4);
	assert_memory_equal(&f->cfg.docker.allow_from[0], &literal, sizeof(literal));
	assert_int_equal(f->pending.n, 0);
}

/* Docker down: every Docker name pending, with why, at its line; nothing resolved. */
static void test_resolve_docker_down(void **state)
{
	struct fixture *f = *state;

	docker_config(&f->cfg);
	assert_int_equal(vrf_docker_resolve(&f->cfg, NULL, "Docker is not running "
					    "(/var/run/docker.sock: connection refused)",
					    &f->pending, &f->logger), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:3: network 'sandbox' of vrf 'sandbox': Docker is not running "
		"(/var/run/docker.sock: connection refused): pending\n"
		"vrfctl.conf:6: network 'app_default': Docker is not running "
		"(/var/run/docker.sock: connection refused): pending\n"
		"vrfctl.conf:7: container 'app-proxy-1': Docker is not running "
		"(/var/run/docker.sock: connection refused): pending\n"
		"vrfctl.conf:8: label 'com.docker.compose.service=web': Docker is not running "
		"(/var/run/docker.sock: connection refused): pending\n");
	assert_int_equal(f->pending.n, 4);
	assert_int_equal(f->pending.items[0].kind, VRF_PENDING_NETWORK);
	assert_string_equal(f->pending.items[0].vrf, "sandbox");
	assert_int_equal(f->pending.items[3].kind, VRF_PENDING_CONTAINER);
	assert_string_equal(f->pending.items[3].vrf, "");
	assert_int_equal(f->pending.items[3].where.line, 8);
	assert_int_equal(f->cfg.vrfs[0].n_bridges, 0);
	assert_int_equal(f->cfg.docker.n_bridges, 0);
	assert_int_equal(f->cfg.docker.n_allow_from, 0);
	/* The planner keeps the VRF's bridge rules meanwhile. */
	assert_true(f->cfg.vrfs[0].networks_unresolved);
}

/* Names that match nothing: pending, a typo with a did-you-mean. */
static void test_resolve_unknown(void **state)
{
	struct fixture *f = *state;

	load_view(f, "networks.json");
	docker_config(&f->cfg);
	free(f->cfg.vrfs[0].networks[0].name);
	f->cfg.vrfs[0].networks[0].name = strdup("sandobx");
	free(f->cfg.docker.networks[0].name);
	f->cfg.docker.networks[0].name = strdup("host");
	free(f->cfg.docker.allow_from_refs[0].name);
	f->cfg.docker.allow_from_refs[0].name = strdup("app-proxy-2");
	free(f->cfg.docker.allow_from_refs[1].name);
	f->cfg.docker.allow_from_refs[1].name = strdup("com.docker.compose.service=db");
	assert_int_equal(vrf_docker_resolve(&f->cfg, &f->view, NULL, &f->pending, &f->logger), 0);
	assert_string_equal(f->log,
		"vrfctl.conf:3: network 'sandobx' of vrf 'sandbox': Docker has no such network "
		"(did you mean 'sandbox'?): pending\n"
		"vrfctl.conf:6: network 'host': not a bridge network: it has no bridge to route: "
		"pending\n"
		"vrfctl.conf:7: container 'app-proxy-2': no running container of that name (did "
		"you mean 'app-proxy-1'?): pending\n"
		"vrfctl.conf:8: label 'com.docker.compose.service=db': no running container with "
		"that label: pending\n");
	assert_int_equal(f->pending.n, 4);
}

/* A container that is not on any of [docker]'s networks. */
static void test_resolve_other_network(void **state)
{
	struct fixture *f = *state;

	load_view(f, "networks.json");
	docker_config(&f->cfg);
	free(f->cfg.docker.allow_from_refs[0].name);
	f->cfg.docker.allow_from_refs[0].name = strdup("s1");
	assert_int_equal(vrf_docker_resolve(&f->cfg, &f->view, NULL, &f->pending, &f->logger), 0);
	assert_string_equal(f->log, "vrfctl.conf:7: container 's1': no address on the networks "
			    "of [docker]: pending\n");
	assert_int_equal(f->pending.n, 1);
	assert_int_equal(f->cfg.docker.n_allow_from, 2);
}

static void test_socket_path(void **state)
{
	(void)state;
	unsetenv("DOCKER_HOST");
	assert_string_equal(vrf_docker_socket_path(), "/var/run/docker.sock");
	setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock", 1);
	assert_string_equal(vrf_docker_socket_path(), "/run/user/1000/docker.sock");
	setenv("DOCKER_HOST", "tcp://10.0.0.1:2375", 1);
	assert_null(vrf_docker_socket_path());
	unsetenv("DOCKER_HOST");
}

/* No daemon at the socket: a clear message and an errno, not a crash. */
static void test_observe_no_socket(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vrf_docker_observe("/nonexistent/docker.sock", &f->view, &f->logger),
			 -ENOENT);
	assert_string_equal(f->log, "docker: /nonexistent/docker.sock: no such socket: Docker is "
			    "not installed or not started\n");
	assert_int_equal(f->view.n_nets, 0);
}

/* A UNIX socket at a fresh path; listening when asked, else bound and left (stale). */
static int unix_socket(char *path, size_t size, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(path, size, "/tmp/vrfctl-test-docker.%ld.sock", (long)getpid());
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Answer every request on fd with answer, in a child; its pid. */
static pid_t serve(int fd, const char *answer)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		for (;;) {
			char req[4096];
			int c = accept(fd, NULL, NULL);

			if (c < 0)
				_exit(0);
			if (read(c, req, sizeof(req)) > 0 && write(c, answer, strlen(answer)) < 0)
				_exit(1);
			close(c);
		}
	}
	return pid;
}

static void stop(pid_t pid, int fd, const char *path)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(fd);
	unlink(path);
}

/* A socket nobody listens on (the daemon died, its socket left): refused. */
static void test_observe_refused(void **state)
{
	struct fixture *f = *state;
	char path[108], want[256];
	int fd = unix_socket(path, sizeof(path), false);

	assert_int_equal(vrf_docker_observe(path, &f->view, &f->logger), -ECONNREFUSED);
	snprintf(want, sizeof(want), "docker: %s: connection refused: the Docker daemon is not "
		 "running\n", path);
	assert_string_equal(f->log, want);
	close(fd);
	unlink(path);
}

/* The daemon's own error, with its message; then an answer that is not JSON. */
static void test_observe_api_error(void **state)
{
	struct fixture *f = *state;
	char path[108];
	int fd = unix_socket(path, sizeof(path), true);
	pid_t pid = serve(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json"
			  "\r\nContent-Length: 31\r\nConnection: close\r\n\r\n"
			  "{\"message\":\"the store is gone\"}");

	assert_int_equal(vrf_docker_observe(path, &f->view, &f->logger), -EPROTO);
	assert_string_equal(f->log, "docker: GET /networks: HTTP 500: the store is gone\n");
	stop(pid, fd, path);

	f->log[0] = '\0';
	fd = unix_socket(path, sizeof(path), true);
	pid = serve(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
	assert_int_equal(vrf_docker_observe(path, &f->view, &f->logger), -EBADMSG);
	assert_string_equal(f->log, "docker: the answer to GET /networks is not what the Engine API "
			    "sends\n");
	assert_int_equal(f->view.n_nets, 0);
	stop(pid, fd, path);
}

/* What apply does: Docker not there, every name pending with why it is. */
static void test_refresh_without_docker(void **state)
{
	struct fixture *f = *state;

	docker_config(&f->cfg);
	assert_int_equal(vrf_docker_refresh(&f->cfg, "/nonexistent/docker.sock", &f->pending,
					    &f->logger), 0);
	assert_int_equal(f->pending.n, 4);
	assert_string_equal(f->pending.items[0].reason, "/nonexistent/docker.sock: no such socket: "
			    "Docker is not installed or not started");
	assert_string_equal(f->pending.items[3].name, "label:com.docker.compose.service=web");
	/* A config without Docker names asks nothing, says nothing. */
	vrf_config_free(&f->cfg);
	vrf_pending_free(&f->pending);
	f->log[0] = '\0';
	vrf_global_init(&f->cfg.global);
	assert_int_equal(vrf_docker_refresh(&f->cfg, "/nonexistent/docker.sock", &f->pending,
					    &f->logger), 0);
	assert_int_equal(f->pending.n, 0);
	assert_string_equal(f->log, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_networks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_docker_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_other_network, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_no_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_observe_api_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_without_docker, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
