# shellcheck shell=sh
# Helpers for the VM scenarios.  POSIX sh: the early-boot scenarios run it
# under busybox sh, the tool scenarios under bash.
#
# Every check prints one line, "ok - ...", "not ok - ..." or "skip - ...",
# and adds a word to $RESULTS/tally, which the guest counts at the end.
# A scenario ends with `vm_done`, which exits 1 when a check failed.

: "${RESULTS:=/results}"
: "${WISHBOX_BIN:=/wishbox/bin}"
vm_failed=0
: "${VM_DIR:=/vm}"
vm_tmp=$(mktemp -d /tmp/vm.XXXXXX)

ok() {
    echo "ok - $*"
    echo ok >>"$RESULTS/tally"
}

not_ok() {
    echo "not ok - $*"
    echo fail >>"$RESULTS/tally"
    vm_failed=1
}

skip() {
    echo "skip - $*"
    echo skip >>"$RESULTS/tally"
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds.
check() {
    _desc=$1
    shift
    if "$@"; then
        ok "$_desc"
    else
        not_ok "$_desc"
    fi
}

# _slurp FILE: print FILE.  A shell loop, not cat: under emulation a fork
# is cheap and an exec is not.
_slurp() {
    while IFS= read -r _l || [ -n "$_l" ]; do
        printf '%s\n' "$_l"
    done <"$1"
}

# run COMMAND...: run it, keeping its status in $status, its stdout in
# $vm_tmp/out (and $output), its stderr in $vm_tmp/err (and $errors).
run() {
    "$@" >"$vm_tmp/out" 2>"$vm_tmp/err"
    status=$?
    output=$(_slurp "$vm_tmp/out")
    errors=$(_slurp "$vm_tmp/err")
    last_cmd="$*"
}

# show_run: print the last run's command, status and output (for a failure).
show_run() {
    echo "#   command: $last_cmd"
    echo "#   status:  $status"
    sed 's/^/#   stdout: /' "$vm_tmp/out"
    sed 's/^/#   stderr: /' "$vm_tmp/err"
}

# expect_status N DESCRIPTION: check the last run's status.
expect_status() {
    if [ "$status" -eq "$1" ]; then
        ok "$2 (exit $status)"
    else
        not_ok "$2: expected exit $1, got $status"
        show_run
    fi
}

# expect_unsupported DESCRIPTION: the last run exited 5, said why on stderr
# and printed nothing on stdout.
expect_unsupported() {
    if [ "$status" -eq 5 ] && [ -n "$errors" ] && [ -z "$output" ]; then
        ok "$1: exit 5: $(head -n 1 "$vm_tmp/err")"
    else
        not_ok "$1: expected exit 5 with a reason on stderr"
        show_run
    fi
}

# json_field FIELD: print FIELD of the last run's first JSON line, without
# jq (busybox sh): strings unquoted, other values as written.  Good enough
# for the flat objects the tools print and values without quotes or commas.
json_field() {
    head -n 1 "$vm_tmp/out" | sed -n \
        -e "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" \
        -e "t" \
        -e "s/.*\"$1\": *\([^,}]*\).*/\1/p"
}

# vm_config KEY: a value check-vm wrote into $VM_DIR/config.
vm_config() {
    sed -n "s/^$1=//p" "$VM_DIR/config"
}

# vm_auto TOOL: the method `wishbox features -J` says auto takes for TOOL
# (guest-run.sh records it in $RESULTS/auto).
vm_auto() {
    while read -r _t _m; do
        [ "$_t" = "$1" ] && echo "$_m"
    done <"$RESULTS/auto"
}

# json_load [N]: set J_KEY for every KEY of the JSON object on line N
# (default 1) of the last run's stdout: strings as they are, other values
# as JSON (null, true, 7).  J_ variables from before are unset first.  Fails
# when the line is not a JSON object.  Needs jq (the chroot, not early boot).
json_load() {
    for _v in ${_json_vars-}; do
        unset "$_v"
    done
    _json_vars=''
    _n=0
    _line=''
    while IFS= read -r _l || [ -n "$_l" ]; do
        _n=$((_n + 1))
        if [ "$_n" -eq "${1:-1}" ]; then
            _line=$_l
            break
        fi
    done <"$vm_tmp/out"
    _vars=$(printf '%s\n' "$_line" | jq -r '
        if type != "object" then error("not an object") else . end |
        [to_entries[] | select(.key | test("^[A-Za-z_][A-Za-z0-9_]*$"))] |
        ("_json_vars=" + ([.[] | "J_" + .key] | join(" ") | @sh)),
        (.[] | "J_\(.key)=\(.value | if type == "string" then . else tojson end | @sh)")
        ' 2>/dev/null) || return 1
    eval "$_vars"
}

# has_tool TOOL: this wishbox has TOOL (check-vm links every tool that
# `wishbox --list` names into $WISHBOX_BIN).
has_tool() {
    [ -L "$WISHBOX_BIN/$1" ]
}

vm_done() {
    rm -rf "$vm_tmp"
    exit "$vm_failed"
}
