/* SPDX-License-Identifier: MIT */
/*
 * The kernel's state, read on a thread of its own while the main thread reads
 * the config: at a thousand VRFs each is about half of a no-op apply (and of a
 * status), neither needs the other, and the kernel fills the dumps meanwhile
 * on another CPU. With the lock, for a run that changes anything: the state
 * must not be read half-way through another vrfctl's changes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cmd.h"

static void *observe_thread(void *data)
{
	struct vrfctl_kernel_view *kv = data;

	kv->observe_r = vrf_state_observe(kv->rt, &kv->state);
	return NULL;
}

/* A test hook, read only by a test build (configure --enable-test-hooks):
 * the path taken when no thread can be had. */
static bool thread_refused(void)
{
	const char *s = VRF_TEST_HOOKS ? getenv("VRFCTL_TEST_NO_THREAD") : NULL;

	return s && *s == '1';
}

/* Reads the kernel's state, on a thread if asked (if there is one to be had). */
static void observation_start(struct vrfctl_kernel_view *kv, bool thread)
{
	kv->started = true;
	kv->open_r = vrf_rtnl_open(&kv->rt, kv->rtnl_flags);
	if (kv->open_r < 0)
		return;
	kv->running = thread && !thread_refused() &&
		      pthread_create(&kv->thread, NULL, observe_thread, kv) == 0;
	if (!kv->running)
		observe_thread(kv);
}

/*
 * The lock file must be there already, so that a config with errors still
 * changes nothing on the host (not even /run/vrfctl), and its errors come
 * before those of a lock held elsewhere.
 */
void vrfctl_kernel_view_begin(struct vrfctl_kernel_view *kv, const struct vrfctl_opts *o)
{
	if (!kv->locked || vrf_lock_try(o->state_dir, &kv->lock) == 0)
		observation_start(kv, true);
}

int vrfctl_kernel_view_finish(struct vrfctl_kernel_view *kv, const struct vrfctl_opts *o)
{
	if (kv->locked && kv->lock < 0 && vrf_lock_acquire(o->state_dir, &kv->lock, &o->log) < 0)
		return -1;
	if (!kv->started)
		observation_start(kv, false);
	if (kv->running)
		pthread_join(kv->thread, NULL);
	kv->running = false;
	if (kv->open_r < 0) {
		vrf_err(&o->log, "cannot open a netlink socket: %s", strerror(-kv->open_r));
		return -1;
	}
	if (kv->observe_r < 0) {
		vrf_err(&o->log, "cannot read the kernel's state: %s", strerror(-kv->observe_r));
		return -1;
	}
	return 0;
}

void vrfctl_kernel_view_free(struct vrfctl_kernel_view *kv)
{
	bool locked = kv->locked;
	unsigned flags = kv->rtnl_flags;

	if (kv->running)
		pthread_join(kv->thread, NULL);
	vrf_state_free(&kv->state);
	vrf_rtnl_close(kv->rt);
	if (kv->lock >= 0)
		close(kv->lock);
	*kv = (struct vrfctl_kernel_view)VRFCTL_KERNEL_VIEW_INIT(locked, flags);
}
