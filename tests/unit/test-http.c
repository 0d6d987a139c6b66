/* SPDX-License-Identifier: MIT */
/*
 * The Engine API's HTTP reader (http.h): answers as the daemon frames them
 * (Content-Length, chunked, to the end of the stream), fed whole and a
 * byte at a time, since a socket may cut an answer anywhere; and what is
 * not HTTP, refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http.h"

struct body {
	char bytes[256];
	size_t len;
};

static int collect(void *data, const char *bytes, size_t len)
{
	struct body *b = data;

	if (b->len + len >= sizeof(b->bytes))
		return -EMSGSIZE;
	memcpy(b->bytes + b->len, bytes, len);
	b->len += len;
	b->bytes[b->len] = '\0';
	return 0;
}

/* The reader's answer to text fed in pieces of step bytes (0: all at once),
 * then, unless complete, the end of the stream. */
static int read_answer(const char *text, size_t step, struct vrf_http_reader *r, struct body *b)
{
	size_t len = strlen(text);
	int err = 0;

	memset(b, 0, sizeof(*b));
	vrf_http_reader_init(r, collect, b);
	for (size_t off = 0; off < len && err == 0;) {
		size_t n = step && step < len - off ? step : len - off;

		err = vrf_http_reader_feed(r, text + off, n);
		off += n;
	}
	return err ? err : vrf_http_reader_eof(r);
}

/* Every framing, whole and a byte at a time: the same status and body. */
static void framings_read_alike(void **unused)
{
	static const struct {
		const char *text;
		int status;
		const char *body;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]",
		  200, "[]" },
		/* Go's net/http chunks what it does not know the length of. */
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "5\r\nhello\r\n1;ext=1\r\n,\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
		  200, "hello, world" },
		{ "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
		  200, "0123456789" },
		/* No length: up to the end of the stream. */
		{ "HTTP/1.0 200 OK\r\n\r\nall of it", 200, "all of it" },
		/* Bare LF line ends, and an interim 100 before the answer. */
		{ "HTTP/1.1 100 Continue\n\nHTTP/1.1 404 Not Found\nContent-Length: 4\n\nnope",
		  404, "nope" },
		{ "HTTP/1.1 204 No Content\r\n\r\n", 204, "" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "" },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 0; step <= 1; step++) {
			struct vrf_http_reader r;
			struct body b;

			assert_int_equal(read_answer(cases[i].text, step, &r, &b), 1);
			assert_int_equal(r.status, cases[i].status);
			assert_string_equal(b.bytes, cases[i].body);
		}
	}
}

/* Bytes after a counted answer are not body. */
static void after_the_answer_is_ignored(void **unused)
{
	static const char text[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef";
	struct vrf_http_reader r;
	struct body b = { 0 };

	(void)unused;
	vrf_http_reader_init(&r, collect, &b);
	assert_int_equal(vrf_http_reader_feed(&r, text, strlen(text)), 1);
	assert_string_equal(b.bytes, "abc");
}

/* The event stream: chunks as they come, never complete until it ends. */
static void a_stream_is_read_as_it_comes(void **unused)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	struct vrf_http_reader r;
	struct body b = { 0 };

	(void)unused;
	vrf_http_reader_init(&r, collect, &b);
	assert_int_equal(vrf_http_reader_feed(&r, head, strlen(head)), 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(vrf_http_reader_feed(&r, "3\r\n{}\n\r\n", 8), 0);
	assert_string_equal(b.bytes, "{}\n");
	assert_int_equal(vrf_http_reader_feed(&r, "3\r\n{", 4), 0);
	assert_string_equal(b.bytes, "{}\n{");
	/* The daemon stops mid-chunk: cut short, not complete. */
	assert_int_equal(vrf_http_reader_eof(&r), -EPIPE);
}

/* What is not an HTTP answer, or cut short, is refused, whole or in bytes. */
static void not_http_is_refused(void **unused)
{
	static const struct {
		const char *text;
		int err;
	} cases[] = {
		{ "hello", -EPIPE },
		{ "hello\r\n", -EBADMSG },
		{ "HTTP/1.1 20 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 2000 OK\r\n\r\n", -EBADMSG },
		{ "HTTP/2 200\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", -EBADMSG },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", -EPIPE },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", -EPIPE },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", -EBADMSG },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 0; step <= 1; step++) {
			struct vrf_http_reader r;
			struct body b;

			assert_int_equal(read_answer(cases[i].text, step, &r, &b), cases[i].err);
		}
	}
}

/* A line longer than the reader takes; and the body's own error stops it. */
static void limits_hold(void **unused)
{
	static char text[VRF_HTTP_LINE_MAX + 64];
	struct vrf_http_reader r;
	struct body b;

	(void)unused;
	snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nX: %*s\r\n\r\n", VRF_HTTP_LINE_MAX, "");
	assert_int_equal(read_answer(text, 0, &r, &b), -EMSGSIZE);
	snprintf(text, sizeof(text), "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n%300s", "");
	assert_int_equal(read_answer(text, 0, &r, &b), -EMSGSIZE);
}

/* An answer that never ends: read up to its headers, with what came along. */
static void the_head_of_a_stream_is_read(void **unused)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{}\n\r\n";
	struct vrf_http_reader r;
	struct body b = { 0 };
	int sv[2];

	(void)unused;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	vrf_http_reader_init(&r, collect, &b);
	/* Nothing yet: the wait ends at its bound. */
	assert_int_equal(vrf_http_read_head(sv[0], &r, 100), -ETIMEDOUT);
	assert_int_equal(write(sv[1], head, strlen(head)), (ssize_t)strlen(head));
	assert_int_equal(vrf_http_read_head(sv[0], &r, 1000), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(b.bytes, "{}\n");
	/* The stream is still open: the whole answer is not in. */
	assert_int_equal(vrf_http_read_some(sv[0], &r), 0);
	close(sv[1]);
	assert_int_equal(vrf_http_read_some(sv[0], &r), -EPIPE);
	close(sv[0]);
}

/* A daemon that does not accept: its backlog full, the request gives up in time. */
static void a_full_backlog_times_out(void **unused)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int srv = socket(AF_UNIX, SOCK_STREAM, 0), first = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timespec t0, t1;
	long ms;

	(void)unused;
	assert_true(srv >= 0 && first >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/vrfctl-test-http.%ld.sock", (long)getpid());
	unlink(sa.sun_path);
	assert_int_equal(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* A backlog of 0 holds one connection not yet accepted. */
	assert_int_equal(listen(srv, 0), 0);
	assert_int_equal(connect(first, (struct sockaddr *)&sa, sizeof(sa)), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(vrf_http_request(sa.sun_path, "/networks", 200), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 150 && ms < 5000);
	close(first);
	close(srv);
	unlink(sa.sun_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(framings_read_alike),
		cmocka_unit_test(after_the_answer_is_ignored),
		cmocka_unit_test(a_stream_is_read_as_it_comes),
		cmocka_unit_test(not_http_is_refused),
		cmocka_unit_test(limits_hold),
		cmocka_unit_test(the_head_of_a_stream_is_read),
		cmocka_unit_test(a_full_backlog_times_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
