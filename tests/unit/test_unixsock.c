/* Unit tests for lib/unixsock: fds through a socketpair, a control buffer
 * too small (MSG_CTRUNC, nothing leaked), none at all, credentials, memfd
 * classification against look-alikes, the fd count, the close thread. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/unixsock.h"

static void pair(int type, int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), 0);
}

static size_t count(void)
{
	size_t n = 0;

	assert_int_equal(fd_count_open(&n), 0);
	return n;
}

static void fds_pass_and_count(void **state)
{
	int sv[2], p[2], fds[3];
	struct unixsock_anc a;
	char buf[8];
	size_t base;

	(void)state;
	pair(SOCK_SEQPACKET, sv);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fds[0] = p[0], fds[1] = p[1], fds[2] = p[0];
	base = count();
	assert_int_equal(unixsock_send_fds(sv[0], "abc", 3, fds, 3), 3);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), 3, 0, &a), 3);
	assert_int_equal(a.nfds, 3);
	assert_int_equal(a.flags & MSG_CTRUNC, 0);
	assert_int_equal(count(), base + 3);
	assert_true(fcntl(a.fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(a.fds[1], "x", 1), 1);
	assert_int_equal(read(p[0], buf, 1), 1);
	unixsock_anc_close(&a);
	assert_int_equal(count(), base);
	/* Plain data: no control message. */
	assert_int_equal(unixsock_send_fds(sv[0], "d", 1, NULL, 0), 1);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), 3, 0, &a), 1);
	assert_int_equal(a.nfds, 0);
	assert_int_equal(a.pidfd, -1);
	assert_int_equal(unixsock_send_fds(sv[0], "", 0, NULL, 0), -EINVAL);
	close(p[0]), close(p[1]), close(sv[0]), close(sv[1]);
}

static void ctrunc_small_and_none(void **state)
{
	int sv[2], fds[5];
	struct unixsock_anc a;
	char buf[8];
	size_t base;

	(void)state;
	pair(SOCK_DGRAM, sv);
	for (int i = 0; i < 5; i++)
		fds[i] = sv[0];
	base = count();
	assert_int_equal(unixsock_send_fds(sv[0], "x", 1, fds, 5), 1);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), 2, 0, &a), 1);
	assert_true(a.flags & MSG_CTRUNC);
	assert_int_equal(a.nfds, 2);
	unixsock_anc_close(&a);
	assert_int_equal(count(), base);
	assert_int_equal(unixsock_send_fds(sv[0], "y", 1, fds, 5), 1);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), 0, 0, &a), 1);
	assert_true(a.flags & MSG_CTRUNC);
	assert_int_equal(a.nfds, 0);
	assert_int_equal(count(), base);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), UNIXSOCK_MAX_FDS + 1, 0, &a), -EINVAL);
	close(sv[0]), close(sv[1]);
}

static void credentials(void **state)
{
	int sv[2], on = 1;
	struct unixsock_anc a;
	char buf[4];

	(void)state;
	pair(SOCK_DGRAM, sv);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	assert_int_equal(unixsock_send_fds(sv[0], "c", 1, NULL, 0), 1);
	assert_int_equal(unixsock_recv(sv[1], buf, sizeof(buf), 0, UNIXSOCK_WANT_CRED, &a), 1);
	assert_true(a.has_cred);
	assert_int_equal(a.cred.pid, getpid());
	assert_int_equal(a.cred.uid, getuid());
	assert_int_equal(a.cred.gid, getgid());
	close(sv[0]), close(sv[1]);
}

static void memfd_or_not(void **state)
{
	int m = memfd_create("t", MFD_CLOEXEC), ms = memfd_create("s", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int p[2], sv[2], null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int shm = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	char path[] = "/tmp/wishbox-unixsock-XXXXXX";
	int reg = mkstemp(path);

	(void)state;
	assert_true(m >= 0 && ms >= 0 && null >= 0 && reg >= 0);
	unlink(path);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pair(SOCK_STREAM, sv);
	assert_int_equal(fd_is_memfd(m), 1);
	assert_int_equal(fd_is_memfd(ms), 1);
	assert_int_equal(fd_is_memfd(p[0]), 0);
	assert_int_equal(fd_is_memfd(sv[0]), 0);
	assert_int_equal(fd_is_memfd(null), 0);
	assert_int_equal(fd_is_memfd(reg), 0);
	/* A tmpfs file with no name left looks like a memfd but for its name. */
	if (shm >= 0)
		assert_int_equal(fd_is_memfd(shm), 0);
	assert_int_equal(fd_is_memfd(9999), -EBADF);
	close(m), close(ms), close(p[0]), close(p[1]), close(sv[0]), close(sv[1]);
	close(null), close(reg);
	if (shm >= 0)
		close(shm);
}

static void closer_closes_in_order(void **state)
{
	struct fd_closer *c = NULL;
	size_t base = count();
	int p[2];

	(void)state;
	assert_int_equal(fd_closer_start(&c), 0);
	for (int i = 0; i < 3000; i++) {
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		fd_closer_push(c, p[0]);
		fd_closer_push(c, p[1]);
	}
	fd_closer_push(c, -1);
	fd_closer_stop(c);
	assert_int_equal(count(), base);
	fd_closer_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fds_pass_and_count),
		cmocka_unit_test(ctrunc_small_and_none),
		cmocka_unit_test(credentials),
		cmocka_unit_test(memfd_or_not),
		cmocka_unit_test(closer_closes_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
