# shellcheck shell=bash
# OCI conformance and drop-in compatibility with runc/crun (issue 9): each
# test quotes the runtime-spec text (or the runc behaviour) it checks.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

run_c() {
	local b=$1
	shift
	sbx run --bundle "$b" "$@" "conf-$RANDOM"
}

status() {
	sbx state "$1" | jq -r .status
}

# --- bundles written by other tools ----------------------------------------

# The bundle `runc spec` writes (terminal: true, ambient capabilities that
# are not inheritable, devices deny-all, runc's hostname): from the installed
# runc, or the fixture holding the exact output of runc 1.1.5.  Only the
# rootfs is added; the config is used unchanged.
runc_spec_bundle() {
	local b=$1 uid gid
	mkdir -p "$b" || return 1
	cp -a "$SBX_IT_ROOTFS" "$b/rootfs" || return 1
	chown_user "$b"
	if [ -x /usr/sbin/runc ] || command -v runc >/dev/null; then
		local runc
		runc=$(command -v runc || echo /usr/sbin/runc)
		if [ "$SBX_TEST_MODE" = rootless ]; then
			(cd "$b" && as_user "$runc" spec --rootless) || return 1
		else
			(cd "$b" && "$runc" spec) || return 1
		fi
	else
		uid=$(id -u "$SBX_TEST_USER") gid=$(id -g "$SBX_TEST_USER")
		if [ "$SBX_TEST_MODE" = rootless ]; then
			jq ".linux.uidMappings[0].hostID = $uid | .linux.gidMappings[0].hostID = $gid" \
				"$SBX_SRCDIR/tests/fixtures/config/runc-spec-rootless.json" >"$b/config.json"
		else
			cp "$SBX_SRCDIR/tests/fixtures/config/runc-spec.json" "$b/config.json"
		fi
		chown_user "$b/config.json"
	fi
}

# runtime-spec config.md: the runtime MUST run the bundle's config; runc's
# own `runc spec` output is the first bundle a runc user tries.  Its
# ambient set is not in inheritable: runc skips those with a warning.
test_runc_spec_bundle_runs_unchanged() {
	local b=$TEST_TMP/b out cmd rc=0
	command -v script >/dev/null || skip "script(1) not installed"
	runc_spec_bundle "$b" || return 1
	expect_eq true "$(jq -r .process.terminal "$b/config.json")" "runc spec: terminal" || return 1
	# terminal: true: the shell reads the commands through the pty.
	_user_prefix
	cmd=$(printf '%q ' "${_SBX_PREFIX[@]}" "$SBXRUN" --root "$SBX_ROOT" run --bundle "$b" rs1)
	(sleep 1; echo 'echo hello-$((6*7)); grep -E "^Cap(Eff|Amb)" /proc/self/status; exit 3') |
		script -qefc "$cmd" /dev/null >"$TEST_TMP/out"
	rc=${PIPESTATUS[1]}
	out=$(tr -d '\r' <"$TEST_TMP/out")
	echo "$out"
	expect_match '^hello-42$' "$out" "shell output" || return 1
	# CAP_AUDIT_WRITE(29) CAP_KILL(5) CAP_NET_BIND_SERVICE(10), none ambient
	expect_match '^CapEff:[[:space:]]+0000000020000420$' "$out" "effective set" || return 1
	expect_match '^CapAmb:[[:space:]]+0000000000000000$' "$out" "ambient set" || return 1
	expect_match "can't raise ambient capability" "$out" "warning" || return 1
	expect_eq 3 "$rc" "exit status" || return 1
}

# --- capabilities ------------------------------------------------------------

# runc and crun ignore capability names the kernel or libcap does not know,
# with one warning ("a config written for a newer kernel must still run");
# sbxrun does the same for well-formed CAP_<NAME> names.
test_unknown_capability_ignored_with_warning() {
	local b=$TEST_TMP/b out err rc=0
	make_bundle "$b" grep CapBnd /proc/self/status || return 1
	cfg "$b" '.process.capabilities.bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_FUTURE_THING", "CAP_TEST"]
		| .process.capabilities.effective = ["CAP_KILL", "CAP_FUTURE_THING"]
		| .process.capabilities.permitted = ["CAP_KILL", "CAP_FUTURE_THING"]' || return 1
	out=$(run_c "$b" 2>"$TEST_TMP/err") || rc=$?
	err=$(cat "$TEST_TMP/err")
	expect_eq 0 "$rc" "exit status (stderr: $err)" || return 1
	expect_match '^CapBnd:[[:space:]]+0000000000000021$' "$out" "bounding set" || return 1
	expect_match '^sbxrun: warning: ignoring unknown or unavailable capabilities: \[CAP_FUTURE_THING CAP_TEST\]' "$err" "one warning" || return 1
	expect_eq 1 "$(grep -c 'unknown or unavailable' <<<"$err")" "number of warnings" || return 1
}

# Names that are not capabilities at all stay errors (fail closed on typos).
test_capability_typo_and_bad_form_refused() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.process.capabilities.bounding = ["CAP_CHOWN", "CAP_SYS_ADMN"]' || return 1
	expect_run_error "$b" \
		'^sbxrun: config\.json: process\.capabilities\.bounding\[1\]: unknown capability "CAP_SYS_ADMN" \(did you mean CAP_SYS_ADMIN\?\)$' || return 1
	cfg "$b" '.process.capabilities.bounding = ["CAP_CHOWN"] | .process.capabilities.effective = ["CAPS_KILL"]' || return 1
	expect_run_error "$b" \
		'^sbxrun: config\.json: process\.capabilities\.effective\[0\]: "CAPS_KILL" is not a capability name'
}

# A capability sbxrun itself does not hold in its bounding set can never be
# granted (capset fails): left out with a warning, like an unknown one, so
# `docker run --privileged` works in a sandbox that dropped one (runc fails).
test_capability_not_in_own_bounding_set_ignored() {
	local b=$TEST_TMP/b out rc=0
	make_bundle "$b" grep -E '^Cap(Eff|Bnd)' /proc/self/status || return 1
	cfg "$b" '.process.capabilities = {"bounding": ["CAP_SYS_TIME", "CAP_KILL"],
		"effective": ["CAP_SYS_TIME", "CAP_KILL"], "permitted": ["CAP_SYS_TIME", "CAP_KILL"]}' || return 1
	_user_prefix
	out=$(setpriv --bounding-set -sys_time "${_SBX_PREFIX[@]}" "$SBXRUN" --root "$SBX_ROOT" \
		run --bundle "$b" bnd1 2>&1) || rc=$?
	expect_eq 0 "$rc" "exit status ($out)" || return 1
	expect_match '^CapEff:[[:space:]]+0000000000000020$' "$out" "CAP_KILL only" || return 1
	expect_match 'ignoring unknown or unavailable capabilities: \[CAP_SYS_TIME\] \(not in sbxrun.s own bounding set' "$out" "warning"
}

# runc: "can't raise ambient capability": skipped with a warning, the others
# are raised (runc's capabilities.bats "ambient caps not set in inheritable").
test_ambient_not_inheritable_skipped() {
	local b=$TEST_TMP/b out err rc=0
	make_bundle "$b" grep CapAmb /proc/self/status || return 1
	cfg "$b" '.process.capabilities = {"bounding": ["CAP_KILL", "CAP_CHOWN"],
		"effective": ["CAP_KILL", "CAP_CHOWN"], "permitted": ["CAP_KILL", "CAP_CHOWN"],
		"inheritable": ["CAP_KILL"], "ambient": ["CAP_KILL", "CAP_CHOWN"]}' || return 1
	out=$(run_c "$b" 2>"$TEST_TMP/err") || rc=$?
	err=$(cat "$TEST_TMP/err")
	expect_eq 0 "$rc" "exit status (stderr: $err)" || return 1
	expect_match '^CapAmb:[[:space:]]+0000000000000020$' "$out" "ambient: CAP_KILL only" || return 1
	expect_match "can't raise ambient capability CAP_CHOWN" "$err" "warning" || return 1
}

# --- devices -------------------------------------------------------------------

# config-linux.md devices: fileMode is the file mode of the device.  Engines
# send the host node's st_mode (podman rootful: 8630 = S_IFCHR|0666); runc
# uses its permission bits.  Only bits outside S_IFMT|07777 are refused.
test_device_filemode_with_type_bits() {
	local b=$TEST_TMP/b out rc=0 dev=/dev/mynull
	# Rootless, devices are bind-mounted from the host path (as runc does):
	# use one that exists there; its mode is the host's.
	[ "$SBX_TEST_MODE" = rootless ] && dev=/dev/null
	# Root: mknod of a node that does not exist on the host, as podman
	# rootful sends it: rootful without a user namespace (in one, mknod is
	# impossible and devices are bound from the host like rootless).
	SBX_NO_USERNS=1 make_bundle "$b" sh -c "ls -ln $dev; echo data > $dev && echo write-ok" || return 1
	cfg "$b" ".linux.devices = [{path: \"$dev\", type: \"c\", major: 1, minor: 3,
		fileMode: 8612, uid: 0, gid: 0}]
		| .linux.resources.devices = [{allow: false, access: \"rwm\"},
			{allow: true, type: \"c\", major: 1, minor: 3, access: \"rwm\"}]" || return 1
	out=$(run_c "$b" 2>&1) || rc=$?
	expect_eq 0 "$rc" "exit status ($out)" || return 1
	if [ "$SBX_TEST_MODE" = root ]; then
		# 8612 = S_IFCHR|0644: the permission bits are used
		expect_match "^crw-r--r-- .* 1, +3 .*$dev\$" "$out" "node" || return 1
	fi
	expect_match '^write-ok$' "$out" "write" || return 1
	cfg "$b" '.linux.devices[0].fileMode = 131510' || return 1  # 0400666
	expect_run_error "$b" \
		'^sbxrun: config\.json: linux\.devices\[0\]\.fileMode: 131510 \(0400666\) has bits outside the file type \(S_IFMT\) and permission bits \(07777\)$'
}

# --- cgroups -------------------------------------------------------------------

# config-linux.md: pids.limit, memory.limit/swap -1 and cpu.quota -1 are "no
# limit".  They need no controller, so they work without cgroup delegation
# (this host: cgroup v2 has only hugetlb).  podman rootful sends pids 0.
test_nolimit_values_need_no_controller() {
	local b=$TEST_TMP/b out rc=0
	make_bundle "$b" echo ran || return 1
	cfg "$b" '.linux.resources = {"pids": {"limit": 0},
		"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1, "burst": 0},
		"blockIO": {"throttleReadBpsDevice": [{"major": 1, "minor": 3, "rate": 0}]}}' || return 1
	out=$(run_c "$b" 2>&1) || rc=$?
	expect_eq 0 "$rc" "pids 0 ($out)" || return 1
	expect_eq ran "$out" || return 1
	cfg "$b" '.linux.resources.pids.limit = -1' || return 1
	out=$(run_c "$b" 2>&1) || rc=$?
	expect_eq 0 "$rc" "pids -1 ($out)" || return 1
	expect_eq ran "$out" || return 1
}

# --- sysctl --------------------------------------------------------------------

# runc and crun: kernel.hostname conflicts with the OCI hostname field and
# is refused; kernel.domainname must agree with `domainname` (crun).
test_sysctl_uts_conflicts_refused() {
	local b=$TEST_TMP/b out rc=0
	# The agreeing case below writes /proc/sys/kernel/domainname, which
	# belongs to host root: rootful without a user namespace.
	SBX_NO_USERNS=1 make_bundle "$b" cat /proc/sys/kernel/domainname || return 1
	cfg "$b" '.linux.sysctl = {"kernel.hostname": "other"}' || return 1
	expect_run_error "$b" \
		'^sbxrun: config\.json: linux\.sysctl: "kernel\.hostname" conflicts with the OCI "hostname" field' || return 1
	cfg "$b" '.linux.sysctl = {"kernel/hostname": "other"}' || return 1
	expect_run_error "$b" '"kernel/hostname" conflicts with the OCI "hostname" field' || return 1
	cfg "$b" '.domainname = "example.org" | .linux.sysctl = {"kernel.domainname": "other.org"}' || return 1
	expect_run_error "$b" \
		'^sbxrun: config\.json: linux\.sysctl: "kernel\.domainname"="other\.org" conflicts with the OCI "domainname" field \("example\.org"\)$' || return 1
	# Rootless (and in root's default user namespace),
	# /proc/sys/kernel/domainname belongs to the host's root and cannot be
	# written (with runc neither): the agreeing case is host root's.
	[ "$SBX_TEST_MODE" = root ] || return 0
	cfg "$b" '.linux.sysctl = {"kernel.domainname": "example.org"}' || return 1
	out=$(run_c "$b" 2>&1) || rc=$?
	expect_eq 0 "$rc" "agreeing domainname ($out)" || return 1
	expect_eq example.org "$out" || return 1
}

# --- hooks ---------------------------------------------------------------------

# runtime-spec config.md hooks: env has the semantics of execve's envp.
# runc and crun give a hook without `env` their own environment; `env: []`
# is an empty one.
test_hook_without_env_gets_runtime_env() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	printf '#!/bin/sh\nenv > "$1"\n' >"$TEST_TMP/hook"
	chmod 0755 "$TEST_TMP/hook"
	chown_user "$TEST_TMP/hook" "$TEST_TMP"
	cfg "$b" ".hooks.createRuntime = [
		{path: \"$TEST_TMP/hook\", args: [\"hook\", \"$TEST_TMP/noenv\"]},
		{path: \"$TEST_TMP/hook\", args: [\"hook\", \"$TEST_TMP/emptyenv\"], env: []},
		{path: \"$TEST_TMP/hook\", args: [\"hook\", \"$TEST_TMP/ownenv\"], env: [\"ONE=1\"]}]" || return 1
	expect_rc 0 run_c "$b" || return 1
	expect_match '^PATH=' "$(cat "$TEST_TMP/noenv")" "hook without env sees PATH" || return 1
	expect_nomatch '^PATH=' "$(cat "$TEST_TMP/emptyenv")" "hook with env []" || return 1
	expect_match '^ONE=1$' "$(cat "$TEST_TMP/ownenv")" "hook with env" || return 1
	expect_nomatch '^PATH=' "$(cat "$TEST_TMP/ownenv")" "hook with env: nothing else" || return 1
}

# --- CLI: runc's behaviour -----------------------------------------------------

# runc kill ID 0: signal 0 only checks that the container is alive.
test_kill_zero_checks_alive() {
	local b=$TEST_TMP/b i
	make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx run --detach --bundle "$b" k0 || return 1
	expect_rc 0 sbx kill k0 0 || return 1
	expect_eq running "$(status k0)" "still running after signal 0" || return 1
	expect_rc 0 sbx kill k0 KILL || return 1
	for i in $(seq 50); do [ "$(status k0)" = stopped ] && break; sleep 0.1; done
	expect_rc 125 sbx kill k0 0 || return 1
	expect_rc 0 sbx delete k0
}

# runc run --keep: "do not delete the container after it exits": the
# stopped container stays (state "stopped") until delete, which runs the
# poststop hooks (runtime.md: poststop runs when the container is deleted).
test_run_keep_keeps_stopped_container() {
	local b=$TEST_TMP/b rc=0
	make_bundle "$b" sh -c 'exit 7' || return 1
	printf '#!/bin/sh\necho poststop >> "%s/log"\n' "$TEST_TMP" >"$TEST_TMP/hook"
	chmod 0755 "$TEST_TMP/hook"
	: >"$TEST_TMP/log"
	chown_user "$TEST_TMP/hook" "$TEST_TMP/log"
	cfg "$b" ".hooks.poststop = [{path: \"$TEST_TMP/hook\"}]" || return 1
	sbx run --keep --bundle "$b" kp1 || rc=$?
	expect_eq 7 "$rc" "exit status" || return 1
	expect_eq stopped "$(status kp1)" "status after run --keep" || return 1
	expect_match '^kp1$' "$(sbx list -q)" "list" || return 1
	expect_eq "" "$(cat "$TEST_TMP/log")" "poststop before delete" || return 1
	expect_rc 0 sbx delete kp1 || return 1
	expect_eq poststop "$(cat "$TEST_TMP/log")" "poststop at delete" || return 1
	expect_rc 125 sbx state kp1 || return 1
	# without --keep the record goes away with the process
	sbx run --bundle "$b" kp2
	expect_rc 125 sbx state kp2
}

# runc ps ID [ps options]: ps(1) with the options (default -ef), filtered
# to the container's processes; --format json is the pid list.
test_ps_runs_ps_with_options() {
	local b=$TEST_TMP/b out pid i
	# `ps -o pid,comm` (no selection option) lists only processes of the
	# caller's uid, ps's rule and runc's too: the container runs as host
	# root for that line, i.e. rootful without a user namespace.
	SBX_NO_USERNS=1 make_bundle "$b" sleep 100 || return 1
	expect_rc 0 sbx run --detach --bundle "$b" ps1 || return 1
	pid=$(sbx state ps1 | jq -r .pid)
	out=$(sbx ps ps1) || { echo "ps failed: $out"; return 1; }
	echo "$out"
	expect_match '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$' "$out" "ps -ef header" || return 1
	expect_match "^[^ ]+ +$pid +[0-9]+ .* sleep 100$" "$out" "init line" || return 1
	expect_eq 2 "$(wc -l <<<"$out")" "only the container's process" || return 1
	out=$(sbx ps ps1 -o pid,comm) || { echo "ps -o failed: $out"; return 1; }
	expect_match '^ *PID COMMAND$' "$out" "ps -o header" || return 1
	expect_match "^ *$pid sleep$" "$out" "ps -o line" || return 1
	expect_eq "[$pid]" "$(sbx ps --format json ps1)" "json" || return 1
	# no PID column: runc's error
	out=$(sbx ps ps1 -o comm 2>&1)
	expect_match "couldn't find a PID field" "$out" "no PID column" || return 1
	expect_rc 0 sbx delete --force ps1
}

# --- messages ------------------------------------------------------------------

# A NUL in config.json is refused in words, not with jansson's flag name.
test_nul_in_config_message() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.hostname = "a\u0000b"' || return 1
	expect_run_error "$b" \
		'^sbxrun: config\.json: line [0-9]+, column [0-9]+: a string contains a NUL character \(\\u0000\), which is not allowed in config strings$' || return 1
	expect_nomatch 'JSON_ALLOW_NUL' "$(sbx run --bundle "$b" nul 2>&1)"
}

# --- features -------------------------------------------------------------------

# runtime-spec features.md, and issue 9: AppArmor is reported enabled only
# where the host has it (sbxrun refuses an apparmorProfile elsewhere),
# potentiallyUnsafeConfigAnnotations lists sbxrun's own annotations, and
# what is listed is accepted (intelRdt is not: refused, reported false).
test_features_match_host_and_code() {
	local f aa=false b=$TEST_TMP/b
	f=$(sbx features) || return 1
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] &&
		[ -d /sys/kernel/security/apparmor ] && aa=true
	expect_eq "$aa" "$(jq .linux.apparmor.enabled <<<"$f")" "apparmor.enabled" || return 1
	expect_eq false "$(jq .linux.selinux.enabled <<<"$f")" "selinux.enabled" || return 1
	expect_eq '["run.sbx."]' "$(jq -c .potentiallyUnsafeConfigAnnotations <<<"$f")" \
		"potentiallyUnsafeConfigAnnotations" || return 1
	expect_eq false "$(jq .linux.intelRdt.enabled <<<"$f")" "intelRdt.enabled" || return 1
	make_bundle "$b" true || return 1
	cfg "$b" '.linux.intelRdt = {"closID": "guaranteed_group"}' || return 1
	expect_run_error "$b" '^sbxrun: config\.json: linux\.intelRdt: Intel RDT \(resctrl\) is not supported by sbxrun' || return 1
	# SELinux is reported unsupported, and a label is refused, not ignored
	cfg "$b" 'del(.linux.intelRdt) | .process.selinuxLabel = "system_u:system_r:container_t:s0"' || return 1
	expect_run_error "$b" 'process\.selinuxLabel: SELinux is not supported by sbxrun' || return 1
	cfg "$b" 'del(.process.selinuxLabel)' || return 1
	# every namespace listed can be created
	cfg "$b" 'del(.linux.intelRdt) | .linux.namespaces += [{"type": "time"}]
		| .process.args = ["readlink", "/proc/self/ns/time"]' || return 1
	expect_match '"time"' "$(jq -c .linux.namespaces <<<"$f")" "time listed" || return 1
	expect_match '^time:\[[0-9]+\]$' "$(run_c "$b" 2>&1)" "time namespace" || return 1
	[ "$(run_c "$b")" != "$(readlink /proc/self/ns/time)" ] || { echo "time namespace not new"; return 1; }
}
