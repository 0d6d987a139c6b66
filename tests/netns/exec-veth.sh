#!/bin/bash
# vrf-exec on this kernel (no VRF driver): both methods bind a program's
# sockets to a veth (VRF_EXEC_ALLOW_ANY_DEVICE=1 lets a plain device stand in
# for a VRF), children inherit it, the shim refuses what it cannot bind,
# escapes as an unprivileged user fail, auto never falls back from cgroup to
# sockopt, and the exit statuses are env(1)'s.
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_test_hooks
require_cmd python3

netns_peer near
veth_to_peer v0 near n0 10.50.0.1/24 10.50.0.2/24
netns_peer far
veth_to_peer v1 far f0 10.60.0.1/24 10.60.0.2/24
ip -n far addr add 203.0.113.1/32 dev lo
ip route add 203.0.113.0/24 via 10.60.0.2
serve near tcp 10.50.0.2 7
serve near udp 10.50.0.2 7
serve far tcp 203.0.113.1 7
export VRF_EXEC_ALLOW_ANY_DEVICE=1
# Under the sanitizer build the probe carries ASan, which wants to be loaded
# before the preloaded shim; let it come second.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
CG_ROOT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
# Service-like cgroups of this test, where vrf-exec nests the VRF's cgroup.
SVC=$CG_ROOT/vrfctl-test-$$
# The cgroups are the host's (this level runs on the host's cgroup2): each is
# removed, waiting while the processes killed at the end still leave it. A
# failed rmdir as the trap's last command was the test's exit status: a
# test that had passed exited 1.
cleanup_cgroup() {
	local d
	netns_cleanup
	for d in "$SVC"/vrf/* "$SVC"/vrf "$SVC" "$SVC-deleg"/vrf/* "$SVC-deleg"/vrf "$SVC-deleg" \
		"$CG_ROOT"/vrf/v0 "$CG_ROOT"/vrf/v1 "$CG_ROOT"/vrf/default "$CG_ROOT"/vrf; do
		[ -d "$d" ] || continue
		WAIT_SECONDS=10 wait_until rmdir "$d" 2>/dev/null ||
			echo "exec-veth: cgroup $d left: $(cat "$d/cgroup.procs" 2>/dev/null | wc -l) processes" >&2
	done
}
trap cleanup_cgroup EXIT

expect_probe() {   # expect_probe ok|fail CMD...
	local want=$1 got
	shift
	got=$("$@" 2>&1 | awk '{print $1}') || true
	case $want in
	ok) [ "$got" = ok ] || fail "'$*' gave '$got', expected ok" ;;
	fail) [ "$got" != ok ] || fail "'$*' got through" ;;
	esac
}

step "without vrf-exec, 203.0.113.1 is reachable through v1 (the control)"
expect_probe ok $PROBE tcp 203.0.113.1 7

for method in sockopt cgroup; do
	step "$method: bound to v0, the peer on v0 answers, TCP and UDP"
	expect_probe ok "$VRF_EXEC" -m $method v0 $PROBE tcp 10.50.0.2 7
	expect_probe ok "$VRF_EXEC" -m $method v0 $PROBE udp 10.50.0.2 7
	step "$method: bound to v0, nothing leaves through v1"
	expect_probe fail "$VRF_EXEC" -m $method v0 $PROBE tcp 203.0.113.1 7
	step "$method: children and grandchildren inherit the binding"
	expect_probe fail "$VRF_EXEC" -m $method v0 sh -c "sh -c '$PROBE tcp 203.0.113.1 7'"
	expect_probe ok "$VRF_EXEC" -m $method v0 sh -c "sh -c '$PROBE tcp 10.50.0.2 7'"
	step "$method: as nobody, unbinding or rebinding the socket is refused"
	# -u is for the cgroup method only; the shim's user switches before it.
	as_nobody=("$VRF_EXEC" -m $method -u nobody)
	[ $method = cgroup ] || as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups "$VRF_EXEC" -m $method)
	out=$("${as_nobody[@]}" v0 "$PYTHON" -c '
import socket
for dev in (b"v1", b""):
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev)
        print("rebound to", dev)
    except PermissionError:
        print("refused")
' 2>&1)
	[ "$out" = $'refused\nrefused' ] || fail "$method: escape by setsockopt: $out"
	step "$method: runs as nobody"
	[ "$("${as_nobody[@]}" v0 id -u)" = 65534 ] || fail "not nobody"
done
step "sockopt: -u is refused (the shim cannot keep a program in; -u promises that)"
expect_exit 125 "$VRF_EXEC" -m sockopt -u nobody v0 true
grep -q "with -m sockopt" <<<"$("$VRF_EXEC" -m sockopt -u nobody v0 true 2>&1)" || fail "no reason given"

step "cgroup: a static binary is bound too; nobody cannot leave the cgroup"
expect_probe fail "$VRF_EXEC" -m cgroup v0 "$top_builddir/tests/probe-static" tcp 203.0.113.1 7
expect_probe ok "$VRF_EXEC" -m cgroup v0 "$top_builddir/tests/probe-static" tcp 10.50.0.2 7
out=$("$VRF_EXEC" -m cgroup -u nobody v0 sh -c "echo \$\$ > $CG_ROOT/cgroup.procs" 2>&1) &&
	fail "nobody moved itself out of the cgroup"
echo "moving out as nobody: $out"
grep -q "0::/vrf/v0" <<<"$("$VRF_EXEC" -m cgroup v0 cat /proc/self/cgroup)" || fail "not in vrf/v0"

step "cgroup: the egress check drops what would leave by another device (IP_PKTINFO naming v1)"
pktinfo_v1='
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pk = struct.pack("I4s4s", socket.if_nametoindex("v1"), bytes(4), bytes(4))
try:
    s.sendmsg([b"x"], [(socket.IPPROTO_IP, 8, pk)], 0, ("203.0.113.1", 9)); print("sent")
except OSError as e:
    print(e.errno == 1 and "EPERM" or e)
'
[ "$("$PYTHON" -c "$pktinfo_v1")" = sent ] || fail "the control: IP_PKTINFO unconfined"
[ "$("$VRF_EXEC" -u nobody v0 "$PYTHON" -c "$pktinfo_v1")" = EPERM ] || fail "IP_PKTINFO left by v1"
step "cgroup: as nobody, the cgroup cannot be opened (0700) and bpf() is refused"
out=$("$VRF_EXEC" -u nobody v0 env CG="$CG_ROOT/vrf/v0" "$PYTHON" -c '
import ctypes, os
try:
    os.open(os.environ["CG"], os.O_RDONLY | os.O_DIRECTORY); print("opened")
except PermissionError:
    print("refused")
libc = ctypes.CDLL(None, use_errno=True)
print("bpf", libc.syscall(321, 0, 0, 0), ctypes.get_errno())  # 321: bpf on x86_64
' 2>&1)
[ "$out" = $'refused\nbpf -1 1' ] || fail "$out"

step "sockopt: static and setuid programs are refused, not run unbound"
out=$("$VRF_EXEC" -m sockopt v0 "$top_builddir/tests/probe-static" tcp 10.50.0.2 7 2>&1) &&
	fail "static binary ran under sockopt"
grep -q "statically linked" <<<"$out" || fail "$out"
cp "$top_builddir/tests/probe" "$TEST_TMP/probe-suid" && chmod u+s "$TEST_TMP/probe-suid"
out=$("$VRF_EXEC" -m sockopt v0 "$TEST_TMP/probe-suid" tcp 10.50.0.2 7 2>&1) && fail "setuid ran"
grep -q "setuid" <<<"$out" || fail "$out"

step "sockopt: file capabilities and a script run by a static interpreter are refused too"
cp "$top_builddir/tests/probe" "$TEST_TMP/probe-caps"
if setcap cap_net_raw+ep "$TEST_TMP/probe-caps" 2>/dev/null; then
	out=$("$VRF_EXEC" -m sockopt v0 "$TEST_TMP/probe-caps" tcp 10.50.0.2 7 2>&1) &&
		fail "a program with file capabilities ran under sockopt"
	grep -q "file capabilities" <<<"$out" || fail "$out"
fi
printf '#!/bin/busybox sh\necho ran\n' >"$TEST_TMP/static-script" && chmod +x "$TEST_TMP/static-script"
out=$("$VRF_EXEC" -m sockopt v0 "$TEST_TMP/static-script" 2>&1) && fail "static interpreter ran: $out"
grep -q "statically linked" <<<"$out" || fail "$out"
printf '#!/bin/sh\necho ran\n' >"$TEST_TMP/script" && chmod +x "$TEST_TMP/script"
[ "$("$VRF_EXEC" -m sockopt v0 "$TEST_TMP/script")" = ran ] || fail "a /bin/sh script was refused"

step "sockopt inside a VRF's cgroup: same VRF works, another one is refused"
expect_probe ok "$VRF_EXEC" -m cgroup -u nobody v0 "$VRF_EXEC" -m sockopt v0 $PROBE tcp 10.50.0.2 7
out=$("$VRF_EXEC" -m cgroup -u nobody v0 "$VRF_EXEC" -m sockopt v1 true 2>&1) &&
	fail "sockopt moved a process out of vrf v0's cgroup"
grep -q "in vrf v0's cgroup" <<<"$out" || fail "$out"
step "cgroup: switching VRF or leaving with 'default' does not nest VRF cgroups"
grep -qx "0::/vrf/v1" <<<"$("$VRF_EXEC" -m cgroup v0 "$VRF_EXEC" -m cgroup v1 cat /proc/self/cgroup)" ||
	fail "v0 -> v1: $("$VRF_EXEC" -m cgroup v0 "$VRF_EXEC" -m cgroup v1 cat /proc/self/cgroup)"
expect_probe ok "$VRF_EXEC" -m cgroup v0 "$VRF_EXEC" -m cgroup default $PROBE tcp 203.0.113.1 7
step "cgroup: an inherited shim does not rebind what the cgroup bound"
expect_probe fail "$VRF_EXEC" -m sockopt v1 "$VRF_EXEC" -m cgroup v0 $PROBE tcp 203.0.113.1 7

step "cgroup: from a service's cgroup, the VRF's cgroup nests there (as ip vrf exec)"
mkdir "$SVC"
out=$(sh -c "echo \$\$ > $SVC/cgroup.procs && exec \"$VRF_EXEC\" -m cgroup v0 sh -c 'cat /proc/self/cgroup; ip vrf identify \$\$'")
grep -qx "0::/vrfctl-test-$$/vrf/v0" <<<"$out" || fail "not nested: $out"
grep -qx "v0" <<<"$out" || fail "ip vrf identify: $out"
expect_probe fail sh -c "echo \$\$ > $SVC/cgroup.procs && exec \"$VRF_EXEC\" -m cgroup v0 $PROBE tcp 203.0.113.1 7"
step "--pid: a service manager's shell joins the VRF's cgroup vrf-exec chooses for it"
out=$(sh -c "echo \$\$ > $SVC/cgroup.procs && \"$VRF_EXEC\" -q --pid \$\$ v0 &&
	cat /proc/self/cgroup && $PROBE tcp 10.50.0.2 7 && $PROBE tcp 203.0.113.1 7" 2>&1) || true
grep -qx "0::/vrfctl-test-$$/vrf/v0" <<<"$out" || fail "the shell not nested: $out"
grep -q '^ok' <<<"$out" || fail "the shell's child did not reach v0's peer: $out"
[ "$(grep -c '^ok' <<<"$out")" = 1 ] || fail "the shell's child left by v1: $out"
# Only the caller: not this script (in another cgroup, too), not init.
expect_exit 125 sh -c "echo \$\$ > $SVC/cgroup.procs && exec \"$VRF_EXEC\" -q --pid $$ v0"
expect_exit 125 "$VRF_EXEC" -q --pid 1 v0
! grep -q '^0::.*/vrf/' /proc/1/cgroup || fail "init moved: $(cat /proc/1/cgroup)"
step "--prune: the empty VRF cgroups below a service's go, the service's own stays"
expect_exit 0 "$VRF_EXEC" --prune "/vrfctl-test-$$" /no-such-cgroup
[ ! -e "$SVC/vrf" ] && [ -d "$SVC" ] || fail "--prune left $(find "$SVC" -type d)"
expect_exit 125 "$VRF_EXEC" --prune /
[ -d "$CG_ROOT/vrf/v0" ] || fail "the top cgroup vrf/v0 went"
step "cgroup: ... but not in a subtree delegated to a user, who could move out of it"
mkdir "$SVC-deleg" && chown nobody "$SVC-deleg" "$SVC-deleg/cgroup.procs"
out=$(sh -c "echo \$\$ > $SVC-deleg/cgroup.procs && exec \"$VRF_EXEC\" -m cgroup v0 cat /proc/self/cgroup")
grep -qx "0::/vrf/v0" <<<"$out" || fail "nested in a delegated cgroup: $out"

step "cgroup: DNS queries of the C library are bound too"
printf 'nameserver 203.0.113.1\noptions timeout:1 attempts:1\n' >"$TEST_TMP/resolv.conf"
mount --bind "$TEST_TMP/resolv.conf" /etc/resolv.conf
ip netns exec far timeout 120 "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("203.0.113.1", 53))
s.recvfrom(512); print("query", flush=True)
' >"$TEST_TMP/dns.out" &
dns=$!
wait_for "the DNS listener" is_bound far udp 203.0.113.1:53
# The resolver gives up after 1 s; a query that left through v1 is there by then.
"$VRF_EXEC" -m cgroup -u nobody v0 timeout 3 getent hosts vrfctl.invalid || true
kill $dns 2>/dev/null || true
wait $dns || true
[ ! -s "$TEST_TMP/dns.out" ] || fail "a DNS query left through v1"
umount /etc/resolv.conf

step "-u: numeric ids, ids without a passwd entry, -v names the method, -q silences it"
[ "$("$VRF_EXEC" -m cgroup -u 65534:65534 v0 id -u)" = 65534 ] || fail "-u 65534:65534"
[ "$("$VRF_EXEC" -m cgroup -u 4242:4243 v0 id -u -r)" = 4242 ] || fail "-u 4242:4243"
[ "$("$VRF_EXEC" -m cgroup -u 4242:4243 v0 id -G)" = 4243 ] || fail "supplementary groups kept"
expect_exit 125 "$VRF_EXEC" -u 4242 v0 true
grep -q "cgroup method: /vrf/v0" <<<"$("$VRF_EXEC" -v v0 true 2>&1)" || fail "-v as root"
grep -q "sockopt method" <<<"$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$VRF_EXEC" -m sockopt -v v0 true 2>&1)" || fail "-v as nobody"
grep -q "confined: no_new_privs, Landlock, seccomp" <<<"$("$VRF_EXEC" -v -u nobody v0 true 2>&1)" ||
	fail "-v does not say how -u confines"
[ -z "$("$VRF_EXEC" -q -m cgroup -u 4242:4243 v0 true 2>&1)" ] || fail "-q was not quiet"

step "auto: no silent fallback to the shim; -m sockopt where the cgroup method cannot be used"
# Root of a user namespace: root for vrf-exec's choice, but the kernel lets it
# load no BPF program (that needs privilege over the host's user namespace).
if unshare -U -r true 2>/dev/null; then
	out=$(unshare -U -r "$VRF_EXEC" v0 $PROBE tcp 10.50.0.2 7 2>&1) && fail "auto ran: $out"
	echo "$out"
	expect_exit 125 unshare -U -r "$VRF_EXEC" v0 $PROBE tcp 10.50.0.2 7
	grep -q "^ok pong 10.50.0.2" <<<"$(unshare -U -r "$VRF_EXEC" -m sockopt v0 $PROBE tcp 10.50.0.2 7 2>&1)" ||
		fail "-m sockopt in a user namespace: the peer on v0 did not answer"
	expect_probe fail unshare -U -r "$VRF_EXEC" -m sockopt v0 $PROBE tcp 203.0.113.1 7
else
	echo "(no user namespaces here: not tested)"
fi
step "auto as a user other than root: refused, naming -m sockopt"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$VRF_EXEC" v0 true 2>&1) && fail "auto ran as nobody"
grep -q -- "-m sockopt" <<<"$out" || fail "$out"

step "cgroup: with no cgroup2 mounted, vrf-exec mounts one where ip vrf looks"
out=$(unshare --mount --propagation private sh -c "umount -l '$CG_ROOT' && mount -t tmpfs tmpfs /run &&
	'$VRF_EXEC' -m cgroup v0 cat /proc/self/cgroup" 2>&1)
grep -q "mounted one on /run/cgroup2" <<<"$out" || fail "$out"
grep -qx "0::/vrf/v0" <<<"$out" || fail "$out"

step "exit statuses and messages"
expect_exit 125 env -u VRF_EXEC_ALLOW_ANY_DEVICE "$VRF_EXEC" nosuchvrf true
expect_exit 125 env -u VRF_EXEC_ALLOW_ANY_DEVICE "$VRF_EXEC" v0 true
out=$(env -u VRF_EXEC_ALLOW_ANY_DEVICE "$VRF_EXEC" v0 true 2>&1) || true
grep -q "'v0' is not a VRF device" <<<"$out" || fail "$out"
expect_exit 125 "$VRF_EXEC" v0
expect_exit 125 "$VRF_EXEC" -u nosuchuser v0 true
expect_exit 125 "$VRF_EXEC" -m bogus v0 true
expect_exit 127 "$VRF_EXEC" v0 nosuchcommand
printf 'x\n' >"$TEST_TMP/notexec"
expect_exit 126 "$VRF_EXEC" v0 "$TEST_TMP/notexec"
expect_exit 3 "$VRF_EXEC" v0 sh -c 'exit 3'
# As execvp: a script without "#!" runs with /bin/sh; PATH is read whole.
mkdir "$TEST_TMP/bin"
printf 'echo "no #! $1"\n' >"$TEST_TMP/bin/plain-script"
chmod +x "$TEST_TMP/bin/plain-script"
out=$("$VRF_EXEC" v0 "$TEST_TMP/bin/plain-script" arg 2>&1) || fail "$out"
[ "$out" = "no #! arg" ] || fail "the script without #! said '$out'"
long=$(printf '/nonexistent/%04d:' $(seq 400))   # 7200 bytes, past any PATH_MAX
out=$(PATH="$long$TEST_TMP/bin:$PATH" "$VRF_EXEC" v0 plain-script arg 2>&1) || fail "$out"
[ "$out" = "no #! arg" ] || fail "found through a long PATH, the script said '$out'"
expect_exit 0 "$VRFCTL" exec v0 true
expect_exit 0 "$VRF_EXEC" v0 -- true
expect_exit 0 "$VRF_EXEC" -u nobody v0 -- sh -c 'exit 0'
pass
