#!/usr/bin/env bats
# flocktimeout: BSD locks around commands with a timeout that fires whatever
# the signal mask, through every method; util-linux flock(1) as the oracle
# where both should agree.

load helpers

METHODS="child timer poll"

setup() {
    T=$BATS_TEST_TMPDIR
    L=$T/lock
    BG=()
    LOOP=
    n_hold=0
}

teardown() {
    local p
    for p in "${BG[@]}"; do
        kill -9 "$p" 2>/dev/null || true
    done
    for p in "${BG[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [ -n "$LOOP" ]; then
        losetup -d "$LOOP" 2>/dev/null || true
    fi
}

# hold [-u] LOCKARGS...: a lock held on $L (or on what LOCKARGS end with,
# after --) until unhold; returns once it is held. The holder is util-linux
# flock, or flocktimeout with -u first ("ours"). Sets $holder (the process
# whose command holds it) and $hsh (that command, a shell).
hold() {
    local tool=flock target=$L
    if [ "$1" = -u ]; then
        tool=$B/flocktimeout
        shift
    fi
    if [ "${1-}" = -t ]; then
        target=$2
        shift 2
    fi
    n_hold=$((n_hold + 1))
    rm -f "$T/ready" "$T/go$n_hold"
    mkfifo "$T/ready" "$T/go$n_hold"
    "$tool" "$@" "$target" sh -c 'echo $$ >"$1"; read -r x <"$2"' sh "$T/ready" "$T/go$n_hold" &
    holder=$!
    BG+=("$holder")
    read -r hsh <"$T/ready"
    BG+=("$hsh")
}

unhold() {
    echo go >"$T/go$n_hold"
    wait "$holder"
}

inode_of() {
    stat -L -c %i "$1"
}

# wait_waiter FILE: returns once /proc/locks shows a process blocked on
# FILE's lock (the kernel's own record of a waiter).
wait_waiter() {
    local ino i
    ino=$(inode_of "$1")
    for i in $(seq 500); do
        grep -qE -- "-> FLOCK .*:$ino " /proc/locks && return 0
        sleep 0.01
    done
    fail "nobody ever waited for $1"
}

# no_waiter FILE: nobody waits for FILE's lock now.
no_waiter() {
    local ino
    ino=$(inode_of "$1")
    ! grep -qE -- "-> FLOCK .*:$ino " /proc/locks
}

# timed CMD...: runs CMD like bats' run, and sets $ms to its wall time.
timed() {
    local t0=$EPOCHREALTIME t1
    run "$@"
    t1=$EPOCHREALTIME
    ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
}

# Blocks SIGALRM and every real-time signal, then execs the rest.
blocked() {
    perl -MPOSIX -e 'my $s = POSIX::SigSet->new(SIGALRM, 34 .. 64);
        sigprocmask(SIG_BLOCK, $s) or die; exec @ARGV or die' "$@"
}

# --- shapes of the command line ---

@test "FILE COMMAND: runs the command under the lock, passes its status" {
    run "$B/flocktimeout" "$L" sh -c 'echo hello; exit 7'
    assert_equal "$status" 7
    assert_output hello
    [ -f "$L" ] # created, as flock(1) does
    run "$B/flocktimeout" "$L" -c 'echo "a b"; exit 3'
    assert_equal "$status" 3
    assert_output "a b"
    run "$B/flocktimeout" -c 'exit 5' "$L"
    assert_equal "$status" 5
}

@test "exit status passthrough: signals as 128+N, like flock(1)" {
    run "$B/flocktimeout" "$L" sh -c 'kill -TERM $$'
    assert_equal "$status" 143
    run flock "$L" sh -c 'kill -TERM $$'
    assert_equal "$status" 143
    run "$B/flocktimeout" -F "$L" sh -c 'exit 9'
    assert_equal "$status" 9
}

@test "a command not found is 127, not executable 126 (flock(1) says 69 and 126)" {
    run -127 --separate-stderr "$B/flocktimeout" "$L" wishbox-no-such-command
    assert_equal "$status" 127
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == "flocktimeout: cannot run 'wishbox-no-such-command': No such file or directory" ]]
    run flock "$L" wishbox-no-such-command
    assert_equal "$status" 69 # the difference the man page documents
    printf 'x\n' >"$T/noexec"
    chmod 644 "$T/noexec"
    run "$B/flocktimeout" "$L" "$T/noexec"
    assert_equal "$status" 126
    run -127 "$B/flocktimeout" -F "$L" wishbox-no-such-command
    assert_equal "$status" 127
}

# --- lock semantics, with util-linux flock as the oracle ---

@test "exclusive excludes both, shared admits shared; flock(1) agrees" {
    hold -x
    run "$B/flocktimeout" -n "$L" true
    assert_equal "$status" 1
    run "$B/flocktimeout" -s -n "$L" true
    assert_equal "$status" 1
    run flock -s -n "$L" true
    assert_equal "$status" 1
    unhold
    hold -s
    run "$B/flocktimeout" -s -n "$L" true
    assert_success
    run flock -s -n "$L" true
    assert_success
    run "$B/flocktimeout" -x -n "$L" true
    assert_equal "$status" 1
    run flock -x -n "$L" true
    assert_equal "$status" 1
    unhold
}

@test "a lock flocktimeout holds keeps flock(1) out, and is gone after" {
    hold -u
    run flock -n "$L" true
    assert_equal "$status" 1
    run flock -s -n "$L" true
    assert_equal "$status" 1
    unhold
    run flock -n "$L" true
    assert_success
}

@test "-n busy is 1, -w 0 too; -E N replaces it" {
    hold
    run "$B/flocktimeout" -n "$L" echo never
    assert_equal "$status" 1
    assert_output ""
    run "$B/flocktimeout" -w 0 "$L" echo never
    assert_equal "$status" 1
    run "$B/flocktimeout" -n -E 42 "$L" true
    assert_equal "$status" 42
    run flock -n -E 42 "$L" true
    assert_equal "$status" 42
    unhold
}

@test "-w on a held lock: 3 in about the time asked, each method; -E replaces it" {
    hold
    for m in $METHODS; do
        timed "$B/flocktimeout" --method "$m" -w 0.3 "$L" echo never
        assert_equal "$status" 3
        assert_output ""
        # A loose bound: precision is the benchmark's job.
        [ "$ms" -ge 290 ] && [ "$ms" -lt 2500 ] || fail "$m: -w 0.3 took $ms ms"
        no_waiter "$L" || fail "$m: a waiter was left behind"
        run "$B/flocktimeout" --method "$m" -w 50ms -E 9 "$L" true
        assert_equal "$status" 9
    done
    unhold
}

@test "-w 0.001 against a held lock returns at once, each method" {
    hold
    for m in $METHODS; do
        timed "$B/flocktimeout" --method "$m" -w 0.001 "$L" true
        assert_equal "$status" 3
        [ "$ms" -lt 1000 ] || fail "$m: -w 0.001 took $ms ms"
    done
    unhold
}

@test "the lock is taken right after its release, each method" {
    for m in $METHODS; do
        hold
        "$B/flocktimeout" -v --method "$m" -w 20 "$L" sh -c 'echo got >"$1"' sh "$T/got" 2>"$T/err" &
        local w=$!
        BG+=("$w")
        if [ "$m" != poll ]; then
            wait_waiter "$L"
        fi
        [ ! -e "$T/got" ] || fail "$m: ran while the lock was held"
        unhold
        wait "$w" || fail "$m: exit $?: $(cat "$T/err")"
        assert_equal "$(cat "$T/got")" got
        grep -q "using method $m" "$T/err" || fail "$m: $(cat "$T/err")"
        grep -q "got the exclusive lock on $L after .* s (method $m)" "$T/err" ||
            fail "$m: $(cat "$T/err")"
        rm -f "$T/got"
    done
}

@test "a shared waiter gets in beside a shared holder at once, each method" {
    hold -s
    for m in $METHODS; do
        run "$B/flocktimeout" --method "$m" -s -w 1 "$L" true
        assert_success
    done
    unhold
}

# --- the signal state it inherits ---

@test "blocked SIGALRM and SIGRTMIN do not stop the timeout, each method; the command gets the mask" {
    hold
    for m in $METHODS; do
        timed blocked "$B/flocktimeout" --method "$m" -w 0.3 "$L" true
        assert_equal "$status" 3
        [ "$ms" -lt 2500 ] || fail "$m: took $ms ms with SIGALRM blocked"
    done
    unhold
    # SigBlk passes through to the command (ALRM = bit 14, RTMIN = 34).
    run blocked "$B/flocktimeout" "$L" grep SigBlk /proc/self/status
    assert_success
    mask=$((16#${output##*:[[:space:]]}))
    (( (mask >> 13) & 1 )) || fail "SIGALRM not blocked in the command: $output"
    (( (mask >> 33) & 1 )) || fail "SIGRTMIN not blocked in the command: $output"
    # And the timer method leaves SIGRTMIN's disposition as it was.
    hold
    run perl -e '$SIG{RTMIN} = "IGNORE"; exec @ARGV' "$B/flocktimeout" --method timer -w 0.1 -E 0 "$L" true
    assert_success
    unhold
    run perl -e '$SIG{RTMIN} = "IGNORE"; exec @ARGV' "$B/flocktimeout" --method timer "$L" \
        grep SigIgn /proc/self/status
    mask=$((16#${output##*:[[:space:]]}))
    (( (mask >> 33) & 1 )) || fail "SIGRTMIN no longer ignored: $output"
}

@test "ignored SIGCHLD and SIGALRM break neither the timeout nor the status" {
    hold
    for m in $METHODS; do
        timed perl -e '$SIG{CHLD} = "IGNORE"; $SIG{ALRM} = "IGNORE"; exec @ARGV' \
            "$B/flocktimeout" --method "$m" -w 0.2 "$L" true
        assert_equal "$status" 3
        [ "$ms" -lt 2500 ] || fail "$m: took $ms ms"
    done
    unhold
    run perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$B/flocktimeout" "$L" sh -c 'exit 6'
    assert_equal "$status" 6
}

@test "the child method's locker dies with flocktimeout (no orphan waits on)" {
    hold
    "$B/flocktimeout" --method child "$L" true &
    local w=$!
    BG+=("$w")
    wait_waiter "$L"
    kill -9 "$w"
    wait "$w" || true
    local i
    for i in $(seq 200); do
        no_waiter "$L" && break
        sleep 0.01
    done
    no_waiter "$L" || fail "the child still waits for the lock"
    unhold
    run flock -n "$L" true
    assert_success
}

# --- -o, -F, the FD form ---

@test "-o: the command does not get the lock's fd; without it, it does (as flock(1))" {
    # shellcheck disable=SC2016
    local lsfd='for f in /proc/$$/fd/*; do readlink "$f"; done'
    run "$B/flocktimeout" "$L" sh -c "$lsfd"
    assert_line "$L"
    run flock "$L" sh -c "$lsfd"
    assert_line "$L"
    run "$B/flocktimeout" -o "$L" sh -c "$lsfd"
    refute_line "$L"
    run flock -o "$L" sh -c "$lsfd"
    refute_line "$L"
}

@test "-o: a background process of the command does not keep the lock" {
    "$B/flocktimeout" -o "$L" sh -c 'sleep 60 >/dev/null 2>&1 & echo $! >"$1"' sh "$T/bg"
    BG+=("$(cat "$T/bg")")
    run "$B/flocktimeout" -n "$L" true
    assert_success
    # Without -o it does: flock(1) and flocktimeout alike.
    "$B/flocktimeout" "$L" sh -c 'sleep 60 >/dev/null 2>&1 & echo $! >"$1"' sh "$T/bg2"
    BG+=("$(cat "$T/bg2")")
    run "$B/flocktimeout" -n "$L" true
    assert_equal "$status" 1
    run flock -n "$L" true
    assert_equal "$status" 1
}

@test "-F: the command replaces flocktimeout and holds the lock" {
    # shellcheck disable=SC2016
    run bash -c 'echo $$; exec "$@"' bash "$B/flocktimeout" -F "$L" sh -c 'echo $$'
    assert_success
    assert_equal "${lines[0]}" "${lines[1]}"
    run bash -c 'echo $$; exec "$@"' bash "$B/flocktimeout" "$L" sh -c 'echo $$'
    [ "${lines[0]}" != "${lines[1]}" ] || fail "forked: same PID"
    hold -u -F
    run flock -n "$L" true
    assert_equal "$status" 1
    unhold
}

@test "FD form: the caller's descriptor holds the lock, -u drops it" {
    # shellcheck disable=SC2016
    run bash -c '
        exec 9>"$2"
        "$1" -w 1 9 || exit 10
        flock -n "$2" true && exit 11   # held by fd 9 of this shell
        "$1" -u 9 || exit 12
        flock -n "$2" true || exit 13
        "$1" -s 9 || exit 14
        flock -s -n "$2" true || exit 15
        flock -x -n "$2" true && exit 16
        exit 0' bash "$B/flocktimeout" "$L"
    assert_success
}

@test "FD form: -w on a held lock times out, the -n form says 1" {
    hold
    # shellcheck disable=SC2016
    run bash -c 'exec 9>"$2"; "$1" -w 0.2 9; echo "w=$?"; "$1" -n 9; echo "n=$?"' \
        bash "$B/flocktimeout" "$L"
    assert_line "w=3"
    assert_line "n=1"
    unhold
}

# --- --holders and -v ---

@test "--holders: the holding processes, human and JSON; 1 when none" {
    run "$B/flocktimeout" --holders "$L"
    assert_equal "$status" 4 # no such file yet
    touch "$L"
    run --separate-stderr "$B/flocktimeout" --holders "$L" -J
    assert_equal "$status" 1
    assert_equal "$(jq -c .holders <<<"$output")" "[]"
    assert_equal "$(jq -r .inode <<<"$output")" "$(inode_of "$L")"
    hold -u
    run "$B/flocktimeout" --holders "$L" -J
    assert_success
    is_json <<<"$output"
    # Both processes share the open file description that holds it.
    jq -e --argjson p "$holder" --argjson s "$hsh" \
        '[.holders[].pid] | index($p) != null and index($s) != null' <<<"$output"
    jq -e '.holders[] | select(.comm == "sh") | .lock == "exclusive"' <<<"$output"
    assert_equal "$(jq -r .path <<<"$output")" "$L"
    run "$B/flocktimeout" --holders "$L"
    assert_line --regexp "^$hsh +exclusive +sh$"
    unhold
    hold -s
    run "$B/flocktimeout" --holders "$L" -J
    jq -e '.holders[0].lock == "shared"' <<<"$output"
    unhold
}

@test "--holders names the real holder after the child method's locker exited" {
    hold
    mkfifo "$T/r2" "$T/g2"
    "$B/flocktimeout" --method child -w 20 "$L" sh -c 'echo $$ >"$1"; read -r x <"$2"' \
        sh "$T/r2" "$T/g2" &
    BG+=("$!")
    wait_waiter "$L"
    unhold
    read -r cmdpid <"$T/r2"
    BG+=("$cmdpid")
    run "$B/flocktimeout" --holders "$L" -J
    assert_success
    jq -e --argjson p "$cmdpid" '[.holders[].pid] | index($p) != null' <<<"$output"
    echo go >"$T/g2"
}

@test "-v on a timeout names the holders" {
    hold -u
    run --separate-stderr "$B/flocktimeout" -v -w 0.1 "$L" true
    assert_equal "$status" 3
    [[ $stderr == *"timed out after 0.1"*"waiting for $L (method child)"* ]] || fail "$stderr"
    [[ $stderr == *"held by "*"PID $hsh (sh, exclusive)"* ]] || fail "$stderr"
    unhold
}

@test "--holders: stdout to /dev/full is an error" {
    hold
    run bash -c '"$1" --holders "$2" -J >/dev/full' bash "$B/flocktimeout" "$L"
    assert_equal "$status" 4
    unhold
}

# --- -B, the whole disk ---

@test "-B on a loop device partition locks the whole disk" {
    command -v sfdisk >/dev/null || skip "no sfdisk"
    truncate -s 8M "$T/disk.img"
    printf 'label: dos\n2048,4096,83\n' | sfdisk -q "$T/disk.img"
    LOOP=$(losetup -P -f --show "$T/disk.img") || skip "no loop device here"
    local part=${LOOP}p1 i
    # Some kernels are built without partition table parsers: then the
    # partition is added from user space (BLKPG), as a partitioner does.
    [ -b "$part" ] || partx -a "$LOOP" 2>/dev/null || true
    for i in $(seq 200); do
        [ -b "$part" ] && break
        sleep 0.01
    done
    [ -b "$part" ] || fail "$part never appeared"
    run --separate-stderr "$B/flocktimeout" -v -B "$part" true
    assert_success
    [[ $stderr == *"locking the whole disk ${LOOP}"* ]] || fail "$stderr"
    hold -u -t "$part" -B
    run flock -n "$LOOP" true # the oracle on the whole disk
    assert_equal "$status" 1
    run flock -n "$part" true # the partition itself is free
    assert_success
    run "$B/flocktimeout" -B -n "$LOOP" true
    assert_equal "$status" 1
    run "$B/flocktimeout" --holders "$LOOP" -J
    jq -e --argjson s "$hsh" '[.holders[].pid] | index($s) != null' <<<"$output"
    run "$B/flocktimeout" -B --holders "$part" -J
    jq -e --argjson s "$hsh" '[.holders[].pid] | index($s) != null' <<<"$output"
    unhold
    run flock -n "$LOOP" true
    assert_success
}

@test "-B on a file that is not a block device: 4, one line" {
    touch "$L"
    run --separate-stderr "$B/flocktimeout" -B "$L" true
    assert_equal "$status" 4
    assert_equal "$stderr" "flocktimeout: $L: not a block device (-B)"
}

# --- bad input ---

@test "a missing directory: 4 and one line; nothing created" {
    run --separate-stderr "$B/flocktimeout" "$T/nodir/lock" true
    assert_equal "$status" 4
    assert_equal "$stderr" "flocktimeout: cannot open lock file $T/nodir/lock: No such file or directory"
    [ ! -e "$T/nodir" ]
}

@test "a hostile name stays one line in the message" {
    run --separate-stderr "$B/flocktimeout" "$T/no"$'\n'"dir/x\\y" true
    assert_equal "$status" 4
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == *'no\x0adir/x\x5cy'* ]] || fail "$stderr"
}

@test "a name longer than PATH_MAX: 4, one line, shortened" {
    local long
    long=$T/$(printf 'a%.0s' $(seq 5000))
    run --separate-stderr "$B/flocktimeout" "$long" true
    assert_equal "$status" 4
    assert_equal "${#stderr_lines[@]}" 1
    [[ $stderr == *"...: File name too long" ]] || fail "$stderr"
    [ "${#stderr}" -lt 400 ] || fail "a ${#stderr}-byte message"
}

@test "a directory and a FIFO can be locked (the FIFO opened without blocking)" {
    mkdir "$T/d"
    run "$B/flocktimeout" -w 1 "$T/d" echo dir
    assert_success
    assert_output dir
    mkfifo "$T/fifo"
    run timeout 5 "$B/flocktimeout" -w 1 "$T/fifo" echo fifo
    assert_success
    assert_output fifo
}

@test "an FD that is not open: 4, one line" {
    run --separate-stderr "$B/flocktimeout" 77
    assert_equal "$status" 4
    assert_equal "$stderr" "flocktimeout: descriptor 77: Bad file descriptor"
}

@test "usage errors exit 2 with one line and nothing run" {
    local bad
    for bad in "-u $L true" "-s -x $L true" "-x -u 9" "-w abc $L true" "-w -1 $L true" \
        "-E 256 $L true" "-E x $L true" "-o -F $L true" "$L" "" "-J $L true" \
        "--holders $L extra" "--method nope $L true" "-o 9" "$L -c" "$L -c a b"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$B/flocktimeout" $bad
        assert_equal "$status" 2
        assert_equal "$output" ""
        [[ ${stderr_lines[0]} == flocktimeout:* ]] || fail "$bad: $stderr"
    done
    [ ! -e "$L" ] || fail "a usage error created $L"
}

@test "closed stdin, stdout and stderr: the lock and the command still work" {
    run bash -c '"$1" "$2" sh -c "echo ok >\"\$1\"" sh "$3" <&- >&- 2>&-; echo $?' \
        bash "$B/flocktimeout" "$L" "$T/out"
    assert_output 0
    assert_equal "$(cat "$T/out")" ok
}

@test "--method: each one is usable here and says so with -v" {
    for m in $METHODS; do
        run --separate-stderr "$B/flocktimeout" -v --method "$m" "$L" true
        assert_success
        [[ ${stderr_lines[0]} == "flocktimeout: using method $m: "* ]] || fail "$stderr"
    done
    run "$B/wishbox" features -J
    jq -e '.tools[] | select(.tool == "flocktimeout") | [.methods[] | select(.available)] | length == 3' <<<"$output"
}
