# shellcheck shell=bash
# The machine's own network settings, before and after an engine test
# (sourced by tests/engines/*.sh).  Engine tests must never change them: a
# private dockerd flips net.ipv4.ip_forward unless given --ip-forward=false,
# a rootful `podman run` without --network none creates a bridge and
# firewall rules.
#
#   hostnet_snapshot FILE          write the current state to FILE
#   hostnet_compare BEFORE AFTER   0 if equal, else 1 and the diff on stdout
#
# What is recorded: the forwarding and bridge-netfilter sysctls, the links
# (name and kind), addresses, routes and policy rules of the host's network
# namespace, its firewall (nft ruleset), and whether the modules an engine
# loads for bridging/NAT are loaded.

hostnet_snapshot() {
	local out=$1 k
	# A missing source is recorded as empty, never an error: callers run
	# under `set -euo pipefail` (.ci/run), and a machine may lack
	# /proc/modules (no loadable modules), IPv6 routes or nft.
	local -
	set +e +o pipefail
	{
		echo "## sysctl"
		for k in net.ipv4.ip_forward net.ipv4.conf.all.forwarding \
			net.ipv4.conf.default.forwarding net.ipv6.conf.all.forwarding \
			net.ipv6.conf.default.forwarding net.ipv4.conf.all.route_localnet \
			net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables; do
			echo "$k = $(sysctl -n "$k" 2>/dev/null || echo absent)"
		done
		echo "## links"
		ip -o -d link show 2>/dev/null | awk '{
			name = $2; kind = "";
			for (i = 3; i <= NF; i++) if ($i ~ /^(bridge|veth|vxlan|dummy|macvlan|ipvlan|tun|wireguard)$/) kind = $i;
			print name, kind }' | sort
		# Without what changes by itself: IPv6 privacy (temporary)
		# addresses and the remaining lifetime of RA/DHCP routes.
		echo "## addresses"
		ip -o addr show 2>/dev/null | grep -v ' temporary ' | awk '{ print $2, $3, $4 }' | sort
		echo "## routes"
		ip route show table all 2>/dev/null | grep -v '^local\|^broadcast' |
			sed 's/ expires [0-9]*sec//' | sort
		ip -6 route show table all 2>/dev/null | grep -v '^local\|^multicast\|^anycast' |
			sed 's/ expires [0-9]*sec//' | sort
		echo "## rules"
		ip rule show 2>/dev/null
		ip -6 rule show 2>/dev/null
		# Debian's iptables is iptables-nft: its rules are in the nft
		# ruleset.  iptables-save only without nft (it may load modules).
		echo "## firewall"
		if command -v nft >/dev/null; then
			nft list ruleset 2>/dev/null |
				sed 's/counter packets [0-9]* bytes [0-9]*/counter/; s/ expires [0-9hms]*//'
		elif command -v iptables-save >/dev/null; then
			iptables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
			ip6tables-save 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
		fi
		echo "## modules"
		grep -E '^(br_netfilter|bridge|ip_tables|ip6_tables|iptable_nat|nf_nat|veth|overlay) ' \
			/proc/modules 2>/dev/null | awk '{ print $1 }' | sort
	} >"$out"
	return 0
}

hostnet_compare() {
	diff -u "$1" "$2" >/dev/null && return 0
	diff -u "$1" "$2" | sed -n '3,$p' | head -40
	return 1
}
