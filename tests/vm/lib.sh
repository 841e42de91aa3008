# shellcheck shell=bash
# Helpers for tests/vm/*.test.sh (source "$SBX_VM_LIB"); runs in the guest.
# Environment from guest.sh: SBXRUN HELPERS SBX_SRCDIR BUSYBOX TEST_TMP, and
# PATH has /payload/scripts (mkrootfs.sh, mkbundle.sh).

ok()  { echo "PASS: $*"; }
bad() { echo "FAIL: $*"; }
# check WHAT CMD...: PASS/FAIL line from CMD's status.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what (exit status $?)"; fi
}

# vm_bundle DIR root|rootless [CMD ARGS...]: busybox bundle owned by the
# user who will run it (rootless: created by `asuser`, so the rootfs and the
# single-id map of `sbxrun spec --rootless` are the guest user's).
vm_bundle() {
	local dir=$1 mode=$2
	shift 2
	if [ "$mode" = rootless ]; then
		asuser env SBXRUN="$SBXRUN" BUSYBOX="$BUSYBOX" mkbundle.sh "$dir" --rootless -- "$@"
	else
		mkbundle.sh "$dir" -- "$@"
	fi
}
