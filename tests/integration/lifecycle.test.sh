# shellcheck shell=bash
# OCI lifecycle: create/start/state/kill/delete, pid file, exec, console
# socket, hooks, delete semantics, concurrent create, cleanup.

# status ID: the "status" field of `sbxrun state ID`.
status() {
	sbx state "$1" | jq -r .status
}

# gone PID: the process has exited (no such pid, or a zombie waiting for
# its parent - whoever adopted the detached init - to reap it).
gone() {
	local i st
	for i in $(seq 50); do
		st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' /proc/"$1"/status 2>/dev/null)
		case $st in ""|Z|X) return 0 ;; esac
		sleep 0.1
	done
	echo "process $1 is still alive (state $st)"
	return 1
}

# wait_status ID STATUS: poll up to 5 s.
wait_status() {
	local i
	for i in $(seq 50); do
		[ "$(status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	expect_eq "$2" "$(status "$1")" "status of $1"
}

test_full_lifecycle() {
	local b=$TEST_TMP/b pid st
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx create --bundle "$b" --pid-file "$TEST_TMP/pid" c1 || return 1
	st=$(sbx state c1) || return 1
	expect_eq created "$(jq -r .status <<<"$st")" "status after create" || return 1
	expect_eq c1 "$(jq -r .id <<<"$st")" "id" || return 1
	expect_eq 1.2.0 "$(jq -r .ociVersion <<<"$st")" "ociVersion" || return 1
	expect_eq "$b" "$(jq -r .bundle <<<"$st")" "bundle" || return 1
	pid=$(jq -r .pid <<<"$st")
	# pid file: exactly the init's host pid, no newline games.
	expect_eq "$pid" "$(cat "$TEST_TMP/pid")" "pid file" || return 1
	expect_match '^[0-9]+$' "$(cat "$TEST_TMP/pid")" "pid file format" || return 1
	# Before start, the process has not run: still parked in sbxrun code.
	expect_nomatch 'sleep' "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "cmdline before start" || return 1
	expect_rc 0 sbx start c1 || return 1
	expect_eq running "$(status c1)" "status after start" || return 1
	expect_match 'sleep 100' "$(tr '\0' ' ' </proc/"$pid"/cmdline)" "cmdline after start" || return 1
	expect_match '^c1$' "$(sbx list -q)" "list -q" || return 1
	expect_eq running "$(sbx list --format json | jq -r '.[0].status')" "list json" || return 1
	expect_match "\\b$pid\\b" "$(sbx ps --format json c1)" "ps json" || return 1
	# A second start is refused.
	expect_rc 125 sbx start c1 || return 1
	local cg
	cg=$(as_user jq -r '.cgroupPath // empty' "$SBX_ROOT/c1/state.json")
	if [ -n "$cg" ]; then
		expect_match "\\b$pid\\b" "$(cat "$cg/cgroup.procs")" "init in its cgroup" || return 1
	fi
	expect_rc 0 sbx kill c1 KILL || return 1
	wait_status c1 stopped || return 1
	expect_eq 0 "$(sbx state c1 | jq -r .pid)" "pid of a stopped container" || return 1
	expect_rc 0 sbx delete c1 || return 1
	expect_rc 125 sbx state c1 || return 1
	expect_eq "" "$(sbx list -q)" "list after delete" || return 1
	[ ! -e "$SBX_ROOT/c1" ] || { echo "state dir left behind"; return 1; }
	gone "$pid" || return 1
	[ -z "$cg" ] || [ ! -e "$cg" ] || { echo "cgroup $cg left behind"; return 1; }
	# No mount of the container's rootfs is left in our namespace.
	expect_nomatch " $b/rootfs" "$(cat /proc/self/mounts)" "mounts" || return 1
}

test_kill_signal_names() {
	local b=$TEST_TMP/b
	make_bundle "$b" sh -c 'trap "exit 42" USR1; while :; do sleep 0.1; done' || return 1
	expect_rc 0 sbx create --bundle "$b" k1 || return 1
	expect_rc 0 sbx start k1 || return 1
	expect_rc 125 sbx kill k1 SIGNOPE || return 1
	expect_match 'unknown signal' "$(sbx kill k1 NOPE 2>&1)" || return 1
	expect_rc 0 sbx kill k1 SIGUSR1 || return 1
	wait_status k1 stopped || return 1
	expect_rc 125 sbx kill k1 9 || return 1
	expect_rc 0 sbx delete k1 || return 1
}

test_exec_same_namespaces() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sleep 100 || return 1
	cfg "$b" '.hostname = "lifecycle-host"' || return 1
	expect_rc 0 sbx create --bundle "$b" e1 || return 1
	expect_rc 0 sbx start e1 || return 1
	out=$(sbx exec e1 sh -c 'echo "$(hostname) $(cat /proc/1/cmdline | tr "\0" " ")"') || return 1
	# Same UTS namespace (hostname) and same pid namespace: pid 1 is the
	# container's sleep, not the host's init.
	expect_eq "lifecycle-host sleep 100 " "$out" "exec sees" || return 1
	expect_eq 7 "$(sbx exec e1 sh -c 'exit 7'; echo $?)" "exec exit code" || return 1
	expect_rc 127 sbx exec e1 /no/such/binary || return 1
	expect_rc 0 sbx exec --detach --pid-file "$TEST_TMP/epid" e1 sleep 60 || return 1
	local epid
	epid=$(cat "$TEST_TMP/epid")
	expect_match "\\b$epid\\b" "$(sbx ps --format json e1)" "exec'd process in ps" || return 1
	# --env and --cwd
	expect_eq "bar /tmp" "$(sbx exec --env FOO=bar --cwd /tmp e1 sh -c 'echo $FOO $(pwd)')" "env/cwd" || return 1
	# delete --force takes the exec'd process with it.
	expect_rc 0 sbx delete --force e1 || return 1
	sleep 0.2
	gone "$epid" || return 1
}

test_exec_process_file() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx create --bundle "$b" p1 || return 1
	expect_rc 0 sbx start p1 || return 1
	jq '.process | .args = ["sh","-c","echo $X; grep NoNewPrivs /proc/self/status"] |
	    .env = ["X=fromfile","PATH=/bin:/usr/bin"] | .noNewPrivileges = true' \
		"$b/config.json" >"$TEST_TMP/process.json" || return 1
	chown_user "$TEST_TMP/process.json"
	out=$(sbx exec --process "$TEST_TMP/process.json" p1) || return 1
	expect_match '^fromfile$' "$out" || return 1
	expect_match 'NoNewPrivs:[[:space:]]+1' "$out" || return 1
	echo '{"cwd":"/"}' >"$TEST_TMP/bad.json"
	chown_user "$TEST_TMP/bad.json"
	expect_match 'process.args' "$(sbx exec --process "$TEST_TMP/bad.json" p1 2>&1)" || return 1
	expect_rc 0 sbx delete -f p1 || return 1
}

test_console_socket() {
	local b=$TEST_TMP/b sock=$TEST_TMP/console.sock out i
	make_bundle "$b" sh || return 1
	cfg "$b" '.process.terminal = true' || return 1
	[ -x "$HELPERS/console_recv" ] || { echo "no console_recv helper"; return 1; }
	as_user "$HELPERS/console_recv" "$sock" 'echo hi-from-$((6*7)); exit
' >"$TEST_TMP/recv.out" 2>&1 &
	local rpid=$!
	for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	expect_rc 0 sbx create --bundle "$b" --console-socket "$sock" t1 || { kill $rpid; return 1; }
	expect_rc 0 sbx start t1 || return 1
	wait $rpid
	out=$(cat "$TEST_TMP/recv.out")
	expect_match '^isatty: 1' "$out" "received fd is a tty" || return 1
	# The shell evaluated the arithmetic: a real shell on a real pty.
	expect_match 'hi-from-42' "$out" "shell output through the pty" || return 1
	wait_status t1 stopped || return 1
	expect_rc 0 sbx delete t1 || return 1
}

test_hooks_order_and_state() {
	local b=$TEST_TMP/b log=$TEST_TMP/hooks.log h
	make_bundle "$b" true || return 1
	: >"$log"
	chown_user "$log"
	for h in prestart createRuntime poststart poststop; do
		cat >"$TEST_TMP/hook-$h" <<EOS
#!/bin/sh
read -r state
echo "$h \$state" >> $log
EOS
		chmod 0755 "$TEST_TMP/hook-$h"
	done
	chown_user "$TEST_TMP"/hook-*
	cfg "$b" ".hooks = {
		prestart: [{path: \"$TEST_TMP/hook-prestart\"}],
		createRuntime: [{path: \"$TEST_TMP/hook-createRuntime\"}],
		poststart: [{path: \"$TEST_TMP/hook-poststart\"}],
		poststop: [{path: \"$TEST_TMP/hook-poststop\"}] }" || return 1
	cfg "$b" '.annotations = {"org.example.test": "yes"}' || return 1
	expect_rc 0 sbx create --bundle "$b" h1 || return 1
	expect_eq "prestart createRuntime" "$(cut -d' ' -f1 "$log" | xargs)" "hooks after create" || return 1
	expect_rc 0 sbx start h1 || return 1
	wait_status h1 stopped || return 1
	expect_rc 0 sbx delete h1 || return 1
	expect_eq "prestart createRuntime poststart poststop" "$(cut -d' ' -f1 "$log" | xargs)" "hook order" || return 1
	# stdin: the runtime-spec state of this container, with the right status.
	local line
	line=$(grep '^createRuntime ' "$log" | cut -d' ' -f2-)
	expect_eq h1 "$(jq -r .id <<<"$line")" "createRuntime state id" || return 1
	expect_eq creating "$(jq -r .status <<<"$line")" "createRuntime state status" || return 1
	expect_eq "$b" "$(jq -r .bundle <<<"$line")" "createRuntime state bundle" || return 1
	expect_eq yes "$(jq -r '.annotations["org.example.test"]' <<<"$line")" "annotations" || return 1
	line=$(grep '^poststart ' "$log" | cut -d' ' -f2-)
	expect_eq running "$(jq -r .status <<<"$line")" "poststart status" || return 1
	line=$(grep '^poststop ' "$log" | cut -d' ' -f2-)
	expect_eq stopped "$(jq -r .status <<<"$line")" "poststop status" || return 1
}

test_failing_create_hook_aborts() {
	local b=$TEST_TMP/b
	make_bundle "$b" sleep 100 || return 1
	printf '#!/bin/sh\nexit 3\n' >"$TEST_TMP/fail"
	chmod 0755 "$TEST_TMP/fail"
	chown_user "$TEST_TMP/fail"
	cfg "$b" ".hooks.createRuntime = [{path: \"$TEST_TMP/fail\"}]" || return 1
	local out
	out=$(sbx create --bundle "$b" f1 2>&1)
	expect_match 'createRuntime hook\[0\].*exited with status 3' "$out" || return 1
	expect_rc 125 sbx state f1 || return 1
	[ ! -e "$SBX_ROOT/f1" ] || { echo "state left behind by a failed create"; return 1; }
}

test_delete_running_refused_force_works() {
	local b=$TEST_TMP/b pid
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx create --bundle "$b" d1 || return 1
	expect_rc 0 sbx start d1 || return 1
	pid=$(sbx state d1 | jq -r .pid)
	expect_match 'is running' "$(sbx delete d1 2>&1)" "delete of running" || return 1
	expect_rc 125 sbx delete d1 || return 1
	expect_eq running "$(status d1)" "still running after refused delete" || return 1
	expect_rc 0 sbx delete --force d1 || return 1
	gone "$pid" || return 1
	[ ! -e "$SBX_ROOT/d1" ] || { echo "state dir left"; return 1; }
	# A created (never started) container is deleted without --force.
	expect_rc 0 sbx create --bundle "$b" d2 || return 1
	pid=$(sbx state d2 | jq -r .pid)
	expect_rc 0 sbx delete d2 || return 1
	gone "$pid" || return 1
}

test_concurrent_create_one_wins() {
	local b=$TEST_TMP/b i ok=0 fail=0 rc
	make_bundle "$b" sleep 100 || return 1
	for i in 1 2 3 4; do
		(sbx create --bundle "$b" same >"$TEST_TMP/out$i" 2>&1; echo $? >"$TEST_TMP/rc$i") &
	done
	wait
	for i in 1 2 3 4; do
		rc=$(cat "$TEST_TMP/rc$i")
		if [ "$rc" = 0 ]; then ok=$((ok + 1)); else
			fail=$((fail + 1))
			expect_match 'container "same" already exists' "$(cat "$TEST_TMP/out$i")" || return 1
		fi
	done
	expect_eq 1 "$ok" "successful creates" || return 1
	expect_eq 3 "$fail" "failed creates" || return 1
	expect_eq created "$(status same)" || return 1
	expect_rc 0 sbx delete same || return 1
}

test_invalid_ids() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	expect_match 'invalid container id' "$(sbx create --bundle "$b" ../evil 2>&1)" || return 1
	expect_match 'invalid container id' "$(sbx create --bundle "$b" .. 2>&1)" || return 1
	expect_match 'invalid container id' "$(sbx state 'a/b' 2>&1)" || return 1
	[ ! -e "$SBX_ROOT/../evil" ] || return 1
	expect_match 'does not exist' "$(sbx state nosuch 2>&1)" || return 1
}

test_features_and_version() {
	local f
	f=$(sbx features) || return 1
	expect_eq 1.2.0 "$(jq -r .ociVersionMax <<<"$f")" || return 1
	expect_match '"CAP_SYS_ADMIN"' "$(jq -c .linux.capabilities <<<"$f")" || return 1
	expect_match '^sbxrun version ' "$(sbx version)" || return 1
	expect_match '^spec: 1\.2\.0$' "$(sbx version)" || return 1
}

test_pause_resume() {
	local b=$TEST_TMP/b cg
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx create --bundle "$b" z1 || return 1
	expect_rc 0 sbx start z1 || return 1
	cg=$(jq -r '.cgroupPath // empty' "$SBX_ROOT/z1/state.json" 2>/dev/null || true)
	if [ -z "$cg" ]; then
		# No cgroup on this host/mode: the error must say so plainly.
		expect_match 'has no cgroup' "$(sbx pause z1 2>&1)" || return 1
		sbx delete -f z1
		return 0
	fi
	expect_rc 0 sbx pause z1 || return 1
	expect_eq paused "$(status z1)" || return 1
	expect_rc 0 sbx resume z1 || return 1
	expect_eq running "$(status z1)" || return 1
	expect_rc 0 sbx delete -f z1 || return 1
}

test_run_records_state_and_detached_log() {
	local b=$TEST_TMP/b i log
	# stdout and stderr are separate pipes: the order in which the logger
	# drains them is not fixed, so interleaved stderr lines may rotate out.
	# One stderr line after all stdout lines is always drained last.
	make_bundle "$b" sh -c 'i=0; while [ $i -lt 100 ]; do echo "out-$i-padding-padding-padding"; i=$((i+1)); done; echo err-final >&2; sleep 100' || return 1
	expect_rc 0 sbx run --bundle "$b" --detach --log-max-size 2k --log-max-file 2 r1 || return 1
	expect_eq running "$(status r1)" "run --detach is recorded" || return 1
	log=$SBX_ROOT/r1/container.log
	for i in $(seq 50); do [ -f "$log.1" ] && grep -q 'err-final' "$log" 2>/dev/null && break; sleep 0.1; done
	# docker json-file lines, rotated: at most 2 files, each <= 2k.
	expect_match '^\{"log":"err-final\\n","stream":"stderr","time":"[0-9T:.-]+Z"\}$' "$(as_user cat "$log")" "json-file log" || return 1
	# out-99 is in the current file or, when it filled it, in the rotated one
	expect_match '^\{"log":"out-99-padding-padding-padding\\n","stream":"stdout","time":"[0-9T:.-]+Z"\}$' "$(as_user cat "$log.1" "$log")" "json-file log (both files)" || return 1
	[ -f "$log.1" ] || { echo "no rotation: $log.1 missing"; return 1; }
	[ ! -e "$log.2" ] || { echo "more files than --log-max-file 2"; return 1; }
	[ "$(stat -c %s "$log.1")" -le 2048 ] || { echo "rotated file larger than 2k"; return 1; }
	expect_rc 0 sbx delete --force r1 || return 1
	# A foreground run is recorded while it runs and forgotten afterwards.
	make_bundle "$TEST_TMP/b2" sh -c 'sleep 1' || return 1
	sbx_bg "$TEST_TMP/fg.out" "$TEST_TMP/fg.err" run --bundle "$TEST_TMP/b2" fg1
	for i in $(seq 50); do [ "$(status fg1 2>/dev/null)" = running ] && break; sleep 0.1; done
	expect_eq running "$(status fg1)" "foreground run while running" || return 1
	wait "$SBX_PID"
	expect_eq "" "$(sbx list -q)" "records after the foreground run" || return 1
}

test_kill_all_and_ps() {
	local b=$TEST_TMP/b pids p
	# init ignores SIGTERM (pid 1 without a handler); its children do not.
	make_bundle "$b" sh -c 'sleep 100 & sleep 100 & wait' || return 1
	expect_rc 0 sbx create --bundle "$b" a1 || return 1
	expect_rc 0 sbx start a1 || return 1
	for _ in $(seq 50); do
		[ "$(sbx ps --format json a1 | jq length)" -ge 3 ] && break
		sleep 0.1
	done
	pids=$(sbx ps --format json a1 | jq -r '.[]')
	expect_eq 3 "$(wc -w <<<"$pids" | tr -d ' ')" "processes in ps" || return 1
	expect_match 'sleep 100' "$(sbx ps a1)" "ps table" || return 1
	expect_rc 0 sbx kill --all a1 KILL || return 1
	for p in $pids; do gone "$p" || return 1; done
	wait_status a1 stopped || return 1
	expect_rc 0 sbx delete a1 || return 1
}

test_run_terminal_proxy_winsize() {
	local b=$TEST_TMP/b out
	command -v script >/dev/null || skip "script(1) not installed"
	make_bundle "$b" sh -c 'stty size; sleep 1; stty size; tty' || return 1
	cfg "$b" '.process.terminal = true' || return 1
	# script(1) gives sbxrun a terminal of 33x77; half a second in, the
	# terminal is resized to 40x100: the container must see both (the
	# initial size, then the SIGWINCH-forwarded one).
	out=$(as_user timeout 20 script -qec "stty rows 33 cols 77; (sleep 0.5; stty rows 40 cols 100 </dev/tty) & $SBXRUN --root $SBX_ROOT run --bundle $b w1" /dev/null </dev/null | tr -d '\r')
	expect_match '33 77$' "$out" "initial window size" || return 1
	expect_match '40 100$' "$out" "window size after SIGWINCH" || return 1
	expect_match '^/dev/pts/[0-9]+$' "$out" "a pty from the container's devpts" || return 1
}
