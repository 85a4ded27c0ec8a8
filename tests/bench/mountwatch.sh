#!/usr/bin/env bash
# Benchmark: mountwatch (methods fanotify and mountinfo) against findmnt --poll
# on the same work. In a private mount namespace with 100, 1,000 and 10,000
# mounts there already, 1,000 mount/umount pairs are made at full speed, then
# again with 10 ms between one change and the next. For each watcher: the
# events it reported out of the 2,000 made, the CPU time it used for them
# (from /proc/PID/schedstat, from ready to settled), and that per event made.
#
#   tests/bench/mountwatch.sh BUILD [SIZE...]     (default sizes: 100 1000 10000)
#
# MOUNTWATCH_BEFORE=DIR adds a row for DIR/mountwatch --method mountinfo: an
# earlier build, to compare the mountinfo method before and after a change.
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 10000)
pairs=1000
pace_ms=10

if [ "$(id -u)" -ne 0 ]; then
    echo "bench mountwatch: needs root (it mounts, in a mount namespace of its own)" >&2
    exit 1
fi
command -v findmnt > /dev/null || { echo "bench mountwatch: no findmnt" >&2; exit 1; }

# The outer run makes a work directory, runs itself in a private mount
# namespace, and removes the directory once the namespace (and every mount
# in it) is gone.
if [ -z "${MOUNTWATCH_BENCH_DIR:-}" ]; then
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    MOUNTWATCH_BENCH_DIR=$dir MOUNTWATCH_BEFORE=${MOUNTWATCH_BEFORE:+$(cd "$MOUNTWATCH_BEFORE" && pwd)} unshare -m --propagation private "$0" "$build" "${sizes[@]}"
    exit
fi
dir=$MOUNTWATCH_BENCH_DIR
mount -t tmpfs bench "$dir"
mkdir -p "$dir/src" "$dir/e" "$dir/w"

# existing N: bind mounts of one directory onto N directories, so that the
# namespace holds N more mounts than it started with.
existing() {
    perl -e 'require "syscall.ph"; my ($dir, $from, $to) = @ARGV; my ($none, $bind) = ("", 4096);
        for my $i ($from .. $to) {
            my $t = "$dir/e/$i"; mkdir $t;
            syscall(SYS_mount(), "$dir/src", $t, $none, $bind, 0) == 0 or die "mount $t: $!";
        }' "$dir" "$1" "$2"
}

# work PACE_MS: the pairs, with PACE_MS between one change and the next.
work() {
    perl -e 'require "syscall.ph"; my ($d, $n, $pace) = @ARGV; my ($s, $t) = ("burst", "tmpfs");
        for (1 .. $n) {
            syscall(SYS_mount(), $s, $d, $t, 0, 0) == 0 or die "mount: $!";
            select(undef, undef, undef, $pace / 1000) if $pace;
            syscall(SYS_umount2(), $d, 0) == 0 or die "umount: $!";
            select(undef, undef, undef, $pace / 1000) if $pace;
        }' "$dir/w" "$pairs" "$1"
}

cpu_ns() {
    read -r ns _ < "/proc/$1/schedstat"
    echo "$ns"
}

# Waits until the watcher PID is waiting in poll() and uses no more CPU.
settle() {
    local pid=$1 last=-1 now quiet=0
    for _ in $(seq 600); do
        now=$(cpu_ns "$pid")
        if [ "$now" = "$last" ] && grep -q poll "/proc/$pid/wchan"; then
            quiet=$((quiet + 1))
            [ $quiet -ge 3 ] && return 0
        else
            quiet=0
        fi
        last=$now
        sleep 0.2
    done
    echo "bench mountwatch: watcher $pid never settled" >&2
    return 1
}

# measure NAME PACE_MS COMMAND...: one row of the table.
measure() {
    local name=$1 pace=$2 pid c0 c1 seen named=""
    shift 2
    "$@" > "$dir/out" 2> "$dir/err" &
    pid=$!
    settle "$pid"
    c0=$(cpu_ns "$pid")
    work "$pace"
    settle "$pid"
    c1=$(cpu_ns "$pid")
    kill "$pid"
    wait "$pid" 2> /dev/null || true
    case $name in
        findmnt*)
            seen=$(grep -cE '^(mount|umount) ' "$dir/out" || true)
            ;;
        *)
            seen=$(grep -cE '"event":"(attach|detach)"' "$dir/out" || true)
            named=$(grep -E '"event":"(attach|detach)"' "$dir/out" | grep -cF "\"target\":\"$dir/w\"" || true)
            ;;
    esac
    made=$((2 * pairs))
    awk -v n="$mounts" -v p="$([ "$pace" = 0 ] && echo full || echo "${pace}ms")" -v t="$name" \
        -v s="$seen" -v m="$made" -v c="$((c1 - c0))" -v named="$named" 'BEGIN {
            printf "%7d  %-5s  %-20s %5d/%-5d %6.1f%%  %8.3f  %9.1f", n, p, t, s, m, 100 * s / m,
                c / 1e9, c / 1e3 / m
            if (named != "") printf "   (named %d)", named
            printf "\n"
        }'
    echo "$name $pace $mounts $((c1 - c0))" >> "$dir/cpu"
}

echo "mountwatch bench: $pairs mount/umount pairs ($((2 * pairs)) events), at full speed and ${pace_ms} ms apart"
echo "kernel $(uname -r), $(nproc) CPUs; CPU from /proc/PID/schedstat between ready and settled"
printf "%7s  %-5s  %-20s %11s %7s  %8s  %9s\n" mounts pace watcher seen/made "" "CPU s" "us/event"
have=0
for size in "${sizes[@]}"; do
    if [ "$size" -gt "$have" ]; then
        existing $((have + 1)) "$size"
        have=$size
    fi
    mounts=$(grep -c . /proc/self/mountinfo)
    for pace in 0 "$pace_ms"; do
        measure "mountwatch fanotify" "$pace" "$build/mountwatch" --method fanotify -J
        measure "mountwatch mountinfo" "$pace" "$build/mountwatch" --method mountinfo -J
        if [ -n "${MOUNTWATCH_BEFORE:-}" ]; then
            measure "mountinfo (before)" "$pace" "$MOUNTWATCH_BEFORE/mountwatch" --method mountinfo -J
        fi
        measure "findmnt --poll" "$pace" findmnt --poll -n -o ACTION,TARGET
    done
done
echo
echo "CPU per event, findmnt --poll / mountwatch fanotify (same work):"
awk '{ key = $(NF-2) " " $(NF-1); cpu[$1 " " $2, key] = $NF; keys[key] = 1 }
    END {
        for (k in keys) {
            split(k, a, " ")
            f = cpu["findmnt --poll", k]; m = cpu["mountwatch fanotify", k]
            printf "%7d mounts, %-5s: %8.1fx\n", a[2], (a[1] == 0 ? "full" : a[1] "ms"), (m > 0 ? f / m : 0)
        }
    }' "$dir/cpu" | sort -n
