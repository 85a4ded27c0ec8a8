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

# --- cgroups found from /proc/self/mountinfo, on a hybrid or a pure cgroup2
# system alike ---

# cg_mount TYPE [CONTROLLER]: the mount point of the cgroup2 hierarchy
# (TYPE cgroup2) or of the v1 hierarchy holding CONTROLLER (TYPE cgroup).
cg_mount() {
    awk -v type="$1" -v ctl="${2:-}" '{
        for (i = 7; i <= NF; i++) if ($i == "-") break
        if ($(i + 1) != type) next
        if (type == "cgroup" && ("," $(i + 3) ",") !~ ("," ctl ",")) next
        print $5; exit
    }' /proc/self/mountinfo
}

# make_test_cg MAX: a cgroup2 cgroup of the test's own ($TCG, relative to
# the mount; $TCG_DIR, its directory), every process in it bounded by MAX
# processes: through the v1 pids hierarchy where pids is bound to v1
# ($TCG_PIDS), else through pids.max of $TCG_DIR itself (pids enabled in
# the root's subtree). Remove it with remove_test_cg (from teardown).
make_test_cg() {
    local v2 pids
    v2=$(cg_mount cgroup2)
    [ -n "$v2" ] || return 1
    TCG=wishbox-test-$$-$BATS_TEST_NUMBER
    TCG_DIR=$v2/$TCG
    TCG_PIDS=
    mkdir "$TCG_DIR"
    pids=$(cg_mount cgroup pids)
    if [ -n "$pids" ]; then
        TCG_PIDS=$pids/$TCG
        mkdir "$TCG_PIDS"
        echo "$1" >"$TCG_PIDS/pids.max"
    else
        grep -qw pids "$v2/cgroup.subtree_control" ||
            echo +pids >"$v2/cgroup.subtree_control"
        echo "$1" >"$TCG_DIR/pids.max"
    fi
}

# cg_spawn DIR COMMAND...: starts COMMAND in the cgroup directory DIR (and
# in $TCG_PIDS): it is moved in before it runs (a gate FIFO holds it), so
# nothing it forks starts outside. Sets $cg_pid; adds it to CG_BG.
cg_spawn() {
    local d=$1 gate
    shift
    gate=$(mktemp -u "${BATS_TEST_TMPDIR:-/tmp}/gate.XXXXXX")
    mkfifo "$gate"
    sh -c 'read -r x <"$1"; shift; exec "$@"' sh "$gate" "$@" &
    cg_pid=$!
    CG_BG+=("$cg_pid")
    if [ -n "${TCG_PIDS:-}" ]; then echo "$cg_pid" >"$TCG_PIDS/cgroup.procs"; fi
    echo "$cg_pid" >"$d/cgroup.procs"
    echo go >"$gate"
    rm -f "$gate"
}

# _cg_kill_dir DIR: SIGKILL every process in DIR and below, until empty.
_cg_kill_dir() {
    local d=$1 p i
    [ -d "$d" ] || return 0
    [ ! -f "$d/freezer.state" ] || echo THAWED >"$d/freezer.state" 2>/dev/null || true
    [ ! -f "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze" 2>/dev/null || true
    for i in $(seq 100); do
        [ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
        local left=0
        while read -r p; do
            left=1
            kill -9 "$p" 2>/dev/null || true
        done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
        [ "$left" = 0 ] && break
        sleep 0.05
    done
}

# _cg_rmdir DIR: removes DIR and its cgroups, deepest first.
_cg_rmdir() {
    local d=$1 i
    for i in $(seq 50); do
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        [ -d "$d" ] || break
        sleep 0.1
    done
}

# remove_test_cg [DIR...]: kills what is left in the test's cgroups (and
# in DIR...), reaps the CG_BG processes and removes the cgroups.
remove_test_cg() {
    local d
    for d in "$@" ${TCG_DIR:+"$TCG_DIR"} ${TCG_PIDS:+"$TCG_PIDS"}; do
        _cg_kill_dir "$d"
    done
    for d in "${CG_BG[@]}"; do
        kill -9 "$d" 2>/dev/null || true
        wait "$d" 2>/dev/null || true
    done
    for d in "$@" ${TCG_DIR:+"$TCG_DIR"} ${TCG_PIDS:+"$TCG_PIDS"}; do
        _cg_rmdir "$d"
    done
    CG_BG=()
    TCG_DIR=''
    TCG_PIDS=''
}
