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
require_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }

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
	local ns
	for ns in $_TEST_PEERS; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$TEST_TMP"
}

# netns_peer NAME: a namespace for a peer host, removed when the test ends.
netns_peer() {
	ip netns add "$1"
	ip -n "$1" link set lo up
	_TEST_PEERS="$_TEST_PEERS $1"
}

# veth_to_peer LOCAL PEER_NS PEER_IF LOCAL_ADDR PEER_ADDR: a link from here to a
# peer, returned once it has carrier (the kernel settles that asynchronously,
# and a snapshot taken before would differ from one taken after).
veth_to_peer() {
	local i
	ip link add "$1" type veth peer name "$3" netns "$2"
	ip addr add "$4" dev "$1"
	ip link set "$1" up
	ip -n "$2" addr add "$5" dev "$3"
	ip -n "$2" link set "$3" up
	for i in $(seq 50); do
		ip -o link show "$1" | grep -q LOWER_UP && return 0
		sleep 0.1
	done
	fail "$1 has no carrier"
}

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

# State that a rolled-back or undone apply must leave exactly as it was:
# rules byte for byte, IPv4 routes of every table, links with their masters.
kernel_snapshot() {
	ip -d -j rule show
	ip -6 -d -j rule show
	ip -4 route show table all | sort
	ip -6 route show table all | grep -v '^local\|^multicast\|fe80::\|^anycast' | sort
	ip -o link show | sed -E 's/^[0-9]+: //; s/ link\/.*//' | sort
}
