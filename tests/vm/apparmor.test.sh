#!/bin/bash
# AppArmor in the VM (the dev machines' kernel has no AppArmor): load
# sbxrun-default, run containers with it as root and as the unprivileged
# guest user, and check that the label is applied at exec and enforced.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

profile=/payload/configs/apparmor/sbxrun-default
check "AppArmor enabled in the guest" grep -qw apparmor /sys/kernel/security/lsm
out=$(/payload/scripts/load-apparmor.sh "$profile" 2>&1)
check "load-apparmor.sh loads sbxrun-default ($out)" \
	grep -q '^sbxrun-default (enforce)' /sys/kernel/security/apparmor/profiles

# A probe script: label, sysrq write, mount.  Written as one sh -c.
probe='cat /proc/self/attr/current
if echo h 2>/dev/null > /proc/sysrq-trigger; then echo sysrq-written; else echo sysrq-denied; fi
if mount -t tmpfs none /mnt 2>/dev/null; then echo mount-ok; else echo mount-denied; fi
echo done'

run_mode() { # run_mode MODE DIR
	local mode=$1 dir=$2 out rc
	vm_bundle "$dir" "$mode" sh -c "$probe" >/dev/null || { bad "$mode: make bundle"; return; }
	# sysrq-trigger is masked by the default spec; unmask it so that only
	# AppArmor stands between the container and the file.  Give CAP_SYS_ADMIN
	# (in the container's user namespace) so that mount is refused by the
	# profile, not merely by a missing capability.
	local jqf='.process.apparmorProfile = "sbxrun-default"
		| .linux.maskedPaths -= ["/proc/sysrq-trigger"]
		| .linux.readonlyPaths -= ["/proc/sysrq-trigger"]
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]
		| .linux.seccomp.syscalls += [{"names": ["mount"], "action": "SCMP_ACT_ALLOW"}]'
	if [ "$mode" = rootless ]; then
		asuser sh -c "jq '$jqf' $dir/config.json > $dir/c.new && mv $dir/c.new $dir/config.json"
		out=$(asuser "$SBXRUN" run --bundle "$dir" "aa-$mode" 2>&1); rc=$?
	else
		jq "$jqf" "$dir/config.json" > "$dir/c.new" && mv "$dir/c.new" "$dir/config.json"
		out=$("$SBXRUN" run --bundle "$dir" "aa-$mode" 2>&1); rc=$?
	fi
	echo "$mode: rc=$rc out=$(echo "$out" | tr '\n' ';')"
	check "$mode: container ran (rc 0)" [ "$rc" = 0 ]
	check "$mode: label is sbxrun-default (enforce)" grep -qx 'sbxrun-default (enforce)' <<<"$out"
	check "$mode: write to /proc/sysrq-trigger refused" grep -qx 'sysrq-denied' <<<"$out"
	check "$mode: mount refused" grep -qx 'mount-denied' <<<"$out"
}

run_mode root "$TEST_TMP/aa-root"
u=/home/user/aa-user
[ -d /home/user ] || u=$TEST_TMP/aa-user
run_mode rootless "$u"

# The sbxrun process itself stays unconfined (change_onexec): nothing leaks
# into the host shell.
check "host shell still unconfined" grep -q '^unconfined' /proc/self/attr/current

# A profile that is not loaded: clear error, exit 125, nothing runs.
vm_bundle "$TEST_TMP/aa-missing" root echo should-not-run >/dev/null || bad "make bundle"
jq '.process.apparmorProfile = "sbxrun-no-such-profile"' "$TEST_TMP/aa-missing/config.json" \
	> "$TEST_TMP/c.new" && mv "$TEST_TMP/c.new" "$TEST_TMP/aa-missing/config.json"
out=$("$SBXRUN" run --bundle "$TEST_TMP/aa-missing" aa-missing 2>&1); rc=$?
echo "missing profile: rc=$rc out=$out"
check "unloaded profile: exit status 125" [ "$rc" = 125 ]
check "unloaded profile: clear error" grep -qF \
	'sbxrun: config.json: process.apparmorProfile: profile "sbxrun-no-such-profile" is not loaded (load it with apparmor_parser -r)' <<<"$out"
check "unloaded profile: container did not run" bash -c '! grep -q should-not-run <<<"$1"' _ "$out"

# Same as the unprivileged user (the profile list is not readable for it:
# sbxrun falls back to asking the kernel).
u2=/home/user/aa-missing
[ -d /home/user ] || u2=$TEST_TMP/aa-missing-user
vm_bundle "$u2" rootless echo should-not-run >/dev/null || bad "make bundle as user"
asuser sh -c "jq '.process.apparmorProfile = \"sbxrun-no-such-profile\"' $u2/config.json > $u2/c.new && mv $u2/c.new $u2/config.json"
out=$(asuser "$SBXRUN" run --bundle "$u2" aa-missing-user 2>&1); rc=$?
echo "missing profile (user): rc=$rc out=$out"
check "unloaded profile (user): exit status 125" [ "$rc" = 125 ]
check "unloaded profile (user): clear error" grep -qF 'profile "sbxrun-no-such-profile" is not loaded' <<<"$out"

# With sbxrun-default loaded, `sbxrun spec` confines by default, for root and
# for the unprivileged user (who cannot read the profile list: the probe path).
spec_dir=$TEST_TMP/aa-spec
mkdir -p "$spec_dir" && (cd "$spec_dir" && "$SBXRUN" spec) 
check "spec (root) sets apparmorProfile sbxrun-default" \
	[ "$(jq -r .process.apparmorProfile "$spec_dir/config.json")" = sbxrun-default ]
uspec=/home/user/aa-spec
[ -d /home/user ] || uspec=$TEST_TMP/aa-uspec
asuser sh -c "mkdir -p $uspec && cd $uspec && $SBXRUN spec --rootless"
check "spec --rootless (user) sets apparmorProfile sbxrun-default" \
	[ "$(jq -r .process.apparmorProfile "$uspec/config.json")" = sbxrun-default ]
