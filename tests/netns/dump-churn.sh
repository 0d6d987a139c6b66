#!/bin/bash
# Links made and deleted while vrfctl reads them: the kernel marks such a
# dump inconsistent (NLM_F_DUMP_INTR), and vrfctl asks again rather than plan
# from a mix of two states, or give up. Under churn beside it (ip shows that
# it does interrupt dumps), plan and status see the same kernel every time as
# when nothing moves. (The link dump seldom skips a link when interrupted:
# what this pins is that an interrupted dump is asked again and not taken
# for an error; a build that refused such dumps fails it.)
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"

# Enough links that a dump takes many datagrams (a few per 32 KiB).
N=400
for ((i = 0; i < N; i++)); do echo "link add m$i type veth peer name p$i"; done >"$TEST_TMP/setup"
ip -batch "$TEST_TMP/setup"
conf=$TEST_TMP/vrfctl.conf
# Every link a member: a link a dump skipped would be a pending member.
{
	printf '[vrf blue]\ntable = 10\nroute = 10.20.30.0/24 dev m200\n'
	for ((i = 0; i < N; i++)); do echo "members = m$i"; done
} >"$conf"

read_all() {
	local plan=0
	"$VRFCTL" -c "$conf" plan >"$TEST_TMP/plan.out" 2>"$TEST_TMP/plan.err" || plan=$?
	[ "$plan" = 2 ] || fail "plan exited $plan: $(cat "$TEST_TMP/plan.err")"
	"$VRFCTL" -c "$conf" status >"$TEST_TMP/status.out" 2>&1 || fail "status: $(cat "$TEST_TMP/status.out")"
	cat "$TEST_TMP/plan.out" "$TEST_TMP/plan.err" "$TEST_TMP/status.out"
}

step "with nothing moving"
before=$(read_all)
[ "$(grep -c '^ip link set m[0-9]* master blue' <<<"$before")" = "$N" ] || fail "the plan does not enslave all $N: $before"

step "with links made and deleted beside it"
churn() {
	while :; do
		ip link add c0 type veth peer name c1 2>/dev/null
		sleep 0.01
		ip link del c0 2>/dev/null
		sleep 0.01
	done
}
churn &
churner=$!
_TEST_SERVERS="${_TEST_SERVERS:-} $churner"   # netns_cleanup stops it, on a failure too
interrupted=0
for ((k = 0; k < 20; k++)); do
	for j in 1 2 3; do
		ip -o link show 2>&1 >/dev/null | grep -q 'Dump was interrupted' && interrupted=$((interrupted + 1))
	done
	now=$(read_all)
	[ "$now" = "$before" ] || { diff <(echo "$before") <(echo "$now"); fail "round $k saw another kernel"; }
done
kill "$churner"
wait "$churner" 2>/dev/null || true
echo "ip saw $interrupted of 60 dumps interrupted"
[ "$interrupted" -gt 0 ] || skip "the churn interrupted no dump of ip's: nothing proven"
pass
