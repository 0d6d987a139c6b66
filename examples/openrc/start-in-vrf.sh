#!/bin/sh
# A start script of one's own, for a supervisor vrfctl has no hook for: the
# script's shell joins VRF vrf-management (vrf-exec chooses the cgroup, as
# for a command started here, and checks its programs), so everything it
# starts from then on is bound to the VRF, while the daemon keeps its own
# command line (start-stop-daemon --stop --exec still finds it).
# vrfctl's OpenRC hook (openrc-vrf.sh) does the same for vrf=.
set -e
vrf-exec -q --pid $$ vrf-management
start-stop-daemon --start --exec /usr/sbin/foo --pidfile /run/foo.pid \
	--background --make-pidfile
# After the stop, before the supervisor removes the service's cgroup
# (here /foo): the empty VRF cgroup vrf-exec made below it goes first.
#   vrf-exec --prune /foo
