#!/bin/bash
# `sbxrun check --id` where the kernel facts are real (the dev machines have
# no AppArmor and no cgroup v2 memory/pids/cpu controllers): the AppArmor
# label and the cgroup v2 limits of a running container, as root and as the
# unprivileged guest user (delegated cgroup), each with a container that has
# them (pass, read from the kernel), one that lacks them (reported), and a
# kernel that changed behind the config's back (drift).
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

profile=/payload/configs/apparmor/sbxrun-default
/payload/scripts/load-apparmor.sh "$profile" >/dev/null 2>&1
check "sbxrun-default loaded" grep -q '^sbxrun-default (enforce)' /sys/kernel/security/apparmor/profiles
# A throwaway copy of the profile under another name: removed while a
# container runs under it, so that the kernel no longer applies what the
# config names.
sed 's/^profile sbxrun-default /profile sbxrun-checktmp /' "$profile" > "$TEST_TMP/sbxrun-checktmp"

R() {
	local m=$1
	shift
	if [ "$m" = rootless ]; then asuser "$@"; else "$@"; fi
}
cfgedit() { # cfgedit MODE DIR JQ-FILTER
	R "$1" jq "$3" "$2/config.json" | R "$1" tee "$2/c.new" >/dev/null &&
		R "$1" mv "$2/c.new" "$2/config.json"
}
# flat JSON: one line per finding, "id|status|source|level|live|message"
# (one jq per report: each process start is slow in the emulated guest).
flat() { jq -r '.findings[] | "\(.id)|\(.status)|\(.source)|\(.level)|\(.live)|\(.message)"' <<<"$1"; }
# has FLAT ID STATUS SOURCE REGEX: a finding of control ID with that status
# and source whose message matches REGEX.
has() { grep -E "^$2\|$3\|$4\|" <<<"$1" | cut -d'|' -f6- | grep -qE "$5"; }
# live FLAT ID: the live source of control ID's first finding.
live() { grep -m1 "^$2|" <<<"$1" | cut -d'|' -f5; }
show() { grep -E '^(drift-)?(apparmor|[a-z]+-limit|resources)\|' <<<"$1" | tr '\n' ';'; }

# variant MODE BASE DIR: a bundle in DIR sharing BASE's rootfs (read-only
# in every config here), so that each case costs no rootfs build.
variant() {
	R "$1" mkdir -p "$3" &&
		R "$1" jq --arg r "$2/rootfs" '.root.path = $r' "$2/config.json" | R "$1" tee "$3/config.json" >/dev/null
}

suite() {
	local m=$1 base st d id out f rc cg lim=67108864
	if [ "$m" = rootless ]; then base=/home/user/checktest; else base=$TEST_TMP/checktest; fi
	st=$base/state
	R "$m" mkdir -p "$base"
	sbx() { R "$m" "$SBXRUN" --root "$st" "$@"; }
	vm_bundle "$base/b" "$m" sleep 120 >/dev/null || { bad "$m: make bundle"; return; }

	# --- confined and limited: the kernel's label and limits pass ---
	d=$base/lim id=chk-lim-$m
	variant "$m" "$base/b" "$d"
	cfgedit "$m" "$d" ".process.apparmorProfile = \"sbxrun-default\"
		| .linux.resources = {\"memory\": {\"limit\": $lim}, \"pids\": {\"limit\": 64},
		  \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000}}"
	sbx run -d --bundle "$d" "$id" || { bad "$m: run -d $id"; return; }
	out=$(sbx check --id "$id" --format json); rc=$?; f=$(flat "$out")
	echo "$m: $SECONDS s: limited: rc=$rc $(show "$f")"
	check "$m: limited: exit status 0" [ "$rc" = 0 ]
	check "$m: apparmor passes on the kernel's label" has "$f" apparmor pass kernel '^label "sbxrun-default \(enforce\)"$'
	check "$m: apparmor's source is /proc/PID/attr/current" \
		grep -qE '^/proc/[0-9]+/attr/current$' <<<"$(live "$f" apparmor)"
	check "$m: drift-apparmor passes" has "$f" drift-apparmor pass drift 'configured profile confines'
	check "$m: memory-limit passes on memory.max" has "$f" memory-limit pass kernel "^memory.max is $lim\$"
	check "$m: memory-limit's source is the container's cgroup" \
		grep -qE "^/sys/fs/cgroup/.*sbx-$id/memory.max\$" <<<"$(live "$f" memory-limit)"
	check "$m: pids-limit passes on pids.max" has "$f" pids-limit pass kernel '^pids.max is 64$'
	check "$m: cpu-limit passes on cpu.max" has "$f" cpu-limit pass kernel '^cpu.max quota set, cpu.weight [0-9]+$'
	check "$m: drift-resources passes" has "$f" drift-resources pass drift 'match the config'

	# --- the kernel limit raised behind the config's back: drift, high ---
	cg=$(dirname "$(live "$f" memory-limit)")
	R "$m" sh -c "echo max > $cg/memory.max"
	out=$(sbx check --id "$id" --format json); rc=$?; f=$(flat "$out")
	echo "$m: raised: rc=$rc $(show "$f")"
	check "$m: raised memory.max: exit status 1" [ "$rc" = 1 ]
	check "$m: raised memory.max: memory-limit fails" has "$f" memory-limit fail kernel '^memory.max is max$'
	check "$m: raised memory.max: drift-resources high" \
		grep -qxE "drift-resources\|fail\|drift\|high\|[^|]*\|config $lim, kernel memory.max is max" <<<"$f"
	sbx delete -f "$id"

	# --- no profile, no limits: each reported from the kernel ---
	d=$base/weak id=chk-weak-$m
	variant "$m" "$base/b" "$d"
	cfgedit "$m" "$d" 'del(.process.apparmorProfile) | del(.linux.resources)'
	sbx run -d --bundle "$d" "$id" || { bad "$m: run -d $id"; return; }
	out=$(sbx check --id "$id" --format json --fail-on low); rc=$?; f=$(flat "$out")
	echo "$m: $SECONDS s: weak: rc=$rc $(show "$f")"
	sbx delete -f "$id"
	check "$m: weak: exit status 1 at --fail-on low" [ "$rc" = 1 ]
	check "$m: weak: apparmor fails on the label unconfined" has "$f" apparmor fail kernel '^AppArmor label "unconfined"$'
	check "$m: weak: memory-limit fails" has "$f" memory-limit fail kernel '^memory.max is max$'
	check "$m: weak: pids-limit fails" has "$f" pids-limit fail kernel '^pids.max is max$'
	check "$m: weak: cpu-limit fails" has "$f" cpu-limit fail kernel '^no CPU quota or weight$'
	check "$m: weak: no drift (the config asks for nothing)" has "$f" drift-resources pass drift 'match the config'

	# --- the profile the config names is removed from the kernel while the
	# container runs: the process is no longer confined by it (drift, high) ---
	d=$base/gone id=chk-gone-$m
	variant "$m" "$base/b" "$d"
	apparmor_parser -r "$TEST_TMP/sbxrun-checktmp"
	cfgedit "$m" "$d" '.process.apparmorProfile = "sbxrun-checktmp"'
	sbx run -d --bundle "$d" "$id" || { bad "$m: run -d $id"; return; }
	out=$(sbx check --id "$id" --format json); rc=$?; f=$(flat "$out")
	check "$m: loaded tmp profile: drift-apparmor passes" has "$f" drift-apparmor pass drift 'configured profile confines'
	apparmor_parser -R "$TEST_TMP/sbxrun-checktmp"
	out=$(sbx check --id "$id" --format json); rc=$?; f=$(flat "$out")
	echo "$m: $SECONDS s: removed profile: rc=$rc $(show "$f")"
	sbx delete -f "$id"
	check "$m: removed profile: exit status 1" [ "$rc" = 1 ]
	check "$m: removed profile: drift-apparmor high" \
		grep -qE '^drift-apparmor\|fail\|drift\|high\|[^|]*\|config profile "sbxrun-checktmp", kernel label ' <<<"$f"
}

suite root
suite rootless
