#!/usr/bin/env bash
# Benchmark: the start-up cost setcomm-exec adds, against its anchors in the
# same run: `/bin/true` alone, and bash's `exec -a NAME /bin/true` (which
# changes argv[0] only).
#
# Each command is started RUNS times (default 500), interleaved round by
# round so that load on a shared machine falls on all alike, from one perl
# process (fork, exec, waitpid); the figure is the wall time of one start to
# its reap. Prints p50/p99 per command and the extra over each anchor at the
# p50; asserts nothing about time.
# Usage: tests/bench/setcomm-exec.sh BUILD_DIR     (RUNS=N to change)
set -euo pipefail

build=${1:-build}
sc=$(cd "$build" && pwd)/setcomm-exec
[ -x "$sc" ] || { echo "bench: no $sc (build first)" >&2; exit 1; }
runs=${RUNS:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
true_bin=$(readlink -f /bin/true)

echo "setcomm-exec bench: kernel $(uname -r), $(nproc) CPUs, $runs runs per command, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$sc" --version
echo "anchor: $(bash --version | head -n1)"
nice=()
if [ "$(id -u)" -eq 0 ]; then
    nice=(nice -n -10)
    echo "(run at nice -10)"
fi
# execveat: NAME is the file's own name ("true"), where this kernel allows.
if "$sc" -n --method execveat "$true_bin" >/dev/null 2>&1; then
    execveat=1
else
    execveat=0
    echo "(execveat: not usable here: $("$sc" -n --method execveat "$true_bin" 2>&1 >/dev/null))"
fi
TMPDIR=$tmp "${nice[@]}" perl - "$sc" "$runs" "$true_bin" "$execveat" <<'PERL'
use strict;
use warnings;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
use POSIX qw(:sys_wait_h);

my ($sc, $runs, $true, $execveat) = @ARGV;
my @cmds = (
    [ '/bin/true', [ $true ] ],
    [ "bash -c 'exec -a NAME /bin/true'", [ '/bin/bash', '-c', "exec -a napper $true" ] ],
    [ 'setcomm-exec -c NAME /bin/true (auto)', [ $sc, '-c', 'napper', $true ] ],
    [ 'setcomm-exec --method link', [ $sc, '--method', 'link', '-c', 'napper', $true ] ],
    [ 'setcomm-exec --method fexecve', [ $sc, '--method', 'fexecve', '-c', 'napper', $true ] ],
    [ 'setcomm-exec -c true /bin/true (auto)', [ $sc, '-c', 'true', $true ] ],
);
push @cmds, [ 'setcomm-exec --method execveat', [ $sc, '--method', 'execveat', '-c', 'true', $true ] ]
    if $execveat;

sub once {
    my ($argv) = @_;
    my $t0 = clock_gettime(CLOCK_MONOTONIC);
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>', '/dev/null');
        exec { $argv->[0] } @$argv or POSIX::_exit(127);
    }
    waitpid($pid, 0);
    die "@$argv: exit $?\n" if $?;
    return (clock_gettime(CLOCK_MONOTONIC) - $t0) * 1e6;
}

my %t;
once($_->[1]) for @cmds;    # warm the page cache
for (1 .. $runs) {
    push @{ $t{$_->[0]} }, once($_->[1]) for @cmds;
}
sub pct {
    my ($v, $p) = @_;
    my @s = sort { $a <=> $b } @$v;
    return $s[ int($p / 100 * $#s + 0.5) ];
}
my $true50 = pct($t{'/bin/true'}, 50);
my $bash50 = pct($t{$cmds[1][0]}, 50);
printf "%-42s %9s %9s %14s %14s\n", 'command (us per start)', 'p50', 'p99', 'p50 - true', 'p50 - exec -a';
for my $c (@cmds) {
    my $v = $t{ $c->[0] };
    my $p50 = pct($v, 50);
    printf "%-42s %9.0f %9.0f %14.0f %14.0f\n", $c->[0], $p50, pct($v, 99), $p50 - $true50, $p50 - $bash50;
}
PERL
sleep 0.5 # the cleaner of the last run is asynchronous
left=$(ls -A "$tmp")
echo "leftovers in TMPDIR after the runs: ${left:-none}"
