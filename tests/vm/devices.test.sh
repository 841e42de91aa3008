#!/bin/bash
# linux.resources.devices on cgroup v2 (issue 9 item 6), in the VM: the
# device program attached to the container's cgroup, as root.
# runtime-spec config-linux.md "Allowed Device list": a denied device gives
# EPERM on open and on mknod, an allowed one works, `update` replaces the
# list; without rules only the default devices are usable.  Rootless, the
# rules are skipped (no privilege to attach), as crun does.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

st=$TEST_TMP/state
sbx() { "$SBXRUN" --root "$st" "$@"; }

# The loop module is loaded by tests/vm/run.sh: b 7:0 exists and can be
# opened read-only by root (an unbound loop device), so an EPERM can only
# come from the device program.  /dev/kmsg (c 1:11) takes writes from root.
[ -b /dev/loop0 ] || { bad "no /dev/loop0 in the VM"; exit 0; }

# bundle DIR SCRIPT RULES-JSON: rootful busybox bundle with kmsg and loop0
# in linux.devices, CAP_MKNOD, the given linux.resources.devices.
bundle() {
	local d=$1 script=$2 rules=$3
	vm_bundle "$d" root sh -c "$script" >/dev/null || return 1
	# real root (the device program is about what root may do): no user
	# namespace even if the spec default adds one
	jq "del(.linux.namespaces[] | select(.type == \"user\")) | del(.linux.uidMappings, .linux.gidMappings)
	    | .linux.devices = [{path: \"/dev/kmsg\", type: \"c\", major: 1, minor: 11, fileMode: 438},
			      {path: \"/dev/loop0\", type: \"b\", major: 7, minor: 0, fileMode: 432},
			      {path: \"/dev/loop1\", type: \"b\", major: 7, minor: 1, fileMode: 432}]
	    | .process.capabilities.bounding += [\"CAP_MKNOD\"]
	    | .process.capabilities.effective += [\"CAP_MKNOD\"]
	    | .process.capabilities.permitted += [\"CAP_MKNOD\"]
	    | .linux.resources.devices = $rules" "$d/config.json" >"$d/c.json" &&
		mv "$d/c.json" "$d/config.json"
}

probe='
(echo devtest > /dev/kmsg) 2>/dev/null && echo kmsg-write-ok || echo kmsg-write-denied
head -c 1 /dev/loop0 >/dev/null 2>/tmp/e && echo loop-read-ok || echo "loop-read-denied $(cat /tmp/e)"
mknod /tmp/n1 c 1 12 2>/tmp/e && echo mknod-c1-12-ok || echo "mknod-c1-12-denied $(cat /tmp/e)"
mknod /tmp/n2 b 7 2 2>/tmp/e && echo mknod-b7-2-ok || echo "mknod-b7-2-denied $(cat /tmp/e)"
echo x > /dev/null && echo null-ok
'

# --- deny all, allow a few: EPERM for the rest (open and mknod) ---
d=$TEST_TMP/deny
bundle "$d" "$probe" '[{"allow": false, "access": "rwm"},
	{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]' ||
	{ bad "make bundle"; exit 0; }
out=$(sbx --debug run --bundle "$d" dv1 2>&1)
echo "$out" | grep -v '^sbxrun: debug' | sed 's/^/  | /'
check "device program attached" grep -q 'devices: program attached' <<<"$out"
check "allowed: write to /dev/kmsg (c 1:11 w)" grep -q '^kmsg-write-ok$' <<<"$out"
check "denied: open /dev/loop0 gives EPERM" grep -q '^loop-read-denied.*Operation not permitted' <<<"$out"
check "denied: mknod c 1:12 gives EPERM" grep -q '^mknod-c1-12-denied.*Operation not permitted' <<<"$out"
check "denied: mknod b 7:2 gives EPERM" grep -q '^mknod-b7-2-denied.*Operation not permitted' <<<"$out"
check "default device /dev/null usable" grep -q '^null-ok$' <<<"$out"

# --- the same devices allowed ---
d=$TEST_TMP/allow
bundle "$d" "$probe" '[{"allow": false, "access": "rwm"},
	{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"},
	{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"},
	{"allow": true, "type": "c", "major": 1, "minor": 12, "access": "m"},
	{"allow": true, "type": "b", "major": 7, "access": "m"}]' || { bad "make bundle"; exit 0; }
out=$(sbx run --bundle "$d" dv2 2>&1)
echo "$out" | sed 's/^/  | /'
check "allowed: open /dev/loop0 (b 7:0 r)" grep -q '^loop-read-ok$' <<<"$out"
check "allowed: mknod c 1:12 (m)" grep -q '^mknod-c1-12-ok$' <<<"$out"
check "allowed: mknod b 7:2 (b 7:* m)" grep -q '^mknod-b7-2-ok$' <<<"$out"

# --- the last matching rule wins; a denied "w" refuses read-write too ---
d=$TEST_TMP/order
bundle "$d" '
for dev in loop0 loop1; do
	(exec 3</dev/$dev) 2>/dev/null && echo "$dev-ro-ok" || echo "$dev-ro-denied"
	(exec 3<>/dev/$dev) 2>/dev/null && echo "$dev-rw-ok" || echo "$dev-rw-denied"
done' '[{"allow": true, "access": "rwm"},
	  {"allow": false, "type": "b", "major": 7, "minor": 0, "access": "w"},
	  {"allow": false, "type": "b", "major": 7, "minor": 1, "access": "rwm"},
	  {"allow": true, "type": "b", "major": 7, "minor": 1, "access": "r"}]' || { bad "make bundle"; exit 0; }
out=$(sbx run --bundle "$d" dv3 2>&1)
echo "$out" | sed 's/^/  | /'
check "deny w: a read-only open works" grep -q '^loop0-ro-ok$' <<<"$out"
check "deny w refuses an O_RDWR open too" grep -q '^loop0-rw-denied$' <<<"$out"
check "a later allow r overrides an earlier deny" grep -q '^loop1-ro-ok$' <<<"$out"
check "... for what it allows only" grep -q '^loop1-rw-denied$' <<<"$out"

# --- no rules at all: only the default devices (as runc) ---
d=$TEST_TMP/none
bundle "$d" "$probe" 'null' || { bad "make bundle"; exit 0; }
out=$(sbx run --bundle "$d" dv4 2>&1)
echo "$out" | sed 's/^/  | /'
check "no rules: /dev/kmsg denied" grep -q '^kmsg-write-denied$' <<<"$out"
check "no rules: /dev/loop0 denied" grep -q '^loop-read-denied' <<<"$out"
check "no rules: /dev/null usable" grep -q '^null-ok$' <<<"$out"

# --- update replaces the program ---
d=$TEST_TMP/live
bundle "$d" 'sleep 300' '[{"allow": false, "access": "rwm"},
	{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]' || { bad "make bundle"; exit 0; }
sbx create --bundle "$d" dv5 >"$TEST_TMP/create.log" 2>&1 || bad "create: $(cat "$TEST_TMP/create.log")"
sbx start dv5 || bad "start"
ex() { sbx exec dv5 sh -c "$1" 2>&1; }
check "before update: loop0 denied" grep -q 'Operation not permitted' <<<"$(ex 'head -c1 /dev/loop0 >/dev/null')"
check "before update: kmsg allowed" [ -z "$(ex 'echo a > /dev/kmsg')" ]
echo '{"devices": [{"allow": false, "access": "rwm"},
	{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"}]}' >"$TEST_TMP/res.json"
out=$(sbx update --resources "$TEST_TMP/res.json" dv5 2>&1)
check "update --resources with devices ($out)" [ -z "$out" ]
out=$(ex 'head -c1 /dev/loop0 >/dev/null && echo loop-ok')
check "after update: loop0 allowed ($out)" grep -q '^loop-ok$' <<<"$out"
check "after update: kmsg denied (the old program is gone)" grep -q 'Operation not permitted' <<<"$(ex 'echo a > /dev/kmsg')"
out=$(echo '{"devices": [{"allow": false, "type": "c", "major": 4096, "access": "rwm"}]}' |
	sbx update --resources - dv5 2>&1)
check "update refuses an impossible device number ($out)" grep -q 'is not a device number' <<<"$out"
sbx delete --force dv5

# --- rootless: skipped with a debug log, the container runs ---
base=/home/user/devtest
asuser mkdir -p "$base"
vm_bundle "$base/b" rootless sh -c 'echo x > /dev/null && echo rootless-ran' >/dev/null || bad "rootless bundle"
asuser sh -c "jq '.linux.resources.devices = [{\"allow\": false, \"access\": \"rwm\"}]' $base/b/config.json > $base/c.json && mv $base/c.json $base/b/config.json"
out=$(asuser "$SBXRUN" --root "$base/state" --debug run --bundle "$base/b" dv6 2>&1)
echo "$out" | grep -v '^sbxrun: debug: [a-z]*: [a-z]' | sed 's/^/  | /'
check "rootless: runs" grep -q '^rootless-ran$' <<<"$out"
check "rootless: skipped with a debug message" grep -q 'rootless: linux.resources.devices not enforced' <<<"$out"
