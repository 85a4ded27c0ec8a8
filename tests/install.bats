#!/usr/bin/env bats
# Installing: wishbox --install (safe, atomic, no /proc needed, never
# shadowing another package's command) and make install / make uninstall.
# Everything goes into the test's own directories (DESTDIR, a chroot).

load helpers

STATIC=${WISHBOX_STATIC:-$B/wishbox.static}

setup() {
    D=$BATS_TEST_TMPDIR
    cp "$B/wishbox" "$D/wishbox"
    mkdir -p "$D/bin" "$D/other"
}

@test "--install keeps a file it did not make, says so, and --force replaces it" {
    t=$(tools | head -n1)
    echo mine >"$D/bin/$t"
    run --separate-stderr "$D/wishbox" --install "$D/bin"
    assert_success
    assert_equal "$(cat "$D/bin/$t")" mine
    assert_equal "$stderr" "wishbox: warning: skipped $D/bin/$t: a file of that name is there (--force replaces it)"
    # The other tools were installed.
    for u in $(tools | tail -n +2); do [ -L "$D/bin/$u" ] || fail "no $u"; done
    run --separate-stderr "$D/wishbox" --install --force "$D/bin"
    assert_success
    assert_equal "$stderr" ""
    [ "$D/bin/$t" -ef "$D/wishbox" ]
}

@test "--install replaces its own links quietly and is idempotent" {
    run "$D/wishbox" --install "$D/bin"
    assert_success
    before=$(ls -li "$D/bin")
    run --separate-stderr "$D/wishbox" --install "$D/bin"
    assert_success
    assert_equal "$stderr" ""
    # Nothing was touched (same inodes), and no temporary name is left.
    assert_equal "$(ls -li "$D/bin")" "$before"
    # Symlinks become hard links on request: they are ours to replace.
    run --separate-stderr "$D/wishbox" --install --hardlinks "$D/bin"
    assert_success
    for t in $(tools); do [ ! -L "$D/bin/$t" ] && [ "$D/bin/$t" -ef "$D/wishbox" ]; done
    assert_equal "$(find "$D/bin" -name '.*' | wc -l)" 0
}

@test "--install links beside the binary by name, elsewhere by absolute path" {
    run "$D/wishbox" --install "$D"
    assert_success
    t=$(tools | head -n1)
    assert_equal "$(readlink "$D/$t")" wishbox
    run "$D/wishbox" --install "$D/bin"
    assert_equal "$(readlink "$D/bin/$t")" "$D/wishbox"
}

# Kernel rule: link(2) across filesystems fails with EXDEV. The failed link
# must leave the old file in place (made beside, then renamed over).
@test "a failing hard link leaves the existing link in place" {
    run unshare -m sh -c '
        mount -t tmpfs tmpfs "$1/bin" || exit 99
        "$1/wishbox" --install "$1/bin" || exit 98
        before=$(ls -l "$1/bin" | sort)
        "$1/wishbox" --install --hardlinks "$1/bin"; rc=$?
        [ "$(ls -l "$1/bin" | sort)" = "$before" ] || exit 97
        exit $rc' sh "$D"
    assert_equal "$status" 4
    assert_output --partial "Invalid cross-device link"
}

@test "--install does not shadow a command later on PATH unless --force" {
    t=$(free_tool) || skip "every tool's name is a command of an installed package"
    printf '#!/bin/sh\necho other\n' >"$D/other/$t"
    chmod +x "$D/other/$t"
    run --separate-stderr env PATH="$D/bin:$D/other:$PATH" "$D/wishbox" --install "$D/bin"
    assert_success
    [ ! -e "$D/bin/$t" ]
    [[ $stderr == *"wishbox: warning: skipped $D/bin/$t: it would shadow $D/other/$t; 'wishbox $t' runs ours (--force installs it)"* ]] ||
        fail "$stderr"
    run env PATH="$D/bin:$D/other:$PATH" "$t"
    assert_output other
    # wishbox TOOL always works.
    run "$D/wishbox" "$t" --version
    assert_output --partial "$t from wishbox"
    run env PATH="$D/bin:$D/other:$PATH" "$D/wishbox" --install --force "$D/bin"
    assert_success
    [ "$D/bin/$t" -ef "$D/wishbox" ]
}

@test "--install usage: a directory and nothing else" {
    run --separate-stderr "$D/wishbox" --install
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "wishbox: --install needs a directory"
    run --separate-stderr "$D/wishbox" --install "$D/bin" extra
    assert_equal "$status" 2
    run --separate-stderr "$D/wishbox" --force
    assert_equal "$status" 2
    assert_equal "$(ls "$D/bin" | wc -l)" 0
}

# What an initramfs gives: the static binary and nothing else, no /proc.
@test "static --install works in an empty chroot without /proc, by path and through PATH" {
    [ -x "$STATIC" ] || fail "no $STATIC: run 'make static'"
    CHROOT=$(PATH=$PATH:/usr/sbin:/sbin command -v chroot)
    mkdir -p "$D/root/bin" "$D/root/proc"
    cp "$STATIC" "$D/root/bin/wishbox"
    run env -i PATH=/bin "$CHROOT" "$D/root" /bin/wishbox --install /bin
    assert_success
    [ ! -e "$D/root/proc/self" ] || fail "/proc is mounted in the chroot"
    for t in $(tools); do
        assert_equal "$(readlink "$D/root/bin/$t")" wishbox
        run env -i PATH=/bin "$CHROOT" "$D/root" "/bin/$t" --version
        assert_output --partial "$t from wishbox"
    done
    rm -f "$D/root/bin"/[!w]*
    run env -i PATH=/bin "$CHROOT" "$D/root" wishbox --install --hardlinks /bin
    assert_success
    for t in $(tools); do [ "$D/root/bin/$t" -ef "$D/root/bin/wishbox" ]; done
}

install_to() {
    make -s -C "$TOP" BUILD="$B" STATIC="$STATIC" DESTDIR="$D/dest" "$@"
}

@test "make install: binary, links, man pages, completions, initramfs hook; uninstall removes them" {
    run install_to install PREFIX=/usr SHADOW=1
    assert_success
    d=$D/dest
    [ -x "$d/usr/bin/wishbox" ]
    [ -x "$d/usr/lib/wishbox/wishbox.static" ]
    [ -x "$d/usr/share/initramfs-tools/hooks/wishbox" ]
    grep -q '^src=/usr/lib/wishbox/wishbox.static$' "$d/usr/share/initramfs-tools/hooks/wishbox"
    [ -f "$d/usr/share/man/man1/wishbox.1" ]
    for t in $(tools); do
        link=$d/usr/bin/$t
        [ "$(readlink "$link")" = wishbox ] || [ "$(readlink "$d/usr/sbin/$t")" = /usr/bin/wishbox ] ||
            fail "no link for $t"
        [ -f "$d/usr/share/man/man1/$t.1" ] || fail "no man page for $t"
        [ -f "$d/usr/share/man/man1/wishbox-$t.1" ] || fail "no wishbox-$t man page"
        [ -f "$d/usr/share/bash-completion/completions/$t" ] || fail "no bash completion for $t"
        [ -f "$d/usr/share/zsh/vendor-completions/_wishbox_$t" ] || fail "no zsh completion for $t"
        [ -f "$d/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "no fish completion for $t"
    done
    run "$d/usr/bin/wishbox" --list
    assert_output "$(tools)"
    run install_to uninstall PREFIX=/usr
    assert_success
    assert_equal "$(find "$d" ! -type d)" ""
}

# A tool whose name no installed package has: the fake command is the only one.
free_tool() {
    local t
    for t in $(tools); do
        command -v "$t" >/dev/null || [ -e "/usr/sbin/$t" ] || [ -e "/sbin/$t" ] || { echo "$t"; return; }
    done
    return 1
}

@test "make install skips a name another command has, says so, and SHADOW=1 overrides" {
    t=$(free_tool) || skip "every tool's name is a command of an installed package"
    printf '#!/bin/sh\n' >"$D/other/$t"
    chmod +x "$D/other/$t"
    run env PATH="$D/other:$PATH" make -s -C "$TOP" BUILD="$B" STATIC="$STATIC" DESTDIR="$D/dest" install PREFIX=/usr/local
    assert_success
    assert_output --partial "install: no '$t' link, man page or completion: $D/other/$t has that name; 'wishbox $t' runs ours, see wishbox-$t(1) (SHADOW=1 installs them)"
    d=$D/dest/usr/local
    [ ! -e "$d/bin/$t" ] && [ ! -e "$d/sbin/$t" ]
    [ ! -e "$d/share/man/man1/$t.1" ]
    [ -f "$d/share/man/man1/wishbox-$t.1" ]
    [ ! -e "$d/share/bash-completion/completions/$t" ]
    [ -f "$d/share/bash-completion/completions/wishbox-$t" ]
    head -n1 "$d/share/zsh/site-functions/_wishbox_$t" | grep -qx '#autoload'
    [ ! -e "$D/dest/etc/fish/completions/$t.fish" ]
    [ -f "$D/dest/etc/fish/completions/wishbox-$t.fish" ]
    # uninstall leaves a foreign file of a tool's name alone.
    mkdir -p "$d/bin"
    echo foreign >"$d/bin/$t"
    run install_to uninstall PREFIX=/usr/local
    assert_success
    assert_equal "$(find "$D/dest" ! -type d)" "$d/bin/$t"
    run env PATH="$D/other:$PATH" make -s -C "$TOP" BUILD="$B" STATIC="$STATIC" DESTDIR="$D/dest" install SHADOW=1 \
        PREFIX=/usr/local BINDIR=/opt/wb/bin SBINDIR=/opt/wb/sbin
    assert_success
    [ -x "$D/dest/opt/wb/bin/wishbox" ]
    [ -L "$D/dest/opt/wb/bin/$t" ] || [ "$(readlink "$D/dest/opt/wb/sbin/$t")" = /opt/wb/bin/wishbox ]
}

@test "make honours CPPFLAGS, CFLAGS and LDFLAGS" {
    run make -C "$TOP" -n -B BUILD="$D/b" CPPFLAGS=-DWB_CPP_MARK CFLAGS=-DWB_C_MARK LDFLAGS=-Wl,-z,wbmark "$D/b/wishbox"
    assert_success
    assert_output --partial "-DWB_CPP_MARK"
    assert_output --partial "-DWB_C_MARK"
    assert_output --partial "-Wl,-z,wbmark"
    # The caller's _FORTIFY_SOURCE replaces ours (no redefinition warning).
    run make -C "$TOP" -n -B BUILD="$D/b" CPPFLAGS=-D_FORTIFY_SOURCE=2 "$D/b/wishbox"
    refute_output --partial "_FORTIFY_SOURCE=3"
}

@test "the release number: --version, the Makefile and debian/changelog agree" {
    release=$(sed -n 's/^RELEASE := //p' "$TOP/Makefile")
    run "$B/wishbox" --version
    assert_output --regexp "^wishbox from wishbox $release( |$)"
    assert_equal "$(head -n1 "$TOP/debian/changelog")" "wishbox ($release) unstable; urgency=medium"
}
