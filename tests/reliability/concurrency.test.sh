# shellcheck shell=bash
# Many at once: 32 processes creating the same ID (exactly one winner, the
# others a clear error, the record intact), and N containers running side
# by side (create time of the first 10 vs the last 10, list/state time,
# then kill --all and delete of every one with nothing left).
# shellcheck source=tests/reliability/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

test_same_id_32_creates() {
	local b=$TEST_TMP/b id=$PFX-same i rc wins=0 losers=0 bad=0 pid
	rel_bundle "$b" sleep 1000 || return 1
	for i in $(seq 32); do
		(
			# barrier: all 32 start within a few ms of each other
			until [ -e "$TEST_TMP/go" ]; do msleep_us 2000; done
			rsbx create --bundle "$b" "$id" >"$TEST_TMP/out$i" 2>&1
			echo $? >"$TEST_TMP/rc$i"
		) &
	done
	sleep 0.5
	touch "$TEST_TMP/go"
	wait
	for i in $(seq 32); do
		rc=$(cat "$TEST_TMP/rc$i")
		if [ "$rc" = 0 ]; then
			wins=$((wins + 1))
		else
			losers=$((losers + 1))
			[ "$rc" = 125 ] && grep -q "container \"$id\" already exists" "$TEST_TMP/out$i" ||
				{ bad=$((bad + 1)); echo "loser $i: exit $rc: $(cat "$TEST_TMP/out$i")"; }
		fi
	done
	report "same-ID create x32: $wins winner, $losers losers, $bad unclear errors"
	expect_eq 1 "$wins" "winners" || return 1
	expect_eq 0 "$bad" "losers without a clear 'already exists' error" || return 1
	# The winner's record is intact and works.
	expect_eq created "$(rstate "$id" status)" "status" || return 1
	pid=$(rstate "$id" pid)
	expect_eq 1 "$(rsbx list --format json | jq --arg id "$id" '[.[] | select(.id == $id)] | length')" "entries in list" || return 1
	expect_rc 0 rsbx start "$id" || return 1
	wait_for 5 grep -q '^sleep' /proc/"$pid"/cmdline || { _sbx_fail "the winner's process does not run"; return 1; }
	expect_rc 0 rsbx delete --force "$id" || return 1
	expect_nothing_left "$id" "same-ID creates"
}

is_stopped() { [ "$(rstate "$1" status)" = stopped ]; }

test_many_running_containers() {
	local b=$TEST_TMP/b n i t0 id times=$TEST_TMP/times first last tl ts tk js
	n=$(scale 10 30 100)
	rel_bundle "$b" sleep 1000 || return 1
	: >"$times"
	for i in $(seq "$n"); do
		id=$PFX-m$i
		t0=$(now_us)
		rsbx create --bundle "$b" "$id" || { _sbx_fail "create $id"; break; }
		echo $(($(now_us) - t0)) >>"$times"
		rsbx start "$id" || { _sbx_fail "start $id"; break; }
	done
	first=$(head -n 10 "$times" | mean_ms)
	last=$(tail -n 10 "$times" | mean_ms)
	t0=$(now_us)
	js=$(rsbx list --format json)
	tl=$(($(now_us) - t0))
	t0=$(now_us)
	rsbx state "$PFX-m$n" >/dev/null
	ts=$(($(now_us) - t0))
	expect_eq "$n" "$(jq '[.[] | select(.status == "running")] | length' <<<"$js")" "running containers in list" || return 1
	t0=$(now_us)
	for i in $(seq "$n"); do rsbx kill --all "$PFX-m$i" KILL || _sbx_fail "kill --all $PFX-m$i"; done
	for i in $(seq "$n"); do
		wait_for 10 is_stopped "$PFX-m$i" ||
			_sbx_fail "$PFX-m$i not stopped after kill --all"
		rsbx delete "$PFX-m$i" || _sbx_fail "delete $PFX-m$i"
	done
	tk=$(($(now_us) - t0))
	report "$n running containers: create ms first 10 $first, last 10 $last;" \
		"list $((tl / 1000)) ms, state $((ts / 1000)) ms; kill --all + delete of all $((tk / 1000)) ms"
	awk -v a="$first" -v b="$last" 'BEGIN {exit !(b <= 3 * a + 20)}' ||
		_sbx_fail "creating gets slower with more containers: $first -> $last ms"
	expect_eq "" "$(state_dirs)" "state dirs left" || return 1
	expect_eq "" "$(marked_pids)" "processes left" || return 1
	expect_eq "" "$(cgroup_dirs)" "cgroups left" || return 1
}
