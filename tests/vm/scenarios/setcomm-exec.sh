# shellcheck shell=bash
# shellcheck disable=SC2154 # J_* are set by json_load (lib.sh)
# setcomm-exec on the 6.1 kernel (bash, in the guest's chroot of the host
# root). Mainline before 6.14 names a process executed by fd after the fd
# number; 6.14 names it after the file, and stable kernels took the fix
# (Debian 12's 6.1.0-57 has it: "exec: fix up /proc/pid/comm in the
# execveat(AT_EMPTY_PATH) case"). So the kernel's own behaviour, seen
# through a forced fexecve, is the oracle: auto takes execveat exactly when
# the kernel names by file, link otherwise, and the running program is
# called NAME either way; forced execveat does the job or exits 5; link
# leaves nothing behind.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
sc=$WISHBOX_BIN/setcomm-exec
auto=$(vm_auto setcomm-exec)
dash=$(readlink -f /bin/sh)
export TMPDIR=$vm_tmp/t
mkdir -m 0700 "$TMPDIR"

# fexecve, forced: the kernel's own name, the fd number or the file's.
# shellcheck disable=SC2016 # the program's own $$
run "$sc" --method fexecve -c napper "$dash" -c 'read -r c </proc/$$/comm; echo "$c"'
if [ "$status" -eq 0 ] && [[ $output =~ ^[0-9]+$ ]]; then
    by_file=false
    want='link'
    ok "setcomm-exec --method fexecve: this kernel names by fd number ($output)"
elif [ "$status" -eq 0 ] && [ "$output" = "${dash##*/}" ]; then
    by_file=true
    want='execveat'
    ok "setcomm-exec --method fexecve: this kernel names by the file ($output; the 6.14 fix, backported)"
else
    by_file=unknown
    want=
    not_ok "setcomm-exec --method fexecve: an fd number or ${dash##*/} expected"
    show_run
fi
echo "# setcomm-exec: auto takes '$auto' on $(uname -r); the kernel names by file: $by_file"
check "setcomm-exec: auto (wishbox features) takes $want where the kernel names by file: $by_file" \
    [ "$auto" = "$want" ]

# NAME is the file's own name: execveat where the kernel names by file,
# else link; the running program is called NAME either way.
# shellcheck disable=SC2016
run "$sc" -v "$dash" -c 'read -r c </proc/$$/comm; echo "$c"'
if [ "$status" -eq 0 ] && [ "$output" = "${dash##*/}" ] && [[ $errors == *"using method $want"* ]]; then
    ok "setcomm-exec auto: $want, and the program's comm is ${dash##*/}"
else
    not_ok "setcomm-exec auto: $want and comm ${dash##*/} expected"
    show_run
fi
# Another NAME: link on any kernel.
# shellcheck disable=SC2016
run "$sc" -v -c napper "$dash" -c 'read -r c </proc/$$/comm; echo "$c"'
if [ "$status" -eq 0 ] && [ "$output" = napper ] && [[ $errors == *"using method link"* ]]; then
    ok "setcomm-exec -c napper: link; the running program's /proc/PID/comm is napper"
else
    not_ok "setcomm-exec -c napper: link and comm napper expected"
    show_run
fi

# shellcheck disable=SC2016
run "$sc" --method execveat "${dash##*/}" -c 'read -r c </proc/$$/comm; echo "$c"'
if [ "$by_file" = true ]; then
    expect_status 0 "setcomm-exec --method execveat: does the job here"
    check "setcomm-exec --method execveat: comm ${dash##*/} ($output)" [ "$output" = "${dash##*/}" ]
else
    expect_unsupported "setcomm-exec --method execveat where the kernel names by fd number"
fi

run "$sc" -n -J -c napper "$dash"
if json_load 1 && [ "$J_method" = link ] && [ "$J_comm" = napper ]; then
    ok "setcomm-exec -n -J -c napper: method link, comm napper"
else
    not_ok "setcomm-exec -n -J -c napper: method link expected"
    show_run
fi

# 50 runs, then nothing left in TMPDIR (the cleaner is asynchronous:
# wait for it, bounded).
fails=0
for i in $(seq 50); do
    "$sc" --method link -c "n$i" /bin/true || fails=$((fails + 1))
done
left=
for i in $(seq 100); do
    left=$(ls -A "$TMPDIR")
    [ -z "$left" ] && break
    sleep 0.1
done
check "setcomm-exec: 50 runs through link, all exit 0 ($fails failed)" [ "$fails" -eq 0 ]
check "setcomm-exec: nothing left in TMPDIR after 50 runs${left:+: $left}" [ -z "$left" ]

run "$WISHBOX_BIN/wishbox" features -J
n=$(jq '[.tools[] | select(.tool == "setcomm-exec") | .methods[] | select(.reason != "")] | length' "$vm_tmp/out")
check "wishbox features: a reason for each of setcomm-exec's 3 methods" [ "$n" = 3 ]
jq -r '.tools[] | select(.tool == "setcomm-exec") | .methods[] | "# \(.method): \(.available): \(.reason)"' "$vm_tmp/out"

vm_done
