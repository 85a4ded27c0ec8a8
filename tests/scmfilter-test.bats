#!/usr/bin/env bats
# scmfilter-test: every check on its kernel path and on its fallback, TAP and
# JSON output, check selection, the command line, broken outputs.

load helpers

CHECKS="passrights-refuse filter-memfd slow-close ctrunc pidfd peerpidfd creds cgroup flood"
# The checks with a kernel path and a fallback.
BOTH="passrights-refuse pidfd peerpidfd cgroup"

setup() {
    T=$BATS_TEST_TMPDIR
    CG=
}

teardown() {
    local p
    if [ -n "$CG" ] && [ -d "$CG" ]; then
        for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do
            kill -9 "$p" 2>/dev/null || true
        done
        rmdir "$CG" 2>/dev/null || true
    fi
    unlimit_pids
}

# The cgroup2 mount, or nothing.
cgroup2_root() {
    local d
    for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
            echo "$d"
            return
        fi
    done
}

@test "every check passes, TAP plan matches the checks run, children bounded" {
    limit_pids 32
    run "$B/scmfilter-test"
    assert_success
    assert_line --index 0 "1..9"
    [ "$(grep -c '^ok ' <<<"$output")" -eq 9 ]
    refute_line --partial "not ok"
    local i=1 c
    for c in $CHECKS; do
        assert_line --regexp "^ok $i - $c # (kernel|fallback)\$"
        i=$((i + 1))
    done
    # Nothing is left behind: only this shell in the cgroup (mapfile: no fork).
    local procs
    mapfile -t procs <"$PIDS_CG/cgroup.procs"
    [ "${#procs[@]}" -eq 1 ]
}

@test "-J: a valid array, one object per check, glossary keys, kernel paths on this kernel" {
    run --separate-stderr "$B/scmfilter-test" -J
    assert_success
    is_json <<<"$output"
    [ "$(jq length <<<"$output")" -eq 9 ]
    [ "$(jq -r 'map(.check) | join(" ")' <<<"$output")" = "$CHECKS" ]
    jq -e 'all(.[]; .result == "pass" and (.elapsed_us | type == "number")
        and (.kernel_feature | length > 0) and (.detail | length > 0)
        and (keys == ["check","detail","elapsed_us","kernel_feature","method","result"]))' <<<"$output"
    local c
    for c in $BOTH ctrunc creds; do
        [ "$(jq -r --arg c "$c" '.[] | select(.check == $c) | .method' <<<"$output")" = kernel ]
    done
    for c in filter-memfd slow-close flood; do
        [ "$(jq -r --arg c "$c" '.[] | select(.check == $c) | .method' <<<"$output")" = fallback ]
    done
    # What each check proved, in its detail.
    jq -e '.[] | select(.check == "passrights-refuse") | .detail | test("EPERM.*ns per message")' <<<"$output"
    jq -e '.[] | select(.check == "ctrunc") | .detail | test("3 fds lost")' <<<"$output"
    jq -e '.[] | select(.check == "pidfd") | .detail | test("exit status 7")' <<<"$output"
    jq -e '.[] | select(.check == "flood") | .detail | test("^100000 fds filtered at [0-9]+ fds/s")' <<<"$output"
}

@test "--method fallback: every check passes, the four with two paths on their fallback" {
    run --separate-stderr "$B/scmfilter-test" -J --method fallback
    assert_success
    local c
    for c in $BOTH; do
        [ "$(jq -r --arg c "$c" '.[] | select(.check == $c) | .method + " " + .result' <<<"$output")" = "fallback pass" ]
    done
    jq -e '.[] | select(.check == "passrights-refuse") | .detail | test("no fd")' <<<"$output"
    jq -e '.[] | select(.check == "cgroup") | .detail | test("once it exited: No such file")' <<<"$output"
    jq -e '.[] | select(.check == "pidfd") | .detail | test("cannot name it")' <<<"$output"
    jq -e 'all(.[]; .result == "pass")' <<<"$output"
}

@test "--method kernel: the checks with two paths pass on the kernel path; -v says so" {
    run --separate-stderr "$B/scmfilter-test" -J -v --method kernel $BOTH ctrunc
    assert_success
    [ "$(jq -r 'map(.method + ":" + .result) | join(" ")' <<<"$output")" = "kernel:pass kernel:pass kernel:pass kernel:pass kernel:pass" ]
    [[ $stderr == *"using method kernel"* ]]
}

@test "--method auto is kernel here; an unknown method is a usage error" {
    run --separate-stderr "$B/scmfilter-test" -v --method auto ctrunc
    assert_success
    [[ $stderr == *"using method kernel"* ]]
    run --separate-stderr "$B/scmfilter-test" --method bogus
    assert_failure 2
    assert_output ""
    [[ $stderr == *"unknown method 'bogus'"* ]]
}

@test "checks run as named, in that order; the plan counts them" {
    run "$B/scmfilter-test" creds ctrunc
    assert_success
    assert_line --index 0 "1..2"
    assert_line --index 1 "ok 1 - creds # kernel"
    assert_line --index 3 "ok 2 - ctrunc # kernel"
    [ "${#lines[@]}" -eq 5 ]
}

@test "an unknown check: exit 2, one line, nothing run" {
    run --separate-stderr "$B/scmfilter-test" ctrunc nosuch
    assert_failure 2
    assert_output ""
    [[ $stderr == *"unknown check 'nosuch'"* ]]
    run --separate-stderr "$B/scmfilter-test" $'new\nline'
    assert_failure 2
    assert_output ""
}

@test "--list: one line per check, in run order" {
    run "$B/scmfilter-test" --list
    assert_success
    [ "${#lines[@]}" -eq 9 ]
    [ "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" = "$CHECKS " ]
    assert_line --partial "SO_PASSRIGHTS (6.16)"
}

@test "--close inline and async both filter; --flood-fds bounds the flood" {
    run "$B/scmfilter-test" --close inline --flood-fds 3000 filter-memfd flood
    assert_success
    assert_line --partial "closed 240 others (pipe, regular file, socket, /dev/null, tmpfs file) inline"
    assert_line --regexp "^# 3000 fds filtered at [0-9]+ fds/s \(inline close\), [0-9]+ memfds kept"
    run "$B/scmfilter-test" --flood-fds 3000 flood
    assert_success
    assert_line --regexp "^# 3000 fds filtered at [0-9]+ fds/s \(async close\), [0-9]+ memfds kept"
}

@test "bad option values are usage errors" {
    local a
    for a in "--close later" "--flood-fds 0" "--flood-fds x" "--flood-fds 10000001" "--bogus"; do
        # shellcheck disable=SC2086
        run --separate-stderr "$B/scmfilter-test" $a
        assert_failure 2
        assert_output ""
    done
}

@test "the cgroup of a sender in a child cgroup2 group: by handle, and by a walk without CAP_DAC_READ_SEARCH" {
    local root
    root=$(cgroup2_root)
    [ -n "$root" ] || skip "no cgroup2 mount"
    CG="$root/wishbox-scmfilter-$$-$BATS_TEST_NUMBER"
    mkdir "$CG"
    run bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" -J cgroup' sh "$CG" "$B/scmfilter-test"
    assert_success
    jq -e --arg p "/${CG##*/}" '.[0] | .result == "pass" and .method == "kernel" and
        (.detail | contains("-> " + $p + " (through open_by_handle_at)"))' <<<"$output"
    command -v setpriv >/dev/null || skip "no setpriv"
    run bash -c 'echo $$ >"$1/cgroup.procs" && exec setpriv --bounding-set=-dac_read_search "$2" -J cgroup' sh "$CG" "$B/scmfilter-test"
    assert_success
    jq -e --arg p "/${CG##*/}" '.[0] | .result == "pass" and
        (.detail | contains("-> " + $p + " (through a walk of the cgroup2 mount)"))' <<<"$output"
}

@test "inherited fds do not disturb the fd accounting" {
    run "$B/scmfilter-test" ctrunc filter-memfd passrights-refuse 5</dev/null 7>"$T/x" 9<&0
    assert_success
    refute_line --partial "not ok"
}

@test "stdout to /dev/full: exit 4; a closed pipe is quiet; closed std fds are fine" {
    run bash -c '"$1" ctrunc >/dev/full' sh "$B/scmfilter-test"
    assert_failure 4
    assert_output --partial "write error"
    run closed_pipe "$B/scmfilter-test" ctrunc
    assert_success
    run bash -c '"$1" -J ctrunc <&- 2>&- | jq -r ".[0].result"' sh "$B/scmfilter-test"
    assert_success
    assert_output pass
}
