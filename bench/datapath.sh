#!/bin/bash
# The data-path benchmark, inside the test VM (bench/datapath boots it): what
# confining a service costs per request, per connection and per packet, for
# a VRF (vrf-exec: the binding, the egress check, seccomp) against the
# nftables output rules a firewall-based isolator would write for the same
# policy, and against nothing at all. See bench/README.md.
#
# Knobs: VRF_BENCH_SECONDS=3 per measurement, VRF_BENCH_ROUNDS=2 rounds (each
# variant once per round, the order reversed every other round),
# VRF_BENCH_RULES="10 100 1000" allowed destinations in the nftables variant,
# VRF_BENCH_DOCKER_ALLOW="2 256" allow lines in the [docker] variant (the
# config's limit is 256),
# VRF_BENCH_PARTS="local docker" which of the two parts to run,
# VRF_BENCH_VRFCTL_B=PATH another vrfctl (an older build) whose [docker]
# table the docker part measures too, as fwd-allowN-b, in the same rounds.
# shellcheck shell=bash
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set +e
vm_enter

SECONDS_EACH=${VRF_BENCH_SECONDS:-3}
ROUNDS=${VRF_BENCH_ROUNDS:-2}
RULES=${VRF_BENCH_RULES:-10 100 1000}
ALLOWS=${VRF_BENCH_DOCKER_ALLOW:-2 256}
PARTS=${VRF_BENCH_PARTS:-local docker}
NETLOAD=${top_builddir:-.}/bench/netload
[ -x "$NETLOAD" ] || fail "no $NETLOAD: make bench builds it"
AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# A peer on the LAN, the only destination; a second link carrying the
# default route, so the VRF has somewhere it must not go.
netns_peer lan
veth_to_peer eth0 lan lan0 10.20.30.40/24 10.20.30.1/24
netns_peer wan
veth_to_peer uplink wan wan0 10.99.0.2/24 10.99.0.1/24
ip route add default via 10.99.0.1
NETLOAD_SECONDS=3000 ip netns exec lan "$NETLOAD" serve 10.20.30.1 9000 &
wait_for "the netload server" is_bound lan tcp 10.20.30.1:9000
conf=$TEST_TMP/vrfctl.conf
printf '[vrf blue]\ntable = 10\nmembers = eth0\nroute = 10.20.30.0/24 dev eth0\n' >"$conf"

# topology vrf|plain: eth0 in VRF blue, or in the main table as at first.
topology() {
	if [ "$1" = vrf ]; then
		"$VRFCTL" -c "$conf" apply >/dev/null || fail "apply"
	else
		"$VRFCTL" -c "$conf" down --all >/dev/null || fail "down"
		ip addr replace 10.20.30.40/24 dev eth0
	fi
	wait_for "carrier on eth0" has_carrier eth0
}

# nft_rules N: the output chain a uid-based isolator writes: N - 1 other
# allowed destinations, then the peer, then a drop for the service's uid.
nft_rules() {
	{
		echo "table inet iso {"
		echo " chain out {"
		echo "  type filter hook output priority 0; policy accept;"
		for i in $(seq 1 $(($1 - 1))); do
			echo "  meta skuid 65534 ip daddr 10.77.$((i / 250)).$((i % 250 + 1)) accept"
		done
		echo "  meta skuid 65534 ip daddr 10.20.30.1 accept"
		echo "  meta skuid 65534 drop"
		echo " }"
		echo "}"
	} | nft -f - || fail "nft"
}

# run VARIANT MODE: one measurement, its "OPS ops/s US us" appended to R[].
declare -A R
run() {
	local variant=$1 mode=$2 out
	local client=("$NETLOAD" "$mode" 10.20.30.1 9000 "$SECONDS_EACH")
	case $variant in
	none | nft*) out=$("${AS_NOBODY[@]}" "${client[@]}") ;;
	vrf-exec) out=$("$VRF_EXEC" -u nobody blue "${client[@]}") ;;
	vrf-exec-noseccomp) out=$("$VRF_EXEC" -u nobody --no-seccomp blue "${client[@]}") ;;
	ip-vrf-exec) out=$(ip vrf exec blue "${AS_NOBODY[@]}" "${client[@]}") ;;
	esac
	case $out in
	*ops/s*) R[$variant,$mode]+="$out;" ;;
	*) fail "$variant $mode: $out" ;;
	esac
}

# The VRF variants share a cgroup path with ip vrf exec (vrf/blue): a fresh
# one per variant, so each measures its own programs only.
fresh_cgroup() {
	local cg
	cg=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)/vrf/blue
	[ ! -d "$cg" ] || rmdir "$cg"
}

VRF_VARIANTS="vrf-exec vrf-exec-noseccomp ip-vrf-exec"
MODES="rr crr udp"
PLAIN_VARIANTS="none"
for n in $RULES; do PLAIN_VARIANTS="$PLAIN_VARIANTS nft$n"; done

case " $PARTS " in *" local "*) ;; *) VRF_VARIANTS="" PLAIN_VARIANTS="" ;; esac
for round in $(seq 1 "$ROUNDS"); do
	[ -n "$PLAIN_VARIANTS" ] || break
	for group in vrf plain; do
		topology $group
		variants=$VRF_VARIANTS
		[ $group = plain ] && variants=$PLAIN_VARIANTS
		[ $((round % 2)) = 0 ] && variants=$(tr ' ' '\n' <<<"$variants" | tac | tr '\n' ' ')
		for v in $variants; do
			nft delete table inet iso 2>/dev/null
			case $v in nft*) nft_rules "${v#nft}" ;; esac
			[ $group = vrf ] && fresh_cgroup
			for mode in $MODES; do run "$v" "$mode"; done
		done
		nft delete table inet iso 2>/dev/null
	done
	echo "# round $round done" >&2
done

# The [docker] table on the forward path: a "container" (namespace cont) on a
# bridge docker0 of the VM, its server reached from the LAN peer through the
# VM's forwarding, with no table, then with vrfctl's [docker] table allowing
# the server's port in 1 or 256 allow lines (the others for ports nothing
# uses, the server's last). No Docker daemon: its own FORWARD rules are not
# what is measured. Root clients in lan: the table filters by port, not uid.
DOCKER_VARIANTS=""
DOCKER_MODES="rr crr udp"
case " $PARTS " in
*" docker "*)
	DOCKER_VARIANTS="fwd-none"
	for a in $ALLOWS; do DOCKER_VARIANTS="$DOCKER_VARIANTS fwd-allow$a"; done
	if [ -n "${VRF_BENCH_VRFCTL_B:-}" ]; then
		[ -x "$VRF_BENCH_VRFCTL_B" ] || fail "VRF_BENCH_VRFCTL_B: no $VRF_BENCH_VRFCTL_B"
		for a in $ALLOWS; do DOCKER_VARIANTS="$DOCKER_VARIANTS fwd-allow$a-b"; done
	fi
	"$VRFCTL" -c "$conf" down --all >/dev/null || fail "down"
	ip addr replace 10.20.30.40/24 dev eth0
	ip link add docker0 type bridge
	ip addr add 172.17.0.1/16 dev docker0
	ip link set docker0 up
	netns_peer cont
	ip link add vc0 master docker0 type veth peer name eth0 netns cont
	ip link set vc0 up
	ip -n cont addr add 172.17.0.2/16 dev eth0
	ip -n cont link set eth0 up
	ip -n cont route add default via 172.17.0.1
	ip -n lan route add 172.17.0.0/16 via 10.20.30.40
	sysctl -qw net.ipv4.ip_forward=1
	wait_for "carrier on docker0" has_carrier docker0
	NETLOAD_SECONDS=3000 ip netns exec cont "$NETLOAD" serve 172.17.0.2 9000 &
	wait_for "the container's netload server" is_bound cont tcp 172.17.0.2:9000
	;;
esac
# docker_conf N: the [docker] section with N allow lines (at least 2), the
# server's port for TCP and for UDP the last two, the others for ports
# nothing uses, TCP and UDP in turn. The UDP stream is all NEW to conntrack
# (the sink never answers), so every datagram walks the allow rules: the
# forwarded-packet rate of the table.
docker_conf() {
	local i
	printf '[docker]\nbridge = docker0\n'
	for ((i = 1; i <= $1 - 2; i++)); do
		echo "allow = $([ $((i % 2)) = 1 ] && echo tcp || echo udp) $((20000 + i))"
	done
	printf 'allow = tcp 9000\nallow = udp 9000\n'
}
for round in $(seq 1 "$ROUNDS"); do
	[ -n "$DOCKER_VARIANTS" ] || break
	variants=$DOCKER_VARIANTS
	[ $((round % 2)) = 0 ] && variants=$(tr ' ' '\n' <<<"$variants" | tac | tr '\n' ' ')
	for v in $variants; do
		nft delete table inet vrfctl 2>/dev/null
		if [ "$v" != fwd-none ]; then
			n=${v#fwd-allow}
			tool=$VRFCTL
			[ "${n%-b}" = "$n" ] || tool=$VRF_BENCH_VRFCTL_B
			docker_conf "${n%-b}" >"$TEST_TMP/docker.conf"
			"$tool" -c "$TEST_TMP/docker.conf" apply >/dev/null || fail "apply [docker] $v"
		fi
		for mode in $DOCKER_MODES; do
			out=$(ip netns exec lan "$NETLOAD" "$mode" 172.17.0.2 9000 "$SECONDS_EACH")
			case $out in
			*ops/s*) R[$v,$mode]+="$out;" ;;
			*) fail "$v $mode: $out" ;;
			esac
		done
	done
	nft delete table inet vrfctl 2>/dev/null
	echo "# docker round $round done" >&2
done

# The median of the rates of VARIANT,MODE, and its mean latency.
median() {
	tr ';' '\n' <<<"${R[$1,$2]}" | awk 'NF { print $1, $3 }' | sort -n |
		awk '{ r[NR] = $1; u[NR] = $2 } END { m = int((NR + 1) / 2); print r[m], u[m] }'
}

# table BASE MODES VARIANTS...: rates, latencies and the ratio to BASE.
table() {
	local base_v=$1 modes=$2 v mode rate us base
	shift 2
	printf '\n%-22s' "variant"
	for mode in $modes; do printf '  %-26s' "$mode (ops/s, us, x $base_v)"; done
	printf '\n'
	for v; do
		printf '%-22s' "$v"
		for mode in $modes; do
			read -r rate us <<<"$(median "$v" "$mode")"
			read -r base _ <<<"$(median "$base_v" "$mode")"
			printf '  %8.0f %7.1f %6.2fx   ' "$rate" "$us" "$(awk -v a="$rate" -v b="$base" 'BEGIN { print a / b }')"
		done
		printf '\n'
	done
}
# shellcheck disable=SC2086 # the variant lists are words
[ -n "$PLAIN_VARIANTS" ] && table none "$MODES" $PLAIN_VARIANTS $VRF_VARIANTS
# shellcheck disable=SC2086
[ -n "$DOCKER_VARIANTS" ] && table fwd-none "$DOCKER_MODES" $DOCKER_VARIANTS &&
	echo "# fwd-*: the LAN peer to a container behind the VM's bridge docker0, forwarded" &&
	{ [ -z "${VRF_BENCH_VRFCTL_B:-}" ] || echo "# *-b: the table of $VRF_BENCH_VRFCTL_B"; }
echo "# medians of $ROUNDS rounds of ${SECONDS_EACH}s; x none = rate against no confinement"
pass
