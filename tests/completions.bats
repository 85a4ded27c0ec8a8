#!/usr/bin/env bats
# The completions as installed (make install into a DESTDIR, the layout a
# Debian system gets), driven through each shell's own machinery: bash
# through bash-completion's loader and the completion function, as one TAB
# does; fish through `complete -C`; zsh through a real completion widget in
# a pseudo-terminal (zpty).

load helpers

setup_file() {
    export DEST=$BATS_FILE_TMPDIR/dest
    make -s -C "$TOP" BUILD="$B" STATIC="${WISHBOX_STATIC:-$B/wishbox.static}" DESTDIR="$DEST" PREFIX=/usr install >/dev/null
    # The installed wishbox first on PATH: `wishbox --list` in the completions.
    export PATH=$DEST/usr/bin:$PATH
}

# bash: what one TAB at the end of LINE offers, one per line. A fresh bash
# with bash-completion, which loads completions by command name from
# XDG_DATA_DIRS (the DESTDIR's first); its loader returns 124 after loading,
# and bash then calls the function it registered, once: so do we.
bash_complete() {
    XDG_DATA_DIRS=$DEST/usr/share:/usr/share bash --norc --noprofile -c '
        . /usr/share/bash-completion/bash_completion
        line=$1
        read -ra COMP_WORDS <<<"$line"
        [[ $line == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$line
        COMP_POINT=${#line}
        cmd=${COMP_WORDS[0]}
        complete -p "$cmd" >/dev/null 2>&1 || _completion_loader "$cmd"
        fn=$(complete -p "$cmd" | sed -n "s/.* -F \([^ ]*\) .*/\1/p")
        COMPREPLY=()
        "$fn" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' bash "$1"
}

fish_complete() {
    fish --no-config -c 'set -p fish_complete_path $argv[1]; complete -C $argv[2] | string replace -r "\t.*" ""' \
        "$DEST/usr/share/fish/vendor_completions.d" "$1"
}

# zsh: a zsh in a pty with compinit over the DESTDIR's vendor-completions;
# compadd is wrapped to print each match; TAB runs complete-word.
zsh_complete() {
    zsh -f -c '
        zmodload zsh/zpty
        zpty z zsh -f -i
        zpty -w z "PROMPT=; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D"
        zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -r -- \"\${(@)m/#/MATCH:}\" >>$3; builtin compadd \"\$@\"; }"
        zpty -w z "bindkey \"^I\" complete-word; zstyle \":completion:*\" list-prompt \"\"; zstyle \":completion:*\" menu no"
        zpty -w z "print READY"
        while zpty -r z l; do [[ $l == READY* ]] && break; done
        zpty -w -n z "$2"$'"'"'\t'"'"'
        sleep 2
        zpty -d z' zsh "$DEST/usr/share/zsh/vendor-completions" "$1" "$BATS_TEST_TMPDIR/zsh.out" >/dev/null 2>&1
    sed -n 's/^MATCH://p' "$BATS_TEST_TMPDIR/zsh.out" | tr ' ' '\n' | sed 's/^MATCH://' | grep -v '^$' || true
}

# Every line of the expected words is among the candidates.
offers() {
    local got=$1 w
    shift
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || fail "'$w' not offered; got: $(echo $got)"
    done
}

@test "bash: wishbox TOOL hands over to the tool on the first TAB" {
    run bash_complete "wishbox pidwait --id"
    assert_output "--identify"
    run bash_complete "wishbox "
    mapfile -t all < <(tools)
    offers "$output" features "${all[@]}"
}

@test "bash: values: --method names, -e lists after a comma, -t filesystem types" {
    run bash_complete "wishbox mountwatch --method "
    offers "$output" auto fanotify mountinfo
    run bash_complete "wishbox mountwatch -e attach,"
    offers "$output" attach,detach attach,move attach,change
    run bash_complete "wishbox mountwatch -t tmp"
    offers "$output" tmpfs
    run bash_complete "wishbox mountwatch -t proc,notm"
    offers "$output" proc,notmpfs
    run bash_complete "wishbox pidwait --method pidfd"
    offers "$output" pidfd pidfd-info
    run bash_complete "wishbox fatlabel -c 8"
    offers "$output" 850 852 858 866
}

@test "fish: wishbox TOOL hands over; values, lists and types; no file names for values" {
    run fish_complete "wishbox pidwait --id"
    assert_output "--identify"
    run fish_complete "wishbox "
    mapfile -t all < <(tools)
    offers "$output" features "${all[@]}"
    run fish_complete "wishbox mountwatch -e attach,"
    offers "$output" attach,detach attach,move
    run fish_complete "wishbox mountwatch -t tmp"
    offers "$output" tmpfs
    run fish_complete "wishbox mountwatch --method "
    assert_output "$(printf '%s\n' auto fanotify mountinfo)"
    run fish_complete "wishbox fatlabel -c "
    assert_output "$(printf '%s\n' 437 850 852 858 866)"
    run fish_complete "wishbox mountwatch -c "
    assert_output ""
}

@test "zsh: wishbox TOOL hands over; values, lists and types" {
    run zsh_complete "wishbox pidwait --id"
    offers "$output" --identify
    run zsh_complete "wishbox mountwatch --method "
    offers "$output" auto fanotify mountinfo
    run zsh_complete "wishbox mountwatch -e attach,"
    offers "$output" detach move
    run zsh_complete "wishbox mountwatch -t tmp"
    offers "$output" tmpfs
}

@test "a tool whose name another package has: its completion is not installed under that name" {
    for t in $(tools); do
        [ -e "$DEST/usr/bin/$t" ] && continue
        [ ! -e "$DEST/usr/share/bash-completion/completions/$t" ] || fail "bash: $t"
        [ ! -e "$DEST/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "fish: $t"
        head -n1 "$DEST/usr/share/zsh/vendor-completions/_wishbox_$t" | grep -qx '#autoload' || fail "zsh: $t"
    done
}
