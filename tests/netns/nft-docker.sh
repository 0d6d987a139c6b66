#!/bin/bash
# table inet vrfctl with real traffic, driven through vrfctl and config files:
# a Docker host in miniature, all in namespaces this test makes.
#
#   outside (10.77.0.2) --veth-- host: ip_forward, bridge docker0 10.88.0.1/24, fd88::1/64
#                                      |-- c1 10.88.0.10 fd88::10  (the "reverse proxy": allow-from)
#                                      |-- c2 10.88.0.20 fd88::20  (serves tcp 18080, 9000; udp 18053)
#                                      `-- c3 10.88.0.30 fd88::30
#
# [docker] bridge=docker0, allow = tcp 18000-18300 / udp 18053, isolate-containers,
# allow-from 10.88.0.10 fd88::10, host-allow tcp 8080; no [vrf] section.
# `vrfctl apply` loads the table, `plan` reports drift (exit 2) or none (0),
# `status` shows the counters, `down --all` removes the table.
# A dropped probe times out (3 s): drops, not rejects.
# $PROBE is the C probe from lib.sh (tests/probe).
# shellcheck disable=SC2086
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_cmd nft python3

[ -x "$VRFCTL" ] || fail "no $VRFCTL (make builds it)"

nft list ruleset >/dev/null 2>&1 || skip "nf_tables is not available"
ip link add docker0 type bridge 2>/dev/null || skip "no bridge support"
# br_netfilter's switches are per network namespace and exist once a bridge does.
[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ] || skip "no br_netfilter (bridge-nf-call-iptables)"
echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
echo 1 >/proc/sys/net/bridge/bridge-nf-call-ip6tables

# ---- the configurations ------------------------------------------------------
CONF=$TEST_TMP/docker.conf
cat >"$CONF" <<'EOF'
# A Docker host: only a [docker] section, no [vrf].
[docker]
bridge = docker0
allow = tcp 18000-18300
allow = udp 18053
isolate-containers = yes
allow-from = 10.88.0.10, fd88::10
host-allow = tcp 8080
EOF
NOHOST=$TEST_TMP/no-host-allow.conf     # the same without host-allow: no input chain
grep -v '^host-allow' "$CONF" >"$NOHOST"
EMPTY=$TEST_TMP/empty.conf              # no [docker] section at all
: >"$EMPTY"

vc() { "$VRFCTL" -c "$CONF" "$@"; }
# plan_exit STATUS [CONF]: `vrfctl plan` exits STATUS (0 in line, 2 drift).
plan_exit() {
	local got=0
	"$VRFCTL" -c "${2:-$CONF}" plan >/dev/null || got=$?
	[ "$got" = "$1" ] || fail "plan of ${2:-$CONF} exited $got, expected $1"
}

# ---- the world ---------------------------------------------------------------
step "topology"
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip addr add 10.88.0.1/24 dev docker0
ip addr add fd88::1/64 dev docker0 nodad
ip link set docker0 up
for n in 1 2 3; do
	netns_peer "c$n"
	ip link add "vc$n" type veth peer name eth0 netns "c$n"
	ip link set "vc$n" master docker0 up
	ip -n "c$n" addr add "10.88.0.${n}0/24" dev eth0
	ip -n "c$n" addr add "fd88::${n}0/64" dev eth0 nodad
	ip -n "c$n" link set eth0 up
	ip -n "c$n" route add default via 10.88.0.1
done
netns_peer outside
veth_to_peer out0 outside eth0 10.77.0.1/24 10.77.0.2/24
ip -n outside route add 10.88.0.0/24 via 10.77.0.1

export PROBE_SERVE_SECONDS=150
serve c2 tcp :: 18080
serve c2 tcp :: 9000
serve c2 udp 0.0.0.0 18053
serve outside tcp 10.77.0.2 7000
serve outside udp 10.77.0.2 7001
serve host tcp :: 8080
serve host tcp :: 8081

# passes NS KIND ADDR PORT / dropped NS KIND ADDR PORT
passes() {
	local out
	out=$(in_ns "$1" $PROBE "$2" "$3" "$4") || fail "$1 -> $2 $3 port $4: $out, expected to pass"
}
dropped() {
	local out
	if out=$(in_ns "$1" $PROBE "$2" "$3" "$4"); then
		fail "$1 -> $2 $3 port $4: passed, expected to be dropped"
	fi
	case $out in
	timeout|ETIMEDOUT) ;;
	*) fail "$1 -> $2 $3 port $4: $out, expected a drop (timeout)" ;;
	esac
}
# counter CHAIN COMMENT: the packets of that rule, from `vrfctl -j status`.
counter() {
	vc -j status | python3 -c '
import json, sys
nft = json.load(sys.stdin)["nft"]
print(sum(c["packets"] for c in nft or [] if c["chain"] == sys.argv[1] and c["rule"] == sys.argv[2]))
' "$1" "$2"
}
table_listing() { nft -a list table inet vrfctl; }
# Counters aside: the containers' own IPv6 chatter (MLD reports, router
# solicitations) may hit a drop at any time.
zero_counters() { sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter packets 0 bytes 0/'; }
no_table() { ! nft list table inet vrfctl >/dev/null 2>&1; }
# The ruleset `vrfctl plan` prints, without the here-document around it.
rendered() { sed -n "/^nft -f - <<'EOF'\$/,/^EOF\$/{//!p}"; }

# Wait (bounded) for the servers to listen.
listening() {
	in_ns c2 $PROBE tcp 10.88.0.20 18080 && in_ns c2 $PROBE tcp 10.88.0.20 9000 &&
		in_ns host $PROBE tcp 10.88.0.1 8080 && in_ns host $PROBE tcp 10.88.0.1 8081 &&
		in_ns outside $PROBE tcp 10.77.0.2 7000
} >/dev/null 2>&1
wait_for "the servers" listening
step "without the table, everything passes"
passes outside tcp 10.88.0.20 9000
passes c3 tcp 10.88.0.20 9000
passes c3 tcp fd88::20 9000
passes c2 tcp 10.88.0.1 8081

# ---- a foreign table, like iptables-nft's ------------------------------------
nft -f - <<'EOF'
table ip filter {
	chain DOCKER-USER {
		ip saddr 203.0.113.0/24 return
		return
	}
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		jump DOCKER-USER
	}
}
EOF
FOREIGN_BEFORE=$(nft -a list table ip filter)
foreign_unchanged() {
	[ "$(nft -a list table ip filter)" = "$FOREIGN_BEFORE" ] || fail "table ip filter changed ($1)"
}

# ---- errors before anything is loaded ----------------------------------------
step "a bridge that does not exist yet: pending, named at file:line; its rules loaded by name"
MISSING=$TEST_TMP/missing.conf
printf '[docker]\nbridge = nosuchbr0\nallow = tcp 80\n' >"$MISSING"
err=$("$VRFCTL" -c "$MISSING" apply 2>&1) || fail "apply with a missing bridge failed: $err"
echo "$err"
grep -qF "$MISSING:1: bridge 'nosuchbr0' does not exist yet" <<<"$err" ||
	fail "the warning names no file:line: $err"
grep -qF "pending" <<<"$err" || fail "not said to be pending: $err"
table_listing | grep -q 'oifname "nosuchbr0"' || fail "no rules for the pending bridge"
# Nothing to change, but a part pending: plan says so with its own status.
plan_exit 3 "$MISSING"
"$VRFCTL" -c "$MISSING" plan 2>/dev/null | grep -qF "# pending: docker-bridge nosuchbr0 ($MISSING:1)" ||
	fail "plan does not list the pending bridge"
"$VRFCTL" -c "$MISSING" down --all
no_table || fail "down --all left the table"

if command -v setpriv >/dev/null; then
	step "without CAP_NET_ADMIN: a clear error, no table"
	# Where nobody can read the config and take the lock.
	chmod 755 "$TEST_TMP"
	mkdir -m 777 "$TEST_TMP/nobody"
	as_nobody() {
		VRFCTL_STATE_DIR=$TEST_TMP/nobody setpriv --reuid=65534 --regid=65534 --clear-groups \
			--inh-caps=-all "$@"
	}
	err=$(as_nobody "$VRFCTL" -c "$CONF" apply 2>&1) && fail "apply as nobody succeeded"
	echo "$err"
	grep -qF "CAP_NET_ADMIN is needed" <<<"$err" || fail "unexpected error: $err"
	no_table || fail "a table was created by nobody"
fi

# ---- apply -------------------------------------------------------------------
step "plan shows the ruleset and exits 2; apply loads exactly that"
RULES_BEFORE=$(ip -d -j rule show; ip -6 -d -j rule show)
plan=$(vc plan) && fail "plan exited 0 with no table loaded"
plan_exit 2
RENDERED=$(rendered <<<"$plan")
grep -qF 'table inet vrfctl {' <<<"$RENDERED" || fail "plan shows no ruleset: $plan"
vc apply
diff -u <(echo "$RENDERED") <(nft list table inet vrfctl | zero_counters) ||
	fail "nft lists something else than plan rendered"
plan_exit 0
foreign_unchanged "after apply"
[ "$(ip -d -j rule show; ip -6 -d -j rule show)" = "$RULES_BEFORE" ] ||
	fail "a config without [vrf] changed the ip rules"

# nft itself loading the rendered text makes the same bytecode (plan compares it).
netns_peer scratch
ip -n scratch link add docker0 type bridge
echo "$RENDERED" | ip netns exec scratch nft -f - || fail "nft cannot load the rendered text"
ip netns exec scratch "$VRFCTL" -c "$CONF" plan >/dev/null ||
	fail "the table nft loads from the rendered text differs from vrfctl's"

step "outside -> containers: allowed ports only"
passes outside tcp 10.88.0.20 18080
passes outside udp 10.88.0.20 18053
dropped outside tcp 10.88.0.20 9000
step "containers -> outside, and the replies come back"
passes c2 tcp 10.77.0.2 7000
passes c2 udp 10.77.0.2 7001
step "container -> container: isolated, but for allow-from (both families)"
passes c1 tcp 10.88.0.20 9000
passes c1 tcp fd88::20 9000
dropped c3 tcp 10.88.0.20 9000
dropped c3 tcp 10.88.0.20 18080
dropped c3 tcp fd88::20 9000
step "containers -> host: host-allow only; host -> containers untouched"
passes c2 tcp 10.88.0.1 8080
passes c2 tcp fd88::1 8080
dropped c2 tcp 10.88.0.1 8081
passes host tcp 10.88.0.20 9000

step "status counts the drops (text and -j)"
vc status | tee "$TEST_TMP/status.txt" | sed -n '/^nftables/,$p'
grep -qxF 'nftables (table inet vrfctl):' "$TEST_TMP/status.txt" || fail "status shows no table"
grep -qE '^  forward +docker0: drop inbound +[1-9][0-9]* packets' "$TEST_TMP/status.txt" ||
	fail "status text shows no count on drop inbound"
[ "$(counter forward 'docker0: drop inbound')" -gt 0 ] || fail "no count on drop inbound"
[ "$(counter forward 'docker0: isolate containers')" -gt 0 ] || fail "no count on isolate"
[ "$(counter input 'docker0: drop to host')" -gt 0 ] || fail "no count on drop to host"

step "re-apply is a no-op: plan exits 0, same handles, counters kept"
before=$(table_listing)
drops_before=$(counter forward 'docker0: drop inbound')
vc apply
[ "$(table_listing | zero_counters)" = "$(zero_counters <<<"$before")" ] ||
	fail "re-apply changed the table"
[ "$(counter forward 'docker0: drop inbound')" -ge "$drops_before" ] ||
	fail "re-apply reset the counters"
plan_exit 0

if command -v setpriv >/dev/null; then
	step "without CAP_NET_ADMIN, down --all fails and the table stays"
	err=$(as_nobody "$VRFCTL" -c "$CONF" down --all 2>&1) && fail "down --all as nobody succeeded"
	grep -qF "CAP_NET_ADMIN is needed" <<<"$err" || fail "unexpected error: $err"
	[ "$(table_listing | zero_counters)" = "$(zero_counters <<<"$before")" ] ||
		fail "down --all as nobody changed the table"
fi

# ---- bad input: a config error at file:line, nothing changes -----------------
step "bad input: config errors with file:line, exit 1, the ruleset unchanged"
RULESET_BEFORE=$(nft -a list ruleset | zero_counters)
# bad_config LINE MESSAGE: the file $BAD fails apply, plan and check with exactly
# "vrfctl: $BAD:LINE: MESSAGE" and changes nothing.
BAD=$TEST_TMP/bad.conf
bad_config() {
	local cmd err got want="vrfctl: $BAD:$1: $2"
	for cmd in apply plan check; do
		got=0
		err=$("$VRFCTL" -c "$BAD" $cmd 2>&1) || got=$?
		[ "$got" = 1 ] || fail "$cmd of a bad config exited $got, expected 1 (want: $want)"
		grep -qxF "$want" <<<"$err" || fail "$cmd: expected '$want', got: $err"
	done
	echo "  $want"
	[ "$(nft -a list ruleset | zero_counters)" = "$RULESET_BEFORE" ] ||
		fail "a bad config changed the ruleset ($2)"
}
printf '[docker]\nbridge = docker0\nallow = tcp 0\n' >"$BAD"
bad_config 3 "allow 'tcp 0': port '0' out of range (1-65535)"
printf '[docker]\nbridge = docker0\nallow = udp 53\nallow = tcp 80,70000\n' >"$BAD"
bad_config 4 "allow 'tcp 80,70000': port '70000' out of range (1-65535)"
printf '[docker]\nbridge = docker0\nhost-allow = tcp 20-10\n' >"$BAD"
bad_config 3 "host-allow 'tcp 20-10': port range '20-10' is reversed"
printf '[docker]\nbridge = docker0\nallow = nosuchproto 80\n' >"$BAD"
bad_config 3 "allow 'nosuchproto 80': unknown protocol 'nosuchproto'"
ports=$(seq -s, 1 65)
printf '[docker]\nbridge = docker0\nallow = tcp %s\n' "$ports" >"$BAD"
bad_config 3 "allow 'tcp $ports': more than 64 port entries"
{ printf '[docker]\nbridge = docker0\n'; for p in $(seq 1001 1257); do echo "allow = tcp $p"; done; } >"$BAD"
bad_config 259 "allow 'tcp 1257': more than 256 allow rules"

# ---- drift -------------------------------------------------------------------
step "a rule deleted by hand is drift; apply repairs it"
handle=$(nft -a list chain inet vrfctl forward | sed -n 's/.*comment "docker0: drop inbound" # handle \([0-9]*\)$/\1/p')
[ -n "$handle" ] || fail "no handle for the drop rule"
nft delete rule inet vrfctl forward handle "$handle"
err=$(vc -v plan 2>&1 >/dev/null) && fail "plan saw no drift"
echo "$err"
grep -qF "'docker0: drop inbound'" <<<"$err" || fail "plan does not name the missing rule: $err"
plan_exit 2
passes outside tcp 10.88.0.20 9000
vc apply
plan_exit 0
dropped outside tcp 10.88.0.20 9000

step "a port added to a set by hand is drift; apply takes it out again"
nft add element inet vrfctl allow_tcp '{ 9000 }'
err=$(vc -v plan 2>&1 >/dev/null) && fail "plan saw no drift in set allow_tcp"
grep -qF "nft: set allow_tcp: its elements changed" <<<"$err" || fail "plan does not name the set: $err"
passes outside tcp 10.88.0.20 9000
vc apply
plan_exit 0
dropped outside tcp 10.88.0.20 9000
nft delete element inet vrfctl allow_udp '{ 18053 }'
plan_exit 2
vc apply
plan_exit 0
nft add set inet vrfctl extra '{ type inet_service; }'
err=$(vc -v plan 2>&1 >/dev/null) && fail "plan saw no extra set"
grep -qF "nft: set extra is not one vrfctl loads" <<<"$err" || fail "plan: $err"
vc apply
plan_exit 0

step "a rule added by hand, a changed policy, an extra chain: drift"
nft insert rule inet vrfctl input iifname docker0 accept
plan_exit 2
vc apply
plan_exit 0
nft chain inet vrfctl input '{ policy drop; }'
plan_exit 2
vc apply
nft add chain inet vrfctl extra
plan_exit 2
vc apply
plan_exit 0
step "another config is drift: no input chain without host-allow"
plan_exit 2 "$NOHOST"
foreign_unchanged "after the repairs"

step "a bridge added that does not exist yet: pending, the others' rules as they were"
no_handles() { sed -E 's/ # handle [0-9]+$//'; }
before=$(table_listing | zero_counters | no_handles)
cat "$CONF" >"$MISSING"
echo "bridge = nosuchbr0" >>"$MISSING"
err=$("$VRFCTL" -c "$MISSING" apply 2>&1) || fail "apply with a missing bridge failed: $err"
grep -qF "bridge 'nosuchbr0' does not exist yet" <<<"$err" || fail "unexpected warning: $err"
table_listing | grep -q 'oifname "nosuchbr0"' || fail "no rules for the pending bridge"
plan_exit 3 "$MISSING"
vc apply
[ "$(table_listing | zero_counters | no_handles)" = "$before" ] || fail "the table is not back as it was"

# ---- down --all --------------------------------------------------------------
step "down --all removes the table, and only it"
vc down --all
no_table || fail "table inet vrfctl is still there"
vc down --all || fail "down --all with no table failed"
foreign_unchanged "after down --all"
vc -j status | python3 -c 'import json, sys; assert json.load(sys.stdin)["nft"] is None' ||
	fail "status -j: nft is not null without the table"
vc status | grep -q '^nftables' && fail "status shows a table that is not there"
plan_exit 0 "$EMPTY"
plan_exit 2
passes outside tcp 10.88.0.20 9000
step "apply with no [docker] section removes the table too"
vc apply
nft list table inet vrfctl >/dev/null || fail "apply did not load the table"
plan=$("$VRFCTL" -c "$EMPTY" plan) && fail "plan with no [docker] saw no drift"
grep -qxF 'nft delete table inet vrfctl' <<<"$plan" || fail "plan: $plan"
"$VRFCTL" -c "$EMPTY" apply
no_table || fail "no [docker]: the table is still there"
foreign_unchanged "after apply without [docker]"

pass
