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
#include <sys/stat.h>
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

/* exec_open_program: PATH searched as execvp searches it, a directory or a
 * file without x passed over, and the fd is exactly the file found. */
static void open_program_as_execvp(void **state)
{
	char dir[] = "/tmp/test_exec.XXXXXX", a[64], b[64], search[160], path[128];
	struct stat st, fst;
	char *found = NULL;
	int fd = -1, f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	/* a/prog is a directory and a/noexec has no x bit; b has both as
	 * real programs. */
	snprintf(path, sizeof(path), "%s/prog", a);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/noexec", a);
	f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(f >= 0);
	close(f);
	snprintf(path, sizeof(path), "%s/prog", b);
	f = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
	assert_true(f >= 0);
	close(f);
	snprintf(search, sizeof(search), "/nonexistent:%s:%s", a, b);

	assert_int_equal(exec_open_program("prog", search, &fd, &found), 0);
	assert_string_equal(found, path);
	assert_int_equal(fstat(fd, &fst), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_ino == fst.st_ino && st.st_dev == fst.st_dev);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(fd, F_GETFL) & O_PATH);
	close(fd);
	free(found);

	/* Found only as not executable: EACCES; not at all: ENOENT. */
	snprintf(search, sizeof(search), "%s", a);
	assert_int_equal(exec_open_program("noexec", search, &fd, &found), -EACCES);
	assert_int_equal(exec_open_program("prog", search, &fd, &found), -EACCES);
	assert_int_equal(exec_open_program("nothing", search, &fd, &found), -ENOENT);
	assert_int_equal(exec_open_program("", search, &fd, &found), -ENOENT);
	/* With a '/': taken as it is, no search. */
	snprintf(path, sizeof(path), "%s/prog", a);
	assert_int_equal(exec_open_program(path, "/bin", &fd, &found), -EISDIR);
	snprintf(path, sizeof(path), "%s/missing", b);
	assert_int_equal(exec_open_program(path, "/bin", &fd, &found), -ENOENT);

	snprintf(path, sizeof(path), "%s/prog", b);
	unlink(path);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/prog", a);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/noexec", a);
	unlink(path);
	rmdir(a);
	rmdir(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codes_as_the_shell),
		cmocka_unit_test(exit_codes_and_signals),
		cmocka_unit_test(not_found_and_not_executable),
		cmocka_unit_test(only_kept_fds_pass),
		cmocka_unit_test(clean_signal_state),
		cmocka_unit_test(open_program_as_execvp),
	};

	return cmocka_run_group_tests_name("exec", tests, NULL, NULL);
}
