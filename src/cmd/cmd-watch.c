/* SPDX-License-Identifier: MIT */
/*
 * vrfctl watch: apply, then apply again whenever the kernel moves away from
 * the config. It listens to rtnetlink (links, addresses, rules, and the
 * routes of vrfctl's tables), waits for a burst of events to settle, then
 * re-plans: an apply with nothing to do changes nothing and says nothing.
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
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "observe.h"
#include "rtnl.h"

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

struct watcher {
	const struct vrfctl_opts *o;
	struct vrf_config cfg;       /* the configuration in force */
	struct vrf_rtnl *events;
	int sigfd;
	long long due;               /* when to re-plan (ms, CLOCK_MONOTONIC); -1: not due */
	long long first;             /* the first event not yet applied; -1: none */
	long long retry_ms;          /* the wait after the last failure; 0: it did not fail */
	unsigned long events_seen;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
	const struct rtmsg *rtm = (const struct rtmsg *)NLMSG_DATA(msg);
	uint32_t table = vrf_observe_route_table(msg);

	if (msg->nlmsg_len >= NLMSG_LENGTH(sizeof(*rtm)) &&
	    rtm->rtm_protocol == cfg->global.route_protocol)
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
		note_change(w, now_ms());
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
	status = vrfctl_apply_config(w->o, &w->cfg, &changes);
	if (status == VRFCTL_EXIT_OK) {
		w->retry_ms = 0;
		return;
	}
	w->retry_ms = w->retry_ms ? w->retry_ms * 2 : RETRY_MIN_MS;
	if (w->retry_ms > RETRY_MAX_MS)
		w->retry_ms = RETRY_MAX_MS;
	vrf_notice(&w->o->log, "watch: apply failed; trying again in %lld s", w->retry_ms / 1000);
	w->due = now_ms() + w->retry_ms;
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
	w->due = now_ms();
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
		vrf_err(&w->o->log, "watch: signalfd: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* Wait for events, signals or the time to re-plan; 0 when told to stop, -errno. */
static int watch_loop(struct watcher *w)
{
	struct pollfd fds[2] = {
		{ .fd = w->sigfd, .events = POLLIN },
		{ .fd = vrf_rtnl_fd(w->events), .events = POLLIN },
	};

	for (;;) {
		long long now = now_ms();
		int timeout = w->due < 0 ? -1 : w->due <= now ? 0 : (int)(w->due - now);
		int n = poll(fds, 2, timeout), r;

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (fds[0].revents & POLLIN) && !take_signal(w))
			return 0;
		if (n > 0 && (fds[1].revents & POLLIN)) {
			r = vrf_rtnl_read_events(w->events, take_event, w);
			/* Events lost to a full queue: whatever they said, look again. */
			if (r == -ENOBUFS)
				note_change(w, now_ms());
			else if (r < 0)
				return r;
		}
		if (w->due >= 0 && now_ms() >= w->due)
			apply_now(w);
	}
}

int vrfctl_cmd_watch(const struct vrfctl_opts *given, int argc, char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	const struct vrfctl_stderr_log *sl = given->log.data;
	/* Each change made is a line of the log without -v: it is what watch is for. */
	struct vrfctl_stderr_log louder = { sl ? sl->prog : "vrfctl", (sl ? sl->verbose : 0) + 1 };
	struct vrfctl_opts o = *given;
	const struct vrfctl_opts *opts = &o;
	struct watcher w = { .o = opts, .sigfd = -1, .due = -1, .first = -1 };
	int status = VRFCTL_EXIT_ERROR, r;

	if (given->log.fn == vrfctl_log_stderr)
		o.log.data = &louder;
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
	apply_now(&w);
	r = watch_loop(&w);
	if (r < 0)
		vrf_err(&opts->log, "watch: %s", strerror(-r));
	else
		status = VRFCTL_EXIT_OK;
out:
	vrf_rtnl_close(w.events);
	if (w.sigfd >= 0)
		close(w.sigfd);
	vrf_config_free(&w.cfg);
	return status;
}
