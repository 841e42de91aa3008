#!/bin/bash
# podman (rootful, cgroupfs) drives sbxrun on a pure cgroup v2 kernel, with
# podman's own defaults: its default pids_limit (2048) is left on and
# enforced, `--device /dev/null:/dev/mynull` (fileMode with S_IFCHR bits,
# a device cgroup rule) and `--privileged` run (issue 9 items 6, 8, 9).
# The host engine test (tests/engines/podman.sh) runs on a hybrid host where
# the pids controller is bound to cgroup v1, which sbxrun does not use.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

if ! command -v podman >/dev/null || [ ! -f /payload/busybox.tar ]; then
	echo "SKIP: podman not in the VM payload (not installed on the host)"
	exit 0
fi
mkdir -p /etc/containers
# `podman import` of a local tarball: no registry, no signature to check
[ -f /etc/containers/policy.json ] ||
	echo '{"default":[{"type":"insecureAcceptAnything"}]}' >/etc/containers/policy.json
P=(podman --root "$TEST_TMP/storage" --runroot "$TEST_TMP/run" --storage-driver vfs
   --cgroup-manager cgroupfs --events-backend file --runtime "$SBXRUN")
out=$("${P[@]}" import /payload/busybox.tar localhost/sbxbb 2>&1) ||
	{ bad "podman import: $out"; exit 0; }
R=(run --rm --network none localhost/sbxbb)

out=$("${P[@]}" "${R[@]}" sh -c 'echo hello; cat /sys/fs/cgroup/pids.max' 2>&1)
echo "$out" | sed 's/^/  | /'
check "podman run (defaults)" grep -q '^hello$' <<<"$out"
check "podman's default pids_limit is enforced (pids.max 2048)" grep -q '^2048$' <<<"$out"

# CAP_MKNOD: only the device program can refuse the mknod of c 1:11
# (podman's rules: deny all, allow c 1:3)
out=$("${P[@]}" run --rm --network none --cap-add MKNOD --device /dev/null:/dev/mynull localhost/sbxbb \
	sh -c 'ls -ln /dev/mynull; echo x > /dev/mynull && echo write-ok; mknod /tmp/kmsg c 1 11 2>&1 && echo mknod-ok' 2>&1)
echo "$out" | sed 's/^/  | /'
check "--device /dev/null:/dev/mynull: the node (0666 from fileMode 8630)" \
	grep -q '^crw-rw-rw- .* 1, *3 .*/dev/mynull$' <<<"$out"
check "--device: usable" grep -q '^write-ok$' <<<"$out"
check "--device: mknod of another device refused by the device program" \
	grep -q 'mknod: /tmp/kmsg: Operation not permitted' <<<"$out"

out=$("${P[@]}" run --rm --network none --privileged localhost/sbxbb \
	sh -c 'grep CapEff /proc/self/status; ls /dev/loop0 && head -c1 /dev/loop0 >/dev/null && echo loop-ok' 2>&1)
echo "$out" | sed 's/^/  | /'
check "--privileged runs with every capability" grep -q 'CapEff:[[:space:]]*000001ffffffffff\|CapEff:[[:space:]]*0000003fffffffff' <<<"$out"
check "--privileged: host devices usable" grep -q '^loop-ok$' <<<"$out"
"${P[@]}" rm -af >/dev/null 2>&1
