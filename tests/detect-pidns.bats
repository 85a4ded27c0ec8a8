#!/usr/bin/env bats
# detect-pidns: the answer in every context the issue names, through every
# method forced, and with the heuristics beside it under --all. The kernel
# rule checked throughout: the initial PID namespace's nsfs inode is
# 0xEFFFFFFC (PROC_PID_INIT_INO); every other PID namespace has another.

load helpers

STATIC=${WISHBOX_STATIC:-$B/wishbox.static}

setup() {
    T=$BATS_TEST_TMPDIR
    BG=()
}

teardown() {
    local p
    for p in "${BG[@]}"; do
        kill -9 "$p" 2>/dev/null || true
    done
    for p in "${BG[@]}"; do
        wait "$p" 2>/dev/null || true
    done
}

# in_child_ns: a process in a new PID namespace (with its own /proc) that
# waits on a FIFO until teardown, which kills unshare and so, by
# --kill-child, the namespace (it would outlive the test otherwise); sets
# $inner to its PID as we see it.
in_child_ns() {
    mkfifo "$T/ready" "$T/hold"
    unshare -pf --kill-child --mount-proc sh -c 'echo up >"$1"; read -r x <"$2"' sh "$T/ready" "$T/hold" 3>&- &
    BG+=("$!")
    read -r _ <"$T/ready"
    inner=$(pgrep -P "$!" | head -n1)
    [ -n "$inner" ]
}

@test "host: initial, exit 1, through auto, pidfd and nsfs" {
    for m in auto pidfd nsfs; do
        run --separate-stderr "$B/detect-pidns" --method "$m"
        assert_equal "$status" 1
        assert_output initial
        assert_equal "$stderr" ""
    done
}

@test "host -J: pid, pidns, the initial inode on nsfs, method, nspid" {
    run "$B/detect-pidns" -J
    assert_equal "$status" 1
    echo "$output" | is_json
    assert_equal "$(jq -r .pidns <<<"$output")" initial
    assert_equal "$(jq -r .ns_inode <<<"$output")" $((0xEFFFFFFC))
    assert_equal "$(jq -r .method <<<"$output")" pidfd
    # The oracle: stat of our own /proc/self/ns/pid.
    assert_equal "$(jq -r .ns_dev <<<"$output")" "$(stat -L -c '%Hd:%Ld' /proc/self/ns/pid)"
    assert_equal "$(jq -r '.nspid | length' <<<"$output")" 1
    [ "$(jq -r .pid <<<"$output")" -gt 1 ]
    run "$B/detect-pidns" -J --method nsfs
    assert_equal "$(jq -r .method <<<"$output")" nsfs
    assert_equal "$(jq -r .ns_inode <<<"$output")" $((0xEFFFFFFC))
}

@test "nsid: unusable before fixed namespace ids (6.19), exit 5 with the reason" {
    # listns(2) came with the fixed ids.
    if perl -e 'syscall(470, 0, 0, 0, 0); exit($!{ENOSYS} ? 0 : 1)'; then
        run --separate-stderr "$B/detect-pidns" --method nsid
        assert_equal "$status" 5
        assert_output ""
        [[ $stderr == *"method nsid is not usable here"*"6.19"* ]]
    else
        run "$B/detect-pidns" --method nsid
        assert_equal "$status" 1
        assert_output initial
    fi
}

@test "unshare -pf --mount-proc: child through auto, pidfd and nsfs" {
    for m in auto pidfd nsfs; do
        run unshare -pf --mount-proc "$B/detect-pidns" --method "$m"
        assert_equal "$status" 0
        assert_output child
    done
    run unshare -pf --mount-proc "$B/detect-pidns" -J
    assert_equal "$(jq -r .pid <<<"$output")" 1
    assert_equal "$(jq -c .nspid <<<"$output")" "[1]"
    [ "$(jq -r .ns_inode <<<"$output")" -ne $((0xEFFFFFFC)) ]
}

@test "unshare -pf without remounting /proc: child; -p through the parent's /proc is refused" {
    for m in auto pidfd nsfs; do
        run unshare -pf "$B/detect-pidns" --method "$m"
        assert_equal "$status" 0
        assert_output child
    done
    # /proc/1 here is the host's init: nsfs must not answer for "-p 1".
    run --separate-stderr unshare -pf "$B/detect-pidns" -p 1 --method nsfs
    assert_equal "$status" 5
    assert_output ""
    [[ $stderr == *"/proc belongs to another PID namespace"* ]]
    run --separate-stderr unshare -pf "$B/detect-pidns" -p 1 --method fdinfo
    assert_equal "$status" 5
    # The pidfd still names our PID 1, ourselves: child.
    run unshare -pf "$B/detect-pidns" -p 1 -J
    assert_equal "$status" 0
    assert_equal "$(jq -r .pidns <<<"$output")" child
    # The NSpid chain as the parent's /proc shows it: outer PID, then 1.
    assert_equal "$(jq -r '.nspid | length' <<<"$output")" 2
    assert_equal "$(jq -r '.nspid[1]' <<<"$output")" 1
}

@test "--all in a namespace without its own /proc: the heuristics mislead, the answer does not" {
    run unshare -pf "$B/detect-pidns" --all -J
    assert_equal "$status" 0
    echo "$output" | is_json
    assert_equal "$(jq -r .pidns <<<"$output")" child
    assert_equal "$(jq -r .method <<<"$output")" pidfd
    assert_equal "$(jq -r '.checks.pidfd.pidns' <<<"$output")" child
    assert_equal "$(jq -r '.checks.nsfs.pidns' <<<"$output")" child
    assert_equal "$(jq -r '.checks.pidfd.heuristic' <<<"$output")" false
    # kthreadd and sched see the host through the parent's /proc.
    assert_equal "$(jq -r '.checks.kthreadd.pidns' <<<"$output")" initial
    assert_equal "$(jq -r '.checks.kthreadd.heuristic' <<<"$output")" true
    assert_equal "$(jq -r '.checks.sched.pidns' <<<"$output")" initial
    assert_equal "$(jq -r '[.checks | keys[]] | sort | join(" ")' <<<"$output")" \
        "fdinfo kthreadd marker nsfs nsid nspid pidfd sched"
    run unshare -pf "$B/detect-pidns" --all
    assert_equal "$status" 0
    assert_line --regexp '^kthreadd +heuristic +initial'
    assert_line --regexp '^pidfd +reliable +child'
    assert_line "answer: child (pidfd)"
}

@test "nested two levels deep: child" {
    run unshare -pf --mount-proc unshare -pf --mount-proc "$B/detect-pidns" -J
    assert_equal "$status" 0
    assert_equal "$(jq -r .pidns <<<"$output")" child
    run unshare -pf unshare -pf "$B/detect-pidns" -J --method nsfs
    assert_equal "$status" 0
    assert_equal "$(jq -r .pidns <<<"$output")" child
    assert_equal "$(jq -r '.nspid | length' <<<"$output")" 3
}

@test "an unprivileged user namespace with its own PID namespace: child" {
    for m in auto pidfd nsfs; do
        run setpriv --reuid=65534 --regid=65534 --clear-groups \
            unshare -Urpf --mount-proc "$B/detect-pidns" --method "$m"
        assert_equal "$status" 0
        assert_output child
    done
}

@test "a chroot with no /proc: pidfd answers, nsfs says why it cannot" {
    [ -x "$STATIC" ] || fail "no $STATIC: run 'make static'"
    mkdir -p "$T/root/bin"
    cp "$STATIC" "$T/root/bin/wishbox"
    run --separate-stderr chroot "$T/root" /bin/wishbox detect-pidns
    assert_equal "$status" 1
    assert_output initial
    run --separate-stderr chroot "$T/root" /bin/wishbox detect-pidns --method nsfs
    assert_equal "$status" 5
    assert_output ""
    [[ $stderr == *"/proc is not mounted"* ]]
    run unshare -pf chroot "$T/root" /bin/wishbox detect-pidns -J --all
    assert_equal "$status" 0
    assert_equal "$(jq -r .pidns <<<"$output")" child
    assert_equal "$(jq -r .nspid <<<"$output")" null
    assert_equal "$(jq -r .checks.nsfs.available <<<"$output")" false
}

@test "-p on a process in a child namespace, from the host: child through every method" {
    in_child_ns
    for m in auto pidfd nsfs fdinfo; do
        run "$B/detect-pidns" -p "$inner" -J --method "$m"
        assert_equal "$status" 0
        assert_equal "$(jq -r .pidns <<<"$output")" child
        assert_equal "$(jq -r .pid <<<"$output")" "$inner"
        assert_equal "$(jq -c .nspid <<<"$output")" "[$inner,1]"
    done
    # The oracle: the process's own /proc/PID/ns/pid.
    run "$B/detect-pidns" -p "$inner" -J --method nsfs
    assert_equal "$(jq -r .ns_inode <<<"$output")" "$(stat -L -c %i "/proc/$inner/ns/pid")"
}

@test "-p 1 from the host: initial; a caller who may not look gets it through fdinfo" {
    run "$B/detect-pidns" -p 1
    assert_equal "$status" 1
    assert_output initial
    run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$B/detect-pidns" -p 1 -v
    assert_equal "$status" 1
    assert_output initial
    [[ $stderr == *"using method fdinfo"* ]]
    run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$B/detect-pidns" -p 1 --method pidfd
    assert_equal "$status" 5
    [[ $stderr == *"needs ptrace read access"* ]]
    run "$B/detect-pidns" -p "$$" --method fdinfo
    assert_equal "$status" 1
    assert_output initial
}

@test "fdinfo without -p: exit 5, it only compares another process with us" {
    run --separate-stderr "$B/detect-pidns" --method fdinfo
    assert_equal "$status" 5
    [[ $stderr == *"only with -p"* ]]
}

@test "-p on a PID with no process: exit 4, a clear error" {
    local p=$(($(cat /proc/sys/kernel/pid_max) - 1))
    while [ -e "/proc/$p" ]; do p=$((p - 1)); done
    run --separate-stderr "$B/detect-pidns" -p "$p"
    assert_equal "$status" 4
    assert_output ""
    assert_equal "$stderr" "detect-pidns: no process with PID $p"
}

@test "-p on a zombie: the pidfd ioctl cannot tell (exit 5, passed over), nsfs and fdinfo still can" {
    mkfifo "$T/z"
    # perl forks a child that exits at once, and never reaps it.
    perl -e 'my $p = fork() // die; exit 0 unless $p; open(my $f, ">", $ARGV[0]) or die;
        print $f "$p\n"; close $f; sleep 600' "$T/z" 3>&- &
    BG+=("$!")
    read -r z <"$T/z"
    local i
    for i in $(seq 500); do
        grep -q '^State:.*Z' "/proc/$z/status" && break
        sleep 0.01
    done
    grep -q '^State:.*Z' "/proc/$z/status"
    # A zombie keeps its PID namespace (its struct pid), but not the
    # nsproxy PIDFD_GET_PID_NAMESPACE reads.
    run --separate-stderr "$B/detect-pidns" -p "$z" --method pidfd
    assert_equal "$status" 5
    [[ $stderr == *"has exited"* ]]
    for m in auto nsfs fdinfo; do
        run "$B/detect-pidns" -p "$z" --method "$m"
        assert_equal "$status" 1
        assert_output initial
    done
}

@test "bad -p values and arguments are usage errors" {
    for v in abc 0 -1 1x 99999999999; do
        run --separate-stderr "$B/detect-pidns" -p "$v"
        assert_equal "$status" 2
        assert_output ""
        [[ $stderr == *"invalid PID"* ]]
    done
    run "$B/detect-pidns" extra
    assert_equal "$status" 2
    run --separate-stderr "$B/detect-pidns" -q -J
    assert_equal "$status" 2
    [[ $stderr == *"--quiet cannot be combined"* ]]
}

@test "-q prints nothing; the exit status is the answer" {
    run --separate-stderr "$B/detect-pidns" -q
    assert_equal "$status" 1
    assert_output ""
    assert_equal "$stderr" ""
    run --separate-stderr unshare -pf --mount-proc "$B/detect-pidns" -q
    assert_equal "$status" 0
    assert_output ""
}

@test "-v says which method and why the better ones were passed over" {
    run --separate-stderr "$B/detect-pidns" -v --method nsfs
    assert_equal "$status" 1
    [[ $stderr == *"using method nsfs"* ]]
    [[ $stderr == *"inode 0xeffffffc"* ]]
}

@test "stdout: /dev/full is exit 4 with a write error, a closed pipe is quiet" {
    run --separate-stderr bash -c '"$1" >/dev/full' sh "$B/detect-pidns"
    assert_equal "$status" 4
    [[ $stderr == *"write error"* ]]
    run --separate-stderr closed_pipe "$B/detect-pidns" -J --all
    assert_equal "$status" 1
    assert_equal "$stderr" ""
    run "$B/detect-pidns" <&- >&- 2>&-
    assert_equal "$status" 1
}

@test "wishbox features lists every method with a reason" {
    run "$B/wishbox" features -J
    assert_success
    assert_equal "$(jq -r '.tools[] | select(.tool=="detect-pidns") | [.methods[].method] | join(" ")' <<<"$output")" \
        "pidfd nsfs fdinfo nsid"
    assert_equal "$(jq -r '.tools[] | select(.tool=="detect-pidns") | .methods[] | select(.reason == "") | .method' <<<"$output")" ""
    assert_equal "$(jq -r '.tools[] | select(.tool=="detect-pidns") | .auto' <<<"$output")" pidfd
}
