/* Unit tests for lib/pathnorm: lexical normalization and "at or below". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/pathnorm.h"

static void norm(const char *path, const char *cwd, const char *want)
{
	char *got = NULL;

	assert_int_equal(path_normalize(path, cwd, &got), 0);
	assert_string_equal(got, want);
	free(got);
}

static void normalizes(void **state)
{
	char *got = NULL;

	(void)state;
	norm("/", NULL, "/");
	norm("//a//b/", NULL, "/a/b");
	norm("/a/./b/.", NULL, "/a/b");
	norm("/a/b/../c", NULL, "/a/c");
	norm("/../..", NULL, "/");
	norm("/a/..", NULL, "/");
	norm("x/y", "/srv", "/srv/x/y");
	norm("../y", "/srv/a", "/srv/y");
	norm(".", "/srv", "/srv");
	norm("/a b/\\c", NULL, "/a b/\\c");
	assert_int_equal(path_normalize("x", "rel", &got), -EINVAL);
	assert_int_equal(path_normalize("x", NULL, &got), -EINVAL);
	assert_null(got);
}

static void under(void **state)
{
	(void)state;
	assert_true(path_is_under("/mnt", "/mnt"));
	assert_true(path_is_under("/mnt/a", "/mnt"));
	assert_true(path_is_under("/mnt/a/b", "/mnt"));
	assert_false(path_is_under("/mnta", "/mnt"));
	assert_false(path_is_under("/mn", "/mnt"));
	assert_true(path_is_under("/anything", "/"));
	assert_true(path_is_under("/", "/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(normalizes),
		cmocka_unit_test(under),
	};

	return cmocka_run_group_tests_name("pathnorm", tests, NULL, NULL);
}
