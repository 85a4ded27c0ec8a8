#!/bin/bash
# Runs in the guest, chrooted into the host's root filesystem (read-only 9p)
# on the 6.1 kernel: `wishbox features -J`, then tests/vm/scenarios/TOOL.sh
# for every TOOL this wishbox has, then optionally the bats suites.
set -u

export VM_DIR=/tmp/vm
export WISHBOX_BIN=/tmp/wishbox/bin
export RESULTS=/tmp/results
vm=$VM_DIR
# shellcheck source=tests/vm/lib.sh
. "$vm/lib.sh"
run_bats=$(vm_config run_bats)
bats_timeout=$(vm_config bats_timeout)
top=$(vm_config top)
kernel=$(uname -r)
rc=0

echo "guest: $kernel, tools: $(tr '\n' ' ' <"$vm/tools")"

# --- wishbox features -J ----------------------------------------------------

features=$RESULTS/features.json
run "$WISHBOX_BIN/wishbox" features -J
cp "$vm_tmp/out" "$features"
# One jq for all of it (each process costs under emulation): "tool TOOL
# AUTO" per tool, then "method TOOL NAME yes|no REASON" per method.
if [ "$status" -eq 0 ] && table=$(jq -r --arg k "$kernel" '
    if (.kernel | type) != "string" or (.tools | type) != "array" then
        error("not the features document") else . end |
    "kernel \(.kernel == $k) \(.kernel)",
    (.tools[] | "tool \(.tool) \(.auto // "(none)")"),
    (.tools[] | .tool as $t | .methods[] |
        "method \($t) \(.method) \(if .available then "yes" else "no" end) \(.reason // "")")
    ' "$features" 2>"$vm_tmp/jq-err"); then
    ok "wishbox features -J prints one JSON document"
else
    not_ok "wishbox features -J"
    show_run
    sed 's/^/#   jq: /' "$vm_tmp/jq-err"
    table=''
fi
if grep -qx "kernel true $kernel" <<<"$table"; then
    ok "features -J: kernel is $kernel"
else
    not_ok "features -J: kernel is not $kernel: $(grep '^kernel' <<<"$table")"
fi

# Every tool in --list appears in features; what auto takes is recorded in
# $RESULTS/auto ("TOOL METHOD") for the scenarios and check-vm.
: >"$RESULTS/auto"
while IFS= read -r tool; do
    auto=$(sed -n "s/^tool $tool //p" <<<"$table")
    if [ -z "$auto" ]; then
        not_ok "features -J has no entry for $tool"
        continue
    fi
    echo "$tool $auto" >>"$RESULTS/auto"
    printf '%-12s auto=%s\n' "$tool" "$auto"
    sed -n "s/^method $tool \([^ ]*\) yes .*/    \1: available/p
        s/^method $tool \([^ ]*\) no \(.*\)/    \1: unavailable: \2/p" <<<"$table"
done <"$vm/tools"

# expect_unavailable TOOL METHOD: features marks it unavailable, with a reason.
expect_unavailable() {
    local line reason
    line=$(grep "^method $1 $2 " <<<"$table")
    reason=${line#method "$1" "$2" no }
    if [ -n "$line" ] && [ "$reason" != "$line" ] && [ -n "$reason" ]; then
        ok "features: $1 $2 unavailable on $kernel: $reason"
    else
        not_ok "features: $1 $2 should be unavailable with a reason on $kernel, got: ${line:-nothing}"
    fi
}
has_tool pidwait && expect_unavailable pidwait pidfd-info
has_tool mountwatch && expect_unavailable mountwatch fanotify
has_tool detect-pidns && expect_unavailable detect-pidns pidfd

# --- the tool scenarios -------------------------------------------------------

for f in "$vm"/scenarios/*.sh; do
    tool=${f##*/}
    case $tool in
        *.early.sh) continue ;; # run by /init, before the chroot
    esac
    tool=${tool%.sh}
    if ! has_tool "$tool"; then
        skip "scenarios/$tool: no $tool in this wishbox yet"
        continue
    fi
    echo "guest: scenarios/$tool.sh"
    t0=$SECONDS
    timeout -k 5 300 bash "$f"
    st=$?
    echo "guest: scenarios/$tool.sh: exit $st, $((SECONDS - t0)) s"
    if [ "$st" -ne 0 ]; then
        # 1: a check failed and said so; anything else: the script died.
        [ "$st" -eq 1 ] || not_ok "scenarios/$tool.sh ended with status $st"
        rc=1
    fi
done

# --- optionally, the bats suites on this kernel ---------------------------------

if [ "${run_bats:-0}" != 0 ]; then
    suites=tests
    [ "$run_bats" = 1 ] || suites=$run_bats
    if [ -n "$top" ] && [ -d "$top/tests" ] && command -v bats >/dev/null; then
        echo "guest: bats $suites in $top on $kernel (at most ${bats_timeout:-600} s)"
        t0=$SECONDS
        # shellcheck disable=SC2086 # a list of suites
        (cd "$top" && TERM=dumb WISHBOX_BUILD=$WISHBOX_BIN \
            timeout "${bats_timeout:-600}" bats --tap $suites)
        st=$?
        if [ "$st" -eq 0 ]; then
            ok "bats $suites on $kernel ($((SECONDS - t0)) s)"
        elif [ "$st" -eq 124 ]; then
            not_ok "bats $suites on $kernel: stopped after ${bats_timeout:-600} s"
        else
            not_ok "bats $suites on $kernel (exit $st)"
        fi
    else
        not_ok "bats: no bats or no $top/tests in the guest"
    fi
fi

# --- summary --------------------------------------------------------------------

count() { grep -cx "$1" "$RESULTS/tally" 2>/dev/null || true; }
summary="vm: $(count ok) passed, $(count fail) failed, $(count skip) skipped"
echo "$summary" | tee "$RESULTS/summary"
[ "$(count fail)" -eq 0 ] || rc=1
rm -rf "$vm_tmp"
exit "$rc"
