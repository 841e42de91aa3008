# shellcheck shell=bash
# `sbxrun check`: bundle mode (default specs, a privileged config, exit
# status, JSON format, SARIF validated by the SARIF Multitool, colour only on
# a tty) and live mode (--id) on running containers, root and rootless.
# See docs/check.md.

# A --privileged-style config: every capability, no seccomp, no
# no_new_privs, all devices, host PID and network namespaces, writable root,
# writable /proc/sys, unmasked kernel files.
make_privileged() {
	local b=$1
	make_bundle "$b" || return 1
	cfg "$b" '.process.capabilities = ({} | .bounding = ["CAP_CHOWN","CAP_DAC_OVERRIDE",
		"CAP_DAC_READ_SEARCH","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID",
		"CAP_SETPCAP","CAP_LINUX_IMMUTABLE","CAP_NET_BIND_SERVICE","CAP_NET_BROADCAST",
		"CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_IPC_OWNER","CAP_SYS_MODULE",
		"CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_PACCT","CAP_SYS_ADMIN",
		"CAP_SYS_BOOT","CAP_SYS_NICE","CAP_SYS_RESOURCE","CAP_SYS_TIME","CAP_SYS_TTY_CONFIG",
		"CAP_MKNOD","CAP_LEASE","CAP_AUDIT_WRITE","CAP_AUDIT_CONTROL","CAP_SETFCAP",
		"CAP_MAC_OVERRIDE","CAP_MAC_ADMIN","CAP_SYSLOG","CAP_WAKE_ALARM","CAP_BLOCK_SUSPEND",
		"CAP_AUDIT_READ"] | .effective = .bounding | .permitted = .bounding)
		| del(.linux.seccomp) | .process.noNewPrivileges = false
		| .linux.resources.devices = [{"allow": true, "access": "rwm"}]
		| .linux.namespaces |= map(select(.type != "pid" and .type != "network"))
		| .root.readonly = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
}

test_check_default_spec_passes() {
	local b=$TEST_TMP/b out rc=0
	make_bundle "$b" || return 1
	out=$(sbx check --fail-on medium "$b") || rc=$?
	expect_eq 0 "$rc" "exit status of check --fail-on medium on the default spec" || {
		echo "$out" >&2; return 1; }
	expect_match '^Summary: 0 high, 0 medium, ' "$out" || return 1
	out=$(sbx check --format json "$b") || return 1
	expect_eq 0 "$(jq '.summary.high + .summary.medium' <<<"$out")" "high+medium findings"
}

test_check_privileged_fails_with_cis_ids() {
	local b=$TEST_TMP/b out rc=0 ids id
	make_privileged "$b" || return 1
	out=$(sbx check --format json "$b") || rc=$?
	expect_eq 1 "$rc" "exit status" || return 1
	ids=$(jq -r '[.findings[] | select(.status == "fail" and .level == "high") | .cis // empty] | unique | join(" ")' <<<"$out")
	for id in 5.5 5.4 5.22 5.10 5.16; do
		expect_match "(^| )$id( |\$)" "$ids" "high CIS ids" || return 1
	done
	ids=$(jq -r '[.findings[] | select(.status == "fail") | .cis // .id] | unique | join(" ")' <<<"$out")
	for id in 5.13 5.26 masked-paths proc-sys-readonly; do
		expect_match "(^| )$id( |\$)" "$ids" "failing controls" || return 1
	done
	expect_eq fail "$(jq -r .result <<<"$out")" "result"
	# The text output teaches: attack and fix for every failure.
	out=$(sbx check "$b") || true
	expect_match '^  FAIL high   privileged \(CIS 5\.5\): every capability is granted' "$out" || return 1
	expect_match '^              fix:    ' "$out"
}

test_check_exit_status_and_usage() {
	local b=$TEST_TMP/b rc err
	make_bundle "$b" || return 1
	rc=0; sbx check >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "no target" || return 1
	rc=0; sbx check --id x "$b" >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "bundle and --id" || return 1
	rc=0; sbx check --format yaml "$b" >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "bad --format" || return 1
	rc=0; sbx check --fail-on critical "$b" >/dev/null 2>&1 || rc=$?
	expect_eq 125 "$rc" "bad --fail-on" || return 1
	rc=0; err=$(sbx check "$TEST_TMP/nope" 2>&1 >/dev/null) || rc=$?
	expect_eq 125 "$rc" "missing bundle" || return 1
	expect_match 'nope' "$err" || return 1
	printf '{"ociVersion": "1.0.0", "process": {"cwd": "/", "args": []}}\n' >"$b/config.json"
	rc=0; err=$(sbx check "$b" 2>&1 >/dev/null) || rc=$?
	expect_eq 125 "$rc" "invalid config" || return 1
	expect_match 'config.json: process.args: must be a non-empty array' "$err" || return 1
	make_bundle "$TEST_TMP/c" || return 1
	# Default --fail-on high: the default spec's low findings pass;
	# --fail-on low turns them into exit 1.
	rc=0; sbx check --fail-on low "$TEST_TMP/c" >/dev/null || rc=$?
	expect_eq 1 "$rc" "--fail-on low on the default spec"
}

test_check_json_format() {
	local b=$TEST_TMP/b out
	make_privileged "$b" || return 1
	out=$(sbx check --format json "$b") || true
	expect_eq 1 "$(jq .schemaVersion <<<"$out")" "schemaVersion" || return 1
	expect_eq bundle "$(jq -r .mode <<<"$out")" "mode" || return 1
	expect_eq "$b" "$(jq -r .target.bundle <<<"$out")" "target.bundle" || return 1
	expect_eq "$b/config.json" "$(jq -r .target.config <<<"$out")" "target.config" || return 1
	# Every finding has exactly the documented keys.
	expect_eq 0 "$(jq '[.findings[] | keys | select(. != ["attack","blocks","cis","column",
		"doc","fix","id","layer","level","line","live","message","path","source","status",
		"title"])] | length' <<<"$out")" "findings with other keys" || return 1
	# The seccomp finding points at the line of "linux" (the field is missing).
	expect_eq "$(grep -n '^  "linux": {' "$b/config.json" | cut -d: -f1)" \
		"$(jq '.findings[] | select(.id == "seccomp") | .line' <<<"$out")" "seccomp finding line" || return 1
	expect_eq "$(grep -n '"noNewPrivileges"' "$b/config.json" | cut -d: -f1)" \
		"$(jq '.findings[] | select(.id == "no-new-privileges") | .line' <<<"$out")" "nnp finding line" || return 1
	# summary counts agree with the findings.
	expect_eq "$(jq '[.findings[] | select(.level == "high")] | length' <<<"$out")" \
		"$(jq .summary.high <<<"$out")" "summary.high"
}

test_check_sarif_validates() {
	local b=$TEST_TMP/b out line
	make_privileged "$b" || return 1
	sbx check --format sarif "$b" >"$TEST_TMP/priv.sarif" || true
	make_bundle "$TEST_TMP/d" || return 1
	sbx check --format sarif "$TEST_TMP/d" >"$TEST_TMP/default.sarif" || true
	# Fails loudly (not a skip) when the tool cannot be installed.
	"$SBX_SRCDIR/scripts/sarif-validate.sh" "$TEST_TMP/priv.sarif" "$TEST_TMP/default.sarif" ||
		{ _sbx_fail "SARIF validation"; return 1; }
	out=$(cat "$TEST_TMP/priv.sarif")
	expect_eq 2.1.0 "$(jq -r .version <<<"$out")" "version" || return 1
	line=$(grep -n '"noNewPrivileges"' "$b/config.json" | cut -d: -f1)
	expect_eq "$line" "$(jq '.runs[0].results[] | select(.ruleId == "no-new-privileges") |
		.locations[0].physicalLocation.region.startLine' <<<"$out")" "SARIF startLine" || return 1
	expect_eq "5" "$(jq '.runs[0].results[] | select(.ruleId == "no-new-privileges") |
		.locations[0].physicalLocation.region.startColumn' <<<"$out")" "SARIF startColumn" || return 1
	expect_eq "file://$b/" "$(jq -r '.runs[0].originalUriBaseIds.BUNDLE.uri' <<<"$out")" "uri base"
}

test_check_colour_only_on_a_tty() {
	local b=$TEST_TMP/b out
	command -v script >/dev/null || skip "script(1) is not installed"
	make_bundle "$b" || return 1
	out=$(sbx check "$b") || true
	expect_nomatch $'\033' "$out" "piped output" || return 1
	out=$(as_user script -qec "$SBXRUN --root $SBX_ROOT check $b" /dev/null) || true
	expect_match $'\033\\[' "$out" "tty output" || return 1
	out=$(as_user env NO_COLOR=1 script -qec "$SBXRUN --root $SBX_ROOT check $b" /dev/null) || true
	expect_nomatch $'\033\\[' "$out" "NO_COLOR"
}

# live_json ID: `sbxrun check --id ID --format json` (exit status ignored).
live_json() {
	sbx check --id "$1" --format json || true
}

# kfail JSON ID SOURCE REGEX: a failing finding of control ID from SOURCE
# (kernel|drift) whose message matches REGEX.
kfail() {
	jq -e --arg id "$2" --arg src "$3" --arg re "$4" \
		'[.findings[] | select(.id == $id and .status == "fail" and .source == $src and
		  (.message | test($re)))] | length > 0' <<<"$1" >/dev/null && return 0
	_sbx_fail "no failing $2 ($3) finding matching /$4/ in: $(jq -c '[.findings[] | select(.status != "pass") | {id, source, message}]' <<<"$1")"
}

test_check_live_weaker_config_shows_finding() {
	local b=$TEST_TMP/b out id=live-weak-$RANDOM
	make_bundle "$b" sleep 60 || return 1
	cfg "$b" '.process.noNewPrivileges = false
		| .process.capabilities.bounding += ["CAP_SYS_PTRACE"]
		| .process.capabilities.effective += ["CAP_SYS_PTRACE"]
		| .process.capabilities.permitted += ["CAP_SYS_PTRACE"]' || return 1
	sbx run -d --bundle "$b" "$id" || return 1
	out=$(live_json "$id")
	sbx delete -f "$id"
	expect_eq live "$(jq -r .mode <<<"$out")" "mode" || return 1
	kfail "$out" capabilities kernel 'CAP_SYS_PTRACE' || return 1
	kfail "$out" no-new-privileges kernel 'NoNewPrivs is 0' || return 1
	expect_match '^/proc/[0-9]+/status' "$(jq -r '.findings[] | select(.id == "no-new-privileges") | .live' <<<"$out")" "live source" || return 1
	# The default config passes what the weaker one fails.
	make_bundle "$TEST_TMP/d" sleep 60 || return 1
	sbx run -d --bundle "$TEST_TMP/d" "$id-d" || return 1
	out=$(live_json "$id-d")
	sbx delete -f "$id-d"
	for c in no-new-privileges seccomp capabilities readonly-root host-pid host-network drift-capabilities drift-seccomp drift-no-new-privileges drift-namespaces drift-readonly-root; do
		expect_eq pass "$(jq -r --arg c "$c" '[.findings[] | select(.id == $c) | .status] | unique | join(",")' <<<"$out")" \
			"live $c on the default config" || return 1
	done
	[ "$SBX_TEST_MODE" = rootless ] &&
		{ expect_eq pass "$(jq -r '[.findings[] | select(.id == "drift-idmap") | .status] | join(",")' <<<"$out")" "drift-idmap" || return 1; }
	return 0
}

# The default container passes live mode too: root's default has a user
# namespace from the pool (run.sbx.userns=auto, no map in the config), so
# the map to expect is the recorded block's, and the rootfs is id-mapped.
test_check_live_default_container_passes() {
	local b=$TEST_TMP/b out rc=0 id=live-def-$RANDOM
	make_bundle "$b" sleep 60 || return 1
	sbx run -d --bundle "$b" "$id" || return 1
	out=$(sbx check --id "$id" --format json --fail-on medium) || rc=$?
	sbx delete -f "$id"
	expect_eq 0 "$rc" "exit status of check --id --fail-on medium on the default container: $(jq -c '[.findings[] | select(.status == "fail" and .level != "low") | {id, message}]' <<<"$out")" || return 1
	expect_eq pass "$(jq -r '[.findings[] | select(.id == "drift-idmap") | .status] | join(",")' <<<"$out")" "drift-idmap" || return 1
	if [ "$SBX_TEST_MODE" = root ]; then
		expect_match '^uid_map and gid_map are block [0-9]+ of the user namespace pool \(run.sbx.userns=auto\): 0 [1-9][0-9]* 65536, 0 [1-9][0-9]* 65536$' \
			"$(jq -r '.findings[] | select(.id == "drift-idmap") | .message' <<<"$out")" "drift-idmap message" || return 1
		expect_match '^user namespace; container uid 0 is host uid [1-9][0-9]* \(a block of the sbxrun user.s subordinate ids\); the rootfs is id-mapped$' \
			"$(jq -r '.findings[] | select(.id == "userns") | .message' <<<"$out")" "userns message" || return 1
	fi
}

test_check_live_detects_config_kernel_difference() {
	local b=$TEST_TMP/b out id=live-drift-$RANDOM
	make_bundle "$b" capdrop 5 setpriv --nnp sleep 60 || return 1
	add_helper "$b" capdrop || return 1
	# The config grants CAP_KILL (5) and leaves no_new_privs off; the
	# workload drops the capability and sets no_new_privs itself.
	cfg "$b" '.process.noNewPrivileges = false | del(.linux.seccomp)' || return 1
	sbx run -d --bundle "$b" "$id" || return 1
	wait_for 5 sh -c "$(printf '%q ' "$SBXRUN") --root $SBX_ROOT ps --format json $id >/dev/null" || true
	sleep 0.3
	out=$(live_json "$id")
	sbx delete -f "$id"
	kfail "$out" drift-capabilities drift 'asks for CAP_KILL in the (bounding|effective|permitted) set, but the kernel did not grant it' || return 1
	kfail "$out" drift-no-new-privileges drift 'config noNewPrivileges false, kernel NoNewPrivs 1' || return 1
	expect_eq low "$(jq -r '[.findings[] | select(.id == "drift-capabilities" and .status == "fail") | .level] | unique | join(",")' <<<"$out")" "drift level"
}

test_check_live_not_running() {
	local b=$TEST_TMP/b rc=0 err
	rc=0; err=$(sbx check --id nosuch 2>&1 >/dev/null) || rc=$?
	expect_eq 125 "$rc" "unknown container" || return 1
	expect_match 'nosuch' "$err"
}
