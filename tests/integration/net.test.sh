# shellcheck shell=bash
# Networking (docs/networking.md).  SAFETY: nothing here touches the
# machine's own network namespace.  Every scenario runs in a network
# namespace the test creates (root: `unshare -n`; rootless: the test
# user's `unshare -rn`), the "outside world" is busybox httpd in a second
# namespace linked by a veth pair, and every test compares the host's
# links, addresses, routes, nft ruleset and ip_forward before and after.

NET_TEST_FILE=${BASH_SOURCE[0]}

_host_net_snapshot() {
	{
		ip -d link show 2>&1 | sed -E 's/ (qlen|minmtu|maxmtu|numtxqueues|numrxqueues|gso_max_[a-z]+|gro_max_[a-z]+|tso_max_[a-z]+|gro_ipv4_max_[a-z]+|gso_ipv4_max_[a-z]+) [0-9]+//g'
		ip addr show 2>&1 | grep -v -e valid_lft
		ip route show table all 2>&1
		nft list ruleset 2>&1
		sysctl -n net.ipv4.ip_forward 2>&1
	} >"$1"
}

# Inside containers, HTTP with a timeout is busybox nc (`printf "GET / ..."
# | nc -w 2 IP PORT`): busybox 1.35's `wget -T` crashes (SIGSEGV) before
# it connects, which a negative check would take for "unreachable".

# in_world FUNC: run FUNC (defined in this file) inside fresh namespaces:
# WORLD = sbxrun's namespace (uplink up0 192.168.77.1/24, default route,
# MTU 1400) and OUT = the outside (192.168.77.2, httpd serving "hello from
# outside").  Root mode: `unshare -n` as root; rootless: `unshare -rn` as
# the test user (sbxrun then runs as that user in its own namespaces).
in_world() {
	local fn=$1 before="$TEST_TMP/host-net.before" after="$TEST_TMP/host-net.after" rc=0
	command -v nft >/dev/null || skip "nft (package nftables) is needed to check the host ruleset"
	_host_net_snapshot "$before"
	if [ "$SBX_TEST_MODE" = root ]; then
		unshare -n -- bash -c 'source "$1"; source "$2"; _world_main "$3"' _ \
			"$SBX_SRCDIR/tests/integration/lib.sh" "$NET_TEST_FILE" "$fn" || rc=$?
	else
		chown_user "$TEST_TMP"
		as_user unshare -rn -- env SBX_TEST_USER=root SBX_TEST_MODE="$SBX_TEST_MODE" \
			TEST_TMP="$TEST_TMP" SBX_ROOT="$SBX_ROOT" SBXRUN="$SBXRUN" HELPERS="$HELPERS" \
			SBX_SRCDIR="$SBX_SRCDIR" SBX_IT_ROOTFS="$SBX_IT_ROOTFS" SBX_IT_FAILMARK="$SBX_IT_FAILMARK" \
			bash -c 'source "$1"; source "$2"; _world_main "$3"' _ \
			"$SBX_SRCDIR/tests/integration/lib.sh" "$NET_TEST_FILE" "$fn" || rc=$?
	fi
	_host_net_snapshot "$after"
	if ! diff -u "$before" "$after" >&2; then
		_sbx_fail "the host's network namespace changed (links, addresses, routes, nft or ip_forward)"
		return 1
	fi
	return "$rc"
}

_world_main() {
	local rc=0
	ip link set lo up || return 1
	unshare -n sleep 600 &
	OUT=$!
	sleep 0.1
	ip link add up0 mtu 1400 type veth peer name up1 netns "$OUT" || return 1
	ip addr add 192.168.77.1/24 dev up0 && ip link set up0 up || return 1
	out_exec sh -c 'ip link set lo up; ip addr add 192.168.77.2/24 dev up1; ip link set up1 up' || return 1
	ip route add default via 192.168.77.2 || return 1
	mkdir -p "$TEST_TMP/www" && echo "hello from outside" >"$TEST_TMP/www/index.html"
	out_exec busybox httpd -p 192.168.77.2:80 -h "$TEST_TMP/www" || return 1
	"$1" || rc=$?
	kill "$OUT" 2>/dev/null
	pkill -f "httpd -p 192.168.77.2:80 -h $TEST_TMP/www" 2>/dev/null
	return "$rc"
}

# Run a command in the outside namespace (made in our own user namespace).
out_exec() {
	nsenter -n -t "$OUT" "$@"
}

# net_bundle DIR SPEC-ARGS... -- CMD...: a bundle made with sbxrun spec.
net_bundle() {
	local dir=$1 args=() sa=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sa+=("$1"); shift; done
	shift
	mkdir -p "$dir" && cp -a "$SBX_IT_ROOTFS" "$dir/rootfs" 2>/dev/null
	[ "$SBX_TEST_MODE" = rootless ] && sa+=(--rootless)
	"$SBXRUN" spec --bundle "$dir" "${sa[@]}" 2>/dev/null || { echo "spec ${sa[*]} failed" >&2; return 1; }
	args=$(jq -cn '$ARGS.positional' --args -- "$@") || return 1
	cfg "$dir" ".process.args = $args"
}

nsbx() { "$SBXRUN" --root "$SBX_ROOT" "$@"; }

# No process, lease, record or rule of container $1 left.
expect_no_leftovers() {
	local id=$1 procs
	expect_eq "" "$(ls "$SBX_ROOT/.net/c" 2>/dev/null)" "network records" || return 1
	expect_eq "" "$(find "$SBX_ROOT/.net/leases" -type f 2>/dev/null)" "leases" || return 1
	expect_nomatch "sbxrun $id" "$(nft list table ip sbxrun 2>/dev/null)" "nft rules" || return 1
	expect_nomatch "vsbx" "$(ip -o link)" "host veth ends" || return 1
	# The keeper and helpers of this test's state root (other suites may
	# run theirs meanwhile); zombies waiting for pid 1 to reap them are
	# gone already.
	procs=$(_our_helpers "sbxrun-net|pasta.*|passt.*|slirp4netns")
	expect_eq "" "$procs" "helper processes"
}

# _our_helpers COMM-REGEX: live processes with such a name that belong to
# this test: their arguments or their working directory name $SBX_ROOT.
_our_helpers() {
	local pid stat comm
	ps -eo pid=,stat=,comm= | while read -r pid stat comm; do
		[[ $stat == Z* ]] && continue
		[[ $comm =~ ^($1)$ ]] || continue
		if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SBX_ROOT" ||
			readlink "/proc/$pid/cwd" 2>/dev/null | grep -qF -- "$SBX_ROOT"; then
			echo "$pid $stat $comm"
		fi
	done
}

# The per-user network namespace of rootless user-defined networks is gone:
# its supervisor, holder and uplink helper, and its record.
expect_no_rootless_netns() {
	local n
	# The supervisor stops its helper and holder before it exits.
	for n in $(seq 50); do
		[ -z "$(_our_helpers "sbxrun-netns|sbxrun-nshold|pasta.*|passt.*|slirp4netns")" ] && break
		sleep 0.1
	done
	expect_eq "" "$(_our_helpers "sbxrun-netns|sbxrun-nshold|pasta.*|passt.*|slirp4netns")" \
		"per-user network namespace processes" || return 1
	expect_eq "" "$(ls "$SBX_ROOT/.net/rootless" 2>/dev/null)" "per-user network namespace record"
}

# --------------------------------------------------------------------------

_bridge_egress_publish_dns() {
	local b="$TEST_TMP/b" out
	net_bundle "$b" --net bridge --publish 8080:80 -- sh -c \
		'wget -qO- http://192.168.77.2/ >/tmp/o; ip -o addr show eth0 >>/tmp/o; ip route >>/tmp/o; cat /sys/class/net/eth0/mtu >>/tmp/o; cat /etc/hosts /etc/resolv.conf /etc/hostname >>/tmp/o; mkdir /tmp/w; cp /tmp/o /tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	nsbx run -d --bundle "$b" net-br1 || return 1
	wait_for 5 wget -qO /dev/null http://192.168.77.1:8080/ || { _sbx_fail "published port does not answer from the host side"; return 1; }
	out=$(wget -qO- http://192.168.77.1:8080/)
	expect_match "^hello from outside$" "$out" "egress through NAT" || return 1
	expect_match "inet 10\.88\.0\.2/16" "$out" "address from the IPAM" || return 1
	expect_match "^default via 10\.88\.0\.1 dev eth0" "$out" "default route" || return 1
	expect_match "^1400$" "$out" "MTU from the uplink" || return 1
	expect_match "^10\.88\.0\.2[[:space:]]+sbxrun$" "$out" "/etc/hosts" || return 1
	expect_match "^nameserver " "$out" "/etc/resolv.conf" || return 1
	out=$(out_exec wget -qO- http://192.168.77.1:8080/) || { _sbx_fail "published port does not answer from outside"; return 1; }
	expect_match "^hello from outside$" "$out" "from the outside namespace" || return 1
	expect_eq 1 "$(cat /proc/sys/net/ipv4/ip_forward)" "ip_forward in sbxrun's own namespace" || return 1
	expect_match 'sbxrun net-br1 tcp/8080' "$(nft list table ip sbxrun)" "DNAT rule carries the ID" || return 1
	nsbx delete -f net-br1 || return 1
	expect_no_leftovers net-br1
}
test_bridge_egress_publish_dns() { in_world _bridge_egress_publish_dns; }

_bridge_icc() {
	local b1="$TEST_TMP/b1" b2="$TEST_TMP/b2" b3="$TEST_TMP/b3" b4="$TEST_TMP/b4" out
	net_bundle "$b1" --net bridge -- sh -c 'mkdir /tmp/w; echo one >/tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	net_bundle "$b2" --net bridge -- wget -qO- http://10.88.0.2/ || return 1
	nsbx run -d --bundle "$b1" net-icc1 || return 1
	out=$(nsbx run --bundle "$b2" net-icc2 2>&1)
	expect_match "^one$" "$out" "two containers on one network reach each other" || return 1
	net_bundle "$b3" --net bridge --net-name iso --icc=false -- sh -c 'mkdir /tmp/w; echo iso >/tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	net_bundle "$b4" --net bridge --net-name iso --icc=false -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.89.0.2 80 || echo unreachable; wget -qO- http://192.168.77.2/' || return 1
	nsbx run -d --bundle "$b3" net-icc3 || return 1
	out=$(nsbx run --bundle "$b4" net-icc4 2>&1)
	expect_match "^unreachable$" "$out" "--icc=false: containers do not reach each other" || return 1
	expect_match "^hello from outside$" "$out" "--icc=false: egress still works" || return 1
	# A container of one network cannot reach another network.
	net_bundle "$b2" --net bridge -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.89.0.2 80 || echo blocked' 2>/dev/null
	rm -f "$b2/config.json"; net_bundle "$TEST_TMP/b5" --net bridge -- sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.89.0.2 80 || echo blocked' || return 1
	out=$(nsbx run --bundle "$TEST_TMP/b5" net-icc5 2>&1)
	expect_match "^blocked$" "$out" "networks are kept apart" || return 1
	nsbx delete -f net-icc1 && nsbx delete -f net-icc3 || return 1
	expect_no_leftovers net-icc
}
test_bridge_icc() { in_world _bridge_icc; }

_bridge_errors() {
	local b="$TEST_TMP/b" err
	net_bundle "$b" --net bridge --publish 8090:80 -- sleep 100 || return 1
	nsbx create --bundle "$b" net-err1 || return 1
	err=$(nsbx run --bundle "$b" net-err2 2>&1)
	expect_match '^sbxrun: network: host port 8090/tcp is already published by container "net-err1"$' "$err" "port already published" || return 1
	net_bundle "$TEST_TMP/c" --net bridge --net-name ovl --subnet 10.88.5.0/24 -- true || return 1
	err=$(nsbx run --bundle "$TEST_TMP/c" net-err3 2>&1)
	expect_match '^sbxrun: network: network "ovl": subnet 10\.88\.5\.0/24 overlaps network "sbx0" \(10\.88\.0\.0/16\)$' "$err" "overlapping subnet" || return 1
	net_bundle "$TEST_TMP/d" --net bridge --net-name up --subnet 192.168.77.0/25 -- true || return 1
	err=$(nsbx run --bundle "$TEST_TMP/d" net-err4 2>&1)
	expect_match '^sbxrun: network: network "up": subnet 192\.168\.77\.0/25 overlaps the route 192\.168\.77\.0/24 on up0 of this host$' "$err" "subnet overlapping a host route" || return 1
	err=$("$SBXRUN" spec --bundle "$TEST_TMP" --net bridge --publish 80:99999 2>&1)
	expect_match 'sbxrun spec: --publish: container port "99999" is not a number in 1\.\.65535' "$err" "malformed publish spec" || return 1
	err=$("$SBXRUN" spec --bundle "$TEST_TMP" --net bridge --net-name averyverylongname 2>&1)
	expect_match 'network name "averyverylongname" is too long \(at most 11 characters' "$err" "name too long" || return 1
	cfg "$b" '.annotations["run.sbx.net.publish"] = "8080"' || return 1
	err=$(nsbx run --bundle "$b" net-err5 2>&1)
	expect_match '^sbxrun: config.json: annotations.run.sbx.net.publish: "8080" is not \[IP:\]HOSTPORT:PORT\[/tcp\|/udp\]$' "$err" "malformed publish annotation" || return 1
	nsbx delete -f net-err1 || return 1
	expect_no_leftovers net-err
}
test_bridge_errors() {
	[ "$SBX_TEST_MODE" = root ] || skip "bridge mode is rootful"
	in_world _bridge_errors
}

# SIGKILL of `create` at the moment networking is set up, then delete --force.
_bridge_crash_cleanup() {
	local b="$TEST_TMP/b" pid i
	net_bundle "$b" --net bridge --publish 8085:80 -- sleep 100 || return 1
	for i in 1 2 3; do
		nsbx create --bundle "$b" "net-crash$i" &
		pid=$!
		# Kill it as soon as its lease or record exists (mid-setup).
		wait_for 5 sh -c 'ls "$1/.net/c" 2>/dev/null | grep -q .' _ "$SBX_ROOT"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		nsbx delete --force "net-crash$i" || return 1
		expect_no_leftovers "net-crash$i" || return 1
	done
	# A clean create + delete after the crashes still works.
	nsbx create --bundle "$b" net-crash4 || return 1
	nsbx delete --force net-crash4 || return 1
	expect_no_leftovers net-crash4
}
test_bridge_crash_cleanup() { in_world _bridge_crash_cleanup; }

_netdevices() {
	local b="$TEST_TMP/b" out
	# A dummy interface; kernels without CONFIG_DUMMY get one end of a
	# veth pair (it lives on while its peer stays here).
	ip link add sbxdummy0 type dummy 2>/dev/null ||
		ip link add sbxdummy0 type veth peer name sbxdummy0p || return 1
	net_bundle "$b" -- sh -c 'ip -o link show dev1; sleep 100' || return 1
	cfg "$b" '.linux.netDevices = {"sbxdummy0": {"name": "dev1"}}' || return 1
	nsbx create --bundle "$b" net-dev || return 1
	expect_eq "" "$(ip -o link show sbxdummy0 2>/dev/null)" "device moved out of the host namespace" || return 1
	nsbx start net-dev || return 1
	nsbx delete -f net-dev || return 1
	wait_for 5 ip link show sbxdummy0 >/dev/null 2>&1 || { _sbx_fail "sbxdummy0 did not come back after delete"; return 1; }
	expect_no_leftovers net-dev || return 1
	ip link del sbxdummy0 2>/dev/null
	true
}
test_netdevices_move_and_return() { in_world _netdevices; }

_user_mode() {
	local helper=$1 b="$TEST_TMP/$1" out flags
	case $helper in
	pasta) command -v pasta >/dev/null || skip "pasta (package passt) not installed" ;;
	slirp4netns) command -v slirp4netns >/dev/null || skip "slirp4netns not installed" ;;
	esac
	net_bundle "$b" --net "user:$helper" --publish 8081:80 -- sh -c \
		'wget -qO- http://192.168.77.2/ >/tmp/o; cat /etc/resolv.conf /etc/hosts >>/tmp/o; echo "tun_flags $(cat /sys/class/net/eth0/tun_flags)" >>/tmp/o; mkdir /tmp/w; cp /tmp/o /tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	nsbx run -d --bundle "$b" "net-$helper" || return 1
	wait_for 5 wget -qO /dev/null http://127.0.0.1:8081/ || { _sbx_fail "published port does not answer on the host side"; return 1; }
	out=$(wget -qO- http://127.0.0.1:8081/)
	expect_match "^hello from outside$" "$out" "egress through $helper" || return 1
	expect_match "^nameserver " "$out" "resolv.conf" || return 1
	# The tap is sbxrun's, persistent (IFF_PERSIST 0x800): the helper's
	# exit does not unregister it (an rcu_barrier that delete waited for);
	# it goes with the container's network namespace.
	flags=$(sed -n 's/^tun_flags //p' <<<"$out")
	[ -n "$flags" ] && (( flags & 0x800 )) || { _sbx_fail "eth0 is not a persistent tap (tun_flags '$flags')"; return 1; }
	out=$(out_exec wget -qO- http://192.168.77.1:8081/)
	expect_match "^hello from outside$" "$out" "publish from the outside namespace" || return 1
	expect_match " (pasta.*|passt.*|slirp4netns)$" "$(_our_helpers "pasta.*|passt.*|slirp4netns")" "$helper runs" || return 1
	nsbx delete -f "net-$helper" || return 1
	expect_no_leftovers "net-$helper"
}
_user_pasta() { _user_mode pasta; }
_user_slirp() { _user_mode slirp4netns; }
test_user_mode_pasta() { in_world _user_pasta; }
test_user_mode_slirp4netns() { in_world _user_slirp; }

# Leaving sbxrun's `run` by SIGKILL of the container ends the helper too.
_user_helper_dies_with_container() {
	local b="$TEST_TMP/b"
	net_bundle "$b" --net user -- sleep 100 || return 1
	nsbx run -d --bundle "$b" net-die || return 1
	nsbx kill net-die KILL || return 1
	local n
	for n in $(seq 50); do
		[ -z "$(_our_helpers "sbxrun-net|pasta.*|passt.*|slirp4netns")" ] && break
		sleep 0.1
	done
	expect_eq "" "$(_our_helpers "sbxrun-net|pasta.*|passt.*|slirp4netns")" "helper outlived the container" || return 1
	nsbx delete -f net-die || return 1
	expect_no_leftovers net-die
}
test_user_helper_never_outlives_container() { in_world _user_helper_dies_with_container; }

# The helper starts while init sets itself up (the launcher's step 3 to
# 7b): the container's first instruction must still find eth0 addressed
# and routed, in a foreground run (init waits for SBX_SYNC_NETWORK), with
# --detach (for the hand-over) and with create/start; so does a
# createContainer hook.  With init's wait
# removed, most foreground runs here saw no route (checked by hand).
_user_network_ready_at_start() {
	local b="$TEST_TMP/b" out i
	net_bundle "$b" --net user:pasta -- sh -c \
		'if grep -q "^eth0[[:space:]]00000000" /proc/net/route; then echo ready; else echo "not ready"; cat /proc/net/route; fi' || return 1
	command -v pasta >/dev/null || skip "pasta (package passt) not installed"
	for i in 1 2 3 4 5; do
		out=$(nsbx run --bundle "$b" "net-ready$i" 2>&1)
		expect_eq "ready" "$out" "foreground run $i: default route at the first instruction" || return 1
	done
	# A createContainer hook (run by init, in the container's network
	# namespace, before the process) still finds the network ready: with
	# such hooks the helper is waited for before GO, as before.
	cfg "$b" '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "/bin/grep -q \"^eth0[[:space:]]00000000\" /proc/net/route"]}]' || return 1
	nsbx run --bundle "$b" net-ready-hook >/dev/null 2>&1 || { _sbx_fail "createContainer hook: no default route yet"; return 1; }
	cfg "$b" 'del(.hooks) | .process.args = ["sh", "-c", "grep -q \"^eth0[[:space:]]00000000\" /proc/net/route && echo ready >/tmp/r; cp /tmp/r /dev/stdout; sleep 100"]' || return 1
	nsbx run -d --bundle "$b" net-ready-d >"$TEST_TMP/d.out" 2>&1 || return 1
	nsbx create --bundle "$b" net-ready-c || return 1
	nsbx start net-ready-c || return 1
	for i in $(seq 50); do
		[ "$(nsbx exec net-ready-d cat /tmp/r 2>/dev/null)" = ready ] &&
			[ "$(nsbx exec net-ready-c cat /tmp/r 2>/dev/null)" = ready ] && break
		sleep 0.1
	done
	expect_eq "ready" "$(nsbx exec net-ready-d cat /tmp/r 2>&1)" "run --detach: default route at the first instruction" || return 1
	expect_eq "ready" "$(nsbx exec net-ready-c cat /tmp/r 2>&1)" "create/start: default route at the first instruction" || return 1
	nsbx delete -f net-ready-d || return 1
	nsbx delete -f net-ready-c || return 1
	expect_no_leftovers net-ready-c && expect_no_leftovers net-ready-d
}
test_user_mode_network_ready_at_start() { in_world _user_network_ready_at_start; }

# User mode's exact errors, before anything is made: no helper installed
# (the message names the package), a helper asked for by name that is
# missing, and (rootless) a published host port below the namespace's
# net.ipv4.ip_unprivileged_port_start.
_user_errors() {
	local b="$TEST_TMP/b" err
	net_bundle "$b" --net user -- true || return 1
	err=$(PATH=/nonexistent-sbx nsbx run --bundle "$b" net-uerr1 2>&1)
	expect_match '^sbxrun: .*network mode user: neither pasta nor slirp4netns is installed \(install the package passt, or slirp4netns\)$' "$err" "no helper" || return 1
	cfg "$b" '.annotations["run.sbx.net.mode"] = "user:pasta"' || return 1
	err=$(PATH=/nonexistent-sbx nsbx run --bundle "$b" net-uerr2 2>&1)
	expect_match 'network mode user:pasta: pasta is not installed \(install the package passt\)$' "$err" "pasta missing" || return 1
	cfg "$b" '.annotations["run.sbx.net.mode"] = "user:slirp4netns"' || return 1
	err=$(PATH=/nonexistent-sbx nsbx run --bundle "$b" net-uerr3 2>&1)
	expect_match 'network mode user:slirp4netns: slirp4netns is not installed \(install the package slirp4netns\)$' "$err" "slirp4netns missing" || return 1
	if [ "$SBX_TEST_MODE" = rootless ]; then
		net_bundle "$TEST_TMP/c" --net user --publish 80:80 -- true || return 1
		err=$(nsbx run --bundle "$TEST_TMP/c" net-uerr4 2>&1)
		expect_match '^sbxrun: config.json: annotations.run.sbx.net.publish: host port 80 is below net.ipv4.ip_unprivileged_port_start \(1024\): a rootless container publishes ports from 1024 up$' "$err" "privileged host port" || return 1
	fi
	expect_no_leftovers net-uerr
}
test_user_mode_errors() { in_world _user_errors; }

# Rootless user-defined network: two containers of one user on network
# "web" reach each other by IP over the bridge in the per-user network
# namespace; egress goes through its pasta uplink; a published port is
# relayed by the container's keeper; the last delete stops it all.
_rootless_network() {
	local rc=0
	_rootless_network_steps || rc=$?
	# Whatever failed: the per-user namespace's processes have their own
	# session, the harness's kill of the test's group does not reach them.
	nsbx delete -f rn1 >/dev/null 2>&1
	nsbx delete -f rn3 >/dev/null 2>&1
	return "$rc"
}
_rootless_network_steps() {
	local b1="$TEST_TMP/r1" b2="$TEST_TMP/r2" out
	command -v pasta >/dev/null || skip "pasta (package passt) not installed"
	net_bundle "$b1" --net user --net-name web --publish 8082:80 -- sh -c \
		'mkdir /tmp/w; echo one >/tmp/w/index.html; ip -o addr show eth0 >>/tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	net_bundle "$b2" --net user --net-name web -- sh -c \
		'printf "GET / HTTP/1.0\r\n\r\n" | nc -w 2 10.89.0.2 80 || echo unreachable; wget -qO- http://192.168.77.2/ || echo no-egress' || return 1
	nsbx run -d --bundle "$b1" rn1 || return 1
	expect_match " sbxrun-netns$" "$(_our_helpers sbxrun-netns)" "per-user network namespace running" || return 1
	# The published port answers once httpd listens.
	wait_for 5 wget -qO /dev/null http://127.0.0.1:8082/ || { _sbx_fail "published port does not answer on the host side"; return 1; }
	expect_match "^one$" "$(wget -qO- http://127.0.0.1:8082/)" "publish from the host side" || return 1
	expect_match "^one$" "$(out_exec wget -qO- -T 3 http://192.168.77.1:8082/)" "publish from the outside namespace" || return 1
	out=$(nsbx run --bundle "$b2" rn2 2>&1)
	expect_match "^one$" "$out" "two containers on one rootless network reach each other" || return 1
	expect_match "inet 10\.89\.0\.2/24" "$out" "address from the IPAM of the named network" || return 1
	expect_match "^hello from outside$" "$out" "egress through the per-user namespace's uplink" || return 1
	# The name belongs to the rootless network now: bridge mode (it works
	# here, as root of the test's user namespace) must pick another.
	net_bundle "$TEST_TMP/r4" --net bridge --net-name web -- true || return 1
	expect_match 'network "web" exists as a rootless user-defined network; a bridge-mode network needs another name' \
		"$(nsbx run --bundle "$TEST_TMP/r4" rn4 2>&1)" "one name, two kinds of network" || return 1
	nsbx delete -f rn1 || return 1
	expect_no_leftovers rn1 || return 1
	expect_no_rootless_netns || return 1
	# A network of the same name comes back with a new container.
	nsbx run --bundle "$b2" rn3 >/dev/null 2>&1
	expect_no_leftovers rn3 && expect_no_rootless_netns
}
test_rootless_user_defined_network() {
	if [ "$SBX_TEST_MODE" = root ]; then
		local err
		sbx spec --bundle "$TEST_TMP" --net user --net-name web >/dev/null 2>&1 || return 1
		cp -a "$SBX_IT_ROOTFS" "$TEST_TMP/rootfs"
		err=$(sbx run --bundle "$TEST_TMP" rn-root 2>&1)
		expect_match "a user-defined network with mode user is for rootless callers; as root use mode bridge" "$err" "root asking for a rootless network"
		return
	fi
	in_world _rootless_network
}

# SIGKILL of `create` while it sets up a rootless user-defined network,
# then `delete --force`: whether or not the container's record existed yet,
# nothing is left (the supervisor ends itself once no container uses it).
_rootless_network_crash() {
	local b="$TEST_TMP/rc" pid n
	command -v pasta >/dev/null || skip "pasta (package passt) not installed"
	net_bundle "$b" --net user --net-name web -- sleep 100 || return 1
	for n in 1 2; do
		nsbx create --bundle "$b" "rc$n" &
		pid=$!
		wait_for 5 sh -c '[ -s "$1/.net/rootless" ]' _ "$SBX_ROOT"
		[ "$n" = 2 ] && wait_for 5 sh -c 'ls "$1/.net/c" 2>/dev/null | grep -q .' _ "$SBX_ROOT"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		nsbx delete --force "rc$n" >/dev/null 2>&1
		for _ in $(seq 100); do
			[ -z "$(_our_helpers "sbxrun-netns|sbxrun-nshold|pasta.*|passt.*|sbxrun-net")" ] && break
			sleep 0.1
		done
		expect_no_leftovers "rc$n" || return 1
		expect_no_rootless_netns || return 1
	done
}
test_rootless_network_crash_cleanup() {
	[ "$SBX_TEST_MODE" = rootless ] || skip "rootless only"
	in_world _rootless_network_crash
}

# The state root goes away under a running per-user network (a test's
# rm -rf, a logout that empties $XDG_RUNTIME_DIR): no record can name the
# network any more, so its supervisor, holder and uplink must end too
# (they used to poll for the network lock in the missing root forever).
_rootless_network_root_removed() {
	local b="$TEST_TMP/rd" pid n
	command -v pasta >/dev/null || skip "pasta (package passt) not installed"
	SBX_ROOT="$TEST_TMP/doomed-root"
	net_bundle "$b" --net user --net-name doomed -- sleep 100 || return 1
	nsbx run -d --bundle "$b" rd1 || return 1
	expect_match "sbxrun-netns" "$(_our_helpers "sbxrun-netns")" "the supervisor runs" || return 1
	pid=$(nsbx state rd1 | jq -r .pid)
	kill -KILL "$pid"
	rm -rf "$SBX_ROOT"
	# The supervisor looks every 5 s.
	for n in $(seq 150); do
		[ -z "$(_our_helpers "sbxrun-netns|sbxrun-nshold|pasta.*|passt.*|slirp4netns|sbxrun-net")" ] && break
		sleep 0.1
	done
	expect_eq "" "$(_our_helpers "sbxrun-netns|sbxrun-nshold|pasta.*|passt.*|slirp4netns|sbxrun-net")" \
		"network processes of a deleted state root"
}
test_rootless_network_state_root_removed() {
	[ "$SBX_TEST_MODE" = rootless ] || skip "rootless only"
	in_world _rootless_network_root_removed
}

# The same as the real unprivileged user (not root of a test user
# namespace): the per-user user namespace is mapped with newuidmap from
# /etc/subuid.  Traffic stays between the two containers (busybox nc; no
# uplink traffic), so it runs without a test network namespace; the host's
# network state is still compared before and after.
test_rootless_network_as_unprivileged_user() {
	local b1="$TEST_TMP/u1" b2="$TEST_TMP/u2" out before="$TEST_TMP/host.before" after="$TEST_TMP/host.after"
	[ "$SBX_TEST_MODE" = rootless ] || skip "rootless only"
	command -v pasta >/dev/null || skip "pasta (package passt) not installed"
	command -v nft >/dev/null || skip "nft (package nftables) is needed to check the host ruleset"
	_host_net_snapshot "$before"
	make_bundle "$b1" sh -c 'mkdir /tmp/w; echo two >/tmp/w/index.html; exec httpd -f -p 80 -h /tmp/w' || return 1
	make_bundle "$b2" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do printf "GET / HTTP/1.0\r\n\r\n" | nc -w 3 10.89.0.2 80 2>/dev/null && break; sleep 0.3; done'
	for b in "$b1" "$b2"; do
		cfg "$b" '.annotations["run.sbx.net.mode"] = "user" | .annotations["run.sbx.net.name"] = "lan"' || return 1
	done
	sbx run -d --bundle "$b1" ru1 || return 1
	out=$(sbx run --bundle "$b2" ru2 2>&1)
	expect_match "^two$" "$out" "containers of an unprivileged user reach each other" || { sbx delete -f ru1; return 1; }
	sbx delete -f ru1 || return 1
	expect_no_leftovers ru1 || return 1
	expect_no_rootless_netns || return 1
	_host_net_snapshot "$after"
	diff -u "$before" "$after" >&2 || _sbx_fail "the host's network namespace changed"
}

test_spec_net_annotations() {
	local out
	sbx spec --bundle "$TEST_TMP" --net bridge --publish 127.0.0.1:8080:80/tcp --publish 53:53/udp --net-name web --icc=false || return 1
	# (root's spec also has run.sbx.userns, the user namespace pool: not
	# this test's business)
	out=$(jq -c '.annotations | del(.["run.sbx.userns"])' "$TEST_TMP/config.json")
	expect_eq '{"run.sbx.net.mode":"bridge","run.sbx.net.publish":"127.0.0.1:8080:80/tcp,53:53/udp","run.sbx.net.name":"web","run.sbx.net.icc":"false"}' "$out" "annotations" || return 1
	rm "$TEST_TMP/config.json"
	out=$(sbx spec --bundle "$TEST_TMP" --net host 2>&1) || return 1
	expect_match "least isolated" "$out" "host mode warning" || return 1
	expect_eq "" "$(jq -r '.linux.namespaces[] | select(.type == "network") | .type' "$TEST_TMP/config.json")" "no network namespace" || return 1
	rm "$TEST_TMP/config.json"
	sbx spec --bundle "$TEST_TMP" --net auto || return 1
	if [ "$SBX_TEST_MODE" = root ]; then want=bridge; else want=user; fi
	expect_eq "$want" "$(jq -r '.annotations["run.sbx.net.mode"]' "$TEST_TMP/config.json")" "--net auto"
}

# scripts/bench-net.sh builds links and routes wherever it runs; it must
# refuse the namespace bench.sh started in.  Checked inside a namespace of
# the test's own (the old check compared with /proc/1/ns/net: unreadable
# on some machines, so the empty string "differed" and the script went on).
test_bench_net_refuses_callers_netns() {
	[ "$SBX_TEST_MODE" = root ] || skip "bench-net.sh runs as root"
	local out
	out=$(unshare -n bash -c 'SBX_BENCH_HOST_NETNS=$(readlink /proc/self/ns/net) WORK=/nonexistent "$1" 2>&1; echo "rc=$?"; ip -o link | grep -c "up0" || true' _ "$SBX_SRCDIR/scripts/bench-net.sh")
	expect_match "refusing to run in the machine's network namespace" "$out" "refusal" || return 1
	expect_match "rc=1" "$out" "exit status" || return 1
	expect_match "^0$" "$(tail -1 <<<"$out")" "no uplink made"
}
