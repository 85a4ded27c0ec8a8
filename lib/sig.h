/* Signal masks and dispositions: block every signal that would end the
 * process for a window that must not be cut short, restore it, hand a
 * program we exec the signal state it expects, read signals from a file
 * descriptor. */
#ifndef WISHBOX_SIG_H
#define WISHBOX_SIG_H

#include <signal.h>

/* Every signal whose default action ends the process (or stops it: a
 * stopped process holds what it holds, too) and that can be blocked:
 * HUP INT QUIT ILL ABRT FPE SEGV BUS TRAP SYS PIPE ALRM TERM USR1 USR2 XCPU
 * XFSZ VTALRM PROF IO PWR STKFLT TSTP TTIN TTOU and every real-time signal.
 * (KILL and STOP cannot be blocked; SEGV and friends raised by a fault are
 * still delivered.) */
void sig_fatal_set(sigset_t *ret);

/* Takes out of set every signal that is ignored here (a caller that started
 * us with SIGHUP ignored, as nohup does, meant it). */
void sig_drop_ignored(sigset_t *set);

/* Blocks sig_fatal_set() in this thread; ret_old (may be NULL) gets the
 * mask to give back to sig_restore(). */
int sig_block_fatal(sigset_t *ret_old);
int sig_block(const sigset_t *set, sigset_t *ret_old);
int sig_restore(const sigset_t *old);

/* What a program started by us should inherit: SIGPIPE back to its default
 * (the dispatcher ignores it so that we see EPIPE), and the signal mask set
 * to mask (NULL: nothing blocked). Call it in the child, right before exec.
 * Handlers need no reset: exec resets caught signals itself. */
int sig_prepare_exec(const sigset_t *mask);

/* Blocks set and returns a signalfd for it (O_CLOEXEC | O_NONBLOCK), or
 * -errno. */
int sig_signalfd(const sigset_t *set);

/* Reads one pending signal from a signalfd: its number, 0 when none is
 * pending, or -errno. */
int sig_read(int sfd);

#endif
