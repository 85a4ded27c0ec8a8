/* flock() with a deadline. The kernel has none (a timeout for flock() is
 * still on the wish lists), so there are three ways to fake one, best
 * first: a child process that blocks in flock() on our open file
 * description, a repeating per-thread timer whose signal interrupts
 * flock(), and polling LOCK_NB with backoff.
 *
 * Every way first tries LOCK_NB. At the deadline one last LOCK_NB try
 * decides: a lock obtained at that instant (even by a child killed at the
 * deadline, which holds it for us) is kept, and the call returns 0. */
#ifndef WISHBOX_FLOCKWAIT_H
#define WISHBOX_FLOCKWAIT_H

#include "timeout.h"

/* Each takes op LOCK_SH or LOCK_EX and d (d->set false: no deadline).
 * Returns 0 once fd holds the lock, -ETIMEDOUT at the deadline, or the
 * -errno of flock() (-EBADF, -ENOLCK, ...) or of what the way needs. The
 * signal mask and dispositions the caller has are the same on return. */

/* A child blocks in flock() on the inherited fd (BSD locks belong to the
 * open file description: once the child has it, we do) and reports through
 * a pipe; the caller waits with ppoll() and kills the child at the deadline.
 * Immune to signal masks and dispositions; costs one fork. */
int flockwait_child(int fd, int op, const struct deadline *d);

/* A per-thread POSIX timer (SIGEV_THREAD_ID) sends SIGRTMIN at the deadline
 * and every millisecond after it, so a signal that lands before flock() is
 * entered cannot lose the wakeup; SIGRTMIN is unblocked only around
 * flock(). Not for a process whose other threads use SIGRTMIN. */
int flockwait_timer(int fd, int op, const struct deadline *d);
/* 0 when a per-thread CLOCK_MONOTONIC timer can be made here, else -errno. */
int flockwait_timer_supported(void);

/* LOCK_NB tries with a backoff from 1 ms to 50 ms: works everywhere, but
 * unfair (a waiter that blocks in the kernel is always served first). */
int flockwait_poll(int fd, int op, const struct deadline *d);

#endif
