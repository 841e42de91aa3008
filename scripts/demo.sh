#!/bin/bash
# make demo: build a busybox bundle in a temp dir and run it rootless.
# Invoked as root, the demo creates (or reuses) the unprivileged user sbxtest
# and runs sbxrun as that user via setpriv; invoked as a normal user it runs
# directly. Either way no privilege is involved in running the container.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
SBXRUN=${SBXRUN:-$here/../build/sbxrun}
SBXRUN=$(cd "$(dirname "$SBXRUN")" && pwd)/$(basename "$SBXRUN")
[ -x "$SBXRUN" ] || { echo "demo: $SBXRUN not built (run make)" >&2; exit 1; }

heading() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" = 0 ]; then
	id sbxtest >/dev/null 2>&1 || useradd -m -s /bin/bash sbxtest
	user=sbxtest
	uid=$(id -u sbxtest)
	install -d -m 0700 -o sbxtest -g sbxtest "/run/user/$uid"
	home=$(getent passwd sbxtest | cut -d: -f6)
	as_user() {
		setpriv --reuid=sbxtest --regid=sbxtest --init-groups --reset-env \
			env HOME="$home" USER=sbxtest XDG_RUNTIME_DIR="/run/user/$uid" \
			PATH=/usr/local/bin:/usr/bin:/bin "$@"
	}
else
	user=$(id -un)
	as_user() { "$@"; }
fi

dir=$(mktemp -d /tmp/sbxrun-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"
[ "$user" = "$(id -un)" ] || chown "$user:" "$dir"

heading "building a busybox bundle in $dir/bundle (as $user, rootless)"
as_user env SBXRUN="$SBXRUN" "$here/mkbundle.sh" "$dir/bundle" --rootless -- sh -c '
	echo "hello from $(hostname) as uid $(id -u), pid $$"
	echo "--- ls /"; ls /
	echo "--- id"; id
	echo "--- processes visible in the container"; ps -o pid,user,comm
	echo "--- network interfaces"; ip -o link | cut -d: -f2
	echo "--- try to write to /"; touch /x 2>&1 || true
	echo "--- /tmp is writable"; echo ok > /tmp/x && cat /tmp/x' >/dev/null
echo "rootfs: busybox (scripts/mkrootfs.sh); config.json: sbxrun spec --rootless"
echo "namespaces: $(jq -r '[.linux.namespaces[].type] | join(" ")' "$dir/bundle/config.json")"
echo "uid map:    $(jq -c '.linux.uidMappings' "$dir/bundle/config.json")"

heading "host side: running as $(as_user id -un) (uid $(as_user id -u)): $SBXRUN run"
rc=0
as_user "$SBXRUN" run --bundle "$dir/bundle" demo </dev/null || rc=$?

heading "container exited with status $rc"
if [ "$rc" = 0 ]; then
	echo "demo OK: pid 1 in its own pid namespace, hostname from config.json,"
	echo "read-only root, only lo, no privileges on the host."
fi
[ "$rc" = 0 ] || exit "$rc"

# Networking (scripts/demo-net.sh): egress to a server outside the
# container and one published port, all inside namespaces the demo makes.
if ! command -v pasta >/dev/null && ! command -v slirp4netns >/dev/null; then
	heading "network demo skipped: neither pasta (package passt) nor slirp4netns is installed"
	exit 0
fi
if [ -c /dev/net/tun ] && ! as_user test -r /dev/net/tun -a -w /dev/net/tun; then
	if [ "$(id -u)" = 0 ]; then
		# pasta opens a tap device; Debian's udev makes /dev/net/tun
		# 0666, a machine without udev leaves it 0600 (tests/integration
		# /run.sh does the same).
		echo "demo: /dev/net/tun is not usable by $user: chmod 0666 (Debian's udev default)"
		chmod 0666 /dev/net/tun
	else
		heading "network demo skipped: /dev/net/tun is not readable and writable by $user"
		exit 0
	fi
fi
as_user unshare -rn -- env SBXRUN="$SBXRUN" PATH="$PATH" bash "$here/demo-net.sh" "$dir" </dev/null
