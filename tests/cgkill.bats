#!/usr/bin/env bats
# cgkill: every method forced on real cgroup trees (nested, a fork runner, a
# bounded fork bomb, processes that trap or ignore TERM), waiting for empty,
# --rmdir, the refusals and bad input. Each test has a cgroup of its own,
# every process in it bounded by pids.max, all removed in teardown.

load helpers

setup() {
    T=$BATS_TEST_TMPDIR
    CG_BG=()
    EXTRA_CG=()
    make_test_cg 300 || skip "no cgroup2 hierarchy mounted"
}

teardown() {
    remove_test_cg "${EXTRA_CG[@]}"
}

# tree3: a sleeper in $TCG, $TCG/a and $TCG/a/b.
tree3() {
    mkdir -p "$TCG_DIR/a/b"
    cg_spawn "$TCG_DIR" sleep 1000
    cg_spawn "$TCG_DIR/a" sleep 1000
    cg_spawn "$TCG_DIR/a/b" sleep 1000
}

populated() {
    grep -q '^populated 1' "$TCG_DIR/cgroup.events"
}

unpopulated() {
    grep -q '^populated 0' "$TCG_DIR/cgroup.events"
}

# trapper DIR FILE: a process in DIR that writes "term" to FILE when TERM
# comes and exits 0; returns once its handler is in place.
trapper() {
    mkfifo "$T/ready"
    cg_spawn "$1" perl -e '$SIG{TERM} = sub { open(my $f, ">>", $ARGV[0]); print $f "term\n"; exit 0 };
        open(my $r, ">", $ARGV[1]) or die; print $r "ready\n"; close $r; sleep 1000 while 1' "$2" "$T/ready"
    read -r _ <"$T/ready"
    rm -f "$T/ready"
}

# ignorer DIR: a process in DIR that ignores TERM; returns once it does.
ignorer() {
    mkfifo "$T/ready"
    cg_spawn "$1" perl -e '$SIG{TERM} = "IGNORE"; open(my $r, ">", $ARGV[0]) or die; print $r "ready\n"; close $r;
        sleep 1000 while 1' "$T/ready"
    read -r _ <"$T/ready"
    rm -f "$T/ready"
}

# A process that forks a child and exits, in a tight loop: one process at
# a time, never the same PID.
fork_runner() {
    cg_spawn "$1" perl -e 'while (1) { my $p = fork; exit 0 if defined $p && $p > 0 }'
}

# Every process forks forever: bounded by the test cgroup's pids.max.
# Returns once it has grown to 100 processes.
fork_bomb() {
    cg_spawn "$1" perl -e 'while (1) { fork }'
    local i n=0
    for i in $(seq 500); do
        n=$(find "$TCG_DIR" -name cgroup.procs -exec cat {} + | wc -l)
        [ "$n" -lt 100 ] || return 0
        sleep 0.01
    done
    echo "the fork bomb did not grow ($n processes)" >&2
    return 1
}

# v1_freezer_cg: a cgroup of the test's own in the v1 freezer hierarchy
# ($FCG_DIR), or skip.
v1_freezer_cg() {
    local f
    f=$(cg_mount cgroup freezer)
    [ -n "$f" ] || skip "no cgroup v1 freezer hierarchy mounted (pure cgroup2: make check-vm mounts one)"
    FCG_DIR=$f/$TCG
    mkdir -p "$FCG_DIR/a"
    EXTRA_CG+=("$FCG_DIR")
}

# syscall_wait PID: returns once PID blocks in poll or ppoll (it waits).
syscall_wait() {
    local i s
    for i in $(seq 500); do
        read -r s _ <"/proc/$1/syscall" 2>/dev/null || true
        case $s in 7 | 271) return 0 ;; esac
        sleep 0.01
    done
    return 1
}

@test "cgkill: a nested tree, three levels, killed by auto (kill); JSON" {
    tree3
    run "$B/cgkill" -J -w "$TCG"
    assert_success
    echo "$output" | is_json
    [ "$(echo "$output" | jq -r '[.cgroup, .method, .signal, .processes, .cgroups, .empty, .removed] | @tsv')" = \
        "/$TCG	kill	KILL	3	3	true	0" ]
    echo "$output" | jq -e '.elapsed_ms | type == "number"'
    unpopulated
    # The cgroups stay without --rmdir.
    [ -d "$TCG_DIR/a/b" ]
}

@test "cgkill: human summary names the count, the cgroups and the method" {
    tree3
    run "$B/cgkill" -w "$TCG"
    assert_success
    assert_output --regexp "^/$TCG: killed 3 processes in 3 cgroups with cgroup.kill; empty after [0-9]+ ms$"
}

@test "cgkill: each method forced empties a nested tree (kill, freeze, loop)" {
    local m
    for m in kill freeze loop; do
        tree3
        run "$B/cgkill" -J -w --method "$m" "$TCG"
        assert_success
        [ "$(echo "$output" | jq -r '[.method, .processes, .cgroups, .empty] | @tsv')" = "$m	3	3	true" ]
        unpopulated
    done
}

@test "cgkill: -v says which method and why better ones were passed over" {
    tree3
    run "$B/cgkill" -v -s TERM -w "$TCG"
    assert_success
    assert_output --partial "method kill passed over: cgroup.kill sends only KILL (asked: TERM)"
    assert_output --partial "using method freeze"
}

@test "cgkill: a fork runner is emptied by kill and by freeze" {
    local m
    for m in kill freeze; do
        fork_runner "$TCG_DIR"
        run "$B/cgkill" -J -w -t 10 --method "$m" "$TCG"
        assert_success
        echo "$output" | jq -e ".empty == true and .method == \"$m\""
        unpopulated
    done
}

@test "cgkill: a fork bomb bounded by pids.max is emptied by kill and by freeze" {
    local m
    for m in kill freeze; do
        fork_bomb "$TCG_DIR"
        run "$B/cgkill" -J -w -t 10 --method "$m" "$TCG"
        assert_success
        echo "$output" | jq -e '.empty == true and .processes >= 100'
        unpopulated
    done
}

@test "cgkill: SIGTERM reaches a process that traps it (freeze, loop)" {
    local m
    for m in freeze loop; do
        rm -f "$T/got"
        trapper "$TCG_DIR" "$T/got"
        run "$B/cgkill" -J -s TERM -w -t 10 --method "$m" "$TCG"
        assert_success
        echo "$output" | jq -e ".signal == \"TERM\" and .processes == 1 and .empty == true and .method == \"$m\""
        [ "$(cat "$T/got")" = term ]
    done
}

@test "cgkill: --method kill with another signal than KILL exits 5 and says why" {
    tree3
    run "$B/cgkill" -s TERM --method kill "$TCG"
    assert_failure 5
    assert_output --partial "cgroup.kill sends only KILL"
    populated
}

@test "cgkill: v1-freezer kills a v1 freezer tree, and delivers TERM to a trapper" {
    v1_freezer_cg
    cg_spawn "$FCG_DIR" sleep 1000
    cg_spawn "$FCG_DIR/a" sleep 1000
    run "$B/cgkill" -J -w -t 10 --method v1-freezer "$FCG_DIR"
    assert_success
    echo "$output" | jq -e '.method == "v1-freezer" and .processes == 2 and .cgroups == 2 and .empty == true'
    [ -z "$(cat "$FCG_DIR/cgroup.procs" "$FCG_DIR/a/cgroup.procs")" ]
    [ "$(cat "$FCG_DIR/freezer.state")" = THAWED ]
    trapper "$FCG_DIR/a" "$T/got"
    run "$B/cgkill" -J -s TERM -w -t 10 --method v1-freezer "$FCG_DIR"
    assert_success
    echo "$output" | jq -e '.signal == "TERM" and .processes == 1 and .empty == true'
    [ "$(cat "$T/got")" = term ]
}

@test "cgkill: v1-freezer refuses a cgroup2 cgroup, kill and freeze a v1 one (exit 5)" {
    v1_freezer_cg
    run "$B/cgkill" --method v1-freezer "$TCG"
    assert_failure 5
    assert_output --partial "not in the v1 freezer hierarchy"
    run "$B/cgkill" --method kill "$FCG_DIR"
    assert_failure 5
    assert_output --partial "cgroup v1"
    # auto on a v1 cgroup takes the v1 freezer.
    cg_spawn "$FCG_DIR" sleep 1000
    run "$B/cgkill" -J -w -t 10 "$FCG_DIR"
    assert_success
    echo "$output" | jq -e '.method == "v1-freezer" and .empty == true'
}

@test "cgkill: --kill-after sends KILL when TERM is ignored" {
    ignorer "$TCG_DIR"
    run "$B/cgkill" -J -s TERM -k 200ms -w -t 10 "$TCG"
    assert_success
    echo "$output" | jq -e '.empty == true and .signal == "TERM"'
    unpopulated
    # Without it, the process is still there: the tree is not empty.
    ignorer "$TCG_DIR"
    run "$B/cgkill" -J -s TERM "$TCG"
    assert_success
    echo "$output" | jq -e '.empty == false and .processes == 1'
    populated
}

@test "cgkill: --wait-only returns when the last process exits on its own" {
    mkfifo "$T/go"
    cg_spawn "$TCG_DIR" sh -c 'read -r x <"$1"' sh "$T/go"
    "$B/cgkill" -J --wait-only -t 20 "$TCG" >"$T/out" 2>"$T/err" &
    local w=$!
    CG_BG+=("$w")
    syscall_wait "$w"
    populated
    echo go >"$T/go"
    wait "$w"
    jq -e '.empty == true and .method == null and .signal == null and .processes == null' "$T/out"
    [ ! -s "$T/err" ]
}

@test "cgkill: --timeout exits 3 when the tree stays populated" {
    ignorer "$TCG_DIR"
    run "$B/cgkill" --wait-only -t 200ms "$TCG"
    assert_failure 3
    assert_output --partial "timed out"
    run "$B/cgkill" -J -s TERM -t 200ms "$TCG"
    assert_failure 3
    echo "${lines[0]}" | jq -e '.empty == false'
    populated
}

@test "cgkill: --rmdir removes the tree, deepest first" {
    tree3
    run "$B/cgkill" -J --rmdir "$TCG_DIR"
    assert_success
    echo "$output" | jq -e '.removed == 3 and .empty == true'
    [ ! -d "$TCG_DIR" ]
}

@test "cgkill: -p PID names the cgroup the process is in" {
    tree3
    run "$B/cgkill" -J -w -p "$cg_pid"
    assert_success
    echo "$output" | jq -e ".cgroup == \"/$TCG/a/b\" and .processes == 1"
    # Only that cgroup: the parents' processes live on.
    populated
    run "$B/cgkill" -p 999999999
    assert_failure 2
    sleep 1000 &
    local gone=$!
    kill -9 "$gone"
    wait "$gone" || true
    run "$B/cgkill" -p "$gone"
    assert_failure 4
    assert_output "cgkill: --pid $gone: no such process"
}

@test "cgkill: refuses the root cgroup without --force" {
    run "$B/cgkill" "$(cg_mount cgroup2)"
    assert_failure 2
    assert_output --partial "refusing the root cgroup"
    run "$B/cgkill" -s TERM "$(cg_mount cgroup2)/"
    assert_failure 2
    # "/" is a path, not under a cgroup mount: not a cgroup.
    run "$B/cgkill" /
    assert_failure 4
    assert_output "cgkill: /: not a cgroup (not under a cgroup mount)"
}

@test "cgkill: refuses a cgroup holding cgkill; --force moves out first" {
    mkdir "$TCG_DIR/a"
    cg_spawn "$TCG_DIR/a" sleep 1000
    # cgkill itself in $TCG (and bounded like every test process).
    run sh -c 'echo $$ >"$1/cgroup.procs"; [ -z "$2" ] || echo $$ >"$2/cgroup.procs"; exec "$3" "$4"' \
        sh "$TCG_DIR" "$TCG_PIDS" "$B/cgkill" "$TCG"
    assert_failure 2
    assert_output --partial "holds cgkill itself"
    populated
    run sh -c 'echo $$ >"$1/cgroup.procs"; [ -z "$2" ] || echo $$ >"$2/cgroup.procs"; exec "$3" -J -w --force "$4"' \
        sh "$TCG_DIR" "$TCG_PIDS" "$B/cgkill" "$TCG"
    assert_success
    echo "$output" | jq -e '.empty == true and .processes == 1'
    unpopulated
}

@test "cgkill: a threaded cgroup: kill is refused (exit 5), auto takes freeze" {
    mkdir "$TCG_DIR/t"
    echo threaded >"$TCG_DIR/t/cgroup.type" || skip "cannot make a threaded cgroup here"
    run "$B/cgkill" --method kill "$TCG/t"
    assert_failure 5
    assert_output --partial "threaded"
    run "$B/cgkill" -J -w "$TCG/t"
    assert_success
    echo "$output" | jq -e '.method == "freeze" and .empty == true'
}

@test "cgkill: bad cgroups: missing, not a cgroup, a file, dot-dot (exit 4)" {
    run "$B/cgkill" "$TCG/nonexistent"
    assert_failure 4
    assert_output "cgkill: $TCG/nonexistent: no such cgroup"
    run "$B/cgkill" "$T"
    assert_failure 4
    assert_output --partial "not a cgroup (not under a cgroup mount)"
    run "$B/cgkill" "$TCG_DIR/cgroup.procs"
    assert_failure 4
    assert_output --partial "not a cgroup (not a directory)"
    run "$B/cgkill" "$TCG/../$TCG"
    assert_failure 4
    assert_output --partial "no '.' or '..'"
}

@test "cgkill: usage errors exit 2 and change nothing" {
    tree3
    local args
    for args in "" "-s NOPE $TCG" "-s 0 $TCG" "--method nope $TCG" "-k 1s $TCG" \
        "--wait-only -s TERM $TCG" "-J -P $TCG" "-t x $TCG" "--bogus $TCG"; do
        # shellcheck disable=SC2086
        run "$B/cgkill" $args
        assert_failure 2
    done
    populated
    [ "$(cat "$TCG_DIR"/cgroup.procs "$TCG_DIR"/a/cgroup.procs "$TCG_DIR"/a/b/cgroup.procs | wc -l)" = 3 ]
}

@test "cgkill: hostile cgroup names give valid JSON and are killed" {
    # (the kernel refuses a newline in a cgroup's name)
    local name=$'x"y\tz\\w\xff'
    mkdir "$TCG_DIR/$name"
    cg_spawn "$TCG_DIR/$name" sleep 1000
    run "$B/cgkill" -J -w "$TCG/$name"
    assert_success
    echo "$output" | is_json
    echo "$output" | jq -e '.empty == true and .processes == 1'
    unpopulated
}

@test "cgkill: a write error on stdout is exit 4, the kill is still done" {
    tree3
    run "$B/cgkill" -w "$TCG" >/dev/full
    run sh -c '"$1" -w "$2" >/dev/full' sh "$B/cgkill" "$TCG"
    unpopulated
    tree3
    run sh -c '"$1" -w "$2" >/dev/full' sh "$B/cgkill" "$TCG"
    assert_failure 4
    assert_output --partial "write error"
    unpopulated
}

@test "cgkill: several cgroups, one line each; a tree that empties meanwhile is fine" {
    mkdir "$TCG_DIR/a" "$TCG_DIR/b"
    cg_spawn "$TCG_DIR/a" sleep 1000
    run "$B/cgkill" -J -w "$TCG/a" "$TCG/b"
    assert_success
    [ "${#lines[@]}" = 2 ]
    echo "${lines[0]}" | jq -e '.processes == 1 and .empty == true'
    echo "${lines[1]}" | jq -e '.processes == 0 and .empty == true'
}

@test "cgkill: wishbox features lists every method" {
    run "$B/wishbox" features -J
    assert_success
    [ "$(echo "$output" | jq -r '.tools[] | select(.tool == "cgkill") | [.methods[].method] | join(" ")')" = "kill freeze v1-freezer loop" ]
}

@test "cgkill: loop against a bounded fork bomb stops at --timeout (exit 0 or 3, never runs on)" {
    fork_bomb "$TCG_DIR"
    run timeout 30 "$B/cgkill" -q -w -t 1 --method loop "$TCG"
    [ "$status" -eq 0 ] || [ "$status" -eq 3 ]
}
