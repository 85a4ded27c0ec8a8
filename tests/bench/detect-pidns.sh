#!/usr/bin/env bash
# Benchmark: detect-pidns against systemd-detect-virt -c, its anchor.
#
#  1. Wall time per call (fork + exec + answer), p50 and p90 over RUNS runs
#     (default 1000) each, interleaved so that load hits both alike:
#     detect-pidns with auto, --method nsfs, and systemd-detect-virt -c.
#  2. The answers both give in every context of the issue: the host, new PID
#     namespaces with and without their own /proc, nested, in an
#     unprivileged user namespace, a chroot with no /proc, and -p.
#
# Prints figures and a table; asserts nothing.
# Usage: tests/bench/detect-pidns.sh BUILD_DIR     (RUNS=N to change)
set -euo pipefail

build=${1:-build}
build=$(cd "$build" && pwd)
dp=$build/detect-pidns
static=$build/wishbox.static
[ -x "$dp" ] || { echo "bench: no $dp (build first)" >&2; exit 1; }
runs=${RUNS:-1000}
sdv=$(command -v systemd-detect-virt || true)
tmp=$(mktemp -d)
holder=
cleanup() {
    if [ -n "$holder" ]; then
        kill "$holder" 2>/dev/null || true
        wait "$holder" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "detect-pidns bench: kernel $(uname -r), $(nproc) CPUs, $runs runs each, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$dp" --version
if [ -n "$sdv" ]; then
    echo "anchor: systemd-detect-virt $("$sdv" --version | head -n1)"
else
    echo "anchor: systemd-detect-virt not installed"
fi
echo

# --- 1. wall time per call ---
perl - "$runs" "$dp" "${sdv:-}" <<'PERL'
use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use POSIX ();

my ($runs, $dp, $sdv) = @ARGV;
my @cmds = (
    [ 'detect-pidns (auto)', [ $dp ] ],
    [ 'detect-pidns --method nsfs', [ $dp, '--method', 'nsfs' ] ],
);
push @cmds, [ 'systemd-detect-virt -c', [ $sdv, '-c' ] ] if $sdv;
my %t;
open(my $null, '>', '/dev/null') or die;
for my $i (1 .. $runs) {
    for my $c (@cmds) {
        my $t0 = clock_gettime(CLOCK_MONOTONIC);
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            POSIX::dup2(fileno($null), 1);
            exec { $c->[1][0] } @{ $c->[1] } or POSIX::_exit(127);
        }
        waitpid($pid, 0);
        push @{ $t{ $c->[0] } }, clock_gettime(CLOCK_MONOTONIC) - $t0;
    }
}
sub pct { my ($v, $p) = @_; my @s = sort { $a <=> $b } @$v; return $s[int($p * $#s)]; }
printf "%-28s %10s %10s\n", 'wall time per call', 'p50 (ms)', 'p90 (ms)';
my %p50;
for my $c (@cmds) {
    my $v = $t{ $c->[0] };
    $p50{ $c->[0] } = pct($v, 0.5);
    printf "%-28s %10.3f %10.3f\n", $c->[0], 1000 * pct($v, 0.5), 1000 * pct($v, 0.9);
}
if ($sdv) {
    printf "ratio p50: systemd-detect-virt -c / detect-pidns = %.2f\n",
        $p50{'systemd-detect-virt -c'} / $p50{'detect-pidns (auto)'};
}
PERL

# --- 2. the answers in every context ---
echo
echo "Answers (the truth: 'initial' on the host and for -p 1, 'child' elsewhere):"
printf '%-40s %-22s %s\n' context detect-pidns systemd-detect-virt-c
# ans CMD...: "word (method)" or "exit N".
ans_dp() {
    local out st=0
    out=$("$@" -J 2>/dev/null) || st=$?
    if [ "$st" -le 1 ] && [ -n "$out" ]; then
        jq -r '"\(.pidns) (\(.method))"' <<<"$out"
    else
        echo "exit $st"
    fi
}
ans_sdv() {
    [ -n "$sdv" ] || { echo "(not installed)"; return; }
    local out st=0
    out=$("$@" 2>/dev/null) || st=$?
    echo "${out:-exit $st}"
}
row() {
    printf '%-40s %-22s %s\n' "$1" "$2" "$3"
}
row "host" "$(ans_dp "$dp")" "$(ans_sdv "$sdv" -c)"
row "unshare -pf --mount-proc" "$(ans_dp unshare -pf --mount-proc "$dp")" \
    "$(ans_sdv unshare -pf --mount-proc "$sdv" -c)"
row "unshare -pf (the parent's /proc)" "$(ans_dp unshare -pf "$dp")" \
    "$(ans_sdv unshare -pf "$sdv" -c)"
row "nested, two levels" "$(ans_dp unshare -pf --mount-proc unshare -pf --mount-proc "$dp")" \
    "$(ans_sdv unshare -pf --mount-proc unshare -pf --mount-proc "$sdv" -c)"
row "unshare -Urpf --mount-proc (nobody)" \
    "$(ans_dp setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urpf --mount-proc "$dp")" \
    "$(ans_sdv setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urpf --mount-proc "$sdv" -c)"
if [ -x "$static" ]; then
    mkdir -p "$tmp/root/bin"
    cp "$static" "$tmp/root/bin/wishbox"
    row "chroot, no /proc (host ns)" "$(ans_dp chroot "$tmp/root" /bin/wishbox detect-pidns)" \
        "(cannot run there)"
    row "chroot, no /proc, in unshare -pf" \
        "$(ans_dp unshare -pf chroot "$tmp/root" /bin/wishbox detect-pidns)" "(cannot run there)"
fi
mkfifo "$tmp/ready" "$tmp/hold"
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
unshare -pf --mount-proc sh -c 'echo up >"$1"; read -r x <"$2"' sh "$tmp/ready" "$tmp/hold" &
holder=$!
read -r _ <"$tmp/ready"
inner=$(pgrep -P "$holder" | head -n1)
row "-p PID in a child namespace" "$(ans_dp "$dp" -p "$inner")" "(no such option)"
row "-p 1" "$(ans_dp "$dp" -p 1)" "(no such option)"
echo go >"$tmp/hold"
wait "$holder" || true
holder=
