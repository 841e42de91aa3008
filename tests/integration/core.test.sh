# shellcheck shell=bash
# Core runtime behaviour of `sbxrun run`: process I/O and exit status,
# identity, isolation (pid/net/mount namespaces, read-only root, masked
# paths), path safety, fd hygiene, signals and the CLI contract.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

# run_b BUNDLE [SBXRUN-RUN-OPTIONS...]: run the bundle in the foreground.
run_b() {
	local b=$1
	shift
	sbx run --bundle "$b" "$@" "ctr-$RANDOM"
}

test_echo_output() {
	local b=$TEST_TMP/b out
	make_bundle "$b" echo hello world || return 1
	out=$(run_b "$b")
	expect_eq 0 $? "exit status" || return 1
	expect_eq "hello world" "$out"
}

test_exit_status() {
	local b=$TEST_TMP/b
	make_bundle "$b" sh -c 'exit 3' || return 1
	expect_rc 3 run_b "$b" || return 1
	cfg "$b" '.process.args = ["true"]' || return 1
	expect_rc 0 run_b "$b" || return 1
	cfg "$b" '.process.args = ["sh", "-c", "exit 255"]' || return 1
	expect_rc 255 run_b "$b"
}

# pid 1 of a pid namespace ignores every signal it has no handler for, even
# SIGKILL sent from inside; so "killed by a signal" is observed with the
# run.sbx.init pid 1, whose child (the container process, pid 2) dies and
# whose status sbxrun must report as 128+N.
test_killed_by_signal_status() {
	local b=$TEST_TMP/b
	make_bundle "$b" sh -c 'kill -9 $$' || return 1
	cfg "$b" '.annotations["run.sbx.init"] = "true"' || return 1
	expect_rc 137 run_b "$b" || return 1
	cfg "$b" '.process.args = ["sh", "-c", "kill -TERM $$"]' || return 1
	expect_rc 143 run_b "$b"
}

# Signal dispositions must be reset in the container: an ignored or blocked
# SIGTERM inherited from sbxrun would survive execve. A non-pid-1 shell
# without a handler must die from SIGTERM (its parent sees status 143).
test_signal_dispositions_default() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'sh -c "kill -TERM \$\$; echo survived"; echo "status $?"' || return 1
	out=$(run_b "$b")
	expect_eq "status 143" "$out" || return 1
	# Even when sbxrun itself starts with signals ignored (nohup, a shell's
	# background job, a daemon that ignores SIGPIPE), the container process
	# starts with nothing ignored and nothing blocked.
	cfg "$b" '.process.args = ["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]' || return 1
	out=$(trap '' QUIT USR2 PIPE HUP; run_b "$b")
	expect_eq "SigBlk:	0000000000000000
SigIgn:	0000000000000000" "$out" "container signal mask/ignored set when sbxrun starts with QUIT USR2 PIPE HUP ignored" || return 1
	# Also signals 32 and 33, which glibc's sigaction() cannot reset but a
	# parent can leave ignored (seen on a CI runner).
	out=$(as_user "$HELPERS/ignore_exec" "$SBXRUN" --root "$SBX_ROOT" run --bundle "$b" "ctr-$RANDOM")
	expect_eq "SigBlk:	0000000000000000
SigIgn:	0000000000000000" "$out" "container signal mask/ignored set when sbxrun starts with signals 32 and 33 ignored"
}

test_not_found_127_not_executable_126() {
	local b=$TEST_TMP/b err
	make_bundle "$b" /no/such/binary || return 1
	err=$(run_b "$b" 2>&1 >/dev/null)
	expect_eq 127 $? "status for a missing args[0]" || return 1
	expect_match '/no/such/binary' "$err" "stderr" || return 1
	cfg "$b" '.process.args = ["/etc/passwd"]' || return 1
	expect_rc 126 run_b "$b"
}

test_env_and_cwd() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'echo "FOO=$FOO"; pwd' || return 1
	cfg "$b" '.process.env += ["FOO=bar baz"] | .process.cwd = "/tmp"' || return 1
	out=$(run_b "$b") || return 1
	expect_eq "FOO=bar baz
/tmp" "$out"
}

# process.user.uid 1000. Rootless, uid 1000 exists in the container only
# with a multi-range mapping (newuidmap + sbxtest's /etc/subuid range, see
# map_subids in lib.sh): container 0 = the user, 1..N = its subuids.
test_process_user() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'id -u; id -g; echo x > /tmp/f && stat -c %u /tmp/f' || return 1
	cfg "$b" '.process.user.uid = 1000 | .process.user.gid = 1000' || return 1
	map_subids "$b" || return 1
	out=$(run_b "$b")
	expect_eq 0 $? "exit status" || return 1
	expect_eq "1000
1000
1000" "$out"
}

test_hostname() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'hostname; cat /proc/sys/kernel/hostname' || return 1
	cfg "$b" '.hostname = "box-42"' || return 1
	out=$(run_b "$b") || return 1
	expect_eq "box-42
box-42" "$out" || return 1
	expect_nomatch "^$(hostname)\$" "$out" "host name must not leak"
}

test_readonly_rootfs() {
	local b=$TEST_TMP/b out
	make_bundle "$b" touch /x || return 1
	expect_eq true "$(jq .root.readonly "$b/config.json")" "spec default root.readonly" || return 1
	out=$(run_b "$b" 2>&1)
	expect_eq 1 $? "touch /x status" || return 1
	expect_match 'Read-only file system' "$out" || return 1
	[ ! -e "$b/rootfs/x" ] || { echo "rootfs/x was created on the host"; return 1; }
}

test_tmp_writable() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'echo written > /tmp/f && cat /tmp/f && grep " /tmp " /proc/mounts' || return 1
	out=$(run_b "$b") || { echo "$out"; return 1; }
	expect_match '^written$' "$out" || return 1
	expect_match '^[^ ]+ /tmp tmpfs ' "$out" "/tmp mount"
}

# Masked paths read as empty (bind of /dev/null) or not at all. /etc/hostname
# is added as an extra masked path because it certainly has content: the
# test proves masking happens, not just that the files were empty anyway.
test_masked_paths() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c '
		for f in /proc/kcore /proc/keys /etc/hostname; do
			n=$(cat $f 2>/dev/null | wc -c); echo "$f $n"
		done' || return 1
	expect_match '"/proc/kcore"' "$(jq -c .linux.maskedPaths "$b/config.json")" "spec maskedPaths" || return 1
	cfg "$b" '.linux.maskedPaths += ["/etc/hostname"]' || return 1
	out=$(run_b "$b") || { echo "$out"; return 1; }
	expect_eq "/proc/kcore 0
/proc/keys 0
/etc/hostname 0" "$out"
}

test_pid1_in_own_namespace() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "' || return 1
	out=$(run_b "$b") || return 1
	expect_match '^1$' "$out" || return 1
	expect_match '^sh -c ' "$out" "pid 1 command line"
}

test_no_host_processes() {
	local b=$TEST_TMP/b out n
	make_bundle "$b" sh -c 'ls /proc | grep -c "^[0-9]"; ps -o pid,comm' || return 1
	n=$(ls /proc | grep -c '^[0-9]')
	[ "$n" -gt 10 ] || skip "host has only $n processes: test would prove nothing"
	out=$(run_b "$b") || { echo "$out"; return 1; }
	echo "$out"
	local cnt
	cnt=$(head -1 <<<"$out")
	[ "$cnt" -ge 1 ] && [ "$cnt" -le 4 ] || { echo "container sees $cnt pids (host: $n)"; return 1; }
	expect_nomatch 'systemd|sshd|init$|run\.sh' "$out" "ps output"
}

test_network_only_lo_up() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; echo ---; ip link show lo' || return 1
	out=$(run_b "$b") || { echo "$out"; return 1; }
	expect_eq lo "$(sed -n '1,/^---$/p' <<<"$out" | grep -v -- '^---$')" "interfaces in /proc/net/dev" || return 1
	expect_match '<[^>]*\bUP\b[^>]*>' "$(grep -A1 -- '^---$' <<<"$out" | tail -1)" "lo flags"
}

# Path safety: the rootfs contains symlinks pointing outside it, absolute
# (evil -> <host dir>) and relative (up -> ../../../..<host dir>). Mount
# destinations through them must resolve INSIDE the rootfs (RESOLVE_IN_ROOT),
# never on the host directory they name.
test_symlink_escape_mount_destination() {
	local b=$TEST_TMP/b out rel
	make_bundle "$b" sh -c 'echo ok > /evil/mnt/f && cat /evil/mnt/f && echo ok2 > /up/m2/g && cat /up/m2/g && cat /proc/mounts' || return 1
	mkdir "$TEST_TMP/outside" "$TEST_TMP/outside2" || return 1
	chown_user "$TEST_TMP/outside" "$TEST_TMP/outside2"
	ln -s "$TEST_TMP/outside" "$b/rootfs/evil" || return 1
	rel=$(printf '../%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)
	ln -s "${rel%/}$TEST_TMP/outside2" "$b/rootfs/up" || return 1
	cfg "$b" '.mounts += [{destination: "/evil/mnt", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m"]},
			      {destination: "/up/m2", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "size=1m"]}]' || return 1
	out=$(run_b "$b" 2>&1)
	expect_eq 0 $? "exit status" || { echo "$out"; return 1; }
	expect_eq "" "$(ls -A "$TEST_TMP/outside" "$TEST_TMP/outside2" | grep -v ':$' | grep .)" \
		"host directories behind the symlinks must stay empty" || return 1
	expect_match '^ok$' "$out" || return 1
	expect_match '^ok2$' "$out" || return 1
	expect_match "^[^ ]+ $TEST_TMP/outside/mnt tmpfs " "$out" "tmpfs at the in-rootfs target of /evil/mnt" || return 1
	expect_match "^[^ ]+ $TEST_TMP/outside2/m2 tmpfs " "$out" "tmpfs at the in-rootfs target of /up/m2"
}

# Only 0, 1, 2 reach the container (plus the directory fd ls opens itself),
# even when sbxrun is started with another open fd; --preserve-fds 1 passes
# exactly fd 3 on.
test_no_fd_leak_and_preserve_fds() {
	local b=$TEST_TMP/b out
	echo secret-fd-content >"$TEST_TMP/fdfile"
	chown_user "$TEST_TMP/fdfile"
	make_bundle "$b" sh -c 'ls /proc/self/fd | tr "\n" " "; echo; ls -l /proc/self/fd' || return 1
	out=$(run_b "$b" 3<"$TEST_TMP/fdfile" 4<"$TEST_TMP/fdfile")
	expect_eq 0 $? "exit status" || return 1
	expect_eq "0 1 2 3 " "$(head -1 <<<"$out")" "fds in the container" || return 1
	expect_nomatch 'fdfile' "$out" || return 1
	cfg "$b" '.process.args = ["sh", "-c", "ls /proc/self/fd | tr \"\\n\" \" \"; echo; cat <&3"]' || return 1
	out=$(run_b "$b" --preserve-fds 1 3<"$TEST_TMP/fdfile" 4<"$TEST_TMP/fdfile")
	expect_eq 0 $? "exit status with --preserve-fds 1" || return 1
	expect_eq "0 1 2 3 4 
secret-fd-content" "$out" "fds with --preserve-fds 1 (3 passed, 4 is ls's own)"
}

test_stdin_passthrough() {
	local b=$TEST_TMP/b out
	make_bundle "$b" cat || return 1
	out=$(printf 'data line 1\nline 2\n' | run_b "$b") || return 1
	expect_eq "data line 1
line 2" "$out" || return 1
	# Default stdin (the runner gives /dev/null) is passed through as EOF.
	out=$(run_b "$b") || return 1
	expect_eq "" "$out"
}

test_stdout_stderr_separate() {
	local b=$TEST_TMP/b
	make_bundle "$b" sh -c 'echo to-stdout; echo to-stderr >&2' || return 1
	run_b "$b" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	expect_eq 0 $? "exit status" || return 1
	expect_eq to-stdout "$(cat "$TEST_TMP/out")" "stdout" || return 1
	expect_eq to-stderr "$(cat "$TEST_TMP/err")" "stderr"
}

# SIGTERM to sbxrun reaches the container: with run.sbx.init the tiny pid 1
# forwards it to `sleep 30`, which dies: status 143, long before 30 s.
test_sigterm_forwarded_with_init() {
	local b=$TEST_TMP/b rc t0 t1
	make_bundle "$b" sleep 30 || return 1
	cfg "$b" '.annotations["run.sbx.init"] = "true"' || return 1
	sbx_bg "$TEST_TMP/out" "$TEST_TMP/err" run --bundle "$b" --pid-file "$TEST_TMP/pid" sigterm
	wait_for 10 test -s "$TEST_TMP/pid" || { cat "$TEST_TMP/err"; echo "no pid file"; return 1; }
	sleep 0.3
	t0=$(date +%s)
	kill -TERM "$SBX_PID"
	wait "$SBX_PID"
	rc=$?
	t1=$(date +%s)
	cat "$TEST_TMP/err"
	expect_eq 143 "$rc" "sbxrun status after SIGTERM" || return 1
	[ $((t1 - t0)) -lt 10 ] || { echo "took $((t1 - t0)) s"; return 1; }
}

# Without run.sbx.init, a pid 1 that handles the signal gets it: SIGUSR1 and
# SIGHUP sent to sbxrun run the container's traps.
test_signals_forwarded_to_pid1_handler() {
	local b=$TEST_TMP/b rc sig
	for sig in USR1 HUP INT; do
		make_bundle "$b.$sig" sh -c "trap 'echo got-$sig; exit 7' $sig; echo ready; while :; do sleep 0.1; done" || return 1
		sbx_bg "$TEST_TMP/out.$sig" "$TEST_TMP/err.$sig" run --bundle "$b.$sig" "sig-$sig"
		wait_for 10 grep -q ready "$TEST_TMP/out.$sig" || { cat "$TEST_TMP/err.$sig"; kill -KILL "$SBX_PID"; return 1; }
		kill "-$sig" "$SBX_PID"
		wait "$SBX_PID"
		rc=$?
		expect_eq 7 "$rc" "status after SIG$sig" || { cat "$TEST_TMP/err.$sig"; return 1; }
		expect_match "^got-$sig\$" "$(cat "$TEST_TMP/out.$sig")" || return 1
	done
}

# With run.sbx.init, orphans re-parented to pid 1 are reaped: create two
# orphans (their parent subshell exits at once), check they really were
# re-parented to pid 1, then after they exit no zombie is left.
test_init_reaps_zombies() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c '
		(sleep 0.3 &); (sleep 0.3 &); sleep 0.1
		echo "orphans $(awk "\$2 == \"(sleep)\" && \$4 == 1" /proc/[0-9]*/stat | wc -l)"
		sleep 1
		echo "zombies $(awk "\$3 == \"Z\"" /proc/[0-9]*/stat | wc -l)"' || return 1
	cfg "$b" '.annotations["run.sbx.init"] = "true"' || return 1
	out=$(run_b "$b") || { echo "$out"; return 1; }
	expect_eq "orphans 2
zombies 0" "$out"
}

test_spec_refuses_overwrite() {
	local b=$TEST_TMP/b before err rc
	make_bundle "$b" echo one || return 1
	before=$(md5sum <"$b/config.json")
	err=$(sbx spec --bundle "$b" 2>&1)
	rc=$?
	[ "$rc" != 0 ] || { echo "spec overwrote an existing config.json"; return 1; }
	expect_match 'config\.json' "$err" "error message" || return 1
	expect_eq "$before" "$(md5sum <"$b/config.json")" "config.json must be unchanged"
}

test_spec_defaults_hardened() {
	local b=$TEST_TMP/b c
	make_bundle "$b" || return 1
	c=$b/config.json
	expect_eq '["sh"]' "$(jq -c .process.args "$c")" "process.args" || return 1
	expect_eq false "$(jq .process.terminal "$c")" "process.terminal" || return 1
	expect_eq true "$(jq .process.noNewPrivileges "$c")" "noNewPrivileges" || return 1
	expect_eq true "$(jq .root.readonly "$c")" "root.readonly" || return 1
	# A user namespace in both modes: rootless maps the caller, root gets
	# ids from the pool (issue 8: root in the container is not host root).
	local ns want="cgroup ipc mount network pid user uts"
	ns=$(jq -r '[.linux.namespaces[].type] | sort | join(" ")' "$c")
	expect_eq "$want" "$ns" "namespaces" || return 1
	expect_eq true "$(jq '.linux.seccomp != null' "$c")" "seccomp profile present" || return 1
	expect_match '"/tmp"' "$(jq -c '[.mounts[] | select(.type == "tmpfs") | .destination]' "$c")" "/tmp tmpfs"
}

test_bundle_dir_shortcut() {
	local b=$TEST_TMP/b out
	make_bundle "$b" echo via-shortcut || return 1
	out=$(sbx "$b")
	expect_eq 0 $? "exit status of 'sbxrun DIR'" || return 1
	expect_eq via-shortcut "$out"
}

test_invalid_config_125() {
	local b=$TEST_TMP/b err
	make_bundle "$b" || return 1
	cfg "$b" '.process.args = [""]' || return 1
	err=$(run_b "$b" 2>&1 >/dev/null)
	expect_eq 125 $? "exit status" || return 1
	expect_eq "sbxrun: config.json: process.args[0]: must be a non-empty string" "$err" "stderr"
}

test_log_format_json() {
	local b=$TEST_TMP/b log=$TEST_TMP/log.json bad
	make_bundle "$b" true || return 1
	sbx --log "$log" --log-format json --debug run --bundle "$b" logjson
	expect_eq 0 $? "exit status" || return 1
	[ -s "$log" ] || { echo "--debug run wrote no log lines to $log"; return 1; }
	bad=$(jq -c 'select((has("level") and has("msg") and has("time")) | not)' "$log" 2>&1)
	expect_eq "" "$bad" "log lines without level/msg/time (or not JSON)" || { cat "$log"; return 1; }
	# Errors are logged too, with the same message as stderr.
	cfg "$b" '.process.args = [""]' || return 1
	: >"$log"
	sbx --log "$log" --log-format json run --bundle "$b" logjson2 2>/dev/null
	expect_match 'process\.args\[0\]: must be a non-empty string' \
		"$(jq -r 'select(.level == "error") | .msg' "$log")" "error lines in the JSON log" || { cat "$log"; return 1; }
}

# Start-up cost (issue 8): __builtin_cpu_supports links libgcc's
# __cpu_indicator_init, a constructor that runs ~10 cpuid instructions at
# the start of every sbxrun command; in a VM each one traps to the
# hypervisor (~12 us here), 0.1 ms per command.  The binary must not carry
# it (the e2ad9e5 binary did).
test_no_cpuid_constructor() {
	command -v nm >/dev/null || skip "nm (binutils) not installed"
	local syms
	syms=$(nm "$SBXRUN" 2>/dev/null) || skip "sbxrun has no symbol table"
	case $syms in
	*__cpu_indicator_init*) _sbx_fail "sbxrun links libgcc's __cpu_indicator_init (cpuid at every start)" ;;
	esac
}
