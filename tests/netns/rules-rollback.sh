#!/bin/bash
# On a kernel without the VRF driver, `apply` gets as far as the ip rules and
# then the kernel refuses the VRF device: everything done so far must be
# rolled back, leaving rules and routes exactly as before. The same holds for
# a failure injected at every step before that.
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_test_hooks

if ip link add vrfprobe type vrf table 99 2>/dev/null; then
	ip link del vrfprobe
	skip "this kernel has VRFs: the VM tests cover apply there"
fi

netns_peer lan
veth_to_peer eth0 lan lan0 10.20.30.40/24 10.20.30.1/24
conf=$TEST_TMP/vrfctl.conf
cat >"$conf" <<CONF
[vrf mgmt]
table = 10
members = eth0
route = 10.20.30.0/24 dev eth0
CONF

snapshot() { kernel_snapshot; }
before=$(snapshot)

step "apply fails at the VRF device and rolls back the rules"
out=$("$VRFCTL" -c "$conf" apply 2>&1) && fail "apply succeeded on a kernel without VRFs"
echo "$out"
grep -q "'ip link add mgmt group 118 type vrf table 10' failed" <<<"$out" || fail "no message naming the failed step"
grep -q "rolling back 10 steps" <<<"$out" || fail "rollback not reported"
[ "$(snapshot)" = "$before" ] || fail "state differs after rollback"

step "a failure injected at each step leaves the state as before"
for k in 0 1 2 3 4 5 6 7 8 9; do
	VRFCTL_TEST_FAIL_STEP=$k "$VRFCTL" -c "$conf" apply >/dev/null 2>&1 && fail "apply with step $k failing succeeded"
	[ "$(snapshot)" = "$before" ] || fail "state differs after a failure at step $k"
done

step "dry run prints the plan and changes nothing"
"$VRFCTL" -n -c "$conf" apply >"$TEST_TMP/plan" || fail "dry run failed"
grep -q '^ip -4 rule add pref 0 table local protocol 118$' "$TEST_TMP/plan" || fail "dry run lacks the local rule move"
[ "$(snapshot)" = "$before" ] || fail "dry run changed the kernel"

step "with no thread to read the kernel on: the same plan, the same rollback"
VRFCTL_TEST_NO_THREAD=1 "$VRFCTL" -n -c "$conf" apply >"$TEST_TMP/plan.inline" || fail "dry run without a thread failed"
diff "$TEST_TMP/plan" "$TEST_TMP/plan.inline" || fail "the plan without a thread differs"
VRFCTL_TEST_NO_THREAD=1 "$VRFCTL" -c "$conf" apply >/dev/null 2>&1 && fail "apply without a thread succeeded"
[ "$(snapshot)" = "$before" ] || fail "state differs after a rollback without a thread"

step "plan exits 2 with changes pending"
expect_exit 2 "$VRFCTL" -c "$conf" plan

step "a second vrfctl waits for none: the lock refuses it"
mkdir -p "$VRFCTL_STATE_DIR"
# This shell holds the lock itself: no second process, nothing to wait for.
exec {lock}>"$VRFCTL_STATE_DIR/lock"
flock -n "$lock" || fail "cannot take the lock"
out=$("$VRFCTL" -c "$conf" apply 2>&1) && fail "apply ran while the lock was held"
grep -q "another vrfctl is changing the kernel" <<<"$out" || fail "lock message missing: $out"
exec {lock}>&-
pass
