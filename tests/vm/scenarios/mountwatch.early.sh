# shellcheck shell=sh
# Early boot, busybox sh + wishbox.static only: wait for a mount that a
# background job makes, as an initramfs script waits for its root.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
mw=$WISHBOX_BIN/mountwatch
mkdir -p /run/early/root

(sleep 2 && mount -t tmpfs -o size=1m earlyroot /run/early/root) &
run "$mw" -q --until-mounted /run/early/root --timeout 60
expect_status 0 "early: mountwatch --until-mounted waits for a background mount"
wait
check "early: /run/early/root is a mount point when mountwatch returns" \
    grep -q ' /run/early/root tmpfs ' /proc/mounts
run "$mw" -q --until-mounted /run/early/root --timeout 5
expect_status 0 "early: mountwatch --until-mounted on a mount point returns at once"
umount /run/early/root
run "$mw" -q --until-mounted /run/early/root --timeout 1
expect_status 3 "early: mountwatch --until-mounted --timeout 1 expires"

vm_done
