# shellcheck shell=bash
# shellcheck disable=SC2154 # J_* are set by json_load (lib.sh)
# pidwait on the 6.1 kernel (bash, in the guest's chroot of the host root).
# 6.1 has pidfd_open (5.3) but not PIDFD_GET_INFO (6.13) nor its exit info
# (6.15): pidfd-info must be refused with exit 5; as root, auto takes
# pidfd-netlink (pidfds + the proc connector) and reports a non-child's exit
# code and signal; unprivileged (no CAP_NET_ADMIN before 6.6) it falls back
# to pidfd and says why. No method may report a wrong status.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
pw=$WISHBOX_BIN/pidwait
auto=$(vm_auto pidwait)

# start_target CODE: start a process that is not pidwait's child (it is
# ours) and exits with CODE once release_target is called; sets $target.
start_target() {
    rm -f "$vm_tmp/go"
    mkfifo "$vm_tmp/go"
    sh -c 'read -r x <"$1"; exit "$2"' sh "$vm_tmp/go" "$1" &
    target=$!
}
release_target() {
    echo go >"$vm_tmp/go"
}

# wait_on CODE PIDWAIT-ARGS...: run pidwait on a fresh target that exits
# with CODE two seconds after pidwait started (time for it to subscribe).
wait_on() {
    local code=$1
    shift
    start_target "$code"
    "$pw" "$@" "$target" >"$vm_tmp/out" 2>"$vm_tmp/err" &
    local p=$!
    sleep 2
    release_target
    wait "$p"
    status=$?
    wait "$target" 2>/dev/null
    output=$(_slurp "$vm_tmp/out")
    errors=$(_slurp "$vm_tmp/err")
    last_cmd="pidwait $* $target (target exits $code)"
}

# expect_event METHOD CODE [unknown-ok [NAME]]: one valid JSON line for
# $target saying it exited with CODE through METHOD; with "unknown-ok", an
# unknown status is accepted too (never a wrong one).  NAME names the run
# in the messages (default: METHOD).
expect_event() {
    local method=$1 code=$2 mode=${3-} name=${4:-$1}
    if [ "$status" -ne 0 ] || [ -z "$output" ] || [[ $output == *$'\n'* ]] ||
        ! json_load 1; then
        not_ok "pidwait -J --method $method: one JSON line and exit 0"
        show_run
        return
    fi
    if [ "$J_pid" != "$target" ] || [ "$J_method" != "$method" ]; then
        not_ok "pidwait -J: pid $target and method $method expected"
        show_run
        return
    fi
    if [ "$J_status_known:$J_exited:$J_exit_code:$J_signal" = "true:true:$code:null" ]; then
        ok "pidwait $name: non-child's exit code $code reported: $output"
    elif [ "$mode" = unknown-ok ] &&
        [ "$J_status_known:$J_exit_code:$J_signal" = false:null:null ]; then
        ok "pidwait $name: non-child's status reported unknown: $output"
    else
        not_ok "pidwait $name: expected exit code $code${mode:+ or unknown}"
        show_run
    fi
}

echo "# pidwait: auto takes '$auto' on $(uname -r)"
check "pidwait: auto does not take pidfd-info on 6.1" [ "$auto" != pidfd-info ]
check "pidwait: auto takes a method" [ -n "$auto" ]
check "pidwait: auto takes pidfd-netlink on 6.1 as root" [ "$auto" = pidfd-netlink ]

# A kernel-only method, forced: exit 5 with a reason, not a crash.
sleep 600 &
sleeper=$!
run "$pw" --method pidfd-info "$sleeper"
expect_unsupported "pidwait --method pidfd-info on 6.1"
run "$pw" -J --method pidfd-info "$sleeper"
expect_unsupported "pidwait -J --method pidfd-info on 6.1"

# netlink: the exit status of a process that is not pidwait's child.
wait_on 7 -J --method netlink
expect_event netlink 7
wait_on 0 -J --method netlink
expect_event netlink 0
wait_on 7 --exit-status --method netlink
expect_status 7 "pidwait --exit-status --method netlink: the non-child's own status"

# Killed by a signal, seen through netlink.  The victim is an orphan (its
# parent is init), so nobody here reaps it.
victim=$(sh -c 'sleep 600 >/dev/null 2>&1 & echo $!')
"$pw" -J --method netlink "$victim" >"$vm_tmp/out" 2>"$vm_tmp/err" &
p=$!
sleep 2
kill -KILL "$victim"
wait "$p"
status=$?
output=$(_slurp "$vm_tmp/out")
errors=$(_slurp "$vm_tmp/err")
last_cmd="pidwait -J --method netlink $victim (killed by SIGKILL)"
json_load 1
if [ "$status" -eq 0 ] && [ "${J_status_known-}:${J_exited-}:${J_exit_code-}" = true:false:null ] &&
    { [ "${J_signal-}" = KILL ] || [ "${J_signal-}" = SIGKILL ]; }; then
    ok "pidwait netlink: non-child killed by SIGKILL: $output"
else
    not_ok "pidwait netlink: non-child killed by SIGKILL"
    show_run
fi

# auto (pidfd-netlink as root): a non-child's exit code, and a SIGKILL.
wait_on 7 -J
expect_event "$auto" 7 "" "auto ($auto)"
victim=$(sh -c 'sleep 600 >/dev/null 2>&1 & echo $!')
"$pw" -J "$victim" >"$vm_tmp/out" 2>"$vm_tmp/err" &
p=$!
sleep 2
kill -KILL "$victim"
wait "$p"
status=$?
output=$(_slurp "$vm_tmp/out")
errors=$(_slurp "$vm_tmp/err")
last_cmd="pidwait -J $victim (auto; killed by SIGKILL)"
json_load 1
if [ "$status" -eq 0 ] && [ "${J_method-}" = "$auto" ] &&
    [ "${J_status_known-}:${J_exited-}:${J_exit_code-}:${J_signal-}" = true:false:null:KILL ]; then
    ok "pidwait auto ($auto): non-child killed by SIGKILL: $output"
else
    not_ok "pidwait auto ($auto): non-child killed by SIGKILL"
    show_run
fi
# Unprivileged, the proc connector refuses a listener before 6.6: auto
# passes pidfd-netlink over, saying why, and takes pidfd.
run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
    "$pw" -v --timeout 0.1 "$sleeper"
if [ "$status" -eq 3 ] &&
    [[ $errors == *"method pidfd-netlink passed over: proc connector: listening needs CAP_NET_ADMIN"* ]] &&
    [[ $errors == *"using method pidfd:"* ]]; then
    ok "pidwait unprivileged: pidfd-netlink passed over for want of CAP_NET_ADMIN, pidfd taken"
else
    not_ok "pidwait unprivileged: pidfd-netlink passed over for want of CAP_NET_ADMIN, pidfd taken"
    show_run
fi
# The other fallbacks, forced: right or unknown, never wrong.
wait_on 7 -J --method pidfd
expect_event pidfd 7 unknown-ok
wait_on 7 -J --method procfs
expect_event procfs 7 unknown-ok

# A fallback's timeout path.
run "$pw" --timeout 1 "$sleeper"
expect_status 3 "pidwait --timeout 1 on a live process ($auto)"
kill "$sleeper"
wait "$sleeper" 2>/dev/null

vm_done
