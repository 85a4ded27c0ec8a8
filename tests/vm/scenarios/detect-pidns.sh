# shellcheck shell=bash
# shellcheck disable=SC2154 # J_* are set by json_load (lib.sh)
# detect-pidns on the 6.1 kernel (bash, in the guest's chroot of the host
# root). 6.1 has no PIDFD_GET_PID_NAMESPACE (6.11) and no fixed namespace
# ids (6.19): auto must take nsfs and still be right; the pidfd and nsid
# methods are refused with exit 5; without /proc the answer is exit 5 with
# the reason, never a wrong word.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
dp=$WISHBOX_BIN/detect-pidns
auto=$(vm_auto detect-pidns)

echo "# detect-pidns: auto takes '$auto' on $(uname -r)"
check "detect-pidns: auto takes nsfs on 6.1" [ "$auto" = nsfs ]

# expect_answer STATUS WORD METHOD DESCRIPTION: the last run was -J.
expect_answer() {
    if [ "$status" -eq "$1" ] && json_load 1 && [ "$J_pidns:$J_method" = "$2:$3" ]; then
        ok "$4: $2 through $3 (exit $status)"
    else
        not_ok "$4: expected $2 through $3, exit $1"
        show_run
    fi
}

run "$dp" -J
expect_answer 1 initial nsfs "detect-pidns on the host"
run unshare -pf --mount-proc "$dp" -J
expect_answer 0 child nsfs "detect-pidns in unshare -pf --mount-proc"
run unshare -pf "$dp" -J
expect_answer 0 child nsfs "detect-pidns in unshare -pf (the parent's /proc)"

run "$dp" --method pidfd
expect_unsupported "detect-pidns --method pidfd on 6.1"
run "$dp" --method nsid
expect_unsupported "detect-pidns --method nsid on 6.1"

# -p on a process inside a child namespace, from the host.
mkfifo "$vm_tmp/ready" "$vm_tmp/hold"
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
unshare -pf --mount-proc sh -c 'echo up >"$1"; read -r x <"$2"' sh "$vm_tmp/ready" "$vm_tmp/hold" &
holder=$!
read -r _ <"$vm_tmp/ready"
inner=$(pgrep -P "$holder")
run "$dp" -J -p "$inner"
expect_answer 0 child nsfs "detect-pidns -p on a process in a child namespace"
echo go >"$vm_tmp/hold"
wait "$holder"

# No /proc at all: the static binary alone in a chroot.
root=$vm_tmp/root
mkdir -p "$root/bin"
cp -L "$WISHBOX_BIN/wishbox" "$root/bin/wishbox"
run chroot "$root" /bin/wishbox detect-pidns
if [ "$status" -eq 5 ] && [ -z "$output" ] && [[ $errors == *"/proc is not mounted"* ]]; then
    ok "detect-pidns with no /proc: exit 5: $errors"
else
    not_ok "detect-pidns with no /proc: exit 5 and a reason naming /proc expected"
    show_run
fi

vm_done
