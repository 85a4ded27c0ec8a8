/* Is this block device, or this image file through a loop device, mounted,
 * and where? /proc/self/mountinfo as lib/mnt reads it (with libmount), and
 * the loop devices' backing files from sysfs and LOOP_GET_STATUS64. */
#ifndef WISHBOX_DEVMOUNT_H
#define WISHBOX_DEVMOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct devmount {
	uint64_t mount_id;
	dev_t dev;                  /* the major:minor field */
	char mountpoint[PATH_MAX];  /* unescaped */
	char fstype[64];
	char source[PATH_MAX];      /* unescaped; "none" and the like too */
	bool mnt_ro;                /* this mount is read-only */
	bool sb_ro;                 /* the filesystem is read-only */
	unsigned count;             /* mounts of the device in all */
};

/* The mounts of block device rdev (by major:minor, or by a source path that
 * is that device, as btrfs shows it): 1 and the first one whose mount point
 * is reachable here (not covered by another mount) in *ret, 0 when it is
 * not mounted, or -errno. */
int devmount_of_dev(dev_t rdev, struct devmount *ret);

/* The first mount of a filesystem of type fstype ("vfat") that is
 * reachable here: 1 and *ret, 0 when there is none, or -errno. */
int devmount_of_type(const char *fstype, struct devmount *ret);

/* The mount whose root is path: 1 and *ret, 0 when path is not a mount
 * point, or -errno. */
int devmount_of_path(const char *path, struct devmount *ret);

struct loopdev {
	char path[32];     /* /dev/loopN */
	dev_t rdev;
	uint64_t offset;   /* where the device starts in the file */
};

/* The loop devices whose backing file is the inode (dev, ino): how many
 * (the first max are filled in), or -errno. Matches by LOOP_GET_STATUS64's
 * device and inode, or, when the loop device cannot be opened, by the
 * backing_file path in sysfs. */
int loopdevs_of_file(dev_t dev, ino_t ino, struct loopdev *ret, size_t max);

#endif
