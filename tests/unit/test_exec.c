/* Unit tests for lib/exec: the shell's exit-code rules, and real children
 * that exit, die by a signal, are not found or not executable, inherit only
 * the fds they are given and a clean signal state. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/exec.h"
#include "../../lib/fileio.h"
#include "../../lib/sig.h"

static int run(char *const argv[], const int *keep, size_t nkeep)
{
	struct exec_child c;
	int r = exec_spawn(argv, NULL, keep, nkeep, &c);

	if (r < 0)
		return r;
	return exec_wait(&c);
}

static void codes_as_the_shell(void **state)
{
	(void)state;
	assert_int_equal(exec_failure_code(-ENOENT), 127);
	assert_int_equal(exec_failure_code(-EACCES), 126);
	assert_int_equal(exec_failure_code(ENOEXEC), 126);
	assert_int_equal(exec_status_code(7 << 8), 7);
	assert_int_equal(exec_status_code(SIGKILL), 128 + SIGKILL);
	assert_int_equal(exec_status_code(SIGSEGV | 0x80), 128 + SIGSEGV);
}

static void exit_codes_and_signals(void **state)
{
	char *seven[] = { "sh", "-c", "exit 7", NULL };
	char *term[] = { "sh", "-c", "kill -TERM $$", NULL };

	(void)state;
	assert_int_equal(run(seven, NULL, 0), 7);
	assert_int_equal(run(term, NULL, 0), 128 + SIGTERM);
}

static void not_found_and_not_executable(void **state)
{
	char *missing[] = { "wishbox-no-such-command-here", NULL };
	char *dir[] = { "/", NULL };
	char path[] = "/tmp/wishbox-noexec-XXXXXX";
	char *noexec[] = { path, NULL };
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(run(missing, NULL, 0), -ENOENT);
	assert_int_equal(exec_failure_code(run(dir, NULL, 0)), 126);
	assert_int_equal(run(noexec, NULL, 0), -EACCES);
	unlink(path);
}

/* Our close-on-exec fds stay ours; a kept one is passed on. */
static void only_kept_fds_pass(void **state)
{
	int ours = open("/dev/null", O_RDONLY | O_CLOEXEC), kept = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char script[64];
	char *argv[] = { "sh", "-c", script, NULL };

	(void)state;
	snprintf(script, sizeof(script), "[ -e /proc/self/fd/%d ] && exit 1; [ -e /proc/self/fd/%d ]",
		 ours, kept);
	assert_int_equal(run(argv, &kept, 1), 0);
	/* The parent's own fd is still close-on-exec. */
	assert_int_equal(fcntl(kept, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(ours);
	close(kept);
}

/* The command gets SIGPIPE at its default and nothing blocked, whatever
 * we had. */
static void clean_signal_state(void **state)
{
	/* SIGPIPE is bit 13 - 1 of SigIgn. Other ignored signals are the
	 * caller's choice (a shell's background job ignores INT and QUIT) and
	 * are passed on, as exec does. */
	char *argv[] = { "sh", "-c", "grep -q '^SigBlk:[[:space:]]*0*$' /proc/self/status && "
				     "ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status) && "
				     "[ $((0x$ign & 0x1000)) -eq 0 ]", NULL };
	sigset_t old;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(sig_block_fatal(&old), 0);
	assert_int_equal(run(argv, NULL, 0), 0);
	assert_int_equal(sig_restore(&old), 0);
	signal(SIGPIPE, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_as_the_shell),
		cmocka_unit_test(exit_codes_and_signals),
		cmocka_unit_test(not_found_and_not_executable),
		cmocka_unit_test(only_kept_fds_pass),
		cmocka_unit_test(clean_signal_state),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
