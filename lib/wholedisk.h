/* The whole-disk device of a block device: the disk itself, or the disk a
 * partition belongs to. udev and systemd lock block devices on the whole
 * disk (never the partition), so a tool that wants to keep udev's probing
 * away from a partition locks its disk. */
#ifndef WISHBOX_WHOLEDISK_H
#define WISHBOX_WHOLEDISK_H

#include <stddef.h>
#include <sys/types.h>

/* "8:0" (with or without a newline) into a dev_t. -EINVAL otherwise. */
int wholedisk_parse_devnum(const char *s, dev_t *ret);

/* For block device dev, through sysdir (normally "/sys/dev/block"): where
 * DIR/MAJ:MIN/partition exists, dev is a partition and the parent directory
 * of DIR/MAJ:MIN is its disk. Gives the disk's dev_t and its kernel device
 * name (uevent's DEVNAME, "sda", "nvme0n1", "loop0"). -ENODEV when sysfs
 * does not know dev as a block device. */
int wholedisk_find(const char *sysdir, dev_t dev, dev_t *ret_disk, char *ret_name, size_t len);

/* Opens devdir/NAME (normally "/dev") with flags | O_CLOEXEC, and checks
 * that it is the block device dev: -ENODEV when it is something else. */
int wholedisk_open(const char *devdir, const char *name, dev_t dev, int flags, int *ret_fd);

#endif
