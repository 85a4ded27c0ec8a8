# shellcheck shell=bash
# scmfilter-test on the 6.1 kernel (bash, in the guest's chroot of the host
# root). 6.1 has neither SO_PASSRIGHTS (6.16) nor SO_PASSPIDFD/SCM_PIDFD/
# SO_PEERPIDFD (6.5): auto must take the fallback method, every check must
# pass there (passrights-refuse, pidfd, peerpidfd and cgroup on their
# fallbacks) or be skipped with a reason naming the release; a forced
# kernel method must exit 5. One run of the whole tool, one jq.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
st=$WISHBOX_BIN/scmfilter-test
auto=$(vm_auto scmfilter-test)

echo "# scmfilter-test: auto takes '$auto' on $(uname -r)"
check "scmfilter-test: auto takes fallback on 6.1 (features -J)" [ "$auto" = fallback ]

run "$st" --method kernel ctrunc
expect_unsupported "scmfilter-test --method kernel on 6.1"

# slow-close passes TCP sockets on 127.0.0.1: the loopback must be up.
ip link set lo up 2>/dev/null || true

run "$st" -J
expect_status 0 "scmfilter-test -J on 6.1: no failed check"
if ! summary=$(jq -r '.[] | [.check, .result, .method, .detail] | @tsv' "$vm_tmp/out" 2>/dev/null); then
    not_ok "scmfilter-test -J: not a JSON array"
    show_run
    vm_done
fi
echo "$summary" | sed 's/^/#   /'
n=0
while IFS=$'\t' read -r name result method detail; do
    n=$((n + 1))
    case $result in
        pass) ;;
        skip)
            if [[ $detail =~ [0-9]\.[0-9]+ ]] || [ "$name" = slow-close ]; then
                ok "scmfilter-test $name: skipped: $detail"
            else
                not_ok "scmfilter-test $name: skipped without naming a release: $detail"
            fi
            continue ;;
        *) not_ok "scmfilter-test $name: $result: $detail"; continue ;;
    esac
    case $name in
        passrights-refuse | pidfd | peerpidfd | cgroup)
            check "scmfilter-test $name passes on its fallback" [ "$method" = fallback ] ;;
        flood)
            ok "scmfilter-test flood: $detail" ;;
        *)
            ok "scmfilter-test $name passes ($method)" ;;
    esac
done <<<"$summary"
check "scmfilter-test -J: nine checks reported" [ "$n" -eq 9 ]

vm_done
