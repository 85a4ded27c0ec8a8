#!/usr/bin/env bats
# pidwait: waiting for processes that are not pidwait's children, with real
# processes, through every method, and how each one ended.

load helpers

METHODS="pidfd-info pidfd-netlink pidfd netlink procfs"

setup() {
    T=$BATS_TEST_TMPDIR
    BG=()
    CORE_PATTERN_SAVED=
}

teardown() {
    local p live
    # Only the jobs this shell has not reaped yet: a PID it has reaped may
    # belong to another program by now (PIDs are reused fast on a busy
    # machine), and killing it would be killing a stranger.
    live=" $(jobs -p | tr '\n' ' ') "
    for p in "${BG[@]}"; do
        [[ $live == *" $p "* ]] && kill -9 "$p" 2>/dev/null
    done
    for p in "${BG[@]}"; do
        [[ $live == *" $p "* ]] && wait "$p" 2>/dev/null
    done
    true
    if [ -n "$CORE_PATTERN_SAVED" ]; then
        echo "$CORE_PATTERN_SAVED" >/proc/sys/kernel/core_pattern
    fi
    unlimit_pids
}

# gated CODE [NAME]: a process that exits with CODE once `release NAME` is
# called. It is the test shell's child (which reaps it), not pidwait's.
# Sets $gpid.
gated() {
    local name=${2:-g}
    mkfifo "$T/$name"
    sh -c 'read -r x <"$1"; exit "$2"' sh "$T/$name" "$1" &
    gpid=$!
    BG+=("$gpid")
}

# gated_kill SIGNAL [NAME]: the same, but it dies of SIGNAL (with a core
# size limit that allows a dump).
gated_kill() {
    local name=${2:-g}
    mkfifo "$T/$name"
    sh -c 'ulimit -c unlimited; read -r x <"$1"; kill -s "$2" $$' sh "$T/$name" "$1" &
    gpid=$!
    BG+=("$gpid")
}

release() {
    echo go >"$T/${1:-g}"
}

# grandchild CODE: a process that is neither pidwait's child nor ours: its
# parent, a shell waiting for it, reaps it as soon as it exits (a double
# fork). It exits with CODE on `release`. Sets $gpid.
grandchild() {
    mkfifo "$T/g"
    bash -c 'sh -c "read -r x <\"\$1\"; exit \"\$2\"" sh "$1" "$2" & echo $! >"$3"; wait' \
        bash "$T/g" "$1" "$T/gpid" &
    BG+=("$!")
    wait_for_file "$T/gpid"
    gpid=$(cat "$T/gpid")
}

# zombie_parent: a process whose child waits on the gate, exits 7, and is
# then left a zombie: the parent never reaps it (until it is killed). Sets
# $gpid to the child, $zparent to the parent.
zombie_parent() {
    mkfifo "$T/g"
    perl -e 'my $c = fork // die; if (!$c) { open(my $g, "<", $ARGV[0]) or die; <$g>; exit 7 }
             open(my $f, ">", "$ARGV[1].new") or die; print $f "$c\n"; close $f;
             rename("$ARGV[1].new", $ARGV[1]) or die; sleep 1000' \
        "$T/g" "$T/gpid" &
    zparent=$!
    BG+=("$zparent")
    wait_for_file "$T/gpid"
    gpid=$(cat "$T/gpid")
}

# reaped_pidfd CODE CMD...: a child that exits with CODE, a pidfd opened on
# it, then reaped: CMD runs with that pidfd (not close-on-exec) in place of
# the word PIDFD, the process long gone.
reaped_pidfd() {
    perl -e 'use Fcntl; my $code = shift; my $p = fork // die; exit $code unless $p;
             my $fd = syscall(434, $p + 0, 0); die "pidfd_open: $!\n" if $fd < 0;
             waitpid($p, 0) == $p or die;
             open(my $fh, "<&=", $fd) or die; fcntl($fh, F_SETFD, 0) or die;
             exec map { $_ eq "PIDFD" ? $fd : $_ } @ARGV or die' "$@"
}

# The writers write NAME.new and rename it, so a file that is there is whole.
wait_for_file() {
    local i
    for i in $(seq 500); do
        [ -s "$1" ] && return 0
        sleep 0.01
    done
    fail "$1 never appeared"
}

# start_pidwait ARGS...: pidwait -v in the background; returns once it waits
# (every handle open), or has already ended. finish_pidwait collects it.
start_pidwait() {
    "$B/pidwait" -v "$@" >"$T/out" 2>"$T/err" &
    pw=$!
    BG+=("$pw")
    local i
    for i in $(seq 1000); do
        grep -q "waiting for" "$T/err" && return 0
        kill -0 "$pw" 2>/dev/null || return 0
        sleep 0.01
    done
    fail "pidwait $* did not start waiting"
}

finish_pidwait() {
    status=0
    wait "$pw" || status=$?
    output=$(cat "$T/out")
    stderr=$(cat "$T/err")
    mapfile -t lines <"$T/out"
}

# stderr_has TEXT: the last run's stderr holds TEXT (on some line).
stderr_has() {
    grep -qF -- "$1" <<<"$stderr" || fail "stderr lacks '$1': $stderr"
}

# stderr_line N TEXT: line N (from 0) of the last run's stderr is TEXT.
stderr_line() {
    assert_equal "$(sed -n "$(($1 + 1))p" <<<"$stderr")" "$2"
}

# j FILTER: jq on the last run's output (one JSON object).
j() {
    jq -r "$1" <<<"$output"
}

# with_pidfd PID CMD...: runs CMD with a pidfd of PID open on a free
# descriptor (not close-on-exec); the descriptor's number replaces the
# word PIDFD among CMD's arguments.
with_pidfd() {
    perl -e 'use Fcntl; my $pid = shift; my $fd = syscall(434, $pid + 0, 0);
             die "pidfd_open: $!\n" if $fd < 0;
             open(my $fh, "<&=", $fd) or die; fcntl($fh, F_SETFD, 0) or die;
             exec map { $_ eq "PIDFD" ? $fd : $_ } @ARGV or die' "$@"
}

# --- how a process ended ---

@test "pidfd-info, pidfd-netlink and netlink report a non-child's exit code (double fork)" {
    for m in pidfd-info pidfd-netlink netlink; do
        rm -f "$T/g" "$T/gpid"
        grandchild 7
        start_pidwait -J --method "$m" "$gpid"
        release
        finish_pidwait
        assert_equal "$status" 0
        is_json <<<"$output"
        assert_equal "${#lines[@]}" 1
        assert_equal "$(j .pid)" "$gpid"
        assert_equal "$(j .method)" "$m"
        assert_equal "$(j .status_known)" true
        assert_equal "$(j .exited)" true
        assert_equal "$(j .exit_code)" 7
        assert_equal "$(j .signal)" null
        assert_equal "$(j .coredump)" false
        [[ $(j .inode) =~ ^[0-9]+$ ]]
        [[ $(j .elapsed_ms) =~ ^[0-9]+$ ]]
    done
}

@test "every exit record has its time: ISO 8601, microseconds, UTC offset, now" {
    for m in $METHODS; do
        rm -f "$T/g" "$T/gpid"
        grandchild 7
        before=$(date +%s)
        TZ=UTC start_pidwait -J --method "$m" "$gpid"
        release
        finish_pidwait
        assert_equal "$status" 0
        [[ $(j .time) =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00$ ]] ||
            fail "$m: time '$(j .time)'"
        t=$(j '.time | sub("\\.[0-9]+";"") | sub("\\+00:00$";"Z") | fromdateiso8601')
        (( t >= before && t <= $(date +%s) )) || fail "$m: time $t not between $before and now"
    done
    # The same in pairs mode; in another zone, its offset.
    rm -f "$T/g" "$T/gpid"
    grandchild 0
    TZ=Etc/GMT-2 start_pidwait -P "$gpid"
    release
    finish_pidwait
    [[ $output =~ TIME=\"[0-9-]+T[0-9:]+\.[0-9]{6}\+02:00\" ]] || fail "$output"
}

@test "pidfd: a non-child's status is unknown, said so, never guessed" {
    grandchild 7
    start_pidwait -J --method pidfd "$gpid"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .pid)" "$gpid"
    assert_equal "$(j .method)" pidfd
    assert_equal "$(j .status_known)" false
    assert_equal "$(j .exited)" null
    assert_equal "$(j .exit_code)" null
    assert_equal "$(j .signal)" null
    assert_equal "$(j .coredump)" null
    stderr_has "the exit status is unknown to method pidfd"
    rm -f "$T/g" "$T/gpid"
    grandchild 7
    start_pidwait --method pidfd "$gpid"
    release
    finish_pidwait
    assert_equal "$output" "$gpid exited (status unknown)"
}

@test "procfs: a non-child's code when it sees the zombie, else unknown: never a wrong one" {
    grandchild 7
    start_pidwait -J --method procfs "$gpid"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .method)" procfs
    case $(j '[.status_known, .exit_code] | @text') in
        '[true,7]' | '[false,null]') ;;
        *) fail "wrong status: $output" ;;
    esac
}

@test "every method knows the status of pidwait's own child (exec from a shell)" {
    for m in $METHODS; do
        rm -f "$T/g"
        mkfifo "$T/g"
        # The shell starts the child, then becomes pidwait: its child is
        # pidwait's.
        bash -c 'sh -c "read -r x <\"\$1\"; exit 7" sh "$1" & exec "$2" -v -J --method "$3" $!' \
            bash "$T/g" "$B/pidwait" "$m" >"$T/out" 2>"$T/err" &
        pw=$!
        BG+=("$pw")
        for _ in $(seq 500); do
            grep -q "waiting for" "$T/err" && break
            sleep 0.01
        done
        release
        finish_pidwait
        assert_equal "$status" 0
        assert_equal "$(j .method)" "$m"
        assert_equal "$(j .status_known)" true
        assert_equal "$(j .exit_code)" 7
    done
}

@test "killed by a signal: the signal's name, through every method that can know" {
    for m in pidfd-info pidfd-netlink netlink procfs; do
        rm -f "$T/g"
        gated_kill KILL
        start_pidwait -J --method "$m" "$gpid"
        release
        finish_pidwait
        [ "$status" = 0 ] || fail "--method $m exited $status: $stderr"
        assert_equal "$(j .method)" "$m"
        if [ "$m" = procfs ] && [ "$(j .status_known)" = false ]; then
            continue # reaped before procfs looked: unknown is honest
        fi
        assert_equal "$(j .status_known)" true
        assert_equal "$(j .exited)" false
        assert_equal "$(j .exit_code)" null
        assert_equal "$(j .signal)" KILL
        assert_equal "$(j .coredump)" false
    done
    rm -f "$T/g"
    gated_kill TERM
    start_pidwait "$gpid"
    release
    finish_pidwait
    assert_equal "$output" "$gpid killed by signal TERM"
}

@test "a core dump is reported (core_pattern set and restored by the test)" {
    CORE_PATTERN_SAVED=$(cat /proc/sys/kernel/core_pattern)
    echo "$T/core.%p" >/proc/sys/kernel/core_pattern
    for m in pidfd-info pidfd-netlink netlink; do
        rm -f "$T/g"
        gated_kill SEGV
        start_pidwait -J --method "$m" "$gpid"
        release
        finish_pidwait
        assert_equal "$status" 0
        assert_equal "$(j .signal)" SEGV
        assert_equal "$(j .coredump)" true
        assert_equal "$(j .exited)" false
        [ -s "$T/core.$gpid" ] || fail "no core file for $gpid"
    done
    rm -f "$T/g"
    gated_kill SEGV
    start_pidwait "$gpid"
    release
    finish_pidwait
    assert_equal "$output" "$gpid killed by signal SEGV (core dumped)"
}

@test "a zombie its parent does not reap is reported as exited, under every method" {
    for m in $METHODS; do
        rm -f "$T/g" "$T/gpid"
        zombie_parent
        start_pidwait -J --method "$m" "$gpid"
        release
        finish_pidwait
        assert_equal "$status" 0
        assert_equal "$(j .method)" "$m"
        # Still a zombie: pidwait did not wait for the reap.
        assert_equal "$(awk '{print $3}' "/proc/$gpid/stat")" Z
        if [ "$m" = pidfd ]; then
            assert_equal "$(j .status_known)" false
        else
            # root may read a zombie's exit code in /proc/PID/stat
            assert_equal "$(j .status_known)" true
            assert_equal "$(j .exit_code)" 7
        fi
        if [ "$m" = pidfd-info ]; then
            stderr_has "a zombie not reaped by its parent"
        fi
        kill -9 "$zparent" # its zombie goes with it
        wait "$zparent" 2>/dev/null || true
    done
}

@test "another user's zombie: unknown status, not the 0 the kernel shows" {
    for m in pidfd-info procfs; do
        rm -f "$T/g" "$T/gpid"
        zombie_parent
        release
        for _ in $(seq 500); do
            [ "$(awk '{print $3}' "/proc/$gpid/stat")" = Z ] && break
            sleep 0.01
        done
        # As nobody, /proc/PID/stat shows exit code 0 for root's zombie.
        run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
            "$B/pidwait" -J --method "$m" "$gpid"
        assert_success
        assert_equal "$(j .status_known)" false
        assert_equal "$(j .exit_code)" null
        kill -9 "$zparent"
        wait "$zparent" 2>/dev/null || true
    done
}

@test "--pidfd: a process reaped before pidwait started is reported, with its code by pidfd-info" {
    run --separate-stderr reaped_pidfd 3 "$B/pidwait" -J --pidfd PIDFD
    assert_success
    assert_equal "$(j .method)" pidfd-info
    assert_equal "$(j .status_known)" true
    assert_equal "$(j .exit_code)" 3
    assert_equal "$(j .pid)" null
    [[ $(j .inode) =~ ^[0-9]+$ ]]
    for m in pidfd netlink procfs; do
        run --separate-stderr reaped_pidfd 3 "$B/pidwait" -J --method "$m" --pidfd PIDFD
        assert_success
        assert_equal "$(j .method)" "$m"
        assert_equal "$(j .status_known)" false
        assert_equal "$(j .pid)" null
    done
    run --separate-stderr reaped_pidfd 3 "$B/pidwait" --pidfd PIDFD
    assert_success
    [[ $output =~ ^pidfd\ [0-9]+\ exited\ with\ code\ 3$ ]] || fail "$output"
}

@test "--pidfd: waits for a live process and tells its code" {
    gated 9
    with_pidfd "$gpid" "$B/pidwait" -v -J --pidfd PIDFD >"$T/out" 2>"$T/err" &
    pw=$!
    BG+=("$pw")
    for _ in $(seq 500); do
        grep -q "waiting for" "$T/err" && break
        sleep 0.01
    done
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .pid)" "$gpid"
    assert_equal "$(j .exit_code)" 9
}

@test "--pidfd: not open, not a pidfd, not a number" {
    run --separate-stderr "$B/pidwait" --pidfd 77
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: --pidfd 77: Bad file descriptor"
    run --separate-stderr "$B/pidwait" --pidfd 0 </dev/null
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: --pidfd 0: not a pidfd"
    run --separate-stderr "$B/pidwait" --pidfd x
    assert_equal "$status" 2
    assert_equal "$stderr" "pidwait: --pidfd: 'x' is not a file descriptor number"
    assert_equal "$output" ""
}

# --- how many, how long ---

@test "--any returns after the first exit, and says which" {
    gated 3 a
    a=$gpid
    gated 4 b
    b=$gpid
    start_pidwait --any "$a" "$b"
    release a
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$output" "$a exited with code 3"
    kill -0 "$b" # the other one still runs
    release b
}

@test "--count N returns after N exits" {
    gated 1 a
    a=$gpid
    gated 2 b
    b=$gpid
    gated 3 c
    c=$gpid
    start_pidwait -J --count 2 "$a" "$b" "$c"
    release b
    release c
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "${#lines[@]}" 2
    assert_equal "$(jq -s -c 'map(.pid) | sort' <<<"$output")" "[$(printf '%s\n' "$b" "$c" | sort -n | paste -sd,)]"
    kill -0 "$a"
    release a
}

@test "default: waits for all of them" {
    gated 1 a
    a=$gpid
    gated 2 b
    b=$gpid
    start_pidwait "$a" "$b"
    release a
    # Still waiting for b: the run ends only with b.
    for _ in $(seq 500); do
        [ -s "$T/out" ] && break
        sleep 0.01
    done
    kill -0 "$pw"
    release b
    finish_pidwait
    assert_equal "$status" 0
    assert_line --index 0 "$a exited with code 1"
    assert_line --index 1 "$b exited with code 2"
}

@test "--timeout: exit 3, nothing printed, with every method" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    for m in $METHODS; do
        run --separate-stderr "$B/pidwait" --method "$m" --timeout 0.2 "$s"
        assert_equal "$status" 3
        assert_equal "$output" ""
        assert_equal "$stderr" ""
    done
    run --separate-stderr "$B/pidwait" -v --timeout 50ms "$s"
    assert_equal "$status" 3
    stderr_has "timed out: 0 of 1 exits seen"
}

@test "--timeout with --count: the exits seen are printed, then exit 3" {
    gated 6 a
    a=$gpid
    sleep 1000 &
    s=$!
    BG+=("$s")
    start_pidwait --timeout 1 "$a" "$s"
    release a
    finish_pidwait
    assert_equal "$status" 3
    assert_equal "$output" "$a exited with code 6"
}

@test "--exit-status exits with the process's own status" {
    grandchild 7
    start_pidwait --exit-status "$gpid"
    release
    finish_pidwait
    assert_equal "$status" 7
    assert_equal "$output" "$gpid exited with code 7"
    for m in pidfd-info pidfd-netlink netlink; do
        rm -f "$T/g"
        gated_kill KILL
        start_pidwait -q --exit-status --method "$m" "$gpid"
        release
        finish_pidwait
        assert_equal "$status" 137
        assert_equal "$output" ""
    done
    rm -f "$T/g"
    gated 0
    start_pidwait --exit-status "$gpid"
    release
    finish_pidwait
    assert_equal "$status" 0
}

@test "--exit-status: exit 4 when the method cannot know the status" {
    grandchild 7
    start_pidwait --exit-status --method pidfd "$gpid"
    release
    finish_pidwait
    assert_equal "$status" 4
    stderr_has "pidwait: $gpid has exited, but its exit status is unknown to method pidfd"
}

@test "--exit-status takes exactly one process" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    run --separate-stderr "$B/pidwait" --exit-status "$s" "$s"
    assert_equal "$status" 2
    stderr_line 0 "pidwait: --exit-status takes exactly one process"
}

# --- identity: PID:INODE ---

@test "--identify prints PID:INODE, and the output waits race-free" {
    gated 5
    run --separate-stderr "$B/pidwait" --identify "$gpid"
    assert_success
    [[ $output =~ ^$gpid:[0-9]+$ ]] || fail "$output"
    id=$output
    run --separate-stderr "$B/pidwait" --identify -J "$gpid"
    assert_success
    assert_equal "$(j .pid):$(j .inode)" "$id"
    # The inode is the pidfs inode of a pidfd for that process.
    for m in $METHODS; do
        start_pidwait -J --method "$m" --timeout 0.1 "$id"
        finish_pidwait
        assert_equal "$status" 3
    done
    start_pidwait -J "$id"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .pid):$(j .inode)" "$id"
    assert_equal "$(j .exit_code)" 5
}

@test "PID:INODE that names another process: the process was replaced (exit 4)" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    id=$("$B/pidwait" --identify "$s")
    ino=${id#*:}
    for m in $METHODS; do
        run --separate-stderr "$B/pidwait" --method "$m" "$s:$((ino + 1))"
        assert_equal "$status" 4
        assert_equal "$output" ""
        assert_equal "$stderr" "pidwait: $s:$((ino + 1)): that process is gone: PID $s now belongs to another process (inode $ino)"
    done
    run --separate-stderr "$B/pidwait" --exited "$s:$((ino + 1))"
    assert_success
    assert_equal "$output" "$s exited (status unknown)"
    # Reported as the process asked for, not as the one now holding the PID.
    for m in $METHODS; do
        run --separate-stderr "$B/pidwait" -J --method "$m" --exited "$s:$((ino + 1))"
        assert_success
        assert_equal "$(j .pid):$(j .inode)" "$s:$((ino + 1))"
    done
}

@test "a real PID reuse is caught by PID:INODE (private PID namespace, ns_last_pid)" {
    run --separate-stderr unshare -p -f --mount-proc bash -c '
        pw=$1
        sleep 1000 & a=$!
        id=$("$pw" --identify "$a")
        kill "$a"; wait "$a"
        echo $((a - 1)) >/proc/sys/kernel/ns_last_pid
        sleep 1000 & b=$!
        [ "$b" = "$a" ] || { echo "pid not reused: $a $b"; exit 99; }
        "$pw" "$id"; echo "status $?"
        "$pw" --exited -J "$id"; echo "status $?"
        echo "id $id"
        kill "$b"' bash "$B/pidwait"
    assert_success
    assert_line --index 0 "status 4"
    assert_line --partial '"status_known":false'
    assert_line --index 2 "status 0"
    stderr_has "that process is gone: PID"
    # The exit is reported under the identity asked for, not the new one's.
    id=${lines[3]#id }
    assert_equal "$(jq -r '"\(.pid):\(.inode)"' <<<"${lines[1]}")" "$id"
}

@test "PID:INODE: bad forms are usage errors" {
    for bad in 1:abc 1: :5 1:0 1:2:3; do
        run --separate-stderr "$B/pidwait" "$bad"
        assert_equal "$status" 2
        assert_equal "$stderr" "pidwait: '$bad': not a PID (expected a number, or PID:INODE)"
    done
}

# --- pidfiles ---

@test "--pidfile: a PID with a newline, or PID:INODE, is waited for" {
    gated 4
    echo "$gpid" >"$T/pidfile"
    start_pidwait --pidfile "$T/pidfile"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$output" "$gpid exited with code 4"
    rm -f "$T/g"
    gated 2
    printf '  %s\n\n' "$("$B/pidwait" --identify "$gpid")" >"$T/pidfile"
    start_pidwait -J -F "$T/pidfile"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .exit_code)" 2
}

@test "--pidfile: missing, empty, garbage, out of range, a gone process: one line, exit 4" {
    run --separate-stderr "$B/pidwait" -F "$T/missing"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: cannot read $T/missing: No such file or directory"
    : >"$T/empty"
    run --separate-stderr "$B/pidwait" -F "$T/empty"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/empty: empty pidfile"
    printf ' \n\t\n' >"$T/blank"
    run --separate-stderr "$B/pidwait" -F "$T/blank"
    assert_equal "$stderr" "pidwait: $T/blank: empty pidfile"
    printf 'hello world\nmore\n' >"$T/garbage"
    run --separate-stderr "$B/pidwait" -F "$T/garbage"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/garbage: not a pidfile: 'hello world\\nmore' is not a PID"
    # Two lines: the message quotes the content that is wrong, all of it.
    printf 'PID\n123\n' >"$T/header"
    run --separate-stderr "$B/pidwait" -F "$T/header"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/header: not a pidfile: 'PID\\n123' is not a PID"
    printf '123\nabc\n' >"$T/trailer"
    run --separate-stderr "$B/pidwait" -F "$T/trailer"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/trailer: not a pidfile: '123\\nabc' is not a PID"
    printf '12 13\n' >"$T/two"
    run --separate-stderr "$B/pidwait" -F "$T/two"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/two: not a pidfile: '12 13' is not a PID"
    echo 99999999 >"$T/big"
    run --separate-stderr "$B/pidwait" -F "$T/big"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/big: not a pidfile: '99999999' is out of range (1 to $(($(cat /proc/sys/kernel/pid_max) - 1)))"
    head -c 4096 /dev/zero | tr '\0' 1 >"$T/long"
    run --separate-stderr "$B/pidwait" -F "$T/long"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/long: not a pidfile (too long)"
    sleep 0.01 &
    s=$!
    wait "$s"
    echo "$s" >"$T/gone"
    run --separate-stderr "$B/pidwait" -F "$T/gone"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/gone: process $s: no such process"
    assert_equal "$output" ""
}

# --- bad input, refusals, no partial waiting ---

@test "garbage PIDs: one line each, exit 2, nothing waited for" {
    max=$(($(cat /proc/sys/kernel/pid_max) - 1))
    sleep 1000 &
    s=$!
    BG+=("$s")
    for bad in abc 12x '' ' 1' 1.5 0x10; do
        run --separate-stderr timeout 20 "$B/pidwait" "$s" -- "$bad"
        assert_equal "$status" 2
        assert_equal "$output" ""
        assert_equal "$stderr" "pidwait: '$bad': not a PID (expected a number, or PID:INODE)"
    done
    for bad in 0 -1 "$((max + 1))" 99999999999999999999; do
        run --separate-stderr timeout 20 "$B/pidwait" "$s" -- "$bad"
        assert_equal "$status" 2
        assert_equal "$output" ""
        if [ "$bad" = -1 ]; then
            assert_equal "$stderr" "pidwait: '-1': not a PID (expected a number, or PID:INODE)"
        else
            assert_equal "$stderr" "pidwait: '$bad': not a PID (expected 1 to $max; pid_max is $((max + 1)))"
        fi
    done
    # Without "--", -1 is an option getopt does not know.
    run --separate-stderr "$B/pidwait" -1
    assert_equal "$status" 2
    stderr_line 0 "pidwait: invalid option -- '1'"
    stderr_line 1 "Try 'pidwait --help'."
}

@test "a PID that does not exist: exit 4 before any waiting; --exited reports it" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    sleep 0.01 &
    gone=$!
    wait "$gone"
    run --separate-stderr timeout 20 "$B/pidwait" "$s" "$gone"
    assert_equal "$status" 4
    assert_equal "$output" ""
    assert_equal "$stderr" "pidwait: $gone: no such process"
    for m in $METHODS; do
        run --separate-stderr "$B/pidwait" -J --method "$m" --exited "$gone"
        assert_success
        assert_equal "$(j .pid)" "$gone"
        assert_equal "$(j .status_known)" false
        assert_equal "$(j .method)" "$m"
    done
    # -e is --exited, as in util-linux waitpid.
    run --separate-stderr "$B/pidwait" -J -e "$gone"
    assert_success
    assert_equal "$(j .status_known)" false
    run --separate-stderr "$B/pidwait" --exited --any "$s" "$gone"
    assert_success
    assert_equal "$output" "$gone exited (status unknown)"
}

@test "a multi-threaded process: one report, with the code a thread exited with" {
    for m in pidfd-info pidfd-netlink netlink; do
        rm -f "$T/g"
        mkfifo "$T/g"
        # Four threads; one of them ends the process with exit(3).
        perl -Mthreads -e 'my $g = shift;
            threads->create(sub { sleep 1000 })->detach for 1 .. 2;
            threads->create(sub { open(my $f, "<", $g) or die; <$f>; exit 3 })->detach;
            sleep 1000' "$T/g" &
        p=$!
        BG+=("$p")
        for _ in $(seq 500); do
            threads=("/proc/$p/task"/*)
            [ "${#threads[@]}" -ge 4 ] && break
            sleep 0.01
        done
        start_pidwait -J --method "$m" "$p"
        release
        finish_pidwait
        assert_equal "$status" 0
        assert_equal "${#lines[@]}" 1
        assert_equal "$(j .pid)" "$p"
        assert_equal "$(j .exit_code)" 3
    done
}

@test "a thread's ID is not a process: one line, exit 4" {
    perl -Mthreads -e 'threads->create(sub { sleep 1000 })->detach;
        select(undef, undef, undef, 0.2); sleep 1000' &
    p=$!
    BG+=("$p")
    for _ in $(seq 500); do
        tid=
        for d in "/proc/$p/task"/*; do
            [ "${d##*/}" != "$p" ] && tid=${d##*/}
        done
        [ -n "$tid" ] && break
        sleep 0.01
    done
    run --separate-stderr "$B/pidwait" "$tid"
    assert_equal "$status" 4
    assert_equal "$output" ""
    assert_equal "$stderr" "pidwait: $tid: a thread ID, not a process ID (the process is its Tgid in /proc/$tid/status)"
}

@test "refuses to wait for itself or its parent (exit 2)" {
    # bash -c runs pidwait as its child: $$ is pidwait's parent.
    run --separate-stderr bash -c '"$1" $$; echo "status $?"; echo "parent $$"' bash "$B/pidwait"
    assert_line --index 0 "status 2"
    parent=${lines[1]#parent }
    assert_equal "$stderr" "pidwait: $parent: refusing to wait for pidwait's own parent (it may be waiting for pidwait)"
    run --separate-stderr bash -c 'exec "$1" $$' bash "$B/pidwait"
    assert_equal "$status" 2
    [[ $stderr =~ ^pidwait:\ [0-9]+:\ refusing\ to\ wait\ for\ pidwait\ itself$ ]] || fail "$stderr"
    run --separate-stderr bash -c 'echo $$ >"$2"; "$1" -F "$2"; echo "status $?"; echo "parent $$"' \
        bash "$B/pidwait" "$T/parent.pid"
    assert_line --index 0 "status 2"
    parent=${lines[1]#parent }
    assert_equal "$stderr" "pidwait: $T/parent.pid: refusing to wait for pidwait's own parent (it may be waiting for pidwait)"
}

@test "option errors: counts, durations, combinations (exit 2)" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    run --separate-stderr "$B/pidwait" --count 0 "$s"
    assert_equal "$status" 2
    assert_equal "$stderr" "pidwait: --count: '0' is not a number from 1"
    run --separate-stderr "$B/pidwait" --count 2 "$s"
    assert_equal "$status" 2
    stderr_line 0 "pidwait: --count 2 is more than the 1 processes given"
    run --separate-stderr "$B/pidwait" --count 2 "$s" "$s"
    assert_equal "$status" 2
    stderr_line 0 "pidwait: --count 2 is more than the 1 distinct processes given"
    run --separate-stderr "$B/pidwait" --timeout soon "$s"
    assert_equal "$status" 2
    assert_equal "$stderr" "pidwait: --timeout: 'soon' is not a duration (1.5, 500ms, 2m)"
    run --separate-stderr "$B/pidwait" --any --count 1 "$s"
    assert_equal "$status" 2
    run --separate-stderr "$B/pidwait" -J -q "$s"
    assert_equal "$status" 2
    run --separate-stderr "$B/pidwait" --identify --timeout 1 "$s"
    assert_equal "$status" 2
    run --separate-stderr "$B/pidwait"
    assert_equal "$status" 2
    stderr_line 0 "pidwait: no process given (PID, --pidfd FD or --pidfile FILE)"
    assert_equal "$output" ""
}

@test "a process named twice is waited for and reported once" {
    gated 3
    id=$("$B/pidwait" --identify "$gpid")
    start_pidwait "$gpid" "$gpid" "$id"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$output" "$gpid exited with code 3"
}

# --- methods ---

@test "wishbox features lists pidwait's five methods, all available here" {
    run "$B/wishbox" features -J
    assert_success
    assert_equal "$(jq -r '.tools[] | select(.tool == "pidwait") | [.methods[].method] | join(" ")' <<<"$output")" "$METHODS"
    assert_equal "$(jq -r '.tools[] | select(.tool == "pidwait") | .auto' <<<"$output")" pidfd-info
    assert_equal "$(jq -r '[.tools[] | select(.tool == "pidwait") | .methods[] | select(.available | not)] | length' <<<"$output")" 0
}

@test "-v says which method and why" {
    sleep 1000 &
    s=$!
    BG+=("$s")
    run --separate-stderr "$B/pidwait" -v --timeout 10ms "$s"
    stderr_line 0 "pidwait: using method pidfd-info: pidfd + epoll, exit status of any process from PIDFD_INFO_EXIT (6.15+)"
    stderr_line 1 "pidwait: waiting for 1 of 1 processes to exit"
}

@test "netlink in a child PID namespace: not usable, exit 5 with the reason" {
    run --separate-stderr unshare -p -f --mount-proc bash -c \
        'sleep 1000 & "$1" --method netlink "$!"; echo "status $?"; kill $!' bash "$B/pidwait"
    assert_success
    assert_output "status 5"
    assert_equal "$stderr" "pidwait: method netlink is not usable here: proc connector: not answered: only the initial user and PID namespaces may listen"
    # auto passes it over there, and still works.
    run --separate-stderr unshare -p -f --mount-proc bash -c \
        '(exit 3) & c=$!; "$1" -J --exited "$c"; echo "status $?"' bash "$B/pidwait"
    assert_line --index 1 "status 0"
}

@test "netlink: lost events (ENOBUFS) are noticed and the processes looked at again" {
    limit_pids 100
    gated_kill KILL
    start_pidwait -J --method netlink "$gpid"
    kill -STOP "$pw"
    # Fill pidwait's receive queue with other exits while it is stopped,
    # then let the process end: its event is dropped.
    perl -e 'for (1 .. 6000) { my $p = fork // die; exit 0 unless $p; waitpid($p, 0) }'
    release
    wait "$gpid" || true
    kill -CONT "$pw"
    finish_pidwait
    assert_equal "$status" 0
    stderr_has "exit events were lost (ENOBUFS): re-checking 1 processes"
    assert_equal "$(j .pid)" "$gpid"
    # Its event was lost and it was reaped: unknown, not wrong.
    assert_equal "$(j .status_known)" false
}

# --- attacks: threads, namespaces, FIFOs, ancestors ---

# leader_gone: a process whose main thread has called pthread_exit while
# another thread runs (the main thread is a zombie, the process is not); the
# other thread ends the process with exit(3) on `release`. Sets $gpid.
leader_gone() {
    mkfifo "$T/g"
    python3 -c 'import ctypes, os, sys, threading
def last():
    open(sys.argv[1]).read()
    os._exit(3)
threading.Thread(target=last).start()
ctypes.CDLL(None).pthread_exit(None)' "$T/g" &
    gpid=$!
    BG+=("$gpid")
    local _
    for _ in $(seq 500); do
        grep -q '^State:[[:space:]]*Z' "/proc/$gpid/status" 2>/dev/null && break
        sleep 0.01
    done
    grep -q '^State:[[:space:]]*Z' "/proc/$gpid/status" || fail "the main thread did not exit"
    grep -q '^Threads:[[:space:]]*2$' "/proc/$gpid/status" || fail "not two threads"
}

@test "a main thread gone by pthread_exit while another runs: alive to every method, then the real code" {
    leader_gone
    for m in $METHODS; do
        run --separate-stderr "$B/pidwait" --method "$m" --timeout 100ms "$gpid"
        assert_equal "$status" 3
        assert_equal "$output" ""
    done
    # procfs waits alongside; it cannot know the code (/proc will show the
    # main thread's own 0), and must not say 0.
    # pidfd-netlink too: its pidfd wakes it, the event tells.
    for m in procfs pidfd-netlink; do
        "$B/pidwait" -v -J --method "$m" "$gpid" >"$T/$m.out" 2>"$T/$m.err" &
        BG+=("$!")
        for _ in $(seq 1000); do
            grep -q "waiting for" "$T/$m.err" && break
            sleep 0.01
        done
    done
    start_pidwait -J --method netlink "$gpid"
    sleep 0.05 # procfs polls: let it see the main thread gone at least once
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .exit_code)" 3
    wait "${BG[-2]}" "${BG[-3]}"
    assert_equal "$(jq -r .status_known "$T/procfs.out")" false
    assert_equal "$(jq -r .exit_code "$T/pidfd-netlink.out")" 3
}

# with_thread_pidfd TID CMD...: CMD with a PIDFD_THREAD pidfd of thread TID
# open in place of the word PIDFD.
with_thread_pidfd() {
    python3 -c 'import os, sys
fd = os.pidfd_open(int(sys.argv[1]), os.O_EXCL)
os.set_inheritable(fd, True)
args = [str(fd) if a == "PIDFD" else a for a in sys.argv[2:]]
os.execvp(args[0], args)' "$@"
}

@test "--pidfd of a thread (PIDFD_THREAD) is refused like a thread's ID, by every method" {
    perl -Mthreads -e 'threads->create(sub { sleep 1000 })->detach; sleep 1000' &
    p=$!
    BG+=("$p")
    for _ in $(seq 500); do
        tid=
        for d in "/proc/$p/task"/*; do
            [ "${d##*/}" != "$p" ] && tid=${d##*/}
        done
        [ -n "$tid" ] && break
        sleep 0.01
    done
    [ -n "$tid" ] || fail "no second thread"
    with_thread_pidfd "$tid" true || skip "no PIDFD_THREAD here (Linux 6.9+)"
    for m in auto $METHODS; do
        run --separate-stderr with_thread_pidfd "$tid" "$B/pidwait" --method "$m" --timeout 1 --pidfd PIDFD
        assert_equal "$status" 4
        assert_equal "$output" ""
        [[ $stderr =~ ^pidwait:\ --pidfd\ [0-9]+:\ a\ thread\'s\ pidfd\ \(PIDFD_THREAD\),\ not\ a\ process\'s$ ]] ||
            fail "$stderr"
    done
    # Its main thread's, too: that one can end before the process does.
    run --separate-stderr with_thread_pidfd "$p" "$B/pidwait" --pidfd PIDFD
    assert_equal "$status" 4
    run --separate-stderr "$B/pidwait" --identify "$tid"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $tid: a thread ID, not a process ID (the process is its Tgid in /proc/$tid/status)"
}

@test "inside a child PID namespace, --pidfd of a live process outside it is waited for, by every method usable there" {
    gated 6
    for m in pidfd-info pidfd procfs; do
        run --separate-stderr with_pidfd "$gpid" unshare -p -f --mount-proc \
            "$B/pidwait" --method "$m" --timeout 100ms --pidfd PIDFD
        assert_equal "$status" 3 # alive: not "exited" at once
        assert_equal "$output" ""
    done
    run --separate-stderr with_pidfd "$gpid" unshare -p -f --mount-proc "$B/pidwait" --identify --pidfd PIDFD
    assert_equal "$status" 4
    [[ $stderr =~ :\ the\ process\ has\ no\ PID\ in\ this\ PID\ namespace$ ]] || fail "$stderr"
    with_pidfd "$gpid" unshare -p -f --mount-proc "$B/pidwait" -v -J --method procfs --pidfd PIDFD \
        >"$T/out" 2>"$T/err" &
    pw=$!
    BG+=("$pw")
    for _ in $(seq 1000); do
        grep -q "waiting for" "$T/err" && break
        sleep 0.01
    done
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .pid)" null
    assert_equal "$(j .method)" procfs
}

@test "a FIFO pidfile fed in two writes is read to its end, with a bound" {
    gated 5
    mkfifo "$T/fifo"
    # The writer writes the first digit, waits until the reader has taken
    # it (nothing left in the FIFO), then writes the rest and closes.
    python3 -c 'import fcntl, os, struct, sys, termios, time
fd = os.open(sys.argv[1], os.O_RDWR)
os.write(fd, sys.argv[2][:1].encode())
open(sys.argv[3], "w").write("1")
while struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"0000"))[0]:
    time.sleep(0.001)
os.write(fd, sys.argv[2][1:].encode() + b"\n")' "$T/fifo" "$gpid" "$T/fed" &
    BG+=("$!")
    wait_for_file "$T/fed"
    start_pidwait -J --timeout 20 -F "$T/fifo"
    release
    finish_pidwait
    assert_equal "$status" 0
    assert_equal "$(j .pid)" "$gpid"
    assert_equal "$(j .exit_code)" 5
    # A writer that never finishes: a bounded wait, then one line.
    exec 7<>"$T/fifo"
    printf '1' >&7
    run --separate-stderr "$B/pidwait" -F "$T/fifo"
    exec 7>&-
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: $T/fifo: a FIFO whose writer did not finish within 2000 ms (no end of file)"
}

@test "refuses any ancestor, not only the parent (exit 2, no hang)" {
    # A subshell: $$ is the grandparent of pidwait.
    run --separate-stderr timeout 10 bash -c '( "$1" $$; echo "status $?" ); echo "top $$"' bash "$B/pidwait"
    assert_line --index 0 "status 2"
    top=${lines[1]#top }
    assert_equal "$stderr" "pidwait: $top: refusing to wait for an ancestor of pidwait (it may be waiting for pidwait)"
    run --separate-stderr timeout 10 bash -c '( "$1" --method procfs 1; echo "status $?" )' bash "$B/pidwait"
    assert_line --index 0 "status 2"
}

# --- scale ---

@test "1,000 processes at once, through every method" {
    limit_pids 1100
    for m in $METHODS; do
        perl -e 'my @k; for (1 .. 1000) { my $p = fork // die; if (!$p) { sleep 1000; exit 0 } push @k, $p }
                 open(my $f, ">", "$ARGV[0].new") or die; print $f "@k\n"; close $f;
                 rename("$ARGV[0].new", $ARGV[0]) or die;
                 1 while wait() != -1' "$T/pids" &
        BG+=("$!")
        wait_for_file "$T/pids"
        read -ra pids <"$T/pids"
        start_pidwait -J --method "$m" "${pids[@]}"
        kill -TERM "${pids[@]}"
        finish_pidwait
        assert_equal "$status" 0
        assert_equal "${#lines[@]}" 1000
        jq -e . >/dev/null <<<"$output"
        assert_equal "$(jq -r '.pid' <<<"$output" | sort -n | paste -sd' ')" "$(printf '%s\n' "${pids[@]}" | sort -n | paste -sd' ')"
        assert_equal "$(jq -r "select(.method == \"$m\") | .pid" <<<"$output" | wc -l)" 1000
        if [ "$m" != pidfd ] && [ "$m" != procfs ]; then
            assert_equal "$(jq -r 'select(.signal == "TERM") | .pid' <<<"$output" | wc -l)" 1000
        fi
        rm -f "$T/pids"
    done
}

# --- output ---

@test "-P prints KEY=\"value\" pairs, -q nothing" {
    grandchild 7
    start_pidwait -P "$gpid"
    release
    finish_pidwait
    [[ $output =~ ^PID=\"$gpid\"\ INODE=\"[0-9]+\"\ EXITED=\"yes\"\ EXIT_CODE=\"7\"\ SIGNAL=\"\"\ COREDUMP=\"no\"\ STATUS_KNOWN=\"yes\"\ METHOD=\"pidfd-info\"\ TIME=\"[0-9T:.+-]+\"\ ELAPSED_MS=\"[0-9]+\"$ ]] ||
        fail "$output"
    sleep 0.01 &
    gone=$!
    wait "$gone"
    run --separate-stderr "$B/pidwait" -q --exited "$gone"
    assert_success
    assert_equal "$output" ""
    assert_equal "$stderr" ""
}

@test "a write error on stdout fails (exit 4); a closed pipe does not" {
    sleep 0.01 &
    gone=$!
    wait "$gone"
    run --separate-stderr bash -c '"$1" --exited "$2" >/dev/full' bash "$B/pidwait" "$gone"
    assert_equal "$status" 4
    assert_equal "$stderr" "pidwait: write error: No space left on device"
    run --separate-stderr closed_pipe "$B/pidwait" -J --exited "$gone"
    assert_success
    assert_equal "$stderr" ""
}
