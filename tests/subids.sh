# shellcheck shell=bash
# Subordinate id ranges of the test user, for tests/integration/run.sh,
# tests/integration/lib.sh and tests/engines/podman.sh (sourced).
#
# Other users may already hold ranges in /etc/subuid and /etc/subgid (the
# classic 100000:65536 is often taken), so nothing here assumes a start:
#   sbx_subid_range USER FILE      -> "START COUNT" of USER's first range
#                                      (by name or uid), nothing if none
#   sbx_subid_free_start FILE COUNT -> the lowest START >= 100000 (65536-
#                                      aligned) whose [START, START+COUNT)
#                                      overlaps no range in FILE
#   sbx_subid_ensure USER          -> give USER a range of 65536 in both
#                                      files where it has none (root only)

sbx_subid_range() {
	local user=$1 file=$2 uid
	uid=$(id -u "$user" 2>/dev/null) || return 0
	[ -r "$file" ] || return 0
	awk -F: -v u="$user" -v id="$uid" '
		($1 == u || $1 == id) && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $3 > 0 {
			print $2, $3; exit
		}' "$file"
}

sbx_subid_free_start() {
	local file=$1 count=$2
	# Every line's range, then the first aligned candidate above them all
	# that fits below 2^32-1 without touching any of them.
	awk -F: -v n="$count" '
		$2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ { s[NR] = $2; e[NR] = $2 + $3 }
		END {
			for (c = 100000; c + n < 4294967295; c += 65536) {
				ok = 1
				for (i in s) if (c < e[i] && s[i] < c + n) { ok = 0; break }
				if (ok) { print c; exit }
			}
			exit 1
		}' "${file}" 2>/dev/null || echo 100000
}

sbx_subid_ensure() {
	local user=$1 f start kind
	for f in /etc/subuid /etc/subgid; do
		[ -n "$(sbx_subid_range "$user" "$f")" ] && continue
		touch "$f"
		start=$(sbx_subid_free_start "$f" 65536)
		kind=uids
		[ "$f" = /etc/subgid ] && kind=gids
		usermod "--add-sub$kind" "$start-$((start + 65535))" "$user" || return 1
	done
}
