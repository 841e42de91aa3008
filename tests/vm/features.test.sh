#!/bin/bash
# `sbxrun features` in the VM, whose kernel has AppArmor: reported enabled
# here (and not on a host without it: tests/integration/conform.test.sh),
# as root and as the unprivileged user.
# shellcheck source=tests/vm/lib.sh
source "$SBX_VM_LIB"

aa=false
[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && aa=true
check "the VM kernel has AppArmor" [ "$aa" = true ]
check "features: apparmor.enabled (root)" [ "$("$SBXRUN" features | jq .linux.apparmor.enabled)" = "$aa" ]
check "features: apparmor.enabled (user)" [ "$(asuser "$SBXRUN" features | jq .linux.apparmor.enabled)" = "$aa" ]
check "features: cgroup v2, not v1" [ "$("$SBXRUN" features | jq -c '[.linux.cgroup.v1, .linux.cgroup.v2]')" = '[false,true]' ]
