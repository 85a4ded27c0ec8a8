/* A partition's whole disk, through sysfs (see wholedisk.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "parse.h"
#include "util.h"
#include "wholedisk.h"

int wholedisk_parse_devnum(const char *s, dev_t *ret)
{
	char buf[32], *colon;
	uint64_t maj, min;
	size_t n = strcspn(s, "\n");

	if (n >= sizeof(buf) || s[n + (s[n] == '\n')] != '\0')
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (parse_u64(buf, 0, 0xfff, &maj) < 0 || parse_u64(colon + 1, 0, 0xfffff, &min) < 0)
		return -EINVAL;
	*ret = makedev((unsigned int)maj, (unsigned int)min);
	return 0;
}

int wholedisk_find(const char *sysdir, dev_t dev, dev_t *ret_disk, char *ret_name, size_t len)
{
	char base[512], path[560], buf[4096];
	const char *name;
	size_t namelen;
	dev_t disk;
	int r;

	snprintf(base, sizeof(base), "%s/%u:%u", sysdir, major(dev), minor(dev));
	snprintf(path, sizeof(path), "%s/partition", base);
	if (access(path, F_OK) == 0)
		strncat(base, "/..", sizeof(base) - strlen(base) - 1);
	else if (errno != ENOENT)
		return -errno;

	snprintf(path, sizeof(path), "%s/dev", base);
	r = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), NULL);
	if (r == -ENOENT)
		return -ENODEV;
	if (r < 0)
		return r;
	if (wholedisk_parse_devnum(buf, &disk) < 0)
		return -EBADMSG;

	snprintf(path, sizeof(path), "%s/uevent", base);
	r = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), NULL);
	if (r < 0)
		return r;
	name = strncmp(buf, "DEVNAME=", 8) == 0 ? buf : strstr(buf, "\nDEVNAME=");
	if (!name)
		return -EBADMSG;
	name = strchr(name, '=') + 1;
	namelen = strcspn(name, "\n");
	if (namelen == 0 || namelen >= len)
		return -ENAMETOOLONG;
	memcpy(ret_name, name, namelen);
	ret_name[namelen] = '\0';
	*ret_disk = disk;
	return 0;
}

int wholedisk_open(const char *devdir, const char *name, dev_t dev, int flags, int *ret_fd)
{
	char path[4096];
	struct stat st;
	_cleanup_close_ int fd = -1;

	if (strstr(name, "..") || (size_t)snprintf(path, sizeof(path), "%s/%s", devdir, name) >= sizeof(path))
		return -EINVAL;
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode) || st.st_rdev != dev)
		return -ENODEV;
	*ret_fd = take_fd(&fd);
	return 0;
}
