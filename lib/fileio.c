/* Whole reads and writes (see fileio.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

/* Reads into buf[*len .. size - 1) until EOF, full, or EAGAIN. Returns 1 at
 * EOF or EAGAIN, 0 when the buffer is full first, or -errno. */
static int read_some(int fd, char *buf, size_t size, size_t *len)
{
	while (*len < size - 1) {
		ssize_t n = read(fd, buf + *len, size - 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		if (n == 0)
			return 1;
		*len += (size_t)n;
	}
	return 0;
}

/* Full: is there more? One byte more answers it. */
static int more_to_read(int fd)
{
	char c;
	ssize_t n;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n > 0;
}

int read_fd_buf(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t len = 0;
	int r;

	if (size == 0)
		return -EINVAL;
	r = read_some(fd, buf, size, &len);
	if (r == 0)
		r = more_to_read(fd) ? -EFBIG : 1;
	if (r < 0)
		return r;
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_fd_alloc(int fd, size_t max, char **ret_buf, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL;
	int r;

	for (;;) {
		char *nb;

		if (cap > max + 1)
			cap = max + 1;
		nb = realloc(buf, cap);
		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		r = read_some(fd, buf, cap, &len);
		if (r < 0)
			break;
		if (r == 0 && cap == max + 1) {
			r = more_to_read(fd);
			r = r == 0 ? 1 : r > 0 ? -EFBIG : r;
		}
		if (r != 0)
			break;
		cap *= 2;
	}
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int read_file_buf(int dirfd, const char *path, char *buf, size_t size, size_t *ret_len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_fd_buf(fd, buf, size, ret_len);
}

int read_file_line(int dirfd, const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0;
	int r;

	if (fd < 0)
		return -errno;
	if (size == 0)
		return -EINVAL;
	/* Only the first line counts: a longer rest is no error. */
	r = read_some(fd, buf, size, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	if (r == 0 && !memchr(buf, '\n', len))
		return -EFBIG;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The one loop behind write_all, pread_all and pwrite_all: off < 0 means
 * the fd's own offset. */
static int xfer_all(int fd, char *p, size_t len, int64_t off, bool wr)
{
	while (len) {
		ssize_t n;

		if (wr)
			n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, (off_t)off);
		else
			n = off < 0 ? read(fd, p, len) : pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		off += off < 0 ? 0 : n;
		len -= (size_t)n;
	}
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	return xfer_all(fd, (char *)buf, len, -1, true);
}

int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return off > INT64_MAX ? -EINVAL : xfer_all(fd, buf, len, (int64_t)off, false);
}

int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return off > INT64_MAX ? -EINVAL : xfer_all(fd, (char *)buf, len, (int64_t)off, true);
}
