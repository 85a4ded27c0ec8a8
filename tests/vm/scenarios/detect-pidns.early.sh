# shellcheck shell=sh
# Early boot, busybox sh + wishbox.static only: the answer where an
# initramfs script asks, in busybox's own unshare, and with /proc gone.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
dp=$WISHBOX_BIN/detect-pidns

run "$dp"
if [ "$status" -eq 1 ] && [ "$output" = initial ]; then
    ok "early: detect-pidns says initial"
else
    not_ok "early: detect-pidns: initial, exit 1 expected"
    show_run
fi
run unshare -pf --mount-proc "$dp"
if [ "$status" -eq 0 ] && [ "$output" = child ]; then
    ok "early: detect-pidns in busybox unshare -pf --mount-proc says child"
else
    not_ok "early: detect-pidns in unshare -pf --mount-proc: child, exit 0 expected"
    show_run
fi
# /proc unmounted in a mount namespace of its own: never a wrong word.
# shellcheck disable=SC2016 # $1 is the inner shell's
run unshare -m sh -c 'umount -l /proc && exec "$1"' sh "$dp"
expect_unsupported "early: detect-pidns with /proc unmounted"

vm_done
