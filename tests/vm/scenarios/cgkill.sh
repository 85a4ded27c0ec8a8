# shellcheck shell=bash
# shellcheck disable=SC2154 # J_* are set by json_load (lib.sh)
# cgkill on the 6.1 kernel with pure cgroup2 at /sys/fs/cgroup (as a stock
# Debian 12 has it): cgroup.kill (5.14) and cgroup.freeze (5.2) are there,
# so auto takes kill; every workload is bounded by pids.max of its cgroup.
# Then one scenario on a v1 freezer hierarchy mounted beside it.
# shellcheck source=tests/vm/lib.sh
. "$VM_DIR/lib.sh"
ck=$WISHBOX_BIN/cgkill
auto=$(vm_auto cgkill)
v2=/sys/fs/cgroup
cg=wishbox-vm-$$
bg=()

echo "# cgkill: auto takes '$auto' on $(uname -r)"
check "cgkill: auto takes kill on 6.1 (features -J)" [ "$auto" = kill ]

grep -qw pids "$v2/cgroup.subtree_control" || echo +pids >"$v2/cgroup.subtree_control"
mkdir -p "$v2/$cg/a/b"
echo 200 >"$v2/$cg/pids.max"

# spawn DIR COMMAND...: COMMAND in cgroup DIR, moved there before it runs.
spawn() {
    local d=$1
    shift
    rm -f "$vm_tmp/gate"
    mkfifo "$vm_tmp/gate"
    sh -c 'read -r x <"$1"; shift; exec "$@"' sh "$vm_tmp/gate" "$@" &
    bg+=($!)
    echo $! >"$d/cgroup.procs"
    echo go >"$vm_tmp/gate"
}

# expect_empty DESCRIPTION METHOD: the last run exited 0 with a JSON line
# saying METHOD and empty.
expect_empty() {
    if [ "$status" -eq 0 ] && json_load 1 && [ "$J_method:$J_empty" = "$2:true" ] &&
        grep -q '^populated 0' "$v2/$cg/cgroup.events"; then
        ok "$1: $output"
    else
        not_ok "$1"
        show_run
    fi
}

# 1. A nested tree with a fork runner, emptied by auto (kill).
spawn "$v2/$cg" sleep 1000
spawn "$v2/$cg/a" sleep 1000
spawn "$v2/$cg/a/b" perl -e 'while (1) { my $p = fork; exit 0 if defined $p && $p > 0 }'
run "$ck" -J -w -t 20 "$cg"
expect_empty "cgkill auto: nested tree with a fork runner emptied" kill

# 2. freeze, forced, delivers TERM to a process that traps it.
rm -f "$vm_tmp/ready" "$vm_tmp/got"
mkfifo "$vm_tmp/ready"
spawn "$v2/$cg/a" perl -e '$SIG{TERM} = sub { open(my $f, ">", $ARGV[0]); print $f "term\n"; exit 0 };
    open(my $r, ">", $ARGV[1]) or die; print $r "ready\n"; close $r; sleep 1000 while 1' \
    "$vm_tmp/got" "$vm_tmp/ready"
read -r _ <"$vm_tmp/ready"
run "$ck" -J -s TERM -w -t 20 --method freeze "$cg"
expect_empty "cgkill --method freeze -s TERM" freeze
check "cgkill --method freeze: the trapping process got TERM" grep -qx term "$vm_tmp/got"

# 3. --wait-only returns when the last process exits on its own.
rm -f "$vm_tmp/go"
mkfifo "$vm_tmp/go"
spawn "$v2/$cg/a/b" sh -c 'read -r x <"$1"' sh "$vm_tmp/go"
"$ck" -J --wait-only -t 30 "$cg" >"$vm_tmp/out" 2>"$vm_tmp/err" &
w=$!
sleep 2
echo go >"$vm_tmp/go"
wait "$w"
status=$?
output=$(_slurp "$vm_tmp/out")
last_cmd="cgkill -J --wait-only -t 30 $cg"
if [ "$status" -eq 0 ] && json_load 1 && [ "$J_empty:$J_method" = true:null ]; then
    ok "cgkill --wait-only: returned once the last process exited: $output"
else
    not_ok "cgkill --wait-only"
    show_run
fi

# 4. A fork bomb bounded by pids.max 200, emptied by kill.
spawn "$v2/$cg/a" perl -e 'while (1) { fork }'
# Until it has grown to 50 processes (at most 10 s).
for _ in $(seq 100); do
    [ "$(_slurp "$v2/$cg/pids.current")" -lt 50 ] || break
    sleep 0.1
done
run "$ck" -J -w -t 20 --method kill "$cg"
expect_empty "cgkill --method kill: a fork bomb bounded by pids.max emptied" kill
check "cgkill --method kill: the bomb had grown (processes >= 50)" [ "${J_processes:-0}" -ge 50 ]

# 5. --rmdir removes the tree, deepest first.
spawn "$v2/$cg/a/b" sleep 1000
run "$ck" -J --rmdir -t 20 "$v2/$cg"
if [ "$status" -eq 0 ] && json_load 1 && [ "$J_removed:$J_empty" = 3:true ] && [ ! -d "$v2/$cg" ]; then
    ok "cgkill --rmdir: the tree was removed: $output"
else
    not_ok "cgkill --rmdir"
    show_run
fi

# 6. The v1 freezer hierarchy, mounted beside cgroup2 (no pids controller
# there: the workload is a sleeper, bounded by the cgroup2 cgroup it is in).
frz=$vm_tmp/freezer
mkdir -p "$frz"
if mount -t cgroup -o freezer freezer "$frz" 2>/dev/null; then
    mkdir -p "$v2/$cg" "$frz/$cg/a"
    echo 20 >"$v2/$cg/pids.max"
    spawn "$v2/$cg" sleep 1000
    echo "${bg[-1]}" >"$frz/$cg/a/cgroup.procs"
    run "$ck" -J -w -t 20 --method v1-freezer "$frz/$cg"
    if [ "$status" -eq 0 ] && json_load 1 && [ "$J_method:$J_empty:$J_processes" = v1-freezer:true:1 ]; then
        ok "cgkill --method v1-freezer on a v1 freezer hierarchy: $output"
    else
        not_ok "cgkill --method v1-freezer"
        show_run
    fi
    rmdir "$frz/$cg/a" "$frz/$cg" 2>/dev/null
    umount "$frz"
else
    skip "cgkill v1-freezer: cannot mount a v1 freezer hierarchy here"
fi

for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null; done
wait 2>/dev/null
[ ! -d "$v2/$cg" ] || { echo 1 >"$v2/$cg/cgroup.kill"; sleep 0.5; find "$v2/$cg" -depth -type d -exec rmdir {} +; }
vm_done
