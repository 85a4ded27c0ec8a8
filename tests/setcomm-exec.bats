#!/usr/bin/env bats
# setcomm-exec: the running program's own /proc/PID/comm and /proc/PID/exe,
# through every method, the swap race, leftovers, bad input and exit codes.

load helpers

setup() {
    T=$BATS_TEST_TMPDIR
    # A private TMPDIR, so that leftovers are ours to count.
    export TMPDIR=$T/tmp
    mkdir -m 0700 "$TMPDIR"
    # dash under a name of our own: "prog".
    cp "$(readlink -f /bin/sh)" "$T/prog"
    # What the running program reports about itself: comm, exe inode,
    # argv[0] (one per line).
    SELF='cat /proc/$$/comm; stat -L -c %i /proc/$$/exe; tr "\0" "\n" </proc/$$/cmdline | head -n 1'
}

teardown() {
    exec 7<&- 8<&-
}

# The directory the link method uses empties itself after each exec (a
# detached process removes it): wait for that, with a bound, then fail if
# anything is left.
no_leftovers() {
    local i
    for i in $(seq 500); do
        [ -z "$(ls -A "$TMPDIR")" ] && return 0
        sleep 0.02
    done
    ls -la "$TMPDIR" >&2
    return 1
}

inode() {
    stat -L -c %i "$1"
}

# Is the process named after the file by an fd exec here (6.14+)? The
# tool's own probe, through `wishbox features`, is the oracle.
kernel_names_by_file() {
    "$B/wishbox" features -J |
        jq -e '.tools[] | select(.tool == "setcomm-exec") | .methods[] |
            select(.method == "execveat") | .available' >/dev/null
}

@test "each method: the running program's comm is NAME and its exe is the file opened" {
    # execveat only when NAME is the file's own name.
    run "$B/setcomm-exec" --method execveat -c prog "$T/prog" -c "$SELF"
    if kernel_names_by_file; then
        assert_success
        assert_output "$(printf 'prog\n%s\n%s' "$(inode "$T/prog")" "$T/prog")"
    else
        assert_failure 5
        assert_output --partial "fd number"
    fi
    run "$B/setcomm-exec" --method link -c napper "$T/prog" -c "$SELF"
    assert_success
    assert_output "$(printf 'napper\n%s\n%s' "$(inode "$T/prog")" "$T/prog")"
    run "$B/setcomm-exec" -c napper "$T/prog" -c "$SELF"
    assert_success
    assert_line -n 0 napper
    # fexecve: the kernel's own choice, the file's name or the fd number.
    run "$B/setcomm-exec" --method fexecve -c napper "$T/prog" -c "$SELF"
    assert_success
    if kernel_names_by_file; then
        assert_line -n 0 prog
    else
        assert_line -n 0 --regexp '^[0-9]+$'
    fi
    assert_line -n 1 "$(inode "$T/prog")"
    no_leftovers
}

@test "-J --dry-run: method, comm, dev, inode, path and argv; nothing runs" {
    run "$B/setcomm-exec" -n -J --method link -c napper "$T/prog" -c 'touch "$1"' sh "$T/ran"
    assert_success
    echo "$output" | is_json
    [ "$(echo "$output" | jq -r .method)" = link ]
    [ "$(echo "$output" | jq -r .comm)" = napper ]
    [ "$(echo "$output" | jq -r .inode)" = "$(inode "$T/prog")" ]
    [ "$(echo "$output" | jq -r .dev)" = "$(stat -L -c '%Hd:%Ld' "$T/prog")" ]
    [ "$(echo "$output" | jq -r .path)" = "$T/prog" ]
    [ "$(echo "$output" | jq -c .argv)" = "$(jq -cn --arg p "$T/prog" --arg t "$T/ran" \
        '[$p, "-c", "touch \"$1\"", "sh", $t]')" ]
    [ ! -e "$T/ran" ]
    # PATH search: the path found, and auto's choice for the file's own name.
    PATH=$T:$PATH run "$B/setcomm-exec" -n -J prog
    assert_success
    [ "$(echo "$output" | jq -r .path)" = "$T/prog" ]
    if kernel_names_by_file; then
        [ "$(echo "$output" | jq -r .method)" = execveat ]
    else
        [ "$(echo "$output" | jq -r .method)" = link ]
    fi
    # Human form.
    run "$B/setcomm-exec" -n -c napper "$T/prog" -c 'x y'
    assert_success
    assert_line "comm:   napper"
    assert_line "argv:   $T/prog -c 'x y'"
    no_leftovers
}

@test "--fd from a shell redirect: the file replaced at its path after the open still runs" {
    cp "$(readlink -f /bin/true)" "$T/other"
    local ino
    ino=$(inode "$T/prog")
    exec 7<"$T/prog"
    # Replace the file at the path: what runs must be the one open at fd 3.
    mv -f "$T/other" "$T/prog"
    for m in link fexecve auto; do
        run "$B/setcomm-exec" --method "$m" --fd 7 -c napper whatever -c "$SELF"
        assert_success
        assert_line -n 1 "$ino"
        assert_line -n 2 whatever
        [ "$m" = fexecve ] || assert_line -n 0 napper
    done
    exec 7<&-
    no_leftovers
}

@test "--fd: a closed fd is exit 4, a directory 126; ARG0 is required" {
    run "$B/setcomm-exec" --fd 9 x
    assert_failure 4
    assert_output --partial "--fd 9"
    exec 8<"$T"
    run "$B/setcomm-exec" --fd 8 x
    assert_failure 126
    exec 8<&-
    run "$B/setcomm-exec" --fd 7
    assert_failure 2
    assert_output --partial "no ARG0"
}

@test "-a sets argv[0]; by default it is PROGRAM as given" {
    run "$B/setcomm-exec" -a my-argv0 -c napper "$T/prog" -c "$SELF"
    assert_success
    assert_line -n 2 my-argv0
    PATH=$T:$PATH run "$B/setcomm-exec" -c napper prog -c "$SELF"
    assert_success
    assert_line -n 2 prog
}

@test "default NAME: PROGRAM's file name, not the target of a symlink" {
    ln -s prog "$T/alias"
    run "$B/setcomm-exec" "$T/alias" -c "$SELF"
    assert_success
    assert_line -n 0 alias
    run "$B/setcomm-exec" -v -n "$T/alias"
    assert_output --partial "not the file's own name 'prog'"
    assert_line "method: link"
    no_leftovers
}

@test "NAME longer than 15 bytes: cut as the kernel cuts it, a warning under -v; 255 bytes work" {
    run "$B/setcomm-exec" -c a-very-long-command-name "$T/prog" -c "$SELF"
    assert_success
    assert_line -n 0 a-very-long-com
    run "$B/setcomm-exec" -v -c a-very-long-command-name "$T/prog" -c true
    assert_success
    assert_output --partial "warning: the name 'a-very-long-command-name' is longer than 15 bytes"
    long=$(printf 'n%.0s' $(seq 255))
    run "$B/setcomm-exec" -c "$long" "$T/prog" -c "$SELF"
    assert_success
    assert_line -n 0 nnnnnnnnnnnnnnn
    long=$(printf 'm%.0s' $(seq 5000))
    run "$B/setcomm-exec" -c "$long" "$T/prog" -c "$SELF"
    assert_success
    assert_line -n 0 mmmmmmmmmmmmmmm
    no_leftovers
}

@test "hostile names: newline, tab, backslash, invalid UTF-8 reach comm byte for byte" {
    for name in $'a\nb' $'t\tab' 'back\slash' $'\xff\xfe' ' sp ' '-dash' '..x'; do
        run "$B/setcomm-exec" -c "$name" "$T/prog" -c 'cat /proc/$$/comm | od -An -c'
        assert_success
        [ "$output" = "$(printf '%s\n' "$name" | od -An -c)" ]
        run "$B/setcomm-exec" -n -J -c "$name" "$T/prog"
        assert_success
        echo "$output" | is_json
    done
    no_leftovers
}

@test "bad names are usage errors: empty, with '/', '.' and '..'" {
    for name in '' a/b / . ..; do
        run "$B/setcomm-exec" -c "$name" "$T/prog" -c 'touch "$0"' "$T/ran"
        assert_failure 2
        [ "${#lines[@]}" -eq 2 ]
        assert_line -n 1 --partial "Try 'setcomm-exec --help'"
    done
    [ ! -e "$T/ran" ]
}

@test "not found 127, not executable 126, a directory 126, not a program 126" {
    run -127 "$B/setcomm-exec" no-such-command-here
    assert_failure 127
    assert_output "setcomm-exec: no-such-command-here: command not found"
    run -127 "$B/setcomm-exec" "$T/missing"
    assert_failure 127
    printf 'x\n' >"$T/noexec"
    chmod 644 "$T/noexec"
    run "$B/setcomm-exec" "$T/noexec"
    assert_failure 126
    assert_output --partial "Permission denied"
    run "$B/setcomm-exec" "$T"
    assert_failure 126
    assert_output --partial "Is a directory"
    printf '\001\002garbage\n' >"$T/garbage"
    chmod 755 "$T/garbage"
    for m in link fexecve; do
        run "$B/setcomm-exec" --method "$m" -c x "$T/garbage"
        assert_failure 126
        assert_output --partial "Exec format error"
    done
    # A path longer than PATH_MAX.
    run "$B/setcomm-exec" "$(printf 'a/%.0s' $(seq 2100))x"
    assert_failure 126
    assert_output --partial "File name too long"
    # PATH search as execvp: a directory and a file without x are passed
    # over; only those: 126.
    mkdir -p "$T/p1/prog" "$T/p2"
    cp "$T/noexec" "$T/p2/prog"
    PATH=$T/p1:$T/p2 run "$B/setcomm-exec" prog
    assert_failure 126
    PATH=$T/p1:$T/p2:$T run "$B/setcomm-exec" prog -c 'echo found'
    assert_success
    assert_output found
    no_leftovers
}

@test "usage: no program, unknown method, --json without --dry-run, bad --fd" {
    run "$B/setcomm-exec"
    assert_failure 2
    run "$B/setcomm-exec" --method nope true
    assert_failure 2
    assert_output --partial "unknown method 'nope'"
    run "$B/setcomm-exec" -J true
    assert_failure 2
    run "$B/setcomm-exec" --fd -1 true
    assert_failure 2
    run "$B/setcomm-exec" --fd x true
    assert_failure 2
}

@test "options after PROGRAM belong to it; the exit code is the program's" {
    run "$B/setcomm-exec" "$T/prog" -c 'exit 7' -v
    assert_failure 7
    run "$B/setcomm-exec" -- "$T/prog" -c 'printf "%s\n" "$0"' -n
    assert_success
    assert_output -- -n
}

@test "forced execveat with another NAME: exit 5 and the reason" {
    run "$B/setcomm-exec" --method execveat -c other "$T/prog" -c 'touch "$0"' "$T/ran"
    assert_failure 5
    assert_output --partial "NAME 'other' is not the file's own name 'prog'"
    [ ! -e "$T/ran" ]
}

@test "scripts run through every method; link names them NAME" {
    printf '#!/bin/sh\n%s\necho "args:$*"\n' "$SELF" >"$T/script"
    chmod 755 "$T/script"
    run "$B/setcomm-exec" -c napper "$T/script" one two
    assert_success
    assert_line -n 0 napper
    assert_line -n 3 "args:one two"
    run "$B/setcomm-exec" --method fexecve -c napper "$T/script" one
    assert_success
    assert_line -n 3 "args:one"
    # The kernel names it after its interpreter (6.14+) or the fd number.
    refute_line -n 0 napper
    run "$B/setcomm-exec" --method execveat -c script "$T/script"
    assert_failure 5
    assert_output --partial "is a script"
    # From an fd as well.
    exec 7<"$T/script"
    run "$B/setcomm-exec" --fd 7 -c napper s one
    assert_success
    assert_line -n 0 napper
    assert_line -n 3 "args:one"
    exec 7<&-
    run "$B/setcomm-exec" -v -c napper "$T/script"
    assert_output --partial "is a script"
    no_leftovers
}

@test "a script's directory lives while it runs and goes when it ends" {
    mkfifo "$T/go" "$T/ready"
    printf '#!/bin/sh\necho >"$1"\nread -r x <"$2"\n' >"$T/wait"
    chmod 755 "$T/wait"
    "$B/setcomm-exec" -c waiter "$T/wait" "$T/ready" "$T/go" &
    local p=$!
    read -r x <"$T/ready"
    [ "$(cat /proc/$p/comm)" = waiter ]
    [ -n "$(ls -A "$TMPDIR")" ]
    echo go >"$T/go"
    wait "$p"
    no_leftovers
}

@test "no leftovers after 200 runs, nor after 200 failed execs" {
    local i
    for i in $(seq 200); do
        "$B/setcomm-exec" --method link -c "n$i" /bin/true || return 1
    done
    no_leftovers
    printf '\001\002garbage\n' >"$T/garbage"
    chmod 755 "$T/garbage"
    for i in $(seq 200); do
        run -126 "$B/setcomm-exec" --method link -c "n$i" "$T/garbage"
    done
    no_leftovers
    # A program that dies at once: nothing left either.
    "$B/setcomm-exec" --method link -c n "$T/prog" -c 'kill -9 $$' || true
    no_leftovers
}

@test "TMPDIR is respected; the private directory is 0700; an unusable TMPDIR falls back" {
    mkfifo "$T/go" "$T/ready"
    printf '#!/bin/sh\necho >"$1"\nread -r x <"$2"\n' >"$T/wait"
    chmod 755 "$T/wait"
    "$B/setcomm-exec" -c waiter "$T/wait" "$T/ready" "$T/go" &
    local p=$!
    read -r x <"$T/ready"
    local d
    d=$(ls -A "$TMPDIR")
    [ "$(stat -c %a "$TMPDIR/$d")" = 700 ]
    [[ $(readlink "$TMPDIR/$d/waiter") =~ ^/proc/self/fd/[0-9]+$ ]]
    echo go >"$T/go"
    wait "$p"
    TMPDIR=$T/none run "$B/setcomm-exec" -v -c napper "$T/prog" -c 'cat /proc/$$/comm'
    assert_success
    assert_output --partial "method link passed over: cannot make a directory in $T/none"
    no_leftovers
}

@test "the program gets SIGPIPE at its default and the caller's signal mask" {
    # grep reads its own status: the same as when the test shell runs it.
    local want
    want=$(grep -E '^Sig(Ign|Blk)' /proc/self/status)
    for m in link fexecve; do
        run "$B/setcomm-exec" --method "$m" -c napper grep -E '^Sig(Ign|Blk)' /proc/self/status
        assert_success
        assert_output "$want"
    done
}

@test "--dry-run to a full disk is exit 4; closed stdin and stdout are fine" {
    run bash -c '"$1" -n -c x "$2" >/dev/full' _ "$B/setcomm-exec" "$T/prog"
    assert_failure 4
    assert_output --partial "write error"
    run bash -c '"$1" -c x "$2" -c "cat /proc/\$\$/comm >&2" <&- >&-' _ "$B/setcomm-exec" "$T/prog"
    assert_success
    assert_output x
}

@test "wishbox features: a reason for each method" {
    run "$B/wishbox" features -J
    assert_success
    [ "$(echo "$output" | jq -r '.tools[] | select(.tool == "setcomm-exec") | .methods | map(.method) | join(" ")')" = "execveat link fexecve" ]
    [ "$(echo "$output" | jq '[.tools[] | select(.tool == "setcomm-exec") | .methods[] | select(.reason == "")] | length')" = 0 ]
}
