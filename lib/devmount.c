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

/* One line of mountinfo, split in place:
 * ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
struct mi_line {
	uint64_t id;
	unsigned major, minor;
	char *point, *opts, *fstype, *source, *superopts;
};

/* Undoes the kernel's octal escapes (\040 for a space, \011, \012, \134). */
static void unescape(char *s)
{
	char *o = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

static int mi_parse(char *line, struct mi_line *ret)
{
	char *field[6], *save = NULL, *tok, *end;
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	if (n < 6)
		return -EINVAL;
	/* Optional fields up to the lone "-". */
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " ", &save);
	if (!tok)
		return -EINVAL;
	ret->fstype = strtok_r(NULL, " ", &save);
	ret->source = strtok_r(NULL, " ", &save);
	ret->superopts = strtok_r(NULL, " ", &save);
	if (!ret->fstype || !ret->source || !ret->superopts)
		return -EINVAL;
	errno = 0;
	ret->id = strtoull(field[0], &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (sscanf(field[2], "%u:%u", &ret->major, &ret->minor) != 2)
		return -EINVAL;
	ret->point = field[4];
	ret->opts = field[5];
	unescape(ret->point);
	unescape(ret->source);
	return 0;
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

static void fill(const struct mi_line *l, struct devmount *m)
{
	m->mount_id = l->id;
	m->dev = makedev(l->major, l->minor);
	snprintf(m->mountpoint, sizeof(m->mountpoint), "%s", l->point);
	snprintf(m->fstype, sizeof(m->fstype), "%s", l->fstype);
	snprintf(m->source, sizeof(m->source), "%s", l->source);
	m->mnt_ro = has_opt(l->opts, "ro");
	m->sb_ro = has_opt(l->superopts, "ro");
}

/* The mount point leads to this very mount (not one stacked on top). */
static bool reachable(const struct mi_line *l)
{
	struct statx st;

	if (statx(AT_FDCWD, l->point, AT_NO_AUTOMOUNT, STATX_MNT_ID, &st) < 0)
		return false;
	if (!(st.stx_mask & STATX_MNT_ID))
		return true; /* before 5.8: cannot tell */
	return st.stx_mnt_id == l->id;
}

static bool source_is(const char *source, dev_t rdev)
{
	struct stat st;

	return strncmp(source, "/dev/", 5) == 0 && stat(source, &st) == 0 && S_ISBLK(st.st_mode) &&
	       st.st_rdev == rdev;
}

int devmount_of_dev(dev_t rdev, struct devmount *ret)
{
	struct devmount first, best;
	bool have_first = false, have_best = false;
	unsigned count = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		struct mi_line l;

		if (mi_parse(line, &l) < 0)
			continue;
		if (makedev(l.major, l.minor) != rdev && !source_is(l.source, rdev))
			continue;
		count++;
		if (!have_first) {
			fill(&l, &first);
			have_first = true;
		}
		if (!have_best && reachable(&l)) {
			fill(&l, &best);
			have_best = true;
		}
	}
	free(line);
	fclose(f);
	if (!have_first)
		return 0;
	*ret = have_best ? best : first;
	ret->count = count;
	return 1;
}

int devmount_of_type(const char *fstype, struct devmount *ret)
{
	char *line = NULL;
	size_t cap = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return -errno;
	while (!found && getline(&line, &cap, f) > 0) {
		struct mi_line l;

		if (mi_parse(line, &l) < 0 || strcmp(l.fstype, fstype) != 0 || !reachable(&l))
			continue;
		fill(&l, ret);
		ret->count = 1;
		found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

int devmount_of_path(const char *path, struct devmount *ret)
{
	struct statx st;
	char *line = NULL, *real;
	size_t cap = 0;
	int found = 0;
	FILE *f;

	if (statx(AT_FDCWD, path, AT_NO_AUTOMOUNT, STATX_MNT_ID, &st) < 0)
		return -errno;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		int err = -errno;

		free(real);
		return err;
	}
	while (getline(&line, &cap, f) > 0) {
		struct mi_line l;
		bool match;

		if (mi_parse(line, &l) < 0)
			continue;
		if (st.stx_mask & STATX_MNT_ID)
			match = l.id == st.stx_mnt_id &&
				((st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
					 ? (st.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0
					 : strcmp(l.point, real) == 0);
		else
			match = strcmp(l.point, real) == 0; /* the last one is on top */
		if (match) {
			fill(&l, ret);
			ret->count = 1;
			found = 1;
		}
	}
	free(line);
	free(real);
	fclose(f);
	return found;
}

static int read_line(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
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
	if (read_line(path, buf, sizeof(buf)) < 0 || sscanf(buf, "%u:%u", &major, &minor) != 2)
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
	if (read_line(path, buf, sizeof(buf)) < 0 || stat(buf, &st) < 0)
		return false;
	snprintf(path, sizeof(path), "/sys/block/%s/loop/offset", name);
	if (read_line(path, buf, sizeof(buf)) == 0)
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
