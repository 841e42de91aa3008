#!/bin/bash
# The rootless tests must pass whatever other users hold in /etc/subuid and
# /etc/subgid (issue 9 item 13).  Each scenario runs the tests that map a
# subordinate range (map_subids) in a private mount namespace whose /etc is
# a throwaway copy, so the machine's own files are never touched:
#   taken:   another user holds 100000:65536, sbxtest has 165536:65536
#            (what useradd allocates next): its real range must be used;
#   missing: another user holds 100000:65536, sbxtest has none: run.sh must
#            allocate one that overlaps nobody's.
# Prints PASS:/FAIL: lines and "N passed, N failed".
#
#   SBXRUN=/abs/sbxrun HELPERS=/abs/helpers tests/integration/subids-scenarios.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${SBXRUN:=$top/build/sbxrun}" "${HELPERS:=$top/build/helpers}"
export SBXRUN HELPERS
[ "$(id -u)" = 0 ] || { echo "subids-scenarios: needs root (skipped)"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
command -v newuidmap >/dev/null || { echo "0 passed, 0 failed, 1 skipped"; exit 0; }

# scenario NAME: body run inside `unshare -m`, with a private /etc copy.
scenario() {
	local name=$1 etc
	etc=$(mktemp -d /tmp/sbx-subids-etc.XXXXXX) || return 1
	SCEN=$name ETC=$etc unshare -m --propagation private bash -c '
		set -u
		cp -a /etc/. "$ETC/" && mount --bind "$ETC" /etc || exit 2
		id sbxtest >/dev/null 2>&1 || useradd -m -s /bin/bash sbxtest || exit 2
		id sbxother >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin sbxother || exit 2
		sed -i "/^sbxtest:/d;/^sbxother:/d" /etc/subuid /etc/subgid 2>/dev/null || touch /etc/subuid /etc/subgid
		usermod --add-subuids 100000-165535 --add-subgids 100000-165535 sbxother || exit 2
		[ "$SCEN" = taken ] &&
			{ usermod --add-subuids 165536-231071 --add-subgids 165536-231071 sbxtest || exit 2; }
		MODES=rootless TESTS="core.test.sh:test_process_user|process.test.sh" "$0/run.sh" >"$ETC/log" 2>&1
		rc=$?
		# sbxtest must not share a single id with sbxother
		awk -F: "\$1==\"sbxtest\"{ if (\$2 < 165536) exit 1 }" /etc/subuid /etc/subgid || { echo "overlapping range: $(cat /etc/subuid)" >>"$ETC/log"; rc=3; }
		exit $rc' "$here"
	local rc=$?
	if [ "$rc" = 0 ]; then
		echo "PASS: $name: $(grep -E '^[0-9]+ passed' "$etc/log")"
		pass=$((pass + 1))
	else
		echo "FAIL: $name (status $rc)"
		grep -E '^(FAIL|  )|overlapping|newuidmap' "$etc/log" | sed 's/^/    | /'
		fail=$((fail + 1))
	fi
	rm -rf "$etc"
}

pass=0 fail=0
scenario taken
scenario missing
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
