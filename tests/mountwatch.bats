#!/usr/bin/env bats
# mountwatch: every event kind under each method, the filters, the ends
# (--count, --timeout, --until-*), --initial, -N, the output forms, lost
# events, and bad input. Every test that mounts does it in a private mount
# namespace (in_ns), where the watcher runs too.

load helpers

# The watchers below run with --timeout 120: a bound for a hang, not a
# speed claim. On a loaded machine (the sanitizer build, other work beside
# it) reaching -c N can take far longer than it should; a lost event still
# ends in exit 3 and fails the test.

setup() {
    D=$BATS_TEST_TMPDIR
    mkdir -p "$D/a" "$D/b" "$D/c/x" "$D/sub/dir"
    export D
    limit_pids 200
}

teardown() {
    [ -z "${HOLDER:-}" ] || { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null || true; }
    [ -z "${OLD_QUEUE:-}" ] || echo "$OLD_QUEUE" > /proc/sys/fs/fanotify/max_queued_events
    unlimit_pids
}

# What every namespace script can use.
NS_LIB=$(cat <<'EOF'
set -euo pipefail
MW=
trap '[ -z "$MW" ] || { kill "$MW" 2>/dev/null; wait "$MW" 2>/dev/null || true; }' EXIT
# watch ARGS...: mountwatch in the background (stdout in $D/out, stderr in
# $D/err); returns once it says it is ready: subscribed, table read.
watch() {
    "$B/mountwatch" -v "$@" > "$D/out" 2> "$D/err" &
    MW=$!
    for _ in $(seq 3000); do
        grep -qs '^mountwatch: ready:' "$D/err" && return 0
        kill -0 "$MW" 2>/dev/null || break
        sleep 0.01
    done
    echo "the watcher never got ready" >&2
    cat "$D/err" >&2
    return 1
}
# await N [PATTERN]: waits until the watcher has printed N lines (matching
# PATTERN): the next step then cannot overtake the last one.
await() {
    for _ in $(seq 3000); do
        [ "$(grep -cs -- "${2:-}" "$D/out")" -ge "$1" ] && return 0
        kill -0 "$MW" 2>/dev/null || break
        sleep 0.01
    done
    echo "no $1 lines${2:+ matching $2} in:" >&2
    cat "$D/out" "$D/err" >&2
    return 1
}
# idle: waits until the watcher sleeps in poll(), done with what came before.
idle() {
    for _ in $(seq 3000); do
        grep -qs poll "/proc/$MW/wchan" && return 0
        sleep 0.01
    done
    echo "the watcher never went idle" >&2
    return 1
}
# finish: waits for the watcher and says how it ended.
finish() {
    local s=0
    wait "$MW" || s=$?
    MW=
    echo "status=$s"
}
# burst DIR N: N tmpfs mount/umount pairs on DIR, as fast as the kernel goes.
burst() {
    perl -e 'require "syscall.ph"; my ($d, $n) = @ARGV; my ($s, $t) = ("burst", "tmpfs");
        for (1 .. $n) {
            syscall(SYS_mount(), $s, $d, $t, 0, 0) == 0 or die "mount: $!";
            syscall(SYS_umount2(), $d, 0) == 0 or die "umount: $!";
        }' "$1" "$2"
}
EOF
)

# in_ns SCRIPT [ARGS...]: SCRIPT in a private mount namespace, ARGS as $1...
in_ns() {
    local script=$1
    shift
    unshare -m --propagation private bash -c "$NS_LIB"$'\n'"$script" in_ns "$@"
}

# The JSON Lines of the last run's output, one event per line.
events() {
    grep '^{' <<<"$output"
}

@test "each method: a tmpfs mount is an attach with target, source, type and options" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -c 1 --timeout 120
            mount -t tmpfs -o size=1m,mode=700 tmpx "$D/a"
            finish
            cat "$D/out"
            grep -E " $D/a " /proc/self/mountinfo | cut -d" " -f1' "$m"
        assert_success
        assert_line "status=0"
        ev=$(events)
        assert_equal "$(wc -l <<<"$ev")" 1
        is_json <<<"$ev"
        assert_equal "$(jq -r .event <<<"$ev")" attach
        assert_equal "$(jq -r .target <<<"$ev")" "$D/a"
        assert_equal "$(jq -r .source <<<"$ev")" tmpx
        assert_equal "$(jq -r .fstype <<<"$ev")" tmpfs
        assert_equal "$(jq -r .options <<<"$ev")" "rw,relatime,size=1024k,mode=700"
        assert_equal "$(jq -r .propagation <<<"$ev")" private
        assert_equal "$(jq -r .root <<<"$ev")" /
        assert_equal "$(jq -r .old_target <<<"$ev")" null
        assert_equal "$(jq -r .method <<<"$ev")" "$m"
        jq -e '.parent_id | type == "number"' <<<"$ev"
        jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}$")' <<<"$ev"
        # The unique 64-bit id under fanotify; mountinfo's own id otherwise.
        if [ "$m" = fanotify ]; then
            jq -e '.mnt_id > 2147483647' <<<"$ev"
        else
            assert_equal "$(jq -r .mnt_id <<<"$ev")" "${lines[-1]}"
        fi
    done
}

@test "every event has exactly the documented JSON keys" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -e all -c 4 --timeout 120
            mount -t tmpfs t "$D/a"
            await 1
            mount -o remount,ro "$D/a"
            await 2
            mount --move "$D/a" "$D/b"
            await 3
            umount "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .event | paste -sd,)" "attach,change,move,detach"
        events | jq -e -s 'all(keys == (["event","mnt_id","parent_id","target","source","fstype",
            "options","propagation","root","old_target","time","method"] | sort))'
    done
}

@test "each method: umount is a detach that still names what was unmounted" {
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs -o size=2m gone "$D/a"
            watch --method "$1" -J -c 1 --timeout 120
            umount "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        ev=$(events)
        assert_equal "$(jq -r .event <<<"$ev")" detach
        assert_equal "$(jq -r .target <<<"$ev")" "$D/a"
        assert_equal "$(jq -r .source <<<"$ev")" gone
        assert_equal "$(jq -r .fstype <<<"$ev")" tmpfs
        assert_equal "$(jq -r .options <<<"$ev")" "rw,relatime,size=2048k"
    done
}

@test "each method: mount --move is one move event with the old and the new target" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -c 2 --timeout 120
            mount -t tmpfs mover "$D/a"
            await 1
            mount --move "$D/a" "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        attach=$(events | sed -n 1p)
        move=$(events | sed -n 2p)
        assert_equal "$(jq -r .event <<<"$move")" move
        assert_equal "$(jq -r .old_target <<<"$move")" "$D/a"
        assert_equal "$(jq -r .target <<<"$move")" "$D/b"
        assert_equal "$(jq -r .source <<<"$move")" mover
        assert_equal "$(jq .mnt_id <<<"$move")" "$(jq .mnt_id <<<"$attach")"
    done
}

@test "each method: remount,ro is a change only when change events are asked for" {
    for m in fanotify mountinfo; do
        # Asked for: the change, with the new options.
        run in_ns '
            mount -t tmpfs t "$D/a"
            watch --method "$1" -J -e change -c 1 --timeout 120
            mount -o remount,ro "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        ev=$(events)
        assert_equal "$(jq -r .event <<<"$ev")" change
        assert_equal "$(jq -r .target <<<"$ev")" "$D/a"
        assert_equal "$(jq -r .options <<<"$ev")" "ro,relatime"
        # Not asked for: the first event after the remount is the umount.
        # (fanotify then names the mount as it was last seen: rw.)
        run in_ns '
            mount -t tmpfs t "$D/a"
            watch --method "$1" -J -c 1 --timeout 120
            mount -o remount,ro "$D/a"
            umount "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r '.event + " " + .target')" "detach $D/a"
    done
}

@test "each method: a propagation change shows with the next change the kernel tells of" {
    # Neither fanotify nor a mountinfo poll wakes for --make-shared (the
    # kernel does not notify it): the remount after it carries it.
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs t "$D/a"
            watch --method "$1" -J -e change -c 1 --timeout 120
            mount --make-shared "$D/a"
            mount -o remount,ro "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r '.propagation + " " + .options')" "shared ro,relatime"
    done
}

@test "each method: a bind mount is an attach with the source's root and type" {
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs bindsrc "$D/a"
            mkdir -p "$D/a/inner"
            watch --method "$1" -J -c 1 --timeout 120
            mount --bind "$D/a/inner" "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        ev=$(events)
        assert_equal "$(jq -r .event <<<"$ev")" attach
        assert_equal "$(jq -r .target <<<"$ev")" "$D/b"
        assert_equal "$(jq -r .root <<<"$ev")" /inner
        assert_equal "$(jq -r .source <<<"$ev")" bindsrc
        assert_equal "$(jq -r .fstype <<<"$ev")" tmpfs
    done
}

@test "fanotify: a burst of 2,000 mount/umount pairs gives every one of the 4,000 events" {
    run in_ns '
        watch --method fanotify -J -c 4000 --timeout 60
        burst "$D/a" 2000
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r .event | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd,)" \
        "attach=2000,detach=2000"
    # A mount may be gone before its details can be read: then it is
    # reported by id alone; when named, it is named right.
    assert_equal "$(events | jq -r 'select(.target != null) | .target' | sort -u | grep -vcxF "$D/a")" 0
    # Each id attaches once and detaches once.
    assert_equal "$(events | jq -r .mnt_id | sort | uniq -c | awk '$1 != 2' | wc -l)" 0
}

@test "each method: --until-mounted returns at once when PATH is a mount point already" {
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs t "$D/a"
            s=0
            "$B/mountwatch" --method "$1" --until-mounted "$D/a" --timeout 120 || s=$?
            echo "status=$s"' "$m"
        assert_success
        assert_output "status=0"
    done
}

@test "each method: --until-mounted waits for the mount, prints it, and exits 0" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J --until-mounted "$D/a/" --timeout 120
            mount -t tmpfs -o size=1m other "$D/b"
            mount -t tmpfs -o size=1m wanted "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .source | paste -sd,)" "other,wanted"
    done
}

@test "each method: --until-unmounted waits until no mount is left on PATH" {
    for m in fanotify mountinfo; do
        # Not a mount point at start: returns at once.
        run in_ns '
            s=0
            "$B/mountwatch" --method "$1" --until-unmounted "$D/a" --timeout 120 || s=$?
            echo "status=$s"' "$m"
        assert_success
        assert_output "status=0"
        # Two mounts stacked on it: both have to go.
        run in_ns '
            mount -t tmpfs lower "$D/a"
            mount -t tmpfs upper "$D/a"
            watch --method "$1" -J --until-unmounted "$D/a" --timeout 120
            umount "$D/a"
            umount "$D/a"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r '.event + " " + .source' | paste -sd,)" "detach upper,detach lower"
    done
}

@test "each method: --timeout with nothing happening exits 3" {
    for m in fanotify mountinfo; do
        run -3 "$B/mountwatch" --method "$m" --timeout 200ms
        assert_output ""
        run -3 in_ns '"$B/mountwatch" --method "$1" --until-mounted "$D/a" --timeout 0.2' "$m"
        run -3 in_ns '
            mount -t tmpfs t "$D/a"
            "$B/mountwatch" --method "$1" --until-unmounted "$D/a" --timeout 0.2' "$m"
    done
}

@test "-q prints nothing, -c counts only the events asked for" {
    run in_ns '
        watch -q --until-mounted "$D/a" --timeout 120
        mount -t tmpfs t "$D/a"
        finish
        wc -c < "$D/out"'
    assert_success
    assert_line "status=0"
    assert_line 0
    run in_ns '
        watch -J -e detach -c 1 --timeout 120
        mount -t tmpfs t "$D/a"
        umount "$D/a"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r .event)" detach
}

@test "each method: -T and --under pick mounts by where they are" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -T "$D/b" -c 2 --timeout 120
            mount -t tmpfs ta "$D/a"
            mount -t tmpfs tb "$D/b"
            await 1
            umount "$D/a"
            umount "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r '.event + " " + .source' | paste -sd,)" "attach tb,detach tb"
        run in_ns '
            watch --method "$1" -J --under "$D/c" -c 2 --timeout 120
            mount -t tmpfs ta "$D/a"
            mount -t tmpfs tc "$D/c"
            mkdir "$D/c/x"
            mount -t tmpfs tcx "$D/c/x"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .source | paste -sd,)" "tc,tcx"
    done
}

@test "each method: -T matches a move from or to PATH" {
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs t "$D/a"
            watch --method "$1" -J -T "$D/a" -c 1 --timeout 120
            mount --move "$D/a" "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r '.event + " " + .old_target')" "move $D/a"
    done
}

@test "each method: -t picks filesystem types, \"no\" leaves one out" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -t proc -c 1 --timeout 120
            mount -t tmpfs t "$D/a"
            mount -t proc p "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .fstype)" proc
        run in_ns '
            watch --method "$1" -J -t notmpfs,noramfs -c 1 --timeout 120
            mount -t tmpfs t "$D/a"
            mount -t ramfs r "$D/c"
            mount -t proc p "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .fstype)" proc
    done
}

@test "each method: -S picks a source by name or by block device" {
    for m in fanotify mountinfo; do
        run in_ns '
            watch --method "$1" -J -S wanted -c 1 --timeout 120
            mount -t tmpfs other "$D/a"
            mount -t tmpfs wanted "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=0"
        assert_equal "$(events | jq -r .target)" "$D/b"
    done
    # A device node of our own for the loop device: matched by number.
    truncate -s 16M "$D/img"
    mkfs.ext4 -q "$D/img"
    run in_ns '
        mount -t tmpfs devs "$D/c"
        loop=$(losetup -f --show "$D/img")
        trap "losetup -d $loop; [ -z \"\$MW\" ] || kill \$MW" EXIT
        mknod "$D/c/disk" b $(stat -c "0x%t 0x%T" "$loop")
        watch -J -S "$D/c/disk" -c 1 --timeout 120
        mount -t tmpfs notit "$D/b"
        mount "$loop" "$D/a"
        finish
        umount "$D/a"
        cat "$D/out"
        echo "loop=$loop"'
    assert_success
    assert_line "status=0"
    loop=$(grep '^loop=' <<<"$output" | cut -d= -f2)
    assert_equal "$(events | jq -r '.target + " " + .source + " " + .fstype')" "$D/a $loop ext4"
}

@test "-e picks event kinds; a bad list is a usage error" {
    run in_ns '
        watch -J -e move,detach -c 2 --timeout 120
        mount -t tmpfs t "$D/a"
        mount --move "$D/a" "$D/b"
        umount "$D/b"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r .event | paste -sd,)" "move,detach"
    run --separate-stderr "$B/mountwatch" -e attach,bogus
    assert_equal "$status" 2
    assert_equal "$output" ""
    assert_equal "${stderr_lines[0]}" \
        "mountwatch: unknown event in 'attach,bogus' (choose from attach, detach, move, change, all)"
}

@test "each method: --initial lists every mount as existing, the same under both" {
    run in_ns '
        mount -t tmpfs -o size=1m "we ird" "$D/a"
        for m in fanotify mountinfo; do
            "$B/mountwatch" --method $m --initial -J --timeout 0 > "$D/$m" || [ $? = 3 ]
        done
        grep -c . /proc/self/mountinfo
        for m in fanotify mountinfo; do
            jq -c "del(.mnt_id, .parent_id, .time, .method)" "$D/$m" > "$D/$m.cmp"
            wc -l < "$D/$m"
        done
        cmp "$D/fanotify.cmp" "$D/mountinfo.cmp" && echo same
        jq -r "select(.target == \"$D/a\") | .event + \" \" + .source" "$D/fanotify"'
    assert_success
    assert_equal "${lines[0]}" "${lines[1]}"
    assert_equal "${lines[0]}" "${lines[2]}"
    assert_line same
    assert_line "existing we ird"
}

@test "--initial follows the filters and comes before the changes" {
    run in_ns '
        mount -t tmpfs t1 "$D/a"
        watch --initial -J -T "$D/a" -c 1 --timeout 120
        umount "$D/a"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r '.event + " " + .source' | paste -sd,)" "existing t1,detach t1"
}

@test "each method: -N watches another mount namespace, by PID and by path" {
    holder=$(mktemp -u "$D/holder.XXXX")
    # The holder makes its own mount points: whatever /tmp is (a tmpfs of
    # its own, a private one), they exist in the namespace that is watched.
    unshare -m --propagation private sh -c 'mkdir -p "$1" && mount -t tmpfs nsmark "$1" &&
        echo ready > "$2" && exec sleep 600' sh "$D/c" "$holder" &
    HOLDER=$!
    for _ in $(seq 3000); do [ -s "$holder" ] && break; sleep 0.01; done
    [ -s "$holder" ] || fail "the namespace holder never got ready"
    for m in fanotify mountinfo; do
        for ns in "$HOLDER" "/proc/$HOLDER/ns/mnt"; do
            run in_ns '
                watch --method "$1" -N "$2" -J --initial -T "$D/a" -c 1 --timeout 120
                mount -t tmpfs mine "$D/a"          # not in the watched namespace
                nsenter -t "$3" -m sh -c '"'"'mkdir -p "$1" && mount -t tmpfs theirs "$1"'"'"' sh "$D/a"
                finish
                cat "$D/out"' "$m" "$ns" "$HOLDER"
            assert_success
            assert_line "status=0"
            assert_equal "$(events | jq -r '.event + " " + .source + " " + .method')" "attach theirs $m"
            run "$B/mountwatch" --method "$m" -N "$ns" --initial -J -T "$D/c" --timeout 0
            assert_equal "$status" 3
            assert_equal "$(events | jq -r '.source')" nsmark
            nsenter -t "$HOLDER" -m umount "$D/a"
        done
    done
}

@test "-N: no such process, not a namespace, a nonexistent path: exit 4" {
    run --separate-stderr "$B/mountwatch" -N 4194304 --timeout 0
    assert_equal "$status" 4
    assert_equal "$stderr" "mountwatch: no process with PID 4194304"
    run --separate-stderr "$B/mountwatch" -N /proc/self/ns/net --timeout 0
    assert_equal "$status" 4
    assert_equal "$stderr" "mountwatch: /proc/self/ns/net: not a mount namespace"
    run --separate-stderr "$B/mountwatch" -N "$D/none" --timeout 0
    assert_equal "$status" 4
    assert_equal "$stderr" "mountwatch: cannot open the mount namespace $D/none: No such file or directory"
    assert_equal "$output" ""
}

@test "--until-* on a path that does not exist: exit 4" {
    for opt in --until-mounted --until-unmounted; do
        run --separate-stderr "$B/mountwatch" "$opt" "$D/none"
        assert_equal "$status" 4
        assert_equal "$stderr" "mountwatch: $D/none: No such file or directory"
        assert_equal "$output" ""
        [ ! -e "$D/none" ]
    done
}

@test "usage errors exit 2 with one line and the Try line" {
    for args in "-c 0" "-c x" "--timeout soon" "-J -P" "extra" "-T ''" \
        "--until-mounted / --until-unmounted /" "-e ''"; do
        eval "set -- $args"
        run --separate-stderr "$B/mountwatch" "$@"
        assert_equal "$status" 2
        assert_equal "$output" ""
        assert_equal "${#stderr_lines[@]}" 2
        assert_equal "${stderr_lines[1]}" "Try 'mountwatch --help'."
    done
    run --separate-stderr "$B/mountwatch" --timeout soon
    assert_equal "${stderr_lines[0]}" "mountwatch: invalid duration 'soon'"
    run --separate-stderr "$B/mountwatch" -c 0
    assert_equal "${stderr_lines[0]}" "mountwatch: invalid count '0'"
}

@test "without privilege: auto falls back to mountinfo and -v says why (CAP_SYS_ADMIN not held); forced fanotify exits 5" {
    nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    run --separate-stderr "${nobody[@]}" "$B/mountwatch" --method fanotify --timeout 0
    assert_equal "$status" 5
    assert_equal "$output" ""
    assert_equal "$stderr" "mountwatch: method fanotify is not usable here: fanotify_mark(FAN_MARK_MNTNS): needs CAP_SYS_ADMIN (not held)"
    # The fallback really watches: root mounts, nobody's watcher sees it.
    run in_ns '
        setpriv --reuid=65534 --regid=65534 --clear-groups "$B/mountwatch" -v -J -c 1 --timeout 120 \
            > "$D/out" 2> "$D/err" &
        MW=$!
        for _ in $(seq 3000); do grep -qs "ready" "$D/err" && break; sleep 0.01; done
        mount -t tmpfs seen "$D/a"
        finish
        cat "$D/out" "$D/err"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r '.source + " " + .method')" "seen mountinfo"
    assert_line "mountwatch: method fanotify passed over: fanotify_mark(FAN_MARK_MNTNS): needs CAP_SYS_ADMIN (not held)"
    assert_line --partial "mountwatch: using method mountinfo:"
}

@test "in a user namespace of its own, fanotify works unprivileged" {
    setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U -r true 2>/dev/null ||
        skip "unprivileged user namespaces are turned off here"
    run setpriv --reuid=65534 --regid=65534 --clear-groups \
        unshare -U -r -m --propagation private "$B/mountwatch" --method fanotify --initial -J --timeout 0
    assert_equal "$status" 3
    assert_equal "$(events | jq -r .method | sort -u)" fanotify
}

@test "a closed stdout ends the run quietly" {
    run --separate-stderr closed_pipe "$B/mountwatch" --initial
    assert_success
    assert_equal "$stderr" ""
    # A reader that goes away while nothing happens: the watcher notices.
    run --separate-stderr bash -c '"$B/mountwatch" --timeout 120 | true; echo "status=${PIPESTATUS[0]}"'
    assert_output "status=0"
    assert_equal "$stderr" ""
}

@test "a write error on stdout exits 4" {
    run --separate-stderr bash -c '"$B/mountwatch" --initial --timeout 0 > /dev/full'
    assert_equal "$status" 4
    assert_equal "$stderr" "mountwatch: write error: No space left on device"
}

@test "human output: one aligned line per event; odd names stay on one line" {
    mkdir -p "$D/odd
name"
    run in_ns '
        watch -c 3 --timeout 120
        mount -t tmpfs -o size=1m tmpx "$D/a"
        await 1
        mount --move "$D/a" "$D/b"
        mount -t tmpfs t "$D/odd
name"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_line --regexp "^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} attach   $D/a +tmpx +tmpfs +rw,relatime,size=1024k$"
    assert_line --regexp "^[0-9:.]+ move     $D/b +tmpx +tmpfs +rw,relatime,size=1024k \(from $D/a\)$"
    assert_line --regexp "^[0-9:.]+ attach   $D/odd\\\\x0aname +t +tmpfs +rw,relatime"
    assert_equal "${#lines[@]}" 4
}

@test "-P gives KEY=\"value\" pairs that eval back" {
    run in_ns '
        watch -P -c 1 --timeout 120
        mount -t tmpfs "a\"b\$c" "$D/a"
        finish
        cat "$D/out"'
    assert_success
    line=$(grep '^EVENT=' <<<"$output")
    eval "$line"
    assert_equal "$EVENT" attach
    assert_equal "$TARGET" "$D/a"
    assert_equal "$SOURCE" 'a"b$c'
    assert_equal "$METHOD" fanotify
}

@test "JSON stays valid for names with quotes, backslashes and newlines" {
    weird="$D/q\"b\\s n
l"
    mkdir -p "$weird"
    run in_ns '
        watch -J -c 2 --timeout 120
        mount -t tmpfs "s\\\"rc" "$1"
        await 1
        umount "$1"
        finish
        cat "$D/out"' "$weird"
    assert_success
    assert_line "status=0"
    events | jq -e -s 'length == 2'
    assert_equal "$(events | head -1 | jq -r .target)" "$weird"
    assert_equal "$(events | tail -1 | jq -r .target)" "$weird"
}

@test "mountinfo: a mount that came and went unseen is an overflow event" {
    run in_ns '
        watch --method mountinfo -J -c 1 --timeout 120
        idle
        kill -STOP "$MW"
        mount -t tmpfs fleeting "$D/a"
        umount "$D/a"
        kill -CONT "$MW"
        await 1 overflow
        mount -t tmpfs after "$D/b"
        finish
        cat "$D/out" "$D/err"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r '.event + " " + (.source // "-")' | paste -sd,)" "overflow -,attach after"
    assert_line "mountwatch: the table changed but shows no difference: a change came and went"
}

@test "fanotify: a queue overflow is an overflow event, then what differs" {
    OLD_QUEUE=$(cat /proc/sys/fs/fanotify/max_queued_events)
    # A small queue for this watcher only: the limit is read when it starts.
    run in_ns '
        echo 16 > /proc/sys/fs/fanotify/max_queued_events
        mount -t tmpfs was-there "$D/b"
        watch --method fanotify -J --until-mounted "$D/c" --timeout 120
        echo "$2" > /proc/sys/fs/fanotify/max_queued_events
        kill -STOP "$MW"
        burst "$D/a" 40
        mount -t tmpfs stays "$D/a"
        umount "$D/b"
        kill -CONT "$MW"
        await 1 was-there
        mount -t tmpfs end "$D/c"
        finish
        cat "$D/out" "$D/err"' fanotify "$OLD_QUEUE"
    assert_success
    assert_line "status=0"
    assert_line "mountwatch: fanotify queue overflow: events were lost, listing the table again"
    # The overflow, then the difference the new listing shows.
    assert_equal "$(events | jq -r 'select(.event == "overflow") | .event')" overflow
    after=$(events | sed -n '/"overflow"/,$p' | tail -n +2 | grep -v '"source":"end"')
    assert_equal "$(jq -r '.event + " " + .source' <<<"$after" | sort | paste -sd,)" \
        "attach stays,detach was-there"
}

@test "wishbox features lists both methods with a reason" {
    run "$B/wishbox" features -J
    assert_success
    assert_equal "$(jq -r '.tools[] | select(.tool == "mountwatch") | [.methods[].method] | join(",")' <<<"$output")" \
        "fanotify,mountinfo"
    assert_equal "$(jq -r '.tools[] | select(.tool == "mountwatch") | .auto' <<<"$output")" fanotify
    jq -e '.tools[] | select(.tool == "mountwatch") | all(.methods[]; .available and (.reason | length > 0))' <<<"$output"
}

@test "the static binary, in an empty chroot with only /proc: both methods work" {
    root="$D/root"
    mkdir -p "$root/proc" "$root/bin"
    cp "${WISHBOX_STATIC:-$B/wishbox.static}" "$root/bin/wishbox"
    chrooted() {
        unshare -m --propagation private sh -c 'mount -t proc proc "$1/proc" && shift && exec chroot "$@"' \
            sh "$root" "$root" /bin/wishbox mountwatch "$@"
    }
    for m in fanotify mountinfo; do
        run chrooted --method "$m" --initial -J --timeout 0
        assert_equal "$status" 3
        assert_equal "$(events | jq -r '.event + " " + .target + " " + .method')" "existing /proc $m"
        run chrooted --method "$m" -q --until-mounted /proc --timeout 10
        assert_success
        assert_output ""
    done
}

# hostile_table DIR: a tmpfs on DIR holding mounts with every hard name and
# shape: empty source, space, tab, newline, backslash, a literal \040,
# bytes that are not UTF-8, an escape sequence, a path near PATH_MAX, bind,
# rbind, overmount, move, overlay with escaped options, the four
# propagation states, a bind of a deleted file.
HOSTILE=$(cat <<'EOF'
hostile_table() {
    local b=$1 p i
    mkdir -p "$b"
    mount -t tmpfs base "$b"
    mkdir -p "$b/empty" "$b/sp ace" "$b/ta	b" "$b/new
line" "$b/back\\slash" "$b/lit\\040name" "$b/$(printf '\377\376')" "$b/ctl" "$b/bind" \
        "$b/rsrc" "$b/rbind" "$b/over" "$b/mvsrc" "$b/mvdst" "$b/lower dir" "$b/lo,wer" \
        "$b/up" "$b/work" "$b/ovl" "$b/shared" "$b/slave" "$b/private" "$b/unbindable"
    mount -t tmpfs "" "$b/empty"
    mount -t tmpfs "src with space" "$b/sp ace"
    mkdir "$b/sp ace/dir"
    mount -t tmpfs "tab	src" "$b/ta	b"
    mount -t tmpfs nl "$b/new
line"
    mount -t tmpfs 'back\slash' "$b/back\\slash"
    mount -t tmpfs 'lit\040src' "$b/lit\\040name"
    mount -t tmpfs "$(printf 'x\377y')" "$b/$(printf '\377\376')"
    mount -t tmpfs "$(printf 'esc\033[1m')" "$b/ctl"
    p=$b/long
    for i in $(seq 15); do p=$p/$(printf 'd%.0s' $(seq 250)); done
    mkdir -p "$p"
    mount -t tmpfs long "$p"
    mount --bind "$b/sp ace/dir" "$b/bind"
    mount -t tmpfs rsrc "$b/rsrc"
    mkdir "$b/rsrc/sub"
    mount -t tmpfs rsub "$b/rsrc/sub"
    mount --rbind "$b/rsrc" "$b/rbind"
    mount -t tmpfs over1 "$b/over"
    mount -t tmpfs over2 "$b/over"
    mount -t tmpfs mv "$b/mvsrc"
    mount --move "$b/mvsrc" "$b/mvdst"
    mount -t overlay ovl -o "lowerdir=$b/lower dir:$b/lo\\,wer,upperdir=$b/up,workdir=$b/work" "$b/ovl"
    mount -t tmpfs sh "$b/shared"
    mount --make-shared "$b/shared"
    mount --bind "$b/shared" "$b/slave"
    mount --make-slave "$b/slave"
    mount -t tmpfs pr "$b/private"
    mount --make-private "$b/private"
    mount -t tmpfs ub "$b/unbindable"
    mount --make-unbindable "$b/unbindable"
    touch "$b/file" "$b/fbind"
    mount --bind "$b/file" "$b/fbind"
    rm "$b/file"
}
EOF
)

# The six fields of every mount under $D/h, one JSON array a line, sorted:
# from findmnt -J, from mountwatch -J (root is findmnt's fsroot).
fields_findmnt() {
    jq -c --arg d "$D/h" '.filesystems[] | select(.target | startswith($d)) |
        [.target, .source, .fstype, .options, .propagation, .fsroot]' "$1" | sort
}
fields_mountwatch() {
    jq -c --arg d "$D/h" 'select(.target | startswith($d)) |
        [.target, .source, .fstype, .options, .propagation, .root]' "$1" | sort
}
# The same from -P lines, each value's bytes in hex: findmnt writes \xHH
# (printf %b decodes it), mountwatch's values eval to the bytes themselves.
pairs_hex() {
    local decode=$1 line v out
    while IFS= read -r line; do
        TARGET='' SOURCE='' FSTYPE='' OPTIONS='' PROPAGATION='' ROOT='' FSROOT=''
        eval "$line"
        [ -n "$FSROOT" ] && ROOT=$FSROOT
        case $TARGET in "$D/h"*) ;; *) continue ;; esac
        out=
        for v in "$TARGET" "$SOURCE" "$FSTYPE" "$OPTIONS" "$PROPAGATION" "$ROOT"; do
            if [ "$decode" = yes ]; then v=$(printf '%b.' "$v"); else v=$v.; fi
            out+=$(printf %s "${v%.}" | od -An -v -tx1 | tr -d ' \n')" "
        done
        echo "$out"
    done < "$2" | sort
}

@test "each method: --initial agrees with findmnt field by field on a table of hostile mounts (-J and -P)" {
    run in_ns "$HOSTILE"'
        hostile_table "$D/h"
        findmnt -J -l -v -o TARGET,SOURCE,FSTYPE,OPTIONS,PROPAGATION,FSROOT > "$D/findmnt.json"
        findmnt -P -v -o TARGET,SOURCE,FSTYPE,OPTIONS,PROPAGATION,FSROOT > "$D/findmnt.pairs"
        for m in fanotify mountinfo; do
            "$B/mountwatch" --method "$m" --initial -J --under "$D/h" --timeout 0 > "$D/$m.json" || [ $? = 3 ]
            "$B/mountwatch" --method "$m" --initial -P --under "$D/h" --timeout 0 > "$D/$m.pairs" || [ $? = 3 ]
        done'
    assert_success
    fields_findmnt "$D/findmnt.json" > "$D/want"
    assert_equal "$(wc -l < "$D/want")" 24
    # The only documented difference: no source is null here and in
    # findmnt -J, and findmnt -J also says null.
    pairs_hex yes "$D/findmnt.pairs" > "$D/want.pairs"
    assert_equal "$(wc -l < "$D/want.pairs")" 24
    for m in fanotify mountinfo; do
        is_json < "$D/$m.json"
        fields_mountwatch "$D/$m.json" > "$D/got"
        run diff "$D/want" "$D/got"
        assert_success
        pairs_hex no "$D/$m.pairs" > "$D/got.pairs"
        run diff "$D/want.pairs" "$D/got.pairs"
        assert_success
        # The exact bytes of what JSON cannot hold.
        assert_equal "$(jq -r --arg t "$D/h/" 'select(.target_base64) | .target_base64' "$D/$m.json" |
            base64 -d | od -An -tx1 | tr -d ' \n')" \
            "$(printf '%s\377\376' "$D/h/" | od -An -tx1 | tr -d ' \n')"
        assert_equal "$(jq -r 'select(.source_base64) | .source_base64' "$D/$m.json" | base64 -d | od -An -tx1 | tr -d ' \n')" \
            "$(printf 'x\377y' | od -An -tx1 | tr -d ' \n')"
        # Only where a string is not UTF-8.
        assert_equal "$(grep -c _base64 "$D/$m.json")" 1
    done
}

@test "each method: -P values eval back to their exact bytes (newline, tab, backslash, a literal \\x0a, not UTF-8)" {
    names=("$D/n
l" "$D/t	b" "$D/back\\slash" "$D/lit\\x0a" "$D/$(printf 'bad\377\376')" "$D/q'\"\$(id)\`x\`")
    mkdir -p "${names[@]}"
    for m in fanotify mountinfo; do
        run in_ns '
            m=$1; shift
            watch --method "$m" -P -c $# --timeout 120
            i=0
            for n in "$@"; do mount -t tmpfs "src:$n" "$n"; i=$((i + 1)); await "$i"; done
            finish
            cat "$D/out"' "$m" "${names[@]}"
        assert_success
        assert_line "status=0"
        mapfile -t got < <(grep -a '^EVENT=' <<<"$output")
        assert_equal "${#got[@]}" "${#names[@]}"
        for i in "${!names[@]}"; do
            TARGET='' SOURCE=''
            eval "${got[$i]}"
            assert_equal "$(printf %s "$TARGET" | od -An -tx1)" "$(printf %s "${names[$i]}" | od -An -tx1)"
            assert_equal "$(printf %s "$SOURCE" | od -An -tx1)" "$(printf %s "src:${names[$i]}" | od -An -tx1)"
        done
        # A newline and a literal "\x0a" no longer come back the same.
        [ "${names[0]}" != "${names[3]}" ]
    done
}

@test "mountinfo: a detach and a new mount of another source are never a move or a change (issue 15)" {
    run in_ns '
        watch --method mountinfo -J -e all -c 7 --timeout 120
        mount -t tmpfs t1 "$D/a"
        await 1
        # Between two readings: the new mount takes the old one'"'"'s id
        # and device number.
        kill -STOP "$MW"
        umount "$D/a"
        mount -t tmpfs t2 "$D/b"
        kill -CONT "$MW"
        await 3
        # A new filesystem at the same place.
        kill -STOP "$MW"
        umount "$D/b"
        mount -t tmpfs t3 "$D/b"
        kill -CONT "$MW"
        await 5
        # ...with other options too.
        kill -STOP "$MW"
        umount "$D/b"
        mount -t tmpfs -o size=1m t4 "$D/b"
        kill -CONT "$MW"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r '.event + " " + (.target | ltrimstr(env.D)) + " " + .source' | paste -sd,)" \
        "attach /a t1,detach /a t1,attach /b t2,detach /b t2,attach /b t3,detach /b t3,attach /b t4"
    # A real move is still a move.
    run in_ns '
        watch --method mountinfo -J -c 2 --timeout 120
        mount -t tmpfs t "$D/a"
        await 1
        kill -STOP "$MW"
        mount --move "$D/a" "$D/b"
        kill -CONT "$MW"
        finish
        cat "$D/out"'
    assert_success
    assert_equal "$(events | jq -r '.event + " " + (.target | ltrimstr(env.D))' | paste -sd,)" "attach /a,move /b"
}

@test "fanotify -e all: a new mount that took a gone one's place is no change (issue 15)" {
    run in_ns '
        watch --method fanotify -J -e all --until-mounted "$D/c" --timeout 120
        mount -t tmpfs t2 "$D/a"
        await 1
        kill -STOP "$MW"
        umount "$D/a"
        mount -t tmpfs t4 "$D/a"
        kill -CONT "$MW"
        await 3
        mount -t tmpfs end "$D/c"
        finish
        cat "$D/out"'
    assert_success
    assert_line "status=0"
    assert_equal "$(events | jq -r '.event + " " + .source' | paste -sd,)" \
        "attach t2,detach t2,attach t4,attach end"
}

@test "each method: a mount with an empty source spoils nothing (issue 10)" {
    for m in fanotify mountinfo; do
        run in_ns '
            mount -t tmpfs "" "$D/c"
            "$B/mountwatch" --method "$1" --initial -J -T "$D/c" --timeout 0 || echo "status=$?"
            watch --method "$1" -J -e all --until-mounted "$D/b" --timeout 120
            mount -o remount,ro "$D/c"
            await 1
            mount -t tmpfs x "$D/b"
            finish
            cat "$D/out"' "$m"
        assert_success
        assert_line "status=3"
        assert_line "status=0"
        assert_equal "$(events | jq -r '.event + " " + (.source // "null") + " " + .method' | paste -sd,)" \
            "existing null $m,change null $m,attach x $m"
    done
}
