# shellcheck shell=bash
# flocktimeout on the 6.1 kernel (bash, in the guest's chroot of the host
# root). No method depends on the kernel's version: each must work here.
# Checks: -w against a held lock exits 3 on time with SIGALRM (and the
# real-time signals) blocked; the lock is taken right after its release;
# -B on a partition of a virtio disk (/dev/vdb, partitioned here) locks
# the whole disk, as util-linux flock on /dev/vdb sees.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
ft=$WISHBOX_BIN/flocktimeout
lock=$vm_tmp/lock
auto=$(vm_auto flocktimeout)
echo "# flocktimeout: auto takes '$auto' on $(uname -r)"
check "flocktimeout: auto takes child" [ "$auto" = child ]

# hold TARGET [ARGS...]: flocktimeout holds TARGET's lock until unhold.
hold() {
    local target=$1
    shift
    rm -f "$vm_tmp/ready" "$vm_tmp/go"
    mkfifo "$vm_tmp/ready" "$vm_tmp/go"
    "$ft" "$@" "$target" sh -c 'echo >"$1"; read -r x <"$2"' sh "$vm_tmp/ready" "$vm_tmp/go" &
    holder=$!
    read -r _ <"$vm_tmp/ready"
}
unhold() {
    echo go >"$vm_tmp/go"
    wait "$holder"
}

# -w against a held lock, SIGALRM and SIGRTMIN..SIGRTMAX blocked.
hold "$lock"
for m in child timer poll; do
    t0=$EPOCHREALTIME
    run perl -MPOSIX -e 'sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGALRM, 34 .. 64)) or die;
        exec @ARGV or die' "$ft" --method "$m" -w 1 "$lock" true
    t1=$EPOCHREALTIME
    ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
    if [ "$status" -eq 3 ] && [ "$ms" -ge 990 ] && [ "$ms" -lt 4000 ]; then
        ok "flocktimeout --method $m -w 1, SIGALRM blocked: exit 3 after $ms ms"
    else
        not_ok "flocktimeout --method $m -w 1, SIGALRM blocked: exit 3 in 1-4 s (took $ms ms)"
        show_run
    fi
done

# Taken right after the release: a waiter blocked in the kernel (child,
# timer), or polling; the holder lets go once the waiter is there.
for m in child timer poll; do
    "$ft" --method "$m" -w 60 "$lock" sh -c 'echo got >"$1"' sh "$vm_tmp/got" \
        >"$vm_tmp/out" 2>"$vm_tmp/err" &
    w=$!
    ino=$(stat -c %i "$lock")
    if [ "$m" != poll ]; then
        i=0
        while ! grep -qE -- "-> FLOCK .*:$ino " /proc/locks && [ $i -lt 300 ]; do
            sleep 0.05
            i=$((i + 1))
        done
    fi
    got_early=$( [ -e "$vm_tmp/got" ] && echo yes)
    unhold
    wait "$w"
    status=$?
    if [ "$status" -eq 0 ] && [ -z "$got_early" ] && [ "$(_slurp "$vm_tmp/got")" = got ]; then
        ok "flocktimeout --method $m: the lock taken after its release, command run"
    else
        not_ok "flocktimeout --method $m: lock after release (exit $status, early '$got_early')"
        show_run
    fi
    rm -f "$vm_tmp/got"
    [ "$m" = poll ] || hold "$lock"
done

# -B on a partition of the virtio disk: the whole disk is what is locked.
if [ -b /dev/vdb ] && command -v sfdisk >/dev/null; then
    printf 'label: dos\n2048,8192,83\n' | sfdisk -q /dev/vdb >/dev/null 2>&1
    [ -b /dev/vdb1 ] || partx -a /dev/vdb 2>/dev/null || true
    i=0
    while [ ! -b /dev/vdb1 ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    if [ -b /dev/vdb1 ]; then
        hold /dev/vdb1 -B
        run flock -n /dev/vdb true
        expect_status 1 "flocktimeout -B /dev/vdb1 holds /dev/vdb's lock (util-linux flock -n)"
        run flock -n /dev/vdb1 true
        expect_status 0 "flocktimeout -B /dev/vdb1 leaves the partition's own lock free"
        unhold
        run flock -n /dev/vdb true
        expect_status 0 "flocktimeout -B: the whole disk's lock is released after the command"
    else
        not_ok "flocktimeout -B: /dev/vdb1 never appeared after partitioning /dev/vdb"
    fi
else
    skip "flocktimeout -B: no /dev/vdb or no sfdisk in this VM"
fi

vm_done
