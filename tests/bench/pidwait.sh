#!/usr/bin/env bash
# Benchmark: pidwait against its anchors, procps pidwait and `tail --pid`,
# on the same processes in the same run.
#
#  1. Latency from a process's death (the kill(2) that ends it; its parent
#     reaps it at once) to the waiter's output line (ours) and to the
#     waiter's exit (the anchors print nothing, so their exit is their
#     answer), over RUNS runs (default 200): p50/p99 per method and anchor.
#  2. 10,000 processes at once: memory (VmHWM), CPU spent while waiting, the
#     time to report all 10,000 exits once they are killed, and how many
#     statuses each method lost (reported unknown; with SIGKILL, every
#     method but pidfd and procfs should know them all).
#
# Prints figures and ratios; asserts nothing about time.
# Usage: tests/bench/pidwait.sh BUILD_DIR     (RUNS=N and MANY=N to change;
#        PART=1 or PART=2 runs one part only)
set -euo pipefail

build=${1:-build}
pw=$(cd "$build" && pwd)/pidwait
[ -x "$pw" ] || { echo "bench: no $pw (build first)" >&2; exit 1; }
runs=${RUNS:-200}
many=${MANY:-10000}
tmp=$(mktemp -d)
cg=
cleanup() {
    if [ -n "$cg" ] && [ -d "$cg" ]; then
        local p
        echo "$BASHPID" >"${cg%/*}/cgroup.procs"
        while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
        for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

echo "pidwait bench: kernel $(uname -r), $(nproc) CPUs, $runs runs per waiter, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$pw" --version
command -v pidwait >/dev/null && echo "anchor: $(command pidwait -V 2>&1 | head -n1)"
echo "anchor: $(tail --version | head -n1)"
echo
echo "Latency: kill(2) of a process (its parent reaps it at once) to the waiter's"
echo "line (pidwait) or exit (the anchors print nothing); 'after the reap': from"
echo "the parent's waitpid() returning (negative: seen before the reap)."

part=${PART:-all}
# --- 1. latency ---
if [ "$part" != 2 ]; then
# At a raised priority when we may (the waiters inherit it, anchors too):
# the machine may be shared, and other load is not what this measures.
nice=()
if [ "$(id -u)" -eq 0 ]; then
    nice=(nice -n -10)
    echo "(run at nice -10, waiters included)"
fi
"${nice[@]}" perl - "$pw" "$runs" "$tmp" <<'PERL'
use strict;
use warnings;
use Time::HiRes qw(time sleep);
use POSIX qw(:sys_wait_h);

my ($pw, $runs, $tmp) = @ARGV;
my $procps = -x '/usr/bin/pidwait' ? '/usr/bin/pidwait' : undef;
my @waiters = (
    [ 'pidwait --method pidfd-info', sub { ($pw, '-v', '--method', 'pidfd-info', $_[0]) }, 1 ],
    [ 'pidwait --method pidfd-netlink', sub { ($pw, '-v', '--method', 'pidfd-netlink', $_[0]) }, 1 ],
    [ 'pidwait --method pidfd',      sub { ($pw, '-v', '--method', 'pidfd', $_[0]) },      1 ],
    [ 'pidwait --method netlink',    sub { ($pw, '-v', '--method', 'netlink', $_[0]) },    1 ],
    [ 'pidwait --method procfs',     sub { ($pw, '-v', '--method', 'procfs', $_[0]) },     1 ],
);
push @waiters, [ 'procps pidwait -F', sub { ($procps, '-F', "$tmp/pidfile") }, 0 ] if $procps;
push @waiters, [ 'tail --pid -f /dev/null', sub { ('tail', "--pid=$_[0]", '-f', '/dev/null') }, 0 ];

sub pct {
    my ($p, @v) = @_;
    my @s = sort { $a <=> $b } @v;
    my $i = int($p / 100 * $#s + 0.5);
    return $s[$i];
}

my (%res, %failed, @death);
for my $w (@waiters) {
    my ($name, $argv, $ours) = @$w;
    my (@lat, @exit, @after);
    for my $run (1 .. $runs) {
        my $target = fork // die "fork: $!";
        if (!$target) { exec 'sleep', '1000' or POSIX::_exit(127) }
        open(my $pf, '>', "$tmp/pidfile") or die; print $pf "$target\n"; close $pf;
        pipe(my $r, my $wr) or die;
        pipe(my $er, my $ew) or die;
        my $waiter = fork // die "fork: $!";
        if (!$waiter) {
            close $r; close $er;
            open(STDOUT, '>&', $wr) or die; open(STDERR, '>&', $ew) or die;
            exec $argv->($target) or POSIX::_exit(127);
        }
        close $wr; close $ew;
        # Ready: ours says so (-v); procps pidwait holds a pidfd once it has
        # found the process; tail has nothing to show and polls anyway.
        if ($ours) {
            while (defined(my $l = <$er>)) { last if $l =~ /waiting for/ }
            close $er;    # the rest of -v goes nowhere, never blocks it
        } elsif ($name =~ /procps/) {
            for (1 .. 5000) {
                last if grep { (readlink($_) // '') =~ /pidfd/ } glob("/proc/$waiter/fd/*");
                sleep 0.001;
            }
        }
        sleep 0.05;
        my $t0 = time;
        kill 'KILL', $target;
        waitpid($target, 0);    # the parent reaps at once, as most do
        my $treap = time;
        push @death, ($treap - $t0) * 1000;
        my $tl;
        if ($ours) {
            my $line = <$r>;
            $tl = time;
            die "$name: no output" unless defined $line;
        }
        waitpid($waiter, 0);
        my $te = time;
        close $r;
        close $er unless $ours;
        if ($? != 0) {
            die "$name: exit status $?" if $ours;
            $failed{$name}++;
            next;
        }
        push @lat, (($tl // $te) - $t0) * 1000;
        push @after, (($tl // $te) - $treap) * 1000;
        push @exit, ($te - $t0) * 1000;
    }
    $res{$name} = [ pct(50, @lat), pct(99, @lat), pct(100, @lat) ];
    printf "%-26s p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms", $name, @{ $res{$name} };
    printf "   after the reap p50 %7.3f ms  p99 %7.3f ms", pct(50, @after), pct(99, @after);
    printf "   (%d runs failed: exit status not 0)", $failed{$name} if $failed{$name};
    print "\n";
}
printf "(kill(2) to the parent's waitpid() returning, the machine's own part: p50 %.3f ms, p99 %.3f ms)\n\n",
    pct(50, @death), pct(99, @death);
my $best = $res{'pidwait --method pidfd-info'};
for my $anchor ('procps pidwait -F', 'tail --pid -f /dev/null') {
    next unless $res{$anchor};
    for my $m ('pidfd-info', 'pidfd-netlink', 'pidfd', 'netlink', 'procfs') {
        my $ours = $res{"pidwait --method $m"};
        printf "p99 ratio %-24s / pidwait --method %-13s = %8.1fx   (p50 %8.1fx)\n",
            $anchor, $m, $res{$anchor}[1] / $ours->[1], $res{$anchor}[0] / $ours->[0];
    }
}
printf "\ntarget: pidfd methods p99 < 2 ms: pidfd-info %.3f ms, pidfd %.3f ms\n",
    $best->[1], $res{'pidwait --method pidfd'}[1];
PERL
echo
fi
[ "$part" = 1 ] && exit 0

# --- 2. many processes at once ---
if [ "$(id -u)" -eq 0 ] && [ -d /sys/fs/cgroup/pids ]; then
    # Every process of this part in a pids cgroup, bounded and removed after.
    cg=/sys/fs/cgroup/pids/wishbox-bench-$$
    mkdir "$cg"
    echo $((many + 200)) >"$cg/pids.max"
    echo "$BASHPID" >"$cg/cgroup.procs"
fi
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt $((many + 100)) ]; then
    echo "bench: $many processes need ulimit -n $((many + 100)) (hard limit $(ulimit -Hn)); part 2 skipped"
    exit 0
fi
perl - "$pw" "$many" "$tmp" <<'PERL'
use strict;
use warnings;
use Time::HiRes qw(time sleep);
use POSIX qw(:sys_wait_h);

my ($pw, $many, $tmp) = @ARGV;
my $procps = -x '/usr/bin/pidwait' ? '/usr/bin/pidwait' : undef;
my $ticks = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

sub status_kb {
    my ($pid, $key) = @_;
    open(my $f, '<', "/proc/$pid/status") or return -1;
    while (<$f>) { return $1 if /^$key:\s+(\d+) kB/ }
    return -1;
}

sub cpu_ticks {
    my ($pid) = @_;
    open(my $f, '<', "/proc/$pid/stat") or return 0;
    my $s = <$f>;
    $s =~ s/^.*\) //;
    my @f = split ' ', $s;
    return $f[11] + $f[12];    # utime + stime (fields 14, 15)
}

# The processes, with a unique command line for procps, children of a
# parent of their own that reaps them as they die (as most parents do).
sub spawn_many {
    pipe(my $r, my $w) or die;
    my $parent = fork // die "fork: $!";
    if (!$parent) {
        close $r;
        for (1 .. $many) {
            my $p = fork // die "fork: $!";
            if (!$p) { exec 'sleep', '100003.7' or POSIX::_exit(127) }
            print $w "$p\n";
        }
        close $w;
        1 while wait() != -1;
        POSIX::_exit(0);
    }
    close $w;
    my @pids = map { chomp; $_ } <$r>;
    close $r;
    die "spawned " . scalar(@pids) . " of $many" unless @pids == $many;
    return ($parent, @pids);
}

sub one {
    my ($name, $argv, $ours) = @_;
    my ($parent, @pids) = spawn_many();
    pipe(my $r, my $wr) or die;
    pipe(my $er, my $ew) or die;
    my $waiter = fork // die;
    if (!$waiter) {
        close $r; close $er;
        open(STDOUT, '>&', $wr) or die; open(STDERR, '>&', $ew) or die;
        exec $argv->(@pids) or POSIX::_exit(127);
    }
    close $wr; close $ew;
    my $t_start = time;
    if ($ours) {
        while (defined(my $l = <$er>)) { last if $l =~ /waiting for/ }
        close $er;    # -v says more per exit; nobody reads it
    } else {
        sleep 2;
    }
    my $ready = time - $t_start;
    my $c0 = cpu_ticks($waiter);
    sleep 2;
    my $idle_cpu = (cpu_ticks($waiter) - $c0) / $ticks;
    my $hwm = status_kb($waiter, 'VmHWM');
    my $fds = () = glob("/proc/$waiter/fd/*");
    my $t0 = time;
    kill 'KILL', @pids;
    my ($lines, $known) = (0, 0);
    if ($ours) {
        while (<$r>) { $lines++; $known++ if /"status_known":true/ && /"signal":"KILL"/ }
    }
    waitpid($waiter, 0);
    my $done = time - $t0;
    waitpid($parent, 0);
    printf "%-29s ready %6.3f s  VmHWM %7d kB  CPU while waiting %5.2f s/2 s  all %d reported %7.3f s after the kill%s\n",
        $name, $ready, $hwm, $idle_cpu, $many, $done,
        $ours ? " ($lines lines, " . ($lines - $known) . " without the KILL status)" : '';
    return $hwm;
}

print "$many processes at once (sleep), then all killed:\n";
my %hwm;
for my $m ('pidfd-info', 'pidfd-netlink', 'pidfd', 'netlink', 'procfs') {
    $hwm{$m} = one("pidwait --method $m", sub { ($pw, '-v', '-J', '--method', $m, @_) }, 1);
}
if ($procps) {
    $hwm{procps} = one('procps pidwait -f', sub { ($procps, '-f', '^sleep 100003\.7$') }, 0);
    printf "\nVmHWM ratio procps pidwait / pidwait --method pidfd-info = %.2fx\n",
        $hwm{procps} / $hwm{'pidfd-info'} if $hwm{'pidfd-info'} > 0;
}
PERL
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
