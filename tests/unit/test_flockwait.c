/* Unit tests for lib/flockwait, lib/locks and lib/wholedisk: flock() with a
 * deadline through each way, on two open file descriptions of one file
 * (BSD locks conflict between open file descriptions, even in one process);
 * /proc/locks lines; a partition's disk in a sysfs-like tree. */
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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/flockwait.h"
#include "../../lib/locks.h"
#include "../../lib/util.h"
#include "../../lib/wholedisk.h"

typedef int (*way_fn)(int fd, int op, const struct deadline *d);
static const way_fn ways[] = { flockwait_child, flockwait_timer, flockwait_poll };

static char dir[] = "/tmp/wishbox-flockwait-XXXXXX";

static int open_lock(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	return fd;
}

/* A free lock is taken at once; a held one times out near the deadline,
 * and afterwards nothing holds the lock but the holder. */
static void each_way_locks_and_times_out(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ways); i++) {
		_cleanup_close_ int a = open_lock(), b = open_lock(), c = open_lock();
		struct deadline d;
		uint64_t t0;

		deadline_start(&d, true, 50 * 1000000ULL);
		assert_int_equal(ways[i](a, LOCK_EX, &d), 0);
		t0 = monotonic_ns();
		deadline_start(&d, true, 50 * 1000000ULL);
		assert_int_equal(ways[i](b, LOCK_EX, &d), -ETIMEDOUT);
		assert_true(monotonic_ns() - t0 >= 49 * 1000000ULL);
		/* Shared beside shared, not beside exclusive. */
		deadline_start(&d, true, 0);
		assert_int_equal(ways[i](b, LOCK_SH, &d), -ETIMEDOUT);
		assert_int_equal(flock(a, LOCK_UN), 0);
		assert_int_equal(ways[i](b, LOCK_SH, &d), 0);
		assert_int_equal(ways[i](c, LOCK_SH, &d), 0);
		/* b and c hold it, not a stray child: a third exclusive fails. */
		assert_int_equal(flock(a, LOCK_EX | LOCK_NB), -1);
		assert_int_equal(errno, EWOULDBLOCK);
	}
}

/* The timer way leaves the mask and SIGRTMIN's disposition as they were,
 * and no tick pending. */
static void timer_restores_signal_state(void **state)
{
	_cleanup_close_ int a = open_lock(), b = open_lock();
	sigset_t before, after, pend;
	struct sigaction sa;
	struct deadline d;

	(void)state;
	signal(SIGRTMIN, SIG_IGN);
	pthread_sigmask(SIG_SETMASK, NULL, &before);
	assert_int_equal(flock(a, LOCK_EX), 0);
	deadline_start(&d, true, 5 * 1000000ULL);
	assert_int_equal(flockwait_timer(b, LOCK_EX, &d), -ETIMEDOUT);
	pthread_sigmask(SIG_SETMASK, NULL, &after);
	for (int s = 1; s < NSIG; s++)
		assert_int_equal(sigismember(&before, s), sigismember(&after, s));
	sigaction(SIGRTMIN, NULL, &sa);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
	sigpending(&pend);
	assert_int_equal(sigismember(&pend, SIGRTMIN), 0);
	signal(SIGRTMIN, SIG_DFL);
}

/* A lock obtained by the child way is ours after the child is gone. */
static void child_way_lock_stays(void **state)
{
	_cleanup_close_ int a = open_lock(), b = open_lock();
	struct deadline d;

	(void)state;
	assert_int_equal(flock(a, LOCK_EX), 0);
	deadline_start(&d, true, 1000000ULL);
	assert_int_equal(flockwait_child(b, LOCK_EX, &d), -ETIMEDOUT);
	assert_int_equal(flock(a, LOCK_UN), 0);
	deadline_start(&d, false, 0);
	assert_int_equal(flockwait_child(b, LOCK_EX, &d), 0);
	assert_int_equal(flock(a, LOCK_SH | LOCK_NB), -1);
	assert_int_equal(flockwait_child(-1, LOCK_EX, &d), -EBADF);
}

static void proc_locks_lines(void **state)
{
	struct lock_entry e;

	(void)state;
	assert_int_equal(locks_parse_line("1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF\n", &e), 0);
	assert_string_equal(e.type, "FLOCK");
	assert_string_equal(e.access, "WRITE");
	assert_false(e.waiting);
	assert_int_equal(e.pid, 1234);
	assert_int_equal(e.major, 0xfd);
	assert_int_equal(e.minor, 1);
	assert_int_equal(e.inode, 5678);
	assert_int_equal(locks_parse_line("12: -> FLOCK  ADVISORY  READ 99 103:1a:18446744073709551615 0 EOF", &e), 0);
	assert_true(e.waiting);
	assert_string_equal(e.access, "READ");
	assert_int_equal(e.major, 0x103);
	assert_int_equal(e.minor, 0x1a);
	assert_true(e.inode == UINT64_MAX);
	assert_int_equal(locks_parse_line("3: OFDLCK ADVISORY  WRITE -1 00:1c:42 0 EOF", &e), 0);
	assert_int_equal(e.pid, -1);
	assert_int_equal(locks_parse_line("4: LEASE  ACTIVE    READ 77 08:02:9 0 EOF", &e), 0);
	assert_string_equal(e.type, "LEASE");
	assert_int_equal(locks_parse_line("", &e), -EINVAL);
	assert_int_equal(locks_parse_line("x: FLOCK ADVISORY WRITE 1 00:00:1 0 EOF", &e), -EINVAL);
	assert_int_equal(locks_parse_line("1: FLOCK ADVISORY WRITE 1 00:00", &e), -EINVAL);
	assert_int_equal(locks_parse_line("1: FLOCK ADVISORY WRITE 1 0g:00:12x 0 EOF", &e), -EINVAL);
}

/* A lock we hold on a file is found, by PID, with its kind. */
static void holders_of_our_lock(void **state)
{
	_cleanup_close_ int a = open_lock();
	struct lock_holder *h = NULL;
	struct stat st;
	size_t n = 9;

	(void)state;
	assert_int_equal(fstat(a, &st), 0);
	assert_int_equal(locks_flock_holders("/proc", st.st_dev, st.st_ino, &h, &n), 0);
	assert_int_equal(n, 0);
	assert_null(h);
	assert_int_equal(flock(a, LOCK_SH), 0);
	assert_int_equal(locks_flock_holders("/proc", st.st_dev, st.st_ino, &h, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(h[0].pid, getpid());
	assert_false(h[0].exclusive);
	free(h);
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* sysfs' shape: dev/block/MAJ:MIN links into devices/, a partition's
 * directory inside its disk's, with a "partition" file. */
static void whole_disk_through_sysfs(void **state)
{
	char path[256], sys[128], name[32];
	dev_t disk = 0, d;

	(void)state;
	assert_int_equal(wholedisk_parse_devnum("8:0\n", &d), 0);
	assert_true(d == makedev(8, 0));
	assert_int_equal(wholedisk_parse_devnum("259:65536", &d), 0);
	assert_true(d == makedev(259, 65536));
	assert_int_equal(wholedisk_parse_devnum("8", &d), -EINVAL);
	assert_int_equal(wholedisk_parse_devnum("8:0\nx", &d), -EINVAL);
	assert_int_equal(wholedisk_parse_devnum(":1", &d), -EINVAL);

	snprintf(path, sizeof(path), "%s/devices", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/devices/sda", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/devices/sda/sda2", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/dev/block", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("devices/sda/dev", "8:0\n");
	put("devices/sda/uevent", "MAJOR=8\nMINOR=0\nDEVNAME=sda\nDEVTYPE=disk\n");
	put("devices/sda/sda2/dev", "8:2\n");
	put("devices/sda/sda2/partition", "2\n");
	put("devices/sda/sda2/uevent", "MAJOR=8\nMINOR=2\nDEVNAME=sda2\n");
	snprintf(path, sizeof(path), "%s/dev/block/8:0", dir);
	assert_int_equal(symlink("../../devices/sda", path), 0);
	snprintf(path, sizeof(path), "%s/dev/block/8:2", dir);
	assert_int_equal(symlink("../../devices/sda/sda2", path), 0);

	snprintf(sys, sizeof(sys), "%s/dev/block", dir);
	assert_int_equal(wholedisk_find(sys, makedev(8, 2), &disk, name, sizeof(name)), 0);
	assert_true(disk == makedev(8, 0));
	assert_string_equal(name, "sda");
	assert_int_equal(wholedisk_find(sys, makedev(8, 0), &disk, name, sizeof(name)), 0);
	assert_true(disk == makedev(8, 0));
	assert_int_equal(wholedisk_find(sys, makedev(8, 5), &disk, name, sizeof(name)), -ENODEV);
	assert_int_equal(wholedisk_find(sys, makedev(8, 2), &disk, name, 3), -ENAMETOOLONG);
	/* A node that is not the device: refused. */
	assert_int_equal(wholedisk_open("/dev", "null", makedev(8, 0), O_RDONLY, &(int){ -1 }), -ENODEV);
	assert_int_equal(wholedisk_open("/dev", "../etc/passwd", makedev(8, 0), O_RDONLY, &(int){ -1 }), -EINVAL);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_way_locks_and_times_out),
		cmocka_unit_test(timer_restores_signal_state),
		cmocka_unit_test(child_way_lock_stays),
		cmocka_unit_test(proc_locks_lines),
		cmocka_unit_test(holders_of_our_lock),
		cmocka_unit_test(whole_disk_through_sysfs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
