/* AF_UNIX ancillary data, memfd classification, the fd table, a close
 * thread (see unixsock.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux-compat.h"
#include "unixsock.h"
#include "util.h"

ssize_t unixsock_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIXSOCK_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len == 0 || nfds > UNIXSOCK_MAX_FDS)
		return -EINVAL;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

void unixsock_anc_close(struct unixsock_anc *a)
{
	for (size_t i = 0; i < a->nfds; i++)
		a->fds[i] = safe_close(a->fds[i]);
	a->nfds = 0;
	a->pidfd = safe_close(a->pidfd);
}

/* Takes what one control message carries into a. */
static void take_cmsg(struct cmsghdr *c, struct unixsock_anc *a)
{
	size_t len = c->cmsg_len - CMSG_LEN(0);

	if (c->cmsg_level != SOL_SOCKET)
		return;
	if (c->cmsg_type == SCM_RIGHTS) {
		size_t n = len / sizeof(int);

		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (a->nfds < UNIXSOCK_MAX_FDS)
				a->fds[a->nfds++] = fd;
			else
				close(fd);
		}
	} else if (c->cmsg_type == SCM_CREDENTIALS && len >= sizeof(struct ucred)) {
		memcpy(&a->cred, CMSG_DATA(c), sizeof(struct ucred));
		a->has_cred = true;
	} else if (c->cmsg_type == SCM_PIDFD && len >= sizeof(int)) {
		int fd;

		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		a->pidfd = safe_close(a->pidfd);
		a->pidfd = fd;
	}
}

ssize_t unixsock_recv(int sock, void *buf, size_t len, size_t room_fds, unsigned int want,
		      struct unixsock_anc *ret)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIXSOCK_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred)) +
			 CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t clen = 0;
	ssize_t n;

	if (room_fds > UNIXSOCK_MAX_FDS)
		return -EINVAL;
	if (room_fds)
		clen += CMSG_SPACE(sizeof(int) * room_fds);
	if (want & UNIXSOCK_WANT_CRED)
		clen += CMSG_SPACE(sizeof(struct ucred));
	if (want & UNIXSOCK_WANT_PIDFD)
		clen += CMSG_SPACE(sizeof(int));
	if (clen) {
		memset(ctl.buf, 0, clen);
		msg.msg_control = ctl.buf;
		msg.msg_controllen = clen;
	}
	ret->nfds = 0;
	ret->has_cred = false;
	ret->pidfd = -1;
	ret->flags = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_controllen)
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			take_cmsg(c, ret);
	ret->flags = msg.msg_flags;
	return n;
}

int fd_is_memfd(int fd)
{
	static const char prefix[] = "/memfd:";
	char link[64], target[sizeof(prefix)];
	struct statfs sfs;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 0)
		return 0;
	if (sfs.f_type != TMPFS_MAGIC && sfs.f_type != HUGETLBFS_MAGIC)
		return 0;
	/* Files of shmem and hugetlbfs answer it; every other file EINVAL. */
	if (fcntl(fd, F_GET_SEALS) < 0)
		return errno == EINVAL ? 0 : -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target));
	if (n < 0)
		return -errno;
	return (size_t)n >= sizeof(prefix) - 1 && memcmp(target, prefix, sizeof(prefix) - 1) == 0;
}

int fd_count_open(size_t *ret_count)
{
	char buf[4096];
	size_t count = 0;
	_cleanup_close_ int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -errno;
	for (;;) {
		long n = syscall(SYS_getdents64, dfd, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);

			if (d->name[0] != '.')
				count++;
			off += d->reclen;
		}
	}
	*ret_count = count - 1; /* dfd itself */
	return 0;
}

struct fd_closer {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more;
	int *q;
	size_t head, len, cap; /* a ring of cap entries, len of them queued */
	size_t busy;           /* taken off the ring, being closed */
	bool stop;
};

static void *closer_main(void *arg)
{
	struct fd_closer *c = arg;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		int fd;

		while (c->len == 0 && !c->stop)
			pthread_cond_wait(&c->more, &c->lock);
		if (c->len == 0)
			break;
		fd = c->q[c->head];
		c->head = (c->head + 1) % c->cap;
		c->len--;
		c->busy++;
		pthread_mutex_unlock(&c->lock);
		close(fd);
		pthread_mutex_lock(&c->lock);
		c->busy--;
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

int fd_closer_start(struct fd_closer **ret)
{
	struct fd_closer *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->cap = 1024;
	c->q = malloc(c->cap * sizeof(int));
	if (!c->q) {
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->more, NULL);
	r = pthread_create(&c->thread, NULL, closer_main, c);
	if (r) {
		free(c->q);
		free(c);
		return -r;
	}
	*ret = c;
	return 0;
}

/* Doubles the ring, keeping the order. Called with the lock held. */
static int closer_grow(struct fd_closer *c)
{
	int *q = malloc(c->cap * 2 * sizeof(int));

	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < c->len; i++)
		q[i] = c->q[(c->head + i) % c->cap];
	free(c->q);
	c->q = q;
	c->head = 0;
	c->cap *= 2;
	return 0;
}

void fd_closer_push(struct fd_closer *c, int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->len == c->cap && closer_grow(c) < 0) {
		pthread_mutex_unlock(&c->lock);
		close(fd);
		return;
	}
	c->q[(c->head + c->len) % c->cap] = fd;
	c->len++;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
}

size_t fd_closer_pending(struct fd_closer *c)
{
	size_t n;

	pthread_mutex_lock(&c->lock);
	n = c->len + c->busy;
	pthread_mutex_unlock(&c->lock);
	return n;
}

void fd_closer_stop(struct fd_closer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->more);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->more);
	free(c->q);
	free(c);
}
