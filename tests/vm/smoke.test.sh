#!/bin/bash
# Smoke test in the VM (real cgroup v2 delegation, AppArmor kernel): sbxrun
# runs a busybox container as root and as the unprivileged guest user.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

cmd='echo "hello uid=$(id -u) pid=$$ host=$(hostname)"; exit 3'

# root
vm_bundle "$TEST_TMP/root" root sh -c "$cmd" >/dev/null || bad "mkbundle as root"
out=$("$SBXRUN" run --bundle "$TEST_TMP/root" smoke-root 2>&1)
rc=$?
echo "root: rc=$rc out=$out"
check "root: sbxrun run exit status 3" [ "$rc" = 3 ]
check "root: container output" [ "$out" = "hello uid=0 pid=1 host=$(jq -r .hostname "$TEST_TMP/root/config.json")" ]

# rootless, as the guest user (uid 1000) in its delegated cgroup
u=/home/user/smoke
[ -d /home/user ] || u=$TEST_TMP/user-smoke
vm_bundle "$u" rootless sh -c "$cmd" >/dev/null || bad "mkbundle as user"
out=$(asuser "$SBXRUN" run --bundle "$u" smoke-user 2>&1)
rc=$?
echo "rootless: rc=$rc out=$out"
check "rootless: sbxrun run exit status 3" [ "$rc" = 3 ]
check "rootless: container output (uid 0 in the user namespace)" \
	[ "$out" = "hello uid=0 pid=1 host=$(jq -r .hostname "$u/config.json")" ]

# rootless `sbxrun DIR` shortcut and stdin passthrough
asuser sh -c "jq '.process.args = [\"cat\"]' $u/config.json > $u/c.new && mv $u/c.new $u/config.json"
out=$(echo piped | asuser sh -c "exec $SBXRUN $u" 2>&1)
check "rootless: sbxrun DIR with stdin ($out)" [ "$out" = piped ]
