# shellcheck shell=bash disable=SC2154  # the variables come from check-vm
# Sourced by check-vm after the scenario boot: wishbox in an initramfs made
# the way Debian makes them. Builds an image with Debian's own mkinitramfs
# and wishbox's initramfs-tools hook (initramfs/hook) for the 6.1 kernel,
# checks lsinitramfs lists wishbox and its links, boots it with a real root
# disk, and has a local-premount script run wishbox before the root is
# mounted: mountwatch --until-mounted on the root's mount point, fatlabel
# on the FAT disk. The root's init sends back what they printed.
#
# Uses from check-vm: deb, kdir, vmdir, results, wishbox, fat_label, say,
# die, busybox_path, top. Sets ird_fail (0 or 1), ird_passed, ird_failed and
# prints ok / not ok lines.

# The kernel's modules for the image, with modules.dep, and its config:
# mkinitramfs takes them from /lib/modules/VERSION and /boot, so it runs in a mount namespace of its own
# where that directory is this tree.
ird_modules() {
    local ver=$1 root=$vmdir/initramfs-tools/modroot
    [ -f "$root/.complete" ] && return 0
    rm -rf "$root"
    mkdir -p "$root"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" --wildcards \
        "./boot/config-$ver" \
        "./lib/modules/$ver/modules.*" \
        "./lib/modules/$ver/kernel/fs/*" \
        "./lib/modules/$ver/kernel/drivers/block/*" \
        "./lib/modules/$ver/kernel/drivers/virtio/*" \
        "./lib/modules/$ver/kernel/lib/*" \
        "./lib/modules/$ver/kernel/crypto/*"
    depmod -b "$root" "$ver" || die "depmod failed for $ver"
    touch "$root/.complete"
}

# The configuration directory mkinitramfs -d reads: only the modules the
# guest needs, wishbox's hook as `make install` would put it, and the
# premount script.
ird_confdir() {
    local conf=$vmdir/initramfs-tools/conf
    rm -rf "$conf"
    mkdir -p "$conf/hooks" "$conf/scripts/local-premount" "$conf/conf.d"
    cat >"$conf/initramfs.conf" <<'CONF'
MODULES=list
BUSYBOX=y
COMPRESS=gzip
KEYMAP=n
RESUME=none
FSTYPE=ext4
CONF
    printf '%s\n' virtio_pci virtio_blk ext4 vfat nls_cp437 nls_iso8859_1 nls_ascii \
        >"$conf/modules"
    sed "s|@WISHBOX_STATIC@|$wishbox|" "$top/initramfs/hook" >"$conf/hooks/wishbox"
    chmod 755 "$conf/hooks/wishbox"
    cat >"$conf/scripts/local-premount/wishbox-vm" <<'PREMOUNT'
#!/bin/sh
# Runs before the root is mounted: wishbox from the image's own /usr/bin.
case $1 in prereqs) exit 0 ;; esac
out=/run/wishbox-vm
mkdir -p "$out"
command -v mountwatch >"$out/which" 2>&1
( mountwatch -J --until-mounted "${rootmnt:-/root}" --timeout 120 >"$out/mountwatch.json" \
    2>"$out/mountwatch.err"; echo $? >"$out/mountwatch.rc" ) &
fatlabel -J /dev/vdb >"$out/fatlabel.json" 2>"$out/fatlabel.err"
echo $? >"$out/fatlabel.rc"
PREMOUNT
    chmod 755 "$conf/scripts/local-premount/wishbox-vm"
}

# A small ext4 root: busybox and an init that sends the premount's results
# to the console, then powers off.
ird_rootdisk() {
    local r=$vmdir/initramfs-tools/rootfs
    rm -rf "$r"
    mkdir -p "$r"/{bin,sbin,proc,sys,dev,run,tmp,root}
    cp "$(busybox_path)" "$r/bin/busybox"
    cat >"$r/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
nonce=$(/bin/busybox sed -n 's/.*wishbox\.nonce=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
out=/run/wishbox-vm
i=0
while [ ! -e "$out/mountwatch.rc" ] && [ $i -lt 600 ]; do
    /bin/busybox usleep 100000; i=$((i + 1))
done
for f in which fatlabel.rc fatlabel.json fatlabel.err mountwatch.rc mountwatch.json mountwatch.err; do
    [ -e "$out/$f" ] || { echo "WISHBOX-IRD $nonce $f <missing>"; continue; }
    while IFS= read -r line || [ -n "$line" ]; do
        echo "WISHBOX-IRD $nonce $f $line"
    done <"$out/$f"
done
echo "WISHBOX-IRD-DONE $nonce"
echo o >/proc/sysrq-trigger
INIT
    chmod 755 "$r/sbin/init"
    rm -f "$vmdir/root.img"
    truncate -s 32M "$vmdir/root.img"
    mkfs.ext4 -q -F -L wishboxroot -d "$r" "$vmdir/root.img" || die "mkfs.ext4 of the root disk failed"
}

ird_check() {
    if "$@"; then
        say "ok - initramfs: $desc"
        ird_passed=$((ird_passed + 1))
    else
        say "not ok - initramfs: $desc"
        ird_failed=$((ird_failed + 1))
        ird_fail=1
    fi
}

# Lines the guest sent for file $1.
ird_lines() {
    sed -n "s/^WISHBOX-IRD $ird_nonce $1 //p" "$ird_log"
}

ird_fatlabel_ok() {
    [ "$(ird_lines fatlabel.rc)" = 0 ] &&
        [ "$(ird_lines fatlabel.json | jq -r .label)" = "$ird_label" ]
}

ird_mountwatch_ok() {
    [ "$(ird_lines mountwatch.rc)" = 0 ] &&
        [ "$(ird_lines mountwatch.json | jq -r 'select(.target == "/root") | .event' | tail -n 1)" = attach ]
}

run_initramfs_boot() {
    local ver img=$vmdir/initrd.img-wishbox start listing
    ird_fail=0 ird_passed=0 ird_failed=0
    ver=$(cat "$kdir/release")
    ird_modules "$ver"
    ird_confdir
    ird_rootdisk
    say "initramfs: mkinitramfs for $ver with wishbox's hook"
    rm -f "$img"
    # /lib/modules is hidden under a tmpfs in that namespace; a host with no
    # kernel installed has no /lib/modules, so /lib gets a tmpfs overlay
    # there first. Nothing changes outside the namespace.
    if ! unshare -m sh -c '
            set -e
            mount --make-rprivate /
            if [ ! -d /lib/modules ]; then
                lib=$(readlink -f /lib); ov=$(mktemp -d)
                mount -t tmpfs none "$ov"; mkdir "$ov/u" "$ov/w"
                mount -t overlay overlay -o "lowerdir=$lib,upperdir=$ov/u,workdir=$ov/w" "$lib"
                mkdir /lib/modules
            fi
            mount -t tmpfs none /lib/modules
            mkdir /lib/modules/"$1"
            mount --bind "$2/lib/modules/$1" /lib/modules/"$1"
            mount --bind "$2/boot" /boot
            mkinitramfs -d "$3" -o "$4" "$1"' sh \
            "$ver" "$vmdir/initramfs-tools/modroot" "$vmdir/initramfs-tools/conf" "$img" \
            >"$vmdir/mkinitramfs.log" 2>&1; then
        tail -20 "$vmdir/mkinitramfs.log"
        desc="mkinitramfs with wishbox's hook"
        ird_check false
        return
    fi
    listing=$(lsinitramfs "$img")
    desc="lsinitramfs lists usr/bin/wishbox and a link per tool"
    ird_check grep -qx 'usr/bin/wishbox' <<<"$listing"
    local t
    while IFS= read -r t; do
        desc="lsinitramfs lists usr/bin/$t"
        ird_check grep -qx "usr/bin/$t" <<<"$listing"
    done < <("$wishbox" --list)

    ird_nonce=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
    ird_log=$vmdir/initramfs-console.log
    say "initramfs: booting it (root on an ext4 virtio disk)"
    start=$(date +%s)
    timeout --kill-after=10 300 \
        qemu-system-x86_64 -M pc -accel tcg -cpu max -m 512 -smp 1 \
        -nodefaults -no-reboot -display none -serial stdio \
        -kernel "$kdir/vmlinux" -initrd "$img" \
        -append "console=ttyS0 root=/dev/vda rootfstype=ext4 rw panic=-1 loglevel=4 wishbox.nonce=$ird_nonce" \
        -drive "file=$vmdir/root.img,if=virtio,format=raw" \
        -drive "file=$vmdir/fat.img,if=virtio,format=raw,readonly=on" \
        </dev/null 2>&1 | sed -u 's/\r$//' >"$ird_log" || true
    say "initramfs: $(($(date +%s) - start))s in the VM"
    desc="the root's init ran and reported"
    ird_check grep -q "^WISHBOX-IRD-DONE $ird_nonce" "$ird_log"
    # /bin is /usr/bin in a merged-/usr image.
    desc="mountwatch on the image's PATH is the hook's link: $(ird_lines which)"
    ird_check grep -qxE '(/usr)?/bin/mountwatch' <<<"$(ird_lines which)"
    # The scenarios of the first boot may have relabelled the disk.
    ird_label=$fat_label
    [ -s "$results/fat-label" ] && ird_label=$(cat "$results/fat-label")
    desc="fatlabel -J /dev/vdb before the root was mounted: exit 0, label $ird_label"
    ird_check ird_fatlabel_ok
    desc="mountwatch --until-mounted /root, started before the root was mounted, saw it attach: exit 0"
    ird_check ird_mountwatch_ok
    if [ "$ird_fail" -ne 0 ]; then
        say "initramfs: console log in $ird_log; the guest said:"
        grep "^WISHBOX-IRD" "$ird_log" | head -20 || tail -30 "$ird_log"
    fi
}
