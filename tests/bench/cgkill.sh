#!/usr/bin/env bash
# Benchmark: cgkill's methods against `pkill --cgroup` (procps) and a shell
# loop over cgroup.procs, on three workloads, each bounded by pids.max:
#   sleepers   N sleeping processes (default 1000)
#   runner     a "fork runner": fork a child and exit, in a tight loop
#   bomb       a fork bomb (every process forks forever), pids.max BOMB_MAX
#              (default 2000)
# For each: the time until cgroup.events says "populated 0", and whether it
# got there within 10 s. The anchors run again and again (pkill reads the
# process list once per run) until the tree is empty or 10 s have passed.
# Prints figures; asserts nothing about time.
# Usage: tests/bench/cgkill.sh BUILD_DIR     (SLEEPERS=N, BOMB_MAX=N)
set -euo pipefail

build=${1:-build}
ck=$(cd "$build" && pwd)/cgkill
[ -x "$ck" ] || { echo "bench: no $ck (build first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (cgroups)" >&2; exit 1; }
sleepers=${SLEEPERS:-1000}
bomb_max=${BOMB_MAX:-2000}
limit=10

mnt() {
    awk -v type="$1" -v ctl="${2:-}" '{
        for (i = 7; i <= NF; i++) if ($i == "-") break
        if ($(i + 1) != type) next
        if (type == "cgroup" && ("," $(i + 3) ",") !~ ("," ctl ",")) next
        print $5; exit
    }' /proc/self/mountinfo
}
v2=$(mnt cgroup2)
pids=$(mnt cgroup pids)
frz=$(mnt cgroup freezer)
[ -n "$v2" ] || { echo "bench: no cgroup2 mounted" >&2; exit 1; }
name=wishbox-bench-$$
cg=$v2/$name
pcg=${pids:+$pids/$name}
fcg=${frz:+$frz/$name}
tmp=$(mktemp -d)

cleanup() {
    local d
    for d in "$cg" ${fcg:+"$fcg"} ${pcg:+"$pcg"}; do
        [ -d "$d" ] || continue
        [ ! -f "$d/freezer.state" ] || echo THAWED >"$d/freezer.state"
        [ ! -f "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze"
        [ ! -f "$d/cgroup.kill" ] || echo 1 >"$d/cgroup.kill"
        for _ in $(seq 100); do
            xargs -r kill -9 <"$d/cgroup.procs" 2>/dev/null || true
            [ -s "$d/cgroup.procs" ] || break
            sleep 0.05
        done
        for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir "$cg"
if [ -n "$pcg" ]; then
    mkdir "$pcg"
else
    grep -qw pids "$v2/cgroup.subtree_control" || echo +pids >"$v2/cgroup.subtree_control"
fi
[ -z "$fcg" ] || mkdir "$fcg"

set_max() {
    if [ -n "$pcg" ]; then echo "$1" >"$pcg/pids.max"; else echo "$1" >"$cg/pids.max"; fi
}

pids_file() {
    if [ -n "$pcg" ]; then echo "$pcg/$1"; else echo "$cg/$1"; fi
}

# nprocs: the processes in the tree now.
nprocs() {
    find "$cg" -name cgroup.procs -exec cat {} + | wc -l
}

populated() {
    grep -q '^populated 1' "$cg/cgroup.events"
}

# start WORKLOAD: moves a gated shell into the cgroups, then lets it exec
# the workload; returns once the workload is running.
start() {
    local gate=$tmp/gate want=1
    # Dead tasks stay charged to pids.current a while after they are gone:
    # start only once nothing is charged, so each workload gets all of it.
    for _ in $(seq 100); do
        [ "$(cat "$(pids_file pids.current)")" -gt 0 ] || break
        sleep 0.1
    done
    rm -f "$gate" "$tmp/ready"
    mkfifo "$gate" "$tmp/ready"
    (
    case $1 in
    sleepers)
        set_max $((2 * sleepers + 10))
        sh -c 'read -r x <"$1"; exec perl -e "for (1..\$ARGV[0]) { my \$p; \$p = fork until defined \$p; if (!\$p) { sleep 1000 while 1 } }
            open(my \$r, \">\", \$ARGV[1]); print \$r qq(ready\n); close \$r; sleep 1000 while 1" "$2" "$3"' \
            sh "$gate" "$sleepers" "$tmp/ready" &
        ;;
    runner)
        set_max 100
        sh -c 'read -r x <"$1"; exec perl -e "open(my \$r, \">\", \$ARGV[0]); print \$r qq(ready\n); close \$r;
            while (1) { my \$p = fork; exit 0 if defined \$p && \$p > 0 }" "$2"' sh "$gate" "$tmp/ready" &
        ;;
    bomb)
        set_max "$bomb_max"
        sh -c 'read -r x <"$1"; exec perl -e "open(my \$r, \">\", \$ARGV[0]); print \$r qq(ready\n); close \$r;
            while (1) { fork }" "$2"' sh "$gate" "$tmp/ready" &
        ;;
    esac
    echo $! >"$tmp/pid"
    )
    local p
    p=$(<"$tmp/pid")
    [ -z "$pcg" ] || echo "$p" >"$pcg/cgroup.procs"
    [ -z "$fcg" ] || echo "$p" >"$fcg/cgroup.procs"
    echo "$p" >"$cg/cgroup.procs"
    echo go >"$gate"
    read -r _ <"$tmp/ready"
    # Until the sleepers are all there, the bomb has filled 90% of its
    # pids.max (at most 10 s).
    case $1 in
    sleepers) want=$((sleepers + 1)) ;;
    bomb) want=$((bomb_max * 9 / 10)) ;;
    esac
    for _ in $(seq 1000); do
        [ "$(nprocs)" -lt "$want" ] || break
        sleep 0.01
    done
    at_start=$(nprocs)
}

ms_since() {
    echo $((($(date +%s%N) - $1) / 1000000))
}

# Runs one killer on the running workload; prints "<ms> yes|no".
kill_with() {
    local how=$1 t0 end ok=no
    t0=$(date +%s%N)
    end=$((t0 + limit * 1000000000))
    case $how in
    kill | freeze | loop)
        if "$ck" -q -w -t "$limit" --method "$how" "$name"; then ok=yes; fi
        ;;
    v1-freezer)
        if "$ck" -q -w -t "$limit" --method v1-freezer "$fcg" 2>/dev/null; then ok=yes; fi
        ;;
    pkill)
        while populated && [ "$(date +%s%N)" -lt "$end" ]; do
            pkill -9 --cgroup "/$name" || true
        done
        populated || ok=yes
        ;;
    shell)
        while populated && [ "$(date +%s%N)" -lt "$end" ]; do
            while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
        done
        populated || ok=yes
        ;;
    esac
    echo "$(ms_since "$t0") $ok"
}

reap() {
    # What is left (a killer that failed): kill it the sure way, reap it.
    [ ! -f "$cg/cgroup.kill" ] || echo 1 >"$cg/cgroup.kill"
    [ -z "$fcg" ] || echo THAWED >"$fcg/freezer.state"
    "$ck" -q --wait-only -t 10 "$name" || true
}

echo "cgkill bench: kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$ck" --version
echo "anchor: $(pkill --version 2>&1 | head -n1) (pkill -9 --cgroup, repeated until empty)"
echo "anchor: a shell loop reading cgroup.procs and running kill -9 (repeated until empty)"
echo "workloads: $sleepers sleepers; a fork runner (pids.max 100); a fork bomb (pids.max $bomb_max)"
echo "figures: ms until 'populated 0' (at most ${limit} s), and whether it got there"
echo
killers="kill freeze v1-freezer loop pkill shell"
[ -n "$fcg" ] || killers=${killers/v1-freezer /}
printf '%-10s' workload
for k in $killers; do printf ' %12s' "$k"; done
echo
for w in sleepers runner bomb; do
    sizes=''
    printf '%-10s' "$w"
    for k in $killers; do
        start "$w"
        read -r ms ok < <(kill_with "$k")
        if [ "$ok" = yes ]; then printf ' %9s ms' "$ms"; else printf ' %12s' "FAILED"; fi
        sizes+=" $k:$at_start"
        reap
    done
    echo
    echo "           (processes when the killer started:$sizes)"
done
