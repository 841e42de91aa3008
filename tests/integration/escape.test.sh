# shellcheck shell=bash
# The classic OCI runtime escapes (issue 8, docs/security.md), attacked from
# inside the container the way an attacker would, with the default
# `sbxrun spec` bundles, for run, create/start and exec.  Each test fails
# on a runtime that has the hole.  Runs in both modes (root, rootless).

# A file on the host that no container may read or write.
host_secret() {
	secret="host-secret-$RANDOM$RANDOM"
	echo "$secret" >"$TEST_TMP/host-marker"
	chmod 0644 "$TEST_TMP/host-marker"
	chown_user "$TEST_TMP/host-marker"
}

# The attack of class 1, as the container's command: from a cwd that is
# the runtime's directory fd, walk up to the host's / and read/write there.
UP=../../../../../../../../../../../../../../..
escape_cmd() {
	echo "pwd; cat $UP$TEST_TMP/host-marker; echo pwned > $UP$TEST_TMP/written; true"
}

expect_no_escape() {
	local out=$1 what=$2
	expect_nomatch "$secret" "$out" "$what: container output" || return 1
	[ ! -e "$TEST_TMP/written" ] || { _sbx_fail "$what: the container wrote to the host"; return 1; }
}

# --- class 1: process.cwd through a runtime fd (CVE-2024-21626) -----------

test_cwd_runtime_fd_run() {
	local b=$TEST_TMP/b n out rc
	host_secret
	make_bundle "$b" sh -c "$(escape_cmd)" || return 1
	for n in 3 4 5 6 7 8 9 10 11 12; do
		cfg "$b" ".process.cwd = \"/proc/self/fd/$n\"" || return 1
		rc=0
		out=$(sbx run --bundle "$b" "c1-$n" 2>&1) || rc=$?
		expect_no_escape "$out" "run, cwd /proc/self/fd/$n" || return 1
		# Refused with a clear error, nothing ran.
		expect_eq 125 "$rc" "run, cwd /proc/self/fd/$n: exit status" || return 1
		expect_match 'process\.cwd /proc/self/fd/' "$out" "error message" || return 1
	done
}

test_cwd_runtime_fd_create_start() {
	local b=$TEST_TMP/b n out id
	host_secret
	make_bundle "$b" sh -c "$(escape_cmd)" || return 1
	for n in 3 4 5 6 7 8 9 10; do
		cfg "$b" ".process.cwd = \"/proc/self/fd/$n\"" || return 1
		id="c1c-$n"
		if sbx create --bundle "$b" "$id" >"$TEST_TMP/out" 2>&1 4>"$TEST_TMP/caller4"; then
			sbx start "$id" >>"$TEST_TMP/out" 2>&1
			sleep 0.3
			sbx delete --force "$id" >/dev/null 2>&1
		fi
		out=$(cat "$TEST_TMP/out")
		expect_no_escape "$out" "create/start, cwd /proc/self/fd/$n" || return 1
	done
}

test_cwd_runtime_fd_exec() {
	local b=$TEST_TMP/b n out id="c1e-$RANDOM"
	host_secret
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	for n in 3 4 5 6 7 8 9 10 11 12; do
		out=$(sbx exec --cwd "/proc/self/fd/$n" "$id" sh -c "$(escape_cmd)" 2>&1)
		expect_no_escape "$out" "exec --cwd /proc/self/fd/$n" || return 1
		# exec -p process.json with the same cwd
		jq --arg c "/proc/self/fd/$n" --arg s "$(escape_cmd)" \
			'.process | .cwd = $c | .args = ["sh", "-c", $s]' "$b/config.json" >"$TEST_TMP/p.json"
		chown_user "$TEST_TMP/p.json"
		out=$(sbx exec --process "$TEST_TMP/p.json" "$id" 2>&1)
		expect_no_escape "$out" "exec -p (cwd /proc/self/fd/$n)" || return 1
	done
	sbx delete --force "$id"
}

# A cwd that exists is entered inside the root, and getcwd() there is a
# real path (not "(unreachable)").
test_cwd_is_inside_root() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'pwd; cat /proc/self/cwd/marker' || return 1
	mkdir -p "$b/rootfs/srv/app" && echo in-root >"$b/rootfs/srv/app/marker" && chown_user "$b/rootfs/srv"
	ln -s ../../.. "$b/rootfs/srv/up" && chown -h "$(stat -c %u "$b/rootfs")" "$b/rootfs/srv/up"
	cfg "$b" '.process.cwd = "/srv/up/srv/app"' || return 1
	out=$(sbx run --bundle "$b" cwd-in) || return 1
	expect_eq "/srv/app
in-root" "$out"
}

# --- class 6: what a `created` init holds ---------------------------------

test_created_init_holds_no_runtime_fd() {
	local b=$TEST_TMP/b id="c6-$RANDOM" pid fd t bad=""
	make_bundle "$b" sleep 100 || return 1
	# The caller has extra fds open (4: an output file, 5: /dev/null):
	# none is the container's business.
	expect_rc 0 sbx create --bundle "$b" "$id" 4>"$TEST_TMP/caller-file" 5</dev/null || return 1
	pid=$(sbx state "$id" | jq -r .pid)
	for fd in /proc/"$pid"/fd/*; do
		[ "${fd##*/}" -ge 3 ] || continue
		t=$(readlink "$fd")
		case $t in
		# the hand-over: sync socket, exec.sock, the sealed stub,
		# the exec fifo, exec.err (write-only, close-on-exec: init's
		# report of a failure after start, docs/reliability.md), and
		# its own namespaces for `exec`
		socket:*|/memfd:sbxrun-exec-stub*|*/exec.fifo|*/exec.err) ;;
		user:\[*|mnt:\[*|pid:\[*|ipc:\[*|uts:\[*|net:\[*|cgroup:\[*|time:\[*) ;;
		*) bad="$bad ${fd##*/}->$t" ;;
		esac
	done
	[ -z "$bad" ] || { _sbx_fail "created init holds runtime fds:$bad"; return 1; }
	# And nothing of the container may look into it: init is non-dumpable.
	out=$(sbx exec "$id" sh -c 'for f in /proc/1/fd/* /proc/1/exe /proc/1/cwd /proc/1/root; do readlink "$f" >/dev/null 2>&1 && echo "readable: $f"; done; cat /proc/1/environ >/dev/null 2>&1 && echo environ-readable; true')
	if [ "$SBX_TEST_MODE" = rootless ]; then
		# Not even its owner on the host can.
		out+=$(as_user sh -c "for f in /proc/$pid/fd/* /proc/$pid/exe /proc/$pid/cwd; do readlink \"\$f\" >/dev/null 2>&1 && echo \"readable: \$f\"; done; cat /proc/$pid/environ >/dev/null 2>&1 && echo environ-readable; true")
	fi
	expect_eq "" "$out" "init's /proc entries seen from the container" || return 1
	sbx delete --force "$id"
}

# --- class 2: the runtime binary through /proc/PID/exe (CVE-2019-5736) ------

# A container process watches /proc during 500 execs and tries to open the
# exe of every other process: it must never get the host's sbxrun binary.
test_runtime_exe_never_reachable_during_exec() {
	local b=$TEST_TMP/b id="c2-$RANDOM" devino i res
	devino=$(stat -L -c '%d:%i' "$SBXRUN") || return 1
	mkdir -p "$TEST_TMP/out" && chown_user "$TEST_TMP/out"
	make_bundle "$b" sh -c "exe_watch $devino /tmp/stop > /out/result" || return 1
	add_helper "$b" exe_watch || return 1
	cfg "$b" ".mounts += [{destination: \"/out\", type: \"bind\", source: \"$TEST_TMP/out\", options: [\"rbind\", \"rw\"]}]" || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	for i in $(seq 500); do
		sbx exec "$id" true || { _sbx_fail "exec $i failed"; return 1; }
	done
	sbx exec "$id" touch /tmp/stop
	for i in $(seq 50); do [ -s "$TEST_TMP/out/result" ] && break; sleep 0.1; done
	res=$(cat "$TEST_TMP/out/result")
	sbx delete --force "$id"
	echo "$res"
	expect_match '^scans=[1-9][0-9]* opened=[1-9][0-9]* runtime=0$' "$res" "watcher result" || return 1
	expect_nomatch '^HIT' "$res" "watcher hits"
}

# The container's program is "/proc/self/exe" (directly or as a #!
# interpreter): it must not start the host's sbxrun binary.
test_proc_self_exe_is_not_the_runtime() {
	local b=$TEST_TMP/b id="c2s-$RANDOM" out rc cmd
	make_bundle "$b" sleep 100 || return 1
	printf '#!/proc/self/exe --version\n' >"$b/rootfs/bin/selfexe"
	chmod 0755 "$b/rootfs/bin/selfexe" && chown_user "$b/rootfs/bin/selfexe"
	for cmd in /proc/self/exe /bin/selfexe; do
		cfg "$b" ".process.args = [\"$cmd\", \"--version\"]" || return 1
		rc=0
		out=$(sbx run --bundle "$b" "$id" 2>&1) || rc=$?
		expect_nomatch 'sbxrun version|^spec:' "$out" "run $cmd" || return 1
		expect_eq 127 "$rc" "run $cmd: exit status" || return 1
	done
	cfg "$b" '.process.args = ["sleep", "100"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	for cmd in /proc/self/exe /bin/selfexe; do
		rc=0
		out=$(sbx exec "$id" "$cmd" --version 2>&1) || rc=$?
		expect_nomatch 'sbxrun version|^spec:' "$out" "exec $cmd" || return 1
		expect_eq 127 "$rc" "exec $cmd: exit status" || return 1
	done
	sbx delete --force "$id"
}

# --- class 4: the caller's terminal --------------------------------------

# script(1) gives sbxrun a real terminal as the caller's stdin, as a user
# at a shell would; the container (terminal: false) inherits it as stdin
# but must not have it as its controlling terminal.
tty_run() {
	as_user timeout 30 script -qec "$1" /dev/null </dev/null | tr -d '\r'
}

expect_no_tty() {
	local out=$1 what=$2
	expect_match '^stdin_tty: 1$' "$out" "$what: stdin is the caller's tty" || return 1
	expect_match '^devtty: errno=6 \(ENXIO\)$' "$out" "$what: open /dev/tty" || return 1
	expect_match '^tiocsti: errno=1 \(EPERM\)$' "$out" "$what: TIOCSTI" || return 1
	expect_match '^sid_is_self: 1$' "$out" "$what: own session"
}

test_no_controlling_tty_run_create_exec() {
	local b=$TEST_TMP/b id="c4-$RANDOM" out s="$SBXRUN --root $SBX_ROOT"
	command -v script >/dev/null || skip "script(1) not installed"
	make_bundle "$b" tty_probe || return 1
	add_helper "$b" tty_probe || return 1
	out=$(tty_run "$s run --bundle $b $id")
	expect_no_tty "$out" "run" || return 1
	out=$(tty_run "$s create --bundle $b $id && $s start $id && sleep 1; $s delete -f $id")
	expect_no_tty "$out" "create/start" || return 1
	cfg "$b" '.process.args = ["sleep", "100"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	out=$(tty_run "$s exec $id tty_probe")
	expect_no_tty "$out" "exec" || return 1
	sbx delete --force "$id"
}

# Ctrl-C on a foreground run still reaches the container: through the
# caller's terminal to sbxrun, forwarded to the container's init.
test_ctrl_c_reaches_foreground_run() {
	local b=$TEST_TMP/b out
	command -v script >/dev/null || skip "script(1) not installed"
	make_bundle "$b" sh -c 'trap "echo got-sigint; exit 3" INT; echo ready; while :; do sleep 0.1; done' || return 1
	out=$( (sleep 1.5; printf '\003'; sleep 5) |
		as_user timeout 20 script -qec "$SBXRUN --root $SBX_ROOT run --bundle $b cc-$RANDOM" /dev/null | tr -d '\r')
	expect_match '^ready$' "$out" "container started" || return 1
	expect_match 'got-sigint$' "$out" "SIGINT reached the container"
}

# --- class 5: signals to the caller's process group ------------------------

test_signal_own_group_spares_caller() {
	local b=$TEST_TMP/b id="c5-$RANDOM" out rc s="$SBXRUN --root $SBX_ROOT"
	make_bundle "$b" sh -c 'sleep 0.3; kill -USR1 0; sleep 100' || return 1
	# run -d: the container signals its own process group.
	rc=0
	out=$(as_user setsid bash -c "$s run --detach --bundle $b $id >/dev/null 2>&1; sleep 1.5; echo survived") || rc=$?
	expect_eq 0 "$rc" "caller's shell after the container's kill(0) (run)" || return 1
	expect_match '^survived$' "$out" || return 1
	sbx delete --force "$id"
	# create/start
	rc=0
	out=$(as_user setsid bash -c "$s create --bundle $b $id >/dev/null 2>&1 && $s start $id; sleep 1.5; echo survived") || rc=$?
	expect_eq 0 "$rc" "caller's shell after the container's kill(0) (create/start)" || return 1
	expect_match '^survived$' "$out" || return 1
	# exec: the exec'd process signals its own group.
	rc=0
	out=$(as_user setsid bash -c "$s exec $id sh -c 'kill -USR1 0; sleep 0.2'; sleep 0.5; echo survived") || rc=$?
	expect_eq 0 "$rc" "caller's shell after an exec'd kill(0)" || return 1
	expect_match '^survived$' "$out" || return 1
	sbx delete --force "$id"
}

# init gets pgrp = sid = 1; an exec'd process its own session.
test_own_session_and_group() {
	local b=$TEST_TMP/b id="c5s-$RANDOM" out
	make_bundle "$b" sh -c 'cut -d" " -f5,6 /proc/self/stat' || return 1
	expect_eq "1 1" "$(sbx run --bundle "$b" "$id")" "init's pgrp and sid" || return 1
	cfg "$b" '.process.args = ["sleep", "100"]' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	out=$(sbx exec "$id" sh -c 'echo $$ $(cut -d" " -f5,6 /proc/$$/stat)')
	read -r p g s <<<"$out"
	expect_eq "$p $p" "$g $s" "exec'd process: pgrp and sid are its own pid" || return 1
	sbx delete --force "$id"
}

# run.sbx.init: the minimal pid 1 is the sealed stub's init mode, not
# sbxrun's code: /proc/1/exe is not the host binary, and exec (rootless too)
# joins it like any container.
test_init_annotation_pid1_is_not_runtime() {
	local b=$TEST_TMP/b id="c2i-$RANDOM" out devino
	devino=$(stat -L -c '%d:%i' "$SBXRUN") || return 1
	make_bundle "$b" sleep 100 || return 1
	cfg "$b" '.annotations["run.sbx.init"] = "true"' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	out=$(sbx exec "$id" sh -c 'readlink /proc/1/exe; stat -L -c "%d:%i" /proc/1/exe; cat /proc/1/cmdline | tr "\0" " "') || return 1
	expect_nomatch "^$devino\$" "$out" "pid 1's exe" || return 1
	expect_match '^/memfd:sbxrun-exec-stub' "$out" "pid 1's exe" || return 1
	expect_match '^sbxrun-init-stub [0-9]+ $' "$out" "pid 1's command line" || return 1
	sbx delete --force "$id"
}
