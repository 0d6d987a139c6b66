/* SPDX-License-Identifier: MIT */
/*
 * docker.h's event stream against a real daemon, for docker-names.vm: what
 * `vrfctl watch` will do with it, one line per wake-up on stdout.
 *
 *   docker-events [TIMEOUT_MS]
 *
 * Subscribes, prints "open", then waits on the stream and on stdin together
 * (as watch waits on it and a netlink socket) and prints "change" (an
 * event that matters), "timeout", "fd LINE" (a line on stdin; "quit" ends
 * it, exit 0) or "ended" (the daemon went: exit 3). Errors exit 1, no
 * Docker support 77.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "docker.h"

static void to_stderr(void *data, int priority, const char *msg)
{
	(void)data, (void)priority;
	fprintf(stderr, "docker-events: %s\n", msg);
}

int main(int argc, char **argv)
{
	struct vrf_log log = { to_stderr, NULL };
	struct vrf_docker_events *ev = NULL;
	int timeout = argc > 1 ? atoi(argv[1]) : 10000, r;
	char line[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	r = vrf_docker_events_open(NULL, &ev, &log);
	if (r < 0)
		return r == -ENOTSUP ? 77 : 1;
	puts("open");
	for (;;) {
		struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };

		r = vrf_docker_events_wait(ev, &fd, 1, timeout, &log);
		if (r == 1) {
			puts("change");
		} else if (r == -EPIPE) {
			puts("ended");
			r = 3;
			break;
		} else if (r < 0) {
			fprintf(stderr, "docker-events: %s\n", strerror(-r));
			r = 1;
			break;
		} else if (fd.revents) {
			if (!fgets(line, sizeof(line), stdin) || strncmp(line, "quit", 4) == 0) {
				r = 0;
				break;
			}
			printf("fd %s", line);
		} else {
			puts("timeout");
		}
	}
	vrf_docker_events_close(ev);
	return r;
}
