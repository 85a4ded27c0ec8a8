#!/bin/busybox sh
# shellcheck shell=dash
# /init of the check-vm initramfs: set up the early-boot environment, run the
# early-boot scenarios with busybox sh and the static wishbox only, then the
# tool scenarios in a chroot of the host's root (exported read-only over 9p),
# and report the status on the serial console before powering off.

/bin/busybox --install -s /bin
PATH=/wishbox/bin:/bin
export PATH

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# What udev would add: bash's <(...) needs /dev/fd.
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run

nonce=$(sed -n 's/.*wishbox\.nonce=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
VM_DIR=/vm
RESULTS=/results
WISHBOX_BIN=/wishbox/bin
export VM_DIR RESULTS WISHBOX_BIN

# The one status line check-vm looks for; then power off (qemu exits, as it
# runs with -no-reboot).
finish() {
    sync
    echo "WISHBOX-VM-STATUS $nonce $1"
    poweroff -f
    sleep 60
}

echo "init: kernel $(uname -r)"
while read -r ko; do
    if ! insmod "/vm/modules/$ko"; then
        echo "init: insmod $ko failed"
        finish 4
    fi
done </vm/modules.order

# virtio devices are probed as their modules load; allow a moment anyway.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ -b /dev/vda ] || { echo "init: no /dev/vda"; finish 4; }

p9=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$p9" results /results || finish 4
mount -t 9p -o "$p9,ro,cache=loose" hostroot /host || finish 4

rc=0

# 1. Early boot: busybox sh and wishbox.static, nothing else.
echo "init: early-boot scenarios (busybox sh + wishbox.static)"
for f in /vm/scenarios/*.early.sh; do
    t=${f##*/}
    t=${t%.early.sh}
    if [ ! -L "$WISHBOX_BIN/$t" ]; then
        echo "skip - scenarios/$t.early.sh: no $t in this wishbox yet"
        echo skip >>/results/tally
        continue
    fi
    t0=$(cut -d. -f1 /proc/uptime)
    timeout 120 sh "$f"
    st=$?
    echo "init: scenarios/$t.early.sh: exit $st, $(($(cut -d. -f1 /proc/uptime) - t0)) s"
    if [ "$st" -ne 0 ]; then
        # 1: a check failed and said so; anything else: the script died.
        if [ "$st" -ne 1 ]; then
            echo "not ok - scenarios/$t.early.sh ended with status $st"
            echo fail >>/results/tally
        fi
        rc=1
    fi
done

# 2. The tool scenarios: chroot into the host's root for bash, jq, dosfstools.
mount -t proc proc /host/proc
mount -t sysfs sysfs /host/sys
mount -t cgroup2 cgroup2 /host/sys/fs/cgroup
mount -o bind /dev /host/dev
mount -t tmpfs tmpfs /host/tmp
mount -t tmpfs tmpfs /host/run
mkdir -p /host/tmp/results /host/tmp/wishbox
mount -o bind /results /host/tmp/results
cp -a /vm /host/tmp/vm
cp -a /wishbox/bin /host/tmp/wishbox/bin

echo "init: tool scenarios (chroot into the host's root over 9p)"
chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp \
    LANG=C.UTF-8 /bin/bash /tmp/vm/guest-run.sh || rc=1

umount /host/tmp/results /host/run /host/tmp /host/dev \
    /host/sys/fs/cgroup /host/sys /host/proc 2>/dev/null
sync
finish "$rc"
