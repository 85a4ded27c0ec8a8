# shellcheck shell=bash
# shellcheck disable=SC2154 # J_* are set by json_load (lib.sh)
# fatlabel on a mounted vfat, on the 6.1 kernel (bash, in the guest's chroot
# of the host root).  /dev/vda is a FAT32 disk check-vm made with mkfs.vfat.
# 6.1's FAT driver has no FS_IOC_SETFSLABEL: a label on a mounted FAT is set
# through `remount` (read-only, edit, read-write again), never by writing to
# a read-write FAT; with a file open for writing it must be refused.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
# shellcheck source=tests/vm/fat-check.sh
. "$VM_DIR/fat-check.sh"
fat_label=$(vm_config fat_label)
fl=$WISHBOX_BIN/fatlabel
auto=$(vm_auto fatlabel)
dev=/dev/vda
mnt=$vm_tmp/fat
mkdir -p "$mnt"
echo "# fatlabel: features says auto takes '$auto' on $(uname -r)"

# mount_opts: the mount options of $mnt ("" when not mounted).
mount_opts() {
    awk -v m="$mnt" '$2 == m { print $4 }' /proc/self/mounts
}

# expect_label LABEL WHAT: fatlabel -J on $dev reads LABEL.
expect_label() {
    run "$fl" -J "$dev"
    if [ "$status" -eq 0 ] && json_load 1 && [ "$J_label" = "$1" ]; then
        ok "fatlabel -J $dev reads '$1' $2 (method $J_method, mounted $J_mounted)"
    else
        not_ok "fatlabel -J $dev should read '$1' $2"
        show_run
    fi
}

# expect_disk_label LABEL: unmounted, the disk is clean and has LABEL in the
# root entry, the boot sector and the backup boot sector.
expect_disk_label() {
    if fat_check_clean "$dev"; then
        ok "fsck.fat -n $dev: clean"
    else
        not_ok "fsck.fat -n $dev: not clean"
    fi
    if fat_check_label "$dev" "$1"; then
        ok "$dev: '$1' in the root entry, boot sector and backup boot sector"
    else
        not_ok "$dev: '$1' in all three places"
    fi
    local b
    b=$(blkid -p -o value -s LABEL "$dev")
    check "blkid -p $dev: LABEL='$1' (got '$b')" [ "$b" = "$1" ]
}

check "$dev is not mounted at the start" [ -z "$(grep "^$dev " /proc/self/mounts)" ]
expect_disk_label "$fat_label"

mount -t vfat "$dev" "$mnt" || not_ok "mount -t vfat $dev"
echo "written on 6.1" >"$mnt/before.txt"
sync
check "$dev mounted read-write" grep -qE '(^|,)rw(,|$)' <<<"$(mount_opts)"

# Reading a mounted FAT's label.
run "$fl" -J "$dev"
if [ "$status" -eq 0 ] && json_load 1 &&
    [ "$J_label:$J_mounted:$J_fat_bits" = "$fat_label:true:32" ]; then
    ok "fatlabel -J on the mounted FAT: $output"
else
    not_ok "fatlabel -J on the mounted FAT: label $fat_label, mounted true, fat_bits 32"
    show_run
fi
run "$fl" "$mnt"
check "fatlabel MOUNTPOINT prints the label (exit $status, '$output')" \
    [ "$status:$output" = "0:$fat_label" ]

# The kernel-only method, forced: 6.1's vfat has no label ioctl.
run "$fl" --method ioctl "$dev" VMIOCTL
expect_unsupported "fatlabel --method ioctl on a mounted vfat on 6.1"
expect_label "$fat_label" "after the refused ioctl"

# auto on a mounted FAT: must take remount.
run "$fl" -J -v "$dev" VMAUTO61
if [ "$status" -eq 0 ] && { [ -z "$output" ] || { json_load 1 && [ "$J_method" = remount ]; }; }; then
    ok "fatlabel (auto) sets a label on the mounted FAT${output:+: $output}"
    sed 's/^/#   stderr: /' "$vm_tmp/err"
else
    not_ok "fatlabel (auto) on the mounted FAT: exit 0 through remount"
    show_run
fi
expect_label VMAUTO61 "after auto set it"

# remount, forced, as the issue asks.
run "$fl" --method remount "$dev" VM61LABEL
expect_status 0 "fatlabel --method remount $dev VM61LABEL while mounted"
expect_label VM61LABEL "after remount set it"
check "still mounted read-write after the label change ($(mount_opts))" \
    grep -qE '(^|,)rw(,|$)' <<<"$(mount_opts)"
check "the mounted FAT still reads its file" \
    [ "$(_slurp "$mnt/before.txt" 2>/dev/null)" = "written on 6.1" ]
if echo "written after the label" >"$mnt/after.txt"; then
    ok "the mounted FAT still takes a new file"
else
    not_ok "the mounted FAT still takes a new file"
fi
umount "$mnt"
expect_disk_label VM61LABEL

# A file open for writing: refused, nothing changed, still read-write.
mount -t vfat "$dev" "$mnt"
exec 3>>"$mnt/busy.txt"
echo busy >&3
sync
sum_before=$(head -c 1M "$dev" | sha256sum)
run "$fl" --method remount "$dev" VMREFUSED
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ] && [ -n "$errors" ]; then
    ok "fatlabel --method remount with a file open for writing: refused (exit $status): $errors"
else
    not_ok "fatlabel --method remount with a file open for writing must be refused"
    show_run
fi
run "$fl" "$dev" VMREFUSED
check "fatlabel (auto) with a file open for writing: refused too (exit $status)" \
    [ "$status" -ne 0 ]
check "the refused attempts changed no byte of the first MiB" \
    [ "$(head -c 1M "$dev" | sha256sum)" = "$sum_before" ]
check "still mounted read-write after the refusal ($(mount_opts))" \
    grep -qE '(^|,)rw(,|$)' <<<"$(mount_opts)"
if echo "still writable" >&3; then
    ok "the open file is still writable"
else
    not_ok "the open file is still writable"
fi
exec 3>&-
umount "$mnt"
expect_disk_label VM61LABEL
echo VM61LABEL >"$RESULTS/fat-label"

# A mounted image file on a loop device counts as mounted too.
img=$vm_tmp/loop.img
truncate -s 40M "$img"
mkfs.vfat -F 32 -s 1 -n LOOPIMG "$img" >/dev/null
mount -t vfat -o loop "$img" "$mnt"
run "$fl" -J "$img"
if [ "$status" -eq 0 ] && json_load 1 && [ "$J_mounted:$J_label" = true:LOOPIMG ]; then
    ok "fatlabel -J on a loop-mounted image: mounted: $output"
else
    not_ok "fatlabel -J on a loop-mounted image: mounted true, label LOOPIMG"
    show_run
fi
run "$fl" "$img" LOOPSET
expect_status 0 "fatlabel IMAGE LOOPSET while the image is loop-mounted"
umount "$mnt"
if fat_check_clean "$img" && fat_check_label "$img" LOOPSET; then
    ok "loop image: clean, LOOPSET in all three places"
else
    not_ok "loop image: clean, LOOPSET in all three places"
fi

# A signal in the remount window: every signal that would end fatlabel is
# blocked while the FAT is read-only (sig_fatal_set), so SIGUSR1 sent then
# waits until it is read-write again and only ends fatlabel after that.
# strace holds the first write back for 2 s, so the read-only window is
# seen (the mount turns ro) before the signal is sent.
mount -t vfat -o loop "$img" "$mnt"
strace -f -o /dev/null -e trace=pwrite64 \
    -e inject=pwrite64:delay_enter=2000000:when=1 \
    "$fl" --method remount "$img" SIGWINDOW 2>"$vm_tmp/err" &
strace_pid=$!
seen_ro=
for _ in $(seq 100); do
    if grep -qE '(^|,)ro(,|$)' <<<"$(mount_opts)"; then
        seen_ro=1
        break
    fi
    sleep 0.1
done
fl_pid=$(_slurp "/proc/$strace_pid/task/$strace_pid/children" 2>/dev/null)
fl_pid=${fl_pid%% *}
if [ -n "$seen_ro" ] && [ -n "$fl_pid" ]; then
    kill -USR1 "$fl_pid"
    ok "the remount window is seen: $mnt read-only, SIGUSR1 sent to fatlabel ($fl_pid)"
else
    not_ok "the remount window is seen (read-only '$seen_ro', fatlabel pid '$fl_pid')"
fi
wait "$strace_pid"
status=$?
check "fatlabel ends by SIGUSR1 only after the window (exit $status, want 138)" \
    [ "$status" -eq 138 ]
check "read-write again after the signal ($(mount_opts))" \
    grep -qE '(^|,)rw(,|$)' <<<"$(mount_opts)"
umount "$mnt"
if fat_check_clean "$img" && fat_check_label "$img" SIGWINDOW; then
    ok "loop image after the signal: clean, SIGWINDOW in all three places"
else
    not_ok "loop image after the signal: clean, SIGWINDOW in all three places"
    sed 's/^/#   stderr: /' "$vm_tmp/err"
fi

vm_done
