#!/bin/sh
# setup-userns.sh [--check]: create the dedicated user `sbxrun` and its
# subordinate id ranges in /etc/subuid and /etc/subgid, the pool from which
# rootful containers get their host ids (`sbxrun spec` as root adds a user
# namespace with annotation run.sbx.userns=auto; see docs/namespaces.md).
#
# Idempotent: an existing `sbxrun` range is kept as it is. A new range is
# placed after every range already in either file (never overlapping
# another user's ids, whatever they are), aligned to 65536, at or above
# 2^30 when there is room, with SBX_POOL_BLOCKS blocks of 65536 ids
# (default 1024 containers at once).
#   --check   exit 0 if the pool exists, 1 if not (changes nothing)
# Run as root (make install, tests/integration/run.sh and .ci/run call it).
set -eu

user=sbxrun
blocks=${SBX_POOL_BLOCKS:-1024}
block=65536

has_range() {
	grep -q "^$user:[0-9][0-9]*:[0-9][0-9]*$" /etc/subuid 2>/dev/null &&
	grep -q "^$user:[0-9][0-9]*:[0-9][0-9]*$" /etc/subgid 2>/dev/null
}

if [ "${1:-}" = --check ]; then
	has_range
	exit
fi
[ "$(id -u)" = 0 ] || { echo "setup-userns.sh: run as root" >&2; exit 1; }

# The account owns the ranges; it never logs in and owns no files.
if ! id "$user" >/dev/null 2>&1; then
	if command -v useradd >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin --user-group "$user"
	else
		# Minimal systems (the test VM's initramfs): a plain entry.
		uid=$(awk -F: 'BEGIN { m = 899 } $3 < 1000 && $3 > m { m = $3 } END { print m + 1 }' /etc/passwd)
		echo "$user:x:$uid:$uid:sbxrun user namespace pool:/nonexistent:/usr/sbin/nologin" >>/etc/passwd
		echo "$user:x:$uid:" >>/etc/group
	fi
fi

if has_range; then
	exit 0
fi
touch /etc/subuid /etc/subgid
# First free aligned start after every existing range of either file.
start=$(cat /etc/subuid /etc/subgid | awk -F: -v b=$block '
	NF == 3 && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { e = $2 + $3; if (e > m) m = e }
	END { s = 1073741824; if (m > s) s = m; s = int((s + b - 1) / b) * b; printf "%.0f\n", s }')
count=$((blocks * block))
end=$((start + count - 1))
if [ "$end" -ge 4294967295 ]; then
	echo "setup-userns.sh: no room for $count ids after the existing ranges" >&2
	exit 1
fi
for f in subuid subgid; do
	if grep -q "^$user:" /etc/$f; then
		continue # a partial earlier setup: keep what is there
	fi
	if command -v usermod >/dev/null 2>&1; then
		if [ $f = subuid ]; then
			usermod --add-subuids "$start-$end" "$user"
		else
			usermod --add-subgids "$start-$end" "$user"
		fi
	else
		echo "$user:$start:$count" >>/etc/$f
	fi
done
has_range || { echo "setup-userns.sh: could not add the ranges for $user" >&2; exit 1; }
echo "setup-userns.sh: user $user holds ids $start-$end in /etc/subuid and /etc/subgid"
