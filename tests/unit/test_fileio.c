/* Unit tests for lib/fileio: whole reads with limits, short reads and
 * writes, EOF in the middle, a FIFO fed in two writes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/fileio.h"

/* A temporary file holding len bytes of text; its fd, offset 0. */
static int tmpfile_with(const char *text, size_t len)
{
	char path[] = "/tmp/wishbox-fileio-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write_all(fd, text, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void read_buf_whole_and_too_long(void **state)
{
	char buf[8];
	size_t n = 99;
	int fd = tmpfile_with("1234567", 7);

	(void)state;
	assert_int_equal(read_fd_buf(fd, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 7);
	assert_string_equal(buf, "1234567");
	close(fd);
	/* One byte more than fits: refused, not cut. */
	fd = tmpfile_with("12345678", 8);
	n = 99;
	assert_int_equal(read_fd_buf(fd, buf, sizeof(buf), &n), -EFBIG);
	assert_int_equal(n, 99);
	close(fd);
}

static void read_alloc_limit(void **state)
{
	static char big[20000];
	char *buf = NULL;
	size_t n = 0;
	int fd;

	(void)state;
	memset(big, 'x', sizeof(big));
	fd = tmpfile_with(big, sizeof(big));
	assert_int_equal(read_fd_alloc(fd, sizeof(big), &buf, &n), 0);
	assert_int_equal(n, sizeof(big));
	assert_int_equal(buf[n], '\0');
	free(buf);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	buf = NULL;
	assert_int_equal(read_fd_alloc(fd, sizeof(big) - 1, &buf, &n), -EFBIG);
	assert_null(buf);
	close(fd);
	fd = tmpfile_with("", 0);
	assert_int_equal(read_fd_alloc(fd, 10, &buf, &n), 0);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	free(buf);
	close(fd);
}

/* A pipe fed in two writes is read whole, up to EOF. */
static void read_pipe_in_two_writes(void **state)
{
	char buf[32];
	size_t n = 0;
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	if (fork() == 0) {
		close(p[0]);
		(void)write_all(p[1], "12", 2);
		usleep(20000);
		(void)write_all(p[1], "34\n", 3);
		_exit(0);
	}
	close(p[1]);
	assert_int_equal(read_fd_buf(p[0], buf, sizeof(buf), &n), 0);
	assert_string_equal(buf, "1234\n");
	close(p[0]);
	assert_true(wait(NULL) > 0);
}

static void read_file_line_first_only(void **state)
{
	char path[] = "/tmp/wishbox-line-XXXXXX", buf[8];
	int fd = mkstemp(path);

	(void)state;
	assert_int_equal(write_all(fd, "259:1\nmore text that is long\n", 29), 0);
	close(fd);
	assert_int_equal(read_file_line(AT_FDCWD, path, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "259:1");
	assert_int_equal(read_file_line(AT_FDCWD, "/nonexistent/x", buf, sizeof(buf)), -ENOENT);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write_all(fd, "123456789abc", 12), 0);
	close(fd);
	/* A first line longer than the buffer is an error, not a cut. */
	assert_int_equal(read_file_line(AT_FDCWD, path, buf, sizeof(buf)), -EFBIG);
	unlink(path);
}

static void positional_all(void **state)
{
	char out[6] = { 0 };
	int fd = tmpfile_with("abcdef", 6);

	(void)state;
	assert_int_equal(pwrite_all(fd, "XY", 2, 2), 0);
	assert_int_equal(pread_all(fd, out, 6, 0), 0);
	assert_memory_equal(out, "abXYef", 6);
	/* End of file before len bytes: -EIO, never a short success. */
	assert_int_equal(pread_all(fd, out, 4, 4), -EIO);
	assert_int_equal(pread_all(fd, out, 1, UINT64_MAX), -EINVAL);
	close(fd);
	assert_int_equal(write_all(fd, "x", 1), -EBADF);
}

static void write_all_to_full(void **state)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);

	(void)state;
	if (fd < 0)
		skip();
	assert_int_equal(write_all(fd, "x", 1), -ENOSPC);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_buf_whole_and_too_long),
		cmocka_unit_test(read_alloc_limit),
		cmocka_unit_test(read_pipe_in_two_writes),
		cmocka_unit_test(read_file_line_first_only),
		cmocka_unit_test(positional_all),
		cmocka_unit_test(write_all_to_full),
	};

	return cmocka_run_group_tests_name("fileio", tests, NULL, NULL);
}
