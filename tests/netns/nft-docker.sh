#!/bin/bash
# table inet vrfctl with real traffic: a Docker host in miniature, all in
# namespaces this test makes.
#
#   outside (10.77.0.2) --veth-- host: ip_forward, bridge docker0 10.88.0.1/24, fd88::1/64
#                                      |-- c1 10.88.0.10 fd88::10  (the "reverse proxy": allow-from)
#                                      |-- c2 10.88.0.20 fd88::20  (serves tcp 18080, 9000; udp 18053)
#                                      `-- c3 10.88.0.30 fd88::30
#
# [docker] bridge=docker0, allow = tcp 18000-18300 / udp 18053, isolate-containers,
# allow-from 10.88.0.10 fd88::10, host-allow tcp 8080. Driven through the test
# front-end tests/netns/nft-driver until vrfctl apply/plan/down call the API.
# A dropped probe times out (3 s): drops, not rejects.
# $PROBE is the C probe from lib.sh (tests/probe).
# shellcheck disable=SC2086
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_cmd nft python3

DRIVER=${top_builddir:-.}/tests/netns/nft-driver
[ -x "$DRIVER" ] || fail "no $DRIVER (make check builds it)"
SERVERS=""
cleanup() {
	local pid
	for pid in $SERVERS; do kill "$pid" 2>/dev/null || true; done
	netns_cleanup
}
trap cleanup EXIT

nft list ruleset >/dev/null 2>&1 || skip "nf_tables is not available"
ip link add docker0 type bridge 2>/dev/null || skip "no bridge support"
# br_netfilter's switches are per network namespace and exist once a bridge does.
[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ] || skip "no br_netfilter (bridge-nf-call-iptables)"
echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
echo 1 >/proc/sys/net/bridge/bridge-nf-call-ip6tables

CONF=(-b docker0 -a 'tcp 18000-18300' -a 'udp 18053' -i -f 10.88.0.10 -f fd88::10 -H 'tcp 8080')
drv() { "$DRIVER" "${CONF[@]}" "$@"; }

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

in_ns() { local ns=$1; shift; if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi; }
serve() { # NS KIND ADDR PORT
	PROBE_SERVE_SECONDS=150 in_ns "$1" $PROBE "$2" "$3" "$4" >/dev/null 2>&1 &
	SERVERS="$SERVERS $!"
}
serve c2 serve-tcp :: 18080
serve c2 serve-tcp :: 9000
serve c2 serve-udp 0.0.0.0 18053
serve outside serve-tcp 10.77.0.2 7000
serve outside serve-udp 10.77.0.2 7001
serve host serve-tcp :: 8080
serve host serve-tcp :: 8081

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
counter() { # CHAIN COMMENT: packets
	"$DRIVER" counters | awk -F'\t' -v c="$1" -v r="$2" '$1 == c && $2 == r { print $3 }'
}
table_listing() { nft -a list table inet vrfctl; }

# Wait (bounded) for the servers to listen.
listening() {
	in_ns c2 $PROBE tcp 10.88.0.20 18080 && in_ns c2 $PROBE tcp 10.88.0.20 9000 &&
		in_ns host $PROBE tcp 10.88.0.1 8080 && in_ns host $PROBE tcp 10.88.0.1 8081 &&
		in_ns outside $PROBE tcp 10.77.0.2 7000
}
for _ in $(seq 50); do
	listening >/dev/null 2>&1 && break
	sleep 0.1
done
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

# ---- bad input: nothing changes ---------------------------------------------
step "a bridge that does not exist"
err=$("$DRIVER" -b nosuchbr0 -a 'tcp 80' apply 2>&1) && fail "apply with a missing bridge succeeded"
case $err in *"bridge 'nosuchbr0' does not exist"*) ;; *) fail "unexpected error: $err" ;; esac
nft list table inet vrfctl >/dev/null 2>&1 && fail "a table was created despite the error"

if command -v setpriv >/dev/null; then
	step "without CAP_NET_ADMIN: a clear error"
	err=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$DRIVER" -b docker0 apply 2>&1) && fail "apply as nobody succeeded"
	case $err in *"CAP_NET_ADMIN is needed"*) ;; *) fail "unexpected error: $err" ;; esac
fi

# ---- apply -------------------------------------------------------------------
step "apply, and the table is what plan renders"
expect_exit 2 drv drift
drv apply
# Counters aside: the containers' own IPv6 chatter (MLD reports, router
# solicitations) may already have hit a drop.
zero_counters() { sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter packets 0 bytes 0/'; }
diff -u <(drv render) <(nft list table inet vrfctl | zero_counters) ||
	fail "nft lists something else than render"
expect_exit 0 drv drift
foreign_unchanged "after apply"

# nft itself loading the rendered text makes the same bytecode (drift compares it).
netns_peer scratch
drv render | ip netns exec scratch nft -f - || fail "nft cannot load the rendered text"
ip netns exec scratch "$DRIVER" "${CONF[@]}" drift >/dev/null ||
	fail "the table nft loads from the rendered text differs from the library's"

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

step "counters count the drops"
[ "$(counter forward 'docker0: drop inbound')" -gt 0 ] || fail "no count on drop inbound"
[ "$(counter forward 'docker0: isolate containers')" -gt 0 ] || fail "no count on isolate"
[ "$(counter input 'docker0: drop to host')" -gt 0 ] || fail "no count on drop to host"

step "re-apply is a no-op: same handles, counters kept"
before=$(table_listing)
drv apply
[ "$(table_listing)" = "$before" ] || fail "re-apply changed the table"
expect_exit 0 drv drift

# ---- drift -------------------------------------------------------------------
step "a rule deleted by hand is drift; apply repairs it"
handle=$(nft -a list chain inet vrfctl forward | sed -n 's/.*comment "docker0: drop inbound" # handle \([0-9]*\)$/\1/p')
[ -n "$handle" ] || fail "no handle for the drop rule"
nft delete rule inet vrfctl forward handle "$handle"
expect_exit 2 drv drift
passes outside tcp 10.88.0.20 9000
drv apply
expect_exit 0 drv drift
dropped outside tcp 10.88.0.20 9000

step "a rule added by hand, a changed policy, an extra chain: drift"
nft insert rule inet vrfctl input iifname docker0 accept
expect_exit 2 drv drift
drv apply
expect_exit 0 drv drift
nft chain inet vrfctl input '{ policy drop; }'
expect_exit 2 drv drift
drv apply
nft add chain inet vrfctl extra
expect_exit 2 drv drift
drv apply
expect_exit 0 drv drift
step "another config is drift: no input chain without host-allow"
expect_exit 2 "$DRIVER" -b docker0 drift
foreign_unchanged "after the repairs"

step "a missing bridge leaves the loaded table alone"
before=$(table_listing)
expect_exit 1 "$DRIVER" -b docker0 -b nosuchbr0 apply
[ "$(table_listing)" = "$before" ] || fail "a failed apply changed the table"

# ---- delete ------------------------------------------------------------------
step "delete removes the table, and only it"
"$DRIVER" delete
nft list table inet vrfctl >/dev/null 2>&1 && fail "table inet vrfctl is still there"
"$DRIVER" delete || fail "delete of an absent table failed"
foreign_unchanged "after delete"
expect_exit 0 "$DRIVER" drift
expect_exit 2 drv drift
passes outside tcp 10.88.0.20 9000
step "apply with no [docker] section removes the table too"
drv apply
"$DRIVER" apply
nft list table inet vrfctl >/dev/null 2>&1 && fail "no [docker]: the table is still there"
foreign_unchanged "after apply without [docker]"

pass
