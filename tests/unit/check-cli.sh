#!/bin/bash
# `vrfctl check` as a user runs it: every bad fixture exits 1 with exactly
# "vrfctl: " + the lines of its .err on stderr and nothing on stdout; the good
# ones exit 0 with a one-line summary; -j prints JSON that parses. No root.
set -u

VRFCTL=${VRFCTL:-${top_builddir:-.}/src/cmd/vrfctl}
cd "${top_srcdir:-.}/tests/fixtures" || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect STATUS STDOUT-FILE STDERR-FILE -- ARGS...: run vrfctl ARGS, compare.
expect() {
	local status=$1 out=$2 err=$3 rc
	shift 4
	"$VRFCTL" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" = "$status" ] || fail "vrfctl $*: exit $rc, expected $status"
	cmp -s "$out" "$tmp/out" || { fail "vrfctl $*: stdout differs"; diff -u "$out" "$tmp/out"; }
	cmp -s "$err" "$tmp/err" || { fail "vrfctl $*: stderr differs"; diff -u "$err" "$tmp/err"; }
}

: >"$tmp/empty"
n=0
for conf in bad/*.conf; do
	sed 's/^/vrfctl: /' "${conf%.conf}.err" >"$tmp/want"
	expect 1 "$tmp/empty" "$tmp/want" -- -c "$conf" check
	n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n bad fixtures found"

echo "vrfctl: bad/no-such-file.conf: No such file or directory" >"$tmp/want"
expect 1 "$tmp/empty" "$tmp/want" -- -c bad/no-such-file.conf check

echo "vrfctl: config OK: 1 VRF (mgmt), 1 route, docker: 1 bridge, 2 port rules" >"$tmp/want"
expect 0 "$tmp/want" "$tmp/empty" -- -c good/design.conf check
echo "vrfctl: config OK: 1 VRF (vrf-management), 1 route" >"$tmp/want"
expect 0 "$tmp/want" "$tmp/empty" -- -c good/blog.conf check
for conf in good/*.conf; do
	"$VRFCTL" -c "$conf" check >"$tmp/out" 2>"$tmp/err" || fail "$conf: exit $?"
	[ "$(wc -l <"$tmp/out")" = 1 ] || fail "$conf: summary is not one line"
	[ -s "$tmp/err" ] && fail "$conf: wrote to stderr"
done

# -j: the JSON the unit test pins, and it parses.
expect 0 good/design.json "$tmp/empty" -- -j -c good/design.conf check
# Docker objects by name, as written (check asks Docker nothing).
expect 0 good/docker-names.json "$tmp/empty" -- -j -c good/docker-names.conf check
if command -v python3 >/dev/null; then
	for conf in good/*.conf; do
		"$VRFCTL" -j -c "$conf" check | python3 -m json.tool >/dev/null ||
			fail "$conf: -j check is not JSON"
	done
else
	echo "SKIP: no python3, JSON not validated"
fi

printf '%s\n' "vrfctl: check: unexpected argument 'extra'" \
	"usage: vrfctl [-c FILE] [-j] check" >"$tmp/want"
expect 1 "$tmp/empty" "$tmp/want" -- -c good/design.conf check extra

# vrfctl watch refuses what it cannot follow before it listens or changes
# anything: arguments, -n, and a config that does not read (as check words it).
echo "vrfctl: usage: vrfctl watch" >"$tmp/want"
expect 1 "$tmp/empty" "$tmp/want" -- -c good/design.conf watch extra
echo "vrfctl: watch changes the kernel: -n makes no sense with it (see plan)" >"$tmp/want"
expect 1 "$tmp/empty" "$tmp/want" -- -n -c good/design.conf watch
sed 's/^/vrfctl: /' bad/bad-bool.err >"$tmp/want"
expect 1 "$tmp/empty" "$tmp/want" -- -c bad/bad-bool.conf watch

# -c -: the config on standard input (how the ifupdown hook hands one over).
out=$(printf '[vrf a]\ntabel = 5\n' | "$VRFCTL" -c - check 2>&1) && fail "-c -: bad config accepted"
[ "$out" = "vrfctl: (stdin):1: [vrf a] has no table (table = N or auto)
vrfctl: (stdin):2: unknown key 'tabel' in [vrf a] (did you mean 'table'?)" ] || fail "-c -: $out"
printf '[vrf a]\ntable = 5\n' | "$VRFCTL" -c - check >/dev/null || fail "-c -: good config refused"

# apply reads the kernel while it reads the config, but a config with errors
# still changes nothing (not even the state directory), and its errors come
# before a lock held elsewhere, which a good config then meets.
sed 's/^/vrfctl: /' bad/bad-bool.err >"$tmp/want"
VRFCTL_STATE_DIR=$tmp/state expect 1 "$tmp/empty" "$tmp/want" -- -c bad/bad-bool.conf apply
[ -e "$tmp/state" ] && fail "apply of a bad config made the state directory"
mkdir "$tmp/held"
exec {held}>"$tmp/held/lock"
flock -n "$held" || fail "cannot take the lock"
VRFCTL_STATE_DIR=$tmp/held expect 1 "$tmp/empty" "$tmp/want" -- -c bad/bad-bool.conf apply
echo "vrfctl: another vrfctl is changing the kernel (lock $tmp/held/lock held); try again" \
	>"$tmp/want"
VRFCTL_STATE_DIR=$tmp/held expect 1 "$tmp/empty" "$tmp/want" -- -c good/blog.conf apply
exec {held}>&-

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "PASS: $n bad fixtures, good fixtures, -j"
