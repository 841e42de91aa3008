#!/bin/bash
# demo-net.sh DIR: the networking part of `make demo` (scripts/demo.sh).
#
# demo.sh runs this as the unprivileged user inside `unshare -rn`: a user
# and a network namespace of the demo's own, so nothing here touches the
# machine's network namespace.  In it the script builds a small world:
#   - an "outside" network namespace (also the demo's) with busybox httpd
#     on 192.168.77.2, linked to ours by a veth pair (our end 192.168.77.1,
#     the default route);
#   - a rootless container with `--net user` (pasta) publishing port 8080,
#     which fetches the outside page and then serves what it got.
# Then it reads the published port from our side and from the outside.
set -euo pipefail

dir=$1
SBXRUN=${SBXRUN:?}
heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
root="$dir/net-state"
out= httpd=

cleanup() {
	"$SBXRUN" --root "$root" delete --force demo-net >/dev/null 2>&1 || true
	[ -n "$httpd" ] && kill "$httpd" 2>/dev/null
	[ -n "$out" ] && kill "$out" 2>/dev/null
	return 0
}
trap cleanup EXIT

heading "network: a world of the demo's own (unshare -rn), the machine's network is untouched"
ip link set lo up
unshare -n sleep 1000 &
out=$!
for _ in $(seq 50); do
	[ "$(readlink /proc/$out/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] && break
	sleep 0.02
done
ip link add up0 mtu 1500 type veth peer name up1 netns "$out"
ip addr add 192.168.77.1/24 dev up0
ip link set up0 up
nsenter -n -t "$out" sh -c 'ip link set lo up; ip addr add 192.168.77.2/24 dev up1; ip link set up1 up'
ip route add default via 192.168.77.2
mkdir -p "$dir/www"
echo "hello from a server outside the container" >"$dir/www/index.html"
nsenter -n -t "$out" busybox httpd -f -p 192.168.77.2:80 -h "$dir/www" &
httpd=$!
for _ in $(seq 50); do
	busybox wget -qO /dev/null http://192.168.77.2/ 2>/dev/null && break
	sleep 0.05
done
echo "outside namespace: busybox httpd on 192.168.77.2:80; ours: 192.168.77.1 (default route)"

heading "a rootless container with --net user (pasta) and --publish 8080:80"
mkdir -p "$dir/net"
cp -a "$dir/bundle/rootfs" "$dir/net/rootfs"
"$SBXRUN" spec --rootless --bundle "$dir/net" --net user --publish 8080:80
new=$(jq '.process.args = ["sh", "-c", "mkdir /tmp/w; { echo \"the container fetched http://192.168.77.2/ and got:\"; wget -qO- http://192.168.77.2/; echo \"(served by the container on its port 80)\"; } >/tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w"]' \
	"$dir/net/config.json")
printf '%s\n' "$new" >"$dir/net/config.json"
echo "annotations: $(jq -c '.annotations' "$dir/net/config.json")"
"$SBXRUN" --root "$root" run --detach --bundle "$dir/net" demo-net </dev/null

heading "the published port, from our side: busybox wget -qO- http://127.0.0.1:8080/"
page=
for _ in $(seq 50); do
	page=$(busybox wget -qO- http://127.0.0.1:8080/ 2>/dev/null) && [ -n "$page" ] && break
	sleep 0.1
done
printf '%s\n' "$page"
heading "and from the outside namespace: wget -qO- http://192.168.77.1:8080/"
nsenter -n -t "$out" busybox wget -qO- http://192.168.77.1:8080/

heading "delete: the container, its pasta and its keeper go"
"$SBXRUN" --root "$root" delete --force demo-net
left=$(ps -eo stat=,comm=,args= | grep -v '^Z' | grep -E ' (pasta|passt[^ ]*|sbxrun-net) ' | grep -cF "$root" || true)
echo "helper processes left for this demo: $left"
case $page in
*"hello from a server outside the container"*) echo "network demo OK" ;;
*) echo "network demo FAILED: the published page is not the outside page" >&2; exit 1 ;;
esac
