#!/usr/bin/env bats
# fatlabel: FAT12/16/32 images made with mkfs.vfat; after every write,
# dosfstools' fatlabel, blkid -p and fsck.fat -n must agree with us. Mounted
# ext4, xfs and btrfs on loop devices, inside unshare -m. This kernel has no
# vfat driver: a mounted FAT (method remount) is covered by make check-vm.

load helpers

# dosfstools' fatlabel (ours is only ever "$B/fatlabel").
DOSFSLABEL=$(PATH=/usr/sbin:/sbin:$PATH command -v fatlabel)
export MTOOLS_SKIP_CHECK=1

setup() {
    IMG=$BATS_TEST_TMPDIR/fat.img
    MNT=$BATS_TEST_TMPDIR/mnt
    LOOPS=$BATS_TEST_TMPDIR/loops
    mkdir -p "$MNT"
}

teardown() {
    local l
    [ -e "$BATS_TEST_TMPDIR/holder.pid" ] && kill "$(cat "$BATS_TEST_TMPDIR/holder.pid")" 2>/dev/null
    [ -e "$BATS_TEST_TMPDIR/holder.pid" ] && wait 2>/dev/null
    if [ -e "$LOOPS" ]; then
        while read -r l; do
            losetup -d "$l" 2>/dev/null || true
        done <"$LOOPS"
    fi
    return 0
}

# mkfat BITS FILE [MKFS-OPTIONS...]: a fresh FAT image.
mkfat() {
    local bits=$1 f=$2
    shift 2
    rm -f "$f"
    case $bits in
        12) truncate -s 1440K "$f"; mkfs.vfat -F 12 "$@" "$f" ;;
        16) truncate -s 32M "$f"; mkfs.vfat -F 16 "$@" "$f" ;;
        32) truncate -s 40M "$f"; mkfs.vfat -F 32 -s 1 "$@" "$f" ;;
    esac >/dev/null 2>&1
}

# The offsets of the label and the serial in the boot sector.
label_off() { if [ "$1" = 32 ]; then echo $((0x47)); else echo $((0x2b)); fi; }
serial_off() { if [ "$1" = 32 ]; then echo $((0x43)); else echo $((0x27)); fi; }

# bytes FILE OFFSET COUNT: hex of COUNT bytes at OFFSET.
bytes() {
    od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

hex() {
    printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

sum() {
    sha256sum "$1" | cut -d' ' -f1
}

# clean FILE: fsck.fat -n exits 0 and says nothing but its summary.
clean() {
    run fsck.fat -n "$1"
    assert_success
    assert_equal "${#lines[@]}" 2
    assert_line --index 0 --regexp '^fsck\.fat [0-9.]+ '
    assert_line --index 1 --regexp ' files, [0-9]+/[0-9]+ clusters$'
}

# agree FILE LABEL-BYTES-HEX: the root entry, the boot sector (and its
# backup) hold the label, as dosfstools' fatlabel and blkid -p read them.
agree() {
    local f=$1 want=$2 bits
    # Its last line: dosfstools prints some warnings on stdout too.
    run "$DOSFSLABEL" "$f"
    assert_success
    assert_equal "$(printf '%s' "${lines[${#lines[@]} - 1]}" | iconv -f UTF-8 -t CP850 | od -An -v -tx1 | tr -d ' \n')" "$want"
    assert_equal "$(blkid -p -o value -s LABEL "$f" | od -An -v -tx1 | tr -d ' \n' | sed 's/0a$//')" "$want"
    assert_equal "$(blkid -p -o value -s LABEL_FATBOOT "$f" | od -An -v -tx1 | tr -d ' \n' | sed 's/0a$//')" "$want"
    bits=$("$B/fatlabel" -J "$f" | jq -r .fat_bits)
    if [ "$bits" = 32 ]; then
        assert_equal "$(bytes "$f" $((0x47)) 11)" "$(bytes "$f" $((6 * 512 + 0x47)) 11)"
    fi
}

# attach FILE: a loop device for FILE, detached in teardown.
attach() {
    local l
    l=$(losetup -f --show "$1")
    echo "$l" >>"$LOOPS"
    echo "$l"
}

# --- the command line ---------------------------------------------------

@test "no target is a usage error" {
    run --separate-stderr "$B/fatlabel"
    assert_equal "$status" 2
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: no device, image or mount point given
Try 'fatlabel --help'."
}

@test "bad values on the command line exit 2 and touch nothing" {
    mkfat 16 "$IMG" -n KEEP
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$IMG" A B
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: unexpected argument 'B'"
    run --separate-stderr "$B/fatlabel" -c 1252 "$IMG" X
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: unsupported code page '1252' (built in: 437, 850, 852, 858, 866)"
    run --separate-stderr "$B/fatlabel" -i "$IMG" 1234-ABC
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: invalid volume ID '1234-ABC' (want 1234-ABCD or 8 hex digits)"
    run --separate-stderr "$B/fatlabel" --volume-id=12345678 "$IMG" 12345678
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: the volume ID is given twice"
    run --separate-stderr "$B/fatlabel" -r "$IMG" X
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: --reset takes no label"
    run --separate-stderr "$B/fatlabel" --new-volume-id -i "$IMG" 12345678
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: a new random volume ID takes no value"
    run --separate-stderr "$B/fatlabel" "$IMG" ""
    assert_equal "$status" 2
    assert_equal "${stderr_lines[0]}" "fatlabel: the new label is empty (--reset removes the label)"
    assert_equal "$output" ""
    assert_equal "$(sum "$IMG")" "$before"
}

@test "a target that is missing, a plain directory or a character device: exit 4" {
    run --separate-stderr "$B/fatlabel" "$BATS_TEST_TMPDIR/none.img"
    assert_equal "$status" 4
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: cannot open $BATS_TEST_TMPDIR/none.img: No such file or directory"
    run --separate-stderr "$B/fatlabel" "$BATS_TEST_TMPDIR"
    assert_equal "$status" 4
    assert_equal "$stderr" "fatlabel: $BATS_TEST_TMPDIR is a directory but not a mount point"
    run --separate-stderr "$B/fatlabel" /dev/null
    assert_equal "$status" 4
    assert_equal "$stderr" "fatlabel: /dev/null is not a block device, an image file or a mount point"
}

# --- reading ------------------------------------------------------------

@test "FAT12, FAT16, FAT32: the label alone on stdout, nothing on stderr" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n "LABEL$bits"
        run --separate-stderr "$B/fatlabel" "$IMG"
        assert_success
        assert_equal "$output" "LABEL$bits"
        assert_equal "$stderr" ""
    done
}

@test "no label: an empty line, exit 0" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG"
        run --separate-stderr "$B/fatlabel" "$IMG"
        assert_success
        assert_equal "$output" ""
        assert_equal "$("$B/fatlabel" "$IMG" | od -An -c | tr -d ' ')" '\n'
        assert_equal "$stderr" ""
    done
}

@test "a write error on stdout fails with exit 4" {
    mkfat 12 "$IMG" -n FULL
    run --separate-stderr bash -c '"$1" "$2" >/dev/full' sh "$B/fatlabel" "$IMG"
    assert_equal "$status" 4
    assert_equal "$stderr" "fatlabel: write error: No space left on device"
}

@test "-J: every key, for each FAT type" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n "JSON$bits" -i 1234abcd
        run --separate-stderr "$B/fatlabel" -J "$IMG"
        assert_success
        echo "$output" | is_json
        assert_equal "$(echo "$output" | jq -c '[.source, .image, .target, .fstype, .fat_bits, .label, .boot_label, .volume_id, .method, .mounted]')" \
            "[\"$IMG\",\"$IMG\",null,\"vfat\",$bits,\"JSON$bits\",\"JSON$bits\",\"1234-ABCD\",\"offline\",false]"
        assert_equal "$(echo "$output" | jq -r 'keys_unsorted | join(" ")')" \
            "source image target fstype fat_bits label boot_label volume_id method mounted"
    done
}

@test "-i prints the volume ID as blkid does" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -i 00c0ffee
        run --separate-stderr "$B/fatlabel" -i "$IMG"
        assert_success
        assert_equal "$output" "00C0-FFEE"
        assert_equal "$output" "$(blkid -p -o value -s UUID "$IMG")"
        run --separate-stderr "$B/fatlabel" --volume-id "$IMG"
        assert_equal "$output" "00C0-FFEE"
    done
}

@test "-v warns when the boot sector's label differs from the root entry" {
    mkfat 16 "$IMG" -n ROOTLABEL
    printf 'BOOTLABEL  ' | dd of="$IMG" bs=1 seek=$((0x2b)) conv=notrunc 2>/dev/null
    run --separate-stderr "$B/fatlabel" "$IMG"
    assert_success
    assert_equal "$output" "ROOTLABEL"
    assert_equal "$stderr" ""
    run --separate-stderr "$B/fatlabel" -v "$IMG"
    assert_equal "$output" "ROOTLABEL"
    assert_equal "$(echo "$stderr" | grep -c warning)" 1
    assert_equal "$(echo "$stderr" | grep warning)" \
        "fatlabel: warning: $IMG: the boot sector says 'BOOTLABEL', the root directory 'ROOTLABEL'; the root directory's is the label"
    run "$B/fatlabel" -J "$IMG"
    assert_equal "$(echo "$output" | jq -r .boot_label)" BOOTLABEL
}

@test "a FAT32 layout with few clusters (mkfs.vfat -F 32 on 8 MiB) is read as FAT32" {
    truncate -s 8M "$IMG"
    mkfs.vfat -F 32 -s 1 -n SMALL32 "$IMG" >/dev/null 2>&1
    run --separate-stderr "$B/fatlabel" -J -v "$IMG"
    assert_success
    assert_equal "$(echo "$output" | jq -r '.fat_bits, .label')" "32
SMALL32"
    [[ $stderr == *"$IMG: FAT32 layout with only 16100 clusters (the specification says FAT16 below 65525): read as FAT32, as Linux does"* ]]
    run "$B/fatlabel" "$IMG" SMALLER
    assert_success
    agree "$IMG" "$(hex SMALLER)"
    # fsck.fat warns about the cluster count (mkfs.vfat's doing), and
    # finds nothing else.
    run fsck.fat -n "$IMG"
    assert_success
    assert_equal "$(echo "$output" | grep -c -i -e label -e differ -e invalid)" 0
    assert_line --index "$((${#lines[@]} - 1))" --regexp ' files, [0-9]+/[0-9]+ clusters$'
}

# --- writing ------------------------------------------------------------

@test "set and get on FAT12, FAT16, FAT32: the tools agree, fsck is clean" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n OLD
        run --separate-stderr "$B/fatlabel" "$IMG" "NEW $bits"
        assert_success
        assert_equal "$output" ""
        assert_equal "$stderr" ""
        run "$B/fatlabel" "$IMG"
        assert_equal "$output" "NEW $bits"
        agree "$IMG" "$(hex "NEW $bits")"
        clean "$IMG"
    done
}

@test "-J after a change prints what is on the disk now" {
    mkfat 32 "$IMG" -n OLD
    run --separate-stderr "$B/fatlabel" -J "$IMG" CHANGED
    assert_success
    assert_equal "$(echo "$output" | jq -r '.label, .boot_label, .method')" "CHANGED
CHANGED
offline"
}

@test "lower case is kept as given, with a warning on stderr" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG"
        run --separate-stderr "$B/fatlabel" "$IMG" "Mixed"
        assert_success
        assert_equal "$output" ""
        assert_equal "$stderr" "fatlabel: warning: label 'Mixed' has lower-case letters: kept as given, but DOS and Windows expect upper case"
        run "$B/fatlabel" "$IMG"
        assert_equal "$output" "Mixed"
        agree "$IMG" "$(hex Mixed)"
        clean "$IMG"
    done
}

@test "11 bytes fit; 12 are refused and nothing changes" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n KEEP
        run "$B/fatlabel" "$IMG" ABCDEFGHIJK
        assert_success
        agree "$IMG" "$(hex ABCDEFGHIJK)"
        clean "$IMG"
        before=$(sum "$IMG")
        run --separate-stderr "$B/fatlabel" "$IMG" ABCDEFGHIJKL
        assert_equal "$status" 2
        assert_equal "$output" ""
        assert_equal "$stderr" "fatlabel: invalid label 'ABCDEFGHIJKL': the label is 12 bytes in code page 850; a FAT label holds at most 11"
        assert_equal "$(sum "$IMG")" "$before"
    done
}

@test "every invalid character is refused by name, and nothing changes" {
    mkfat 16 "$IMG" -n KEEP
    before=$(sum "$IMG")
    for c in '"' '*' '+' ',' '.' '/' ':' ';' '<' '=' '>' '?' '[' '\' ']' '|'; do
        run --separate-stderr "$B/fatlabel" "$IMG" "A${c}B"
        assert_equal "$status" 2
        assert_equal "$output" ""
        assert_equal "$stderr" "fatlabel: invalid label 'A${c}B': '$c' is not allowed in a FAT label"
        assert_equal "$(sum "$IMG")" "$before"
    done
    run --separate-stderr "$B/fatlabel" "$IMG" $'A\tB'
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label 'A"$'\t'"B': control character U+0009 is not allowed in a FAT label"
    run --separate-stderr "$B/fatlabel" "$IMG" " LEAD"
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label ' LEAD': a FAT label cannot start with a blank"
    run --separate-stderr "$B/fatlabel" "$IMG" "   "
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label '   ': a FAT label cannot be all blank"
    run --separate-stderr "$B/fatlabel" "$IMG" "NO NAME"
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label 'NO NAME': 'NO NAME' is what FAT stores for no label"
    assert_equal "$(sum "$IMG")" "$before"
    assert_equal "$("$B/fatlabel" "$IMG")" KEEP
}

@test "Ä is 0x8E in code page 850 in all three places; € is not in 850 but is in 858" {
    mkfat 32 "$IMG" -n KEEP
    run --separate-stderr "$B/fatlabel" "$IMG" "ÄÖÜ"
    assert_success
    assert_equal "$stderr" ""
    assert_equal "$(bytes "$IMG" $((0x47)) 3)" 8e999a
    assert_equal "$("$B/fatlabel" "$IMG")" "ÄÖÜ"
    agree "$IMG" 8e999a
    # dosfstools 4.2's fsck.fat compares a signed char with ' ' and so calls
    # every label byte above 0x7f invalid (the same bug makes its fatlabel
    # refuse ÄÖÜ); apart from that one complaint the filesystem is clean.
    run fsck.fat -n "$IMG"
    assert_equal "$(echo "$output" | grep -v -e '^fsck.fat ' -e 'is not valid\.$' \
        -e 'Auto-removing label\.$' -e '^Leaving filesystem unchanged\.$' -e '^$' \
        -e ' files, [0-9]*/[0-9]* clusters$')" ""

    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$IMG" "A€"
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label 'A€': '€' (U+20AC) is not in code page 850"
    assert_equal "$(sum "$IMG")" "$before"
    run "$B/fatlabel" -c 858 "$IMG" "EUR€"
    assert_success
    assert_equal "$(bytes "$IMG" $((0x47)) 4)" 455552d5
    assert_equal "$("$B/fatlabel" -c 858 "$IMG")" "EUR€"
    # The same byte is ı in code page 850.
    assert_equal "$("$B/fatlabel" "$IMG")" "EURı"
    run --separate-stderr "$B/fatlabel" -c 437 "$IMG" "Ж"
    assert_equal "$status" 2
    assert_equal "$stderr" "fatlabel: invalid label 'Ж': 'Ж' (U+0416) is not in code page 437"
    run "$B/fatlabel" -c 866 "$IMG" "ЖУК"
    assert_success
    assert_equal "$(bytes "$IMG" $((0x47)) 3)" 86938a
}

@test "-r removes the label: the entry goes, the boot sector says NO NAME" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n GOING
        run --separate-stderr "$B/fatlabel" -r "$IMG"
        assert_success
        assert_equal "$output" ""
        run "$B/fatlabel" -J "$IMG"
        assert_equal "$(echo "$output" | jq -c '[.label, .boot_label]')" "[null,null]"
        assert_equal "$(bytes "$IMG" "$(label_off "$bits")" 11)" "$(hex 'NO NAME    ')"
        [ "$bits" != 32 ] || assert_equal "$(bytes "$IMG" $((6 * 512 + 0x47)) 11)" "$(hex 'NO NAME    ')"
        assert_equal "$(blkid -p -o value -s LABEL "$IMG")" ""
        assert_equal "$(blkid -p -o value -s LABEL_FATBOOT "$IMG")" ""
        assert_equal "$("$DOSFSLABEL" "$IMG")" ""
        clean "$IMG"
        # And back.
        run "$B/fatlabel" "$IMG" AGAIN
        agree "$IMG" "$(hex AGAIN)"
        clean "$IMG"
    done
}

@test "an image without a label entry gets one" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG"
        assert_equal "$(blkid -p -o value -s LABEL "$IMG")" ""
        run --separate-stderr "$B/fatlabel" -v "$IMG" FRESH
        assert_success
        [[ $stderr == *"$IMG: created the label entry in the root directory"* ]]
        agree "$IMG" "$(hex FRESH)"
        clean "$IMG"
    done
}

@test "volume IDs: set in both forms, printed, random" {
    for bits in 12 16 32; do
        mkfat "$bits" "$IMG" -n IDS
        run --separate-stderr "$B/fatlabel" -i "$IMG" 1234-abcd
        assert_success
        assert_equal "$output" ""
        assert_equal "$("$B/fatlabel" -i "$IMG")" 1234-ABCD
        assert_equal "$(blkid -p -o value -s UUID "$IMG")" 1234-ABCD
        assert_equal "$(bytes "$IMG" "$(serial_off "$bits")" 4)" cdab3412
        run "$B/fatlabel" --volume-id=DEADBEEF "$IMG"
        assert_success
        assert_equal "$("$B/fatlabel" -i "$IMG")" DEAD-BEEF
        run "$B/fatlabel" --new-volume-id "$IMG"
        assert_success
        one=$("$B/fatlabel" -i "$IMG")
        run "$B/fatlabel" -i -r "$IMG"
        assert_success
        two=$("$B/fatlabel" -i "$IMG")
        [[ $one =~ ^[0-9A-F]{4}-[0-9A-F]{4}$ ]]
        [[ $two =~ ^[0-9A-F]{4}-[0-9A-F]{4}$ ]]
        [ "$one" != DEAD-BEEF ] && [ "$one" != "$two" ]
        assert_equal "$(blkid -p -o value -s UUID "$IMG")" "$two"
        # The label stays.
        agree "$IMG" "$(hex IDS)"
        clean "$IMG"
    done
}

@test "FAT32: the backup boot sector gets the same label and serial bytes" {
    mkfat 32 "$IMG" -n BEFORE
    run "$B/fatlabel" "$IMG" BACKUPTOO
    assert_success
    run "$B/fatlabel" -i "$IMG" 0BAD-F00D
    assert_success
    for off in $((0x43)) $((0x47)); do
        assert_equal "$(bytes "$IMG" "$off" 11)" "$(bytes "$IMG" $((6 * 512 + off)) 11)"
    done
    assert_equal "$(bytes "$IMG" $((0x47)) 11)" "$(hex 'BACKUPTOO  ')"
    assert_equal "$(bytes "$IMG" $((0x43)) 4)" 0df0ad0b
    # The rest of the two sectors is as mkfs left it: equal.
    cmp <(dd if="$IMG" bs=512 count=1 2>/dev/null) <(dd if="$IMG" bs=512 skip=6 count=1 2>/dev/null)
    clean "$IMG"
}

@test "a backup boot sector that does not match is left alone, with a warning" {
    mkfat 32 "$IMG" -n BEFORE
    printf '\x07' | dd of="$IMG" bs=1 seek=$((6 * 512 + 13)) conv=notrunc 2>/dev/null
    backup=$(bytes "$IMG" $((6 * 512)) 512)
    run --separate-stderr "$B/fatlabel" "$IMG" AFTER
    assert_success
    assert_equal "$stderr" "fatlabel: warning: $IMG: the backup boot sector does not match the boot sector; left as it was (fsck.fat can repair it)"
    assert_equal "$(bytes "$IMG" $((6 * 512)) 512)" "$backup"
    assert_equal "$("$B/fatlabel" "$IMG")" AFTER
}

@test "a full FAT12/16 root directory: a clear error, nothing changed" {
    truncate -s 1440K "$IMG"
    mkfs.vfat -F 12 -r 16 "$IMG" >/dev/null
    echo x >"$BATS_TEST_TMPDIR/x"
    for i in $(seq 1 16); do
        mcopy -i "$IMG" "$BATS_TEST_TMPDIR/x" "::F$i.TXT"
    done
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$IMG" FULL
    assert_equal "$status" 4
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: $IMG: the root directory is full (16 entries): no slot for a label entry"
    assert_equal "$(sum "$IMG")" "$before"
}

@test "a full FAT32 root directory gets a cluster for the label" {
    mkfat 32 "$IMG"
    echo x >"$BATS_TEST_TMPDIR/x"
    for i in $(seq 1 16); do
        mcopy -i "$IMG" "$BATS_TEST_TMPDIR/x" "::F$i.TXT"
    done
    run --separate-stderr "$B/fatlabel" -v "$IMG" EXTENDED
    assert_success
    [[ $stderr == *"$IMG: the root directory was full: added a cluster to it"* ]]
    agree "$IMG" "$(hex EXTENDED)"
    clean "$IMG"
    assert_equal "$(mdir -i "$IMG" -b :: | wc -l)" 16
}

@test "an image locked by another program is not written" {
    mkfat 16 "$IMG" -n KEEP
    flock "$IMG" sleep 60 &
    echo $! >"$BATS_TEST_TMPDIR/holder.pid"
    for _ in $(seq 50); do
        flock -n "$IMG" true || break
        sleep 0.1
    done
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$IMG" LOCKED
    assert_equal "$status" 4
    assert_equal "$stderr" "fatlabel: $IMG is in use (mounted, or opened exclusively or locked by another program)"
    assert_equal "$(sum "$IMG")" "$before"
}

# --- bad images ---------------------------------------------------------

# corrupt KIND: make $IMG a corrupted image, and set $why to the message.
corrupt() {
    local rsvd
    case $1 in
        truncated)
            mkfat 32 "$IMG" -n KEEP
            truncate -s 1M "$IMG"
            why="the boot sector gives 41943040 bytes, but there are only 1048576 (truncated?)" ;;
        not-fat)
            yes 'not a filesystem' | head -c 65536 >"$IMG"
            why="no FAT boot sector: byte 0 is 0x6e, not a jump instruction; and no other filesystem found" ;;
        zero-sector-size)
            mkfat 16 "$IMG" -n KEEP
            printf '\0\0' | dd of="$IMG" bs=1 seek=11 conv=notrunc 2>/dev/null
            why="sector size 0 is not a power of two from 512 to 4096; and no other filesystem found" ;;
        loop)
            mkfat 32 "$IMG" -n KEEP
            rsvd=$(od -An -tu2 -j14 -N2 "$IMG" | tr -d ' ')
            # FAT[2] (the root's cluster) points at itself, in both FATs.
            printf '\x02\0\0\0' | dd of="$IMG" bs=1 seek=$((rsvd * 512 + 8)) conv=notrunc 2>/dev/null
            why="the root directory's cluster chain loops (at cluster 2)" ;;
        longer-loop)
            mkfat 32 "$IMG" -n KEEP
            rsvd=$(od -An -tu2 -j14 -N2 "$IMG" | tr -d ' ')
            # 2 -> 3 -> 4 -> 3
            printf '\x03\0\0\0\x04\0\0\0\x03\0\0\0' |
                dd of="$IMG" bs=1 seek=$((rsvd * 512 + 8)) conv=notrunc 2>/dev/null
            why="the root directory's cluster chain loops (at cluster 3)" ;;
        outside)
            mkfat 32 "$IMG" -n KEEP
            rsvd=$(od -An -tu2 -j14 -N2 "$IMG" | tr -d ' ')
            printf '\0\0\x20\0' | dd of="$IMG" bs=1 seek=$((rsvd * 512 + 8)) conv=notrunc 2>/dev/null
            why="the root directory's cluster chain leaves the volume: cluster 2 points to 2097152 (last is 80629)" ;;
        fat-too-small)
            mkfat 16 "$IMG" -n KEEP
            printf '\x04\0' | dd of="$IMG" bs=1 seek=22 conv=notrunc 2>/dev/null
            why="a FAT of 4 sectors has room for 1024 entries, not the 16375 that 16373 clusters need" ;;
    esac
}

# refused ARGS...: fatlabel ARGS fails with exit 4 and the one line $why,
# and $IMG is as it was ($before).
refused() {
    run --separate-stderr "$B/fatlabel" "$@"
    assert_equal "$status" 4
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: $IMG: $why"
    assert_equal "$(sum "$IMG")" "$before"
}

@test "corrupted images: one line, exit 4, byte for byte unchanged" {
    for kind in truncated not-fat zero-sector-size loop longer-loop outside fat-too-small; do
        corrupt "$kind"
        before=$(sum "$IMG")
        refused "$IMG" NEWLABEL
        refused -r "$IMG"
        refused -i "$IMG" 1234-5678
        refused --new-volume-id "$IMG"
        refused "$IMG"
        refused -i "$IMG"
        refused -J "$IMG"
    done
}

# --- methods ------------------------------------------------------------

@test "each method forced on an unmounted image" {
    mkfat 16 "$IMG" -n METHODS
    run --separate-stderr "$B/fatlabel" --method offline -J "$IMG"
    assert_success
    assert_equal "$(echo "$output" | jq -r .method)" offline
    run --separate-stderr "$B/fatlabel" --method offline -J "$IMG" SETOFFLINE
    assert_success
    assert_equal "$(echo "$output" | jq -r '.method, .label')" "offline
SETOFFLINE"
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" --method ioctl "$IMG"
    assert_equal "$status" 5
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: method ioctl is not usable here: $IMG is not mounted: the label ioctls need a mounted filesystem"
    run --separate-stderr "$B/fatlabel" --method remount "$IMG" X
    assert_equal "$status" 5
    assert_equal "$stderr" "fatlabel: method remount is not usable here: $IMG is not mounted (method offline edits it directly)"
    run --separate-stderr "$B/fatlabel" --method remount "$IMG"
    assert_equal "$status" 5
    assert_equal "$stderr" "fatlabel: method remount is not usable here: reading needs no remount (method offline reads the device)"
    assert_equal "$(sum "$IMG")" "$before"
}

@test "-v tells the methods passed over and the one used" {
    mkfat 12 "$IMG" -n VERBOSE
    run --separate-stderr "$B/fatlabel" -v "$IMG"
    assert_success
    assert_equal "$output" VERBOSE
    assert_equal "$stderr" "fatlabel: method ioctl passed over: $IMG is not mounted: the label ioctls need a mounted filesystem
fatlabel: method remount passed over: reading needs no remount (method offline reads the device)
fatlabel: using method offline: the device or image itself: read any time, written only when unmounted"
}

@test "wishbox features lists the three methods; remount needs CAP_SYS_ADMIN" {
    run "$B/wishbox" features -J
    assert_success
    assert_equal "$(echo "$output" | jq -r '.tools[] | select(.tool == "fatlabel") | [.methods[].method] | join(" ")')" \
        "ioctl remount offline"
    assert_equal "$(echo "$output" | jq -r '.tools[] | select(.tool == "fatlabel") | .methods[] | select(.method == "offline") | .available')" true
    assert_equal "$(echo "$output" | jq -r '.tools[] | select(.tool == "fatlabel") | .methods[] | select(.method == "remount") | .available')" true
    # Tried on /, and on a mounted FAT when there is one (none here).
    [[ $(echo "$output" | jq -r '.tools[] | select(.tool == "fatlabel") | .methods[] | select(.method == "ioctl") | .reason') =~ ^FS_IOC_GETFSLABEL\ on\ /\ \([a-z0-9]+\):\ .+\;\ no\ FAT\ is\ mounted\ to\ try\ it\ on$ ]]
    run setpriv --reuid=nobody --regid=nogroup --clear-groups "$B/wishbox" features -J
    assert_success
    assert_equal "$(echo "$output" | jq -r '.tools[] | select(.tool == "fatlabel") | .methods[] | select(.method == "remount") | [.available, .reason] | join(" ")')" \
        "false needs CAP_SYS_ADMIN (not held)"
}

@test "an image attached to a loop device is read and written through it" {
    mkfat 32 "$IMG" -n ATTACHED
    loop=$(attach "$IMG")
    run --separate-stderr "$B/fatlabel" -J "$IMG"
    assert_success
    assert_equal "$(echo "$output" | jq -c '[.source, .image, .mounted, .label]')" \
        "[\"$loop\",\"$IMG\",false,\"ATTACHED\"]"
    # The loop device's cache holds the old sectors now.
    blkid -p "$loop" >/dev/null
    run "$B/fatlabel" "$IMG" THROUGHLOOP
    assert_success
    assert_equal "$(blkid -p -o value -s LABEL "$loop")" THROUGHLOOP
    assert_equal "$(blkid -p -o value -s LABEL_FATBOOT "$loop")" THROUGHLOOP
    # The block device itself, by name.
    run "$B/fatlabel" -J "$loop"
    assert_equal "$(echo "$output" | jq -c '[.source, .image, .label]')" "[\"$loop\",null,\"THROUGHLOOP\"]"
    run "$B/fatlabel" "$loop" BYDEVICE
    assert_success
    losetup -d "$loop"
    agree "$IMG" "$(hex BYDEVICE)"
    clean "$IMG"
}

@test "a block device another program holds exclusively is not written" {
    mkfat 16 "$IMG" -n KEEP
    loop=$(attach "$IMG")
    perl -MFcntl -e 'sysopen(my $f, $ARGV[0], O_RDONLY | O_EXCL) or die "$!\n";
        open(my $o, ">", $ARGV[1]) or die; close $o; sleep 60' "$loop" "$BATS_TEST_TMPDIR/held" &
    echo $! >"$BATS_TEST_TMPDIR/holder.pid"
    for _ in $(seq 50); do
        [ -e "$BATS_TEST_TMPDIR/held" ] && break
        sleep 0.1
    done
    [ -e "$BATS_TEST_TMPDIR/held" ]
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$loop" HELD
    assert_equal "$status" 4
    assert_equal "$stderr" "fatlabel: $loop is in use (mounted, or opened exclusively or locked by another program)"
    # Reading does not need it exclusively.
    assert_equal "$("$B/fatlabel" "$loop")" KEEP
    assert_equal "$(sum "$IMG")" "$before"
}

# --- other filesystems, mounted (inside unshare -m) ----------------------

# in_ns SCRIPT: runs SCRIPT (bash) in a private mount namespace, with IMG,
# MNT, B and LOOPS set.
in_ns() {
    IMG=$IMG MNT=$MNT B=$B LOOPS=$LOOPS unshare -m --propagation private bash -c "set -e; $1"
}

@test "ext4 mounted from an image: found through its loop device, labelled through the ioctl" {
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L before -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
    run --separate-stderr in_ns '
        loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
        mount -o noinit_itable "$loop" "$MNT"
        echo "loop=$loop"
        "$B/fatlabel" -J "$IMG"
        "$B/fatlabel" -J "$loop"
        "$B/fatlabel" -J "$MNT"
        "$B/fatlabel" "$IMG" imageset
        echo "blkid=$(blkid -p -o value -s LABEL "$loop")"
        "$B/fatlabel" "$MNT" byMountPoint
        echo "blkid=$(blkid -p -o value -s LABEL "$loop")"
        echo "uuid=$(blkid -p -o value -s UUID "$loop")"
        "$B/fatlabel" -i "$IMG"
        umount "$MNT"'
    assert_success
    assert_equal "$stderr" ""
    loop=$(echo "$output" | sed -n 's/^loop=//p')
    uuid=$(echo "$output" | sed -n 's/^uuid=//p')
    assert_equal "$(echo "${lines[1]}" | jq -c '[.source, .image, .target, .fstype, .fat_bits, .label, .boot_label, .method, .mounted]')" \
        "[\"$loop\",\"$IMG\",\"$MNT\",\"ext4\",null,\"before\",null,\"ioctl\",true]"
    assert_equal "$(echo "${lines[1]}" | jq -r .volume_id)" "$uuid"
    assert_equal "$(echo "${lines[2]}" | jq -r '.source, .target, .method')" "$loop
$MNT
ioctl"
    assert_equal "$(echo "${lines[3]}" | jq -r '.source, .target, .label')" "$loop
$MNT
before"
    assert_equal "${lines[4]}" "blkid=imageset"
    assert_equal "${lines[5]}" "blkid=byMountPoint"
    assert_equal "${lines[7]}" "$uuid"
}

@test "a mounted ext4: offline and remount are refused, the image unchanged" {
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L keep -E lazy_itable_init=0,lazy_journal_init=0 "$IMG"
    run --separate-stderr in_ns '
        loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
        mount -o noinit_itable "$loop" "$MNT"
        sync
        echo "loop=$loop"
        sha256sum <"$IMG"
        for m in offline remount; do
            "$B/fatlabel" --method $m "$IMG" CHANGED 2>&1 && echo "exit 0" || echo "exit $?"
        done
        "$B/fatlabel" -i "$IMG" 1234-5678 2>&1 && echo "exit 0" || echo "exit $?"
        "$B/fatlabel" "$IMG" 12345678901234567 2>&1 && echo "exit 0" || echo "exit $?"
        sync
        sha256sum <"$IMG"
        echo "label=$("$B/fatlabel" "$MNT")"
        umount "$MNT"'
    assert_success
    loop=$(echo "$output" | sed -n 's/^loop=//p')
    assert_equal "${lines[2]}" "fatlabel: method offline is not usable here: ext4 on $loop is mounted at $MNT: never written directly; its label is changed through the kernel (method ioctl) or e2label or tune2fs -L"
    assert_equal "${lines[3]}" "exit 5"
    assert_equal "${lines[4]}" "fatlabel: method remount is not usable here: ext4 on $loop is not FAT: remounting to edit the device is for FAT only"
    assert_equal "${lines[5]}" "exit 5"
    assert_equal "${lines[6]}" "fatlabel: no usable method here: ext4 on $loop is mounted: fatlabel writes only FAT directly; use tune2fs -U"
    assert_equal "${lines[7]}" "exit 5"
    assert_equal "${lines[8]}" "fatlabel: invalid label '12345678901234567': 17 bytes; ext4 labels hold at most 16"
    assert_equal "${lines[9]}" "exit 2"
    assert_equal "${lines[10]}" "${lines[1]}"
    assert_equal "${lines[11]}" "label=keep"
}

@test "a mounted ext4: -r empties the label through the ioctl" {
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L going "$IMG"
    run --separate-stderr in_ns '
        loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
        mount "$loop" "$MNT"
        "$B/fatlabel" -r -J "$MNT"
        echo "blkid=$(blkid -p -o value -s LABEL "$loop")"
        umount "$MNT"'
    assert_success
    assert_equal "$(echo "${lines[0]}" | jq -c '[.label, .method]')" '[null,"ioctl"]'
    assert_equal "${lines[1]}" "blkid="
}

@test "a mount covered by another one is never used through its mount point" {
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L under "$IMG"
    run --separate-stderr in_ns '
        loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
        mount "$loop" "$MNT"
        mount -t tmpfs cover "$MNT"
        echo "loop=$loop"
        "$B/fatlabel" -J -v "$loop" 2>&1
        "$B/fatlabel" "$loop" CHANGED 2>&1 || echo "exit $?"
        "$B/fatlabel" --method ioctl "$loop" CHANGED 2>&1 || echo "exit $?"
        echo "blkid=$(blkid -p -o value -s LABEL "$loop")"
        umount "$MNT"; umount "$MNT"'
    assert_success
    loop=$(echo "$output" | sed -n 's/^loop=//p')
    assert_line "fatlabel: method ioctl passed over: the mount at $MNT is covered by another mount"
    assert_equal "$(echo "$output" | grep '^{' | jq -r '.label, .method, .mounted')" "under
offline
true"
    assert_line "fatlabel: no usable method here: ext4 on $loop is mounted at $MNT: never written directly; its label is changed through the kernel (method ioctl) or e2label or tune2fs -L"
    assert_line "fatlabel: method ioctl is not usable here: the mount at $MNT is covered by another mount"
    assert_equal "$(echo "$output" | grep -c '^exit 5$')" 2
    assert_line "blkid=under"
}

@test "xfs and btrfs, mounted: get and set through the ioctl" {
    for fs in xfs btrfs; do
        rm -f "$IMG"
        if [ $fs = xfs ]; then
            truncate -s 320M "$IMG"
            mkfs.xfs -q -L before "$IMG"
        else
            truncate -s 128M "$IMG"
            mkfs.btrfs -q -L before "$IMG" >/dev/null
        fi
        run --separate-stderr in_ns '
            loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
            mount "$loop" "$MNT"
            "$B/fatlabel" -J "$loop"
            "$B/fatlabel" --method ioctl "$loop" after'$fs'
            echo "blkid=$(blkid -p -o value -s LABEL "$loop")"
            echo "uuid=$(blkid -p -o value -s UUID "$loop")"
            "$B/fatlabel" "$MNT"
            umount "$MNT"'
        assert_success
        assert_equal "$stderr" ""
        assert_equal "$(echo "${lines[0]}" | jq -r '.fstype, .label, .method, .mounted')" "$fs
before
ioctl
true"
        assert_equal "$(echo "${lines[0]}" | jq -r .volume_id)" "${lines[2]#uuid=}"
        assert_equal "${lines[1]}" "blkid=after$fs"
        assert_equal "${lines[3]}" "after$fs"
    done
}

@test "xfs labels longer than 12 bytes are refused before the kernel sees them" {
    truncate -s 320M "$IMG"
    mkfs.xfs -q -L keep "$IMG"
    run --separate-stderr in_ns '
        loop=$(losetup -f --show "$IMG"); echo "$loop" >>"$LOOPS"
        mount "$loop" "$MNT"
        "$B/fatlabel" "$MNT" 1234567890123 2>&1 || echo "exit $?"
        "$B/fatlabel" "$MNT"
        umount "$MNT"'
    assert_success
    assert_equal "${lines[0]}" "fatlabel: invalid label '1234567890123': 13 bytes; xfs labels hold at most 12"
    assert_equal "${lines[1]}" "exit 2"
    assert_equal "${lines[2]}" keep
}

@test "an unmounted ext4: label and UUID read with libblkid, writing refused naming e2label" {
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L 'q"b\s' "$IMG"
    run --separate-stderr "$B/fatlabel" -J "$IMG"
    assert_success
    echo "$output" | is_json
    assert_equal "$(echo "$output" | jq -r .label)" 'q"b\s'
    rm -f "$IMG"
    truncate -s 64M "$IMG"
    mkfs.ext4 -q -L offline4 -U 0e0e0e0e-1111-2222-3333-444455556666 "$IMG"
    run --separate-stderr "$B/fatlabel" -J "$IMG"
    assert_success
    assert_equal "$(echo "$output" | jq -c '[.fstype, .fat_bits, .label, .boot_label, .volume_id, .method, .mounted]')" \
        '["ext4",null,"offline4",null,"0e0e0e0e-1111-2222-3333-444455556666","offline",false]'
    assert_equal "$("$B/fatlabel" -i "$IMG")" 0e0e0e0e-1111-2222-3333-444455556666
    before=$(sum "$IMG")
    run --separate-stderr "$B/fatlabel" "$IMG" NEW
    assert_equal "$status" 5
    assert_equal "$output" ""
    assert_equal "$stderr" "fatlabel: no usable method here: ext4 on $IMG is not mounted: fatlabel writes only FAT directly; use e2label or tune2fs -L"
    run --separate-stderr "$B/fatlabel" -r "$IMG"
    assert_equal "$status" 5
    assert_equal "$(sum "$IMG")" "$before"
}

# --- under attack --------------------------------------------------------

# root_off IMG: the byte offset of a FAT12/16 root directory.
root_off() {
    local rsv fats fatsz
    rsv=$(od -An -tu2 -j14 -N2 "$1" | tr -d ' ')
    fats=$(od -An -tu1 -j16 -N1 "$1" | tr -d ' ')
    fatsz=$(od -An -tu2 -j22 -N2 "$1" | tr -d ' ')
    echo $(((rsv + fats * fatsz) * 512))
}

@test "stdin, stdout or stderr closed: nothing lands in the image, the exit code holds" {
    mkfat 32 "$IMG" -n OLD
    # A backup boot sector that does not match: writing warns on stderr.
    printf '\x07' | dd of="$IMG" bs=1 seek=$((6 * 512 + 13)) conv=notrunc 2>/dev/null
    cp "$IMG" "$BATS_TEST_TMPDIR/orig.img"
    cp "$IMG" "$BATS_TEST_TMPDIR/ref.img"
    run --separate-stderr "$B/fatlabel" -v "$BATS_TEST_TMPDIR/ref.img" NEW
    assert_success
    [[ $stderr == *"using method offline"*"warning: "*"the backup boot sector does not match"* ]]
    # A boot sector label that differs: reading with -v warns on stderr.
    rd=$BATS_TEST_TMPDIR/read.img
    cp "$IMG" "$rd"
    printf 'BOOTDIFF   ' | dd of="$rd" bs=1 seek=$((0x47)) conv=notrunc 2>/dev/null
    run --separate-stderr "$B/fatlabel" -v "$rd"
    assert_success
    [[ $stderr == *"warning: "*"the boot sector says 'BOOTDIFF'"* ]]
    rdsum=$(sum "$rd")
    for closed in '<&-' '>&-' '2>&-' '<&- >&- 2>&-'; do
        cp "$BATS_TEST_TMPDIR/orig.img" "$IMG"
        run bash -c "\"\$1\" -v \"\$2\" NEW $closed" sh "$B/fatlabel" "$IMG"
        assert_success
        # The same bytes as the edit with stderr open, but for the
        # entry's write time (at most 4 bytes, side by side).
        diffs=$(cmp -l "$BATS_TEST_TMPDIR/ref.img" "$IMG" | awk '{ print $1 }')
        if [ -n "$diffs" ]; then
            [ "$(echo "$diffs" | wc -l)" -le 4 ] || fail "$closed: $(echo "$diffs" | wc -l) bytes differ"
            [ $(($(echo "$diffs" | tail -n1) - $(echo "$diffs" | head -n1))) -lt 4 ] ||
                fail "$closed: bytes apart differ: $diffs"
        fi
        assert_equal "$(blkid -p -o value -s LABEL "$IMG")" NEW
        assert_equal "$(blkid -p -o value -s LABEL_FATBOOT "$IMG")" NEW
        # Reading with the same fds closed: exit 0, the image intact.
        run bash -c "\"\$1\" -v \"\$2\" $closed" sh "$B/fatlabel" "$rd"
        assert_success
        assert_equal "$(sum "$rd")" "$rdsum"
    done
}

# pid_in_pread PID FILE: PID is stopped (by strace) in pread64 on FILE.
pid_in_pread() {
    local nr fd
    read -r nr fd _ <"/proc/$1/syscall" 2>/dev/null || return 1
    [ "$nr" = 17 ] && [ "$(readlink "/proc/$1/fd/$((fd))")" = "$2" ]
}

@test "a symlink swapped after the check cannot redirect the write to a held device" {
    [ "$(uname -m)" = x86_64 ] || skip "pread64 is syscall 17 on x86_64 only"
    mkfat 16 "$IMG" -n FIRST
    other=$BATS_TEST_TMPDIR/other.img
    mkfat 16 "$other" -n HELD
    loop=$(attach "$other")
    # Another program holds the loop device exclusively.
    perl -MFcntl -e 'sysopen(my $f, $ARGV[0], O_RDONLY | O_EXCL) or die "$!\n";
        open(my $o, ">", $ARGV[1]) or die; close $o; sleep 60' "$loop" "$BATS_TEST_TMPDIR/held" &
    echo $! >"$BATS_TEST_TMPDIR/holder.pid"
    for _ in $(seq 50); do
        [ -e "$BATS_TEST_TMPDIR/held" ] && break
        sleep 0.1
    done
    [ -e "$BATS_TEST_TMPDIR/held" ]
    held=$(sum "$other")
    link=$BATS_TEST_TMPDIR/target
    ln -s "$IMG" "$link"
    # Every pread64 is held for 0.4 s: the first one on the image (after
    # the target was looked at, before it is written) is the window.
    # (LeakSanitizer cannot work under ptrace: off, for an ASan build.)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        strace -o /dev/null -e trace=pread64 -e inject=pread64:delay_enter=400000 \
        "$B/fatlabel" "$link" SWAPPED 2>"$BATS_TEST_TMPDIR/err" &
    spid=$!
    pid=
    for _ in $(seq 200); do
        pid=$(cut -d' ' -f1 "/proc/$spid/task/$spid/children" 2>/dev/null)
        [ -n "$pid" ] && pid_in_pread "$pid" "$IMG" && break
        sleep 0.05
    done
    pid_in_pread "$pid" "$IMG" || fail "fatlabel never read $IMG"
    ln -sfn "$loop" "$link"
    wait "$spid" || fail "fatlabel failed: $(cat "$BATS_TEST_TMPDIR/err")"
    # The write went to the file that was checked, never to the device.
    assert_equal "$(sum "$other")" "$held"
    assert_equal "$("$B/fatlabel" "$loop")" HELD
    agree "$IMG" "$(hex SWAPPED)"
    clean "$IMG"
}

@test "a write that fails halfway on a full filesystem is undone and says ENOSPC" {
    run unshare -m --propagation private bash -c '
        set -e
        d=$1; B=$2
        mount -t tmpfs -o size=48m tmpfs "$d"
        img=$d/fat.img
        truncate -s 40M "$img"
        mkfs.vfat -F 32 -s 1 "$img" >/dev/null
        echo x >"$d/x"
        for i in $(seq 1 16); do mcopy -i "$img" "$d/x" "::F$i.TXT"; done
        rsv=$(od -An -tu2 -j14 -N2 "$img" | tr -d " ")
        fatsz=$(od -An -tu4 -j36 -N4 "$img" | tr -d " ")
        # The FSInfo hint sends the new root cluster to c, far from the
        # used ones: its entry sits in a page of zeros in both FATs.
        c=20480
        printf "$(printf "\\\\x%02x" $((c & 255)) $((c >> 8 & 255)) 0 0)" |
            dd of="$img" bs=1 seek=$((512 + 492)) conv=notrunc 2>/dev/null
        fat1=$((rsv * 512 + 4 * c)); fat2=$(((rsv + fatsz) * 512 + 4 * c))
        data=$(((rsv + 2 * fatsz + c - 2) * 512))
        # The cluster and FAT 1 are on the filesystem; FAT 2 there is a
        # hole (zeros either way), which needs a new page to be written.
        dd if=/dev/zero of="$img" bs=512 seek=$((data / 512)) count=1 conv=notrunc 2>/dev/null
        dd if=/dev/zero of="$img" bs=4 seek=$((fat1 / 4)) count=1 conv=notrunc 2>/dev/null
        fallocate -p -o $((fat2 / 4096 * 4096)) -l 4096 "$img"
        fsck.fat -n "$img" >/dev/null
        sum1=$(sha256sum <"$img")
        dd if=/dev/zero of="$d/fill" bs=1M 2>/dev/null || true
        dd if=/dev/zero of="$d/fill2" bs=4k 2>/dev/null || true
        # Messages to our pipe: the full filesystem would lose them.
        rc=0
        "$B/fatlabel" "$img" EXTENDED 2>&1 || rc=$?
        echo "rc=$rc"
        fsck.fat -n "$img" | tail -n +2
        [ "$(sha256sum <"$img")" = "$sum1" ] && echo unchanged
    ' sh "$MNT" "$B"
    assert_success
    assert_line --index 0 "fatlabel: $MNT/fat.img: cannot write the FAT: No space left on device; nothing was changed"
    assert_line --index 1 "rc=4"
    assert_line --index 2 --regexp ' files, [0-9]+/[0-9]+ clusters$'
    assert_line --index 3 unchanged
    assert_equal "${#lines[@]}" 4
}

@test "a tmpfs or proc mount point: its source 'none' is never opened as a file" {
    # A FAT image named none in the current directory.
    mkfat 16 "$BATS_TEST_TMPDIR/none" -n INNONE
    run unshare -m --propagation private bash -c '
        cd "$1" && mount -t tmpfs none "$2" || exit 99
        "$3/fatlabel" "$2"; echo "rc=$?"
        "$3/fatlabel" --method offline -J "$2"; echo "rc=$?"
        "$3/fatlabel" /proc; echo "rc=$?"
    ' sh "$BATS_TEST_TMPDIR" "$MNT" "$B"
    refute_output --partial INNONE
    assert_equal "$(echo "$output" | grep -c '^rc=5$')" 3
    assert_line "fatlabel: method offline is not usable here: $MNT is mounted from 'none', not from a device or image"
    assert_line "fatlabel: no usable method here: /proc is mounted from 'proc', not from a device or image"
}

@test "control bytes and NUL in a label on disk are escaped in text, exact in JSON" {
    mkfat 16 "$IMG" -n PLAIN
    off=$(root_off "$IMG")
    # A newline, ESC [ 1 m, a NUL: in the root entry and the boot sector.
    printf 'A\nB\033[1mC\000D' | dd of="$IMG" bs=1 seek="$off" conv=notrunc 2>/dev/null
    printf 'X\033]0;Y\a   ' | dd of="$IMG" bs=1 seek=$((0x2b)) conv=notrunc 2>/dev/null
    run --separate-stderr "$B/fatlabel" "$IMG"
    assert_success
    assert_equal "$output" 'A\x0aB\x1b[1mC\x00D'
    assert_equal "${#lines[@]}" 1
    run --separate-stderr "$B/fatlabel" -v "$IMG"
    assert_equal "$(echo "$stderr" | grep warning)" \
        "fatlabel: warning: $IMG: the boot sector says 'X\\x1b]0;Y\\x07', the root directory 'A\\x0aB\\x1b[1mC\\x00D'; the root directory's is the label"
    run --separate-stderr "$B/fatlabel" -J "$IMG"
    assert_success
    assert_equal "$(echo "$output" | jq -j .label | od -An -tx1 | tr -d ' \n')" \
        "$(printf 'A\nB\033[1mC\000D' | od -An -tx1 | tr -d ' \n')"
    assert_equal "$(echo "$output" | jq -j .boot_label | od -An -tx1 | tr -d ' \n')" \
        "$(printf 'X\033]0;Y\a' | od -An -tx1 | tr -d ' \n')"
}

@test "NO NAME in the root entry is the label, as dosfstools and blkid read it" {
    mkfat 16 "$IMG" -n XXXXXXX
    printf 'NO NAME    ' | dd of="$IMG" bs=1 seek="$(root_off "$IMG")" conv=notrunc 2>/dev/null
    assert_equal "$(blkid -p -o value -s LABEL "$IMG")" "NO NAME"
    assert_equal "$("$DOSFSLABEL" "$IMG" | tail -n1)" "NO NAME"
    run --separate-stderr "$B/fatlabel" "$IMG"
    assert_success
    assert_equal "$output" "NO NAME"
    run "$B/fatlabel" -J "$IMG"
    assert_equal "$(echo "$output" | jq -c '[.label, .boot_label]')" '["NO NAME","XXXXXXX"]'
    # The boot sector's NO NAME is the placeholder for none.
    printf 'NO NAME    ' | dd of="$IMG" bs=1 seek=$((0x2b)) conv=notrunc 2>/dev/null
    run "$B/fatlabel" -J "$IMG"
    assert_equal "$(echo "$output" | jq -c '[.label, .boot_label]')" '["NO NAME",null]'
    clean "$IMG"
    # -r removes it, as any label.
    run "$B/fatlabel" -r "$IMG"
    assert_success
    assert_equal "$("$B/fatlabel" "$IMG")" ""
    assert_equal "$(blkid -p -o value -s LABEL "$IMG")" ""
}

# --- the static binary --------------------------------------------------

@test "the static binary reads and writes labels in an empty chroot (no gconv, no /sys)" {
    STATIC=${WISHBOX_STATIC:-$B/wishbox.static}
    [ -x "$STATIC" ] || fail "no $STATIC: run 'make static'"
    root=$BATS_TEST_TMPDIR/root
    mkdir -p "$root/proc" "$root/bin"
    cp "$STATIC" "$root/bin/wishbox"
    ln -s wishbox "$root/bin/fatlabel"
    mkfat 32 "$root/fat.img" -n CHROOT
    run unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /bin/fatlabel "$2" fat.img "$3"' \
        sh "$root" -c850 "ÄRGER"
    assert_success
    run unshare -m sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /bin/fatlabel -J fat.img' sh "$root"
    assert_success
    assert_equal "$(echo "$output" | jq -r '.label, .fat_bits')" "ÄRGER
32"
    assert_equal "$(bytes "$root/fat.img" $((0x47)) 5)" 8e52474552
}
