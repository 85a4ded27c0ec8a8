/* Signal masks and dispositions (see sig.h for why each exists). */
#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "sig.h"
#include "util.h"

static const int fatal_signals[] = {
	SIGHUP,  SIGINT,  SIGQUIT, SIGILL,  SIGABRT, SIGFPE,    SIGSEGV, SIGBUS,
	SIGTRAP, SIGSYS,  SIGPIPE, SIGALRM, SIGTERM, SIGUSR1,   SIGUSR2, SIGXCPU,
	SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR,  SIGSTKFLT, SIGTSTP, SIGTTIN,
	SIGTTOU,
};

void sig_fatal_set(sigset_t *ret)
{
	sigemptyset(ret);
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		sigaddset(ret, fatal_signals[i]);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(ret, s);
}

void sig_drop_ignored(sigset_t *set)
{
	for (int s = 1; s < NSIG; s++) {
		struct sigaction sa;

		if (sigismember(set, s) == 1 && sigaction(s, NULL, &sa) == 0 &&
		    sa.sa_handler == SIG_IGN)
			sigdelset(set, s);
	}
}

int sig_block(const sigset_t *set, sigset_t *ret_old)
{
	int r = pthread_sigmask(SIG_BLOCK, set, ret_old);

	return r ? -r : 0;
}

int sig_block_fatal(sigset_t *ret_old)
{
	sigset_t set;

	sig_fatal_set(&set);
	return sig_block(&set, ret_old);
}

int sig_restore(const sigset_t *old)
{
	int r = pthread_sigmask(SIG_SETMASK, old, NULL);

	return r ? -r : 0;
}

int sig_prepare_exec(const sigset_t *mask)
{
	sigset_t none;

	if (signal(SIGPIPE, SIG_DFL) == SIG_ERR)
		return -errno;
	if (!mask) {
		sigemptyset(&none);
		mask = &none;
	}
	return sig_restore(mask);
}

int sig_signalfd(const sigset_t *set)
{
	int r = sig_block(set, NULL), fd;

	if (r < 0)
		return r;
	fd = signalfd(-1, set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

int sig_read(int sfd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do
		n = read(sfd, &si, sizeof(si));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if ((size_t)n != sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}
