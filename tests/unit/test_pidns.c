/* Unit tests for lib/pidns: the NSpid, fdinfo "Pid:" and /proc/PID/sched
 * parsers, the verdicts by inode and by id, and our own namespace. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/linux-compat.h"
#include "../../lib/pidns.h"
#include "../../lib/pidref.h"

#define S(x) x, sizeof(x) - 1

static void nspid_lines(void **state)
{
	pid_t v[PIDNS_NSPID_MAX];
	size_t n = 0;

	(void)state;
	assert_int_equal(pidns_parse_nspid(S("Name:\tsh\nNSpid:\t1234\n"), v, 32, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 1234);
	assert_int_equal(pidns_parse_nspid(S("NStgid:\t9\t1\nNSpid:\t9011\t7\t1\nNSsid:\t1\n"),
					   v, 32, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 9011);
	assert_int_equal(v[2], 1);
	/* No newline at the end. */
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t5\t2"), v, 32, &n), 0);
	assert_int_equal(n, 2);
	/* Too many for the caller. */
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t5\t2\t1"), v, 2, &n), -E2BIG);
	/* A reaped process's fdinfo. */
	assert_int_equal(pidns_parse_nspid(S("Pid:\t-1\nNSpid:\t-1\n"), v, 32, &n), -ESRCH);
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t0\n"), v, 32, &n), -ESRCH);
	/* Absent, empty, garbage, a prefix of the key. */
	assert_int_equal(pidns_parse_nspid(S("Pid:\t5\n"), v, 32, &n), -ENOENT);
	assert_int_equal(pidns_parse_nspid(S("NSpidx:\t5\n"), v, 32, &n), -ENOENT);
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t\n"), v, 32, &n), -EBADMSG);
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t5x\n"), v, 32, &n), -EBADMSG);
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t5\t-3\n"), v, 32, &n), -EBADMSG);
	assert_int_equal(pidns_parse_nspid(S("NSpid:\t99999999999\n"), v, 32, &n), -EBADMSG);
	assert_int_equal(pidns_parse_nspid("", 0, v, 32, &n), -ENOENT);
}

static void fdinfo_pid(void **state)
{
	long pid = 0;

	(void)state;
	assert_int_equal(pidns_parse_fdinfo_pid(S("pos:\t0\nflags:\t02000002\nPid:\t42\nNSpid:\t42\n"),
						&pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(pidns_parse_fdinfo_pid(S("Pid:\t-1\n"), &pid), 0);
	assert_int_equal(pid, -1);
	assert_int_equal(pidns_parse_fdinfo_pid(S("Pid:\t0\n"), &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(pidns_parse_fdinfo_pid(S("NSpid:\t1\n"), &pid), -ENOENT);
	assert_int_equal(pidns_parse_fdinfo_pid(S("Pid:\t1 2\n"), &pid), -EBADMSG);
	assert_int_equal(pidns_parse_fdinfo_pid(S("Pid:\t-2\n"), &pid), -EBADMSG);
}

static void sched_line(void **state)
{
	long pid = 0;

	(void)state;
	assert_int_equal(pidns_parse_sched_pid("systemd (1, #threads: 1)\n", &pid), 0);
	assert_int_equal(pid, 1);
	/* A comm with spaces and parentheses, even a fake tail. */
	assert_int_equal(pidns_parse_sched_pid("a (2, #threads: 9) b (345, #threads: 3)", &pid), 0);
	assert_int_equal(pid, 345);
	assert_int_equal(pidns_parse_sched_pid("no pid here", &pid), -EBADMSG);
	assert_int_equal(pidns_parse_sched_pid("x (abc, #threads: 1)", &pid), -EBADMSG);
	assert_int_equal(pidns_parse_sched_pid("x (0, #threads: 1)", &pid), -EBADMSG);
	assert_int_equal(pidns_parse_sched_pid("x (7)", &pid), -EBADMSG);
}

static void verdicts(void **state)
{
	(void)state;
	assert_int_equal(pidns_kind_of_inode(0xEFFFFFFCU), PIDNS_INITIAL);
	assert_int_equal(pidns_kind_of_inode(0xF0000151U), PIDNS_CHILD);
	assert_int_equal(pidns_kind_of_inode(0xEFFFFFFDU), PIDNS_CHILD);
	assert_int_equal(pidns_kind_of_id(4), PIDNS_INITIAL);
	assert_int_equal(pidns_kind_of_id(4100), PIDNS_CHILD);
	assert_int_equal(pidns_kind_of_id(0), PIDNS_UNKNOWN);
	assert_string_equal(pidns_kind_name(PIDNS_CHILD), "child");
	assert_string_equal(pidns_kind_name(PIDNS_INITIAL), "initial");
	assert_null(pidns_kind_name(PIDNS_UNKNOWN));
}

/* Our own namespace through /proc and, where the kernel has it, a pidfd:
 * the same inode as stat(2) of /proc/self/ns/pid. Not a namespace file:
 * refused. */
static void own_namespace(void **state)
{
	struct pidns_id id, id2;
	struct stat st;
	int fd, pidfd, nfd;

	(void)state;
	if (stat("/proc/self/ns/pid", &st) < 0)
		skip();
	fd = pidns_open_proc(0);
	assert_true(fd >= 0);
	assert_int_equal(pidns_identify(fd, &id), 0);
	assert_int_equal(id.inode, st.st_ino);
	assert_int_equal(id.dev, st.st_dev);
	close(fd);
	pidfd = pidfd_open_raw(getpid(), 0);
	if (pidfd >= 0) {
		nfd = pidns_open_pidfd(pidfd);
		if (nfd >= 0) {
			assert_true(fcntl(nfd, F_GETFD) & FD_CLOEXEC);
			assert_int_equal(pidns_identify(nfd, &id2), 0);
			assert_int_equal(id2.inode, id.inode);
			close(nfd);
		}
		close(pidfd);
	}
	fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pidns_identify(fd, &id2), -EINVAL);
	close(fd);
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(pidns_identify(fd, &id2), -EMEDIUMTYPE);
	close(fd);
	assert_int_equal(pidns_proc_is_ours(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nspid_lines),
		cmocka_unit_test(fdinfo_pid),
		cmocka_unit_test(sched_line),
		cmocka_unit_test(verdicts),
		cmocka_unit_test(own_namespace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
