# Shared helpers for the shell tests (netns and VM levels). Source it, then
# call netns_enter early: the rest of the test runs in a network namespace of
# its own, so nothing it does can touch the host's links, rules or routes.
# shellcheck shell=bash

set -eu

VRFCTL=${VRFCTL:-${top_builddir:-.}/src/cmd/vrfctl}
VRF_EXEC=${VRF_EXEC:-${top_builddir:-.}/src/cmd/vrf-exec}
TEST_NAME=$(basename "$0" .sh)

skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }
fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
pass() { echo "PASS: $TEST_NAME${1:+: $1}"; }
step() { echo "== $*"; }

require_root() { [ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"; }
# The tests that inject faults or let a device stand in for a VRF.
require_test_hooks() {
	[ "${VRFCTL_TEST_HOOKS:-0}" = 1 ] || skip "needs a build configured with --enable-test-hooks"
}
require_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }

# wait_until CMD...: run CMD every 0.1 s until it succeeds (return 0), for at
# most WAIT_SECONDS (60) (return 1). The bound is generous on purpose: under
# qemu's software emulation on a busy machine, starting a process can take
# seconds, and a wait that gives up early fails a test that was right.
wait_until() {
	local deadline=$((SECONDS + ${WAIT_SECONDS:-60}))
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# wait_for WHAT CMD...: wait_until CMD, and fail the test naming WHAT if it never succeeds.
wait_for() {
	local what=$1
	shift
	wait_until "$@" || fail "timed out waiting for $what"
}

# Re-run this test inside a fresh network namespace (and mount namespace, so
# `ip netns add` below stays private to the test). Peers live in further
# namespaces made with netns_peer, removed on exit.
netns_enter() {
	require_root
	if [ -z "${VRFCTL_TEST_IN_NETNS:-}" ]; then
		command -v unshare >/dev/null || skip "needs unshare"
		VRFCTL_TEST_IN_NETNS=1 exec unshare --net --mount --propagation private \
			bash "$0" "$@"
	fi
	mount -t tmpfs tmpfs /run/netns 2>/dev/null || { mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns; }
	ip link set lo up
	TEST_TMP=$(mktemp -d)
	export VRFCTL_STATE_DIR="$TEST_TMP/state"
	_TEST_PEERS=""
	trap netns_cleanup EXIT
}

netns_cleanup() {
	local ns pid
	for pid in ${_TEST_SERVERS:-}; do kill "$pid" 2>/dev/null || true; done
	for ns in $_TEST_PEERS; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$TEST_TMP"
}

# netns_peer NAME: a namespace for a peer host, removed when the test ends.
netns_peer() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	_TEST_PEERS="$_TEST_PEERS $1"
}

# in_ns NS CMD...: run CMD in peer namespace NS, or here if NS is "host".
in_ns() {
	local ns=$1
	shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# veth_to_peer LOCAL PEER_NS PEER_IF LOCAL_ADDR PEER_ADDR: a link from here to a
# peer, returned once it has carrier (the kernel settles that asynchronously,
# and a snapshot taken before would differ from one taken after).
veth_to_peer() {
	ip link add "$1" type veth peer name "$3" netns "$2"
	ip addr add "$4" dev "$1"
	ip link set "$1" up
	ip -n "$2" addr add "$5" dev "$3"
	ip -n "$2" link set "$3" up
	wait_for "carrier on $1" has_carrier "$1"
}

# has_carrier DEV: the link is up with carrier (LOWER_UP).
has_carrier() { ip -o link show "$1" | grep -q LOWER_UP; }

# expect_exit STATUS CMD...: run CMD, fail unless it exits with STATUS.
expect_exit() {
	local want=$1 got=0
	shift
	"$@" || got=$?
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want"
}

# For tests/vm/*.vm: we are root in a throwaway VM whose kernel has VRFs (see
# tests/vm/README); its whole network stack is the test's own.
vm_enter() {
	[ "${VRFCTL_VM:-}" = 1 ] || skip "runs inside the VM harness (tests/vm/vm-run)"
	modprobe vrf || fail "cannot load vrf.ko"
	mkdir -p /run/netns
	ip link set lo up
	TEST_TMP=$(mktemp -d)
	export VRFCTL_STATE_DIR="$TEST_TMP/state"
	_TEST_PEERS=""
	trap netns_cleanup EXIT
}

PROBE="${top_builddir:-.}/tests/probe"
# The system's interpreter: one under /root (pyenv) is out of reach of nobody.
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || echo python3)

# expect_probe WANT CMD...: CMD (the probe, maybe through vrf-exec or in a
# namespace) prints WANT as its first word: ok, or an errno's name. Its
# standard error counts too, so a warning on the way fails the check.
expect_probe() {
	local want=$1 out got
	shift
	out=$("$@" 2>&1) || true
	got=$(awk '{ print $1 }' <<<"$out")
	# The whole answer in the message: "Error" alone says nothing.
	[ "$got" = "$want" ] || fail "'$*' gave '$got', expected '$want' (it said: $out)"
}

# is_bound NS tcp|udp LOCAL: a socket in NS ("host": here) listens (tcp) or is
# bound (udp) on LOCAL, written as ss prints it: 10.0.0.1:7, [2001:db8::1]:7,
# or 0.0.0.0%blue:22 for a socket bound to device blue.
is_bound() {
	in_ns "$1" ss -Hln --"$2" | awk '{ print $4 }' | grep -qxF "$3"
}

# serve NS tcp|udp|hold ADDR PORT: start the probe's server (serve-tcp,
# serve-udp or serve-hold) on ADDR:PORT in NS in the background and return once
# it is bound, so that no client runs before it (a fixed sleep is too short on
# a loaded machine). The test's end stops it.
serve() {
	local ns=$1 kind=$2 addr=$3 port=$4 where=$3 proto=tcp
	case $addr in ::) where="*" ;; *:*) where="[$addr]" ;; esac # as ss prints them
	[ "$kind" = udp ] && proto=udp
	in_ns "$ns" "$PROBE" "serve-$kind" "$addr" "$port" >/dev/null &
	_TEST_SERVERS="${_TEST_SERVERS:-} $!"
	wait_for "the $kind server on $where:$port" is_bound "$ns" "$proto" "$where:$port"
}

# State that a rolled-back or undone apply must leave exactly as it was:
# rules byte for byte, IPv4 routes of every table, links with their masters.
kernel_snapshot() {
	ip -d -j rule show
	ip -6 -d -j rule show
	ip -4 route show table all | sort
	ip -6 route show table all | grep -v '^local\|^multicast\|fe80::\|^anycast' | sort
	# Without the operational state ("state UP") and what ip derives from it
	# (NO-CARRIER is an up link that is not RUNNING): the kernel's linkwatch
	# worker sets it some time after a carrier change, members are cycled down
	# and up on release, and vrfctl never sets it.
	ip -o link show | sed -E 's/^[0-9]+: //; s/NO-CARRIER,//; s/ state [A-Z]+//; s/ link\/.*//' | sort
}

# snapshot_is TEXT: kernel_snapshot prints TEXT (for wait_until).
snapshot_is() { [ "$(kernel_snapshot)" = "$1" ]; }

# layout_in_place FAM: the first ip rules of family FAM (-4, -6) are
# vrfctl's three at priority 0, in order: l3mdev, l3mdev unreachable, local.
layout_in_place() {
	local rules
	rules=$(ip "$1" rule show)
	echo "$rules"
	[ "$(head -3 <<<"$rules" | sed 's/[[:space:]]\+/ /g')" = "0: from all lookup [l3mdev-table] proto 118
0: from all lookup [l3mdev-table] unreachable proto 118
0: from all lookup local proto 118" ]
}
