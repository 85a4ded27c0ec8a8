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

# Runs the rest of the test with at most N processes: the pids controller is
# a cgroup v1 hierarchy on the project's machines, beside cgroup v2. The
# cgroup is removed by unlimit_pids (call it from teardown).
PIDS_ROOT=/sys/fs/cgroup/pids
limit_pids() {
    local max=$1
    [ -d "$PIDS_ROOT" ] || PIDS_ROOT=/sys/fs/cgroup/unified
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
