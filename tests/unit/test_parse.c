/* Unit tests for lib/parse: durations, numbers, PIDs, signals. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/parse.h"

static uint64_t dur(const char *s)
{
	uint64_t v = 12345;

	assert_int_equal(parse_duration(s, &v), 0);
	return v;
}

static void durations_in_every_unit(void **state)
{
	(void)state;
	assert_int_equal(dur("1.5"), 1500 * NSEC_PER_MSEC);
	assert_int_equal(dur("500ms"), 500 * NSEC_PER_MSEC);
	assert_int_equal(dur("2m"), 120 * NSEC_PER_SEC);
	assert_int_equal(dur("1h"), 3600 * NSEC_PER_SEC);
	assert_int_equal(dur("10s"), 10 * NSEC_PER_SEC);
	assert_int_equal(dur("250us"), 250000);
	assert_int_equal(dur("7ns"), 7);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur(".25"), 250 * NSEC_PER_MSEC);
	assert_int_equal(dur("1."), NSEC_PER_SEC);
	assert_int_equal(dur("0.000000001"), 1);
	assert_int_equal(dur("1.5m"), 90 * NSEC_PER_SEC);
	assert_int_equal(dur("0.1h"), 360 * NSEC_PER_SEC);
}

static void bad_durations_leave_the_value_alone(void **state)
{
	static const char *const bad[] = { "", "-1", "+1", " 1", "1 ", "1x", "ms", ".", "1.2.3",
					   "1e3", "0x10", "1.0000000001", "abc", "1sec", "--1" };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 42;

		assert_int_equal(parse_duration(bad[i], &v), -EINVAL);
		assert_int_equal(v, 42);
	}
}

static void duration_overflow_is_erange(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(parse_duration("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_duration("18446744073709551615h", &v), -ERANGE);
	assert_int_equal(parse_duration("5124096h", &v), -ERANGE);
	assert_int_equal(v, 42);
	assert_int_equal(parse_duration(NULL, &v), -EINVAL);
}

static void pids_in_range(void **state)
{
	pid_t p = 99;

	(void)state;
	assert_int_equal(parse_pid("1", 4194304, &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(parse_pid("4194304", 4194304, &p), 0);
	assert_int_equal(p, 4194304);
}

static void bad_pids(void **state)
{
	static const char *const bad[] = { "abc", "-1", "12x", "", " 5", "5 ", "+5", "0x10" };
	pid_t p = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_pid(bad[i], 4194304, &p), -EINVAL);
	assert_int_equal(parse_pid("0", 4194304, &p), -ERANGE);
	assert_int_equal(parse_pid("4194305", 4194304, &p), -ERANGE);
	assert_int_equal(parse_pid("99999999999999999999999", 4194304, &p), -ERANGE);
	assert_int_equal(p, 99);
}

static void numbers(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_u64("5", 6, 10, &v), -ERANGE);
	assert_int_equal(parse_u64("-5", 0, 10, &v), -EINVAL);
}

static void signals_by_name_and_number(void **state)
{
	int s = 0;
	char buf[16];

	(void)state;
	assert_int_equal(parse_signal("KILL", &s), 0);
	assert_int_equal(s, SIGKILL);
	assert_int_equal(parse_signal("SIGKILL", &s), 0);
	assert_int_equal(s, SIGKILL);
	assert_int_equal(parse_signal("term", &s), 0);
	assert_int_equal(s, SIGTERM);
	assert_int_equal(parse_signal("9", &s), 0);
	assert_int_equal(s, 9);
	assert_int_equal(parse_signal("RTMIN+2", &s), 0);
	assert_int_equal(s, SIGRTMIN + 2);
	assert_int_equal(parse_signal("SIGRTMAX", &s), 0);
	assert_int_equal(s, SIGRTMAX);
	assert_int_equal(parse_signal("RTMAX-1", &s), 0);
	assert_int_equal(s, SIGRTMAX - 1);
	s = 0;
	assert_int_equal(parse_signal("NOPE", &s), -EINVAL);
	assert_int_equal(parse_signal("0", &s), -EINVAL);
	assert_int_equal(parse_signal("65", &s), -EINVAL);
	assert_int_equal(parse_signal("", &s), -EINVAL);
	assert_int_equal(parse_signal("RTMIN+", &s), -EINVAL);
	assert_int_equal(parse_signal("RTMIN+99", &s), -EINVAL);
	assert_int_equal(s, 0);
	assert_string_equal(signal_name(SIGKILL, buf, sizeof(buf)), "KILL");
	assert_string_equal(signal_name(SIGSEGV, buf, sizeof(buf)), "SEGV");
	assert_string_equal(signal_name(SIGRTMIN + 3, buf, sizeof(buf)), "RTMIN+3");
	assert_string_equal(signal_name(SIGRTMIN - 1, buf, sizeof(buf)), "33");
	assert_int_equal(parse_signal("33", &s), 0);
	assert_int_equal(s, 33);
	assert_null(signal_name(0, buf, sizeof(buf)));
	assert_null(signal_name(200, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_in_every_unit),
		cmocka_unit_test(bad_durations_leave_the_value_alone),
		cmocka_unit_test(duration_overflow_is_erange),
		cmocka_unit_test(pids_in_range),
		cmocka_unit_test(bad_pids),
		cmocka_unit_test(numbers),
		cmocka_unit_test(signals_by_name_and_number),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
