#!/bin/bash
# Convergence under real cgroup v2 delegation (issue 10), as root and as the
# guest user in its delegated cgroup: create killed at random moments, and
# a running container with a forking workload whose state.json is garbage;
# after `delete --force` neither a process nor the container's cgroup
# (found by name, sbx-ID) may be left.  (The host has no usable cgroup for
# rootless containers; this is where the rootless cgroup path is covered.)
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

CG=/sys/fs/cgroup

R() {
	local m=$1
	shift
	if [ "$m" = rootless ]; then asuser "$@"; else "$@"; fi
}
# R_exec: the same, replacing the calling (sub)shell, so that $! of
# `(R_exec ...) &` is sbxrun itself at the end of the exec chain
R_exec() {
	local m=$1
	shift
	if [ "$m" = rootless ]; then exec asuser "$@"; else exec "$@"; fi
}
cgdir() { find "$CG" -type d -name "sbx-$1" 2>/dev/null | head -1; }
# alive PID: exists and is not a zombie (an unreaped init is dead enough)
alive() { [ -r "/proc/$1/stat" ] && ! awk '{exit !($3 == "Z")}' "/proc/$1/stat" 2>/dev/null; }
# processes that carry this suite's marker (sbxrun, its children before
# their exec, and the workload, which gets it from config.json)
marked() {
	local f n=0
	for f in /proc/[0-9]*/environ; do
		tr '\0' '\n' <"$f" 2>/dev/null | grep -qx "VMREL=$1-x" && n=$((n + 1))
	done
	echo "$n"
}
kill_marked() {
	local f
	for f in /proc/[0-9]*/environ; do
		tr '\0' '\n' <"$f" 2>/dev/null | grep -qx "VMREL=$1-x" && kill -KILL "$(basename "$(dirname "$f")")"
	done 2>/dev/null
}
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }

suite() {
	local m=$1 base st b i id p left=0 cgleft=0 out pid cg t0 d early=0
	if [ "$m" = rootless ]; then base=/home/user/reltest; else base=$TEST_TMP/reltest; fi
	st=$base/state
	b=$base/b
	R "$m" mkdir -p "$base"
	vm_bundle "$b" "$m" sh -c 'while :; do sleep 1000 & sleep 1000 & wait; done' >/dev/null ||
		{ bad "$m: make bundle"; return; }
	R "$m" sh -c "jq '.process.env += [\"VMREL=$m-x\"]' $b/config.json > $b/c.new && mv $b/c.new $b/config.json"
	sbx() { R "$m" env VMREL="$m-x" "$SBXRUN" --root "$st" "$@"; }

	# create killed at random moments within its own duration here (the
	# VM is emulated: a create takes ten times as long as on the host)
	sbx create --bundle "$b" "warm-$m" >/dev/null 2>&1 # compiles the seccomp cache
	sbx delete --force "warm-$m" >/dev/null 2>&1
	t0=$(now_us)
	sbx create --bundle "$b" "cal-$m" >/dev/null 2>&1
	d=$(($(now_us) - t0))
	sbx delete --force "cal-$m" >/dev/null 2>&1
	echo "$m: create takes $((d / 1000)) ms"
	for i in $(seq 12); do
		id=kc-$m-$i
		(R_exec "$m" env VMREL="$m-x" "$SBXRUN" --root "$st" create --bundle "$b" "$id") >/dev/null 2>&1 &
		p=$!
		usleep $(((RANDOM * 32768 + RANDOM) % d))
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null && early=$((early + 1))
		out=$(sbx delete --force "$id" 2>&1) || bad "$m: trial $i: delete --force failed: $out"
		sleep 0.3
		[ "$(marked "$m")" = 0 ] || { left=$((left + 1)); echo "$m trial $i: processes left"; kill_marked "$m"; }
		cg=$(cgdir "$id")
		[ -z "$cg" ] || { cgleft=$((cgleft + 1)); echo "$m trial $i: cgroup $cg left"; }
	done
	echo "$m: $((12 - early)) of 12 creates killed before they finished"
	check "$m: 12 creates killed at random: no process left ($left trials with one)" [ "$left" = 0 ]
	check "$m: 12 creates killed at random: no cgroup left ($cgleft trials with one)" [ "$cgleft" = 0 ]

	# a running, forking container with a garbage state.json
	id=corrupt-$m
	sbx create --bundle "$b" "$id" >/dev/null 2>&1 && sbx start "$id" ||
		{ bad "$m: create/start $id"; return; }
	sleep 1
	pid=$(sbx state "$id" | jq -r .pid)
	cg=$(cgdir "$id")
	check "$m: the container has a cgroup of its own ($cg)" [ -n "$cg" ]
	R "$m" sh -c "printf 'garbage{' > $st/$id/state.json"
	out=$(sbx list --format json)
	check "$m: list shows the unreadable container as unknown" \
		[ "$(jq -r --arg id "$id" '.[] | select(.id == $id) | .status' <<<"$out")" = unknown ]
	out=$(sbx delete --force "$id" 2>&1)
	echo "$m: delete --force: $out"
	check "$m: delete --force of a garbage record says what it recovered" grep -q 'unreadable record.*cgroup .* from the anchor' <<<"$out"
	check "$m: its cgroup is gone" [ -z "$(cgdir "$id")" ]
	check "$m: its init is gone" eval '! alive "$pid"'
	sleep 0.3
	check "$m: none of its processes is left" [ "$(marked "$m")" = 0 ]
	check "$m: its record is gone" [ ! -e "$st/$id" ]
}

suite root
suite rootless
