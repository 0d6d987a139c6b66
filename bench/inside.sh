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
# tm_rss KEY RSSKEY CMD...: as tm, through GNU time for the peak RSS (KiB)
# and the CPU time the process used (getrusage), user and system, in
# microseconds as the samples of KEY.user and KEY.sys.
TIMEFMT='%M %U %S'
tm_rss() {
	local key=$1 rkey=$2
	shift 2
	if [ -z "$GNUTIME" ]; then tm "$key" "$@"; return; fi
	tm "$key" $GNUTIME -f "$TIMEFMT" -o "$W/rss" "$@"
	rusage "$key" "$rkey" "$W/rss"
}
# rusage KEY RSSKEY FILE...: add the "%M %U %S" lines of GNU time's FILEs
# (one process each) to the samples: the peak RSS of the last, the CPU sum.
rusage() {
	local key=$1 rkey=$2 f rss u=0 s=0 pu ps
	shift 2
	for f; do
		read -r rss pu ps < <(tail -1 "$f")
		u=$(awk -v a="$u" -v b="$pu" 'BEGIN { printf "%d", a + b * 1e6 }')
		s=$(awk -v a="$s" -v b="$ps" 'BEGIN { printf "%d", a + b * 1e6 }')
	done
	S[$rkey]+="$rss "
	S[$key.user]+="$u "
	S[$key.sys]+="$s "
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
		# The rule layout of vrfctl(8): l3mdev, l3mdev unreachable and the local
		# lookup at priority 0, in that order, before the old local rule goes;
		# the kernel's own l3mdev rule at 1000 made explicit.
		for f in 4 6; do
			echo "ip -$f rule add pref 0 l3mdev protocol 118"
			echo "ip -$f rule add pref 0 l3mdev unreachable protocol 118"
			echo "ip -$f rule add pref 0 table local protocol 118"
			echo "ip -$f rule del pref 0 table local protocol 2"
		done
		for f in 4 6; do echo "ip -$f rule add pref 1000 l3mdev protocol 2"; done
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
			echo "ip -$f rule del pref 0 table local protocol 118"
			echo "ip -$f rule del pref 0 l3mdev unreachable protocol 118"
			echo "ip -$f rule del pref 0 l3mdev protocol 118"
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
batch_up_rss() {
	$GNUTIME -f "$TIMEFMT" -o "$W/rss6" "$IP" -6 -batch "$1/up.rules6" &&
		$GNUTIME -f "$TIMEFMT" -o "$W/rss" "$IP" -batch "$1/up.batch"
}
batch_down() { "$IP" -batch "$1/down.batch" && "$IP" -6 -batch "$1/down.rules6"; }
batch_down_group() { "$IP" -batch "$1/down-group.batch" && "$IP" -6 -batch "$1/down.rules6"; }

# apply_timed vrfctl|batch KEY RSSKEY DIR: one timed apply from the empty host,
# by vrfctl or by ip -batch; at the largest N through GNU time (RSS, CPU).
apply_timed() {
	local who=$1 key=$2 rkey=$3 d=$4
	if [ "$who" = vrfctl ] && [ "$d" = "$W/n$NMAX" ]; then
		tm_rss "$key" "$rkey" "$VRFCTL" -c "$d/vrfctl.conf" apply
	elif [ "$who" = vrfctl ]; then
		tm "$key" "$VRFCTL" -c "$d/vrfctl.conf" apply
	elif [ "$d" = "$W/n$NMAX" ] && [ -n "$GNUTIME" ]; then
		tm "$key" batch_up_rss "$d"
		rusage "$key" "$rkey" "$W/rss6" "$W/rss"
	else
		tm "$key" batch_up "$d"
	fi
}
# plan_clean LABEL DIR: after the ip -batch apply, vrfctl must see nothing to do.
plan_clean() {
	"$VRFCTL" -c "$2/vrfctl.conf" plan >"$2/plan.batch" 2>"$ERR"
	if grep -v 'cgroup' "$2/plan.batch" | grep -q '^ip '; then
		head "$2/plan.batch"
		die "$1: vrfctl plan sees changes after the ip -batch apply"
	fi
}
# vrfctl_turn R WHO: odd repetitions vrfctl (A) first, even ones iproute2 (B).
vrfctl_turn() { { [ $(($1 % 2)) = 1 ] && [ "$2" = A ]; } || { [ $(($1 % 2)) = 0 ] && [ "$2" = B ]; }; }
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
	[ -z "$("$IP" rule show pref 1000)" ] || die "$1: l3mdev rule at 1000 left"
	v=$("$IP" route show table all proto 118 | wc -l)
	[ "$v" = 0 ] || die "$1: $v routes of vrfctl's left"
	v=$("$IP" -6 route show table all proto 118 | wc -l)
	[ "$v" = 0 ] || die "$1: $v IPv6 routes of vrfctl's left"
}
reset() { "$IP" -batch "$1/reset.batch" >/dev/null 2>"$ERR" || die "reset"; assert_empty "$2"; }
# undo LABEL DIR CMD...: tear down with CMD (not measured), then reset.
undo() {
	local label=$1 d=$2
	shift 2
	"$@" >/dev/null 2>"$ERR" || die "$label: '$*' exited $?"
	reset "$d" "$label"
}

# --- where the time goes ----------------------------------------------------------
PERF=$(command -v perf)
STRACE=$(command -v strace)
# profile KEY DIR COMM CMD...: one more apply by CMD from the empty host (not timed), under
# perf sampling the CPU with the kernel's call chains, then torn down again.
# Each sample counts where it was: vrfctl's own code and libraries (user), the
# kernel carrying out its requests (under rtnetlink_rcv_msg, but not a dump:
# the work any tool making these changes pays), the kernel filling the dumps
# the tool reads (netlink_dump), or the rest of the kernel (exec, page faults,
# reading the config). Only the samples of processes called COMM count.
# Appends "user change dump other" to P[KEY], and the busiest symbols to
# $W/top.KEY.
declare -A P
profile() {
	local key=$1 d=$2 comm=$3
	shift 3
	[ -n "$PERF" ] || return 0
	"$PERF" record -q -e cpu-clock -F 300 -g -o "$W/perf.data" -- "$@" >/dev/null 2>"$ERR" ||
		die "perf record $*"
	undo "after the profile of $key" "$d" "$VRFCTL" -c "$d/vrfctl.conf" down --all
	P[$key]=$("$PERF" script -i "$W/perf.data" --comm "$comm" -F ip,sym,dso 2>/dev/null | awk '
		function flush() {
			if (leaf == "") return
			if (leaf !~ /kernel\.kallsyms/) c[1]++
			else if (stack ~ / netlink_dump /) c[3]++
			else if (stack ~ / rtnetlink_rcv_msg /) c[2]++
			else c[4]++
			leaf = ""; stack = " "
		}
		/^[ \t]*$/ { flush(); next }
		{ if (leaf == "") leaf = $0; stack = stack $2 " " }
		END { flush(); printf "%d %d %d %d\n", c[1], c[2], c[3], c[4] }')
	"$PERF" report -i "$W/perf.data" --comm "$comm" --stdio --no-children -g none \
		--sort dso,sym --percent-limit 2 2>/dev/null | grep '%' | head -8 >"$W/top.$key"
}
# shares KEY: the four shares of P[KEY] as percentages, one line.
shares() {
	awk -v p="${P[$1]:-}" 'BEGIN { split(p, c, " "); t = c[1] + c[2] + c[3] + c[4]
		if (t == 0) { print "-"; exit }
		printf "user %.0f%%, kernel: changes %.0f%%, dumps %.0f%%, other %.0f%% (%d samples)\n",
			100 * c[1] / t, 100 * c[2] / t, 100 * c[3] / t, 100 * c[4] / t, t }'
}
# own_cpu KEY: vrfctl's own CPU time (us) for the apply samples of KEY: its user
# time, plus the part of its system time the profile does not put in the
# kernel's work for the changes.
own_cpu() {
	awk -v u="$(median "$1.user")" -v s="$(median "$1.sys")" -v p="${P[$1]:-}" 'BEGIN {
		split(p, c, " "); k = c[2] + c[3] + c[4]
		if (u == "" || k == 0) { print ""; exit }
		printf "%d\n", u + s * (c[3] + c[4]) / k }'
}

# The realistic-members variant: every member with an IPv4 address of its own
# (a /32 from 100.64.0.0/10, nothing routed), so that a route through it finds
# its source address on the device instead of walking all of them.
member_addrs() { # N add|flush
	local i
	for ((i = 0; i < $1; i++)); do
		if [ "$2" = add ]; then
			echo "addr add 100.64.$((i / 256)).$((i % 256))/32 dev bv$i"
		else
			echo "addr flush dev bv$i"
		fi
	done >"$W/addr.batch"
	"$IP" -batch "$W/addr.batch" >/dev/null 2>"$ERR" || die "member addresses: $2"
}

# launch_detail: where a launch's time goes, for the three launch contenders:
# perf stat (CPU time of the whole launch, page faults: most are the dynamic
# loader's, context switches: sleeps) over 5 runs, and strace -c -w of one
# (wall time per system call; strace slows every call, so read the order).
launch_detail() {
	local who
	local -a cmd
	for who in vrfexec ipvrf true; do
		case $who in
		vrfexec) cmd=("$VRF_EXEC" v0 /bin/true) ;;
		ipvrf) cmd=("$IP" vrf exec v1 /bin/true) ;;
		true) cmd=(/bin/true) ;;
		esac
		if [ -n "$PERF" ]; then
			"$PERF" stat -x, -r 5 -e task-clock,page-faults,context-switches \
				-o "$W/pstat.$who" "${cmd[@]}" >/dev/null 2>"$ERR" || die "perf stat ${cmd[*]}"
		fi
		if [ -n "$STRACE" ]; then
			"$STRACE" -f -c -w -o "$W/strace.$who" "${cmd[@]}" >/dev/null 2>"$ERR" ||
				die "strace ${cmd[*]}"
		fi
	done
}
# pstat WHO EVENT: the mean perf stat measured (task-clock in us).
pstat() {
	[ -f "$W/pstat.$1" ] || return 0
	awk -F, -v e="$2" '$3 == e || $3 ~ "^" e ":" {
		if ($2 == "msec") printf "%d\n", $1 * 1000; else printf "%d\n", $1 }' "$W/pstat.$1"
}

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
			if vrfctl_turn "$r" "$who"; then
				apply_timed vrfctl "apply.vrfctl.$n" rss.vrfctl.apply "$d"
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
						tm "noop.vrfctl.$n" "$VRFCTL" -c "$cfg" apply
						tm "plan.vrfctl.$n" "$VRFCTL" -c "$cfg" plan
					done
					# The peak RSS from one more, not timed: GNU time's own fork
					# and exec are a tenth of a half-second no-op under TCG.
					tm_rss "noop.rss.$n" rss.vrfctl.noop "$VRFCTL" -c "$cfg" apply
				fi
				if [ "$n" = "$NMIN" ] && [ $r = 1 ]; then
					# vrf-exec, on the state of the smallest N (v0 exists, its cgroup is ready).
					# Each launcher in a VRF of its own: both use the cgroup vrf/NAME (so
					# that ip vrf identify and pids work for vrf-exec's programs), and ip
					# vrf exec replaces the socket program there on every launch, which
					# the next vrf-exec would find and repair: a launch that is not the
					# steady state of either.
					"$VRF_EXEC" v0 "$IP" vrf identify >"$W/ident" 2>"$ERR" || die "vrf-exec v0 ip vrf identify"
					[ "$(cat "$W/ident")" = v0 ] || die "vrf-exec v0 is in VRF '$(cat "$W/ident")'"
					[ "$("$IP" vrf exec v1 "$IP" vrf identify)" = v1 ] || die "ip vrf exec v1"
					for ((k = 0; k < EXEC_REPS; k++)); do
						case $((k % 3)) in
						0) tm exec.vrfexec "$VRF_EXEC" v0 /bin/true; tm exec.ipvrf "$IP" vrf exec v1 /bin/true; tm exec.true /bin/true ;;
						1) tm exec.ipvrf "$IP" vrf exec v1 /bin/true; tm exec.true /bin/true; tm exec.vrfexec "$VRF_EXEC" v0 /bin/true ;;
						2) tm exec.true /bin/true; tm exec.vrfexec "$VRF_EXEC" v0 /bin/true; tm exec.ipvrf "$IP" vrf exec v1 /bin/true ;;
						esac
					done
					launch_detail
				fi
				tm "down.vrfctl.$n" "$VRFCTL" -c "$cfg" down --all
				reset "$d" "N=$n vrfctl down --all"
			else
				apply_timed batch "apply.batch.$n" rss.ip.apply "$d"
				if [ $r = 1 ]; then
					# same kernel state as vrfctl's?
					plan_clean "N=$n" "$d"
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
			undo "N=$n after one ip per change" "$d" batch_down "$d"
		done
		;;
	esac
	if [ "$n" != "$NMAX" ] && [ -n "$GNUTIME" ]; then
		# vrfctl's own user time at this N, for its growth (the timed runs go
		# through GNU time only at the largest N): one more apply, not timed.
		tm_rss "cpu.vrfctl.$n" rss.vrfctl.small "$VRFCTL" -c "$d/vrfctl.conf" apply
		undo "N=$n after the CPU run" "$d" "$VRFCTL" -c "$d/vrfctl.conf" down --all
	fi
	if [ "$n" = "$NMAX" ]; then
		profile "apply.vrfctl.$n" "$d" vrfctl "$VRFCTL" -c "$d/vrfctl.conf" apply
		# And ip -batch making the same changes: where its system time goes.
		# shellcheck disable=SC2016 # expanded by that bash
		profile "apply.batch.$n" "$d" ip bash -c \
			'"$0" -6 -batch "$1/up.rules6" && "$0" -batch "$1/up.batch"' "$IP" "$d"
	fi

	# The same with an IPv4 address on every member: apply only (the teardown
	# is not measured here), alternating as above.
	member_addrs "$n" add
	for ((r = 1; r <= reps; r++)); do
		for who in A B; do
			if vrfctl_turn "$r" "$who"; then
				apply_timed vrfctl "apply.vrfctl.addr.$n" rss.vrfctl.addr "$d"
				"$VRFCTL" -c "$cfg" plan >/dev/null 2>"$ERR" || die "N=$n addr: plan after apply exited $?"
				undo "N=$n addr vrfctl" "$d" "$VRFCTL" -c "$cfg" down --all
			else
				apply_timed batch "apply.batch.addr.$n" rss.ip.addr "$d"
				[ $r = 1 ] && plan_clean "N=$n addr" "$d"
				undo "N=$n addr ip -batch" "$d" batch_down_group "$d"
			fi
		done
	done
	[ "$n" = "$NMAX" ] && profile "apply.vrfctl.addr.$n" "$d" vrfctl "$VRFCTL" -c "$d/vrfctl.conf" apply
	member_addrs "$n" flush
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
printf '%-36s %12s %12s %12s %9s\n' "apply, members with an IPv4 address" vrfctl "ip -batch" "vrfctl/ip" n
for n in $NS; do
	a=$(median "apply.vrfctl.addr.$n"); b=$(median "apply.batch.addr.$n")
	printf '%-36s %12s %12s %12s %9s\n' "  N=$n" "$(fmt "$a")" "$(fmt "$b")" "$(ratio "$a" "$b")" \
		"$(count "apply.vrfctl.addr.$n")/$(count "apply.batch.addr.$n")"
done
echo
echo "CPU of the apply at N=$NMAX (getrusage; the split of the kernel's part from one profiled run):"
for v in "" .addr; do
	k=apply.vrfctl$v.$NMAX
	a=$(median "$k"); u=$(median "$k.user"); sy=$(median "$k.sys"); own=$(own_cpu "$k")
	[ -n "$a" ] || continue
	label="address-less members"
	[ -n "$v" ] && label="members with an address"
	printf '  %s: wall %s, user %s, sys %s (ip -batch: user %s, sys %s)\n' "$label" "$(fmt "$a")" \
		"$(fmt "$u")" "$(fmt "$sy")" "$(fmt "$(median "apply.batch$v.$NMAX.user")")" \
		"$(fmt "$(median "apply.batch$v.$NMAX.sys")")"
	printf '    profile: %s\n' "$(shares "$k")"
	[ -n "${P[apply.batch$v.$NMAX]:-}" ] &&
		printf '    ip -batch profile: %s\n' "$(shares "apply.batch$v.$NMAX")"
	[ -n "$own" ] && printf '    vrfctl own CPU (user + sys outside the changes): %s = %s of the wall time\n' \
		"$(fmt "$own")" "$(awk -v a="$own" -v b="$a" 'BEGIN { printf "%.1f%%", 100 * a / b }')"
	[ -s "$W/top.$k" ] && { echo "    busiest (dso, symbol):"; sed 's/^ */      /' "$W/top.$k"; }
	[ -s "$W/top.apply.batch$v.$NMAX" ] && { echo "    ip -batch's busiest (dso, symbol):"
		sed 's/^ */      /' "$W/top.apply.batch$v.$NMAX"; }
done
echo
printf '%-36s %12s %12s %12s %12s %12s %9s\n' "teardown, down --all" vrfctl "ip -batch" "vrfctl/ip" "ip by group" "vrfctl/group" n
for n in $NS; do
	a=$(median "down.vrfctl.$n"); b=$(median "down.batch.$n"); g=$(median "down.group.$n")
	printf '%-36s %12s %12s %12s %12s %12s %9s\n' "  N=$n" "$(fmt "$a")" "$(fmt "$b")" "$(ratio "$a" "$b")" \
		"$(fmt "$g")" "$(ratio "$a" "$g")" "$(count "down.vrfctl.$n")/$(count "down.batch.$n")/$(count "down.group.$n")"
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
printf '%-36s %12s %12s %12s %9s\n' "  ip vrf exec v1 /bin/true" "$(fmt "$i")" "$(fmt $((i - t)))" "1.00x" "$(count exec.ipvrf)"
printf '%-36s %12s %12s %12s %9s\n' "  /bin/true (the floor)" "$(fmt "$t")" "" "" "$(count exec.true)"
printf '%-36s %12s\n' "  vrf-exec overhead / ip vrf's" "$(ratio $((e - t)) $((i - t)))"
echo
if [ -f "$W/pstat.true" ]; then
	# perf stat's task-clock also counts its own child before the exec, the
	# same for all three: compare the launchers' CPU over /bin/true's, not
	# with the wall times above (other runs).
	echo "launch, where it goes (perf stat, means of 5 runs; CPU of the whole launch)"
	printf '%-36s %12s %12s %12s %12s\n' "" "CPU" "over true" "page faults" "sleeps"
	ct=$(pstat true task-clock)
	for who in vrfexec ipvrf true; do
		case $who in
		vrfexec) label="  vrf-exec v0 /bin/true" ;;
		ipvrf) label="  ip vrf exec v1 /bin/true" ;;
		true) label="  /bin/true" ;;
		esac
		c=$(pstat $who task-clock)
		printf '%-36s %12s %12s %12s %12s\n' "$label" "$(fmt "$c")" "$(fmt $((c - ct)))" \
			"$(pstat $who page-faults)" "$(pstat $who context-switches)"
	done
fi
for who in vrfexec ipvrf; do
	[ -f "$W/strace.$who" ] || continue
	echo "  system calls by wall time, strace -f -c -w, one $who launch (strace slows each call):"
	awk '/^ *[0-9.]+ +[0-9.]+ / && !/ total$/ { print "    " $0 }' "$W/strace.$who" | head -5
	grep ' total$' "$W/strace.$who" | sed 's/^/    /'
done
echo
if [ -n "$GNUTIME" ]; then
	kib() { awk -v k="$1" 'BEGIN { if (k == "") print "-"; else printf "%.1f MiB", k/1024 }'; }
	printf '%-36s %12s\n' "peak RSS at N=$NMAX (max of runs)" ""
	mx() { tr ' ' '\n' <<<"${S[$1]:-}" | sort -n | tail -1; }
	printf '%-36s %12s\n' "  vrfctl apply" "$(kib "$(mx rss.vrfctl.apply)")"
	printf '%-36s %12s\n' "  vrfctl apply, nothing to change" "$(kib "$(mx rss.vrfctl.noop)")"
	printf '%-36s %12s\n' "  vrfctl apply, addressed members" "$(kib "$(mx rss.vrfctl.addr)")"
	printf '%-36s %12s\n' "  ip -batch (the main file)" "$(kib "$(mx rss.ip.apply)")"
	echo
fi
for v in "" .addr; do
	if [ -z "$v" ]; then
		echo "growth of apply with N (marginal cost per VRF between successive N; equal = linear):"
	else
		echo "  the same, members with an IPv4 address:"
	fi
	prev_n="" prev_a="" prev_b=""
	for n in $NS; do
		a=$(median "apply.vrfctl$v.$n"); b=$(median "apply.batch$v.$n")
		if [ -n "$prev_n" ]; then
			awk -v n0="$prev_n" -v n1="$n" -v a0="$prev_a" -v a1="$a" -v b0="$prev_b" -v b1="$b" 'BEGIN {
				printf "  N=%d -> %d: vrfctl %.2f ms/VRF, ip -batch %.2f ms/VRF\n", n0, n1, (a1-a0)/(n1-n0)/1e3, (b1-b0)/(n1-n0)/1e3 }'
		fi
		prev_n=$n prev_a=$a prev_b=$b
	done
done
echo "vrfctl's own user time in the apply (GNU time), and its growth per VRF:"
prev_n="" prev_u=""
for n in $NS; do
	u=$(median "cpu.vrfctl.$n.user")
	[ "$n" = "$NMAX" ] && u=$(median "apply.vrfctl.$n.user")
	[ -n "$u" ] || continue
	awk -v n="$n" -v u="$u" -v n0="$prev_n" -v u0="$prev_u" 'BEGIN {
		printf "  N=%d: %.0f ms", n, u / 1e3
		if (n0 != "") printf " (%.2f ms/VRF from N=%d)", (u - u0) / (n - n0) / 1e3, n0
		printf "\n" }'
	prev_n=$n prev_u=$u
done
echo
# For bench/plot (bench/run keeps these lines in BUILDDIR/bench-apply.dat):
# N, then seconds for vrfctl, ip -batch, one ip per change (extrapolated: 1 in
# the next column), and vrfctl and ip -batch with addressed members.
echo "plot # N vrfctl ip-batch ip-per-change extrapolated vrfctl-addr ip-batch-addr"
last_pp="" last_pp_changes=""
for n in $NS; do
	p=$(median "apply.perproc.$n") x=0
	changes=$(wc -l <"$W/n$n/up.ip")
	if [ -n "$p" ]; then
		last_pp=$p last_pp_changes=$changes
	elif [ -n "$last_pp" ]; then
		p=$((last_pp * changes / last_pp_changes)) x=1
	fi
	awk -v n="$n" -v a="$(median "apply.vrfctl.$n")" -v b="$(median "apply.batch.$n")" -v p="$p" -v x="$x" \
		-v aa="$(median "apply.vrfctl.addr.$n")" -v ba="$(median "apply.batch.addr.$n")" 'BEGIN {
		printf "plot %d %.4f %.4f %s %d %s %s\n", n, a / 1e6, b / 1e6, p == "" ? "NaN" : sprintf("%.4f", p / 1e6), x,
			aa == "" ? "NaN" : sprintf("%.4f", aa / 1e6), ba == "" ? "NaN" : sprintf("%.4f", ba / 1e6) }'
done
echo
echo "notes:"
echo "  ip -batch = 'ip -6 -batch' (the 4 IPv6 rules: batch lines take no -6) + 'ip -batch' (the rest);"
echo "  the lists are checked equal to 'vrfctl -n apply' / 'down --all', and at N<=10 the resulting"
echo "  kernel state is compared."
echo "  ip/change = one ip process per change (a bash loop), as shell-based hooks do."
echo "  Timings are wall clock under qemu TCG (emulated CPU): compare ratios, not absolutes."
note "total $(elapsed) in the VM"
