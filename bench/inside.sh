#!/bin/bash
# vrfctl benchmarks, the part that runs as root inside the VM (bench/run boots
# it through tests/vm/vm-run). Each vrfctl measurement is paired with iproute2
# doing the same kernel changes, run alternately in the same VM, and printed
# as medians and ratios. See bench/README.md.
#
# Knobs (environment; vm-run passes VRF* variables into the VM):
#   VRF_BENCH_N="10 100 1000"     numbers of VRFs, ascending
#   VRF_BENCH_M=10                 routes per VRF
#   VRF_BENCH_REPS=3               alternating pairs per N below VRF_BENCH_BIG
#   VRF_BENCH_BIG=1000             from this N on, VRF_BENCH_REPS_BIG pairs
#   VRF_BENCH_REPS_BIG=2
#   VRF_BENCH_PERPROC_N="10 100"  N at which "one ip process per change" runs ("" none)
#   VRF_BENCH_PERPROC_REPS=2       ... this many times at N=10, once above
#   VRF_BENCH_EXEC_REPS=15         launches of each of the three vrf-exec contenders
# shellcheck shell=bash

# tests/lib.sh: vm_enter (vrf.ko, lo up, a private VRFCTL_STATE_DIR), fail,
# kernel_snapshot, $VRFCTL and $VRF_EXEC from $top_builddir.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set +e
[ -n "${VRF_BENCH_TRACE:-}" ] && set -x
vm_enter

NS=${VRF_BENCH_N:-10 100 1000}
M=${VRF_BENCH_M:-10}
REPS=${VRF_BENCH_REPS:-3}
BIG=${VRF_BENCH_BIG:-1000}
REPS_BIG=${VRF_BENCH_REPS_BIG:-2}
PERPROC_NS=${VRF_BENCH_PERPROC_N-10 100}
PERPROC_REPS=${VRF_BENCH_PERPROC_REPS:-2}
EXEC_REPS=${VRF_BENCH_EXEC_REPS:-15}
NMAX=0 NMIN=
for n in $NS; do NMAX=$n; NMIN=${NMIN:-$n}; done

IP=$(command -v ip) || fail "no ip(8)"
GNUTIME=/usr/bin/time
[ -x $GNUTIME ] && $GNUTIME -f %M true >/dev/null 2>&1 || GNUTIME=
W=$TEST_TMP
ERR=$W/stderr
BENCH_T0=${EPOCHREALTIME//[.,]/}

die() { echo "bench: $*" >&2; [ -s "$ERR" ] && tail -20 "$ERR" >&2; exit 1; }
note() { printf '# %s\n' "$*"; }
elapsed() { printf '%ds' $(( (${EPOCHREALTIME//[.,]/} - BENCH_T0) / 1000000 )); }

# --- measuring ------------------------------------------------------------------
# tm KEY CMD...: run CMD (stdout dropped, stderr to $ERR), append its wall time
# in microseconds to the samples of KEY; fail the whole run if CMD fails.
declare -A S
tm() {
	local key=$1 t0 t1 rc
	shift
	t0=${EPOCHREALTIME//[.,]/}
	"$@" >/dev/null 2>"$ERR"
	rc=$?
	t1=${EPOCHREALTIME//[.,]/}
	[ $rc = 0 ] || die "'$*' exited $rc"
	S[$key]+="$((t1 - t0)) "
}
# tm_rss KEY RSSKEY CMD...: as tm, through GNU time for the peak RSS (KiB).
tm_rss() {
	local key=$1 rkey=$2
	shift 2
	if [ -z "$GNUTIME" ]; then tm "$key" "$@"; return; fi
	tm "$key" $GNUTIME -f %M -o "$W/rss" "$@"
	S[$rkey]+="$(tail -1 "$W/rss") "
}
median() { # median of the samples of KEY, or empty
	local -a v
	read -r -a v <<<"${S[$1]:-}"
	[ ${#v[@]} -gt 0 ] || return 0
	printf '%s\n' "${v[@]}" | sort -n | awk '{a[NR]=$1} END {
		if (NR % 2) print a[(NR+1)/2]; else printf "%d\n", (a[NR/2]+a[NR/2+1])/2 }'
}
count() { local -a v; read -r -a v <<<"${S[$1]:-}"; echo ${#v[@]}; }
fmt() { # microseconds -> human
	awk -v u="$1" 'BEGIN { if (u == "") print "-"; else if (u >= 1e7) printf "%.1f s", u/1e6;
		else if (u >= 1e6) printf "%.2f s", u/1e6; else printf "%.1f ms", u/1e3 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2fx", a/b }'; }

# --- generating the workload -------------------------------------------------------
# VRF i: device v$i, table 1000+i, member bv$i (a veth whose peer bp$i stays
# down: no traffic is needed), M routes 10.A.B.0/24 dev bv$i, unique over all.
gen() {
	local n=$1 d=$W/n$1 i j k t
	mkdir -p "$d"
	{
		for ((i = 0; i < n; i++)); do
			echo "[vrf v$i]"
			echo "table = $((1000 + i))"
			echo "members = bv$i"
			for ((j = 0; j < M; j++)); do
				k=$((i * M + j))
				echo "route = 10.$((k / 256)).$((k % 256)).0/24 dev bv$i"
			done
		done
	} >"$d/vrfctl.conf"
	# The changes, written as vrfctl -n prints them (checked against it below).
	{
		for f in 4 6; do
			echo "ip -$f rule add pref 1000 l3mdev protocol 2"
			echo "ip -$f rule add pref 2000 l3mdev unreachable protocol 118"
			echo "ip -$f rule add pref 32765 table local protocol 118"
			echo "ip -$f rule del pref 0 table local protocol 2"
		done
		for ((i = 0; i < n; i++)); do echo "ip link add v$i group 118 type vrf table $((1000 + i))"; done
		for ((i = 0; i < n; i++)); do echo "ip link set v$i up"; done
		for ((i = 0; i < n; i++)); do echo "ip link set bv$i master v$i"; echo "ip link set bv$i up"; done
		for ((i = 0; i < n; i++)); do
			t=$((1000 + i))
			for ((j = 0; j < M; j++)); do
				k=$((i * M + j))
				echo "ip -4 route add 10.$((k / 256)).$((k % 256)).0/24 dev bv$i table $t proto 118 metric 0"
			done
			echo "ip -4 route add unreachable default table $t proto 118 metric 4278198272"
			echo "ip -6 route add unreachable default table $t proto 118 metric 4278198272"
		done
	} >"$d/up.ip"
	{
		for ((i = 0; i < n; i++)); do
			t=$((1000 + i))
			echo "ip -4 route del unreachable default table $t proto 118 metric 4278198272"
			for ((j = 0; j < M; j++)); do
				k=$((i * M + j))
				echo "ip -4 route del 10.$((k / 256)).$((k % 256)).0/24 dev bv$i table $t proto 118 metric 0"
			done
		done
		for ((i = 0; i < n; i++)); do
			echo "ip -6 route del unreachable default table $((1000 + i)) proto 118 metric 4278198272"
		done
		for ((i = 0; i < n; i++)); do echo "ip link set bv$i nomaster"; echo "ip link del v$i"; done
		for f in 4 6; do
			echo "ip -$f rule add pref 0 table local protocol 2"
			echo "ip -$f rule del pref 1000 l3mdev protocol 2"
			echo "ip -$f rule del pref 2000 l3mdev unreachable protocol 118"
			echo "ip -$f rule del pref 32765 table local protocol 118"
		done
	} >"$d/down.ip"
	cp "$d/up.ip" "$d/up.exec"
	cp "$d/down.ip" "$d/down.exec"
	# ip -batch takes no per-line options (-4/-6): the IPv6 rules, which name
	# no address to tell the family by, go to a second `ip -6 -batch`; IPv6
	# routes say ::/0 instead of default.
	local base
	for base in up down; do
		grep '^ip -6 rule' "$d/$base.exec" | sed 's/^ip -6 //' >"$d/$base.rules6"
		grep -v '^ip -6 rule' "$d/$base.exec" |
			sed -e 's/^ip -4 /ip /' -e '/^ip -6 route/s/ default / ::\/0 /' \
				-e 's/^ip -6 /ip /' -e 's/^ip //' >"$d/$base.batch"
	done
	# The same teardown with every VRF device deleted in one RTM_DELLINK by link
	# group (what the kernel can batch: one RCU grace period, not one per link).
	# The members leave their VRF as it goes; only the vrfctl-made routes and
	# the rules need their own lines.
	{
		grep -v '^link set .* nomaster$\|^link del ' "$d/down.batch" | grep '^route '
		echo "link del group 118"
		grep '^rule ' "$d/down.batch"
	} >"$d/down-group.batch"
	# Setup and reset, not measured: veth pairs (created once, kept), and the
	# members down again so every apply brings them up.
	for ((i = 0; i < n; i++)); do echo "link set bv$i down"; done >"$d/reset.batch"
}

# The iproute2 contenders.
batch_up() { "$IP" -6 -batch "$1/up.rules6" && "$IP" -batch "$1/up.batch"; }
batch_up_rss() { "$IP" -6 -batch "$1/up.rules6" && $GNUTIME -f %M -o "$W/rss" "$IP" -batch "$1/up.batch"; }
batch_down() { "$IP" -batch "$1/down.batch" && "$IP" -6 -batch "$1/down.rules6"; }
batch_down_group() { "$IP" -batch "$1/down-group.batch" && "$IP" -6 -batch "$1/down.rules6"; }
# One ip process per change, as shell hooks do (the ip line word-split).
perproc_up() {
	local line
	while read -r line; do $line || return; done <"$1/up.exec"
}

# The host back to "no VRF": nothing vrfctl made remains, rules as at boot.
assert_empty() {
	local v
	v=$("$IP" -o link show type vrf | wc -l)
	[ "$v" = 0 ] || die "$1: $v VRF devices left"
	[ "$("$IP" rule show pref 0)" = "0:	from all lookup local" ] || die "$1: ip rules not restored"
	[ -z "$("$IP" rule show pref 32765)" ] || die "$1: local rule at 32765 left"
	v=$("$IP" route show table all proto 118 | wc -l)
	[ "$v" = 0 ] || die "$1: $v routes of vrfctl's left"
	v=$("$IP" -6 route show table all proto 118 | wc -l)
	[ "$v" = 0 ] || die "$1: $v IPv6 routes of vrfctl's left"
}
reset() { "$IP" -batch "$1/reset.batch" >/dev/null 2>"$ERR" || die "reset"; assert_empty "$2"; }

# showdiff MINE VRFCTLS: what differs, briefly (same lines in another order too).
showdiff() {
	echo "only in the ip list: $(sort "$1" | comm -23 - <(sort "$2") | wc -l) lines," \
		"only in vrfctl -n: $(sort "$1" | comm -13 - <(sort "$2") | wc -l) lines"
	diff "$1" "$2" | grep '^[0-9]' | head -5
	diff "$1" "$2" | grep '^[<>]' | head -6
}
cfg_of() { echo "$W/n$1/vrfctl.conf"; }

# --- the run ------------------------------------------------------------------------
note "vrfctl benchmarks in the VM: $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ {print int($2/1024) " MiB"}' /proc/meminfo)"
note "$("$IP" -V)"
note "N VRFs x M=$M routes, one veth member each; reps: $REPS alternating pairs (N<$BIG), $REPS_BIG (N>=$BIG)"
[ -n "$GNUTIME" ] || note "GNU time missing: no peak RSS"

have=0
for n in $NS; do
	d=$W/n$n
	gen "$n"
	# veth pairs for this N (those of a smaller N are kept)
	for ((i = have; i < n; i++)); do echo "link add bv$i type veth peer name bp$i"; done >"$d/setup.batch"
	"$IP" -batch "$d/setup.batch" 2>"$ERR" || die "veth setup"
	have=$n
	cfg=$(cfg_of "$n")
	changes=$(wc -l <"$d/up.ip")
	dchanges=$(wc -l <"$d/down.ip")
	note "N=$n: $changes changes up, $dchanges down; $(elapsed) so far"

	# The changes listed here must be exactly those vrfctl makes.
	"$VRFCTL" -n -c "$cfg" apply >"$d/vrfctl-n.out" 2>"$ERR" || die "N=$n: vrfctl -n apply exited $?"
	grep -v '^#' "$d/vrfctl-n.out" >"$d/vrfctl-n.up"
	cmp -s "$d/vrfctl-n.up" "$d/up.ip" || { showdiff "$d/up.ip" "$d/vrfctl-n.up"; die "N=$n: vrfctl -n apply differs from the ip list"; }

	reps=$REPS
	[ "$n" -ge "$BIG" ] && reps=$REPS_BIG
	for ((r = 1; r <= reps; r++)); do
		# odd reps: vrfctl first; even reps: iproute2 first
		for who in A B; do
			if { [ $((r % 2)) = 1 ] && [ $who = A ]; } || { [ $((r % 2)) = 0 ] && [ $who = B ]; }; then
				if [ "$n" = "$NMAX" ]; then
					tm_rss "apply.vrfctl.$n" rss.vrfctl.apply "$VRFCTL" -c "$cfg" apply
				else
					tm "apply.vrfctl.$n" "$VRFCTL" -c "$cfg" apply
				fi
				"$VRFCTL" -c "$cfg" plan >/dev/null 2>"$ERR" || die "N=$n: plan after apply exited $?"
				if [ $r = 1 ]; then
					[ "$n" -le 10 ] && kernel_snapshot >"$d/snap.vrfctl"
					"$VRFCTL" -n -c "$cfg" down --all >"$d/vrfctl-n.out" 2>"$ERR" || die "N=$n: vrfctl -n down --all exited $?"
					grep -v '^#' "$d/vrfctl-n.out" >"$d/vrfctl-n.down"
					# (the same set: vrfctl walks the tables in the kernel's dump order)
					cmp -s <(sort "$d/vrfctl-n.down") <(sort "$d/down.ip") || { showdiff "$d/down.ip" "$d/vrfctl-n.down"; die "N=$n: vrfctl -n down --all differs from the ip list"; }
				fi
				if [ "$n" = "$NMAX" ]; then
					for ((k = 0; k < 3; k++)); do
						tm_rss "noop.vrfctl.$n" rss.vrfctl.noop "$VRFCTL" -c "$cfg" apply
						tm "plan.vrfctl.$n" "$VRFCTL" -c "$cfg" plan
					done
				fi
				if [ "$n" = "$NMIN" ] && [ $r = 1 ]; then
					# vrf-exec, on the state of the smallest N (v0 exists, its cgroup is ready)
					"$VRF_EXEC" v0 "$IP" vrf identify >"$W/ident" 2>"$ERR" || die "vrf-exec v0 ip vrf identify"
					[ "$(cat "$W/ident")" = v0 ] || die "vrf-exec v0 is in VRF '$(cat "$W/ident")'"
					[ "$("$IP" vrf exec v0 "$IP" vrf identify)" = v0 ] || die "ip vrf exec v0"
					for ((k = 0; k < EXEC_REPS; k++)); do
						case $((k % 3)) in
						0) tm exec.vrfexec "$VRF_EXEC" v0 /bin/true; tm exec.ipvrf "$IP" vrf exec v0 /bin/true; tm exec.true /bin/true ;;
						1) tm exec.ipvrf "$IP" vrf exec v0 /bin/true; tm exec.true /bin/true; tm exec.vrfexec "$VRF_EXEC" v0 /bin/true ;;
						2) tm exec.true /bin/true; tm exec.vrfexec "$VRF_EXEC" v0 /bin/true; tm exec.ipvrf "$IP" vrf exec v0 /bin/true ;;
						esac
					done
				fi
				tm "down.vrfctl.$n" "$VRFCTL" -c "$cfg" down --all
				reset "$d" "N=$n vrfctl down --all"
			else
				if [ "$n" = "$NMAX" ] && [ -n "$GNUTIME" ]; then
					tm "apply.batch.$n" batch_up_rss "$d"
					S[rss.ip.apply]+="$(tail -1 "$W/rss") "
				else
					tm "apply.batch.$n" batch_up "$d"
				fi
				if [ $r = 1 ]; then
					# same kernel state as vrfctl's?
					"$VRFCTL" -c "$cfg" plan >"$d/plan.batch" 2>"$ERR"
					grep -v 'cgroup' "$d/plan.batch" | grep -q '^ip ' && { head "$d/plan.batch"; die "N=$n: vrfctl plan sees changes after the ip -batch apply"; }
					if [ -f "$d/snap.vrfctl" ]; then
						kernel_snapshot >"$d/snap.batch"
						cmp -s "$d/snap.vrfctl" "$d/snap.batch" || { diff "$d/snap.vrfctl" "$d/snap.batch" | head -20; die "N=$n: ip -batch made a different kernel state"; }
					fi
				fi
				tm "down.batch.$n" batch_down "$d"
				[ $r = 1 ] && [ "$n" -le 10 ] && kernel_snapshot >"$d/snap.down"
				reset "$d" "N=$n ip -batch down"
				# not a contender of vrfctl's: what deleting by link group saves
				tm "apply.batch.$n" batch_up "$d"
				tm "down.group.$n" batch_down_group "$d"
				if [ $r = 1 ] && [ "$n" -le 10 ]; then
					kernel_snapshot >"$d/snap.down-group"
					cmp -s "$d/snap.down" "$d/snap.down-group" || { diff "$d/snap.down" "$d/snap.down-group" | head -20; die "N=$n: deleting by group left a different state"; }
				fi
				reset "$d" "N=$n ip -batch down by group"
			fi
		done
	done
	case " $PERPROC_NS " in
	*" $n "*)
		pr=1
		[ "$n" -le 10 ] && pr=$PERPROC_REPS
		for ((r = 1; r <= pr; r++)); do
			tm "apply.perproc.$n" perproc_up "$d"
			batch_down "$d" >/dev/null 2>"$ERR" || die "N=$n: ip -batch down after one ip per change"
			reset "$d" "N=$n after one ip per change"
		done
		;;
	esac
	note "N=$n done, $(elapsed) so far"
done

# --- the report ---------------------------------------------------------------------------
echo
echo "RESULTS (medians; n = samples per contender)"
echo
printf '%-36s %12s %12s %12s %9s\n' "apply, N VRFs x $M routes" vrfctl "ip -batch" "ip/change" ""
printf '%-36s %12s %12s %12s %9s\n' "" "" "" "" "n"

last_pp_n="" last_pp_changes="" last_pp=""
for n in $NS; do
	a=$(median "apply.vrfctl.$n"); b=$(median "apply.batch.$n"); p=$(median "apply.perproc.$n")
	changes=$(wc -l <"$W/n$n/up.ip")
	pp=$(fmt "$p")
	if [ -n "$p" ]; then last_pp_n=$n last_pp_changes=$changes last_pp=$p; fi
	if [ -z "$p" ] && [ -n "$last_pp" ]; then
		p=$(( last_pp * changes / last_pp_changes ))
		pp="$(fmt "$p")*"
	fi
	printf '%-36s %12s %12s %12s %9s\n' "  N=$n ($changes changes)" "$(fmt "$a")" "$(fmt "$b")" "$pp" \
		"$(count "apply.vrfctl.$n")/$(count "apply.batch.$n")/$(count "apply.perproc.$n")"
	printf '%-36s %12s %12s %12s\n' "    vrfctl / that" "" "$(ratio "$a" "$b")" "$(ratio "$a" "$p")"
	printf '%-36s %12s %12s %12s\n' "    that / vrfctl (speed-up)" "" "$(ratio "$b" "$a")" "$(ratio "$p" "$a")"
done
[ -n "$last_pp_n" ] && [ "$last_pp_n" != "$NMAX" ] &&
	echo "  * extrapolated linearly (per change) from the measured N=$last_pp_n: one ip per change was not run there"
echo
printf '%-36s %12s %12s %12s %12s %9s\n' "teardown, down --all" vrfctl "ip -batch" "vrfctl/ip" "ip by group" n
for n in $NS; do
	a=$(median "down.vrfctl.$n"); b=$(median "down.batch.$n"); g=$(median "down.group.$n")
	printf '%-36s %12s %12s %12s %12s %9s\n' "  N=$n" "$(fmt "$a")" "$(fmt "$b")" "$(ratio "$a" "$b")" \
		"$(fmt "$g")" "$(count "down.vrfctl.$n")/$(count "down.batch.$n")/$(count "down.group.$n")"
done
echo "  (ip by group: the same teardown with 'link del group 118', one RTM_DELLINK for all VRFs)"
echo
a=$(median "apply.vrfctl.$NMAX")
noop=$(median "noop.vrfctl.$NMAX"); plan=$(median "plan.vrfctl.$NMAX")
printf '%-36s %12s %12s\n' "no-op at N=$NMAX" "time" "of apply"
printf '%-36s %12s %12s\n' "  apply again (nothing to change)" "$(fmt "$noop")" "$(awk -v a="$noop" -v b="$a" 'BEGIN {printf "%.1f%%", 100*a/b}')"
printf '%-36s %12s %12s\n' "  plan" "$(fmt "$plan")" "$(awk -v a="$plan" -v b="$a" 'BEGIN {printf "%.1f%%", 100*a/b}')"
echo
e=$(median exec.vrfexec); i=$(median exec.ipvrf); t=$(median exec.true)
printf '%-36s %12s %12s %12s %9s\n' "launch in a VRF" time "minus true" "vs ip vrf" n
printf '%-36s %12s %12s %12s %9s\n' "  vrf-exec v0 /bin/true" "$(fmt "$e")" "$(fmt $((e - t)))" "$(ratio "$e" "$i")" "$(count exec.vrfexec)"
printf '%-36s %12s %12s %12s %9s\n' "  ip vrf exec v0 /bin/true" "$(fmt "$i")" "$(fmt $((i - t)))" "1.00x" "$(count exec.ipvrf)"
printf '%-36s %12s %12s %12s %9s\n' "  /bin/true (the floor)" "$(fmt "$t")" "" "" "$(count exec.true)"
printf '%-36s %12s\n' "  vrf-exec overhead / ip vrf's" "$(ratio $((e - t)) $((i - t)))"
echo
if [ -n "$GNUTIME" ]; then
	kib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MiB", k/1024 }'; }
	printf '%-36s %12s\n' "peak RSS at N=$NMAX (max of runs)" ""
	mx() { tr ' ' '\n' <<<"${S[$1]:-}" | sort -n | tail -1; }
	printf '%-36s %12s\n' "  vrfctl apply" "$(kib "$(mx rss.vrfctl.apply)")"
	printf '%-36s %12s\n' "  vrfctl apply, nothing to change" "$(kib "$(mx rss.vrfctl.noop)")"
	printf '%-36s %12s\n' "  ip -batch (the main file)" "$(kib "$(mx rss.ip.apply)")"
	echo
fi
echo "growth of vrfctl apply with N (marginal cost per VRF between successive N):"
prev_n="" prev_a=""
for n in $NS; do
	a=$(median "apply.vrfctl.$n"); b=$(median "apply.batch.$n")
	if [ -n "$prev_n" ]; then
		awk -v n0="$prev_n" -v n1="$n" -v a0="$prev_a" -v a1="$a" -v b0="$prev_b" -v b1="$b" 'BEGIN {
			printf "  N=%d -> %d: vrfctl %.2f ms/VRF, ip -batch %.2f ms/VRF\n", n0, n1, (a1-a0)/(n1-n0)/1e3, (b1-b0)/(n1-n0)/1e3 }'
	fi
	prev_n=$n prev_a=$a prev_b=$b
done
echo
echo "notes:"
echo "  ip -batch = 'ip -6 -batch' (the 4 IPv6 rules: batch lines take no -6) + 'ip -batch' (the rest);"
echo "  the lists are checked equal to 'vrfctl -n apply' / 'down --all', and at N<=10 the resulting"
echo "  kernel state is compared."
echo "  ip/change = one ip process per change (a bash loop), as shell-based hooks do."
echo "  Timings are wall clock under qemu TCG (emulated CPU): compare ratios, not absolutes."
note "total $(elapsed) in the VM"
