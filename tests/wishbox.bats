#!/usr/bin/env bats
# The dispatcher: tool lookup, --list, --install, features.

load helpers

@test "wishbox --help prints usage on stdout and exits 0" {
    run --separate-stderr "$B/wishbox" --help
    assert_success
    assert_output --partial "Usage:"
    assert_output --partial "wishbox(1)"
    [ -z "$stderr" ]
}

@test "wishbox --version names the version" {
    run --separate-stderr "$B/wishbox" --version
    assert_success
    # A release number and, built from git, the commit.
    assert_output --regexp '^wishbox from wishbox [0-9]+\.[0-9]+\.[0-9]+( \(git [0-9a-f]{7,}(-dirty)?\))?$'
}

@test "an unknown tool exits 127 with one line on stderr" {
    run -127 --separate-stderr "$B/wishbox" no-such-tool
    assert_equal "$status" 127
    assert_equal "$output" ""
    assert_equal "$stderr" "wishbox: unknown tool 'no-such-tool' (see 'wishbox --list')"
}

@test "a link with an unknown name exits 127" {
    ln -s "$B/wishbox" "$BATS_TEST_TMPDIR/frobnicate"
    run -127 --separate-stderr "$BATS_TEST_TMPDIR/frobnicate"
    assert_equal "$status" 127
    assert_equal "$stderr" "wishbox: unknown tool 'frobnicate' (see 'wishbox --list')"
}

@test "an unknown option exits 2 with the Try line, naming wishbox, not its path" {
    run --separate-stderr "$B/wishbox" --bogus
    assert_equal "$status" 2
    assert_equal "$output" ""
    assert_equal "$stderr" "wishbox: unrecognized option '--bogus'
Try 'wishbox --help'."
    run --separate-stderr "$B/wishbox" features --bogus
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "wishbox: unrecognized option '--bogus'"
}

@test "wishbox with no tool is a usage error" {
    run --separate-stderr "$B/wishbox"
    assert_equal "$status" 2
    assert_equal "$output" ""
}

@test "--list prints exactly the registry of cmd/tools.h" {
    run "$B/wishbox" --list
    assert_success
    expected=$(sed -n 's/^TOOL([a-z0-9_]*, *"\([a-z0-9-]*\)".*/\1/p' "$TOP/cmd/tools.h")
    assert_equal "$output" "$expected"
}

@test "--install creates a working symlink per tool" {
    run "$B/wishbox" --install "$BATS_TEST_TMPDIR"
    assert_success
    for t in $(tools); do
        [ -L "$BATS_TEST_TMPDIR/$t" ]
        run "$BATS_TEST_TMPDIR/$t" --version
        assert_success
        assert_output --partial "$t from wishbox"
    done
    # One link per tool and nothing else.
    assert_equal "$(find "$BATS_TEST_TMPDIR" -type l | wc -l)" "$(tools | wc -l)"
}

@test "--install --hardlinks creates hard links, in either order" {
    cp "$B/wishbox" "$BATS_TEST_TMPDIR/wishbox"
    for order in after before; do
        rm -rf "${BATS_TEST_TMPDIR:?}/bin"
        mkdir "$BATS_TEST_TMPDIR/bin"
        if [ $order = after ]; then
            run "$BATS_TEST_TMPDIR/wishbox" --install "$BATS_TEST_TMPDIR/bin" --hardlinks
        else
            run "$BATS_TEST_TMPDIR/wishbox" --install --hardlinks "$BATS_TEST_TMPDIR/bin"
        fi
        assert_success
        for t in $(tools); do
            [ ! -L "$BATS_TEST_TMPDIR/bin/$t" ]
            [ "$BATS_TEST_TMPDIR/bin/$t" -ef "$BATS_TEST_TMPDIR/wishbox" ]
        done
    done
}

@test "--install into a missing directory fails with exit 4" {
    if [ -z "$(tools)" ]; then
        # Nothing to install: the command has nothing to fail on.
        run "$B/wishbox" --install "$BATS_TEST_TMPDIR/missing"
        assert_success
        return
    fi
    run --separate-stderr "$B/wishbox" --install "$BATS_TEST_TMPDIR/missing"
    assert_equal "$status" 4
    assert_output ""
    assert_equal "$(echo "$stderr" | wc -l)" 1
}

@test "--hardlinks without --install is a usage error" {
    run --separate-stderr "$B/wishbox" --hardlinks
    assert_equal "$status" 2
}

@test "features -J is valid JSON naming every registered tool and every method" {
    run --separate-stderr "$B/wishbox" features -J
    assert_success
    echo "$output" | is_json
    assert_equal "$(echo "$output" | jq -r '.kernel')" "$(uname -r)"
    assert_equal "$(echo "$output" | jq -r '.tools[].tool')" "$(tools)"
    # Every method says whether it is available, and why.
    assert_equal "$(echo "$output" | jq '[.tools[].methods[] | select((.available|type) != "boolean" or (.reason|length) == 0)] | length')" 0
    # auto is the first available method, or null when none is.
    assert_equal "$(echo "$output" | jq '[.tools[] | select(.auto != ([.methods[] | select(.available)][0].method))] | length')" 0
    # The glossary's key for a method's name is "method".
    assert_equal "$(echo "$output" | jq '[.tools[].methods[] | select(.method | type != "string")] | length')" 0
}

@test "features in human form has a header and a row per method" {
    run "$B/wishbox" features
    assert_success
    assert_line --index 0 "kernel $(uname -r)"
    assert_line --index 1 --regexp '^TOOL +METHOD +AVAILABLE +REASON$'
    # A row per method, starting with the tool and the method; reasons wrap
    # under their column; every line fits an 80-column terminal.
    while read -r t m; do
        assert_line --regexp "^$t +$m +(yes, auto|yes|no) "
    done < <("$B/wishbox" features -J | jq -r '.tools[] | .tool as $t | .methods[] | "\($t) \(.method)"')
    for l in "${lines[@]}"; do
        [ "${#l}" -le 79 ] || fail "wider than 79: $l"
    done
    # It says what "auto" means.
    assert_output --partial "auto: the method a tool takes when no --method is given"
}

@test "features rejects stray arguments" {
    run --separate-stderr "$B/wishbox" features extra
    assert_equal "$status" 2
}

@test "a write error on stdout is reported and fails" {
    run --separate-stderr bash -c "'$B/wishbox' features -J >/dev/full"
    assert_equal "$status" 4
    assert_equal "$stderr" "wishbox: write error: No space left on device"
}

@test "a closed pipe is not an error" {
    # stdout is a pipe whose reader is already gone: every write gets EPIPE.
    run --separate-stderr closed_pipe "$B/wishbox" features -J
    assert_success
    assert_equal "$stderr" ""
}
