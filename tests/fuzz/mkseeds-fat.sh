#!/usr/bin/env bash
# Makes the seeds of fuzz_fat (tests/fuzz/seeds/fuzz_fat/): mkfs.vfat
# images cut to what lib/fat reads, in the harness's input form: a u64
# device size, then (u64 offset, u32 length, bytes) for each non-zero
# sector among the reserved sectors, the first sector of each FAT and the
# root directory. A few KiB each. Needs dosfstools and mtools.
#
# Usage: tests/fuzz/mkseeds-fat.sh [OUTDIR]
set -euo pipefail

out=${1:-$(dirname "$0")/seeds/fuzz_fat}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# le VALUE BYTES: VALUE as BYTES little-endian bytes.
le() {
    local v=$1 n=$2 i
    for ((i = 0; i < n; i++)); do
        # shellcheck disable=SC2059
        printf "\\$(printf '%03o' $(((v >> (8 * i)) & 255)))"
    done
}

# u IMG OFFSET SIZE: the little-endian unsigned integer at OFFSET.
u() {
    od -An -v -t "u$3" -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# cut_image IMG SEED: write the seed for image IMG.
cut_image() {
    local img=$1 seed=$2 bps spc rsvd nfats rootents fatsz root_first root_count s c
    bps=$(u "$img" 11 2)
    spc=$(u "$img" 13 1)
    rsvd=$(u "$img" 14 2)
    nfats=$(u "$img" 16 1)
    rootents=$(u "$img" 17 2)
    fatsz=$(u "$img" 22 2)
    [ "$fatsz" -ne 0 ] || fatsz=$(u "$img" 36 4)
    root_first=$((rsvd + nfats * fatsz))
    if [ "$rootents" -ne 0 ]; then
        root_count=$(((rootents * 32 + bps - 1) / bps))
    else
        # FAT32: the root's first cluster (mkfs puts it at cluster 2).
        root_first=$((root_first + ($(u "$img" 44 4) - 2) * spc))
        root_count=$spc
    fi
    {
        le "$(stat -c %s "$img")" 8
        for s in $(seq 0 $((rsvd - 1))) $(for f in $(seq 0 $((nfats - 1))); do
            echo $((rsvd + f * fatsz)); done) $(seq "$root_first" $((root_first + root_count - 1))); do
            # In 512-byte pieces, so that 4096-byte sectors stay small.
            for ((c = s * bps / 512; c < (s + 1) * bps / 512; c++)); do
                if ! cmp -s -n 512 <(dd if="$img" bs=512 skip="$c" count=1 2>/dev/null) /dev/zero; then
                    le $((c * 512)) 8
                    le 512 4
                    dd if="$img" bs=512 skip="$c" count=1 2>/dev/null
                fi
            done
        done
    } >"$seed"
}

export MTOOLS_SKIP_CHECK=1
mk() {
    local name=$1 size=$2
    shift 2
    truncate -s "$size" "$work/$name.img"
    mkfs.vfat -i 12345678 "$@" "$work/$name.img" >/dev/null 2>&1
}

mk fat12 1440K -n FLOPPY
mk fat12-nolabel 1440K
mk fat16 32M -F 16 -n SIXTEEN
mk fat16-4k 64M -F 16 -S 4096 -s 1 -n BIGSECTOR
mk fat32 40M -F 32 -s 1 -n THIRTYTWO
mk fat32-4k 64M -F 32 -S 4096 -s 1 -n FAT32K
mk fat32-small 8M -F 32 -s 1 -n FEWCLUSTER
mk fat16-files 32M -F 16 -n FILES
for i in 1 2 3 4 5 6; do
    echo "$i" >"$work/f$i.txt"
    mcopy -i "$work/fat16-files.img" "$work/f$i.txt" "::A long file name $i.txt"
done
mdel -i "$work/fat16-files.img" "::A long file name 3.txt"
mk fat32-full 40M -F 32 -s 1
for i in $(seq 1 16); do
    echo "$i" >"$work/g$i.txt"
    mcopy -i "$work/fat32-full.img" "$work/g$i.txt" "::G$i.TXT"
done

for img in "$work"/*.img; do
    name=$(basename "$img" .img)
    cut_image "$img" "$out/$name"
    echo "$out/$name: $(stat -c %s "$out/$name") bytes"
done
