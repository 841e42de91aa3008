# shellcheck shell=bash
# The container's filesystem and namespaces as the runtime-spec describes
# them (issue 9 items 2-5 and the rootfs compatibility items): a mount
# namespace that is inherited or joined, hostname in a joined UTS namespace,
# mount options passed as data, hook timing and failure semantics, bind
# sources opened by the runtime, a read-only /dev, bind sources inside the
# container tree, /proc or /dev symlinks, --no-pivot and nested procfs, a
# missing rootfs.  Each test quotes the runtime-spec sentence it checks.
# Runs in both modes (root, rootless); see tests/integration/lib.sh.

run_r() {
	local b=$1
	shift
	sbx run --bundle "$b" "$@" "rfs-$RANDOM"
}

# Root mode: give the container a user namespace whose root is a uid no one
# owns on the host (written directly by sbxrun as root), so it cannot search
# a directory only the host's root may enter.  These mappings replace the
# pool's (root's spec asks for those with annotation run.sbx.userns=auto).
userns_bundle() {
	local b=$1
	[ "$SBX_TEST_MODE" = root ] || return 0
	cfg "$b" '.linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}])
		| del(.annotations["run.sbx.userns"])
		| .linux.uidMappings = [{containerID: 0, hostID: 2000000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 2000000, size: 65536}]'
}

# The container's pid as seen by the runtime (from `state`).
ctr_pid() {
	sbx state "$1" | jq -r .pid
}

# ---------------------------------------------------------------------------
# Item 2: mount namespace inherited or joined.
# config-linux.md: "If a namespace type is not specified in the namespaces
# array, the container MUST inherit the runtime namespace of that type."
# and: "If a path is specified, the runtime MUST place the container process
# in the namespace associated with that path."

# Root: the container runs in the runtime's mount namespace.  The test runs
# sbxrun inside a private mount namespace of its own (the "host" here), whose
# "/" is rshared, with a peer namespace next to it: afterwards "/" must still
# be shared (runc makes the whole tree rslave), and nothing sbxrun mounted for
# the container may show up in the peer except the rootfs bind itself.
test_mount_namespace_not_listed_root() {
	[ "$SBX_TEST_MODE" = root ] || skip "root mode (rootless: see test_mount_namespace_not_listed_rootless)"
	local b=$TEST_TMP/b out
	# Mounting in the runtime's mount namespace needs host root: rootful
	# without a user namespace (in one, it is the rootless case's error).
	SBX_NO_USERNS=1 make_bundle "$b" sh -c 'readlink /proc/self/ns/mnt; hostname' || return 1
	cfg "$b" 'del(.linux.namespaces[] | select(.type == "mount" or .type == "uts")) | del(.hostname)' || return 1
	out=$(unshare -m --propagation private sh -c '
		mount --make-rshared / || exit 1
		unshare -m --propagation unchanged sh -c "echo \$\$ > $1/peer; exec sleep 30" &
		while [ ! -s "$1/peer" ]; do sleep 0.05; done
		peer=$(cat "$1/peer")
		readlink /proc/self/ns/mnt
		"$2" --root "$3" run --bundle "$4" "nomnt-$$" || echo "run failed: $?"
		grep -E "^[0-9]+ [0-9]+ [^ ]+ / / " /proc/self/mountinfo | grep -q shared: && echo root-still-shared
		echo "in-peer: $(grep -c " $4/rootfs" /proc/$peer/mountinfo)"
		echo "private-below-rootfs: $(grep " $4/rootfs/" /proc/self/mountinfo | grep -c -v shared:)"
		umount -R "$4/rootfs" 2>/dev/null
		kill $peer' _ "$TEST_TMP" "$SBXRUN" "$SBX_ROOT" "$b")
	local ns
	ns=$(sed -n 1p <<<"$out")
	expect_match '^mnt:\[[0-9]+\]$' "$ns" "runtime's mount namespace" || return 1
	expect_eq "$ns" "$(sed -n 2p <<<"$out")" "container's mount namespace (inherited)" || return 1
	expect_eq "$(hostname)" "$(sed -n 3p <<<"$out")" "uts inherited" || return 1
	expect_match '^root-still-shared$' "$out" "propagation of the runtime's /" || return 1
	expect_match '^in-peer: [01]$' "$out" "container mounts propagated to a peer namespace" || return 1
	expect_nomatch '^private-below-rootfs: 0$' "$out" "container mounts in the runtime's namespace" || return 1
	expect_nomatch 'run failed' "$out"
}

# Rootless: the runtime's mount namespace belongs to the host, where an
# unprivileged user cannot mount: with mounts that is a clear error; with
# none the container is chrooted into its rootfs, in the caller's mount
# namespace.
test_mount_namespace_not_listed_rootless() {
	local b=$TEST_TMP/b id="nm-$RANDOM" pid
	[ "$SBX_TEST_MODE" = rootless ] || skip "rootless mode (root: see test_mount_namespace_not_listed_root)"
	make_bundle "$b" sleep 30 || return 1
	cfg "$b" 'del(.linux.namespaces[] | select(.type == "mount"))' || return 1
	expect_run_error "$b" 'no mount namespace of its own.*add \{"type": "mount"\}' || return 1
	cfg "$b" '.mounts = [] | .linux.maskedPaths = [] | .linux.readonlyPaths = [] | .root.readonly = false | del(.linux.sysctl)' || return 1
	expect_rc 0 sbx run --detach --bundle "$b" "$id" || return 1
	pid=$(ctr_pid "$id")
	expect_eq "$(readlink /proc/self/ns/mnt)" "$(readlink "/proc/$pid/ns/mnt")" "container's mount namespace" || { sbx delete -f "$id"; return 1; }
	# chrooted: its root is the bundle's rootfs
	expect_eq "$(stat -L -c %d:%i "$b/rootfs")" "$(stat -L -c %d:%i "/proc/$pid/root")" "container root" || { sbx delete -f "$id"; return 1; }
	# exec enters the container's root too (the mount namespace is ours).
	echo container >"$b/rootfs/etc/hostname"
	expect_eq container "$(sbx exec "$id" cat /etc/hostname 2>&1)" "exec's root" || { sbx delete -f "$id"; return 1; }
	sbx delete -f "$id"
}

# A mount namespace joined by path is shared with whoever else is in it:
# sbxrun places the container there, sets up its rootfs in it, and does not
# pivot_root (which would move the other processes' root into the
# container's rootfs and detach the namespace's mounts from under them).
test_mount_namespace_joined_by_path() {
	local b=$TEST_TMP/b id="jm-$RANDOM" holder=$TEST_TMP/holder pid hpid out
	# Root mode joins a mount namespace of host root's user namespace:
	# mounting there needs host root, i.e. no user namespace of its own
	# (rootless joins the holder's user namespace below).
	SBX_NO_USERNS=1 make_bundle "$b" sh -c 'cat /etc/hostname; sleep 30' || return 1
	echo container >"$b/rootfs/etc/hostname"
	echo outside >"$TEST_TMP/marker" && chown_user "$TEST_TMP/marker"
	if [ "$SBX_TEST_MODE" = root ]; then
		unshare -m --propagation private sh -c "echo \$\$ > $holder; exec sleep 60" &
	else
		as_user unshare -Urm sh -c "echo \$\$ > $holder; exec sleep 60" &
	fi
	wait_for 5 test -s "$holder" || return 1
	hpid=$(cat "$holder")
	cfg "$b" "(.linux.namespaces[] | select(.type == \"mount\")) .path = \"/proc/$hpid/ns/mnt\"" || return 1
	if [ "$SBX_TEST_MODE" = rootless ]; then
		cfg "$b" "(.linux.namespaces[] | select(.type == \"user\")) .path = \"/proc/$hpid/ns/user\"
			  | del(.linux.uidMappings, .linux.gidMappings)" || return 1
	fi
	out=$(sbx run --detach --bundle "$b" "$id" 2>&1)
	expect_eq "" "$out" "run --detach" || { kill "$hpid"; return 1; }
	pid=$(ctr_pid "$id")
	expect_eq "$(readlink "/proc/$hpid/ns/mnt")" "$(readlink "/proc/$pid/ns/mnt")" "container joined the mount namespace" || { sbx delete -f "$id"; kill "$hpid"; return 1; }
	# The other process of that namespace still has its own root.
	expect_eq outside "$(cat "/proc/$hpid/root$TEST_TMP/marker" 2>&1)" "holder's root after the container started" || { sbx delete -f "$id"; kill "$hpid"; return 1; }
	expect_eq container "$(cat "/proc/$pid/root/etc/hostname" 2>&1)" "container's root" || { sbx delete -f "$id"; kill "$hpid"; return 1; }
	# exec enters the container's root, not the namespace's, running...
	expect_eq container "$(sbx exec "$id" cat /etc/hostname 2>&1)" "exec's root" || { sbx delete -f "$id"; kill "$hpid"; return 1; }
	sbx delete -f "$id"
	# ...and created (init hands its root over with its namespaces).
	expect_rc 0 sbx create --bundle "$b" "$id" || { kill "$hpid"; return 1; }
	expect_eq container "$(sbx exec "$id" cat /etc/hostname 2>&1)" "exec's root (created)" || { sbx delete -f "$id"; kill "$hpid"; return 1; }
	sbx delete -f "$id"
	kill "$hpid"
}

# ---------------------------------------------------------------------------
# Item 3.  config.md (hostname): "Depending on your namespace configuration,
# the container UTS namespace may be the runtime UTS namespace."
# config-linux.md: with a path "the runtime MUST place the container process
# in the namespace associated with that path" -- so hostname applies to a
# joined UTS namespace as to a new one.
test_hostname_in_joined_uts_namespace() {
	local b=$TEST_TMP/b holder=$TEST_TMP/holder hpid out
	# Root mode joins a UTS namespace of host root's user namespace:
	# sethostname there needs host root (no user namespace of its own).
	SBX_NO_USERNS=1 make_bundle "$b" hostname || return 1
	if [ "$SBX_TEST_MODE" = root ]; then
		unshare -u sh -c "echo \$\$ > $holder; exec sleep 60" &
	else
		as_user unshare -Uru sh -c "echo \$\$ > $holder; exec sleep 60" &
	fi
	wait_for 5 test -s "$holder" || return 1
	hpid=$(cat "$holder")
	cfg "$b" ".hostname = \"joined-uts\" | (.linux.namespaces[] | select(.type == \"uts\")) .path = \"/proc/$hpid/ns/uts\"" || return 1
	if [ "$SBX_TEST_MODE" = rootless ]; then
		cfg "$b" "(.linux.namespaces[] | select(.type == \"user\")) .path = \"/proc/$hpid/ns/user\"
			  | del(.linux.uidMappings, .linux.gidMappings)" || return 1
	fi
	local rc joined=joined-uts
	out=$(run_r "$b" 2>&1)
	rc=$?
	[ "$SBX_TEST_MODE" = root ] && joined=$(nsenter -t "$hpid" -u hostname 2>&1)
	kill "$hpid"
	expect_eq 0 "$rc" "exit status ($out)" || return 1
	expect_eq joined-uts "$out" "hostname in the container" || return 1
	expect_eq joined-uts "$joined" "hostname of the joined namespace" || return 1
	[ "$(hostname)" != joined-uts ] || { echo "the host was renamed"; return 1; }
}

# A uts "path" that is the runtime's own namespace is the host's name:
# refused rather than renaming the host.
test_hostname_in_runtime_uts_namespace_refused() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	cfg "$b" '.hostname = "not-the-host" | (.linux.namespaces[] | select(.type == "uts")) .path = "/proc/self/ns/uts"' || return 1
	expect_run_error "$b" "uts namespace /proc/self/ns/uts is the runtime's own" || return 1
	[ "$(hostname)" != not-the-host ] || { echo "the host was renamed"; return 1; }
}

# ---------------------------------------------------------------------------
# Item 4.  config.md: "Runtimes SHOULD treat unknown options as
# filesystem-specific ones and pass those as a comma-separated string to the
# fifth (const void *data) argument of mount(2)."
test_mount_options_passed_as_data() {
	local b=$TEST_TMP/b d=$TEST_TMP/data out
	mkdir -p "$d" && echo payload >"$d/f" && chown_user "$d"
	make_bundle "$b" sh -c 'cat /bind/f; stat -c %a /t; grep " /t " /proc/self/mountinfo | grep -o "size=[0-9]*k"' || return 1
	# "mode=755" on a bind mount (a conformance test does this): accepted,
	# and ignored by the kernel as by runc and crun.
	cfg "$b" ".mounts += [{destination: \"/bind\", type: \"bind\", source: \"$d\", options: [\"rbind\", \"mode=755\"]},
			      {destination: \"/t\", type: \"tmpfs\", source: \"tmpfs\", options: [\"nosuid\", \"mode=710\", \"size=128k\"]}]" || return 1
	out=$(run_r "$b" 2>&1) || { echo "$out"; return 1; }
	expect_eq "payload
710
size=128k" "$out" || return 1
	# What the filesystem refuses is the kernel's error, naming the mount.
	cfg "$b" '(.mounts[] | select(.destination == "/t")).options += ["frobnicate"]' || return 1
	expect_run_error "$b" 'mounts\[[0-9]+\]: mount tmpfs on /t with data "mode=710,size=128k,frobnicate": Invalid argument'
}

# ---------------------------------------------------------------------------
# Item 5: hooks.
# runtime.md (1.2): "If any poststop hook fails, the runtime MUST log a
# warning, but the remaining hooks and lifecycle continue as if the hook had
# succeeded."  (run and delete)
test_poststop_failure_warns_and_continues() {
	local b=$TEST_TMP/b out id="ps-$RANDOM"
	printf '#!/bin/sh\necho "$1" >> %s/ran\nexit "$2"\n' "$TEST_TMP" >"$TEST_TMP/hook"
	chmod 0755 "$TEST_TMP/hook" && chown_user "$TEST_TMP/hook" "$TEST_TMP"
	make_bundle "$b" sh -c 'exit 7' || return 1
	cfg "$b" ".hooks.poststop = [{path: \"$TEST_TMP/hook\", args: [\"hook\", \"first\", \"1\"]},
				      {path: \"$TEST_TMP/hook\", args: [\"hook\", \"second\", \"0\"]}]" || return 1
	out=$(sbx run --bundle "$b" "$id" 2>&1)
	expect_eq 7 $? "run exit status (the container's)" || return 1
	expect_match 'poststop hook\[0\].*exited with status 1' "$out" "warning" || return 1
	expect_eq "first second" "$(xargs <"$TEST_TMP/ran")" "poststop hooks run" || return 1
	if sbx state "$id" >/dev/null 2>&1; then echo "run left the container's state"; return 1; fi
	# delete: same, and the container is gone.
	: >"$TEST_TMP/ran"
	expect_rc 0 sbx create --bundle "$b" "$id" || return 1
	expect_rc 0 sbx start "$id" || return 1
	wait_for 10 sh -c "[ \"\$($SBXRUN --root $SBX_ROOT state $id 2>/dev/null | jq -r .status)\" = stopped ]" || true
	out=$(sbx delete -f "$id" 2>&1)
	expect_eq 0 $? "delete exit status" || return 1
	expect_match 'poststop hook\[0\].*exited with status 1' "$out" "warning" || return 1
	expect_eq "first second" "$(xargs <"$TEST_TMP/ran")" "poststop hooks run by delete" || return 1
	if sbx state "$id" >/dev/null 2>&1; then echo "delete left the container"; return 1; fi
}

# runtime.md (1.2, the version sbxrun declares): "If any poststart hook
# fails, the runtime MUST log a warning, but the remaining hooks and
# lifecycle continue as if the hook had succeeded."
test_poststart_failure_warns_and_continues() {
	local b=$TEST_TMP/b out id="pst-$RANDOM"
	printf '#!/bin/sh\necho "$1" >> %s/ran\nexit "$2"\n' "$TEST_TMP" >"$TEST_TMP/hook"
	chmod 0755 "$TEST_TMP/hook" && chown_user "$TEST_TMP/hook" "$TEST_TMP"
	make_bundle "$b" sh -c 'echo main-ran' || return 1
	cfg "$b" ".hooks.poststart = [{path: \"$TEST_TMP/hook\", args: [\"hook\", \"first\", \"3\"]},
				       {path: \"$TEST_TMP/hook\", args: [\"hook\", \"second\", \"0\"]}]" || return 1
	out=$(sbx run --bundle "$b" "$id" 2>&1)
	expect_eq 0 $? "run exit status" || return 1
	expect_match '^main-ran$' "$out" || return 1
	expect_match 'poststart hook\[0\].*exited with status 3' "$out" "warning" || return 1
	expect_eq "first second" "$(xargs <"$TEST_TMP/ran")" "poststart hooks run" || return 1
	# start: same
	: >"$TEST_TMP/ran"
	cfg "$b" '.process.args = ["sleep", "30"]' || return 1
	expect_rc 0 sbx create --bundle "$b" "$id" || return 1
	out=$(sbx start "$id" 2>&1)
	expect_eq 0 $? "start exit status" || { sbx delete -f "$id"; return 1; }
	expect_match 'poststart hook\[0\].*exited with status 3' "$out" "warning" || { sbx delete -f "$id"; return 1; }
	expect_eq "first second" "$(xargs <"$TEST_TMP/ran")" "poststart hooks run by start" || { sbx delete -f "$id"; return 1; }
	expect_eq running "$(sbx state "$id" | jq -r .status)" "still running" || { sbx delete -f "$id"; return 1; }
	sbx delete -f "$id"
}

# config.md: createRuntime and createContainer hooks "MUST be called as part
# of the create operation after the runtime environment has been created
# (according to the configuration in config.json) but before the pivot_root
# or any equivalent operation has been executed."  createRuntime runs in the
# runtime namespace (it looks at the container through /proc/PID), and
# createContainer in the container namespace (its own /proc/self).
test_create_hooks_after_mounts_before_pivot() {
	local b=$TEST_TMP/b out id="ch-$RANDOM"
	cat >"$TEST_TMP/hook" <<'EOS'
#!/bin/sh
# $1: label, $2: mountinfo file ("self" or the container's pid from state)
state=$(cat)
bundle=$(printf '%s' "$state" | sed 's/.*"bundle": *"\([^"]*\)".*/\1/')
pid=$(printf '%s' "$state" | sed 's/.*"pid": *\([0-9]*\).*/\1/')
mi=/proc/self/mountinfo
[ "$2" = pid ] && mi=/proc/$pid/mountinfo
# the config's /tmp tmpfs exists, and the rootfs is still below the old root
if grep -q " $bundle/rootfs/tmp " "$mi"; then echo "$1 mounts-done" >> "$bundle/../hooks.log"; else echo "$1 no-mounts" >> "$bundle/../hooks.log"; fi
EOS
	chmod 0755 "$TEST_TMP/hook" && chown_user "$TEST_TMP/hook" "$TEST_TMP"
	# createContainer runs in the container's namespaces: as its root, an
	# unprivileged host uid in root mode (the pool's user namespace).
	: >"$TEST_TMP/hooks.log" && chmod 0666 "$TEST_TMP/hooks.log"
	make_bundle "$b" true || return 1
	cfg "$b" ".hooks.createRuntime = [{path: \"$TEST_TMP/hook\", args: [\"hook\", \"createRuntime\", \"pid\"]}]
		  | .hooks.createContainer = [{path: \"$TEST_TMP/hook\", args: [\"hook\", \"createContainer\", \"self\"]}]" || return 1
	out=$(sbx run --bundle "$b" "$id" 2>&1) || { echo "$out"; return 1; }
	expect_eq "createRuntime mounts-done
createContainer mounts-done" "$(cat "$TEST_TMP/hooks.log")" "what the hooks saw"
}

# features.md / state: the version sbxrun declares is one, everywhere, and
# the hook semantics above are that version's.
test_declared_spec_version_consistent() {
	local b=$TEST_TMP/b id="v-$RANDOM" v
	v=$(sbx features | jq -r .ociVersionMax)
	expect_match '^1\.[0-9]+\.[0-9]+$' "$v" "features ociVersionMax" || return 1
	expect_match "^spec: $v\$" "$(sbx version)" "version" || return 1
	make_bundle "$b" sleep 30 || return 1
	expect_eq "$v" "$(jq -r .ociVersion "$b/config.json")" "spec ociVersion" || return 1
	expect_rc 0 sbx create --bundle "$b" "$id" || return 1
	expect_eq "$v" "$(sbx state "$id" | jq -r .ociVersion)" "state ociVersion" || { sbx delete -f "$id"; return 1; }
	sbx delete -f "$id"
	# 1.3 made a poststart failure fatal; these tests check the 1.2 rule.
	expect_eq 1.2.0 "$v" "declared version (update the poststart semantics with it)"
}

# ---------------------------------------------------------------------------
# Compatibility: bind sources are opened as the runtime (host root when
# rootful), before the container's user namespace: its root may not be able
# to search the directories above them (runc and crun do the same).
test_bind_source_opened_as_runtime() {
	[ "$SBX_TEST_MODE" = root ] || skip "root mode: rootless, the container's root is the caller, who opens nothing it could not open itself"
	local b=$TEST_TMP/b out
	mkdir -p "$TEST_TMP/locked/inner" && echo secret-ok >"$TEST_TMP/locked/inner/f"
	chmod 0700 "$TEST_TMP/locked" && chmod 0755 "$TEST_TMP/locked/inner" && chmod 0644 "$TEST_TMP/locked/inner/f"
	make_bundle "$b" cat /inner/f || return 1
	userns_bundle "$b" || return 1
	mkdir "$b/rootfs/inner" # the container's root may not create it in a rootfs of the host's root
	cfg "$b" ".mounts += [{destination: \"/inner\", type: \"bind\", source: \"$TEST_TMP/locked/inner\", options: [\"rbind\", \"ro\"]}]" || return 1
	out=$(run_r "$b" 2>&1)
	expect_eq 0 $? "exit status ($out)" || return 1
	expect_eq secret-ok "$out"
}

# ...and the host mount's restrictive flags stay locked on such a bind: the
# container's root, even with CAP_SYS_ADMIN in its user namespace, cannot
# remount it exec (a source the runtime cloned on the host side would not
# be locked).
test_bind_source_keeps_host_flags_locked() {
	[ "$SBX_TEST_MODE" = root ] || skip "root mode: needs a host mount of its own"
	local b=$TEST_TMP/b out
	mkdir -p "$TEST_TMP/nx"
	make_bundle "$b" sh -c 'mount -o remount,bind,exec /nx 2>/dev/null && echo cleared || echo kept; grep " /nx " /proc/self/mountinfo | grep -c noexec' || return 1
	userns_bundle "$b" || return 1
	mkdir "$b/rootfs/nx"
	cfg "$b" ".mounts += [{destination: \"/nx\", type: \"bind\", source: \"$TEST_TMP/nx\", options: [\"rbind\"]}]
		  | del(.linux.seccomp)
		  | .process.capabilities |= with_entries(.value += [\"CAP_SYS_ADMIN\"])" || return 1
	out=$(unshare -m --propagation private sh -c 'mount -t tmpfs -o noexec,nosuid,nodev tmpfs "$1" && exec "$2" --root "$3" run --bundle "$4" "nx-$$"' _ "$TEST_TMP/nx" "$SBXRUN" "$SBX_ROOT" "$b" 2>&1)
	expect_eq "kept
1" "$out"
}

# runc's "mount order, container bind-mount source" test: bind sources that
# lie inside the container's tree made by the earlier mounts (and
# destinations spelt with the rootfs's host path), with the host sources in
# a directory other users cannot enter.  Root mode runs it with and without
# a user namespace.
test_mount_order_container_source() {
	local variants=(plain) v
	[ "$SBX_TEST_MODE" = root ] && variants+=(userns)
	for v in "${variants[@]}"; do
		local b=$TEST_TMP/b-$v src=$TEST_TMP/bind-src-$v r sub out
		make_bundle "$b" cat /final/x/y/z/z/x/y/z/x/file || return 1
		[ "$v" = userns ] && { userns_bundle "$b" || return 1; }
		r=$b/rootfs
		mkdir -p "$r/mnt" "$r/final"
		for sub in a/x b/y c/z; do
			mkdir -p "$src/$sub"
			echo "$sub" >"$src/$sub/file"
			ln -s "$(dirname "$sub")" "$src/sym-$(dirname "$sub")"
		done
		chown_user "$src" "$r/mnt" "$r/final"
		chmod o-rwx "$src"
		cfg "$b" ".mounts += [
			{source: \"$src/a\", destination: \"/mnt\", type: \"bind\", options: [\"bind\", \"rprivate\"]},
			{source: \"$src/sym-b\", destination: \"/mnt/x\", type: \"bind\", options: [\"bind\", \"rprivate\"]},
			{source: \"$src/c\", destination: \"/mnt/x/y\", type: \"bind\", options: [\"bind\", \"rprivate\"]},
			{source: \"$src/sym-a\", destination: \"/mnt/x/y/z\", type: \"bind\", options: [\"bind\", \"rprivate\"]},
			{source: \"$r/mnt/x\", destination: \"$r/mnt/x/y/z/x\", type: \"bind\", options: [\"rbind\", \"rprivate\"]},
			{source: \"$r/mnt/x/y\", destination: \"$r/mnt/x/y/z\", type: \"bind\", options: [\"rbind\", \"rprivate\"]},
			{source: \"$r/mnt\", destination: \"$r/final\", type: \"bind\", options: [\"rbind\", \"rprivate\"]}]" || return 1
		out=$(run_r "$b" 2>&1)
		expect_eq 0 $? "$v: exit status ($out)" || return 1
		expect_eq a/x "$out" "$v: the file at the end of the tree" || return 1
	done
}

# runc's "ro /dev mount": the devices are created before /dev is made
# read-only (config.md: the runtime MUST mount entries in the listed order;
# config-linux.md: the runtime MUST supply the default devices).
test_readonly_dev() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'echo x > /dev/null && echo null-ok; test -c /dev/zero && echo zero-ok; test -d /dev/pts && echo pts-ok; touch /dev/new 2>/dev/null || echo ro-ok; grep " /dev " /proc/self/mountinfo | cut -d" " -f6 | cut -d, -f1' || return 1
	cfg "$b" '(.mounts[] | select(.destination == "/dev")).options += ["ro"]' || return 1
	out=$(run_r "$b" 2>&1) || { echo "$out"; return 1; }
	expect_eq "null-ok
zero-ok
pts-ok
ro-ok
ro" "$out"
}

# runc's "/proc is a symlink" (CVE-2019-19921, CVE-2023-27561): refused, as
# runc and crun refuse it; sbxrun also refuses /sys and /dev there.
test_proc_or_dev_symlink_refused() {
	local b=$TEST_TMP/b d
	for d in proc dev sys; do
		rm -rf "$b"
		make_bundle "$b" true || return 1
		rm -rf "${b:?}/rootfs/$d"
		mkdir -p "$b/rootfs/bad-$d"
		ln -s "/bad-$d" "$b/rootfs/$d"
		chown_user "$b/rootfs"
		expect_run_error "$b" "on /$d: it is a symbolic link in the rootfs; .* must be mounted on an ordinary directory" || return 1
		[ -z "$(ls -A "$b/rootfs/bad-$d")" ] || { echo "something was mounted or created through /$d"; return 1; }
	done
}

# runc's --no-pivot rationale: the old root stays in the mount namespace, and
# the kernel lets a nested user namespace mount a fresh procfs whenever a
# fully visible one exists anywhere in it.  The host's must be hidden, so
# that the container's masked /proc is the only one.
test_no_pivot_no_fresh_procfs_in_nested_userns() {
	local b=$TEST_TMP/b out
	make_bundle "$b" sh -c 'mkdir -p /tmp/p && unshare -Urmpf sh -c "mount -t proc proc /tmp/p 2>/dev/null && echo MOUNTED || echo refused"' || return 1
	# A nested user namespace that maps its creator's uid 0 needs
	# CAP_SETFCAP (Linux >= 5.12); docker's default set has it.
	cfg "$b" 'del(.linux.seccomp) | .root.readonly = false
		  | .process.capabilities |= with_entries(.value += ["CAP_SETFCAP"])' || return 1
	# Without --no-pivot the container's /proc (with its masks) is the only
	# procfs in its namespace: refused.  That is the baseline to match.
	out=$(run_r "$b" 2>&1)
	expect_eq refused "$out" "with pivot_root" || return 1
	out=$(run_r "$b" --no-pivot 2>&1)
	expect_eq refused "$out" "with --no-pivot"
}

# runc: "invalid rootfs: stat ...: no such file or directory".
test_missing_rootfs_says_so() {
	local b=$TEST_TMP/b
	make_bundle "$b" true || return 1
	rm -rf "${b:?}/rootfs"
	expect_run_error "$b" "invalid rootfs: stat $b/rootfs: No such file or directory"
}

# sbxrun itself in a user namespace of its own (`unshare -r`, as under a
# rootless engine): root there, yet not host root.  The bind sources are then
# opened by the container's init, never by entering the container's mount
# namespace (root of a nested user namespace could not come back to its own,
# the host's).
test_bind_source_with_runtime_in_nested_userns() {
	local b=$TEST_TMP/b d=$TEST_TMP/data out
	mkdir -p "$d" "$b" && echo nested-ok >"$d/f" && chown_user "$d"
	cp -a "$SBX_IT_ROOTFS" "$b/rootfs" && chown_user "$b"
	# the spec's id map is the caller's as seen inside that namespace (0)
	as_user unshare -r "$SBXRUN" spec --rootless --bundle "$b" || return 1
	cfg "$b" ".process.args = [\"cat\", \"/data/f\"]
		  | .mounts += [{destination: \"/data\", type: \"bind\", source: \"$d\", options: [\"rbind\", \"ro\"]}]" || return 1
	out=$(as_user unshare -r "$SBXRUN" --root "$SBX_ROOT" run --bundle "$b" "nu-$RANDOM" 2>&1)
	expect_eq 0 $? "exit status ($out)" || return 1
	expect_eq nested-ok "$out"
}
