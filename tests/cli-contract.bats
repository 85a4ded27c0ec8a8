#!/usr/bin/env bats
# The command-line contract every tool keeps (DESIGN.md), checked for every
# tool, the places that must name the same tools, and the JSON keys.

load helpers

@test "every tool: --help exits 0, text on stdout, nothing on stderr" {
    for t in $(tools); do
        run --separate-stderr "$B/$t" --help
        assert_success
        assert_output --partial "Usage:"
        assert_output --partial "See $t(1)."
        assert_equal "$stderr" ""
        run --separate-stderr "$B/$t" -h
        assert_success
    done
}

@test "every tool: --version and -V exit 0, one line on stdout" {
    for t in $(tools); do
        run --separate-stderr "$B/$t" --version
        assert_success
        assert_output --regexp "^$t from wishbox .+$"
        assert_equal "$stderr" ""
        run --separate-stderr "$B/$t" -V
        assert_success
        assert_output --regexp "^$t from wishbox .+$"
    done
}

@test "every tool: an unknown option exits 2, one line plus the Try line" {
    for t in $(tools); do
        run --separate-stderr "$B/$t" --no-such-option
        assert_equal "$status" 2
        assert_equal "$output" ""
        assert_equal "$(echo "$stderr" | wc -l)" 2
        assert_equal "$(echo "$stderr" | head -n1 | cut -d: -f1)" "$t"
        assert_equal "$(echo "$stderr" | tail -n1)" "Try '$t --help'."
    done
}

@test "every tool: an unknown --method exits 2 naming the choices" {
    for t in $(tools); do
        run --separate-stderr "$B/$t" --method no-such-method
        assert_equal "$status" 2
        assert_equal "$output" ""
        # The message is on stderr (stdout stays empty).
        [[ ${stderr_lines[0]} == *"unknown method 'no-such-method' (choose from auto, "* ]] ||
            fail "$t: ${stderr_lines[0]}"
    done
}

@test "every tool: stdin, stdout or stderr closed: exit codes hold, nothing crashes" {
    for t in $(tools); do
        for closed in '<&-' '>&-' '2>&-' '<&- >&- 2>&-'; do
            run bash -c "\"\$1\" --help $closed" sh "$B/$t"
            assert_equal "$status" 0 || fail "$t --help $closed: exit $status"
            run bash -c "\"\$1\" --version $closed" sh "$B/$t"
            assert_equal "$status" 0 || fail "$t --version $closed: exit $status"
            run bash -c "\"\$1\" --no-such-option $closed" sh "$B/$t"
            assert_equal "$status" 2 || fail "$t --no-such-option $closed: exit $status"
        done
        # Whatever is closed, what stays open gets what it should.
        run --separate-stderr bash -c '"$1" --version <&- 2>&-' sh "$B/$t"
        assert_output --regexp "^$t from wishbox .+$"
        run --separate-stderr bash -c '"$1" --no-such-option <&- >&-' sh "$B/$t"
        assert_equal "$(echo "$stderr" | tail -n1)" "Try '$t --help'."
    done
}

@test "every tool runs the same as build/TOOL and as wishbox TOOL" {
    for t in $(tools); do
        a=$("$B/$t" --help)
        b=$("$B/wishbox" "$t" --help)
        assert_equal "$a" "$b"
        run --separate-stderr "$B/wishbox" "$t" --no-such-option
        assert_equal "$status" 2
        # Messages carry the tool's name, not "wishbox".
        assert_equal "$(echo "$stderr" | head -n1 | cut -d: -f1)" "$t"
    done
}

@test "every long option in --help is in the man page and all three completions" {
    for t in $(tools); do
        for opt in $("$B/$t" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
            grep -qF -- "$opt" "$TOP/man/$t.1.scd" || fail "$t: $opt missing from man/$t.1.scd"
            grep -qF -- "$opt" "$TOP/completions/bash/$t" || fail "$t: $opt missing from completions/bash/$t"
            grep -qF -- "${opt#--}" "$TOP/completions/zsh/_$t" || fail "$t: $opt missing from completions/zsh/_$t"
            grep -qE -- "-l ${opt#--}( |$)" "$TOP/completions/fish/$t.fish" || fail "$t: $opt missing from completions/fish/$t.fish"
        done
    done
}

@test "every tool's man page has an EXIT STATUS section and a README row" {
    for t in $(tools); do
        grep -q '^# EXIT STATUS' "$TOP/man/$t.1.scd" || fail "$t: no EXIT STATUS in its man page"
        grep -qE "^\| \*\*$t\*\* \|" "$TOP/README.md" || fail "$t: no row in the README feature table"
        grep -qE "^\*$t\*\(1\)|\*$t\*\(1\)" "$TOP/man/wishbox.1.scd" || fail "$t: not listed in wishbox(1)"
    done
}

# Names of the files in DIR matching PREFIX*SUFFIX, with both cut off,
# sorted, less the infrastructure names given after.
names_in() {
    local dir=$1 prefix=$2 suffix=$3 f n
    shift 3
    for f in "$dir/$prefix"*"$suffix"; do
        [ -e "$f" ] || continue
        n=${f##*/}
        n=${n#"$prefix"}
        n=${n%"$suffix"}
        case " $* " in *" $n "*) continue ;; esac
        echo "$n"
    done | sort
}

# The five places a tool lives; each must list exactly the registry's tools.
@test "cmd/, tools.h, man/, completions/ and tests/ list the same tools" {
    registry=$(tools | sort)
    assert_equal "$(names_in "$TOP/cmd" "" .c wishbox cli)" "$registry"
    assert_equal "$(names_in "$TOP/man" "" .1.scd wishbox)" "$registry"
    assert_equal "$(names_in "$TOP/completions/bash" "" "" wishbox)" "$registry"
    assert_equal "$(names_in "$TOP/completions/zsh" _ "" wishbox)" "$registry"
    assert_equal "$(names_in "$TOP/completions/fish" "" .fish wishbox)" "$registry"
    assert_equal "$(names_in "$TOP/tests" "" .bats cli-contract wishbox static install completions)" "$registry"
}

@test "the man pages build with scdoc" {
    for f in "$TOP"/man/*.scd; do
        scdoc < "$f" > /dev/null || fail "scdoc rejects $f"
    done
}

@test "wishbox's own completions offer every dispatcher option and every tool" {
    for opt in $("$B/wishbox" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -qF -- "$opt" "$TOP/completions/bash/wishbox" || fail "bash: $opt"
        grep -qF -- "${opt#--}" "$TOP/completions/zsh/_wishbox" || fail "zsh: $opt"
        grep -qE -- "-l ${opt#--}( |$)" "$TOP/completions/fish/wishbox.fish" || fail "fish: $opt"
        grep -qF -- "$opt" "$TOP/man/wishbox.1.scd" || fail "man: $opt"
    done
}

# The JSON keys a tool can emit: the key argument of every out_*() call in
# its source file.
json_keys_of() {
    grep -oE 'out_(str|strn|int|uint|bool|null|object_begin|array_begin)\([^,]+, *"[a-z0-9_]+"' "$TOP/cmd/$1.c" |
        sed -E 's/.*"([a-z0-9_]+)"$/\1/' | sort -u
}

# The keys the man page's JSON KEYS section lists (`*key*` lines).
man_keys_of() {
    sed -n '/^# JSON KEYS/,/^# /p' "$TOP/man/$1.1.scd" | sed -nE 's/^\*([a-z0-9_]+)\*.*$/\1/p' | sort -u
}

@test "every JSON key a tool emits is in its man page's JSON KEYS and in the glossary" {
    glossary=$(sed -n '/^## JSON keys: the glossary/,/^## /p' "$TOP/CONTRIBUTING.md")
    for t in $(tools) wishbox; do
        keys=$(json_keys_of "$t")
        [ -n "$keys" ] || continue
        man=$(man_keys_of "$t")
        for k in $keys; do
            case $k in *_base64) continue ;; esac
            grep -qxF -- "$k" <<<"$man" || fail "$t: JSON key '$k' is not in man/$t.1.scd's JSON KEYS"
            grep -qF -- "\`$k\`" <<<"$glossary" || fail "$t: JSON key '$k' is not in CONTRIBUTING's glossary"
        done
        for k in $man; do
            grep -qxF -- "$k" <<<"$keys" || fail "$t: man/$t.1.scd lists '$k', which $t never emits"
        done
    done
}
