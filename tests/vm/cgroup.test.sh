#!/bin/bash
# cgroup v2 in the VM (pure v2, nsdelegate, /sys/fs/cgroup/user-1000
# delegated to the guest user), as root and as the unprivileged user:
# memory.max enforced + OOM reported, pids.max stops a fork loop, cpu/io
# files written, update, pause/resume, events --stats, delete cleans up.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

CG=/sys/fs/cgroup

# R MODE CMD...: run as root or as the guest user.
R() {
	local m=$1
	shift
	if [ "$m" = rootless ]; then asuser "$@"; else "$@"; fi
}

# cfgedit MODE DIR JQ-FILTER
cfgedit() {
	local m=$1 d=$2 f=$3
	R "$m" jq "$f" "$d/config.json" | R "$m" tee "$d/c.new" >/dev/null &&
		R "$m" mv "$d/c.new" "$d/config.json"
}

inrange() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
nomatch() { ! grep -q -- "$1" <<<"$2"; }

# The container's cgroup directory (found by name: sbx-ID).
cgdir() {
	find "$CG" -type d -name "sbx-$1" 2>/dev/null | head -1
}

suite() {
	local m=$1 base st id d out rc cg dev
	if [ "$m" = rootless ]; then base=/home/user/cgtest; else base=$TEST_TMP/cgtest; fi
	st=$base/state
	R "$m" mkdir -p "$base"
	sbx() { R "$m" "$SBXRUN" --root "$st" "$@"; }

	# --- memory.max enforced, OOM kill reported ---
	d=$base/mem id=mem-$m
	vm_bundle "$d" "$m" sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}' \
		>/dev/null || { bad "$m: make bundle"; return; }
	cfgedit "$m" "$d" '.linux.resources = {"memory": {"limit": 67108864, "swap": 67108864},
		"unified": {"memory.oom.group": "1"}}'
	out=$(sbx run --bundle "$d" "$id" 2>&1)
	rc=$?
	echo "$m: memory: rc=$rc out=$out"
	check "$m: memory hog killed (rc $rc = 137)" [ "$rc" = 137 ]
	check "$m: sbxrun reports the OOM kill" grep -q "container killed by the OOM killer: memory.max=64M" <<<"$out"
	check "$m: no 'survived' output" nomatch survived "$out"
	check "$m: run removed the cgroup" [ -z "$(cgdir "$id")" ]

	# --- pids.max stops a bounded fork loop ---
	d=$base/pids id=pids-$m
	vm_bundle "$d" "$m" sh -c 'sh -c "for i in \$(seq 60); do sleep 20 & done" 2>/dev/null; set -- /proc/[0-9]*; echo procs=$#' \
		>/dev/null || { bad "$m: make bundle"; return; }
	cfgedit "$m" "$d" '.linux.resources = {"pids": {"limit": 20}}'
	out=$(sbx run --bundle "$d" "$id" 2>&1)
	rc=$?
	echo "$m: pids: rc=$rc out=$out"
	n=$(sed -n 's/.*procs=\([0-9]*\).*/\1/p' <<<"$out")
	check "$m: fork loop bounded by pids.max=20 (procs=$n)" inrange "$n" 5 20

	# --- a long-running container: cpu/io files, update, pause, events ---
	d=$base/live id=live-$m
	vm_bundle "$d" "$m" sleep 300 >/dev/null || { bad "$m: make bundle"; return; }
	dev=$IODEV
	cfgedit "$m" "$d" ".linux.resources = {\"memory\": {\"limit\": 104857600},
		\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000},
		\"pids\": {\"limit\": 100},
		\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": ${dev%:*}, \"minor\": ${dev#*:}, \"rate\": 1048576}]}}"
	# not $(...): the container inherits create's stdout and would hold
	# the substitution open for as long as it runs
	sbx create --bundle "$d" "$id" >"$TEST_TMP/create-$m.log" 2>&1 ||
		bad "$m: create: $(cat "$TEST_TMP/create-$m.log")"
	out=$(sbx start "$id" 2>&1) || bad "$m: start: $out"
	cg=$(cgdir "$id")
	echo "$m: live cgroup: $cg"
	check "$m: cgroup exists" [ -n "$cg" ]
	if [ "$m" = rootless ]; then
		check "$m: cgroup is in the delegated subtree ($cg)" sh -c "case '$cg' in $CG/user-1000/*) true;; *) false;; esac"
	fi
	check "$m: memory.max = 104857600" [ "$(cat "$cg/memory.max")" = 104857600 ]
	check "$m: cpu.max = 50000 100000" [ "$(cat "$cg/cpu.max")" = "50000 100000" ]
	check "$m: cpu.weight = 100 (shares 1024)" [ "$(cat "$cg/cpu.weight")" = 100 ]
	check "$m: pids.max = 100" [ "$(cat "$cg/pids.max")" = 100 ]
	echo "$m: io.max: $(cat "$cg/io.max" 2>&1)"
	check "$m: io.max has rbps for $dev" grep -q "^$dev rbps=1048576 " "$cg/io.max"

	out=$(sbx update --memory 128m --pids-limit 50 --cpu-quota 20000 "$id" 2>&1)
	check "$m: update flags ($out)" [ -z "$out" ]
	check "$m: update: memory.max = 134217728" [ "$(cat "$cg/memory.max")" = 134217728 ]
	check "$m: update: pids.max = 50" [ "$(cat "$cg/pids.max")" = 50 ]
	check "$m: update: cpu.max = 20000 100000" [ "$(cat "$cg/cpu.max")" = "20000 100000" ]
	echo '{"memory": {"limit": 209715200}, "pids": {"limit": 0}}' | R "$m" tee "$base/res.json" >/dev/null
	out=$(sbx update --resources "$base/res.json" "$id" 2>&1)
	check "$m: update --resources ($out)" [ -z "$out" ]
	check "$m: update: memory.max = 209715200" [ "$(cat "$cg/memory.max")" = 209715200 ]
	check "$m: update: pids.max = max" [ "$(cat "$cg/pids.max")" = max ]
	# runc's --memory-swap alone: memory+swap over the limit in force (200M)
	out=$(sbx update --memory-swap 300m "$id" 2>&1)
	check "$m: update --memory-swap alone ($out)" [ -z "$out" ]
	check "$m: update: memory.swap.max = 104857600" [ "$(cat "$cg/memory.swap.max")" = 104857600 ]
	check "$m: update: memory.max still 209715200" [ "$(cat "$cg/memory.max")" = 209715200 ]
	out=$(echo '{"cpu": {"shares": 1}}' | sbx update --resources - "$id" 2>&1)
	check "$m: update rejects bad values ($out)" grep -q "linux.resources.cpu.shares" <<<"$out"

	out=$(sbx pause "$id" 2>&1)
	check "$m: pause ($out)" [ -z "$out" ]
	check "$m: cgroup frozen" grep -q "^frozen 1" "$cg/cgroup.events"
	check "$m: state paused" [ "$(sbx state "$id" | jq -r .status)" = paused ]
	out=$(sbx resume "$id" 2>&1)
	check "$m: resume ($out)" [ -z "$out" ]
	check "$m: cgroup thawed" grep -q "^frozen 0" "$cg/cgroup.events"
	check "$m: state running" [ "$(sbx state "$id" | jq -r .status)" = running ]

	out=$(sbx events --stats "$id" 2>&1)
	echo "$m: events: $out"
	check "$m: events --stats type" [ "$(jq -r .type <<<"$out")" = stats ]
	check "$m: events memory usage > 0" [ "$(jq -r .data.memory.usage.usage <<<"$out")" -gt 0 ]
	check "$m: events memory limit" [ "$(jq -r .data.memory.usage.limit <<<"$out")" = 209715200 ]
	check "$m: events pids.current >= 1" [ "$(jq -r .data.pids.current <<<"$out")" -ge 1 ]
	check "$m: events cpu usage present" [ "$(jq -r .data.cpu.usage.total <<<"$out")" -ge 0 ]

	out=$(sbx delete --force "$id" 2>&1)
	check "$m: delete --force ($out)" [ -z "$out" ]
	check "$m: delete left no cgroup behind" [ ! -e "$cg" ]
	check "$m: no sbx-* cgroups left" [ -z "$(find "$CG" -type d -name 'sbx-*' 2>/dev/null)" ]
}


# io.max needs a real block device: the VM has no disk, so use a loop device.
IODEV=$(cat /sys/block/*/dev 2>/dev/null | head -1)
if [ -z "$IODEV" ]; then
	# the loop module is loaded by tests/vm/run.sh (--module loop)
	dd if=/dev/zero of="$TEST_TMP/disk.img" bs=1M count=4 2>/dev/null
	loopdev=$(losetup -f 2>&1) && losetup "$loopdev" "$TEST_TMP/disk.img" ||
		echo "losetup: $loopdev"
	IODEV=$(cat "/sys/block/$(basename "$loopdev")/dev" 2>/dev/null)
	trap 'losetup -d "$loopdev" 2>/dev/null' EXIT
fi
echo "io device: ${IODEV:-none} ($(ls /sys/block 2>/dev/null | tr '\n' ' '))"
check "a block device for io.max exists" [ -n "$IODEV" ]
[ -n "$IODEV" ] || IODEV=7:0

suite root
suite rootless
# asuser must still work: sbxrun kept the user's login cgroup a leaf
check "asuser still works after rootless containers" [ "$(asuser id -u)" = 1000 ]
