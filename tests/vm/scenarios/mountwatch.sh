# shellcheck shell=bash
# mountwatch on the 6.1 kernel (bash, in the guest's chroot of the host root).
# 6.1 has no fanotify mount events (FAN_REPORT_MNT, 6.15): auto must take
# mountinfo and see attach and detach; a forced fanotify must exit 5.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
mw=$WISHBOX_BIN/mountwatch
features=$RESULTS/features.json
auto=$(jq -r '.tools[] | select(.tool == "mountwatch") | .auto // empty' "$features")
dir=$vm_tmp/mw
mkdir -p "$dir/a" "$dir/b"

echo "# mountwatch: auto takes '$auto' on $(uname -r)"
check "mountwatch: auto takes mountinfo on 6.1 (features -J)" [ "$auto" = mountinfo ]

run "$mw" --method fanotify --count 1 --timeout 5
expect_unsupported "mountwatch --method fanotify on 6.1"
run "$mw" -J --method fanotify --count 1 --timeout 5
expect_unsupported "mountwatch -J --method fanotify on 6.1"

# j N FILTER: jq FILTER on line N of the last run's output.
j() {
    sed -n "$1p" <<<"$output" | jq -r "$2" 2>/dev/null
}

# watch_mount ARGS...: run mountwatch -v ARGS in the background, then,
# once it says "ready" on stderr (or after 5 s), mount a tmpfs on $dir/a
# and unmount it again.
watch_mount() {
    "$mw" -v "$@" >"$vm_tmp/out" 2>"$vm_tmp/err" &
    local p=$! i=0
    while ! grep -q ready "$vm_tmp/err" && [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    sleep 0.5
    mount -t tmpfs -o size=1m vmwatch "$dir/a"
    sleep 1
    umount "$dir/a"
    wait "$p"
    status=$?
    output=$(cat "$vm_tmp/out")
    errors=$(cat "$vm_tmp/err")
    last_cmd="mountwatch -v $* (mount -t tmpfs vmwatch $dir/a; umount)"
}

# expect_attach_detach METHOD
expect_attach_detach() {
    local m=$1
    if [ "$status" -ne 0 ] || [ "$(wc -l <<<"$output")" -ne 2 ] ||
        ! jq -e . <<<"$output" >/dev/null 2>&1; then
        not_ok "mountwatch -J ($m): two JSON lines and exit 0"
        show_run
        return
    fi
    if [ "$(j 1 .event)" = attach ] && [ "$(j 1 .target)" = "$dir/a" ] &&
        [ "$(j 1 .fstype)" = tmpfs ] && [ "$(j 1 .source)" = vmwatch ] &&
        [ "$(j 1 .method)" = "$m" ]; then
        ok "mountwatch $m: attach of a tmpfs: $(sed -n 1p <<<"$output")"
    else
        not_ok "mountwatch $m: attach with target, fstype, source, method"
        show_run
    fi
    if [ "$(j 2 .event)" = detach ] && [ "$(j 2 .target)" = "$dir/a" ] &&
        [ "$(j 2 .method)" = "$m" ]; then
        ok "mountwatch $m: detach names the target: $(sed -n 2p <<<"$output")"
    else
        not_ok "mountwatch $m: detach naming the target"
        show_run
    fi
}

watch_mount -J --count 2 --timeout 60 --under "$dir"
expect_attach_detach "${auto:-mountinfo}"
watch_mount -J --method mountinfo --count 2 --timeout 60 --under "$dir"
expect_attach_detach mountinfo

# --until-mounted: at once when already a mount point, later when mounted.
mount -t tmpfs -o size=1m vmwatch "$dir/b"
run timeout 30 "$mw" -q --until-mounted "$dir/b"
expect_status 0 "mountwatch --until-mounted on a mount point returns at once"
run timeout 30 "$mw" -q --until-unmounted "$dir/a"
expect_status 0 "mountwatch --until-unmounted on no mount point returns at once"
(sleep 2 && umount "$dir/b") &
run timeout 30 "$mw" -q --until-unmounted "$dir/b" --timeout 20
expect_status 0 "mountwatch --until-unmounted returns once unmounted"
wait
(sleep 2 && mount -t tmpfs -o size=1m vmwatch "$dir/b") &
run timeout 30 "$mw" -q --until-mounted "$dir/b" --timeout 20
expect_status 0 "mountwatch --until-mounted returns once mounted"
wait
check "mountwatch --until-mounted: $dir/b is mounted when it returns" \
    grep -q " $dir/b " /proc/self/mounts
umount "$dir/b"
run "$mw" -q --until-mounted "$dir/b" --timeout 1
expect_status 3 "mountwatch --until-mounted --timeout 1 expires"

vm_done
