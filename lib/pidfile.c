/* Reading pidfiles. The parser is pure logic: unit tested in
 * tests/unit/test_pidref.c and fuzzed in tests/fuzz/fuzz_pidref.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "pidfile.h"
#include "pidref.h"

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

int pidfile_read(const char *path, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode,
		 char *what, size_t what_len)
{
	char buf[PIDFILE_MAX + 2];
	size_t len = 0;
	int fd, r;

	if (what_len)
		what[0] = '\0';
	/* O_NONBLOCK: a FIFO without a writer reads as empty instead of
	 * blocking forever. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	r = read_fd_buf(fd, buf, sizeof(buf), &len);
	close(fd);
	if (r < 0)
		return r;
	if (len > PIDFILE_MAX)
		return -EFBIG;
	r = pidfile_parse(buf, len, pid_max, ret_pid, ret_inode);
	if (r < 0 && r != -ENODATA && what_len) {
		size_t n = len < what_len - 1 ? len : what_len - 1;

		memcpy(what, buf, n);
		what[n] = '\0';
		/* First line only, control bytes shown as '?'. */
		what[strcspn(what, "\n")] = '\0';
		for (char *c = what; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	}
	return r;
}
