/* pidwait: wait until any processes (not only children) have exited,
 * race-free, and say how each one ended. Wish-list item: "notifications when
 * non-child processes die, in an efficient way focussing on explicit PIDs";
 * process handles that can be waited on; pidfd exit info. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/caps.h"
#include "../lib/exitcodes.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pidfile.h"
#include "../lib/pidref.h"
#include "../lib/proc_connector.h"
#include "../lib/sig.h"
#include "../lib/timefmt.h"
#include "../lib/timeout.h"
#include "../lib/util.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" pidwait [options] PID[:INODE]...\n"
	" pidwait [options] --pidfd FD... --pidfile FILE...\n"
	" pidwait --identify PID...\n"
	"\n"
	"Wait until the given processes have exited (any process, not only\n"
	"children), race-free, and report how each one ended.\n"
	"\n"
	"Options:\n"
	" -a, --any                 return after the first exit\n"
	" -c, --count N             return after N exits (default: all)\n"
	" -t, --timeout DURATION    give up after DURATION (1.5, 500ms, 2m): exit 3\n"
	"     --exit-status         exit with the process's own status (one process)\n"
	" -e, --exited              a process already gone is not an error\n"
	" -F, --pidfile FILE        wait for the process named in FILE\n"
	"     --pidfd FD            wait for the process of the inherited pidfd FD\n"
	"     --identify            print PID:INODE for each PID and exit\n"
	" -J, --json                one JSON object per exit (JSON Lines)\n"
	" -P, --pairs               one KEY=\"value\" line per exit\n"
	" -q, --quiet               print nothing\n"
	"     --method NAME         auto, pidfd-info, pidfd-netlink, pidfd, netlink\n"
	"                           or procfs\n"
	" -v, --verbose             say which method is used and why\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"See pidwait(1).\n";

enum { OPT_EXIT_STATUS = 256, OPT_PIDFD, OPT_IDENTIFY, OPT_METHOD };

static const struct option longopts[] = {
	{ "any", no_argument, NULL, 'a' },
	{ "count", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, 't' },
	{ "exit-status", no_argument, NULL, OPT_EXIT_STATUS },
	{ "exited", no_argument, NULL, 'e' },
	{ "pidfile", required_argument, NULL, 'F' },
	{ "pidfd", required_argument, NULL, OPT_PIDFD },
	{ "identify", no_argument, NULL, OPT_IDENTIFY },
	{ "json", no_argument, NULL, 'J' },
	{ "pairs", no_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* A parent that has not reaped its exited child after this long: take the
 * status from /proc/PID/stat instead of waiting for the reap. */
#define ZOMBIE_GRACE_NS (100 * NSEC_PER_MSEC)
/* procfs polling: from 1 ms after a change, growing to 100 ms. */
#define POLL_MIN_NS (1 * NSEC_PER_MSEC)
#define POLL_MAX_NS (100 * NSEC_PER_MSEC)
/* netlink: re-checks of a process whose exit event came, from 50 us. */
#define RECHECK_MIN_NS 50000ULL
/* The kernel sends a thread's exit event right after it made the process a
 * zombie (exit_notify, then proc_exit_connector): how long to wait for the
 * event of a process already seen ended. */
#define SETTLE_NS (100 * NSEC_PER_MSEC)
/* The epoll ids of the netlink socket and the signalfd, next to pidfds'
 * target indices. */
#define EP_NL_SOCKET UINT64_MAX
#define EP_NL_SIGNAL (UINT64_MAX - 1)
/* netlink: the receive buffer, sized to the wait set: every process may
 * end at once (a kill of a whole group), and each exit event costs the
 * queue about 1 KiB of kernel memory (the skb around ~100 bytes of data);
 * four times that per process, for its threads and the rest of the system's
 * exits meanwhile. */
#define NETLINK_RCVBUF (1 << 20)
#define NETLINK_RCVBUF_PER_PROCESS 4096

enum target_kind { FROM_ARG, FROM_PIDFD, FROM_PIDFILE };

/* A process as the command line names it. */
struct target_spec {
	enum target_kind kind;
	const char *src;     /* the argument, or the pidfile's path */
	int given_fd;        /* FROM_PIDFD */
	pid_t pid;           /* parsed (a pidfile's: read by parse_args); 0 for a pidfd */
	uint64_t want_inode; /* from PID:INODE, 0 when not given */
};

struct pidwait_opts {
	struct target_spec *spec; /* one per PID, --pidfd and --pidfile */
	size_t n;
	size_t count; /* --count N; 0: every process (one with --any) */
	bool any;
	bool timeout_set;
	uint64_t timeout_ns;
	bool exit_status;
	bool exited_ok;
	bool identify;
	bool quiet;
	enum out_mode mode;
	const char *method; /* NULL: auto */
};

/* A process while it is waited for. */
struct target {
	const struct target_spec *spec;
	struct pidref ref;
	bool done;
	bool gone;      /* already gone at start (--exited) */
	bool our_child; /* we can reap it */
	bool leader_exited; /* seen with its main thread gone, others running */
	/* netlink and pidfd-netlink */
	bool nl_leader_exited;
	bool nl_status_known;
	int nl_wstatus;
	/* pidfd-netlink: seen unreaped after the first read of the queue, so
	 * a later fork event of a new process with its PID ends its record
	 * (nl_frozen); nl_tainted: events were lost since (that fork too?) */
	bool nl_frozen;
	bool nl_tainted;
	bool nl_leader_early; /* the main thread's event came while the rest ran */
	bool nl_after_leader; /* another thread's event came after the main one's */
	bool pn_exited;       /* pidfd-netlink: its pidfd said it has exited */
	uint64_t settle_until; /* netlink: how long to wait for the final event */
	/* its timer: the pidfd-info zombie grace, netlink re-checks */
	bool timer_armed;
	uint64_t next_ns;
	uint64_t backoff_ns;
};

struct pidwait {
	struct pidwait_opts o;
	struct out out;
	struct target *t; /* one per o.spec */
	size_t need;      /* exits to wait for */
	size_t distinct;  /* processes, each counted once */
	size_t reported;
	struct exit_status last;
	const char *method; /* the running method's name */
	struct deadline deadline;
	uint64_t t0;
	bool reader_gone; /* stdout's reader went away: go on quietly */
	/* Records go to memory and out to stdout once per wake-up (one write
	 * for a batch of exits, not one per exit); NULL: straight to stdout. */
	FILE *batch;
	char *batch_buf;
	size_t batch_len;
	int ep;           /* the epoll set, -1 */
	size_t *timers;   /* indices of the targets whose timer is armed */
	size_t n_timers;
	struct {
		int fd; /* the proc connector socket, -1 */
		uint32_t cookie;
		int sfd; /* signalfd of the fatal signals, -1 */
		sigset_t sigs;
		int caught;      /* the fatal signal that came, 0 */
		uint64_t *index; /* pairs (pid, target index), sorted by pid */
		size_t n_index;
		bool lost;       /* ENOBUFS: events were dropped, not yet handled */
		bool with_pidfds; /* pidfd-netlink: fork events too, no timers */
	} nl;
};

static int probe_pidfd_info(const void *ctx, char *why, size_t len);
static int probe_pidfd_netlink(const void *ctx, char *why, size_t len);
static int probe_pidfd(const void *ctx, char *why, size_t len);
static int probe_netlink(const void *ctx, char *why, size_t len);
static int probe_procfs(const void *ctx, char *why, size_t len);
static int run_pidfd_info(void *ctx, const struct method *m);
static int run_pidfd_netlink(void *ctx, const struct method *m);
static int run_pidfd(void *ctx, const struct method *m);
static int run_netlink(void *ctx, const struct method *m);
static int run_procfs(void *ctx, const struct method *m);
static int nl_receive(struct pidwait *pw);
static void pn_forget(struct pidwait *pw);
static int pn_exited(struct pidwait *pw, struct target *t);
static int pn_settle_due(struct pidwait *pw);

static const struct method methods[] = {
	{ "pidfd-info", "pidfd + epoll, exit status of any process from PIDFD_INFO_EXIT (6.15+)",
	  probe_pidfd_info, run_pidfd_info },
	{ "pidfd-netlink",
	  "pidfd + epoll, exit status of any process from the proc connector, matched to the pidfd (5.3+, init PID namespace)",
	  probe_pidfd_netlink, run_pidfd_netlink },
	{ "pidfd", "pidfd + epoll (5.3+), exit status of own children only", probe_pidfd,
	  run_pidfd },
	{ "netlink", "proc connector exit events, exit status of any process (init PID namespace)",
	  probe_netlink, run_netlink },
	{ "procfs", "polling /proc/PID/stat with start-time checks", probe_procfs, run_procfs },
};
const struct method_set pidwait_methods = METHOD_SET(methods);

/* --- small helpers: 0 or -errno, no printing --- */

/* The process as messages and human output name it: its PID, or "pidfd FD"
 * for a --pidfd process reaped before we looked. */
static const char *describe(const struct target *t, char *buf, size_t len)
{
	pid_t pid = t->ref.pid ? t->ref.pid : t->spec->pid;

	if (t->spec->kind == FROM_PIDFD && pid <= 0)
		snprintf(buf, len, "pidfd %d", t->spec->given_fd);
	else
		snprintf(buf, len, "%d", (int)pid);
	return buf;
}

/* Where a message about t comes from, as the user wrote it. */
static const char *origin(const struct target *t, char *buf, size_t len)
{
	if (t->spec->kind == FROM_PIDFD)
		snprintf(buf, len, "--pidfd %d", t->spec->given_fd);
	else
		snprintf(buf, len, "%s", t->spec->src); /* the argument, or the pidfile */
	return buf;
}

/* pidwait never waits for itself (-ELOOP) nor for its parent or any
 * ancestor (-EDEADLK), which may be waiting for pidwait: that would never
 * end. */
static int refuse_self(pid_t pid)
{
	if (pid == getpid())
		return -ELOOP;
	if (pid_is_our_ancestor(pid) == 1)
		return -EDEADLK;
	return 0;
}

/* Opens a handle for a PID. PID:INODE needs pidfs (-EOPNOTSUPP) and must
 * still name the same process (-ESTALE). Without a pidfd (before 5.3) the
 * PID alone, where the caller can do without one. */
static int resolve_pid(struct target *t, bool need_pidfd)
{
	const struct target_spec *s = t->spec;
	int r = pidref_open_pid(&t->ref, s->pid);

	if (r == -ENOSYS && !need_pidfd && !s->want_inode) {
		t->ref.pid = s->pid;
		t->ref.fd = -1;
	} else if (r == -ENOSYS) {
		return s->want_inode ? -EOPNOTSUPP : r;
	} else if (r < 0) {
		return r;
	}
	if (s->want_inode && !t->ref.inode)
		return -EOPNOTSUPP;
	if (s->want_inode && t->ref.inode != s->want_inode)
		return -ESTALE;
	return 0;
}

/* Turns a target into a handle, once. need_pidfd: keep the pidfd (the
 * pidfd methods); need_start: record the start time (netlink, procfs).
 * -ESRCH gone; -ESTALE PID:INODE names a process that is gone (the PID was
 * reused); -EOPNOTSUPP PID:INODE without pidfs; -ELOOP ourselves; -EDEADLK
 * our parent; -ENOTTY/-EBADF not a pidfd; -ENOENT a thread's ID. */
static int resolve(struct target *t, bool need_pidfd, bool need_start)
{
	int r;

	if (t->spec->kind == FROM_PIDFD) {
		r = pidref_open_fd(&t->ref, t->spec->given_fd);
		if (r < 0)
			return r;
		if (t->ref.elsewhere) {
			/* Alive outside our PID namespace: no PID nor /proc
			 * entry here, only the pidfd tells when it ends. */
			return 0;
		}
		if (t->ref.pid <= 0) {
			/* Reaped already: a handle is never a stale one, so this
			 * is an exit to report, not an error. Only pidfd-info can
			 * tell more. */
			if (!need_pidfd) {
				pidref_close(&t->ref);
				t->gone = true;
			}
			return 0;
		}
	} else {
		r = resolve_pid(t, need_pidfd);
		if (r < 0)
			return r;
	}
	r = refuse_self(t->ref.pid);
	if (r < 0)
		return r;
	if (need_start) {
		r = pidref_read_start(&t->ref);
		if (r < 0)
			return r;
	}
	if (!need_pidfd && t->ref.fd >= 0)
		pidref_close(&t->ref); /* the start time is the handle now */
	t->our_child = t->ref.pid > 0 && pid_is_our_child(t->ref.pid) == 1;
	return 0;
}

/* Marks duplicates (the same process named twice) as done, so each process
 * is waited for and reported once. Returns the number of distinct ones. */
static int dedupe(struct pidwait *pw, size_t *ret_distinct)
{
	size_t n = pw->o.n;
	uint64_t *keys = calloc(n ? n : 1, 2 * sizeof(uint64_t));
	size_t m = 0, distinct = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &pw->t[i];

		if (t->gone || t->done) {
			distinct++;
			continue;
		}
		/* The inode when pidfs gives one, else the PID (with the top bit
		 * so the two kinds never meet). */
		keys[2 * m] = t->ref.inode ? t->ref.inode : (uint64_t)t->ref.pid | (1ULL << 63);
		keys[2 * m + 1] = i;
		m++;
	}
	qsort(keys, m, 2 * sizeof(uint64_t), cmp_u64);
	for (size_t j = 0; j < m; j++) {
		if (j > 0 && keys[2 * j] == keys[2 * j - 2]) {
			struct target *t = &pw->t[keys[2 * j + 1]];

			pidref_close(&t->ref);
			t->done = true;
			continue;
		}
		distinct++;
	}
	free(keys);
	*ret_distinct = distinct;
	return 0;
}

/* Enough open files for n pidfds, as far as the hard limit allows. */
static void raise_nofile(size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= n + 64)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > n + 64 ? n + 64 : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Whether a pidfd polls readable: its process has exited (a zombie, or
 * reaped). */
static bool pidfd_readable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP));
}

/* Sets t's timer to when (monotonic ns), keeping it in the timer list. */
static void arm_timer(struct pidwait *pw, struct target *t, uint64_t when)
{
	t->next_ns = when;
	if (t->timer_armed)
		return;
	t->timer_armed = true;
	pw->timers[pw->n_timers++] = (size_t)(t - pw->t);
}

/* Arms every timer of a process still waited for, due now; returns how many. */
static size_t arm_all_now(struct pidwait *pw)
{
	size_t armed = 0;

	for (size_t i = 0; i < pw->o.n; i++)
		if (!pw->t[i].done) {
			arm_timer(pw, &pw->t[i], 0);
			armed++;
		}
	return armed;
}

/* The earliest timer, 0 when none; drops finished targets from the list. */
static uint64_t next_timer(struct pidwait *pw)
{
	uint64_t next = 0;
	size_t k = 0;

	for (size_t j = 0; j < pw->n_timers; j++) {
		struct target *t = &pw->t[pw->timers[j]];

		if (t->done || !t->timer_armed) {
			t->timer_armed = false;
			continue;
		}
		pw->timers[k++] = pw->timers[j];
		if (!next || t->next_ns < next)
			next = t->next_ns;
	}
	pw->n_timers = k;
	return next;
}

/* epoll_wait until the deadline or the next timer, with nanosecond timers
 * where the kernel has epoll_pwait2 (5.11). 0 on EINTR. */
static int wait_epoll(int ep, struct epoll_event *evs, int max, const struct deadline *d,
		      uint64_t next_ns)
{
	uint64_t now = monotonic_ns(), end = UINT64_MAX, left;
	struct timespec ts, *tsp = NULL;
	int n, ms = -1;

	if (d->set)
		end = d->end_ns;
	if (next_ns && next_ns < end)
		end = next_ns;
	if (end != UINT64_MAX) {
		uint64_t left_ms;

		left = end > now ? end - now : 0;
		ts.tv_sec = (time_t)(left / NSEC_PER_SEC);
		ts.tv_nsec = (long)(left % NSEC_PER_SEC);
		tsp = &ts;
		left_ms = (left + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
		ms = left_ms > INT_MAX ? INT_MAX : (int)left_ms;
	}
	n = epoll_pwait2(ep, evs, max, tsp, NULL);
	if (n < 0 && errno == ENOSYS)
		n = epoll_wait(ep, evs, max, ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

/* Can /proc tell a process's start time here? Ours is the test. */
static int proc_start_readable(void)
{
	struct pidref self = PIDREF_NULL;

	self.pid = getpid();
	return pidref_read_start(&self);
}

/* A proc connector cookie others are unlikely to use (they mostly send 0). */
static uint32_t nl_cookie(void)
{
	return ((uint32_t)getpid() << 12) ^ (uint32_t)monotonic_ns() ^ 0x5a5a0000U;
}

/* Subscribes fd to the proc connector under cookie and waits up to
 * timeout_ms for the kernel's answer. */
static int nl_listen(int fd, uint32_t cookie, int timeout_ms)
{
	int r = pcn_listen(fd, cookie);

	return r < 0 ? r : pcn_wait_ack(fd, cookie, timeout_ms);
}

/* Tells the kernel we stop listening (so it stops counting us) and closes
 * the socket; returns -1 for `fd = nl_close(fd, cookie)`. */
static int nl_close(int fd, uint32_t cookie)
{
	if (fd >= 0)
		(void)pcn_ignore(fd, cookie);
	return safe_close(fd);
}

/* The fatal signals whose default action we take over while listening:
 * those that end the process (stop signals stop it as ever), except the
 * ones we were started with ignored. */
static void nl_signal_set(sigset_t *ret)
{
	sig_fatal_set(ret);
	sigdelset(ret, SIGTSTP);
	sigdelset(ret, SIGTTIN);
	sigdelset(ret, SIGTTOU);
	sig_drop_ignored(ret);
}

/* Writes the records kept since the last call to stdout. 0, or -errno of
 * a write error (said; a reader that went away is none: the rest of the
 * run is quiet). */
static int flush_out(struct pidwait *pw)
{
	int r = 0;

	if (!pw->batch || fflush(pw->batch) != 0 || pw->batch_len == 0)
		return 0;
	if (!pw->reader_gone) {
		errno = 0;
		if (fwrite(pw->batch_buf, 1, pw->batch_len, stdout) != pw->batch_len ||
		    fflush(stdout) != 0 || ferror(stdout))
			r = errno ? -errno : -EIO;
		if (r == -EPIPE) {
			clearerr(stdout);
			pw->reader_gone = true;
			r = 0;
		} else if (r < 0) {
			cli_write_failed(r);
		}
	}
	rewind(pw->batch);
	return r;
}

static bool finished(const struct pidwait *pw)
{
	return pw->reported >= pw->need;
}

/* --- output and the outcome (these print) --- */

/* The exit record's fields: how it ended, by which method, when. */
static void report_fields(struct pidwait *pw, const struct target *t,
			  const struct exit_status *st, const char *sname)
{
	struct timespec now;
	char stamp[40];

	if (t->ref.pid > 0)
		out_int(&pw->out, "pid", t->ref.pid);
	else if (t->spec->pid > 0)
		out_int(&pw->out, "pid", t->spec->pid);
	else
		out_null(&pw->out, "pid");
	if (t->ref.inode)
		out_uint(&pw->out, "inode", t->ref.inode);
	else
		out_null(&pw->out, "inode");
	if (st->known) {
		out_bool(&pw->out, "exited", st->exited);
		if (st->exited)
			out_int(&pw->out, "exit_code", st->code);
		else
			out_null(&pw->out, "exit_code");
		out_str(&pw->out, "signal", sname);
		out_bool(&pw->out, "coredump", !st->exited && st->coredump);
	} else {
		out_null(&pw->out, "exited");
		out_null(&pw->out, "exit_code");
		out_null(&pw->out, "signal");
		out_null(&pw->out, "coredump");
	}
	out_bool(&pw->out, "status_known", st->known);
	out_str(&pw->out, "method", pw->method);
	clock_gettime(CLOCK_REALTIME, &now);
	out_str(&pw->out, "time",
		timefmt_iso8601_us(&now, stamp, sizeof(stamp)) == 0 ? stamp : NULL);
	out_uint(&pw->out, "elapsed_ms", (monotonic_ns() - pw->t0) / NSEC_PER_MSEC);
}

/* One exit event. 0, or -errno of a write error (a reader that went away is
 * not one: the rest of the run is quiet). */
static int report(struct pidwait *pw, struct target *t, const struct exit_status *st)
{
	char buf[64], sig[32];
	const char *sname = NULL;
	int r;

	t->done = true;
	/* Out of the epoll set first: a --pidfd's file stays open through the
	 * inherited descriptor, so closing ours would not remove it. A pidfd
	 * of our own leaves the set when it is closed (one syscall less per
	 * exit). */
	if (pw->ep >= 0 && t->ref.fd >= 0 && t->spec->kind == FROM_PIDFD)
		(void)epoll_ctl(pw->ep, EPOLL_CTL_DEL, t->ref.fd, NULL);
	pidref_close(&t->ref);
	pw->reported++;
	pw->last = *st;
	if (st->known && !st->exited) {
		sname = signal_name(st->signal, sig, sizeof(sig));
		if (!sname) {
			snprintf(sig, sizeof(sig), "%d", st->signal);
			sname = sig;
		}
	}
	describe(t, buf, sizeof(buf));
	if (msg_verbose() && !st->known)
		msg_info("%s: the exit status is unknown to method %s", buf, pw->method);
	if (pw->o.quiet || pw->reader_gone)
		return 0;
	out_begin(&pw->out);
	report_fields(pw, t, st, sname);
	if (!st->known)
		out_human(&pw->out, "%s exited (status unknown)\n", buf);
	else if (st->exited)
		out_human(&pw->out, "%s exited with code %d\n", buf, st->code);
	else
		out_human(&pw->out, "%s killed by signal %s%s\n", buf, sname,
			  st->coredump ? " (core dumped)" : "");
	r = out_end(&pw->out);
	if (r == -EPIPE) {
		/* Nobody reads any more: go on waiting quietly, so the exit
		 * status still means what it says. */
		clearerr(stdout);
		pw->reader_gone = true;
		return 0;
	}
	if (r < 0)
		cli_write_failed(r);
	return r;
}

static int finish(struct pidwait *pw)
{
	char buf[64];

	if (!pw->o.exit_status)
		return EXIT_OK;
	if (pw->last.known)
		return exit_status_shell(&pw->last);
	msg_err("%s has exited, but its exit status is unknown to method %s",
		describe(&pw->t[0], buf, sizeof(buf)), pw->method);
	return EXIT_RUNTIME;
}

static int timed_out(const struct pidwait *pw)
{
	msg_info("timed out: %zu of %zu exits seen", pw->reported, pw->need);
	return EXIT_TIMEOUT;
}

/* pidwait itself, its parent or an ancestor (pid) named as what: says no;
 * EXIT_USAGE. */
static int say_refused(const char *what, int err, pid_t pid)
{
	if (err == -ELOOP)
		msg_err("%s: refusing to wait for pidwait itself", what);
	else if (pid == getppid())
		msg_err("%s: refusing to wait for pidwait's own parent (it may be waiting for pidwait)",
			what);
	else
		msg_err("%s: refusing to wait for an ancestor of pidwait (it may be waiting for pidwait)",
			what);
	return EXIT_USAGE;
}

/* Says why t's handle could not be opened (err from resolve()); returns the
 * exit code. */
static int say_open_error(const struct pidwait *pw, const struct target *t, int err)
{
	char buf[PATH_MAX + 32], lab[64];

	origin(t, buf, sizeof(buf));
	describe(t, lab, sizeof(lab));
	switch (err) {
	case -ESRCH:
		if (t->spec->kind == FROM_PIDFILE)
			msg_err("%s: process %s: no such process", buf, lab);
		else if (t->spec->kind == FROM_PIDFD)
			msg_err("%s: the process has already been reaped", buf);
		else
			msg_err("%s: no such process", buf);
		return EXIT_RUNTIME;
	case -ESTALE:
		if (t->ref.inode)
			msg_err("%s: that process is gone: PID %d now belongs to another process (inode %llu)",
				buf, (int)t->ref.pid, (unsigned long long)t->ref.inode);
		else
			msg_err("%s: that process is gone", buf);
		return EXIT_RUNTIME;
	case -EOPNOTSUPP:
		msg_err("%s: PID:INODE needs pidfs (Linux 6.9+): pidfd inodes are not unique here",
			buf);
		return EXIT_UNSUPPORTED;
	case -ELOOP:
	case -EDEADLK: return say_refused(buf, err, t->ref.pid);
	case -ENOTTY: msg_err("%s: not a pidfd", buf); return EXIT_RUNTIME;
	case -ENOENT:
		if (t->spec->kind == FROM_PIDFD) {
			msg_err("%s: a thread's pidfd (PIDFD_THREAD), not a process's", buf);
			return EXIT_RUNTIME;
		}
		/* pidfd_open refuses a thread that is not its process's main
		 * thread (EINVAL before 6.9, ENOENT after). */
		msg_err("%s: a thread ID, not a process ID (the process is its Tgid in /proc/%d/status)",
			buf, (int)t->spec->pid);
		return EXIT_RUNTIME;
	case -EMFILE:
	case -ENFILE:
		msg_errno(err, "%s: cannot open a pidfd for each of %zu processes (ulimit -n)", buf,
			  pw->o.n);
		return EXIT_RUNTIME;
	default: msg_errno(err, "%s", buf); return EXIT_RUNTIME;
	}
}

/* Opens every target's handle before any waiting: a bad one stops the run
 * before anything is reported. Then reports the ones already gone (with
 * --exited). Returns EXIT_OK or the exit code of the error. */
static int open_targets(struct pidwait *pw, bool need_pidfd, bool need_start)
{
	static const struct exit_status unknown = { .known = false };
	char buf[PATH_MAX + 32];
	size_t distinct;
	int r;

	raise_nofile(pw->o.n);
	for (size_t i = 0; i < pw->o.n; i++) {
		struct target *t = &pw->t[i];

		r = resolve(t, need_pidfd, need_start);
		if (r == 0)
			continue;
		if ((r == -ESRCH || r == -ESTALE) && pw->o.exited_ok) {
			/* Reported as asked for: not under the identity of a
			 * process that took the PID since. */
			pidref_close(&t->ref);
			t->ref = (struct pidref)PIDREF_NULL;
			t->ref.pid = t->spec->pid;
			t->ref.inode = t->spec->want_inode;
			t->gone = true;
			continue;
		}
		return say_open_error(pw, t, r);
	}
	if (dedupe(pw, &distinct) < 0) {
		msg_errno(-ENOMEM, "cannot keep %zu processes", pw->o.n);
		return EXIT_RUNTIME;
	}
	if (!pw->o.count && !pw->o.any)
		pw->need = distinct;
	if (pw->need > distinct)
		return msg_usage("--count %zu is more than the %zu distinct processes given", pw->need,
				 distinct);
	for (size_t i = 0; i < pw->o.n && !finished(pw); i++) {
		struct target *t = &pw->t[i];

		if (!t->gone || t->done)
			continue;
		msg_info("%s: already gone", origin(t, buf, sizeof(buf)));
		if (report(pw, t, &unknown) < 0)
			return EXIT_RUNTIME;
	}
	pw->distinct = distinct;
	return EXIT_OK;
}

/* Said once everything is in place: from here on, no exit is missed. */
static void say_waiting(const struct pidwait *pw)
{
	msg_info("waiting for %zu of %zu processes to exit", pw->need - pw->reported, pw->distinct);
}

/* --- probes --- */

static int probe_pidfd_info(const void *ctx, char *why, size_t len)
{
	int r = pidfd_exit_info_supported();

	(void)ctx;
	switch (r) {
	case 0:
		snprintf(why, len, "PIDFD_GET_INFO with PIDFD_INFO_EXIT works: the exit status of any process");
		return 0;
	case -ENOSYS: snprintf(why, len, "pidfd_open: not in this kernel (5.3+)"); break;
	case -ENOTTY: snprintf(why, len, "PIDFD_GET_INFO: not in this kernel (6.13+)"); break;
	case -EOPNOTSUPP: snprintf(why, len, "PIDFD_INFO_EXIT: not in this kernel (6.15+)"); break;
	default: snprintf(why, len, "PIDFD_GET_INFO: %s", strerror(-r)); break;
	}
	return r < 0 ? r : -EOPNOTSUPP;
}

/* With --exit-status, the PID of the one process when it is not our child
 * (its status would be unknown to the pidfd method), else 0. */
static pid_t exit_status_of_non_child(const struct pidwait *pw)
{
	const struct pidwait_opts *o = &pw->o;
	pid_t pid;

	if (!o->exit_status || o->n != 1 || (o->method && !streq(o->method, "auto")))
		return 0;
	pid = o->spec[0].pid;
	if (o->spec[0].kind == FROM_PIDFD && pidfd_get_pid(o->spec[0].given_fd, &pid) < 0)
		pid = 0;
	return pid > 0 && pid_is_our_child(pid) != 1 ? pid : 0;
}

static int probe_pidfd(const void *ctx, char *why, size_t len)
{
	const struct pidwait *pw = ctx;
	_cleanup_close_ int fd = pidfd_open_raw(getpid(), 0);
	pid_t pid;

	if (fd < 0) {
		if (errno_is_not_supported(fd))
			snprintf(why, len, "pidfd_open: not in this kernel (5.3+)");
		else
			snprintf(why, len, "pidfd_open: %s", strerror(-fd));
		return fd;
	}
	/* With --exit-status, a process that is not our child would end with
	 * an unknown status: let auto take a method that can know it. */
	pid = pw ? exit_status_of_non_child(pw) : 0;
	if (pid > 0) {
		snprintf(why, len, "pidfd_open works, but PID %d is not pidwait's child: its exit status would be unknown",
			 (int)pid);
		return -EOPNOTSUPP;
	}
	snprintf(why, len, "pidfd_open works; the exit status of own children only");
	return 0;
}

/* Whether we may listen to the proc connector, with the reason. */
static int nl_probe(char *why, size_t len)
{
	char caps[64];
	int fd = -1, r;
	uint32_t cookie = nl_cookie();

	r = pcn_open(&fd, 0);
	if (r == 0)
		r = nl_listen(fd, cookie, 200);
	(void)nl_close(fd, cookie);
	switch (r) {
	case 0:
		snprintf(why, len, "proc connector: listening works (exit status of any process)");
		return 0;
	case -EPERM:
	case -EACCES:
		if (caps_need(CAP_NET_ADMIN, caps, sizeof(caps)) < 0)
			snprintf(why, len, "proc connector: listening %s", caps);
		else
			snprintf(why, len, "proc connector: %s", strerror(-r));
		break;
	case -ETIMEDOUT:
		snprintf(why, len, "proc connector: not answered: only the initial user and PID namespaces may listen");
		break;
	case -EPROTONOSUPPORT:
	case -ENOENT:
		snprintf(why, len, "proc connector: not in this kernel (CONFIG_PROC_EVENTS)");
		break;
	default: snprintf(why, len, "proc connector: %s", strerror(-r)); break;
	}
	return r;
}

static int probe_netlink(const void *ctx, char *why, size_t len)
{
	int r = proc_start_readable();

	(void)ctx;
	if (r < 0) {
		snprintf(why, len, "needs /proc for start times: %s", strerror(-r));
		return r;
	}
	return nl_probe(why, len);
}

static int probe_pidfd_netlink(const void *ctx, char *why, size_t len)
{
	_cleanup_close_ int fd = pidfd_open_raw(getpid(), 0);
	int r;

	(void)ctx;
	if (fd < 0) {
		if (errno_is_not_supported(fd))
			snprintf(why, len, "pidfd_open: not in this kernel (5.3+)");
		else
			snprintf(why, len, "pidfd_open: %s", strerror(-fd));
		return fd;
	}
	r = nl_probe(why, len);
	if (r == 0)
		snprintf(why, len, "pidfd_open works and the proc connector listens: the exit status of any process");
	return r;
}

static int probe_procfs(const void *ctx, char *why, size_t len)
{
	int r = proc_start_readable();

	(void)ctx;
	if (r < 0) {
		snprintf(why, len, "/proc/PID/stat: %s (is /proc mounted?)", strerror(-r));
		return r;
	}
	snprintf(why, len, "/proc/PID/stat is readable (polling; status only while a zombie)");
	return 0;
}

/* --- pidfd-info and pidfd: one epoll set of pidfds --- */

/* A zombie whose parent has not reaped it within the grace: the status from
 * /proc/PID/stat where we may read it, else unknown. */
static int zombie_expired(struct pidwait *pw, struct target *t)
{
	struct exit_status st = { .known = false };
	enum proc_state state = PROC_GONE;
	char buf[64];

	if (pidfd_exit_info(t->ref.fd, &st) == 0)
		return report(pw, t, &st); /* reaped just now */
	if (pidref_proc_state(&t->ref, &state, &st) < 0)
		st.known = false;
	if (state == PROC_GONE && pidfd_exit_info(t->ref.fd, &st) < 0)
		st.known = false;
	msg_info("%s: a zombie not reaped by its parent within %llu ms: status %s",
		 describe(t, buf, sizeof(buf)), ZOMBIE_GRACE_NS / NSEC_PER_MSEC,
		 st.known ? "from /proc/PID/stat" : "unknown (/proc/PID/stat not readable)");
	return report(pw, t, &st);
}

static int pidfd_event(struct pidwait *pw, struct target *t, uint32_t events, bool info)
{
	struct exit_status st = { .known = false };

	/* Our own child: reaping it gives the status, with any kernel. */
	if (t->our_child && pidfd_reap_child(t->ref.fd, &st) == 0)
		return report(pw, t, &st);
	if (pw->nl.with_pidfds)
		return pn_exited(pw, t);
	if (!info)
		return report(pw, t, &st);
	if (events & EPOLLHUP) {
		/* Reaped: the kernel recorded how it ended. */
		if (pidfd_exit_info(t->ref.fd, &st) < 0)
			st.known = false;
		return report(pw, t, &st);
	}
	/* Reaped meanwhile (we were woken late)? Then no second round. */
	if (pidfd_exit_info(t->ref.fd, &st) == 0)
		return report(pw, t, &st);
	/* A zombie: the status appears when its parent reaps it (POLLHUP,
	 * a new edge: the set is edge-triggered). */
	if (!t->timer_armed)
		arm_timer(pw, t, monotonic_ns() + ZOMBIE_GRACE_NS);
	return 0;
}

/* The epoll set of every pidfd still waited for. EXIT_OK or EXIT_RUNTIME. */
static int watch_pidfds(struct pidwait *pw)
{
	pw->ep = epoll_create1(EPOLL_CLOEXEC);
	if (pw->ep < 0) {
		msg_errno(-errno, "epoll_create1");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < pw->o.n; i++) {
		/* Edge-triggered: POLLIN stays set once the process has exited;
		 * the exit, and the reap (POLLHUP), each wake us once. */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = i };

		if (pw->t[i].done || pw->t[i].gone)
			continue;
		if (epoll_ctl(pw->ep, EPOLL_CTL_ADD, pw->t[i].ref.fd, &ev) < 0) {
			msg_errno(-errno, "epoll_ctl");
			return EXIT_RUNTIME;
		}
	}
	return EXIT_OK;
}

/* Zombies whose grace is over. 0 or -errno. */
static int expire_zombies(struct pidwait *pw)
{
	uint64_t now = monotonic_ns();
	int r = 0;

	for (size_t j = 0; j < pw->n_timers && !finished(pw) && r >= 0; j++) {
		struct target *t = &pw->t[pw->timers[j]];

		if (!t->done && t->timer_armed && t->next_ns <= now)
			r = zombie_expired(pw, t);
	}
	return r;
}

/* Waits on the epoll set until enough exits are seen; the exit code. */
static int pidfd_loop(struct pidwait *pw, bool info)
{
	struct epoll_event evs[256];
	int r = 0;

	while (!finished(pw) && r >= 0) {
		uint64_t next = next_timer(pw);
		int n;

		if (flush_out(pw) < 0)
			return EXIT_RUNTIME;
		if (deadline_passed(&pw->deadline))
			return timed_out(pw);
		n = wait_epoll(pw->ep, evs, (int)ARRAY_SIZE(evs), &pw->deadline, next);
		if (n < 0) {
			msg_errno(n, "epoll_wait");
			return EXIT_RUNTIME;
		}
		/* pidfd-netlink: the queued exit events first, so that those of
		 * the processes woken for are in. */
		if (pw->nl.fd >= 0 && (r = nl_receive(pw)) < 0) {
			msg_errno(r, "netlink receive");
			return EXIT_RUNTIME;
		}
		for (int k = 0; k < n && !finished(pw) && r >= 0; k++) {
			struct target *t;

			if (evs[k].data.u64 == EP_NL_SOCKET)
				continue; /* read above */
			if (evs[k].data.u64 == EP_NL_SIGNAL) {
				int sig = sig_read(pw->nl.sfd);

				if (sig > 0)
					pw->nl.caught = sig;
				continue;
			}
			t = &pw->t[evs[k].data.u64];
			if (!t->done && !t->pn_exited)
				r = pidfd_event(pw, t, evs[k].events, info);
		}
		if (pw->nl.caught)
			return EXIT_RUNTIME;
		if (r >= 0)
			r = pw->nl.with_pidfds ? pn_settle_due(pw) : expire_zombies(pw);
	}
	if (r < 0)
		return EXIT_RUNTIME; /* said already, or a write error the dispatcher reports */
	return finish(pw);
}

static int run_pidfds(struct pidwait *pw, bool info)
{
	int r = open_targets(pw, true, false);

	if (r != EXIT_OK || finished(pw))
		return r == EXIT_OK ? finish(pw) : r;
	r = watch_pidfds(pw);
	if (r == EXIT_OK) {
		say_waiting(pw);
		r = pidfd_loop(pw, info);
	}
	pw->ep = safe_close(pw->ep);
	return r;
}

static int run_pidfd_info(void *ctx, const struct method *m)
{
	struct pidwait *pw = ctx;

	pw->method = m->name;
	return run_pidfds(pw, true);
}

static int run_pidfd(void *ctx, const struct method *m)
{
	struct pidwait *pw = ctx;

	pw->method = m->name;
	return run_pidfds(pw, false);
}

/* --- procfs and netlink: PID + start time --- */

/* A check through /proc: reports t when it has ended. status, when known,
 * is what a netlink event said. */
static int proc_check(struct pidwait *pw, struct target *t, const struct exit_status *status,
		      bool *ret_ended)
{
	struct exit_status st = { .known = false };
	enum proc_state state;
	int r;

	*ret_ended = false;
	if (t->ref.elsewhere) {
		/* A --pidfd process outside our PID namespace: /proc cannot
		 * see it, its pidfd polls readable once it has exited. */
		if (!pidfd_readable(t->ref.fd))
			return 0;
		*ret_ended = true;
		return report(pw, t, &st);
	}
	r = pidref_proc_state(&t->ref, &state, &st);
	if (r < 0)
		return 0; /* /proc said nothing useful: try again later */
	if (state == PROC_LEADER_EXITED)
		t->leader_exited = true;
	if (state == PROC_RUNNING || state == PROC_LEADER_EXITED)
		return 0;
	if (pw->nl.fd >= 0 && t->leader_exited && !t->nl_after_leader) {
		/* netlink: its main thread went first; the last thread's event,
		 * with the process's status, follows the zombie: wait for it
		 * (bounded). */
		uint64_t now = monotonic_ns();

		if (!t->settle_until)
			t->settle_until = now + SETTLE_NS;
		if (now < t->settle_until)
			return 0;
	}
	*ret_ended = true;
	/* Its main thread ended first: /proc shows that thread's own code,
	 * not the process's (an exit_group() by another thread). */
	if (t->leader_exited)
		st.known = false;
	if (status && status->known)
		st = *status;
	if (t->our_child) {
		struct exit_status child;

		/* Our own child: reaping it says how it ended. */
		if (pid_reap_child(t->ref.pid, &child) == 0)
			st = child;
	}
	return report(pw, t, &st);
}

static void ns_sleep_until(uint64_t when)
{
	struct timespec ts = { .tv_sec = (time_t)(when / NSEC_PER_SEC),
			       .tv_nsec = (long)(when % NSEC_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* The next polling interval: back to fast polling after an exit (exits come
 * in groups), slower while nothing happens. Scanning takes at most ~10% of
 * a CPU while idle, ~1/3 right after exits. */
static uint64_t next_interval(uint64_t interval, uint64_t cost, bool exits_seen)
{
	if (exits_seen) {
		interval = POLL_MIN_NS;
		if (interval < 2 * cost)
			interval = 2 * cost;
	} else {
		interval += interval / 2;
		if (interval > POLL_MAX_NS)
			interval = POLL_MAX_NS;
		if (interval < 10 * cost)
			interval = 10 * cost;
	}
	return interval;
}

static int run_procfs(void *ctx, const struct method *m)
{
	struct pidwait *pw = ctx;
	uint64_t interval = POLL_MIN_NS;
	int r;

	pw->method = m->name;
	r = open_targets(pw, false, true);
	if (r != EXIT_OK)
		return r;
	if (!finished(pw))
		say_waiting(pw);
	while (!finished(pw)) {
		uint64_t start = monotonic_ns(), wake;
		size_t before = pw->reported;

		for (size_t i = 0; i < pw->o.n && !finished(pw); i++) {
			bool ended;

			if (!pw->t[i].done && proc_check(pw, &pw->t[i], NULL, &ended) < 0)
				return EXIT_RUNTIME;
		}
		if (finished(pw))
			break;
		if (deadline_passed(&pw->deadline))
			return timed_out(pw);
		interval = next_interval(interval, monotonic_ns() - start, pw->reported > before);
		wake = monotonic_ns() + interval;
		if (pw->deadline.set && pw->deadline.end_ns < wake)
			wake = pw->deadline.end_ns;
		if (flush_out(pw) < 0)
			return EXIT_RUNTIME;
		ns_sleep_until(wake);
	}
	return finish(pw);
}

static struct target *find_pid(const struct pidwait *pw, pid_t pid)
{
	const uint64_t *index = pw->nl.index;
	size_t lo = 0, hi = pw->nl.n_index;

	/* bsearch by hand: the first pair with this pid. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (index[2 * mid] < (uint64_t)pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= pw->nl.n_index || index[2 * lo] != (uint64_t)pid)
		return NULL;
	return &pw->t[index[2 * lo + 1]];
}

static int on_nl_event(const struct pcn_event *ev, void *arg)
{
	struct pidwait *pw = arg;
	struct target *t;

	if (ev->what == PCN_EVENT_FORK && pw->nl.with_pidfds && ev->child_pid == ev->child_tgid &&
	    ev->child_tgid > 0) {
		/* A new process with a PID we wait for. */
		t = find_pid(pw, ev->child_tgid);
		if (!t || t->done)
			return 0;
		if (pidfd_readable(t->ref.fd)) {
			/* Ours has ended: this is a successor's birth, and no
			 * later event for the PID is ours. */
			t->nl_frozen = true;
		} else {
			/* Ours is alive, so this is its own birth: whatever
			 * came before was a predecessor's. */
			t->nl_status_known = false;
			t->nl_leader_exited = false;
			t->nl_leader_early = false;
			t->nl_after_leader = false;
		}
		return 0;
	}
	if (ev->what != PCN_EVENT_EXIT || ev->tgid <= 0)
		return 0;
	t = find_pid(pw, ev->tgid);
	if (!t || t->done || t->nl_frozen)
		return 0;
	/* Every thread's exit carries the status; the last one to go is the
	 * process's (a group exit gives all of them the same). */
	t->nl_status_known = true;
	t->nl_wstatus = (int)ev->exit_code;
	if (ev->pid == ev->tgid) {
		t->nl_leader_exited = true;
		/* Sent after the thread's exit_notify: the pidfd is readable
		 * by now if the main thread was the last to go. */
		if (pw->nl.with_pidfds && !pidfd_readable(t->ref.fd))
			t->nl_leader_early = true;
	} else if (t->nl_leader_exited || t->leader_exited) {
		t->nl_after_leader = true;
	}
	if (pw->nl.with_pidfds)
		return 0; /* the pidfd wakes us */
	/* Its main thread gone before we listened (seen in /proc): another
	 * thread's exit may be the process's. */
	if (t->leader_exited)
		t->nl_leader_exited = true;
	if (t->nl_leader_exited) {
		/* The event comes from do_exit(), before the process is a
		 * zombie: confirm through /proc, from now on. */
		t->backoff_ns = RECHECK_MIN_NS;
		arm_timer(pw, t, monotonic_ns());
	}
	return 0;
}

/* One socket for every exit in the system, exit events only. 0 or -errno. */
static int nl_subscribe(struct pidwait *pw)
{
	int r;

	size_t want = NETLINK_RCVBUF + pw->o.n * NETLINK_RCVBUF_PER_PROCESS, got = 0;
	uint32_t events;

	pw->nl.cookie = nl_cookie();
	r = pcn_open(&pw->nl.fd, want);
	/* 6.6+ sends only these; older kernels send everything. */
	events = pw->nl.with_pidfds ? PCN_EVENT_EXIT | PCN_EVENT_FORK : PCN_EVENT_EXIT;
	/* Unprivileged, net.core.rmem_max caps it (root forces it). The
	 * kernel reports twice what it grants. */
	if (r == 0 && pcn_rcvbuf(pw->nl.fd, &got) == 0 && got / 2 < want)
		msg_info("netlink: a receive buffer of %zu KiB, not the %zu KiB wanted for %zu processes (net.core.rmem_max; CAP_NET_ADMIN forces it): exits that overflow it are re-checked through /proc",
			 got / 2 / 1024, want / 1024, pw->o.n);
	if (r == 0)
		r = nl_listen(pw->nl.fd, pw->nl.cookie, 1000);
	if (r == 0)
		r = pcn_listen_only(pw->nl.fd, pw->nl.cookie, events);
	return r;
}

/* Sorts the PIDs waited for, for find_pid(). 0 or -ENOMEM. */
static int nl_index_targets(struct pidwait *pw)
{
	pw->nl.index = calloc(pw->o.n ? pw->o.n : 1, 2 * sizeof(uint64_t));
	if (!pw->nl.index)
		return -ENOMEM;
	for (size_t i = 0; i < pw->o.n; i++) {
		if (pw->t[i].done || pw->t[i].gone)
			continue;
		pw->nl.index[2 * pw->nl.n_index] = (uint64_t)pw->t[i].ref.pid;
		pw->nl.index[2 * pw->nl.n_index + 1] = i;
		pw->nl.n_index++;
	}
	qsort(pw->nl.index, pw->nl.n_index, 2 * sizeof(uint64_t), cmp_u64);
	return 0;
}

/* The epoll set: the socket (0) and the signalfd (1). 0 or -errno. */
static int nl_watch(struct pidwait *pw)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };

	pw->ep = epoll_create1(EPOLL_CLOEXEC);
	if (pw->ep < 0 || epoll_ctl(pw->ep, EPOLL_CTL_ADD, pw->nl.fd, &ev) < 0)
		return -errno;
	ev.data.u64 = 1;
	if (pw->nl.sfd >= 0 && epoll_ctl(pw->ep, EPOLL_CTL_ADD, pw->nl.sfd, &ev) < 0)
		return -errno;
	return 0;
}

/* Looks through /proc at each process whose timer is due. 0 or -errno. */
static int nl_check_due(struct pidwait *pw)
{
	uint64_t now = monotonic_ns();
	int r = 0;

	for (size_t j = 0; j < pw->n_timers && !finished(pw) && r >= 0; j++) {
		struct target *t = &pw->t[pw->timers[j]];
		struct exit_status st = { .known = false };
		bool ended;

		if (t->done || !t->timer_armed || t->next_ns > now)
			continue;
		if (t->nl_status_known && exit_status_from_wait(t->nl_wstatus, &st) < 0)
			st.known = false;
		r = proc_check(pw, t, &st, &ended);
		if (ended || r < 0)
			continue;
		if (!t->nl_leader_exited) {
			t->timer_armed = false; /* alive, and no exit seen: events will say */
			continue;
		}
		t->next_ns = now + t->backoff_ns;
		t->backoff_ns = t->backoff_ns * 2 > POLL_MAX_NS ? POLL_MAX_NS : t->backoff_ns * 2;
	}
	return r;
}

/* Reads every queued event; an overflow of the queue sets pw->nl.lost and
 * (pidfd-netlink) forgets what the events said of the processes still
 * waited for. 0 or -errno. */
static int nl_receive(struct pidwait *pw)
{
	unsigned char buf[8192];

	for (;;) {
		ssize_t len = pcn_recv(pw->nl.fd, buf, sizeof(buf));

		if (len == -EAGAIN)
			return 0;
		if (len == -ENOBUFS) {
			pw->nl.lost = true;
			if (pw->nl.with_pidfds)
				pn_forget(pw);
			continue;
		}
		if (len < 0)
			return (int)len;
		(void)pcn_parse(buf, (size_t)len, on_nl_event, pw);
	}
}

/* Waits for events and timers until enough exits are seen, the deadline
 * passes or a fatal signal comes; the exit code. */
static int nl_loop(struct pidwait *pw)
{
	struct epoll_event evs[4];
	int r = 0;

	while (r >= 0) {
		int n;

		/* Every queued event first, those of the processes a check
		 * finds ended included. */
		r = nl_receive(pw);
		if (r < 0) {
			msg_errno(r, "netlink receive");
			return EXIT_RUNTIME;
		}
		if (pw->nl.lost) {
			pw->nl.lost = false;
			/* The queue overflowed: any exit may have been dropped.
			 * Look at every process still waited for. */
			msg_info("netlink: exit events were lost (ENOBUFS): re-checking %zu processes",
				 arm_all_now(pw));
		}
		r = nl_check_due(pw);
		if (r < 0 || finished(pw))
			break;
		if (deadline_passed(&pw->deadline))
			return timed_out(pw);
		if (flush_out(pw) < 0)
			return EXIT_RUNTIME;
		n = wait_epoll(pw->ep, evs, (int)ARRAY_SIZE(evs), &pw->deadline, next_timer(pw));
		if (n < 0) {
			msg_errno(n, "epoll_wait");
			return EXIT_RUNTIME;
		}
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u64 == 1) {
				r = sig_read(pw->nl.sfd);
				if (r > 0)
					pw->nl.caught = r;
			}
			/* The socket's events: read at the top of the loop. */
		}
		if (pw->nl.caught)
			return EXIT_RUNTIME;
		r = 0;
	}
	return r < 0 ? EXIT_RUNTIME : finish(pw);
}

/* Unsubscribes (so the kernel stops counting a listener), closes, frees. */
static void nl_stop(struct pidwait *pw)
{
	pw->nl.fd = nl_close(pw->nl.fd, pw->nl.cookie);
	pw->ep = safe_close(pw->ep);
	pw->nl.sfd = safe_close(pw->nl.sfd);
	free(pw->nl.index);
	pw->nl.index = NULL;
	pw->nl.n_index = 0;
}

/* A fatal signal came while we listened: now that we have unsubscribed, die
 * of it as we would have. Returns 128 + the signal if we are still here. */
static int die_of(int sig, const sigset_t *blocked)
{
	fflush(stdout);
	signal(sig, SIG_DFL);
	sigprocmask(SIG_UNBLOCK, blocked, NULL);
	raise(sig);
	return 128 + sig;
}

/* Both netlink methods start so: listening (said and undone on failure),
 * and, since a signal must not leave the kernel counting a listener, the
 * fatal signals taken through a signalfd, to unsubscribe and then die of
 * them. 0 or -errno. */
static int nl_start(struct pidwait *pw)
{
	int r = nl_subscribe(pw);

	if (r < 0) {
		msg_errno(r, "cannot listen to the proc connector");
		nl_stop(pw);
		return r;
	}
	nl_signal_set(&pw->nl.sigs);
	pw->nl.sfd = sig_signalfd(&pw->nl.sigs);
	return 0;
}

/* ... and end so: unsubscribed, then dead of a signal caught meanwhile, or
 * with ret. */
static int nl_end(struct pidwait *pw, int ret)
{
	nl_stop(pw);
	if (pw->nl.caught) {
		(void)flush_out(pw);
		ret = die_of(pw->nl.caught, &pw->nl.sigs);
	}
	return ret;
}

/* Netlink: one socket for every exit in the system, subscribed before any
 * handle is opened so no exit can slip between. */
static int run_netlink(void *ctx, const struct method *m)
{
	struct pidwait *pw = ctx;
	int r, ret;

	pw->method = m->name;
	if (nl_start(pw) < 0)
		return EXIT_RUNTIME;
	ret = open_targets(pw, false, true);
	if (ret == EXIT_OK && finished(pw)) {
		ret = finish(pw);
	} else if (ret == EXIT_OK) {
		if ((r = nl_index_targets(pw)) < 0)
			msg_errno(r, "cannot keep %zu processes", pw->o.n);
		else if ((r = nl_watch(pw)) < 0)
			msg_errno(r, "epoll");
		if (r < 0) {
			ret = EXIT_RUNTIME;
		} else {
			/* Those that ended before we listened are zombies or
			 * gone by now: one look at each. */
			(void)arm_all_now(pw);
			say_waiting(pw);
			ret = nl_loop(pw);
		}
	}
	return nl_end(pw, ret);
}

/* --- pidfd-netlink: pidfds for identity and wake-up, the proc connector for
 * the status ---
 *
 * Each process is held by a pidfd (it cannot be mistaken for another, and it
 * wakes us when the process has exited), and the proc connector tells how
 * each thread ended, by PID. Matching an event to a pidfd by PID alone would
 * let a recycled PID lend its status, so the events are taken in the order
 * the kernel queued them, with fork events as the boundaries of a PID's
 * holders:
 *
 * - A fork event for a new process with PID P (not a thread) is queued
 *   before that process first runs, so before any exit event of it. If our
 *   process is alive then (its pidfd is not readable), the fork is its own
 *   birth: what came before was a predecessor's and is forgotten. If ours has
 *   exited, it is a successor's: nothing queued after it is ours.
 * - An overflow (ENOBUFS) may have dropped such a fork: everything recorded
 *   for the processes still waited for is forgotten, and a record made after
 *   that is used only while the process is not yet reaped (its PID cannot
 *   have a successor yet).
 * - The kernel queues a thread's exit event right after that thread made the
 *   process a zombie, so the pidfd may wake us first: we then wait (up to
 *   SETTLE_NS) for the main thread's event, and for a process whose main
 *   thread ended before the others, for one more thread's.
 * What cannot be known is reported as unknown, never guessed. */

/* An overflow: forget what events said of every process still waited for. */
static void pn_forget(struct pidwait *pw)
{
	for (size_t i = 0; i < pw->o.n; i++) {
		struct target *t = &pw->t[i];

		if (t->done)
			continue;
		t->nl_status_known = false;
		t->nl_leader_exited = false;
		t->nl_after_leader = false;
		t->nl_tainted = true;
	}
}

/* Has t's final event come? */
static bool pn_settled(const struct target *t)
{
	return t->nl_status_known && t->nl_leader_exited && (!t->nl_leader_early || t->nl_after_leader);
}

static int pn_report(struct pidwait *pw, struct target *t)
{
	struct exit_status st = { .known = false };
	char buf[64];

	/* After an overflow, a record is used only while no successor can
	 * exist: the process not reaped yet. */
	if (t->nl_status_known && (!t->nl_tainted || pidfd_not_reaped(t->ref.fd) == 0) &&
	    exit_status_from_wait(t->nl_wstatus, &st) < 0)
		st.known = false;
	if (!st.known && pidfd_exit_info(t->ref.fd, &st) < 0)
		st.known = false;
	if (!st.known)
		msg_info("%s: no exit event of its own within %llu ms", describe(t, buf, sizeof(buf)),
			 SETTLE_NS / NSEC_PER_MSEC);
	return report(pw, t, &st);
}

/* Its pidfd says t has exited: report it once its event is in. */
static int pn_exited(struct pidwait *pw, struct target *t)
{
	t->pn_exited = true;
	if (pn_settled(t))
		return pn_report(pw, t);
	/* Wait for the event (the pidfd is edge-triggered: no more wake-ups
	 * but the reap's). */
	arm_timer(pw, t, monotonic_ns() + SETTLE_NS);
	return 0;
}

/* The processes waiting for their event: reported once it is in, or when
 * their time is up. 0 or -errno. */
static int pn_settle_due(struct pidwait *pw)
{
	uint64_t now = monotonic_ns();
	int r = 0;

	for (size_t j = 0; j < pw->n_timers && !finished(pw) && r >= 0; j++) {
		struct target *t = &pw->t[pw->timers[j]];

		if (!t->done && t->timer_armed && (pn_settled(t) || t->next_ns <= now))
			r = pn_report(pw, t);
	}
	return r;
}

/* The socket and the signalfd join the pidfds' epoll set. 0 or -errno. */
static int pn_watch(struct pidwait *pw)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EP_NL_SOCKET };

	if (epoll_ctl(pw->ep, EPOLL_CTL_ADD, pw->nl.fd, &ev) < 0)
		return -errno;
	ev.data.u64 = EP_NL_SIGNAL;
	if (pw->nl.sfd >= 0 && epoll_ctl(pw->ep, EPOLL_CTL_ADD, pw->nl.sfd, &ev) < 0)
		return -errno;
	return 0;
}

/* Listening before any pidfd is opened, so that no exit slips between. */
static int run_pidfd_netlink(void *ctx, const struct method *m)
{
	struct pidwait *pw = ctx;
	int r, ret;

	pw->method = m->name;
	pw->nl.with_pidfds = true;
	if (nl_start(pw) < 0)
		return EXIT_RUNTIME;
	ret = open_targets(pw, true, false);
	if (ret == EXIT_OK && finished(pw)) {
		ret = finish(pw);
	} else if (ret == EXIT_OK) {
		if ((r = nl_index_targets(pw)) < 0) {
			msg_errno(r, "cannot keep %zu processes", pw->o.n);
			ret = EXIT_RUNTIME;
		} else if ((ret = watch_pidfds(pw)) == EXIT_OK) {
			if ((r = pn_watch(pw)) < 0) {
				msg_errno(r, "epoll");
				ret = EXIT_RUNTIME;
			} else {
				say_waiting(pw);
				ret = pidfd_loop(pw, false);
			}
		}
	}
	return nl_end(pw, ret);
}

/* --- --identify: no waiting --- */

/* --identify: PID:INODE for each process, what a script keeps to wait later
 * without a PID-reuse race. */
static int identify(struct pidwait *pw)
{
	char buf[PATH_MAX + 32];

	for (size_t i = 0; i < pw->o.n; i++) {
		struct target *t = &pw->t[i];
		const struct target_spec *s = t->spec;
		int r = s->kind == FROM_PIDFD ? pidref_open_fd(&t->ref, s->given_fd)
					      : pidref_open_pid(&t->ref, s->pid);

		origin(t, buf, sizeof(buf));
		if (r == 0 && t->ref.elsewhere)
			r = -EREMOTE;
		if (r == 0 && t->ref.pid <= 0)
			r = -ESRCH;
		if (r == 0 && !t->ref.inode)
			r = -EOPNOTSUPP;
		if (r == 0 && s->want_inode && s->want_inode != t->ref.inode)
			r = -ESTALE;
		switch (r) {
		case 0: break;
		case -ESRCH:
		case -ESTALE: msg_err("%s: no such process", buf); return EXIT_RUNTIME;
		case -ENOSYS:
		case -EOPNOTSUPP:
			msg_err("--identify needs pidfs (Linux 6.9+): pidfd inodes are not unique here");
			return EXIT_UNSUPPORTED;
		case -ENOTTY: msg_err("%s: not a pidfd", buf); return EXIT_RUNTIME;
		case -ENOENT:
			if (s->kind == FROM_PIDFD)
				msg_err("%s: a thread's pidfd (PIDFD_THREAD), not a process's", buf);
			else
				msg_err("%s: a thread ID, not a process ID (the process is its Tgid in /proc/%d/status)",
					buf, (int)s->pid);
			return EXIT_RUNTIME;
		case -EREMOTE:
			msg_err("%s: the process has no PID in this PID namespace", buf);
			return EXIT_RUNTIME;
		default: msg_errno(r, "%s", buf); return EXIT_RUNTIME;
		}
		out_begin(&pw->out);
		out_int(&pw->out, "pid", t->ref.pid);
		out_uint(&pw->out, "inode", t->ref.inode);
		out_human(&pw->out, "%d:%llu\n", (int)t->ref.pid, (unsigned long long)t->ref.inode);
		pidref_close(&t->ref);
		if (out_end(&pw->out) < 0)
			return cli_write_failed(pw->out.err);
	}
	return EXIT_OK;
}

/* --- the command line --- */

static struct target_spec *add_target(struct pidwait_opts *o, enum target_kind kind,
				      const char *src, int fd)
{
	struct target_spec *s = &o->spec[o->n++];

	*s = (struct target_spec){ .kind = kind, .src = src, .given_fd = fd };
	return s;
}

/* Parses a PID or PID:INODE, with the one-line message when it is not. */
static int parse_spec(struct target_spec *s, pid_t pid_max)
{
	int r = pidref_parse_spec(s->src, pid_max, &s->pid, &s->want_inode);

	if (r == -ERANGE) {
		msg_err("'%s': not a PID (expected 1 to %d; pid_max is %d)", s->src,
			(int)pid_max - 1, (int)pid_max);
		return EXIT_USAGE;
	}
	if (r < 0) {
		msg_err("'%s': not a PID (expected a number, or PID:INODE)", s->src);
		return EXIT_USAGE;
	}
	r = refuse_self(s->pid);
	return r < 0 ? say_refused(s->src, r, s->pid) : CLI_CONTINUE;
}

static int read_pidfiles(struct pidwait_opts *o, pid_t pid_max)
{
	for (size_t i = 0; i < o->n; i++) {
		struct target_spec *s = &o->spec[i];
		char what[48];
		int r;

		if (s->kind != FROM_PIDFILE)
			continue;
		r = pidfile_read(s->src, pid_max, &s->pid, &s->want_inode, what, sizeof(what));
		switch (r) {
		case 0: break;
		case -ENODATA: msg_err("%s: empty pidfile", s->src); return EXIT_RUNTIME;
		case -EFBIG: msg_err("%s: not a pidfile (too long)", s->src); return EXIT_RUNTIME;
		case -ERANGE:
			msg_err("%s: not a pidfile: '%s' is out of range (1 to %d)", s->src, what,
				(int)pid_max - 1);
			return EXIT_RUNTIME;
		case -EINVAL:
			msg_err("%s: not a pidfile: '%s' is not a PID", s->src, what);
			return EXIT_RUNTIME;
		case -ETIMEDOUT:
			msg_err("%s: a FIFO whose writer did not finish within %d ms (no end of file)",
				s->src, PIDFILE_FIFO_WAIT_MS);
			return EXIT_RUNTIME;
		default: msg_errno(r, "cannot read %s", s->src); return EXIT_RUNTIME;
		}
		r = refuse_self(s->pid);
		if (r < 0)
			return say_refused(s->src, r, s->pid);
	}
	return CLI_CONTINUE;
}

/* The rules between options, once every target is known. */
static int check_options(const struct pidwait_opts *o)
{
	if (!o->n)
		return msg_usage("no process given (PID, --pidfd FD or --pidfile FILE)");
	if (o->identify && (o->any || o->count || o->timeout_set || o->exit_status))
		return msg_usage("--identify does not wait: no --any, --count, --timeout or --exit-status");
	if (o->any && o->count)
		return msg_usage("--any and --count exclude each other");
	if (o->count > o->n)
		return msg_usage("--count %zu is more than the %zu processes given", o->count, o->n);
	if (o->exit_status && o->n != 1)
		return msg_usage("--exit-status takes exactly one process");
	return CLI_CONTINUE;
}

static int parse_args(int argc, char **argv, struct pidwait_opts *o)
{
	bool json = false, pairs = false;
	pid_t pid_max;
	uint64_t v;
	int c, r;

	o->spec = calloc((size_t)argc, sizeof(*o->spec));
	if (!o->spec) {
		msg_errno(-ENOMEM, "out of memory");
		return EXIT_RUNTIME;
	}
	pid_max = read_pid_max();
	while ((c = getopt_long(argc, argv, "ac:t:eF:JPqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->any = true; break;
		case 'c':
			if (parse_u64(optarg, 1, SIZE_MAX / 2, &v) < 0) {
				msg_err("--count: '%s' is not a number from 1", optarg);
				return EXIT_USAGE;
			}
			o->count = (size_t)v;
			break;
		case 't':
			if (parse_duration(optarg, &o->timeout_ns) < 0) {
				msg_err("--timeout: '%s' is not a duration (1.5, 500ms, 2m)", optarg);
				return EXIT_USAGE;
			}
			o->timeout_set = true;
			break;
		case OPT_EXIT_STATUS: o->exit_status = true; break;
		case 'e': o->exited_ok = true; break;
		case 'F': add_target(o, FROM_PIDFILE, optarg, -1); break;
		case OPT_PIDFD:
			if (parse_u64(optarg, 0, INT_MAX, &v) < 0) {
				msg_err("--pidfd: '%s' is not a file descriptor number", optarg);
				return EXIT_USAGE;
			}
			add_target(o, FROM_PIDFD, optarg, (int)v);
			break;
		case OPT_IDENTIFY: o->identify = true; break;
		case 'J': json = true; break;
		case 'P': pairs = true; break;
		case 'q': o->quiet = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	if (cli_check_method(&pidwait_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	if (cli_stream_mode(json, pairs, o->quiet, &o->mode) != CLI_CONTINUE)
		return EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		r = parse_spec(add_target(o, FROM_ARG, argv[i], -1), pid_max);
		if (r != CLI_CONTINUE)
			return r;
	}
	r = check_options(o);
	if (r != CLI_CONTINUE)
		return r;
	return read_pidfiles(o, pid_max);
}

/* The run state for the parsed options: a target per process, the timer
 * list, the output. CLI_CONTINUE or EXIT_RUNTIME (said). */
static int prepare(struct pidwait *pw)
{
	size_t n = pw->o.n ? pw->o.n : 1;

	pw->t = calloc(n, sizeof(*pw->t));
	pw->timers = calloc(n, sizeof(*pw->timers));
	if (!pw->t || !pw->timers) {
		msg_errno(-ENOMEM, "cannot keep %zu processes", pw->o.n);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < pw->o.n; i++) {
		pw->t[i].spec = &pw->o.spec[i];
		pw->t[i].ref = (struct pidref)PIDREF_NULL;
	}
	pw->need = pw->o.count ? pw->o.count : pw->o.any ? 1 : pw->o.n;
	/* Human output too: a terminal sees each batch at once all the same. */
	pw->batch = open_memstream(&pw->batch_buf, &pw->batch_len);
	out_init(&pw->out, pw->batch ? pw->batch : stdout, pw->o.mode);
	deadline_start(&pw->deadline, pw->o.timeout_set, pw->o.timeout_ns);
	return CLI_CONTINUE;
}

int pidwait_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int pidwait_main(int argc, char **argv)
{
	struct pidwait pw = { .ep = -1, .nl.fd = -1, .nl.sfd = -1, .t0 = monotonic_ns() };
	int r;

	r = parse_args(argc, argv, &pw.o);
	if (r == CLI_CONTINUE)
		r = prepare(&pw);
	if (r == CLI_CONTINUE)
		r = pw.o.identify ? identify(&pw) : cli_run_method(&pidwait_methods, pw.o.method, &pw);
	if (flush_out(&pw) < 0 && r != EXIT_USAGE)
		r = EXIT_RUNTIME;
	if (pw.batch)
		fclose(pw.batch);
	free(pw.batch_buf);
	for (size_t k = 0; pw.t && k < pw.o.n; k++)
		pidref_close(&pw.t[k].ref);
	free(pw.t);
	free(pw.timers);
	free(pw.o.spec);
	return r;
}
