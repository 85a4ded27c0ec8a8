/* Unit tests for the pure parts of lib/pidref and lib/pidfile: PID:INODE,
 * /proc/PID/stat, pidfile contents, wait statuses. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "../../lib/pidfile.h"
#include "../../lib/pidref.h"

static void specs(void **state)
{
	pid_t pid = 42;
	uint64_t ino = 42;

	(void)state;
	assert_int_equal(pidref_parse_spec("1234", 32768, &pid, &ino), 0);
	assert_int_equal(pid, 1234);
	assert_int_equal(ino, 0);
	assert_int_equal(pidref_parse_spec("1234:18446744073709551615", 32768, &pid, &ino), 0);
	assert_int_equal(pid, 1234);
	assert_true(ino == UINT64_MAX);
	assert_int_equal(pidref_parse_spec("32767", 32768, &pid, &ino), 0);
	assert_int_equal(pid, 32767);
}

static void bad_specs_leave_the_values_alone(void **state)
{
	static const char *const inval[] = { "", "abc", "12x", "-1", " 1", "1 ", "+1", "1:", ":1",
					     "1:0", "1:x", "1:2:3", "0x10", "1.5", "1:-2", "1::2" };
	static const char *const range[] = { "0", "32768", "99999999999999999999",
					     "123456789012345678901234567890" };
	pid_t pid = 42;
	uint64_t ino = 42;

	(void)state;
	for (size_t i = 0; i < sizeof(inval) / sizeof(inval[0]); i++)
		assert_int_equal(pidref_parse_spec(inval[i], 32768, &pid, &ino), -EINVAL);
	for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
		assert_int_equal(pidref_parse_spec(range[i], 32768, &pid, &ino), -ERANGE);
	assert_int_equal(pidref_parse_spec(NULL, 32768, &pid, &ino), -EINVAL);
	assert_int_equal(pid, 42);
	assert_int_equal(ino, 42);
}

/* A /proc/PID/stat line with the given comm, state and exit code. */
static size_t stat_line(char *buf, size_t len, const char *comm, char state, const char *tail)
{
	int n = snprintf(buf, len,
			 "4242 (%s) %c 17 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 3 0 "
			 "123456789 10000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 "
			 "0 0 0 0 0 0 0 0 0 0 %s\n",
			 comm, state, tail);

	return (size_t)n;
}

static void proc_stat_lines(void **state)
{
	char buf[1024];
	struct procstat st;
	size_t n;

	(void)state;
	n = stat_line(buf, sizeof(buf), "sleep", 'S', "0");
	assert_int_equal(procstat_parse(buf, n, &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.num_threads, 3);
	assert_true(st.start == 123456789ULL);
	assert_int_equal(st.exit_code, 0);
	/* A comm with spaces and parentheses: the last ')' ends it. */
	n = stat_line(buf, sizeof(buf), "a) Z 1 (b", 'Z', "1792");
	assert_int_equal(procstat_parse(buf, n, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(st.exit_code, 1792);
	/* Kernels before 3.5 stop before exit_code. */
	n = (size_t)snprintf(buf, sizeof(buf),
			     "1 (init) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 5 1 1\n");
	assert_int_equal(procstat_parse(buf, n, &st), 0);
	assert_true(st.start == 5);
	assert_int_equal(st.exit_code, -1);
	/* No trailing newline. */
	n = stat_line(buf, sizeof(buf), "x", 'R', "256");
	assert_int_equal(procstat_parse(buf, n - 1, &st), 0);
	assert_int_equal(st.exit_code, 256);
}

static void bad_proc_stat_lines(void **state)
{
	static const char *const bad[] = {
		"",
		"4242",
		"4242 (sleep",
		"4242 sleep) S 1",
		"4242 (sleep) S",
		"4242 (sleep)S 1 2",
		"4242 (sleep) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n", /* no start */
		"4242 (sleep) S x 2 3\n",
		"4242 (sleep) S -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n",
		"4242 (sleep) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 -5 18 19\n",
		"4242 (sleep) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99999999999999999999\n",
		"4242 (sleep) S 1 2  3\n",
	};
	struct procstat st = { .state = 'q' };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(procstat_parse(bad[i], strlen(bad[i]), &st), -EBADMSG);
	assert_int_equal(st.state, 'q');
}

static void pidfiles(void **state)
{
	pid_t pid = 42;
	uint64_t ino = 42;

	(void)state;
	assert_int_equal(pidfile_parse("123\n", 4, 32768, &pid, &ino), 0);
	assert_int_equal(pid, 123);
	assert_int_equal(pidfile_parse("  \t123 \r\n\n", 10, 32768, &pid, &ino), 0);
	assert_int_equal(pid, 123);
	assert_int_equal(pidfile_parse("77:991\n", 7, 32768, &pid, &ino), 0);
	assert_int_equal(pid, 77);
	assert_int_equal(ino, 991);
	pid = 42;
	assert_int_equal(pidfile_parse("", 0, 32768, &pid, &ino), -ENODATA);
	assert_int_equal(pidfile_parse(" \n\t", 3, 32768, &pid, &ino), -ENODATA);
	assert_int_equal(pidfile_parse("12 13\n", 6, 32768, &pid, &ino), -EINVAL);
	assert_int_equal(pidfile_parse("12\n13\n", 6, 32768, &pid, &ino), -EINVAL);
	assert_int_equal(pidfile_parse("1\0002", 3, 32768, &pid, &ino), -EINVAL);
	assert_int_equal(pidfile_parse("pid", 3, 32768, &pid, &ino), -EINVAL);
	assert_int_equal(pidfile_parse("0\n", 2, 32768, &pid, &ino), -ERANGE);
	assert_int_equal(pidfile_parse("40000\n", 6, 32768, &pid, &ino), -ERANGE);
	assert_int_equal(pid, 42);
}

static void wait_statuses(void **state)
{
	struct exit_status st;

	(void)state;
	assert_int_equal(exit_status_from_wait(0x700, &st), 0);
	assert_true(st.known && st.exited);
	assert_int_equal(st.code, 7);
	assert_int_equal(exit_status_shell(&st), 7);
	assert_int_equal(exit_status_from_wait(SIGKILL, &st), 0);
	assert_true(st.known && !st.exited && !st.coredump);
	assert_int_equal(st.signal, SIGKILL);
	assert_int_equal(exit_status_shell(&st), 137);
	assert_int_equal(exit_status_from_wait(SIGSEGV | 0x80, &st), 0);
	assert_true(st.coredump);
	assert_int_equal(st.signal, SIGSEGV);
	assert_int_equal(exit_status_from_wait(0xff00, &st), 0);
	assert_int_equal(st.code, 255);
	/* Stopped and continued are not endings. */
	st.code = 99;
	assert_int_equal(exit_status_from_wait(0x137f, &st), -EINVAL);
	assert_int_equal(exit_status_from_wait(0xffff, &st), -EINVAL);
	assert_int_equal(st.code, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(specs),
		cmocka_unit_test(bad_specs_leave_the_values_alone),
		cmocka_unit_test(proc_stat_lines),
		cmocka_unit_test(bad_proc_stat_lines),
		cmocka_unit_test(pidfiles),
		cmocka_unit_test(wait_statuses),
	};

	return cmocka_run_group_tests_name("pidref", tests, NULL, NULL);
}
