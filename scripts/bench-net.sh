#!/bin/bash
# bench-net.sh: start-up latency of the network modes, for scripts/bench.sh.
# bench.sh runs it as root inside a network namespace made for it
# (`unshare -n`), so the bridge, its nft table, ip_forward and the helpers
# live and die there; the machine's own network namespace is never touched.
# Here it builds what a real host has: an uplink `up0` (MTU 1400, default
# route) to a second namespace standing for the outside world.
#
#   SBXRUN=... WORK=DIR BENCH_OUT=DIR RUNS=N WARMUP=N ROUNDS=N bench-net.sh
# Bundles $WORK/net-{none,bridge,pasta,slirp} (made by bench.sh) run
# /bin/true; rows: none, bridge, user (pasta), user (slirp4netns).  Writes
# $BENCH_OUT/net.R.json per round.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "bench-net: run as root (from bench.sh)" >&2; exit 1; }
# bench.sh records its own network namespace before `unshare -n`; we
# must be in another one.  (Comparing with /proc/1/ns/net is not enough:
# where pid 1's link is unreadable, the empty string always differs.)
here_ns=$(readlink /proc/self/ns/net)
[ -n "${SBX_BENCH_HOST_NETNS:-}" ] && [ -n "$here_ns" ] && [ "$here_ns" != "$SBX_BENCH_HOST_NETNS" ] ||
	{ echo "bench-net: refusing to run in the machine's network namespace (bench.sh runs it under unshare -n)" >&2; exit 1; }

ip link set lo up
unshare -n sleep 100000 &
out=$!
trap 'kill "$out" 2>/dev/null' EXIT
for _ in $(seq 50); do [ "$(readlink /proc/$out/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
ip link add up0 mtu 1400 type veth peer name up1 netns "$out"
ip addr add 192.168.77.1/24 dev up0
ip link set up0 up
nsenter -n -t "$out" sh -c 'ip link set lo up; ip addr add 192.168.77.2/24 dev up1; ip link set up1 up'
ip route add default via 192.168.77.2

state=$WORK/net-state
mkdir -p "$state"
names=() cmds=()
add() { names+=("$1"); cmds+=("$SBXRUN --root $state run --bundle $WORK/net-$2 bench-net-$2"); }
add "none" none
add "bridge" bridge
command -v pasta >/dev/null && add "user (pasta)" pasta
command -v slirp4netns >/dev/null && add "user (slirp4netns)" slirp
for i in "${!cmds[@]}"; do
	# shellcheck disable=SC2086
	${cmds[$i]} </dev/null || { echo "bench-net: '${names[$i]}' fails: ${cmds[$i]}" >&2; exit 1; }
done
for r in $(seq "$ROUNDS"); do
	hf=(hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$BENCH_OUT/net.$r.json")
	for i in "${!cmds[@]}"; do hf+=(-n "${names[$i]}" "${cmds[$i]}"); done
	echo "bench-net: round $r of $ROUNDS"
	"${hf[@]}"
done
