# shellcheck shell=sh
# Early boot, busybox sh + wishbox.static only: wait for a background job
# (not pidwait's child) and learn how it ended.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
pw=$WISHBOX_BIN/pidwait

(sleep 2; exit 5) &
job=$!
run "$pw" "$job"
expect_status 0 "early: pidwait on a background job"
# shellcheck disable=SC2016 # $1 is the inner shell's
check "early: the job is gone when pidwait returns" \
    sh -c '! kill -0 "$1" 2>/dev/null || grep -q "^State:.*Z" "/proc/$1/status"' sh "$job"
wait "$job"

(sleep 2; exit 6) &
job=$!
run "$pw" --exit-status "$job"
# The job's own status (6), or 4 when no available method can know it.
if [ "$status" -eq 6 ] || [ "$status" -eq 4 ]; then
    ok "early: pidwait --exit-status on a background job: exit $status (6 = its status, 4 = unknown)"
else
    not_ok "early: pidwait --exit-status on a background job: 6 or 4 expected"
    show_run
fi
wait "$job"

(sleep 2; exit 7) &
job=$!
run "$pw" -J "$job"
m=$(json_field method)
code=$(json_field exit_code)
known=$(json_field status_known)
if [ "$status" -eq 0 ] && [ -n "$m" ] && [ "$m" != pidfd-info ] &&
    { [ "$known:$code" = true:7 ] || [ "$known:$code" = false:null ]; }; then
    ok "early: pidwait -J on a background job: method $m, code $code"
else
    not_ok "early: pidwait -J: exit 0, a method, code 7 or unknown"
    show_run
fi
wait "$job"

vm_done
