#!/bin/bash
# bench/ab's part inside the VM: see bench/ab.
# shellcheck source=tests/lib.sh
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
set +e
vm_enter
N=${VRF_AB_N:-1000} M=10 REPS=${VRF_AB_REPS:-3}
W=$TEST_TMP conf=$TEST_TMP/vrfctl.conf
for ((i = 0; i < N; i++)); do echo "link add bv$i type veth peer name bp$i"; done | ip -batch - ||
	fail "veth pairs"
{
	for ((i = 0; i < N; i++)); do
		printf '[vrf v%d]\ntable = %d\nmembers = bv%d\n' "$i" $((1000 + i)) "$i"
		for ((j = 0; j < M; j++)); do
			k=$((i * M + j))
			echo "route = 10.$((k / 256)).$((k % 256)).0/24 dev bv$i"
		done
	done
} >"$conf"
declare -A S
# tm KEY CMD...: wall time (µs) of CMD into KEY's samples, its peak RSS (KiB) into KEY.rss.
tm() {
	local key=$1 t0 t1
	shift
	t0=${EPOCHREALTIME//[.,]/}
	/usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>"$W/err" || { cat "$W/err"; fail "$*"; }
	t1=${EPOCHREALTIME//[.,]/}
	S[$key]+="$((t1 - t0)) "
	S[$key.rss]+="$(tail -1 "$W/rss") "
}
median() { tr ' ' '\n' <<<"${S[$1]}" | grep . | sort -n | awk '{a[NR]=$1} END { print a[int((NR+1)/2)] }'; }
for ((r = 0; r < REPS; r++)); do
	# Odd rounds old first, even rounds new first.
	if ((r % 2)); then order="new old"; else order="old new"; fi
	for who in $order; do
		bin=$VRF_AB_OLD
		[ "$who" = new ] && bin=$VRF_AB_NEW
		tm "$who.apply" "$bin" -c "$conf" apply
		tm "$who.noop" "$bin" -c "$conf" apply
		tm "$who.plan" "$bin" -c "$conf" plan
		tm "$who.down" "$bin" -c "$conf" down --all
	done
done
printf '%-8s %12s %12s %7s %10s %10s\n' "N=$N" old new new/old "old RSS" "new RSS"
for k in apply noop plan down; do
	o=$(median "old.$k") n=$(median "new.$k")
	printf '%-8s %10.1fms %10.1fms %6.2fx %8sKiB %8sKiB\n' "$k" "$(echo "$o / 1000" | bc -l)" \
		"$(echo "$n / 1000" | bc -l)" "$(echo "$n / $o" | bc -l)" "$(median "old.$k.rss")" \
		"$(median "new.$k.rss")"
done
echo "($REPS alternating rounds; medians; uptime on the host is not visible here)"
pass
