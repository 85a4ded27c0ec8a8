/* flock() with a deadline, three ways (see flockwait.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "flockwait.h"
#include "util.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define NSEC 1000000000ULL

static int try_nb(int fd, int op)
{
	while (flock(fd, op | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return -EWOULDBLOCK;
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* The one non-blocking try at the deadline that decides. */
static int last_try(int fd, int op)
{
	int r = try_nb(fd, op);

	return r == -EWOULDBLOCK ? -ETIMEDOUT : r;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ret)
{
	ret->tv_sec = (time_t)(ns / NSEC);
	ret->tv_nsec = (long)(ns % NSEC);
}

/* Time left before d, for ppoll(); NULL without a deadline. */
static struct timespec *time_left(const struct deadline *d, struct timespec *buf)
{
	uint64_t now;

	if (!d->set)
		return NULL;
	now = monotonic_ns();
	ns_to_timespec(now >= d->end_ns ? 0 : d->end_ns - now, buf);
	return buf;
}

static void reap(pid_t pid)
{
	/* ECHILD: SIGCHLD is ignored and the kernel reaped it already. */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* ---- child ----------------------------------------------------------- */

static _Noreturn void child_lock(int fd, int op, int wfd, pid_t parent)
{
	int err = 0;

	/* Never outlive the waiter: an orphan blocked in flock() would take
	 * the lock for nobody. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	while (flock(fd, op) < 0) {
		if (errno != EINTR) {
			err = errno;
			break;
		}
	}
	(void)write_all(wfd, &err, sizeof(err));
	_exit(0);
}

int flockwait_child(int fd, int op, const struct deadline *d)
{
	_cleanup_close_ int rfd = -1;
	pid_t parent = getpid(), pid;
	int p[2], r, err = 0;
	ssize_t got;

	r = try_nb(fd, op);
	if (r != -EWOULDBLOCK)
		return r;
	if (deadline_passed(d))
		return last_try(fd, op);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	rfd = p[0];
	pid = fork();
	if (pid < 0) {
		r = -errno;
		safe_close(p[1]);
		return r;
	}
	if (pid == 0)
		child_lock(fd, op, p[1], parent);
	safe_close(p[1]);

	for (;;) {
		struct pollfd pfd = { .fd = rfd, .events = POLLIN };
		struct timespec ts;
		int k = ppoll(&pfd, 1, time_left(d, &ts), NULL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			kill(pid, SIGKILL);
			reap(pid);
			return r;
		}
		if (k == 0) {
			/* The deadline. Whatever the child did before it
			 * died, the last try below tells. */
			kill(pid, SIGKILL);
			reap(pid);
			return last_try(fd, op);
		}
		break;
	}
	/* One small write to a pipe arrives whole, or not at all. */
	do
		got = read(rfd, &err, sizeof(err));
	while (got < 0 && errno == EINTR);
	reap(pid);
	if (got < 0)
		return -errno;
	if (got != (ssize_t)sizeof(err)) /* died without a word (killed by someone) */
		return d->set ? last_try(fd, op) : -ECHILD;
	return -err;
}

/* ---- timer ----------------------------------------------------------- */

static void on_tick(int sig)
{
	(void)sig;
}

static int make_timer(int sig, timer_t *ret)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = sig,
	};

	sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
	return timer_create(CLOCK_MONOTONIC, &sev, ret) < 0 ? -errno : 0;
}

int flockwait_timer_supported(void)
{
	timer_t t;
	int r = make_timer(SIGRTMIN, &t);

	if (r == 0)
		timer_delete(t);
	return r;
}

/* Blocks in flock() with only sig let through; loops on EINTR until the
 * lock, an error, or the deadline. */
static int timer_loop(int fd, int op, const struct deadline *d, const sigset_t *during,
		      const sigset_t *one)
{
	for (;;) {
		int k, e;

		pthread_sigmask(SIG_SETMASK, during, NULL);
		k = flock(fd, op);
		e = errno;
		pthread_sigmask(SIG_BLOCK, one, NULL);
		if (k == 0)
			return 0;
		if (e != EINTR)
			return -e;
		if (deadline_passed(d))
			return last_try(fd, op);
	}
}

int flockwait_timer(int fd, int op, const struct deadline *d)
{
	const int sig = SIGRTMIN;
	struct sigaction sa = { .sa_handler = on_tick }, old_sa;
	struct itimerspec its = { .it_interval = { 0, 1000000 } };
	struct timespec zero = { 0, 0 };
	sigset_t one, old, during;
	timer_t t;
	int r;

	r = try_nb(fd, op);
	if (r != -EWOULDBLOCK)
		return r;
	if (!d->set) {
		while (flock(fd, op) < 0)
			if (errno != EINTR)
				return -errno;
		return 0;
	}
	if (deadline_passed(d))
		return last_try(fd, op);

	/* Our signal, blocked except inside flock(); a handler without
	 * SA_RESTART so that flock() returns EINTR. */
	sigemptyset(&one);
	sigaddset(&one, sig);
	r = pthread_sigmask(SIG_BLOCK, &one, &old);
	if (r)
		return -r;
	during = old;
	sigdelset(&during, sig);
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, &old_sa) < 0) {
		r = -errno;
		goto mask;
	}
	r = make_timer(sig, &t);
	if (r < 0)
		goto action;
	/* Fires at the deadline and every millisecond after it. */
	ns_to_timespec(d->end_ns, &its.it_value);
	if (timer_settime(t, TIMER_ABSTIME, &its, NULL) < 0)
		r = -errno;
	else
		r = timer_loop(fd, op, d, &during, &one);
	timer_delete(t);
	/* A tick still pending must not reach the old disposition. */
	while (sigtimedwait(&one, NULL, &zero) > 0)
		;
action:
	sigaction(sig, &old_sa, NULL);
mask:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/* ---- poll ------------------------------------------------------------ */

int flockwait_poll(int fd, int op, const struct deadline *d)
{
	uint64_t backoff = 1000000; /* 1 ms, doubling up to 50 ms */

	for (;;) {
		struct timespec ts;
		uint64_t nap = backoff, now;
		int r = try_nb(fd, op);

		if (r != -EWOULDBLOCK)
			return r;
		now = monotonic_ns();
		if (d->set) {
			if (now >= d->end_ns)
				return last_try(fd, op);
			if (d->end_ns - now < nap)
				nap = d->end_ns - now;
		}
		ns_to_timespec(nap, &ts);
		while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
			;
		backoff = backoff * 2 > 50000000 ? 50000000 : backoff * 2;
	}
}
