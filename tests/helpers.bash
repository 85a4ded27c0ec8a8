# Shared by every bats suite: `load helpers` at the top of a .bats file.
#
# $B is the directory holding `wishbox` and its tool links (WISHBOX_BUILD,
# default build/). Run tools as "$B/TOOL": the build directory is not put on
# PATH, because the anchor tools we compare with (procps pidwait, dosfstools
# fatlabel) have the same names.

bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
B=$(cd "${WISHBOX_BUILD:-$TOP/build}" && pwd)
export TOP B

# The tools the registry lists.
tools() {
    "$B/wishbox" --list
}

# Succeeds when stdin is one valid JSON value (or, with -s, JSON Lines).
is_json() {
    jq -e . >/dev/null
}

# Runs a command whose stdout is a pipe with no reader left (writes: EPIPE).
closed_pipe() {
    perl -e 'pipe(my $r, my $w) or die; close $r; open(STDOUT, ">&", $w) or die; exec @ARGV or die' "$@"
}

# Runs the rest of the test with at most N processes, in a cgroup of its own
# that unlimit_pids removes (call it from teardown). The pids controller is
# a cgroup v1 hierarchy on the project's machines, beside cgroup v2; on a
# cgroup2-only system it is enabled in the v2 root's subtree.
pids_root() {
    if [ -f /sys/fs/cgroup/pids/cgroup.procs ]; then
        echo /sys/fs/cgroup/pids
    elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
        grep -qw pids /sys/fs/cgroup/cgroup.subtree_control ||
            echo +pids > /sys/fs/cgroup/cgroup.subtree_control
        echo /sys/fs/cgroup
    else
        grep -qw pids /sys/fs/cgroup/unified/cgroup.subtree_control 2>/dev/null ||
            echo +pids > /sys/fs/cgroup/unified/cgroup.subtree_control
        echo /sys/fs/cgroup/unified
    fi
}

limit_pids() {
    local max=$1
    PIDS_ROOT=$(pids_root)
    PIDS_CG="$PIDS_ROOT/wishbox-test-$$-$BATS_TEST_NUMBER"
    mkdir -p "$PIDS_CG"
    echo "$max" > "$PIDS_CG/pids.max"
    echo "$BASHPID" > "$PIDS_CG/cgroup.procs"
}

unlimit_pids() {
    [ -n "${PIDS_CG:-}" ] && [ -d "$PIDS_CG" ] || return 0
    echo "$BASHPID" > "$PIDS_ROOT/cgroup.procs" 2>/dev/null || true
    local p
    for p in $(cat "$PIDS_CG/cgroup.procs" 2>/dev/null); do
        kill -9 "$p" 2>/dev/null || true
    done
    local i
    for i in $(seq 50); do
        rmdir "$PIDS_CG" 2>/dev/null && break
        sleep 0.1
    done
    PIDS_CG=
}
