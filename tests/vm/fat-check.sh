# shellcheck shell=bash
# Checks of a FAT filesystem read straight from the disk bytes, for the VM
# scenarios (in the guest) and check-vm (on the host, after the VM).  bash;
# needs od, dd and fsck.fat (dosfstools).  x86 only: od reads little-endian.

# _fat_u IMG OFFSET SIZE: the unsigned little-endian integer at OFFSET.
_fat_u() {
    od -An -v -t "u$3" -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# _fat_label_at IMG OFFSET: the 11 label bytes at OFFSET, trailing blanks cut.
_fat_label_at() {
    local hex out='' b
    hex=$(od -An -v -tx1 -j "$2" -N 11 "$1")
    for b in $hex; do
        out+=$(printf '%b' "\\x$b")
    done
    printf '%s\n' "${out%"${out##*[! ]}"}"
}

_fat_indent() {
    sed 's/^/#   /'
}

# fat_geometry IMG: set fat_bps fat_spc fat_rsvd fat_nfats fat_rootents
# fat_fatsz fat_bits fat_rootclus fat_bkboot fat_data (first data sector).
fat_geometry() {
    local img=$1 fatsz16
    fat_bps=$(_fat_u "$img" 11 2)
    fat_spc=$(_fat_u "$img" 13 1)
    fat_rsvd=$(_fat_u "$img" 14 2)
    fat_nfats=$(_fat_u "$img" 16 1)
    fat_rootents=$(_fat_u "$img" 17 2)
    fatsz16=$(_fat_u "$img" 22 2)
    case $fat_bps in
        512|1024|2048|4096) ;;
        *) echo "# $img: no FAT boot sector (bytes per sector '$fat_bps')"; return 1 ;;
    esac
    if [ "$fatsz16" -eq 0 ]; then
        fat_bits=32
        fat_fatsz=$(_fat_u "$img" 36 4)
        fat_rootclus=$(_fat_u "$img" 44 4)
        fat_bkboot=$(_fat_u "$img" 50 2)
    else
        fat_bits=16 # or 12: the same layout for what is read here
        fat_fatsz=$fatsz16
        fat_rootclus=0
        fat_bkboot=0
    fi
    fat_data=$((fat_rsvd + fat_nfats * fat_fatsz +
        (fat_rootents * 32 + fat_bps - 1) / fat_bps))
}

# _fat_root_ranges IMG: print "OFFSET LENGTH" for each piece of the root dir.
_fat_root_ranges() {
    local img=$1 clus next n=0
    if [ "$fat_bits" -ne 32 ]; then
        echo "$(((fat_rsvd + fat_nfats * fat_fatsz) * fat_bps)) $((fat_rootents * 32))"
        return
    fi
    clus=$fat_rootclus
    while [ "$clus" -ge 2 ] && [ "$clus" -lt 268435448 ] && [ $n -lt 4096 ]; do
        echo "$(((fat_data + (clus - 2) * fat_spc) * fat_bps)) $((fat_spc * fat_bps))"
        next=$(_fat_u "$img" $((fat_rsvd * fat_bps + clus * 4)) 4)
        clus=$((next & 0x0FFFFFFF))
        n=$((n + 1))
    done
}

# fat_labels IMG: print "root=...", "boot=..." and, on FAT32, "backup=...".
fat_labels() {
    local img=$1 off len n line found=''
    local -a e
    fat_geometry "$img" || return 1
    while read -r off len && [ -z "$found" ]; do
        n=0
        while read -r line; do
            read -r -a e <<<"$line"
            [ "${e[0]}" = 00 ] && { found=none; break; }
            if [ "${e[0]}" != e5 ] && [ "${e[11]}" != 0f ] &&
                [ $((0x${e[11]} & 0x08)) -ne 0 ]; then
                found=$(_fat_label_at "$img" $((off + n * 32)))
                [ -n "$found" ] || found=' '
                break
            fi
            n=$((n + 1))
        done < <(od -An -v -tx1 -w32 -j "$off" -N "$len" "$img")
    done < <(_fat_root_ranges "$img")
    [ "$found" = none ] && found=''
    echo "root=$found"
    if [ "$fat_bits" -eq 32 ]; then
        echo "boot=$(_fat_label_at "$img" 71)"
        echo "backup=$(_fat_label_at "$img" $((fat_bkboot * fat_bps + 71)))"
    else
        echo "boot=$(_fat_label_at "$img" 43)"
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
