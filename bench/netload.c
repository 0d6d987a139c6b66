/* SPDX-License-Identifier: MIT */
/*
 * A small load generator for the data-path benchmark (bench/datapath.sh):
 * what a confined service's traffic costs per packet and per connection.
 *
 *   netload serve ADDR PORT          TCP: echo each byte back, any number of
 *                                    connections; UDP on the same port: sink
 *   netload rr ADDR PORT SECONDS     one TCP connection, 1-byte request and
 *                                    response in a loop
 *   netload crr ADDR PORT SECONDS    a new TCP connection per request
 *   netload udp ADDR PORT SECONDS    64-byte datagrams as fast as send() goes
 *
 * A client prints "OPS ops/s MEAN_US us" (mean time per operation) and exits
 * 0, or the errno's name and 1. The server runs until killed, or
 * $NETLOAD_SECONDS (default 600).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../tests/sockaddr-parse.h"

#define MAX_CONNS 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int failed(int err)
{
	const char *name = strerrorname_np(err);

	printf("%s\n", name ? name : "error");
	return 1;
}

static int serve(const struct sockaddr_storage *ss, socklen_t len)
{
	const char *env = getenv("NETLOAD_SECONDS");
	double deadline = now() + (env ? atoi(env) : 600);
	struct pollfd fds[MAX_CONNS + 2];
	int one = 1, nfds = 2;
	char buf[2048];

	fds[0].fd = socket(ss->ss_family, SOCK_STREAM, 0);
	fds[1].fd = socket(ss->ss_family, SOCK_DGRAM, 0);
	if (fds[0].fd < 0 || fds[1].fd < 0 ||
	    setsockopt(fds[0].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fds[0].fd, (const struct sockaddr *)ss, len) < 0 || listen(fds[0].fd, 128) < 0 ||
	    bind(fds[1].fd, (const struct sockaddr *)ss, len) < 0) {
		perror("netload: serve");
		return 2;
	}
	fds[0].events = fds[1].events = POLLIN;
	while (now() < deadline) {
		if (poll(fds, (nfds_t)nfds, 1000) <= 0)
			continue;
		if ((fds[0].revents & POLLIN) && nfds < MAX_CONNS + 2) {
			int c = accept(fds[0].fd, NULL, NULL);

			if (c >= 0) {
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				fds[nfds].fd = c;
				fds[nfds++].events = POLLIN;
			}
		}
		if (fds[1].revents & POLLIN)
			(void)recv(fds[1].fd, buf, sizeof(buf), 0);
		for (int i = 2; i < nfds; i++) {
			ssize_t n;

			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = recv(fds[i].fd, buf, sizeof(buf), 0);
			if (n <= 0 || send(fds[i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
				close(fds[i].fd);
				fds[i--] = fds[--nfds];
			}
		}
	}
	return 0;
}

static int connected(const struct sockaddr_storage *ss, socklen_t len)
{
	int one = 1, fd = socket(ss->ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)ss, len) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/* One request and its response on fd: 0 or -errno. */
static int transact(int fd)
{
	char c = 'x';

	if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
		return -errno;
	return recv(fd, &c, 1, 0) == 1 ? 0 : -EPIPE;
}

static int client(const char *mode, const struct sockaddr_storage *ss, socklen_t len,
		  double seconds)
{
	unsigned long ops = 0;
	double start = now(), end = start + seconds, t;
	char payload[64] = { 0 };
	int fd = -1, r = 0;

	if (strcmp(mode, "rr") == 0 && (fd = connected(ss, len)) < 0)
		return failed(-fd);
	if (strcmp(mode, "udp") == 0) {
		fd = socket(ss->ss_family, SOCK_DGRAM, 0);
		if (fd < 0 || connect(fd, (const struct sockaddr *)ss, len) < 0)
			return failed(errno);
	}
	while ((t = now()) < end && r == 0) {
		/* Check the clock every 64 operations: it is not free under TCG. */
		for (int i = 0; i < 64 && r == 0; i++, ops++) {
			if (mode[0] == 'r') {
				r = transact(fd);
			} else if (mode[0] == 'c') {
				int c = connected(ss, len);

				r = c < 0 ? c : transact(c);
				if (c >= 0)
					close(c);
			} else if (send(fd, payload, sizeof(payload), 0) < 0 && errno != ENOBUFS) {
				r = -errno;
			}
		}
	}
	if (r < 0)
		return failed(-r);
	t -= start;
	printf("%.0f ops/s %.1f us\n", (double)ops / t, t * 1e6 / (double)ops);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "serve") == 0 &&
	    sockaddr_parse(argv[2], argv[3], &ss, &len) == 0)
		return serve(&ss, len);
	if (argc == 5 && (strcmp(argv[1], "rr") == 0 || strcmp(argv[1], "crr") == 0 ||
			  strcmp(argv[1], "udp") == 0) &&
	    sockaddr_parse(argv[2], argv[3], &ss, &len) == 0 && atof(argv[4]) > 0)
		return client(argv[1], &ss, len, atof(argv[4]));
	fprintf(stderr, "usage: netload serve ADDR PORT | netload rr|crr|udp ADDR PORT SECONDS\n");
	return 2;
}
