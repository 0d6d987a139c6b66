/* SPDX-License-Identifier: MIT */
/*
 * vrfctl watch: apply, then apply again whenever the kernel moves away from
 * the config. It listens to rtnetlink (links, addresses, rules, and the
 * routes of vrfctl's tables), waits for a burst of events to settle, then
 * re-plans: an apply with nothing to do changes nothing and says nothing.
 * When the config names Docker objects it also follows Docker's events
 * (networks made and removed, containers started and stopped), and notices
 * the daemon starting by its socket appearing (inotify), so that VRFs made
 * at boot before dockerd get their Docker parts when it comes up.
 * Runs in the foreground for a supervisor (supervise-daemon, systemd), one
 * line per change on stderr; SIGHUP reads the config again, SIGTERM and
 * SIGINT end it and leave the kernel as it is.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "config.h"
#include "docker.h"
#include "observe.h"
#include "rtnl.h"
#include "strmap.h"

/*
 * A burst (a thousand veths made by a script, a compose project coming up)
 * is one apply: re-plan once the events have been quiet for QUIET_MS, or
 * MAX_DELAY_MS after the first at the latest, within "about a second".
 */
#define QUIET_MS 200
#define MAX_DELAY_MS 1000
/* A failed apply (lock held, a device half made) is tried again, backing off to this. */
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 60000
/* Docker down: its socket appearing says when to look; this is in case that is missed. */
#define DOCKER_RETRY_MS 60000

/*
 * What the applies say, said once: a warning or notice the last re-plan
 * said too (a part still pending) is not repeated after every burst of
 * events; one that stops and comes back is said again. Errors always pass.
 */
struct once_log {
	struct vrf_log inner;
	struct vrf_strmap said, saying;   /* the last re-plan's lines, this one's */
};

static void say_once(void *data, int priority, const char *msg)
{
	struct once_log *l = data;

	if (priority == LOG_WARNING || priority == LOG_NOTICE) {
		bool repeated = vrf_strmap_get(&l->said, msg, NULL);

		/* Without memory it is just said again next time. */
		(void)vrf_strmap_put(&l->saying, msg, 1);
		if (repeated)
			return;
	}
	vrf_logf(&l->inner, priority, "%s", msg);
}

/* A re-plan ended: what it said is what the next one need not repeat. */
static void once_log_next(struct once_log *l)
{
	vrf_strmap_free(&l->said);
	l->said = l->saying;
	memset(&l->saying, 0, sizeof(l->saying));
}

struct watcher {
	const struct vrfctl_opts *o;
	struct vrfctl_opts apply_opts;   /* o, its log through once */
	struct once_log once;
	struct vrf_config cfg;       /* the configuration in force */
	struct vrf_rtnl *events;
	int sigfd;
	struct vrf_docker_events *docker;   /* NULL: not following Docker now */
	int inotify;                 /* the Docker socket's directory; -1: not watched */
	long long docker_retry;      /* when to try Docker's events again; -1: never */
	bool docker_down_said;       /* its being down was reported (once) */
	long long due;               /* when to re-plan (ms, CLOCK_MONOTONIC); -1: not due */
	long long first;             /* the first event not yet applied; -1: none */
	long long retry_ms;          /* the wait after the last failure; 0: it did not fail */
	unsigned long events_seen;
};

/* Something changed at now: re-plan when it settles. */
static void note_change(struct watcher *w, long long now)
{
	if (w->first < 0)
		w->first = now;
	w->due = now + QUIET_MS < w->first + MAX_DELAY_MS ? now + QUIET_MS : w->first + MAX_DELAY_MS;
}

/* Does a route event concern a table of the config, or a route of vrfctl's? */
static bool route_is_ours(const struct vrf_config *cfg, const struct nlmsghdr *msg)
{
	uint32_t table = 0;
	uint8_t protocol = 0;

	if (!vrf_observe_route_event(msg, &table, &protocol))
		return false;
	if (protocol == cfg->global.route_protocol)
		return true;
	for (size_t i = 0; table && i < cfg->n_vrfs; i++)
		if (cfg->vrfs[i].table == table)
			return true;
	return false;
}

static int take_event(const struct nlmsghdr *msg, void *data)
{
	struct watcher *w = data;
	bool relevant = true;

	if (msg->nlmsg_type == RTM_NEWROUTE || msg->nlmsg_type == RTM_DELROUTE)
		relevant = route_is_ours(&w->cfg, msg);
	if (relevant) {
		w->events_seen++;
		note_change(w, vrf_now_ms());
	}
	return 0;
}

/* Apply the config in force; a failure is tried again later, backing off. */
static void apply_now(struct watcher *w)
{
	size_t changes = 0;
	int status;

	vrf_debug(&w->o->log, "watch: re-planning after %lu event%s", w->events_seen,
		  w->events_seen == 1 ? "" : "s");
	w->first = -1;
	w->due = -1;
	w->events_seen = 0;
	status = vrfctl_apply_config(&w->apply_opts, &w->cfg, &changes);
	once_log_next(&w->once);
	if (status == VRFCTL_EXIT_OK) {
		w->retry_ms = 0;
		return;
	}
	w->retry_ms = w->retry_ms ? w->retry_ms * 2 : RETRY_MIN_MS;
	if (w->retry_ms > RETRY_MAX_MS)
		w->retry_ms = RETRY_MAX_MS;
	vrf_notice(&w->o->log, "watch: apply failed; trying again in %lld s", w->retry_ms / 1000);
	w->due = vrf_now_ms() + w->retry_ms;
}

/* SIGHUP: the new config replaces the old only when it reads cleanly. */
static void reload(struct watcher *w)
{
	struct vrf_config fresh = { 0 };

	if (vrf_config_load(&fresh, w->o->config_path, &w->o->log) < 0) {
		vrf_config_free(&fresh);
		vrf_err(&w->o->log, "watch: configuration not reloaded; the one in force stays");
		return;
	}
	vrf_config_free(&w->cfg);
	w->cfg = fresh;
	vrf_notice(&w->o->log, "watch: configuration reloaded");
	w->retry_ms = 0;
	w->due = vrf_now_ms();
}

/* 1 to go on, 0 to end (SIGTERM, SIGINT). */
static int take_signal(struct watcher *w)
{
	struct signalfd_siginfo si;

	while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(w);
		} else {
			vrf_notice(&w->o->log, "watch: %s: stopping; the kernel stays as it is",
				   strsignal((int)si.ssi_signo));
			return 0;
		}
	}
	return 1;
}

/* The config names Docker objects and their events are not followed (yet). */
static bool docker_wanted(const struct watcher *w)
{
	return !w->docker && vrf_config_names_docker(&w->cfg);
}

/* Follow Docker's events when the config names Docker objects and it answers. */
static void docker_follow(struct watcher *w)
{
	long long now = vrf_now_ms();
	int r;

	if (!docker_wanted(w) || w->docker_retry < 0 || now < w->docker_retry)
		return;
	/* Its being down is said once, not at every try. */
	r = vrf_docker_events_open(NULL, &w->docker, w->docker_down_said ? NULL : &w->o->log);
	if (r < 0) {
		w->docker_down_said = true;
		w->docker_retry = now + DOCKER_RETRY_MS;
		return;
	}
	vrf_notice(&w->o->log, "watch: following Docker's events");
	w->docker_down_said = false;
	w->docker_retry = -1;
	/* What happened before the subscription is not replayed: look now. */
	note_change(w, now);
}

static void docker_lost(struct watcher *w)
{
	vrf_notice(&w->o->log, "watch: Docker's event stream ended; its parts are pending until it is back");
	vrf_docker_events_close(w->docker);
	w->docker = NULL;
	w->docker_retry = vrf_now_ms() + DOCKER_RETRY_MS;
	note_change(w, vrf_now_ms());
}

/*
 * dockerd makes its socket when it starts: watch the directory, so that a
 * daemon started after vrfctl is noticed at once, with no timer.
 */
static void open_docker_watch(struct watcher *w)
{
	const char *sock = vrf_docker_socket_path();
	char dir[4096];
	char *slash;

	w->inotify = -1;
	if (!sock || snprintf(dir, sizeof(dir), "%s", sock) >= (int)sizeof(dir))
		return;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	w->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->inotify >= 0 && inotify_add_watch(w->inotify, dir, IN_CREATE | IN_MOVED_TO) < 0) {
		close(w->inotify);
		w->inotify = -1;
	}
}

/* Something was made in the socket's directory: if Docker is not followed, try now. */
static void take_inotify(struct watcher *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *sock = vrf_docker_socket_path();
	const char *base = sock ? strrchr(sock, '/') + 1 : "";
	bool ours = false;
	ssize_t got;

	while ((got = read(w->inotify, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + got;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			ours |= ev->len && strcmp(ev->name, base) == 0;
			p += sizeof(*ev) + ev->len;
		}
	if (ours && !w->docker && w->docker_retry >= 0)
		w->docker_retry = vrf_now_ms();
}

static int open_events(struct watcher *w)
{
	static const unsigned groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_RULE,
		RTNLGRP_IPV6_RULE, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	};
	int r = vrf_rtnl_open(&w->events, 0);

	if (r >= 0)
		r = vrf_rtnl_subscribe(w->events, groups, sizeof(groups) / sizeof(groups[0]));
	if (r < 0)
		vrf_err(&w->o->log, "watch: cannot listen to rtnetlink: %s", strerror(-r));
	return r;
}

static int open_signals(struct watcher *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked, so that they wait in the signalfd instead of ending us mid-apply. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	w->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->sigfd < 0) {
		int r = -errno;

		vrf_err(&w->o->log, "watch: signalfd: %s", strerror(-r));
		return r;
	}
	return 0;
}

/* Milliseconds until the earliest of when (-1: never), or -1 for no limit. */
static int wait_for_ms(long long now, const long long *when, size_t n)
{
	long long first = -1;

	for (size_t i = 0; i < n; i++)
		if (when[i] >= 0 && (first < 0 || when[i] < first))
			first = when[i];
	return first < 0 ? -1 : first <= now ? 0 : first - now > 600000 ? 600000 : (int)(first - now);
}

/*
 * Wait for the fds, and for Docker's events when following them. 1 when
 * Docker said something that matters, 0, or -errno; fds' revents are set.
 */
static int wait_any(struct watcher *w, struct pollfd *fds, size_t n, int timeout)
{
	int r;

	if (!w->docker) {
		r = poll(fds, n, timeout);
		return r < 0 && errno != EINTR ? -errno : 0;
	}
	r = vrf_docker_events_wait(w->docker, fds, n, timeout, &w->o->log);
	if (r == -EPIPE) {
		docker_lost(w);
		return 0;
	}
	return r;
}

/* Wait for events, signals or the time to re-plan; 0 when told to stop, -errno. */
static int watch_loop(struct watcher *w)
{
	struct pollfd fds[3] = {
		{ .fd = w->sigfd, .events = POLLIN },
		{ .fd = vrf_rtnl_fd(w->events), .events = POLLIN },
		{ .fd = w->inotify, .events = POLLIN },
	};

	for (;;) {
		/* Docker is tried again only for a config that names it. */
		long long when[2] = { w->due, docker_wanted(w) ? w->docker_retry : -1 };
		int timeout = wait_for_ms(vrf_now_ms(), when, 2);
		int n = wait_any(w, fds, w->inotify >= 0 ? 3 : 2, timeout), r;

		if (n < 0)
			return n;
		if (n > 0)
			note_change(w, vrf_now_ms());
		if ((fds[0].revents & POLLIN) && !take_signal(w))
			return 0;
		if (w->inotify >= 0 && (fds[2].revents & POLLIN))
			take_inotify(w);
		docker_follow(w);
		if (fds[1].revents & POLLIN) {
			r = vrf_rtnl_read_events(w->events, take_event, w);
			/* Events lost to a full queue: whatever they said, look again. */
			if (r == -ENOBUFS)
				note_change(w, vrf_now_ms());
			else if (r < 0)
				return r;
		}
		if (w->due >= 0 && vrf_now_ms() >= w->due)
			apply_now(w);
		for (size_t i = 0; i < 3; i++)
			fds[i].revents = 0;
	}
}

int vrfctl_cmd_watch(const struct vrfctl_opts *given, int argc, char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	/* Each change made is a line of the log without -v: it is what watch is for.
	 * Only the front-ends' stderr hook has a verbosity to raise. */
	const struct vrfctl_stderr_log *sl =
		given->log.fn == vrfctl_log_stderr ? given->log.data : NULL;
	struct vrfctl_stderr_log louder = { sl ? sl->prog : "vrfctl", (sl ? sl->verbose : 0) + 1 };
	struct vrfctl_opts o = *given;
	const struct vrfctl_opts *opts = &o;
	struct watcher w = { .o = opts, .sigfd = -1, .due = -1, .first = -1, .inotify = -1 };
	int status = VRFCTL_EXIT_ERROR, r;

	if (sl)
		o.log.data = &louder;
	w.once.inner = o.log;
	w.apply_opts = o;
	w.apply_opts.log = (struct vrf_log){ .fn = say_once, .data = &w.once };
	if (getopt_long(argc, argv, "+", longopts, NULL) != -1 || optind != argc) {
		vrf_err(&opts->log, "usage: vrfctl watch");
		return VRFCTL_EXIT_ERROR;
	}
	if (opts->dry_run) {
		vrf_err(&opts->log, "watch changes the kernel: -n makes no sense with it (see plan)");
		return VRFCTL_EXIT_ERROR;
	}
	/* A config that does not read is an error at start, as for apply. */
	if (vrf_config_load(&w.cfg, opts->config_path, &opts->log) < 0)
		goto out;
	if (open_signals(&w) < 0 || open_events(&w) < 0)
		goto out;
	/* Listening first: what changes during the first apply is not missed. */
	vrf_notice(&opts->log, "watch: applying %s, then following changes",
		   opts->config_path ? opts->config_path : "the configuration");
	open_docker_watch(&w);
	docker_follow(&w);
	apply_now(&w);
	r = watch_loop(&w);
	if (r < 0)
		vrf_err(&opts->log, "watch: %s", strerror(-r));
	else
		status = VRFCTL_EXIT_OK;
out:
	vrf_docker_events_close(w.docker);
	if (w.inotify >= 0)
		close(w.inotify);
	vrf_rtnl_close(w.events);
	if (w.sigfd >= 0)
		close(w.sigfd);
	vrf_config_free(&w.cfg);
	vrf_strmap_free(&w.once.said);
	vrf_strmap_free(&w.once.saying);
	return status;
}
