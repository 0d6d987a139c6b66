#!/bin/bash
# `vrfctl status` is for any user: without CAP_NET_ADMIN it shows all but
# the nftables table, says that it leaves the table out, prints no error and
# exits 0 (with -j, nft is null); root's status has no such note.
. "${top_srcdir:-.}/tests/lib.sh"
netns_enter "$@"
require_cmd setpriv python3

conf=$TEST_TMP/vrfctl.conf
printf '[vrf mgmt]\ntable = 10\n' >"$conf"
chmod 755 "$TEST_TMP"
chmod 644 "$conf"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

step "as nobody: the rules, a note for the table, nothing on stderr, exit 0"
out=$(nobody "$VRFCTL" -c "$conf" status 2>"$TEST_TMP/err") || fail "exit $?: $(cat "$TEST_TMP/err")"
echo "$out"
[ ! -s "$TEST_TMP/err" ] || fail "stderr: $(cat "$TEST_TMP/err")"
grep -q "^rules:" <<<"$out" || fail "no rules shown"
grep -qx "nftables (table inet vrfctl): not shown, reading it needs CAP_NET_ADMIN" <<<"$out" ||
	fail "no note that the table is left out"

step "as nobody, -j: valid JSON, nft null"
out=$(nobody "$VRFCTL" -c "$conf" -j status 2>"$TEST_TMP/err") || fail "exit $?"
[ ! -s "$TEST_TMP/err" ] || fail "stderr: $(cat "$TEST_TMP/err")"
python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["nft"] is None' <<<"$out" ||
	fail "-j status: $out"

step "as root: no note"
out=$("$VRFCTL" -c "$conf" status 2>&1) || fail "exit $?: $out"
grep -q "not shown" <<<"$out" && fail "root's status has the note: $out"
pass
