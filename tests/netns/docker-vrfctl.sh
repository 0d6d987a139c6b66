#!/bin/bash
# The [docker] section through vrfctl itself, on this kernel: apply loads
# table inet vrfctl, plan shows the ruleset and then nothing, a rule deleted
# by hand is drift that apply repairs, status counts drops, bad input is a
# file:line error that changes nothing, down --all removes only our table.
# (tests/netns/nft-docker.sh sends the real traffic through the rules.)
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_cmd nft
nft list tables >/dev/null 2>&1 || skip "no nf_tables in this kernel"

ip link add docker0 type bridge
ip link set docker0 up
conf=$TEST_TMP/vrfctl.conf
cat >"$conf" <<CONF
[docker]
bridge = docker0
allow = tcp 18000-18300
allow = udp 53
isolate-containers = yes
allow-from = 172.17.0.10
host-allow = tcp 8080
CONF
# Someone else's table, as iptables-nft would make it for Docker.
nft add table ip filter
nft add chain ip filter DOCKER-USER
nft add rule ip filter DOCKER-USER counter return
foreign=$(nft -a list table ip filter)

step "plan shows the ruleset it would load, and exits 2"
out=$("$VRFCTL" -c "$conf" plan) && fail "plan saw nothing to do"
grep -q 'table inet vrfctl' <<<"$out" || fail "plan lacks the table: $out"
grep -q 'comment "docker0: drop inbound"' <<<"$out" || fail "plan lacks the drop rule"

step "apply loads it; a second plan exits 0; a second apply changes nothing"
out=$("$VRFCTL" -v -c "$conf" apply 2>&1)
nft list table inet vrfctl >/dev/null || fail "no table after apply"
case $out in *"and table inet vrfctl loaded"*) ;; *) fail "-v apply did not say it loaded the table: $out" ;; esac
expect_exit 0 "$VRFCTL" -c "$conf" plan
handles=$(nft -a list table inet vrfctl)
out=$("$VRFCTL" -v -c "$conf" apply 2>&1)
[ "$(nft -a list table inet vrfctl)" = "$handles" ] || fail "re-apply replaced the table"
case $out in *"inet vrfctl loaded"*) fail "a no-op -v apply said it loaded the table: $out" ;; esac

step "apply VRF... (the ifupdown hook's, with a one-VRF config) leaves the table alone"
printf '[vrf blue]\ntable = 20\n' >"$TEST_TMP/one.conf"
"$VRFCTL" -c "$TEST_TMP/one.conf" -n apply blue | grep -q 'inet vrfctl' && fail "apply VRF plans the nft table"
VRFCTL_TEST_FAIL_STEP=0 "$VRFCTL" -c "$TEST_TMP/one.conf" apply blue >/dev/null 2>&1 || true
[ "$(nft -a list table inet vrfctl)" = "$handles" ] || fail "apply VRF touched the table"

step "status counts what the drop rules stopped (JSON too)"
"$VRFCTL" -c "$conf" status | grep -q 'forward  docker0: drop inbound' || fail "no counters in status"
"$VRFCTL" -c "$conf" -j status | "$PYTHON" -c '
import json, sys
nft = json.load(sys.stdin)["nft"]
rules = {(c["chain"], c["rule"]) for c in nft}
assert ("forward", "docker0: drop inbound") in rules, rules
assert ("input", "docker0: drop to host") in rules, rules
assert all(isinstance(c["packets"], int) for c in nft)' || fail "status -j nft"

step "a rule deleted by hand is drift, and apply repairs it"
handle=$(nft -a list chain inet vrfctl forward | awk '/drop inbound/ { print $NF; exit }')
nft delete rule inet vrfctl forward handle "$handle"
expect_exit 2 "$VRFCTL" -c "$conf" plan
"$VRFCTL" -c "$conf" apply
expect_exit 0 "$VRFCTL" -c "$conf" plan

step "bad input: a file:line error, exit 1, the table untouched"
loaded=$(nft -a list table inet vrfctl)
bad() {   # bad BODY MESSAGE
	printf '[docker]\nbridge = docker0\n%s\n' "$1" >"$TEST_TMP/bad.conf"
	out=$("$VRFCTL" -c "$TEST_TMP/bad.conf" apply 2>&1) && fail "accepted: $1"
	grep -qF "$2" <<<"$out" || fail "'$1': $out"
	echo "$out"
	[ "$(nft -a list table inet vrfctl)" = "$loaded" ] || fail "table changed by '$1'"
}
bad 'allow = tcp 0' "bad.conf:3: allow 'tcp 0': port '0' out of range (1-65535)"
bad 'allow = tcp 70000' "bad.conf:3: allow 'tcp 70000': port '70000' out of range (1-65535)"
bad 'allow = tcp 20-10' "bad.conf:3: allow 'tcp 20-10'"
bad 'allow = tcp 20:10' "bad.conf:3: allow 'tcp 20:10'"
bad 'allow = bogus 80' "bad.conf:3: allow 'bogus 80': unknown protocol 'bogus'"
bad "allow = tcp $(seq -s, 1 65)" "bad.conf:3: allow"
# A bridge that does not exist yet is pending (apply warns and goes on).
printf '[docker]\nbridge = nosuchbr0\n' >"$TEST_TMP/bad.conf"
out=$("$VRFCTL" -c "$TEST_TMP/bad.conf" plan 2>&1) && fail "plan of a missing bridge said in line"
grep -q "bridge 'nosuchbr0' does not exist yet" <<<"$out" || fail "$out"
[ "$(nft -a list table inet vrfctl)" = "$loaded" ] || fail "table changed by a plan"

step "down --all removes our table and only it"
out=$("$VRFCTL" -v -c "$conf" down --all 2>&1)
nft list table inet vrfctl >/dev/null 2>&1 && fail "table left after down --all"
case $out in *"and table inet vrfctl deleted"*) ;; *) fail "-v down --all did not say it deleted the table: $out" ;; esac
[ "$(nft -a list table ip filter)" = "$foreign" ] || fail "the foreign table changed"
expect_exit 0 "$VRFCTL" -c "$conf" down --all
pass
