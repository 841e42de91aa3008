# shellcheck shell=bash
# SIGKILL of sbxrun itself at random moments: during create, run, start and
# delete.  After each kill the record must still be listed and readable
# (or absent), and `delete --force` must leave nothing: no process, no
# cgroup, no state directory, no mount (findings 1 and 2 of issue 10: a
# fully set-up init left running forever, an empty cgroup left behind).
#
# The delays are random in 0-30 ms as the issue asks, but half of them are
# drawn from 0..D, D being the measured duration of the command on this
# machine right now, so that most kills land while the command runs
# whatever the speed of the machine (a kill after it finished tests
# nothing); the test fails if too few kills landed mid-way.
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# calibrate PREPARE TIMED CLEANUP: the shortest duration in microseconds of
# TIMED over 5 runs (the machine is shared: the minimum is what the
# command costs, the rest is noise); each function gets the run number.
calibrate() {
	local i t0
	for i in 1 2 3 4 5; do
		"$1" "$i" >/dev/null 2>&1
		t0=$(now_us)
		"$2" "$i" >/dev/null 2>&1
		echo $(($(now_us) - t0))
		"$3" "$i" >/dev/null 2>&1
	done | sort -n | head -1
}
nothing() { :; }
cal_create() { rsbx create --bundle "$TEST_TMP/b" "$PFX-cal$1"; }
cal_start() { rsbx start "$PFX-cal$1"; }
cal_delete() { rsbx delete --force "$PFX-cal$1"; }
cal_run() { cal_create "$1" && cal_start "$1"; }

# delay_us TRIAL D: 0..D us for odd trials, 0..30 ms for even ones.
delay_us() {
	local max=30000
	[ $(($1 % 2)) = 1 ] && max=$2
	[ "$max" -ge 1 ] || max=1
	echo $(((RANDOM * 32768 + RANDOM) % max))
}

# The record after a kill: `list` must be valid JSON that shows ID if its
# lock file exists (a claimed directory without one holds nothing).
expect_listed_consistently() {
	local id=$1 js n
	js=$(rsbx list --format json) || { _sbx_fail "list failed after a kill"; return 1; }
	# (one jq: it fails on invalid JSON)
	n=$(jq --arg id "$id" '[.[] | select(.id == $id)] | length' <<<"$js") ||
		{ _sbx_fail "list: invalid JSON: $js"; return 1; }
	if [ -e "$SBX_ROOT/$id/lock" ]; then
		expect_eq 1 "$n" "$id in list after the kill" || return 1
	fi
}

# count_leftovers ID: orphans/cgleft += what ID left (after a failure).
count_leftovers() {
	local l
	l=$(leftovers "$1")
	grep -q '^process' <<<"$l" && orphans=$((orphans + 1))
	grep -q '^cgroup' <<<"$l" && cgleft=$((cgleft + 1))
	true
}

test_kill_mid_create() {
	local n d i id rc dl mid=0 bad=0 out orphans=0 cgleft=0
	n=$(scale 8 30 100)
	rel_bundle "$TEST_TMP/b" sleep 1000 || return 1
	d=$(calibrate nothing cal_create cal_delete)
	report "create takes ${d} us here (fastest of 5)"
	for i in $(seq "$n"); do
		id=$PFX-c$i
		dl=$(delay_us "$i" "$d")
		rsbx_bg "$TEST_TMP/o" "$TEST_TMP/e" create --bundle "$TEST_TMP/b" "$id"
		msleep_us "$dl"
		kill -KILL "$SBX_PID" 2>/dev/null
		wait "$SBX_PID" 2>/dev/null
		rc=$?
		[ "$rc" = 137 ] && mid=$((mid + 1))
		expect_listed_consistently "$id" || bad=$((bad + 1))
		out=$(rsbx delete --force "$id" 2>&1) || { _sbx_fail "trial $i: delete --force: $out"; bad=$((bad + 1)); }
		if ! expect_nothing_left "$id" "trial $i (create exit $rc)"; then
			bad=$((bad + 1))
			count_leftovers "$id"
			kill_marked
			rsbx delete --force "$id" >/dev/null 2>&1
		fi
	done
	report "kill-mid-create: $n trials, $mid killed mid-way, $bad with leftovers" \
		"($orphans with a process, $cgleft with a cgroup)"
	[ "$mid" -ge $((n / 3)) ] || _sbx_fail "only $mid of $n kills landed while create ran"
	expect_eq 0 "$bad" "trials with leftovers" || return 1
}

test_kill_mid_run() {
	local n d i id rc bad=0 out orphans=0 cgleft=0
	n=$(scale 8 30 100)
	rel_bundle "$TEST_TMP/b" sleep 1000 || return 1
	# A foreground run's set-up is create + start.
	d=$(calibrate nothing cal_run cal_delete)
	report "create + start take ${d} us here (fastest of 5)"
	for i in $(seq "$n"); do
		id=$PFX-r$i
		rsbx_bg "$TEST_TMP/o" "$TEST_TMP/e" run --bundle "$TEST_TMP/b" "$id"
		msleep_us "$(delay_us "$i" "$d")"
		kill -KILL "$SBX_PID" 2>/dev/null
		wait "$SBX_PID" 2>/dev/null
		rc=$?
		expect_listed_consistently "$id" || bad=$((bad + 1))
		out=$(rsbx delete --force "$id" 2>&1) || { _sbx_fail "trial $i: delete --force: $out"; bad=$((bad + 1)); }
		if ! expect_nothing_left "$id" "trial $i (run exit $rc)"; then
			bad=$((bad + 1))
			count_leftovers "$id"
			kill_marked
			rsbx delete --force "$id" >/dev/null 2>&1
		fi
	done
	report "kill-mid-run: $n trials, $bad with leftovers ($orphans with a process," \
		"$cgleft with a cgroup)"
	expect_eq 0 "$bad" "trials with leftovers" || return 1
}

# start killed at random: the container is then either still `created`
# (and a second start works) or `running` with its workload running; the
# status never lies about which.
test_kill_mid_start() {
	local n d i id st pid bad=0 created=0 running=0
	n=$(scale 5 15 50)
	rel_bundle "$TEST_TMP/b" sleep 1000 || return 1
	d=$(calibrate cal_create cal_start cal_delete)
	report "start takes ${d} us here (fastest of 5)"
	for i in $(seq "$n"); do
		id=$PFX-s$i
		rsbx create --bundle "$TEST_TMP/b" "$id" || { _sbx_fail "create $id"; return 1; }
		rsbx_bg /dev/null /dev/null start "$id"
		msleep_us "$(delay_us "$i" "$d")"
		kill -KILL "$SBX_PID" 2>/dev/null
		wait "$SBX_PID" 2>/dev/null
		st=$(rstate "$id" status)
		case $st in
		created)
			created=$((created + 1))
			rsbx start "$id" || { _sbx_fail "trial $i: second start failed"; bad=$((bad + 1)); }
			st=$(rstate "$id" status)
			;;
		running) running=$((running + 1)) ;;
		esac
		pid=$(rstate "$id" pid)
		if [ "$st" != running ] || ! wait_for 5 grep -q '^sleep' /proc/"$pid"/cmdline 2>/dev/null; then
			_sbx_fail "trial $i: status '$st' but pid $pid runs '$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)'"
			bad=$((bad + 1))
		fi
		rsbx delete --force "$id" || bad=$((bad + 1))
		expect_nothing_left "$id" "trial $i" || { bad=$((bad + 1)); kill_marked; }
	done
	report "kill-mid-start: $n trials: $created still created (then started), $running running"
	expect_eq 0 "$bad" "inconsistent trials" || return 1
}

# delete --force killed at random: the container is listed until it is
# gone, and a second delete --force finishes the job.
test_kill_mid_delete() {
	local n d i id bad=0 gone=0 out
	n=$(scale 5 15 50)
	rel_bundle "$TEST_TMP/b" sh -c 'sleep 1000 & sleep 1000 & wait' || return 1
	d=$(calibrate cal_run cal_delete nothing)
	report "delete --force of a running container takes ${d} us here (fastest of 5)"
	for i in $(seq "$n"); do
		id=$PFX-d$i
		rsbx create --bundle "$TEST_TMP/b" "$id" && rsbx start "$id" || { _sbx_fail "create $id"; return 1; }
		rsbx_bg /dev/null /dev/null delete --force "$id"
		msleep_us "$(delay_us "$i" "$d")"
		kill -KILL "$SBX_PID" 2>/dev/null
		wait "$SBX_PID" 2>/dev/null
		[ -e "$SBX_ROOT/$id" ] || gone=$((gone + 1))
		expect_listed_consistently "$id" || bad=$((bad + 1))
		out=$(rsbx delete --force "$id" 2>&1) || { _sbx_fail "trial $i: second delete --force: $out"; bad=$((bad + 1)); }
		expect_nothing_left "$id" "trial $i" || { bad=$((bad + 1)); kill_marked; }
	done
	report "kill-mid-delete: $n trials, $gone finished before the kill"
	expect_eq 0 "$bad" "inconsistent trials" || return 1
}

# Finding 1 of issue 10, deterministically: SIGKILL create exactly when
# init is fully set up but not yet recorded.  strace holds create's second
# state.json rename (the one that records init's pid; the first saves the
# `creating` state; third with root's user namespace pool, whose claim is
# saved in between) for 3 s; create is killed inside that delay.  Before
# the fix the init stayed parked on the exec fifo forever, unrecorded, and
# (rootful) its cgroup outlived `delete --force`.
test_kill_create_before_record() {
	local b=$TEST_TMP/b id=$PFX-k spid cpid i out when=2
	command -v strace >/dev/null || skip "strace not installed"
	rel_bundle "$b" sleep 1000 || return 1
	# The rename that records init is the second: the first saves the
	# `creating` record (for root's spec, with the block of the user
	# namespace pool that its claim took).
	# warm the seccomp cache: its rename must not be the one delayed
	rsbx create --bundle "$b" "$PFX-warm" && rsbx delete --force "$PFX-warm" || return 1
	(as_user_exec env SBX_REL_MARK="$MARK" strace -o /dev/null -e trace=renameat,renameat2 \
		-e inject=renameat,renameat2:delay_enter=3000000:when=$when \
		"$SBXRUN" --root "$SBX_ROOT" create --bundle "$b" "$id") >/dev/null 2>&1 &
	spid=$!
	# create (strace's child) has forked its container's processes; it
	# needs well under 1 s more to reach the delayed rename.
	for i in $(seq 100); do
		cpid=$(cat /proc/"$spid"/task/*/children 2>/dev/null | awk '{print $1}')
		[ -n "$cpid" ] && [ "$(cat /proc/"$cpid"/task/*/children 2>/dev/null | wc -w)" -ge 1 ] && break
		sleep 0.05
	done
	sleep 1
	[ -n "$cpid" ] || { _sbx_fail "create did not start under strace"; return 1; }
	kill -KILL "$cpid"
	wait "$spid" 2>/dev/null
	out=$(rsbx delete --force "$id" 2>&1) || { _sbx_fail "delete --force: $out"; return 1; }
	report "create killed before recording init: delete --force said: ${out:-(nothing)}"
	expect_nothing_left "$id" "create killed before recording init" || { kill_marked; return 1; }
}

# A `start` killed between opening the exec fifo and writing to it, done
# by hand: init must keep waiting, and the next start must work.  (init
# used to read end-of-file there, fail with "read the exec fifo" and die.)
test_start_after_dead_writer() {
	local b=$TEST_TMP/b id=$PFX-w pid
	rel_bundle "$b" sleep 1000 || return 1
	rsbx create --bundle "$b" "$id" || return 1
	pid=$(rstate "$id" pid)
	exec 7>"$SBX_ROOT/$id/exec.fifo"
	exec 7>&-
	sleep 0.2
	expect_eq created "$(rstate "$id" status)" "status after a writer came and went" || return 1
	expect_rc 0 rsbx start "$id" || return 1
	wait_for 5 grep -q '^sleep' /proc/"$pid"/cmdline || { _sbx_fail "the workload does not run"; return 1; }
	expect_rc 0 rsbx delete --force "$id" || return 1
	expect_nothing_left "$id" "start after a dead writer"
}

# A `start` killed after releasing init but before removing the exec fifo,
# done by hand: the workload runs, so the status must say running (not
# created), and a plain delete must refuse to kill it.
test_status_after_start_cut_short() {
	local b=$TEST_TMP/b id=$PFX-h pid
	rel_bundle "$b" sleep 1000 || return 1
	rsbx create --bundle "$b" "$id" || return 1
	pid=$(rstate "$id" pid)
	printf 0 >"$SBX_ROOT/$id/exec.fifo"
	wait_for 5 grep -q '^sleep' /proc/"$pid"/cmdline || { _sbx_fail "the workload does not run"; return 1; }
	expect_eq running "$(rstate "$id" status)" "status with a stale exec fifo" || return 1
	expect_rc 125 rsbx delete "$id" || return 1
	kill -0 "$pid" || { _sbx_fail "a plain delete killed a running container"; return 1; }
	expect_rc 0 rsbx delete --force "$id" || return 1
	expect_nothing_left "$id" "start cut short"
}
