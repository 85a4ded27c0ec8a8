#!/usr/bin/env bash
# Benchmark: fatlabel against dosfstools' fatlabel and mtools' mlabel on the
# same sparse FAT32 images: 32 GiB with 4 KiB clusters (mkfs.vfat -F 32
# -S 512 -s 8) and 2 TiB (mkfs.vfat's own cluster size). For reading the
# label, and for setting it: the bytes read from the image and in all (from
# strace, every read/pread64/readv/preadv on the image's descriptor, and on
# any), the bytes written, the wall time (median of 5 runs) and the peak RSS
# (/usr/bin/time). The label each tool reads must agree.
#
#   tests/bench/fatlabel.sh BUILD
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
runs=5
for t in strace /usr/bin/time mkfs.vfat mlabel; do
    command -v "$t" >/dev/null || { echo "bench fatlabel: needs $t (scripts/deps.sh)" >&2; exit 1; }
done
dosfslabel=$(PATH=/usr/sbin:/sbin:$PATH command -v fatlabel)
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8

dir=$(mktemp -d "${TMPDIR:-/var/tmp}/fatlabel-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# The tools, as commands taking the image and, optionally, a new label.
read_cmd() {
    case $1 in
        wishbox) echo "$build/fatlabel $2" ;;
        wishbox-static) echo "$build/wishbox.static fatlabel $2" ;;
        dosfstools) echo "$dosfslabel $2" ;;
        mlabel) echo "mlabel -s -i $2 ::" ;;
    esac
}
write_cmd() {
    case $1 in
        wishbox) echo "$build/fatlabel $2 $3" ;;
        wishbox-static) echo "$build/wishbox.static fatlabel $2 $3" ;;
        dosfstools) echo "$dosfslabel $2 $3" ;;
        mlabel) echo "mlabel -i $2 ::$3" ;;
    esac
}
tools=(wishbox dosfstools mlabel)
[ -x "$build/wishbox.static" ] && tools=(wishbox wishbox-static dosfstools mlabel)

# io IMG CMD...: "IMAGE-READ ALL-READ IMAGE-WRITTEN" bytes, from strace.
io() {
    local img=$1
    shift
    strace -f -qq -y -e trace=read,pread64,readv,preadv,preadv2,write,pwrite64,pwritev,pwritev2 \
        -e signal=none -o "$dir/strace" "$@" >/dev/null 2>&1
    awk -v img="<$img>" '
        { n = $NF; if (n !~ /^[0-9]+$/) next }
        /^[0-9]+ +(read|pread64|readv|preadv|preadv2)\(/ { all += n; if (index($0, img)) r += n }
        /^[0-9]+ +(write|pwrite64|pwritev|pwritev2)\(/ { if (index($0, img)) w += n }
        END { printf "%d %d %d\n", r, all, w }' "$dir/strace"
}

# wall CMD...: the median wall time of $runs runs, in ms.
wall() {
    local i t0 t1
    for ((i = 0; i < runs; i++)); do
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1
        t1=$EPOCHREALTIME
        echo "$t0 $t1"
    done | awk '{ print ($2 - $1) * 1000 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f\n", v[int((NR + 1) / 2)] }'
}

# rss CMD...: peak RSS in KiB.
rss() {
    /usr/bin/time -f '%M' -o "$dir/time" "$@" >/dev/null 2>&1
    tail -n 1 "$dir/time"
}

# label TOOL IMG: the label as the tool prints it.
label() {
    local out cmd
    read -ra cmd <<<"$(read_cmd "$1" "$2")"
    out=$("${cmd[@]}" 2>/dev/null | tail -n 1)
    out=${out# Volume label is }
    echo "${out%"${out##*[! ]}"}"
}

bench_image() {
    local name=$1 size=$2 img=$dir/$1.img t r w a rd all ms kib base_r base_ms base_kib
    shift 2
    rm -f "$img"
    truncate -s "$size" "$img"
    mkfs.vfat -F 32 -S 512 "$@" -n BENCH "$img" >/dev/null 2>&1
    printf '\n%s: %s sparse FAT32, %s-byte clusters, %s on disk\n' "$name" "$size" \
        $(($(od -An -tu1 -j13 -N1 "$img") * 512)) "$(du -h "$img" | cut -f1)"

    printf '%-24s %12s %12s %10s %12s  %s\n' "read the label" "image bytes" "all bytes" \
        "wall ms" "peak RSS KiB" "label"
    for t in "${tools[@]}"; do
        # shellcheck disable=SC2046
        read -r rd all _ <<<"$(io "$img" $(read_cmd "$t" "$img"))"
        # shellcheck disable=SC2046
        ms=$(wall $(read_cmd "$t" "$img"))
        # shellcheck disable=SC2046
        kib=$(rss $(read_cmd "$t" "$img"))
        printf '%-24s %12d %12d %10s %12d  %s\n' "$t" "$rd" "$all" "$ms" "$kib" "$(label "$t" "$img")"
        if [ "$t" = wishbox ]; then
            base_r=$rd base_ms=$ms base_kib=$kib
        else
            awk -v t="$t" -v r="$rd" -v br="$base_r" -v ms="$ms" -v bms="$base_ms" -v k="$kib" -v bk="$base_kib" \
                'BEGIN { printf "  %s / wishbox: %.0fx the bytes, %.1fx the time, %.1fx the memory\n", t, r / br, ms / bms, k / bk }'
        fi
    done

    printf '%-24s %12s %12s %12s %10s %12s\n' "set the label" "image read" "all read" \
        "written" "wall ms" "peak RSS KiB"
    for t in "${tools[@]}"; do
        # shellcheck disable=SC2046
        read -r r a w <<<"$(io "$img" $(write_cmd "$t" "$img" "SET$RANDOM"))"
        # shellcheck disable=SC2046
        ms=$(wall $(write_cmd "$t" "$img" TIMED))
        # shellcheck disable=SC2046
        kib=$(rss $(write_cmd "$t" "$img" RSS))
        printf '%-24s %12d %12d %12d %10s %12d\n' "$t" "$r" "$a" "$w" "$ms" "$kib"
    done
}

echo "fatlabel bench: $runs runs per wall time; bytes from strace; kernel $(uname -r)"
# Starting any process costs this much here: the floor under every wall time.
echo "baseline: /bin/true takes $(wall /bin/true) ms, load average $(cut -d' ' -f1-3 /proc/loadavg)"
bench_image 32GiB 32G -s 8
bench_image 2TiB 2T
