#!/usr/bin/env bash
# Benchmark: scmfilter-test's figures. No command-line tool does this work
# (the references are the kernel selftests), so each figure has a baseline
# run in the same run instead of an anchor tool:
#
#  1. fds filtered per second by the memfd filter under a flood (100,000 fds
#     in batches of 253): a close thread (async) against closing inline.
#  2. Receive latency p99 while the sender passes slow-close fds (lingering
#     TCP sockets): close thread against inline close. Target: < 1 ms.
#  3. SO_PASSRIGHTS refusal cost per message (the sender's sendmsg() that
#     gets EPERM), against a successful SCM_RIGHTS pass + receive of one fd
#     per message measured by Python's socket.send_fds/recv_fds (interpreter
#     overhead included: a floor for the ratio, not a fair race).
#
# Prints figures and ratios; asserts nothing about time.
# Usage: tests/bench/scmfilter-test.sh BUILD_DIR     (RUNS=N to change, default 5)
set -euo pipefail

build=${1:-build}
st=$(cd "$build" && pwd)/scmfilter-test
[ -x "$st" ] || { echo "bench: no $st (build first)" >&2; exit 1; }
runs=${RUNS:-5}
command -v jq >/dev/null || { echo "bench: needs jq" >&2; exit 1; }

echo "scmfilter-test bench: kernel $(uname -r), $(nproc) CPUs, $runs runs each, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$st" --version

# detail CHECK ARGS...: the detail line of one check run as JSON.
detail() {
    local c=$1
    shift
    "$st" -J "$@" "$c" | jq -r '.[0] | if .result == "pass" then .detail else error(.detail) end'
}

# median: the middle of numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

echo
echo "1. flood: fds filtered per second (median of $runs; '$(basename "$st") -J --close MODE flood')"
declare -A rate
for mode in async inline; do
    rate[$mode]=$(for _ in $(seq "$runs"); do
        detail flood --close "$mode" | sed -n 's/.* filtered at \([0-9]*\) fds\/s.*/\1/p'
    done | median)
    printf '   %-7s %10s fds/s\n' "$mode" "${rate[$mode]}"
done
echo "   async / inline: $(ratio "${rate[async]}" "${rate[inline]}")"

echo
echo "2. slow-close: receive latency p99 (median of $runs; '$(basename "$st") -J slow-close')"
a=()
i=()
for _ in $(seq "$runs"); do
    d=$(detail slow-close)
    a+=("$(sed -n 's/.*close thread \([0-9]*\) us.*/\1/p' <<<"$d")")
    i+=("$(sed -n 's/.*inline close \([0-9]*\) us.*/\1/p' <<<"$d")")
done
pa=$(printf '%s\n' "${a[@]}" | median)
pi=$(printf '%s\n' "${i[@]}" | median)
printf '   close thread %10s us   (target < 1000 us)\n' "$pa"
printf '   inline close %10s us\n' "$pi"
echo "   inline / close thread: $(ratio "$pi" "$pa")"

echo
echo "3. SO_PASSRIGHTS: cost of one refused SCM_RIGHTS message (median of $runs; 2000 messages each)"
if "$st" --method kernel passrights-refuse >/dev/null 2>&1; then
    refuse=$(for _ in $(seq "$runs"); do
        detail passrights-refuse --method kernel | sed -n 's/.*refusal costs \([0-9]*\) ns.*/\1/p'
    done | median)
    printf '   refused (EPERM)         %8s ns/message\n' "$refuse"
    if command -v python3 >/dev/null; then
        pass=$(for _ in $(seq "$runs"); do
            python3 - <<'PY'
import os, socket, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
fd = os.open("/dev/null", os.O_RDONLY)
n = 2000
t0 = time.perf_counter_ns()
for _ in range(n):
    socket.send_fds(a, [b"f"], [fd])
    _, fds, _, _ = socket.recv_fds(b, 16, 4)
    for f in fds:
        os.close(f)
print((time.perf_counter_ns() - t0) // n)
PY
        done | median)
        printf '   passed + received (py)  %8s ns/message\n' "$pass"
        echo "   passed / refused: $(ratio "$pass" "$refuse")"
    fi
else
    echo "   SO_PASSRIGHTS is not in this kernel (6.16+): nothing to measure"
fi
