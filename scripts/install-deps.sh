#!/bin/sh
# install-deps.sh: make sure the build and test dependencies are present.
#
#   --check-or-install  (default; run by `make demo`/`make check`) check the
#                       build + test dependencies, the VM suite's included
#                       (qemu-system-x86 apparmor cpio: `make check` runs
#                       it); install what is missing when root on Debian
#                       (apt-get), otherwise print the exact command and
#                       fail. Silent when all is present.
#   --all               also the optional tools for CI, the engines and the
#                       benchmark (runc crun hyperfine valgrind clang podman
#                       docker.io ...).
#   --check             only check; never install.
set -eu

BUILD_PKGS="gcc make pkg-config libcap-ng-dev libseccomp-dev libmnl-dev libnftnl-dev libapparmor-dev libjansson-dev check"
TEST_PKGS="busybox-static uidmap jq iproute2 util-linux procps nodejs npm nftables passt slirp4netns wget strace time"
# tests/vm (../shared/vm/vm-run.sh): real AppArmor and cgroup v2 under qemu
VM_PKGS="qemu-system-x86 apparmor cpio file"
OPT_PKGS="runc crun hyperfine valgrind clang libclang-rt-14-dev
	podman conmon docker.io containerd containernetworking-plugins slirp4netns fuse-overlayfs"

mode=--check-or-install
[ $# -eq 0 ] || mode=$1
case $mode in
--check-or-install|--check) pkgs="$BUILD_PKGS $TEST_PKGS $VM_PKGS" ;;
--all) pkgs="$BUILD_PKGS $TEST_PKGS $VM_PKGS $OPT_PKGS" ;;
-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
*) echo "usage: $0 [--check-or-install|--check|--all]" >&2; exit 2 ;;
esac

# dpkg-query is the authority on Debian; elsewhere fall back to pkg-config
# for the libraries and PATH for the tools, so a hand-built system passes.
installed() {
	if command -v dpkg-query >/dev/null 2>&1; then
		st=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)
		[ "$st" = installed ] && return 0
	fi
	case $1 in
	libcap-ng-dev) pkg-config --exists libcap-ng 2>/dev/null ;;
	libseccomp-dev) pkg-config --exists libseccomp 2>/dev/null ;;
	libmnl-dev) pkg-config --exists libmnl 2>/dev/null ;;
	libnftnl-dev) pkg-config --exists libnftnl 2>/dev/null ;;
	nftables) command -v nft >/dev/null 2>&1 ;;
	passt) command -v pasta >/dev/null 2>&1 ;;
	libapparmor-dev) pkg-config --exists libapparmor 2>/dev/null ;;
	libjansson-dev) pkg-config --exists jansson 2>/dev/null ;;
	check) pkg-config --exists check 2>/dev/null ;;
	busybox-static) [ -x /bin/busybox ] && ! file -L /bin/busybox 2>/dev/null | grep -q dynamic ;;
	uidmap) command -v newuidmap >/dev/null 2>&1 ;;
	iproute2) command -v ip >/dev/null 2>&1 ;;
	util-linux) command -v setpriv >/dev/null 2>&1 ;;
	procps) command -v ps >/dev/null 2>&1 ;;
	nodejs) command -v node >/dev/null 2>&1 ;;
	qemu-system-x86) command -v qemu-system-x86_64 >/dev/null 2>&1 ;;
	apparmor) command -v apparmor_parser >/dev/null 2>&1 ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# npm tools for the tests (after the apt packages, which bring npm):
# the SARIF Multitool validates `sbxrun check --format sarif` output.
npm_tools() {
	[ "$mode" = --check ] && return 0
	"$(dirname "$0")/sarif-validate.sh" --install
}

missing=
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	npm_tools
	exit 0
fi

cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$mode" = --check ]; then
	echo "install-deps: missing:$missing" >&2
	echo "install-deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: install them with (as root):" >&2
	echo "    apt-get update && $cmd" >&2
	exit 1
fi
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
npm_tools
echo "install-deps: done"
