/* SPDX-License-Identifier: MIT */
/*
 * Built without json-c (configure --without-docker): nothing
 * can be asked of Docker, so a config naming Docker objects stays pending
 * and everything else works as with Docker support.
 */

#include <errno.h>
#include <string.h>

#include "docker.h"

int vrf_docker_parse_networks(const char *json, size_t len, struct vrf_docker_view *view,
			      const struct vrf_log *log)
{
	(void)json, (void)len, (void)view, (void)log;
	return -ENOTSUP;
}

int vrf_docker_parse_containers(const char *json, size_t len, struct vrf_docker_view *view,
				const struct vrf_log *log)
{
	(void)json, (void)len, (void)view, (void)log;
	return -ENOTSUP;
}

int vrf_docker_parse_event(const char *json, size_t len, struct vrf_docker_event *ev)
{
	(void)json, (void)len;
	memset(ev, 0, sizeof(*ev));
	return -ENOTSUP;
}

int vrf_docker_observe(const char *socket, struct vrf_docker_view *view,
		       const struct vrf_log *log)
{
	(void)socket;
	memset(view, 0, sizeof(*view));
	vrf_err(log, "docker: vrfctl was built without Docker support (configure --without-docker)");
	return -ENOTSUP;
}

int vrf_docker_events_open(const char *socket, struct vrf_docker_events **out,
			   const struct vrf_log *log)
{
	(void)socket, (void)log;
	*out = NULL;
	return -ENOTSUP;
}

int vrf_docker_events_wait(struct vrf_docker_events *ev, struct pollfd *fds, size_t n_fds,
			   int timeout_ms, const struct vrf_log *log)
{
	(void)ev, (void)fds, (void)n_fds, (void)timeout_ms, (void)log;
	return -ENOTSUP;
}

void vrf_docker_events_close(struct vrf_docker_events *ev)
{
	(void)ev;
}
