/* Unit tests for lib/timefmt. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "../../lib/timefmt.h"

static void iso8601_with_microseconds(void **state)
{
	struct timespec ts = { .tv_sec = 1700000000, .tv_nsec = 123456789 };
	char buf[40];

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(timefmt_iso8601_us(&ts, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2023-11-14T22:13:20.123456+00:00");
	setenv("TZ", "IST-05:30", 1);
	tzset();
	ts.tv_nsec = 999;
	assert_int_equal(timefmt_iso8601_us(&ts, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2023-11-15T03:43:20.000000+05:30");
	assert_int_equal(timefmt_iso8601_us(&ts, buf, 32), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iso8601_with_microseconds),
	};

	return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
