/* AF_UNIX ancillary data: passing fds (SCM_RIGHTS), receiving them with the
 * sender's credentials (SCM_CREDENTIALS) and pidfd (SCM_PIDFD, 6.5), telling
 * what a received fd is (a memfd or not), counting the fd table, and closing
 * unwanted fds off the receive path (a close thread).
 *
 * Functions return 0 (or a value >= 0) or -errno and never print. */
#ifndef WISHBOX_UNIXSOCK_H
#define WISHBOX_UNIXSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The kernel's limit of fds in one SCM_RIGHTS message (SCM_MAX_FD). */
#define UNIXSOCK_MAX_FDS 253

/* What unixsock_recv() should make room for besides fds. */
#define UNIXSOCK_WANT_CRED (1u << 0)  /* SCM_CREDENTIALS (needs SO_PASSCRED) */
#define UNIXSOCK_WANT_PIDFD (1u << 1) /* SCM_PIDFD (needs SO_PASSPIDFD, 6.5) */

struct unixsock_anc {
	int fds[UNIXSOCK_MAX_FDS]; /* received fds, O_CLOEXEC; the caller owns them */
	size_t nfds;
	bool has_cred;
	struct ucred cred;
	int pidfd; /* SCM_PIDFD, or -1 */
	int flags; /* msg_flags: MSG_CTRUNC when the kernel dropped fds */
};

/* Sends len bytes (at least 1) with nfds fds (at most UNIXSOCK_MAX_FDS; 0 for
 * plain data) in one sendmsg(). Returns the bytes sent, or -errno (-EPERM:
 * the receiver refuses fds, SO_PASSRIGHTS=0, 6.16). */
ssize_t unixsock_send_fds(int sock, const void *buf, size_t len, const int *fds, size_t nfds);

/* One recvmsg() with a control buffer that holds exactly room_fds fds plus
 * what want asks for (no control buffer at all when both are 0): the kernel
 * drops what does not fit and sets MSG_CTRUNC in ret->flags. Fills ret
 * (pidfd -1 when none came) and returns the bytes read (0 at end of
 * stream), or -errno with nothing left open. */
ssize_t unixsock_recv(int sock, void *buf, size_t len, size_t room_fds, unsigned int want,
		      struct unixsock_anc *ret);
/* Closes every fd (and the pidfd) that ret holds. */
void unixsock_anc_close(struct unixsock_anc *a);

/* Whether fd is a memfd (memfd_create): a regular file with no name left,
 * on tmpfs or hugetlbfs, that answers F_GET_SEALS and whose link in
 * /proc/self/fd is "/memfd:NAME (deleted)". 1 yes, 0 no, -errno. */
int fd_is_memfd(int fd);

/* How many fds this process has open (/proc/self/fd, not counting the one
 * used to read it). */
int fd_count_open(size_t *ret_count);

/* A thread that closes the fds handed to it, in order, so that a close that
 * blocks (a lingering TCP socket, a slow FUSE release) holds up that thread
 * and not the caller. */
struct fd_closer;
int fd_closer_start(struct fd_closer **ret);
/* Hands fd over (always: if the queue cannot grow it is closed here). */
void fd_closer_push(struct fd_closer *c, int fd);
/* fds handed over and not closed yet. */
size_t fd_closer_pending(struct fd_closer *c);
/* Waits for every fd handed over to be closed, ends the thread, frees c.
 * NULL is fine. */
void fd_closer_stop(struct fd_closer *c);

#endif
