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
top=$(vm_config top)
kernel=$(uname -r)
rc=0

echo "guest: $kernel, tools: $(tr '\n' ' ' <"$vm/tools")"

# --- wishbox features -J ----------------------------------------------------

features=$RESULTS/features.json
run "$WISHBOX_BIN/wishbox" features -J
cp "$vm_tmp/out" "$features"
if [ "$status" -eq 0 ] && jq -e 'has("kernel") and (.tools | type == "array")' \
    "$features" >/dev/null 2>&1; then
    ok "wishbox features -J prints one JSON document"
else
    not_ok "wishbox features -J"
    show_run
fi
if [ "$(jq -r .kernel "$features" 2>/dev/null)" = "$kernel" ]; then
    ok "features -J: kernel is $kernel"
else
    not_ok "features -J: kernel is not $kernel"
fi

# Every tool in --list appears in features, and what auto takes is recorded.
: >"$RESULTS/auto-methods"
while IFS= read -r tool; do
    if ! jq -e --arg t "$tool" '.tools[] | select(.tool == $t)' \
        "$features" >/dev/null 2>&1; then
        not_ok "features -J has no entry for $tool"
        continue
    fi
    auto=$(jq -r --arg t "$tool" \
        '.tools[] | select(.tool == $t) | .auto // "(none)"' "$features")
    printf '%-12s auto=%s\n' "$tool" "$auto" | tee -a "$RESULTS/auto-methods"
    jq -r --arg t "$tool" '.tools[] | select(.tool == $t) | .methods[] |
        "    \(.name): \(if .available then "available" else "unavailable: \(.reason)" end)"' \
        "$features"
done <"$vm/tools"

# features_method TOOL METHOD: print the method's entry as compact JSON.
features_method() {
    jq -c --arg t "$1" --arg m "$2" \
        '.tools[] | select(.tool == $t) | .methods[] | select(.name == $m)' \
        "$features" 2>/dev/null
}

# expect_unavailable TOOL METHOD: features marks it unavailable, with a reason.
expect_unavailable() {
    local entry
    entry=$(features_method "$1" "$2")
    if [ -n "$entry" ] && jq -e '.available == false and
        (.reason | type == "string" and length > 0)' <<<"$entry" >/dev/null; then
        ok "features: $1 $2 unavailable on $kernel: $(jq -r .reason <<<"$entry")"
    else
        not_ok "features: $1 $2 should be unavailable with a reason on $kernel, got: ${entry:-nothing}"
    fi
}
has_tool pidwait && expect_unavailable pidwait pidfd-info
has_tool mountwatch && expect_unavailable mountwatch fanotify

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
    timeout -k 5 300 bash "$f"
    st=$?
    if [ "$st" -ne 0 ]; then
        # 1: a check failed and said so; anything else: the script died.
        [ "$st" -eq 1 ] || not_ok "scenarios/$tool.sh ended with status $st"
        rc=1
    fi
done

# --- optionally, the bats suites on this kernel ---------------------------------

if [ "$run_bats" = 1 ]; then
    if [ -n "$top" ] && [ -d "$top/tests" ] && command -v bats >/dev/null; then
        echo "guest: bats $top/tests on $kernel"
        if (cd "$top" && TERM=dumb WISHBOX_BUILD=$WISHBOX_BIN timeout 600 bats --tap tests); then
            ok "bats suites on $kernel"
        else
            not_ok "bats suites on $kernel"
        fi
    else
        not_ok "bats suites: no bats or no $top/tests in the guest"
    fi
fi

# --- summary --------------------------------------------------------------------

count() { grep -cx "$1" "$RESULTS/tally" 2>/dev/null || true; }
summary="vm: $(count ok) passed, $(count fail) failed, $(count skip) skipped"
echo "$summary" | tee "$RESULTS/summary"
[ "$(count fail)" -eq 0 ] || rc=1
rm -rf "$vm_tmp"
exit "$rc"
