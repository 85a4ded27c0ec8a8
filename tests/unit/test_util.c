/* Unit tests for lib/util.h: the idioms every file leans on. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/util.h"

static void array_size(void **state)
{
	int a[7];
	uint64_t b[3][2];

	(void)state;
	(void)a;
	(void)b;
	assert_int_equal(ARRAY_SIZE(a), 7);
	assert_int_equal(ARRAY_SIZE(b), 3);
}

static int leak_check_fd = -1;

static void cleanup_scope(void)
{
	_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	leak_check_fd = fd;
}

static void close_idioms(void **state)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), kept;

	(void)state;
	errno = 1234;
	fd = safe_close(fd);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, 1234); /* errno survives */
	assert_int_equal(safe_close(-1), -1);
	cleanup_scope();
	assert_true(leak_check_fd >= 0);
	assert_int_equal(fcntl(leak_check_fd, F_GETFD), -1); /* closed on scope exit */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	kept = take_fd(&fd);
	assert_int_equal(fd, -1);
	assert_true(kept >= 0);
	close(kept);
}

static void string_equality(void **state)
{
	(void)state;
	assert_true(streq("a", "a"));
	assert_false(streq("a", "b"));
	assert_true(streq_ptr(NULL, NULL));
	assert_false(streq_ptr("a", NULL));
	assert_false(streq_ptr(NULL, "a"));
	assert_true(streq_ptr("x", "x"));
}

static void errno_classes(void **state)
{
	(void)state;
	assert_true(errno_is_not_supported(-ENOSYS));
	assert_true(errno_is_not_supported(ENOTTY));
	assert_true(errno_is_not_supported(-EOPNOTSUPP));
	assert_true(errno_is_not_supported(-EINVAL));
	assert_false(errno_is_not_supported(-EPERM));
	assert_false(errno_is_not_supported(-ENOENT));
	assert_true(errno_is_privilege(-EPERM));
	assert_true(errno_is_privilege(EACCES));
	assert_false(errno_is_privilege(-ENOSYS));
}

static void sort_u64(void **state)
{
	uint64_t v[] = { 5, UINT64_MAX, 0, 1ULL << 63, 5 };

	(void)state;
	qsort(v, ARRAY_SIZE(v), sizeof(v[0]), cmp_u64);
	assert_true(v[0] == 0 && v[1] == 5 && v[2] == 5 && v[3] == 1ULL << 63 && v[4] == UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(array_size),
		cmocka_unit_test(close_idioms),
		cmocka_unit_test(string_equality),
		cmocka_unit_test(errno_classes),
		cmocka_unit_test(sort_u64),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
