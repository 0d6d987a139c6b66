#!/bin/bash
# Every man page in man/ passes `mandoc -Tlint -W warning` without a word.
set -u

command -v mandoc >/dev/null || { echo "SKIP: needs mandoc"; exit 77; }
cd "${top_srcdir:-.}" || exit 99
status=0
n=0
for page in man/*.[0-9]; do
	[ -e "$page" ] || continue
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "FAIL: no man pages found"; exit 1; }
[ "$status" = 0 ] && echo "PASS: $n man page(s) lint clean"
exit "$status"
