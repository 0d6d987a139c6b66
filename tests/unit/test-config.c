/* SPDX-License-Identifier: MIT */
/*
 * The config parser against the fixtures in tests/fixtures: every good file
 * loads to the values it says, and every bad/NAME.conf (or bad/NAME.d, a
 * directory read as vrfctl.d) fails with exactly the lines of bad/NAME.err.
 * The tests run in the fixtures directory, so messages read "bad/x.conf:3:".
 * Also the JSON writer.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "addr.h"
#include "config.h"
#include "fail-alloc.h"
#include "json.h"

#ifndef FIXTURES_DIR
#define FIXTURES_DIR "tests/fixtures"
#endif

/* ---- helpers ------------------------------------------------------------- */

struct capture {
	char text[65536];
	struct vrf_log log;
};

static void capture_fn(void *data, int priority, const char *msg)
{
	struct capture *c = data;
	size_t used = strlen(c->text);

	assert_int_equal(priority, LOG_ERR);
	snprintf(c->text + used, sizeof(c->text) - used, "%s\n", msg);
}

static struct capture *capture_new(void)
{
	struct capture *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->log = (struct vrf_log){ .fn = capture_fn, .data = c };
	return c;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int ch;

	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	mem = open_memstream(&buf, &len);
	assert_non_null(mem);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, mem);
	fclose(f);
	fclose(mem);
	return buf;
}

static void assert_zeroed(const struct vrf_config *cfg)
{
	static const struct vrf_config zero;

	assert_memory_equal(cfg, &zero, sizeof(zero));
}

static const char *prefix_str(const struct vrf_prefix *p, char *buf)
{
	return vrf_prefix_format(p, buf);
}

static void load_ok(struct vrf_config *cfg, const char *path)
{
	struct capture *c = capture_new();
	int r = vrf_config_load(cfg, path, &c->log);

	if (r != 0 || c->text[0])
		fail_msg("%s: r=%d, log:\n%s", path, r, c->text);
	free(c);
}

/* ---- bad fixtures, one test each ------------------------------------------ */

static void test_bad_fixture(void **state)
{
	const char *name = *state;   /* "bad/x.conf" or "bad/x.d" */
	size_t len = strlen(name);
	struct capture *c = capture_new();
	struct vrf_config cfg;
	char errpath[PATH_MAX];
	char *want;
	int r;

	snprintf(errpath, sizeof(errpath), "%.*s.err", (int)(len - (name[len - 1] == 'd' ? 2 : 5)),
		 name);
	if (name[len - 1] == 'd')
		r = vrf_config_load_dir(&cfg, NULL, name, &c->log);
	else
		r = vrf_config_load(&cfg, name, &c->log);
	want = slurp(errpath);
	if (strcmp(c->text, want) != 0)
		fail_msg("%s: messages differ\n--- expected (%s)\n%s--- got\n%s", name, errpath,
			 want, c->text);
	assert_int_equal(r, -EINVAL);
	assert_zeroed(&cfg);
	free(want);
	free(c);
}

/* ---- I/O errors ------------------------------------------------------------ */

static void test_missing_file(void **state)
{
	struct capture *c = capture_new();
	struct vrf_config cfg;

	(void)state;
	assert_int_equal(vrf_config_load(&cfg, "bad/no-such-file.conf", &c->log), -ENOENT);
	assert_string_equal(c->text, "bad/no-such-file.conf: No such file or directory\n");
	assert_zeroed(&cfg);
	free(c);
}

static void test_directory_as_file(void **state)
{
	struct capture *c = capture_new();
	struct vrf_config cfg;

	(void)state;
	assert_int_equal(vrf_config_load(&cfg, "good", &c->log), -EISDIR);
	assert_string_equal(c->text, "good: Is a directory\n");
	assert_zeroed(&cfg);
	free(c);
}

/* Errors in the files before an unreadable one are still reported, first. */
static void test_error_then_missing(void **state)
{
	const char *paths[] = { "bad/table-zero.conf", "bad/no-such-file.conf",
				"bad/table-main.conf" };
	struct capture *c = capture_new();
	struct vrf_config cfg;

	(void)state;
	assert_int_equal(vrf_config_load_files(&cfg, paths, 3, &c->log), -ENOENT);
	assert_string_equal(c->text,
		"bad/table-zero.conf:2: table '0': out of range (1-4294967295)\n"
		"bad/no-such-file.conf: No such file or directory\n");
	assert_zeroed(&cfg);
	free(c);
}

/* ---- good fixtures ---------------------------------------------------------- */

static void test_all_good_load_silently(void **state)
{
	DIR *d = opendir("good");
	struct dirent *de;
	int n = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct vrf_config cfg;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "good/%s", de->d_name);
		load_ok(&cfg, path);
		vrf_config_free(&cfg);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

/*
 * Each allocation of a load failing in turn, over the files, the directory,
 * the model's arrays and the held-back errors: -ENOMEM, said, and *cfg left
 * zeroed (what valgrind or ASan would call a leak shows there too).
 */
static void load_failing(const char *file, const char *dir, int want)
{
	static const struct vrf_config zero;

	for (long n = 0;; n++) {
		struct capture *c = capture_new();
		struct vrf_config cfg;
		int r;

		fail_alloc_arm(n);
		r = dir ? vrf_config_load_dir(&cfg, file, dir, &c->log) :
			  vrf_config_load(&cfg, file, &c->log);
		fail_alloc_disarm();
		if (allocs <= n) {
			/* No allocation failed: the load as it is without a failure. */
			assert_int_equal(r, want);
			vrf_config_free(&cfg);
			free(c);
			assert_true(n > 2);
			return;
		}
		if (r != -ENOMEM || !strstr(c->text, "out of memory"))
			fail_msg("%s: allocation %ld failing: r=%d, log:\n%s", file, n, r, c->text);
		if (memcmp(&cfg, &zero, sizeof(zero)) != 0)
			fail_msg("%s: allocation %ld failing: *cfg not zeroed", file, n);
		free(c);
	}
}

static void test_out_of_memory(void **state)
{
	(void)state;
	load_failing("good/full.conf", NULL, 0);
	load_failing("good/design.conf", NULL, 0);
	load_failing("good/multi.conf", "good/multi.d", 0);
	load_failing("bad/dup-key.conf", NULL, -EINVAL);
}

static void test_design(void **state)
{
	struct vrf_config cfg;
	const struct vrf_def *mgmt;
	char buf[VRF_PREFIX_STRLEN];
	char *json = NULL, *want;
	size_t len;
	FILE *out;

	(void)state;
	load_ok(&cfg, "good/design.conf");
	assert_int_equal(cfg.n_files, 1);
	assert_string_equal(cfg.files[0], "good/design.conf");
	assert_int_equal(cfg.global.tcp_l3mdev_accept, VRF_NO);
	assert_int_equal(cfg.global.udp_l3mdev_accept, VRF_UNSET);
	assert_int_equal(cfg.global.raw_l3mdev_accept, VRF_UNSET);
	assert_int_equal(cfg.n_vrfs, 1);
	mgmt = vrf_config_find(&cfg, "mgmt");
	assert_non_null(mgmt);
	assert_false(mgmt->table_auto);
	assert_int_equal(mgmt->table, 10);
	assert_int_equal(mgmt->n_members, 1);
	assert_string_equal(mgmt->members[0], "eth0");
	assert_int_equal(mgmt->n_routes, 1);
	assert_string_equal(prefix_str(&mgmt->routes[0].dst, buf), "10.20.30.0/24");
	assert_false(mgmt->routes[0].has_via);
	assert_string_equal(mgmt->routes[0].dev, "eth0");
	assert_false(mgmt->routes[0].has_metric);
	assert_string_equal(mgmt->routes[0].where.file, "good/design.conf");
	assert_int_equal(mgmt->routes[0].where.line, 8);
	assert_true(mgmt->unreachable_default);
	assert_string_equal(mgmt->where.file, "good/design.conf");
	assert_int_equal(mgmt->where.line, 5);

	assert_true(cfg.docker.present);
	assert_int_equal(cfg.docker.where.line, 11);
	assert_int_equal(cfg.docker.n_bridges, 1);
	assert_string_equal(cfg.docker.bridges[0], "docker0");
	assert_int_equal(cfg.docker.n_allow, 1);
	assert_int_equal(cfg.docker.allow[0].proto, 6);
	assert_int_equal(cfg.docker.allow[0].n_ports, 1);
	assert_int_equal(cfg.docker.allow[0].ports[0].lo, 18000);
	assert_int_equal(cfg.docker.allow[0].ports[0].hi, 18300);
	assert_int_equal(cfg.docker.allow[0].where.line, 13);
	assert_true(cfg.docker.isolate_containers);
	assert_int_equal(cfg.docker.n_allow_from, 1);
	assert_string_equal(prefix_str(&cfg.docker.allow_from[0], buf), "172.17.0.10/32");
	assert_int_equal(cfg.docker.n_host_allow, 1);
	assert_int_equal(cfg.docker.host_allow[0].proto, 6);
	assert_int_equal(cfg.docker.host_allow[0].ports[0].lo, 8080);
	assert_int_equal(cfg.docker.host_allow[0].ports[0].hi, 8080);

	/* The JSON shape is a contract (vrfctl.conf(5)): pin it. */
	out = open_memstream(&json, &len);
	assert_non_null(out);
	assert_int_equal(vrf_config_write_json(&cfg, out), 0);
	fclose(out);
	want = slurp("good/design.json");
	assert_string_equal(json, want);
	free(want);
	free(json);
	vrf_config_free(&cfg);
	assert_zeroed(&cfg);
}

static void test_defaults(void **state)
{
	struct vrf_config cfg;
	const struct vrf_def *blue;

	(void)state;
	load_ok(&cfg, "good/minimal.conf");
	assert_int_equal(cfg.global.tcp_l3mdev_accept, VRF_UNSET);
	assert_int_equal(cfg.global.pref_l3mdev, 0);
	assert_int_equal(cfg.global.pref_unreachable, 0);
	assert_int_equal(cfg.global.pref_local, 0);
	assert_int_equal(cfg.global.table_auto_min, 1001);
	assert_int_equal(cfg.global.table_auto_max, 9999);
	assert_int_equal(cfg.global.route_protocol, 118);
	blue = vrf_config_find(&cfg, "blue");
	assert_non_null(blue);
	assert_true(blue->table_auto);
	assert_int_equal(blue->table, 0);
	assert_int_equal(blue->n_members, 0);
	assert_null(blue->members);
	assert_int_equal(blue->n_routes, 0);
	assert_true(blue->unreachable_default);
	assert_false(cfg.docker.present);
	assert_false(cfg.docker.isolate_containers);
	vrf_config_free(&cfg);
}

static void test_full(void **state)
{
	static const char *const members[] = { "eth0", "eth1", "eth2", "eth3", "eth4" };
	struct vrf_config cfg;
	const struct vrf_def *v;
	const struct vrf_docker *d = &cfg.docker;
	char buf[VRF_PREFIX_STRLEN];

	(void)state;
	load_ok(&cfg, "good/full.conf");
	assert_int_equal(cfg.global.tcp_l3mdev_accept, VRF_YES);
	assert_int_equal(cfg.global.udp_l3mdev_accept, VRF_NO);
	assert_int_equal(cfg.global.raw_l3mdev_accept, VRF_YES);
	assert_int_equal(cfg.global.pref_l3mdev, 900);
	assert_int_equal(cfg.global.pref_unreachable, 1900);
	assert_int_equal(cfg.global.pref_local, 32000);
	assert_int_equal(cfg.global.pref_bridge, 1200);
	assert_int_equal(cfg.global.table_auto_min, 100);
	assert_int_equal(cfg.global.table_auto_max, 199);
	assert_int_equal(cfg.global.route_protocol, 200);

	assert_int_equal(cfg.n_vrfs, 2);
	v = &cfg.vrfs[0];
	assert_string_equal(v->name, "mgmt");
	assert_int_equal(v->table, 4294967295u);
	/* members accumulates over lines, blanks and commas alike. */
	assert_int_equal(v->n_members, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(v->members[i], members[i]);
	assert_false(v->unreachable_default);
	assert_int_equal(v->n_routes, 4);
	assert_string_equal(prefix_str(&v->routes[1].dst, buf), "0.0.0.0/0");
	assert_true(v->routes[1].has_via);
	assert_string_equal(vrf_addr_format(AF_INET, &v->routes[1].via, buf), "10.20.30.1");
	assert_true(v->routes[1].has_metric);
	assert_int_equal(v->routes[1].metric, 100);
	assert_string_equal(v->routes[1].dev, "");
	/* default takes the family of its via. */
	assert_int_equal(v->routes[2].dst.family, AF_INET6);
	assert_string_equal(prefix_str(&v->routes[2].dst, buf), "::/0");
	assert_string_equal(v->routes[2].dev, "eth1");
	/* via, dev and metric in any order. */
	assert_string_equal(prefix_str(&v->routes[3].dst, buf), "2001:db8:5::/48");
	assert_string_equal(vrf_addr_format(AF_INET6, &v->routes[3].via, buf), "fe80::1");
	assert_string_equal(v->routes[3].dev, "eth2");
	assert_int_equal(v->routes[3].metric, 7);

	v = &cfg.vrfs[1];
	assert_string_equal(v->name, "red.1_x-y");
	assert_true(v->table_auto);
	assert_int_equal(v->where.line, 24);
	assert_int_equal(v->n_members, 1);
	assert_int_equal(v->n_bridges, 2);
	assert_string_equal(v->bridges[1], "br-red2");

	assert_int_equal(d->n_bridges, 3);
	assert_string_equal(d->bridges[1], "br-1a2b3c4d5e6f");
	assert_string_equal(d->bridges[2], "br0");
	assert_int_equal(d->n_allow, 5);
	assert_int_equal(d->allow[0].n_ports, 3);
	assert_int_equal(d->allow[0].ports[2].lo, 8000);
	assert_int_equal(d->allow[0].ports[2].hi, 8100);
	assert_int_equal(d->allow[1].proto, 17);
	assert_int_equal(d->allow[2].proto, 1);
	assert_int_equal(d->allow[2].n_ports, 0);
	assert_int_equal(d->allow[3].proto, 47);
	assert_int_equal(d->allow[4].proto, 132);
	assert_int_equal(d->allow[4].n_ports, 2);
	assert_true(d->isolate_containers);
	assert_int_equal(d->n_allow_from, 3);
	assert_string_equal(prefix_str(&d->allow_from[1], buf), "10.1.0.0/16");
	assert_string_equal(prefix_str(&d->allow_from[2], buf), "2001:db8::/32");
	assert_int_equal(d->n_host_allow, 2);
	assert_int_equal(d->host_allow[1].proto, 58);
	vrf_config_free(&cfg);
}

static void test_directory_order(void **state)
{
	struct capture *c = capture_new();
	struct vrf_config cfg;

	(void)state;
	assert_int_equal(vrf_config_load_dir(&cfg, "good/multi.conf", "good/multi.d", &c->log), 0);
	assert_string_equal(c->text, "");
	/* The main file, then strcmp order: "10-" sorts before "2-". README,
	 * .hidden.conf and the directory sub.conf are not read. */
	assert_int_equal(cfg.n_files, 4);
	assert_string_equal(cfg.files[0], "good/multi.conf");
	assert_string_equal(cfg.files[1], "good/multi.d/10-blue.conf");
	assert_string_equal(cfg.files[2], "good/multi.d/2-red.conf");
	assert_string_equal(cfg.files[3], "good/multi.d/9-docker.conf");
	assert_int_equal(cfg.n_vrfs, 3);
	assert_string_equal(cfg.vrfs[0].name, "main-vrf");
	assert_string_equal(cfg.vrfs[1].name, "blue");
	assert_string_equal(cfg.vrfs[2].name, "red");
	assert_string_equal(cfg.vrfs[2].routes[0].where.file, "good/multi.d/2-red.conf");
	assert_int_equal(cfg.vrfs[2].routes[0].where.line, 4);
	assert_int_equal(cfg.global.route_protocol, 99);
	assert_int_equal(cfg.global.tcp_l3mdev_accept, VRF_YES);
	assert_true(cfg.docker.present);
	assert_string_equal(cfg.docker.where.file, "good/multi.d/9-docker.conf");
	vrf_config_free(&cfg);

	/* Only the directory. */
	assert_int_equal(vrf_config_load_dir(&cfg, NULL, "good/multi.d", &c->log), 0);
	assert_int_equal(cfg.n_files, 3);
	vrf_config_free(&cfg);
	free(c);
}

static void test_nothing_is_empty(void **state)
{
	struct capture *c = capture_new();
	struct vrf_config cfg;

	(void)state;
	/* Neither the file nor the directory: an empty config, no error. */
	assert_int_equal(vrf_config_load_dir(&cfg, "no-such.conf", "no-such.d", &c->log), 0);
	assert_string_equal(c->text, "");
	assert_int_equal(cfg.n_files, 0);
	assert_int_equal(cfg.n_vrfs, 0);
	assert_false(cfg.docker.present);
	assert_int_equal(cfg.global.pref_local, VRF_DEFAULT_PREF_LOCAL);
	vrf_config_free(&cfg);
	/* A file without a section is fine too. */
	assert_int_equal(vrf_config_load_files(&cfg, NULL, 0, &c->log), 0);
	vrf_config_free(&cfg);
	free(c);
}

static void test_same_errors_through_load_files(void **state)
{
	const char *paths[] = { "bad/dup-vrf-files.d/a.conf", "bad/dup-vrf-files.d/b.conf" };
	struct capture *c = capture_new();
	struct vrf_config cfg;
	char *want = slurp("bad/dup-vrf-files.err");

	(void)state;
	assert_int_equal(vrf_config_load_files(&cfg, paths, 2, &c->log), -EINVAL);
	assert_string_equal(c->text, want);
	free(want);
	free(c);
}

static void test_json_to_full_disk(void **state)
{
	struct vrf_config cfg;
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	if (!full)
		skip();
	load_ok(&cfg, "good/full.conf");
	assert_int_equal(vrf_config_write_json(&cfg, full), -EIO);
	fclose(full);
	vrf_config_free(&cfg);
}

/* ---- the JSON writer -------------------------------------------------------- */

struct mem {
	char *buf;
	size_t len;
	FILE *f;
	struct vrf_json j;
};

static void mem_open(struct mem *m, bool pretty)
{
	m->buf = NULL;
	m->f = open_memstream(&m->buf, &m->len);
	assert_non_null(m->f);
	vrf_json_init(&m->j, m->f, pretty);
}

static void sample(struct vrf_json *j)
{
	vrf_json_object_begin(j, NULL);
	vrf_json_string(j, "s", "a\"b\\c\n\t\x01/é");
	vrf_json_int(j, "neg", -9223372036854775807LL - 1);
	vrf_json_uint(j, "big", UINT64_MAX);
	vrf_json_bool(j, "t", true);
	vrf_json_bool(j, "f", false);
	vrf_json_null(j, "n");
	vrf_json_string(j, "null string", NULL);
	vrf_json_array_begin(j, "empty array");
	vrf_json_array_end(j);
	vrf_json_object_begin(j, "empty object");
	vrf_json_object_end(j);
	vrf_json_array_begin(j, "list");
	vrf_json_uint(j, NULL, 1);
	vrf_json_object_begin(j, NULL);
	vrf_json_string(j, "k", "v");
	vrf_json_object_end(j);
	vrf_json_array_end(j);
	vrf_json_object_end(j);
}

static void test_json_compact(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, false);
	sample(&m.j);
	assert_int_equal(vrf_json_finish(&m.j), 0);
	fclose(m.f);
	assert_string_equal(m.buf,
		"{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001/é\",\"neg\":-9223372036854775808,"
		"\"big\":18446744073709551615,\"t\":true,\"f\":false,\"n\":null,"
		"\"null string\":null,\"empty array\":[],\"empty object\":{},"
		"\"list\":[1,{\"k\":\"v\"}]}\n");
	free(m.buf);
}

static void test_json_pretty(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, true);
	sample(&m.j);
	assert_int_equal(vrf_json_finish(&m.j), 0);
	fclose(m.f);
	assert_string_equal(m.buf,
		"{\n"
		"  \"s\": \"a\\\"b\\\\c\\n\\t\\u0001/é\",\n"
		"  \"neg\": -9223372036854775808,\n"
		"  \"big\": 18446744073709551615,\n"
		"  \"t\": true,\n"
		"  \"f\": false,\n"
		"  \"n\": null,\n"
		"  \"null string\": null,\n"
		"  \"empty array\": [],\n"
		"  \"empty object\": {},\n"
		"  \"list\": [\n"
		"    1,\n"
		"    {\n"
		"      \"k\": \"v\"\n"
		"    }\n"
		"  ]\n"
		"}\n");
	free(m.buf);
}

static void test_json_top_level_and_utf8(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, false);
	/* Top-level values are documents of their own, one a line. */
	vrf_json_string(&m.j, "ignored", "x\xff" "y\xc3(\xe2\x82\xac");
	vrf_json_uint(&m.j, NULL, 7);
	vrf_json_array_begin(&m.j, NULL);
	vrf_json_array_end(&m.j);
	assert_int_equal(vrf_json_finish(&m.j), 0);
	fclose(m.f);
	assert_string_equal(m.buf, "\"x\\ufffdy\\ufffd(\xe2\x82\xac\"\n7\n[]\n");
	free(m.buf);
}

static void test_json_misuse(void **state)
{
	struct mem m;

	(void)state;
	mem_open(&m, false);
	vrf_json_object_begin(&m.j, NULL);
	assert_int_equal(vrf_json_finish(&m.j), -EINVAL);
	vrf_json_object_end(&m.j);
	vrf_json_object_end(&m.j);
	assert_int_equal(vrf_json_finish(&m.j), -EINVAL);
	fclose(m.f);
	free(m.buf);

	mem_open(&m, false);
	for (int i = 0; i < VRF_JSON_MAX_DEPTH + 5; i++)
		vrf_json_array_begin(&m.j, NULL);
	for (int i = 0; i < VRF_JSON_MAX_DEPTH; i++)
		vrf_json_array_end(&m.j);
	assert_int_equal(vrf_json_finish(&m.j), -EINVAL);
	fclose(m.f);
	free(m.buf);
}

/* ---- main ------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* bad/NAME.conf and bad/NAME.d, sorted: each becomes a test named NAME. */
static size_t bad_fixtures(char ***out)
{
	DIR *d = opendir("bad");
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		perror("bad");
		exit(1);
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' ||
		    !((len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0) ||
		      (len > 2 && strcmp(de->d_name + len - 2, ".d") == 0)))
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (!names || asprintf(&names[n], "bad/%s", de->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return n;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_directory_as_file),
		cmocka_unit_test(test_error_then_missing),
		cmocka_unit_test(test_all_good_load_silently),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_design),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_directory_order),
		cmocka_unit_test(test_nothing_is_empty),
		cmocka_unit_test(test_same_errors_through_load_files),
		cmocka_unit_test(test_json_to_full_disk),
		cmocka_unit_test(test_json_compact),
		cmocka_unit_test(test_json_pretty),
		cmocka_unit_test(test_json_top_level_and_utf8),
		cmocka_unit_test(test_json_misuse),
	};
	const char *top = getenv("top_srcdir");
	char dir[PATH_MAX];
	struct CMUnitTest *bad;
	char **names;
	size_t n;
	int failed;

	snprintf(dir, sizeof(dir), "%s", top && *top ? top : "");
	if (top && *top)
		strncat(dir, "/tests/fixtures", sizeof(dir) - strlen(dir) - 1);
	else
		snprintf(dir, sizeof(dir), "%s", FIXTURES_DIR);
	if (chdir(dir) < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	n = bad_fixtures(&names);
	bad = calloc(n, sizeof(*bad));
	if (!bad)
		abort();
	for (size_t i = 0; i < n; i++)
		bad[i] = (struct CMUnitTest){ .name = names[i], .test_func = test_bad_fixture,
					      .initial_state = names[i] };
	failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("bad fixtures", bad, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(bad);
	return failed ? 1 : 0;
}
