/* SPDX-License-Identifier: MIT */
/*
 * Tiny bounded network probes for the tests (C, so it starts fast even in the
 * emulated VM, and can be linked statically).
 *
 *   probe tcp HOST PORT          connect, send a line, print "ok REPLY"
 *   probe udp HOST PORT          send a datagram, wait for the echo, likewise
 *   probe serve-tcp ADDR PORT    answer each connection with "pong ADDR"
 *   probe serve-udp ADDR PORT    echo "pong ADDR" to each datagram
 *   probe serve-hold ADDR PORT   accept TCP connections and keep them open
 *   probe hold HOST PORT         connect over TCP and keep the connection open
 *   probe loop HOST PORT         TCP exchanges in a row until $PROBE_STOP exists:
 *                                "N ok, M failed"
 *
 * The last two make an established session (an SSH login, say) that lasts
 * as long as the test needs it, however slow the machine.
 *
 * A client that fails prints the errno's name (ENETUNREACH, EHOSTUNREACH,
 * ETIMEDOUT...) and exits 1. Every wait is bounded: 3 s for a client,
 * $PROBE_SERVE_SECONDS (default 120) for a server or a held connection,
 * which then exits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sockaddr-parse.h"

static int failed(int err)
{
	const char *name = strerrorname_np(err);

	printf("%s\n", name ? name : "error");
	return 1;
}

/* Wait until fd is ready for events, at most ms; 0 on time out. */
static int wait_for(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, ms);
}

/* One exchange with a server: 0 and its reply in buf, or the errno. */
static int exchange(int type, const struct sockaddr_storage *ss, socklen_t len, char *buf,
		    size_t size)
{
	ssize_t n;
	int fd = socket(ss->ss_family, type | SOCK_NONBLOCK, 0), r = 0;

	if (fd < 0)
		return errno;
	if (type == SOCK_STREAM) {
		socklen_t el = sizeof(r);

		if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS)
			r = errno;
		else if (wait_for(fd, POLLOUT, 3000) <= 0)
			r = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &el) == 0 && r == 0 &&
			 send(fd, "ping\n", 5, MSG_NOSIGNAL) < 0)
			r = errno;
	} else if (sendto(fd, "ping\n", 5, 0, (const struct sockaddr *)ss, len) < 0) {
		r = errno;
	}
	if (r == 0 && wait_for(fd, POLLIN, 3000) <= 0)
		r = ETIMEDOUT;
	if (r == 0 && (n = recv(fd, buf, size - 1, 0)) < 0)
		r = errno;
	if (r == 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	close(fd);
	return r;
}

static int client(int type, const struct sockaddr_storage *ss, socklen_t len)
{
	char buf[200];
	int r = exchange(type, ss, len, buf, sizeof(buf));

	if (r)
		return failed(r);
	printf("ok %s\n", buf);
	return 0;
}

/* When a server or a held connection ends: $PROBE_SERVE_SECONDS from now. */
static time_t serve_deadline(void)
{
	const char *env = getenv("PROBE_SERVE_SECONDS");

	return time(NULL) + (env ? atoi(env) : 120);
}

/* Connect, then hold the connection open, saying nothing, until the deadline. */
static int hold(const struct sockaddr_storage *ss, socklen_t len)
{
	time_t deadline = serve_deadline();
	int fd = socket(ss->ss_family, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)ss, len) < 0)
		return failed(errno);
	printf("held\n");
	while (time(NULL) < deadline)
		sleep(1);
	close(fd);
	return 0;
}

/* A server; with keep, accepted connections stay open until the deadline. */
static int serve(int type, bool keep, const char *addr, const struct sockaddr_storage *ss,
		 socklen_t len)
{
	time_t deadline = serve_deadline();
	char reply[100], buf[200];
	int one = 1, fd = socket(ss->ss_family, type, 0);

	snprintf(reply, sizeof(reply), "pong %s\n", addr);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		perror("probe: serve");
		return 2;
	}
	while (time(NULL) < deadline) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);

		if (wait_for(fd, POLLIN, 1000) <= 0)
			continue;
		if (type == SOCK_STREAM) {
			int c = accept(fd, NULL, NULL);

			if (c < 0 || keep)
				continue;
			if (wait_for(c, POLLIN, 3000) > 0 && recv(c, buf, sizeof(buf), 0) >= 0)
				send(c, reply, strlen(reply), MSG_NOSIGNAL);
			close(c);
		} else if (recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &pl) >= 0) {
			sendto(fd, reply, strlen(reply), 0, (struct sockaddr *)&peer, pl);
		}
	}
	return 0;
}

/*
 * TCP exchanges one after another until the file $PROBE_STOP exists (or the
 * deadline): "N ok, M failed" and the first failure; exit 1 on any.
 */
static int loop(const struct sockaddr_storage *ss, socklen_t len)
{
	const char *stop = getenv("PROBE_STOP");
	time_t deadline = serve_deadline();
	unsigned long ok = 0, bad = 0;
	int first = 0;
	char buf[200];

	while (time(NULL) < deadline && !(stop && access(stop, F_OK) == 0)) {
		int r = exchange(SOCK_STREAM, ss, len, buf, sizeof(buf));

		if (r == 0) {
			ok++;
		} else if (bad++ == 0) {
			first = r;
		}
	}
	printf("%lu ok, %lu failed%s%s\n", ok, bad, bad ? ", first: " : "",
	       bad ? strerrorname_np(first) : "");
	return bad ? 1 : 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe tcp|udp|serve-tcp|serve-udp|serve-hold|hold|loop ADDR PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc != 4 || sockaddr_parse(argv[2], argv[3], &ss, &len) < 0)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "tcp") == 0)
		return client(SOCK_STREAM, &ss, len);
	if (strcmp(argv[1], "udp") == 0)
		return client(SOCK_DGRAM, &ss, len);
	if (strcmp(argv[1], "serve-tcp") == 0)
		return serve(SOCK_STREAM, false, argv[2], &ss, len);
	if (strcmp(argv[1], "serve-udp") == 0)
		return serve(SOCK_DGRAM, false, argv[2], &ss, len);
	if (strcmp(argv[1], "serve-hold") == 0)
		return serve(SOCK_STREAM, true, argv[2], &ss, len);
	if (strcmp(argv[1], "hold") == 0)
		return hold(&ss, len);
	if (strcmp(argv[1], "loop") == 0)
		return loop(&ss, len);
	return usage();
}
