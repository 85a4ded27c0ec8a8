/* Mounts of a device, and loop devices of an image file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devmount.h"
#include "fileio.h"
#include "mnt.h"

/* The current mount table of this process, parsed (strings unescaped). */
static int read_table(struct mnttab *mi)
{
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = mnttab_read(fd, mi);
	close(fd);
	if (r < 0)
		mnttab_free(mi);
	return r;
}

static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);

	for (const char *p = opts; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void fill(const struct mnt_rec *r, struct devmount *m)
{
	m->mount_id = r->id;
	m->dev = makedev(r->major, r->minor);
	snprintf(m->mountpoint, sizeof(m->mountpoint), "%s", r->target);
	snprintf(m->fstype, sizeof(m->fstype), "%s", r->fstype);
	snprintf(m->source, sizeof(m->source), "%s", r->source);
	m->mnt_ro = has_opt(r->vfs_opts, "ro");
	m->sb_ro = has_opt(r->sb_opts, "ro");
}

/* The mount point leads to this very mount (not one stacked on top). */
static bool reachable(const struct mnt_rec *r)
{
	struct statx st;

	if (statx(AT_FDCWD, r->target, AT_NO_AUTOMOUNT, STATX_MNT_ID, &st) < 0)
		return false;
	if (!(st.stx_mask & STATX_MNT_ID))
		return true; /* before 5.8: cannot tell */
	return st.stx_mnt_id == r->id;
}

static bool source_is(const char *source, dev_t rdev)
{
	struct stat st;

	return strncmp(source, "/dev/", 5) == 0 && stat(source, &st) == 0 && S_ISBLK(st.st_mode) &&
	       st.st_rdev == rdev;
}

int devmount_of_dev(dev_t rdev, struct devmount *ret)
{
	struct mnttab mi = MNTTAB_INIT;
	struct devmount first, best;
	bool have_first = false, have_best = false;
	unsigned count = 0;
	int r = read_table(&mi);

	if (r < 0)
		return r;
	for (size_t i = 0; i < mi.n; i++) {
		const struct mnt_rec *m = &mi.v[i];

		if (makedev(m->major, m->minor) != rdev && !source_is(m->source, rdev))
			continue;
		count++;
		if (!have_first) {
			fill(m, &first);
			have_first = true;
		}
		if (!have_best && reachable(m)) {
			fill(m, &best);
			have_best = true;
		}
	}
	mnttab_free(&mi);
	if (!have_first)
		return 0;
	*ret = have_best ? best : first;
	ret->count = count;
	return 1;
}

int devmount_of_type(const char *fstype, struct devmount *ret)
{
	struct mnttab mi = MNTTAB_INIT;
	int found = 0;
	int r = read_table(&mi);

	if (r < 0)
		return r;
	for (size_t i = 0; !found && i < mi.n; i++) {
		const struct mnt_rec *m = &mi.v[i];

		if (strcmp(m->fstype, fstype) != 0 || !reachable(m))
			continue;
		fill(m, ret);
		ret->count = 1;
		found = 1;
	}
	mnttab_free(&mi);
	return found;
}

int devmount_of_path(const char *path, struct devmount *ret)
{
	struct mnttab mi = MNTTAB_INIT;
	struct statx st;
	char *real;
	int found = 0, r;

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID, &st) < 0)
		return -errno;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	r = read_table(&mi);
	if (r < 0) {
		free(real);
		return r;
	}
	for (size_t i = 0; i < mi.n; i++) {
		const struct mnt_rec *m = &mi.v[i];
		bool match;

		if (st.stx_mask & STATX_MNT_ID)
			match = m->id == st.stx_mnt_id &&
				((st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
					 ? (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0
					 : strcmp(m->target, real) == 0);
		else
			match = strcmp(m->target, real) == 0; /* the last one is on top */
		if (match) {
			fill(m, ret);
			ret->count = 1;
			found = 1;
		}
	}
	mnttab_free(&mi);
	free(real);
	return found;
}

/* Does loop device `name` (with a backing file) use inode (dev, ino)? */
static bool loop_matches(const char *name, dev_t dev, ino_t ino, struct loopdev *ret)
{
	struct loop_info64 info;
	char path[PATH_MAX + 64], buf[PATH_MAX];
	unsigned major, minor;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/sys/block/%s/dev", name);
	if (read_file_line(AT_FDCWD, path, buf, sizeof(buf)) < 0 || sscanf(buf, "%u:%u", &major, &minor) != 2)
		return false;
	memset(ret, 0, sizeof(*ret));
	if (snprintf(ret->path, sizeof(ret->path), "/dev/%s", name) >= (int)sizeof(ret->path))
		return false;
	ret->rdev = makedev(major, minor);
	fd = open(ret->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		int r = ioctl(fd, LOOP_GET_STATUS64, &info);

		close(fd);
		if (r == 0) {
			ret->offset = info.lo_offset;
			/* lo_device is the kernel's encoding, which is glibc's
			 * for every major below 4096. */
			return info.lo_inode == (uint64_t)ino && info.lo_device == (uint64_t)dev;
		}
	}
	/* No access to the device: the path sysfs keeps, if it still names
	 * the same file here. */
	snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", name);
	if (read_file_line(AT_FDCWD, path, buf, sizeof(buf)) < 0 || stat(buf, &st) < 0)
		return false;
	snprintf(path, sizeof(path), "/sys/block/%s/loop/offset", name);
	if (read_file_line(AT_FDCWD, path, buf, sizeof(buf)) == 0)
		ret->offset = strtoull(buf, NULL, 10);
	return st.st_dev == dev && st.st_ino == ino;
}

int loopdevs_of_file(dev_t dev, ino_t ino, struct loopdev *ret, size_t max)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct loopdev l;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		/* Only attached loop devices have a backing file. */
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		if (access(path, F_OK) < 0)
			continue;
		if (!loop_matches(de->d_name, dev, ino, &l))
			continue;
		if ((size_t)n < max)
			ret[n] = l;
		n++;
	}
	closedir(d);
	return n;
}
