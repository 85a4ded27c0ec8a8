/* Reading pidfiles. The parser is pure logic: unit tested in
 * tests/unit/test_pidref.c and fuzzed in tests/fuzz/fuzz_pidref.c. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "pidfile.h"
#include "pidref.h"
#include "timeout.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int pidfile_parse(const char *buf, size_t len, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode)
{
	char s[PIDFILE_MAX + 1];

	while (len && is_space(*buf)) {
		buf++;
		len--;
	}
	while (len && is_space(buf[len - 1]))
		len--;
	if (!len)
		return -ENODATA;
	if (len > PIDFILE_MAX || memchr(buf, '\0', len))
		return -EINVAL;
	memcpy(s, buf, len);
	s[len] = '\0';
	return pidref_parse_spec(s, pid_max, ret_pid, ret_inode);
}

/* A FIFO: its writer may feed the PID in several writes. Reads until end of
 * file (or size bytes), waiting for more up to PIDFILE_FIFO_WAIT_MS in all.
 * A FIFO that no writer holds reads as empty at once. */
static int read_fifo(int fd, char *buf, size_t size, size_t *ret_len)
{
	uint64_t end = monotonic_ns() + PIDFILE_FIFO_WAIT_MS * 1000000ULL;
	size_t len = 0;

	while (len < size) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n = read(fd, buf + len, size - len);
		uint64_t now;

		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		now = monotonic_ns();
		if (now >= end)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((end - now + 999999) / 1000000)) < 0 && errno != EINTR)
			return -errno;
	}
	*ret_len = len;
	return 0;
}

/* The content for a message: without the white space around it, control
 * bytes as \n, \t or ?, cut to what_len - 1 bytes. */
static void quote_content(const char *buf, size_t len, char *what, size_t what_len)
{
	size_t k = 0;

	while (len && is_space(*buf)) {
		buf++;
		len--;
	}
	while (len && is_space(buf[len - 1]))
		len--;
	for (size_t i = 0; i < len && k + 3 <= what_len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || c == '\t') {
			what[k++] = '\\';
			what[k++] = c == '\n' ? 'n' : 't';
		} else {
			what[k++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	what[k] = '\0';
}

int pidfile_read(const char *path, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode,
		 char *what, size_t what_len)
{
	char buf[PIDFILE_MAX + 2];
	struct stat st;
	size_t len = 0;
	int fd, r;

	if (what_len)
		what[0] = '\0';
	/* O_NONBLOCK: a FIFO without a writer reads as empty instead of
	 * blocking forever. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISFIFO(st.st_mode))
		r = read_fifo(fd, buf, sizeof(buf) - 1, &len);
	else
		r = read_fd_buf(fd, buf, sizeof(buf), &len);
	close(fd);
	if (r < 0)
		return r;
	if (len > PIDFILE_MAX)
		return -EFBIG;
	r = pidfile_parse(buf, len, pid_max, ret_pid, ret_inode);
	if (r < 0 && r != -ENODATA && what_len)
		quote_content(buf, len, what, what_len);
	return r;
}
