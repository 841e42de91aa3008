#!/bin/bash
# Runs inside the VM as root (cwd /payload): every /payload/tests/*.test.sh
# in a fresh bash, each in its own temp dir. A test prints `PASS: what` /
# `FAIL: what` lines (tests/vm/lib.sh has ok/bad/check) and may use `asuser`
# for the rootless parts; a test exiting non-zero without printing a FAIL:
# line counts as one failure. Ends with `N passed, N failed`.
set -u
export SBXRUN=/payload/sbxrun HELPERS=/payload/helpers SBX_SRCDIR=/payload
export BUSYBOX=/payload/busybox PATH="/payload/scripts:$PATH"
export SBX_VM_LIB=/payload/lib.sh
: "${VM_TEST_TIMEOUT:=240}"
chmod 0755 /payload /payload/sbxrun /payload/scripts/*.sh /payload/busybox
chmod -R a+rX /payload

# Root's containers get host ids from the pool of the dedicated user
# `sbxrun` (`sbxrun spec` as root adds a user namespace).
/payload/scripts/setup-userns.sh >/dev/null || echo "FAIL: scripts/setup-userns.sh in the guest"
echo "guest: kernel $(uname -r), lsm $(cat /sys/kernel/security/lsm 2>/dev/null)"
pass=0 fail=0
for t in /payload/tests/*.test.sh; do
	name=$(basename "$t")
	echo "=== $name"
	d=$(mktemp -d /tmp/vmtest.XXXXXX)
	chmod 0755 "$d"
	out="$d.log"
	# A hung test must not eat the whole VM budget (vm-run.sh --timeout):
	# it is stopped and counted as failed, and the other tests still run.
	(cd "$d" && TEST_TMP="$d" exec timeout "$VM_TEST_TIMEOUT" bash "$t") 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" = 124 ] || [ "$rc" = 143 ]; then
		echo "FAIL: $name timed out after ${VM_TEST_TIMEOUT}s" | tee -a "$out"
	fi
	p=$(grep -c '^PASS: ' "$out")
	f=$(grep -c '^FAIL: ' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL: $name exited with status $rc"
		f=1
	fi
	echo "=== $name: $p passed, $f failed"
	pass=$((pass + p)) fail=$((fail + f))
	rm -rf "$d" "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
