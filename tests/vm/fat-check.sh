# shellcheck shell=bash
# Checks of a FAT filesystem read straight from the disk bytes, for the VM
# scenarios (in the guest) and check-vm (on the host, after the VM).  bash;
# needs od and fsck.fat (dosfstools).  Few processes: each one costs a lot
# under emulation.

# _fat_bytes IMG OFFSET COUNT: set the array _fb to COUNT bytes (decimal).
_fat_bytes() {
    _fb=()
    read -r -d '' -a _fb < <(od -An -v -tu1 -j "$2" -N "$3" "$1") || true
}

# _fat_le OFFSET SIZE: the little-endian integer at OFFSET in _fb.
_fat_le() {
    local i v=0
    for ((i = $2 - 1; i >= 0; i--)); do
        v=$((v * 256 + ${_fb[$1 + i]:-0}))
    done
    echo "$v"
}

# _fat_str OFFSET: the 11 label bytes at OFFSET in _fb, trailing blanks cut.
_fat_str() {
    local i c out=''
    for ((i = $1; i < $1 + 11; i++)); do
        printf -v c '%03o' "${_fb[i]:-32}"
        printf -v c '%b' "\\$c"
        out+=$c
    done
    printf '%s\n' "${out%"${out##*[! ]}"}"
}

_fat_indent() {
    sed 's/^/#   /'
}

# fat_geometry IMG: set fat_bps fat_spc fat_rsvd fat_nfats fat_rootents
# fat_fatsz fat_bits fat_rootclus fat_bkboot fat_data (first data sector),
# and fat_boot_label.
fat_geometry() {
    local img=$1 fatsz16
    _fat_bytes "$img" 0 90
    fat_bps=$(_fat_le 11 2)
    fat_spc=$(_fat_le 13 1)
    fat_rsvd=$(_fat_le 14 2)
    fat_nfats=$(_fat_le 16 1)
    fat_rootents=$(_fat_le 17 2)
    fatsz16=$(_fat_le 22 2)
    case $fat_bps in
        512|1024|2048|4096) ;;
        *) echo "# $img: no FAT boot sector (bytes per sector '$fat_bps')"; return 1 ;;
    esac
    if [ "$fatsz16" -eq 0 ]; then
        fat_bits=32
        fat_fatsz=$(_fat_le 36 4)
        fat_rootclus=$(_fat_le 44 4)
        fat_bkboot=$(_fat_le 50 2)
        fat_boot_label=$(_fat_str 71)
    else
        fat_bits=16 # or 12: the same layout for what is read here
        fat_fatsz=$fatsz16
        fat_rootclus=0
        fat_bkboot=0
        fat_boot_label=$(_fat_str 43)
    fi
    fat_data=$((fat_rsvd + fat_nfats * fat_fatsz +
        (fat_rootents * 32 + fat_bps - 1) / fat_bps))
}

# _fat_root_ranges IMG: print "OFFSET LENGTH" for each piece of the root dir.
_fat_root_ranges() {
    local img=$1 clus n=0
    if [ "$fat_bits" -ne 32 ]; then
        echo "$(((fat_rsvd + fat_nfats * fat_fatsz) * fat_bps)) $((fat_rootents * 32))"
        return
    fi
    clus=$fat_rootclus
    while [ "$clus" -ge 2 ] && [ "$clus" -lt 268435448 ] && [ $n -lt 4096 ]; do
        echo "$(((fat_data + (clus - 2) * fat_spc) * fat_bps)) $((fat_spc * fat_bps))"
        _fat_bytes "$img" $((fat_rsvd * fat_bps + clus * 4)) 4
        clus=$(($(_fat_le 0 4) & 0x0FFFFFFF))
        n=$((n + 1))
    done
}

# fat_labels IMG: print "root=...", "boot=..." and, on FAT32, "backup=...".
# root= is the root directory's volume entry: the first live entry with
# ATTR_VOLUME that is not a long-name slot; empty when there is none.
fat_labels() {
    local img=$1 off len n line found=''
    local -a e
    fat_geometry "$img" || return 1
    while read -r off len && [ -z "$found" ]; do
        n=0
        while read -r line; do
            read -r -a e <<<"$line"
            [ "${e[0]}" = 0 ] && { found=none; break; }
            if [ "${e[0]}" != 229 ] && [ "${e[11]}" != 15 ] &&
                [ $((e[11] & 8)) -ne 0 ]; then
                _fb=("${e[@]}")
                found=$(_fat_str 0)
                [ -n "$found" ] || found=' '
                break
            fi
            n=$((n + 1))
        done < <(od -An -v -tu1 -w32 -j "$off" -N "$len" "$img")
    done < <(_fat_root_ranges "$img")
    [ "$found" = none ] && found=''
    echo "root=$found"
    echo "boot=$fat_boot_label"
    if [ "$fat_bits" -eq 32 ]; then
        _fat_bytes "$img" $((fat_bkboot * fat_bps + 71)) 11
        echo "backup=$(_fat_str 0)"
    fi
}

# fat_check_label IMG LABEL: LABEL is in the root entry, the boot sector and
# (FAT32) the backup boot sector.  Says what it found when it is not.
fat_check_label() {
    local img=$1 want=$2 got bad=0 l
    got=$(fat_labels "$img") || { printf '%s\n' "$got"; return 1; }
    while IFS= read -r l; do
        [ "${l#*=}" = "$want" ] || bad=1
    done <<<"$got"
    if [ "$bad" -ne 0 ]; then
        echo "# label '$want' expected in every place of $img, found:"
        _fat_indent <<<"$got"
        return 1
    fi
}

# fat_check_clean IMG: fsck.fat -n finds nothing to say beyond its summary.
fat_check_clean() {
    local out st
    out=$(fsck.fat -n "$1" 2>&1)
    st=$?
    if [ "$st" -ne 0 ] || [ "$(grep -vc -e '^fsck\.fat ' -e ' files, [0-9]*/[0-9]* clusters$' <<<"$out")" -ne 0 ]; then
        echo "# fsck.fat -n $1: exit $st"
        _fat_indent <<<"$out"
        return 1
    fi
}
