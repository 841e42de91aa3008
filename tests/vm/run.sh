#!/bin/bash
# VM test driver: runs tests/vm/*.test.sh inside Debian's stock kernel
# (AppArmor on, pure cgroup v2 with delegation) booted under qemu by
# ../shared/vm/vm-run.sh, in ONE VM boot (TCG emulation is slow to boot).
#
#   SBXRUN=/abs/sbxrun HELPERS=/abs/helpers tests/vm/run.sh [NAME.test.sh...]
#
# The payload (copied to /payload in the guest) holds the built sbxrun (a
# dynamic ELF: vm-run.sh adds its libraries), the static helpers, a static
# busybox for rootfs building, scripts/, configs/, the tests and guest.sh,
# which prints PASS:/FAIL: lines and `N passed, N failed`. The exit status
# is the guest's (124 timeout, 125 guest died, 126 harness error).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
: "${SBXRUN:=$top/build/sbxrun}"
: "${HELPERS:=$top/build/helpers}"
: "${VM_TIMEOUT:=900}"
harness=${VM_RUN:-$(dirname "$top")/shared/vm/vm-run.sh}
# a worktree under wt/NAME: the harness is one level further up
[ -n "${VM_RUN:-}" ] || [ -x "$harness" ] || harness=$(dirname "$(dirname "$top")")/shared/vm/vm-run.sh

die() { echo "vm tests: $*" >&2; exit 2; }
[ -x "$harness" ] || die "VM harness $harness not found"
[ -x "$SBXRUN" ] || die "SBXRUN=$SBXRUN is not an executable (make)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed"

payload=$(mktemp -d /tmp/sbx-vm-payload.XXXXXX) || die mktemp
trap 'rm -rf "$payload"' EXIT
cp "$SBXRUN" "$payload/sbxrun"
mkdir -p "$payload/helpers" "$payload/tests"
if [ -d "$HELPERS" ]; then
	cp -a "$HELPERS/." "$payload/helpers/"
fi
cp /bin/busybox "$payload/busybox"
cp -a "$top/scripts" "$top/configs" "$payload/"
cp "$here/guest.sh" "$here/lib.sh" "$payload/"
chmod +x "$payload/guest.sh"
if [ $# -gt 0 ]; then
	for t in "$@"; do cp "$here/$(basename "$t")" "$payload/tests/" || die "no test $t"; done
else
	cp "$here"/*.test.sh "$payload/tests/"
fi
echo "vm tests: $(ls "$payload/tests" | tr '\n' ' ')"

# podman.test.sh: podman drives sbxrun on a real cgroup v2 host (its
# default pids limit, --device, --privileged); skipped without podman.
extra=()
if [ -e "$payload/tests/podman.test.sh" ] && command -v podman >/dev/null &&
   command -v conmon >/dev/null; then
	extra+=(--host-bin podman --host-bin conmon)
	"$top/scripts/mkrootfs.sh" "$payload/podman-rootfs" >/dev/null &&
		tar -C "$payload/podman-rootfs" -cf "$payload/busybox.tar" . &&
		rm -rf "$payload/podman-rootfs" || die "podman image tarball"
fi

# loop: a block device for the io.max test (cgroup.test.sh); the VM has no disk.
"$harness" --payload "$payload" --timeout "$VM_TIMEOUT" --host-bin jq "${extra[@]}" --module loop \
	-- /payload/guest.sh
rc=$?
[ "$rc" = 0 ] || echo "vm tests: vm-run.sh exit status $rc"
exit "$rc"
