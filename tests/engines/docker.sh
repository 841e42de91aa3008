#!/bin/bash
# Docker (Debian's docker.io) drives sbxrun: a private dockerd (own
# data-root, exec-root, pidfile and socket, vfs storage) with sbxrun added as
# a runtime, a locally imported busybox image.  The daemon must not touch
# the machine's network: no bridge, no iptables/ip6tables rules, no IP
# masquerading and --ip-forward=false (otherwise dockerd sets
# net.ipv4.ip_forward=1 at start, even with --bridge=none); the host's
# network state is compared before and after (tests/engines/hostnet.sh).
# Prints PASS:/FAIL: lines and "N passed, N failed"; stops the daemon it
# started (by pid) at the end.
#
#   tests/engines/docker.sh [SBXRUN]     (default build/sbxrun; run as root)
#   RUNTIME=/usr/sbin/runc tests/engines/docker.sh   compare with another runtime
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
SBXRUN=${1:-${SBXRUN:-$top/build/sbxrun}}
RUNTIME=${RUNTIME:-$SBXRUN}
case $RUNTIME in /*) ;; *) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;; esac
[ "$(id -u)" = 0 ] || { echo "docker.sh: run as root"; exit 2; }
command -v dockerd >/dev/null || { echo "docker.sh: dockerd not installed (apt-get install docker.io)"; exit 2; }
[ -x "$RUNTIME" ] || { echo "docker.sh: no runtime $RUNTIME"; exit 2; }

pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else ko "$1 (expected '$2', got '$3')"; fi; }
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else ko "$1 (no match for /$2/ in: $3)"; fi
}

# shellcheck source=tests/engines/hostnet.sh
source "$top/tests/engines/hostnet.sh"
work=$(mktemp -d /tmp/sbx-docker.XXXXXX)
hostnet_snapshot "$work/hostnet.before"
dpid=
cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		# dockerd stops the containerd it manages when it exits.
		kill -TERM "$dpid"
		for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$dpid" 2>/dev/null && kill -KILL "$dpid"
	fi
	# vfs layers may hold mounts under exec-root/data-root.
	grep -o " $work[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
	rm -rf "$work" 2>/dev/null
}
trap cleanup EXIT

"$top/scripts/mkrootfs.sh" "$work/rootfs" >/dev/null || { echo "mkrootfs failed"; exit 2; }
tar -C "$work/rootfs" -cf "$work/busybox.tar" . || exit 2

sock=$work/docker.sock
dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
	-H "unix://$sock" --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
	--ip-forward=false --ip-masq=false \
	--containerd-namespace sbx-engines-test --containerd-plugins-namespace sbx-engines-test-plugins \
	--add-runtime "sbxrun=$RUNTIME" >"$work/dockerd.log" 2>&1 &
dpid=$!
DK=(docker -H "unix://$sock")
for _ in $(seq 100); do "${DK[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${DK[@]}" version >/dev/null 2>&1 || { echo "dockerd did not come up:"; tail -20 "$work/dockerd.log"; exit 2; }
"${DK[@]}" import "$work/busybox.tar" sbxbb:latest >/dev/null || { echo "docker import failed"; exit 2; }

R=(--runtime sbxrun --network none)
out=$("${DK[@]}" run --rm "${R[@]}" sbxbb echo hello 2>&1)
check_match "run --rm echo" '^hello$' "$out"
"${DK[@]}" run --rm "${R[@]}" sbxbb sh -c 'exit 3' >/dev/null 2>&1
check "exit code" 3 "$?"
"${DK[@]}" run -d --name s1 "${R[@]}" sbxbb sleep 1000 >/dev/null 2>&1 || ko "run -d"
out=$("${DK[@]}" exec s1 sh -c 'echo exec:$(cat /proc/1/cmdline | tr "\0" " ")' 2>&1)
check_match "exec sees the container's pid 1" '^exec:sleep 1000 ?$' "$out"
"${DK[@]}" exec s1 sh -c 'exit 4' >/dev/null 2>&1
check "exec exit code" 4 "$?"
"${DK[@]}" stop -t 1 s1 >/dev/null 2>&1
check "stop" 0 "$?"
check "stopped status" "exited 137" "$("${DK[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' s1 2>&1)"
"${DK[@]}" rm s1 >/dev/null 2>&1
check "rm" 0 "$?"
"${DK[@]}" run -d --name k1 "${R[@]}" sbxbb sleep 1000 >/dev/null 2>&1
"${DK[@]}" kill k1 >/dev/null 2>&1
check "kill" 0 "$?"
check "killed exit code" 137 "$("${DK[@]}" wait k1 2>&1)"
"${DK[@]}" rm -f k1 >/dev/null 2>&1
out=$( (sleep 2; echo 'echo PTY-$((40+2)); tty; exit 5') |
	timeout 30 script -qec "$(printf '%q ' "${DK[@]}" run --rm -it "${R[@]}" sbxbb sh)" /dev/null | tr -d '\r')
check_match "-it through a pty" '^PTY-42$' "$out"
check_match "-it has a tty" '^/dev/pts/[0-9]+$' "$out"
out=$("${DK[@]}" run --rm "${R[@]}" --read-only sbxbb sh -c 'touch /x 2>&1; echo rc=$?' 2>&1)
check_match "--read-only" 'Read-only file system' "$out"
out=$("${DK[@]}" run --rm "${R[@]}" --cap-drop ALL sbxbb grep CapEff /proc/self/status 2>&1)
check_match "--cap-drop ALL" 'CapEff:[[:space:]]+0000000000000000' "$out"
out=$("${DK[@]}" run --rm "${R[@]}" --security-opt no-new-privileges sbxbb grep NoNewPrivs /proc/self/status 2>&1)
check_match "no-new-privileges" 'NoNewPrivs:[[:space:]]+1' "$out"
out=$("${DK[@]}" run --rm "${R[@]}" --user 1000:1000 sbxbb id 2>&1)
check_match "--user" '^uid=1000.*gid=1000' "$out"
# Docker's default device rules (deny all, its standard list) and
# --device, which adds a rule and a linux.devices entry with fileMode.
out=$("${DK[@]}" run --rm "${R[@]}" --device /dev/null:/dev/mynull sbxbb sh -c 'ls -l /dev/mynull; echo x > /dev/mynull && echo write-ok' 2>&1)
check_match "--device /dev/null:/dev/mynull" '^write-ok$' "$out"
# Docker asks for every capability it knows; where this host's own
# bounding set lacks some (a sandbox without CAP_SYS_RESOURCE), sbxrun
# leaves those out with a warning (runc fails there).  Expected: Docker's
# capabilities that the host has, CAP_SYS_ADMIN (21) among them.
out=$("${DK[@]}" run --rm "${R[@]}" --privileged sbxbb grep CapEff /proc/self/status 2>&1)
eff=$(awk '/^CapEff:/ { print $2 }' <<<"$out")
bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
if [ -n "$eff" ] && (( (16#$eff & ~16#$bnd) == 0 && (16#$eff >> 21) & 1 )); then
	ok "--privileged (CapEff $eff, host bounding set $bnd)"
else
	ko "--privileged: $out"
fi
"${DK[@]}" rm -f $("${DK[@]}" ps -aq) >/dev/null 2>&1

# Stop the daemon now, so that what it might do at exit is seen too.
kill -TERM "$dpid" 2>/dev/null
for _ in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
hostnet_snapshot "$work/hostnet.after"
if d=$(hostnet_compare "$work/hostnet.before" "$work/hostnet.after"); then
	ok "the host's network settings are unchanged (sysctls, links, addresses, routes, firewall)"
else
	ko "dockerd changed the host's network settings:"
	echo "$d" | sed 's/^/    /'
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
