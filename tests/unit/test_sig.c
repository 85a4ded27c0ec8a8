/* Unit tests for lib/sig: the fatal set, blocking and restoring, ignored
 * signals left alone, signalfd delivery. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/sig.h"
#include "../../lib/util.h"

/* Every signal whose default action ends or stops the process, and only
 * those: CHLD, CONT, URG and WINCH are harmless. */
static void fatal_set_members(void **state)
{
	static const int fatal[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
				     SIGALRM, SIGPIPE, SIGTSTP, SIGXFSZ, SIGPWR };
	static const int harmless[] = { SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIGKILL, SIGSTOP };
	sigset_t set;

	(void)state;
	sig_fatal_set(&set);
	for (size_t i = 0; i < ARRAY_SIZE(fatal); i++)
		assert_int_equal(sigismember(&set, fatal[i]), 1);
	for (size_t i = 0; i < ARRAY_SIZE(harmless); i++)
		assert_int_equal(sigismember(&set, harmless[i]), 0);
	assert_int_equal(sigismember(&set, SIGRTMIN), 1);
	assert_int_equal(sigismember(&set, SIGRTMAX), 1);
}

static void block_and_restore(void **state)
{
	sigset_t old, now;

	(void)state;
	assert_int_equal(sig_block_fatal(&old), 0);
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_int_equal(sigismember(&now, SIGUSR1), 1);
	/* A USR1 in the window waits; it would have ended the process. */
	raise(SIGUSR1);
	signal(SIGUSR1, SIG_IGN); /* the pending one is discarded, not fatal */
	assert_int_equal(sig_restore(&old), 0);
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_int_equal(sigismember(&now, SIGUSR1), 0);
	signal(SIGUSR1, SIG_DFL);
}

static void ignored_stay_ignored(void **state)
{
	sigset_t set;

	(void)state;
	signal(SIGHUP, SIG_IGN);
	sig_fatal_set(&set);
	sig_drop_ignored(&set);
	assert_int_equal(sigismember(&set, SIGHUP), 0);
	assert_int_equal(sigismember(&set, SIGTERM), 1);
	signal(SIGHUP, SIG_DFL);
}

static void signalfd_reads_the_signal(void **state)
{
	sigset_t set, old;
	int fd;

	(void)state;
	pthread_sigmask(SIG_SETMASK, NULL, &old);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	fd = sig_signalfd(&set);
	assert_true(fd >= 0);
	assert_int_equal(sig_read(fd), 0); /* nothing pending */
	kill(getpid(), SIGUSR2);
	assert_int_equal(sig_read(fd), SIGUSR2);
	close(fd);
	assert_int_equal(sig_restore(&old), 0);
}

static void prepare_exec_resets(void **state)
{
	sigset_t old, now;

	(void)state;
	pthread_sigmask(SIG_SETMASK, NULL, &old);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(sig_block_fatal(NULL), 0);
	assert_int_equal(sig_prepare_exec(NULL), 0);
	assert_ptr_equal(signal(SIGPIPE, SIG_DFL), SIG_DFL);
	pthread_sigmask(SIG_SETMASK, NULL, &now);
	assert_int_equal(sigismember(&now, SIGTERM), 0);
	sig_restore(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fatal_set_members),
		cmocka_unit_test(block_and_restore),
		cmocka_unit_test(ignored_stay_ignored),
		cmocka_unit_test(signalfd_reads_the_signal),
		cmocka_unit_test(prepare_exec_resets),
	};

	return cmocka_run_group_tests_name("sig", tests, NULL, NULL);
}
