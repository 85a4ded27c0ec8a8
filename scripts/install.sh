#!/usr/bin/env bash
# make install / make uninstall: the binary, a link per tool, man pages,
# completions where each shell looks, and the initramfs-tools hook.
#
# A tool whose name is a command of another package (procps pidwait,
# dosfstools fatlabel on Debian) gets no link, no man page and no completion
# under that name unless SHADOW=1: `wishbox TOOL` runs it, wishbox-TOOL(1)
# documents it. The Makefile passes every directory in the environment.
set -euo pipefail

action=$1
: "${BUILD:?}" "${BINDIR:?}" "${SBINDIR:?}" "${MANDIR:?}" "${DATADIR:?}" "${LIBEXECDIR:?}"
: "${BASHCOMPDIR:?}" "${ZSHCOMPDIR:?}" "${FISHCOMPDIR:?}" "${INITRAMFS_HOOKDIR:?}"
DESTDIR=${DESTDIR:-}
SHADOW=${SHADOW:-0}
read -ra tools <<<"${TOOLS:?}"
read -ra sbin_tools <<<"${SBIN_TOOLS:-}"

say() { printf 'install: %s\n' "$*"; }

# The directory a tool's link goes in.
link_dir() {
    local s
    for s in "${sbin_tools[@]}"; do
        [ "$s" = "$1" ] && { echo "$SBINDIR"; return; }
    done
    echo "$BINDIR"
}

# Prints the command of another package that NAME would shadow (or be
# shadowed by), with its package when dpkg knows it; fails when there is
# none. A link to a wishbox binary is ours, not another package's.
other_command() {
    local name=$1 d f r pkg
    local IFS=:
    for d in $PATH /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
        f=$d/$name
        [ -f "$f" ] && [ -x "$f" ] || continue
        r=$(readlink -f "$f")
        case ${r##*/} in wishbox*) continue ;; esac
        pkg=$(dpkg -S "$f" 2>/dev/null || dpkg -S "${f#/usr}" 2>/dev/null || true)
        pkg=${pkg%%:*}
        echo "$f${pkg:+ ($pkg)}"
        return 0
    done
    return 1
}

# Completion files under the names the wishbox completion hands over to:
# bash and fish files register the command wishbox-TOOL instead of TOOL; a
# zsh file is autoloaded as _wishbox_TOOL (#compdef TOOL only when linked).
install_completions() {
    local t=$1 linked=$2
    install -d "$DESTDIR$BASHCOMPDIR" "$DESTDIR$ZSHCOMPDIR" "$DESTDIR$FISHCOMPDIR"
    sed "s/^complete \(.*\) $t\$/complete \1 wishbox-$t/" "completions/bash/$t" \
        >"$DESTDIR$BASHCOMPDIR/wishbox-$t"
    sed "s/-c $t /-c wishbox-$t /" "completions/fish/$t.fish" >"$DESTDIR$FISHCOMPDIR/wishbox-$t.fish"
    if [ "$linked" = 1 ]; then
        install -m644 "completions/bash/$t" "$DESTDIR$BASHCOMPDIR/$t"
        install -m644 "completions/fish/$t.fish" "$DESTDIR$FISHCOMPDIR/$t.fish"
        install -m644 "completions/zsh/_$t" "$DESTDIR$ZSHCOMPDIR/_wishbox_$t"
    else
        sed "1s/^#compdef .*/#autoload/" "completions/zsh/_$t" >"$DESTDIR$ZSHCOMPDIR/_wishbox_$t"
    fi
    chmod 644 "$DESTDIR$BASHCOMPDIR/wishbox-$t" "$DESTDIR$FISHCOMPDIR/wishbox-$t.fish" \
        "$DESTDIR$ZSHCOMPDIR/_wishbox_$t"
}

do_install() {
    local t dir other linked
    install -Dm755 "$BUILD/wishbox" "$DESTDIR$BINDIR/wishbox"
    install -Dm755 "${STATIC:-$BUILD/wishbox.static}" "$DESTDIR$LIBEXECDIR/wishbox.static"
    install -Dm644 "$BUILD/man/wishbox.1" "$DESTDIR$MANDIR/man1/wishbox.1"
    install -Dm644 completions/bash/wishbox "$DESTDIR$BASHCOMPDIR/wishbox"
    install -Dm644 completions/zsh/_wishbox "$DESTDIR$ZSHCOMPDIR/_wishbox"
    install -Dm644 completions/fish/wishbox.fish "$DESTDIR$FISHCOMPDIR/wishbox.fish"
    install -d "$DESTDIR$INITRAMFS_HOOKDIR"
    sed "s|@WISHBOX_STATIC@|$LIBEXECDIR/wishbox.static|" initramfs/hook >"$DESTDIR$INITRAMFS_HOOKDIR/wishbox"
    chmod 755 "$DESTDIR$INITRAMFS_HOOKDIR/wishbox"
    for t in "${tools[@]}"; do
        dir=$(link_dir "$t")
        linked=1
        if [ "$SHADOW" != 1 ] && other=$(other_command "$t"); then
            say "no '$t' link, man page or completion: $other has that name; 'wishbox $t' runs ours, see wishbox-$t(1) (SHADOW=1 installs them)"
            linked=0
        else
            install -d "$DESTDIR$dir"
            if [ "$dir" = "$BINDIR" ]; then
                ln -sfn wishbox "$DESTDIR$dir/$t"
            else
                ln -sfn "$BINDIR/wishbox" "$DESTDIR$dir/$t"
            fi
            install -Dm644 "$BUILD/man/$t.1" "$DESTDIR$MANDIR/man1/$t.1"
        fi
        install -Dm644 "$BUILD/man/$t.1" "$DESTDIR$MANDIR/man1/wishbox-$t.1"
        install_completions "$t" "$linked"
    done
}

# Removes only what install made: links that point at wishbox, our files.
do_uninstall() {
    local t dir f
    for t in "${tools[@]}"; do
        for dir in "$BINDIR" "$SBINDIR"; do
            f=$DESTDIR$dir/$t
            if [ -L "$f" ]; then
                case $(readlink "$f") in wishbox | */wishbox) rm -f "$f" ;; esac
            fi
        done
        f=$DESTDIR$MANDIR/man1/$t.1
        if [ -f "$f" ] && cmp -s "$f" "$BUILD/man/$t.1"; then rm -f "$f"; fi
        rm -f "$DESTDIR$MANDIR/man1/wishbox-$t.1" \
            "$DESTDIR$BASHCOMPDIR/wishbox-$t" "$DESTDIR$FISHCOMPDIR/wishbox-$t.fish" \
            "$DESTDIR$ZSHCOMPDIR/_wishbox_$t"
        if cmp -s "$DESTDIR$BASHCOMPDIR/$t" "completions/bash/$t"; then rm -f "$DESTDIR$BASHCOMPDIR/$t"; fi
        if cmp -s "$DESTDIR$FISHCOMPDIR/$t.fish" "completions/fish/$t.fish"; then rm -f "$DESTDIR$FISHCOMPDIR/$t.fish"; fi
    done
    rm -f "$DESTDIR$BINDIR/wishbox" "$DESTDIR$LIBEXECDIR/wishbox.static" \
        "$DESTDIR$MANDIR/man1/wishbox.1" \
        "$DESTDIR$BASHCOMPDIR/wishbox" "$DESTDIR$ZSHCOMPDIR/_wishbox" "$DESTDIR$FISHCOMPDIR/wishbox.fish" \
        "$DESTDIR$INITRAMFS_HOOKDIR/wishbox"
    rmdir "$DESTDIR$LIBEXECDIR" 2>/dev/null || true
}

case $action in
    install) do_install ;;
    uninstall) do_uninstall ;;
    *) echo "usage: $0 install|uninstall" >&2; exit 2 ;;
esac
