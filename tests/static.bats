#!/usr/bin/env bats
# The static binary (make static) in an empty chroot that holds only the
# binary and a mounted /proc: what an initramfs gives it.

load helpers

# WISHBOX_STATIC: the sanitizer build cannot be static, so `make asan` points
# this at the plain build's static binary.
STATIC=${WISHBOX_STATIC:-$B/wishbox.static}

setup() {
    [ -x "$STATIC" ] || fail "no $STATIC: run 'make static'"
    ROOT="$BATS_TEST_TMPDIR/root"
    mkdir -p "$ROOT/proc" "$ROOT/bin"
    cp "$STATIC" "$ROOT/bin/wishbox"
}

in_chroot() {
    unshare -m sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' sh "$ROOT" "$@"
}

@test "the static binary has no dynamic dependencies" {
    run file -L "$STATIC"
    assert_output --partial "statically linked"
}

@test "static wishbox --list and features run in an empty chroot" {
    run in_chroot "$ROOT" /bin/wishbox --list
    assert_success
    assert_equal "$output" "$(tools)"
    run in_chroot "$ROOT" /bin/wishbox features -J
    assert_success
    echo "$output" | is_json
    assert_equal "$(echo "$output" | jq -r '.tools[].tool')" "$(tools)"
}

@test "static wishbox --install makes links that run in the chroot" {
    run in_chroot "$ROOT" /bin/wishbox --install /bin
    assert_success
    for t in $(tools); do
        run in_chroot "$ROOT" "/bin/$t" --version
        assert_success
        assert_output --partial "$t from wishbox"
    done
}
