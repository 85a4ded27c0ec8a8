/* pidwait: wait until any processes (not only children) have exited,
 * race-free, and say how each one ended. Wish-list item: "notifications when
 * non-child processes die, in an efficient way focussing on explicit PIDs";
 * process handles that can be waited on; pidfd exit info. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../lib/util.h"
#include "../lib/exitcodes.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pidfile.h"
#include "../lib/pidref.h"
#include "../lib/proc_connector.h"
#include "../lib/timeout.h"

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
	"     --method NAME         auto, pidfd-info, pidfd, netlink or procfs\n"
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
#define NETLINK_RCVBUF (256 << 10)

enum target_kind { FROM_ARG, FROM_PIDFD, FROM_PIDFILE };

struct target {
	enum target_kind kind;
	const char *src;     /* the argument, or the pidfile's path */
	int given_fd;        /* FROM_PIDFD */
	pid_t pid;           /* parsed; 0 for a pidfd until opened */
	uint64_t want_inode; /* from PID:INODE, 0 when not given */
	struct pidref ref;
	bool done;
	bool gone;      /* already gone at start (--exited) */
	bool our_child; /* we can reap it */
	/* netlink */
	bool nl_leader_exited;
	bool nl_status_known;
	int nl_wstatus;
	/* timers: pidfd-info zombie grace, netlink re-checks */
	bool pending;
	uint64_t next_ns;
	uint64_t backoff_ns;
};

struct pidwait_opts {
	struct target *t;
	size_t n;
	size_t need; /* exits to wait for: 1 with --any, n by default */
	bool count_set;
	bool any;
	bool timeout_set;
	uint64_t timeout_ns;
	bool exit_status;
	bool exited_ok;
	bool identify;
	bool quiet;
	enum out_mode mode;
	const char *method;
	pid_t pid_max;
	/* while running */
	const char *method_name;
	struct out out;
	struct deadline deadline;
	uint64_t t0;
	size_t reported;
	struct exit_status last;
	size_t *pending; /* indices of targets with a timer */
	size_t n_pending;
	int ep; /* the epoll set of pidfds, -1 */
	size_t distinct; /* processes, each counted once */
};

static int probe_pidfd_info(const void *ctx, char *why, size_t len);
static int probe_pidfd(const void *ctx, char *why, size_t len);
static int probe_netlink(const void *ctx, char *why, size_t len);
static int probe_procfs(const void *ctx, char *why, size_t len);
static int run_pidfd_info(void *ctx, const struct method *m);
static int run_pidfd(void *ctx, const struct method *m);
static int run_netlink(void *ctx, const struct method *m);
static int run_procfs(void *ctx, const struct method *m);

static const struct method methods[] = {
	{ "pidfd-info", "pidfd + epoll, exit status of any process from PIDFD_INFO_EXIT (6.15+)",
	  probe_pidfd_info, run_pidfd_info },
	{ "pidfd", "pidfd + epoll (5.3+), exit status of own children only", probe_pidfd,
	  run_pidfd },
	{ "netlink", "proc connector exit events, exit status of any process (init PID namespace)",
	  probe_netlink, run_netlink },
	{ "procfs", "polling /proc/PID/stat with start-time checks", probe_procfs, run_procfs },
};
const struct method_set pidwait_methods = METHOD_SET(methods);

/* --- small helpers: 0 or -errno, no printing --- */

static const char *label(const struct target *t, char *buf, size_t len)
{
	pid_t pid = t->ref.pid ? t->ref.pid : t->pid;

	if (t->kind == FROM_PIDFD && pid <= 0)
		snprintf(buf, len, "pidfd %d", t->given_fd);
	else
		snprintf(buf, len, "%d", (int)pid);
	return buf;
}

/* Where a message about t comes from, as the user wrote it. */
static const char *origin(const struct target *t, char *buf, size_t len)
{
	if (t->kind == FROM_PIDFD)
		snprintf(buf, len, "--pidfd %d", t->given_fd);
	else
		snprintf(buf, len, "%s", t->src); /* the argument, or the pidfile */
	return buf;
}

/* Turns a target into a handle, once. need_pidfd: keep the pidfd (the
 * pidfd methods); need_start: record the start time (netlink, procfs).
 * -ESRCH gone; -ESTALE PID:INODE names a process that is gone (the PID was
 * reused); -EOPNOTSUPP PID:INODE without pidfs; -ELOOP ourselves; -EDEADLK
 * our parent; -ENOTTY/-EBADF not a pidfd; -ENOENT a thread's ID. */
static int resolve(struct target *t, bool need_pidfd, bool need_start)
{
	int r;

	if (t->kind == FROM_PIDFD) {
		r = pidref_open_fd(&t->ref, t->given_fd);
		if (r < 0)
			return r;
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
		r = pidref_open_pid(&t->ref, t->pid);
		if (r == -ENOSYS && !need_pidfd && !t->want_inode) {
			t->ref.pid = t->pid;
			t->ref.fd = -1;
		} else if (r == -ENOSYS) {
			return t->want_inode ? -EOPNOTSUPP : r;
		} else if (r < 0) {
			return r;
		}
		if (t->want_inode && !t->ref.inode)
			return -EOPNOTSUPP;
		if (t->want_inode && t->ref.inode != t->want_inode)
			return -ESTALE;
	}
	if (t->ref.pid == getpid())
		return -ELOOP;
	if (t->ref.pid == getppid())
		return -EDEADLK;
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
static int dedupe(struct pidwait_opts *o, size_t *ret_distinct)
{
	uint64_t *keys = calloc(o->n ? o->n : 1, 2 * sizeof(uint64_t));
	size_t m = 0, distinct = 0;

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < o->n; i++) {
		const struct target *t = &o->t[i];

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
			struct target *t = &o->t[keys[2 * j + 1]];

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

static void add_pending(struct pidwait_opts *o, struct target *t, uint64_t when)
{
	t->next_ns = when;
	if (t->pending)
		return;
	t->pending = true;
	o->pending[o->n_pending++] = (size_t)(t - o->t);
}

/* The earliest timer, 0 when none; drops finished targets from the list. */
static uint64_t next_timer(struct pidwait_opts *o)
{
	uint64_t next = 0;
	size_t k = 0;

	for (size_t j = 0; j < o->n_pending; j++) {
		struct target *t = &o->t[o->pending[j]];

		if (t->done || !t->pending) {
			t->pending = false;
			continue;
		}
		o->pending[k++] = o->pending[j];
		if (!next || t->next_ns < next)
			next = t->next_ns;
	}
	o->n_pending = k;
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

/* A proc connector cookie others are unlikely to use (they mostly send 0). */
static uint32_t nl_cookie(void)
{
	return ((uint32_t)getpid() << 12) ^ (uint32_t)monotonic_ns() ^ 0x5a5a0000U;
}

static bool finished(const struct pidwait_opts *o)
{
	return o->reported >= o->need;
}

/* --- output and the outcome (these print) --- */

/* One exit event. 0, or -errno of a write error (a reader that went away is
 * not one: the rest of the run is quiet). */
static int report(struct pidwait_opts *o, struct target *t, const struct exit_status *st)
{
	char buf[64], sig[32];
	const char *sname = NULL;
	int r;

	t->done = true;
	/* Out of the epoll set first: a --pidfd's file stays open through the
	 * inherited descriptor, so closing ours would not remove it. */
	if (o->ep >= 0 && t->ref.fd >= 0)
		(void)epoll_ctl(o->ep, EPOLL_CTL_DEL, t->ref.fd, NULL);
	pidref_close(&t->ref);
	o->reported++;
	o->last = *st;
	if (st->known && !st->exited) {
		sname = signal_name(st->signal, sig, sizeof(sig));
		if (!sname) {
			snprintf(sig, sizeof(sig), "%d", st->signal);
			sname = sig;
		}
	}
	if (msg_verbose() && !st->known)
		msg_info("%s: the exit status is unknown to method %s", label(t, buf, sizeof(buf)),
			 o->method_name);
	if (o->quiet)
		return 0;
	out_begin(&o->out);
	if (t->ref.pid > 0)
		out_int(&o->out, "pid", t->ref.pid);
	else if (t->pid > 0)
		out_int(&o->out, "pid", t->pid);
	else
		out_null(&o->out, "pid");
	if (t->ref.inode)
		out_uint(&o->out, "inode", t->ref.inode);
	else
		out_null(&o->out, "inode");
	if (st->known) {
		out_bool(&o->out, "exited", st->exited);
		if (st->exited)
			out_int(&o->out, "code", st->code);
		else
			out_null(&o->out, "code");
		out_str(&o->out, "signal", sname);
		out_bool(&o->out, "coredump", !st->exited && st->coredump);
	} else {
		out_null(&o->out, "exited");
		out_null(&o->out, "code");
		out_null(&o->out, "signal");
		out_null(&o->out, "coredump");
	}
	out_bool(&o->out, "status_known", st->known);
	out_str(&o->out, "method", o->method_name);
	out_uint(&o->out, "elapsed_ms", (monotonic_ns() - o->t0) / NSEC_PER_MSEC);
	label(t, buf, sizeof(buf));
	if (!st->known)
		out_human(&o->out, "%s exited (status unknown)\n", buf);
	else if (st->exited)
		out_human(&o->out, "%s exited with code %d\n", buf, st->code);
	else
		out_human(&o->out, "%s killed by signal %s%s\n", buf, sname,
			  st->coredump ? " (core dumped)" : "");
	r = out_end(&o->out);
	if (r == -EPIPE) {
		/* Nobody reads any more: go on waiting quietly, so the exit
		 * status still means what it says. */
		clearerr(stdout);
		o->quiet = true;
		return 0;
	}
	if (r < 0)
		cli_write_failed(r);
	return r;
}

static int finish(struct pidwait_opts *o)
{
	char buf[64];

	if (!o->exit_status)
		return EXIT_OK;
	if (o->last.known)
		return exit_status_shell(&o->last);
	msg_err("%s has exited, but its exit status is unknown to method %s",
		label(&o->t[0], buf, sizeof(buf)), o->method_name);
	return EXIT_RUNTIME;
}

static int timed_out(const struct pidwait_opts *o)
{
	msg_info("timed out: %zu of %zu exits seen", o->reported, o->need);
	return EXIT_TIMEOUT;
}

/* Opens every target's handle before any waiting: a bad one stops the run
 * before anything is reported. Then reports the ones already gone (with
 * --exited). Returns EXIT_OK or the exit code of the error. */
static int open_targets(struct pidwait_opts *o, bool need_pidfd, bool need_start)
{
	static const struct exit_status unknown = { .known = false };
	char buf[PATH_MAX + 32], lab[64];
	size_t distinct;
	int r;

	raise_nofile(o->n);
	for (size_t i = 0; i < o->n; i++) {
		struct target *t = &o->t[i];

		r = resolve(t, need_pidfd, need_start);
		origin(t, buf, sizeof(buf));
		label(t, lab, sizeof(lab));
		if (r == 0)
			continue;
		if ((r == -ESRCH || r == -ESTALE) && o->exited_ok) {
			pidref_close(&t->ref);
			t->gone = true;
			continue;
		}
		switch (r) {
		case -ESRCH:
			if (t->kind == FROM_PIDFILE)
				msg_err("%s: process %s: no such process", buf, lab);
			else if (t->kind == FROM_PIDFD)
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
			msg_err("%s: refusing to wait for pidwait itself", buf);
			return EXIT_USAGE;
		case -EDEADLK:
			msg_err("%s: refusing to wait for pidwait's own parent (it may be waiting for pidwait)",
				buf);
			return EXIT_USAGE;
		case -ENOTTY:
			msg_err("%s: not a pidfd", buf);
			return EXIT_RUNTIME;
		case -ENOENT:
			/* pidfd_open refuses a thread that is not its process's
			 * main thread (EINVAL before 6.9, ENOENT after). */
			msg_err("%s: a thread ID, not a process ID (the process is its Tgid in /proc/%d/status)",
				buf, (int)t->pid);
			return EXIT_RUNTIME;
		case -EMFILE:
		case -ENFILE:
			msg_errno(r, "%s: cannot open a pidfd for each of %zu processes (ulimit -n)", buf,
				  o->n);
			return EXIT_RUNTIME;
		default: msg_errno(r, "%s", buf); return EXIT_RUNTIME;
		}
	}
	if (dedupe(o, &distinct) < 0) {
		msg_errno(-ENOMEM, "cannot keep %zu processes", o->n);
		return EXIT_RUNTIME;
	}
	if (!o->count_set && !o->any)
		o->need = distinct;
	if (o->need > distinct)
		return msg_usage("--count %zu is more than the %zu distinct processes given", o->need,
				 distinct);
	o->pending = calloc(o->n ? o->n : 1, sizeof(*o->pending));
	if (!o->pending) {
		msg_errno(-ENOMEM, "cannot keep %zu processes", o->n);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < o->n && !finished(o); i++) {
		struct target *t = &o->t[i];

		if (!t->gone || t->done)
			continue;
		msg_info("%s: already gone", origin(t, buf, sizeof(buf)));
		if (report(o, t, &unknown) < 0)
			return EXIT_RUNTIME;
	}
	o->distinct = distinct;
	return EXIT_OK;
}

/* Said once everything is in place: from here on, no exit is missed. */
static void say_waiting(const struct pidwait_opts *o)
{
	msg_info("waiting for %zu of %zu processes to exit", o->need - o->reported, o->distinct);
}

/* --- pidfd-info and pidfd: one epoll set of pidfds --- */

/* A zombie whose parent has not reaped it within the grace: the status from
 * /proc/PID/stat where we may read it, else unknown. */
static int zombie_expired(struct pidwait_opts *o, struct target *t)
{
	struct exit_status st = { .known = false };
	enum proc_state state = PROC_GONE;
	char buf[64];

	if (pidfd_exit_info(t->ref.fd, &st) == 0)
		return report(o, t, &st); /* reaped just now */
	if (pidref_proc_state(&t->ref, &state, &st) < 0)
		st.known = false;
	if (state == PROC_GONE && pidfd_exit_info(t->ref.fd, &st) < 0)
		st.known = false;
	msg_info("%s: a zombie not reaped by its parent within %llu ms: status %s", label(t, buf, sizeof(buf)),
		 ZOMBIE_GRACE_NS / NSEC_PER_MSEC,
		 st.known ? "from /proc/PID/stat" : "unknown (/proc/PID/stat not readable)");
	return report(o, t, &st);
}

static int pidfd_event(struct pidwait_opts *o, int ep, struct target *t, uint32_t events, bool info)
{
	struct exit_status st = { .known = false };

	/* Our own child: reaping it gives the status, with any kernel. */
	if (pidfd_reap_child(t->ref.fd, &st) == 0)
		return report(o, t, &st);
	if (!info)
		return report(o, t, &st);
	if (events & EPOLLHUP) {
		/* Reaped: the kernel recorded how it ended. */
		if (pidfd_exit_info(t->ref.fd, &st) < 0)
			st.known = false;
		return report(o, t, &st);
	}
	/* Reaped meanwhile (we were woken late)? Then no second round. */
	if (pidfd_exit_info(t->ref.fd, &st) == 0)
		return report(o, t, &st);
	/* A zombie: the status appears when its parent reaps it (POLLHUP).
	 * Stop asking for POLLIN (it stays set); HUP is always reported. */
	if (!t->pending) {
		struct epoll_event ev = { .events = 0, .data.u64 = (uint64_t)(t - o->t) };

		if (epoll_ctl(ep, EPOLL_CTL_MOD, t->ref.fd, &ev) < 0) {
			int e = -errno;

			msg_errno(e, "epoll_ctl");
			return e;
		}
		add_pending(o, t, monotonic_ns() + ZOMBIE_GRACE_NS);
	}
	return 0;
}

static int run_pidfds(struct pidwait_opts *o, bool info)
{
	struct epoll_event evs[256];
	int ep, r = open_targets(o, true, false);

	if (r != EXIT_OK || finished(o))
		return r == EXIT_OK ? finish(o) : r;
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		msg_errno(-errno, "epoll_create1");
		return EXIT_RUNTIME;
	}
	o->ep = ep;
	for (size_t i = 0; i < o->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };

		if (o->t[i].done || o->t[i].gone)
			continue;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, o->t[i].ref.fd, &ev) < 0) {
			msg_errno(-errno, "epoll_ctl");
			close(ep);
			o->ep = -1;
			return EXIT_RUNTIME;
		}
	}
	say_waiting(o);
	r = 0;
	while (!finished(o) && r >= 0) {
		uint64_t next = next_timer(o), now;
		int n;

		if (deadline_passed(&o->deadline)) {
			close(ep);
			o->ep = -1;
			return timed_out(o);
		}
		n = wait_epoll(ep, evs, (int)ARRAY_SIZE(evs), &o->deadline, next);
		if (n < 0) {
			msg_errno(n, "epoll_wait");
			close(ep);
			o->ep = -1;
			return EXIT_RUNTIME;
		}
		for (int k = 0; k < n && !finished(o) && r >= 0; k++) {
			struct target *t = &o->t[evs[k].data.u64];

			if (!t->done)
				r = pidfd_event(o, ep, t, evs[k].events, info);
		}
		now = monotonic_ns();
		for (size_t j = 0; j < o->n_pending && !finished(o) && r >= 0; j++) {
			struct target *t = &o->t[o->pending[j]];

			if (!t->done && t->pending && t->next_ns <= now)
				r = zombie_expired(o, t);
		}
	}
	close(ep);
	o->ep = -1;
	if (r < 0)
		return EXIT_RUNTIME; /* said already, or a write error the dispatcher reports */
	return finish(o);
}

static int run_pidfd_info(void *ctx, const struct method *m)
{
	((struct pidwait_opts *)ctx)->method_name = m->name;
	return run_pidfds(ctx, true);
}

static int run_pidfd(void *ctx, const struct method *m)
{
	((struct pidwait_opts *)ctx)->method_name = m->name;
	return run_pidfds(ctx, false);
}

/* --- procfs and netlink: PID + start time --- */

/* A check through /proc: reports t when it has ended. status, when known,
 * is what a netlink event said. */
static int proc_check(struct pidwait_opts *o, struct target *t, const struct exit_status *status,
		      bool *ret_ended)
{
	struct exit_status st = { .known = false };
	enum proc_state state;
	int r = pidref_proc_state(&t->ref, &state, &st);

	*ret_ended = false;
	if (r < 0)
		return 0; /* /proc said nothing useful: try again later */
	if (state == PROC_RUNNING)
		return 0;
	*ret_ended = true;
	if (status && status->known)
		st = *status;
	if (t->our_child) {
		struct exit_status child;

		/* Our own child: reaping it says how it ended. */
		if (pid_reap_child(t->ref.pid, &child) == 0)
			st = child;
	}
	return report(o, t, &st);
}

static void ns_sleep_until(uint64_t when)
{
	struct timespec ts = { .tv_sec = (time_t)(when / NSEC_PER_SEC),
			       .tv_nsec = (long)(when % NSEC_PER_SEC) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int run_procfs(void *ctx, const struct method *m)
{
	((struct pidwait_opts *)ctx)->method_name = m->name;
	struct pidwait_opts *o = ctx;
	uint64_t interval = POLL_MIN_NS;
	int r = open_targets(o, false, true);

	if (r != EXIT_OK)
		return r;
	if (!finished(o))
		say_waiting(o);
	while (!finished(o)) {
		uint64_t start = monotonic_ns(), cost, wake;
		size_t before = o->reported;

		for (size_t i = 0; i < o->n && !finished(o); i++) {
			bool ended;

			if (!o->t[i].done && proc_check(o, &o->t[i], NULL, &ended) < 0)
				return EXIT_RUNTIME;
		}
		if (finished(o))
			break;
		if (deadline_passed(&o->deadline))
			return timed_out(o);
		/* Back to fast polling after an exit (exits come in groups),
		 * slower while nothing happens. Scanning takes at most ~10% of
		 * a CPU while idle, ~1/3 right after exits. */
		cost = monotonic_ns() - start;
		if (o->reported > before) {
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
		wake = monotonic_ns() + interval;
		if (o->deadline.set && o->deadline.end_ns < wake)
			wake = o->deadline.end_ns;
		ns_sleep_until(wake);
	}
	return finish(o);
}

struct nl_state {
	struct pidwait_opts *o;
	uint64_t *index; /* pairs (pid, target index), sorted by pid */
	size_t n_index;
};

static struct target *find_pid(const struct nl_state *s, pid_t pid)
{
	uint64_t key[2] = { (uint64_t)pid, 0 };
	const uint64_t *hit;
	size_t lo = 0, hi = s->n_index;

	/* bsearch by hand: the first pair with this pid. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->index[2 * mid] < key[0])
			lo = mid + 1;
		else
			hi = mid;
	}
	hit = lo < s->n_index ? &s->index[2 * lo] : NULL;
	if (!hit || hit[0] != key[0])
		return NULL;
	return &s->o->t[hit[1]];
}

static int on_nl_event(const struct pcn_event *ev, void *arg)
{
	struct nl_state *s = arg;
	struct target *t;

	if (ev->what != PCN_EVENT_EXIT || ev->tgid <= 0)
		return 0;
	t = find_pid(s, ev->tgid);
	if (!t || t->done)
		return 0;
	/* Every thread's exit carries the status; the last one to go is the
	 * process's (a group exit gives all of them the same). */
	t->nl_status_known = true;
	t->nl_wstatus = (int)ev->exit_code;
	if (ev->pid == ev->tgid)
		t->nl_leader_exited = true;
	if (t->nl_leader_exited) {
		/* The event comes from do_exit(), before the process is a
		 * zombie: confirm through /proc, from now on. */
		t->backoff_ns = RECHECK_MIN_NS;
		add_pending(s->o, t, monotonic_ns());
	}
	return 0;
}

static int block_fatal_signals(sigset_t *ret_set)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
		struct sigaction sa;

		/* Leave ignored signals ignored. */
		if (sigaction(sigs[i], NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			sigaddset(&set, sigs[i]);
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	*ret_set = set;
	return 0;
}

/* Netlink: one socket for every exit in the system, subscribed before any
 * handle is opened so no exit can slip between. */
static int run_netlink(void *ctx, const struct method *m)
{
	((struct pidwait_opts *)ctx)->method_name = m->name;
	struct pidwait_opts *o = ctx;
	struct nl_state s = { .o = o };
	struct epoll_event evs[4], ev = { .events = EPOLLIN };
	unsigned char buf[8192];
	sigset_t sigs;
	int nl = -1, sfd = -1, ep = -1, r, ret = EXIT_RUNTIME, caught = 0;
	uint32_t cookie = nl_cookie();

	r = pcn_open(&nl, NETLINK_RCVBUF);
	if (r == 0)
		r = pcn_listen(nl, cookie);
	if (r == 0)
		r = pcn_wait_ack(nl, cookie, 1000);
	if (r == 0)
		r = pcn_listen_exits_only(nl, cookie);
	if (r < 0) {
		msg_errno(r, "cannot listen to the proc connector");
		if (nl >= 0)
			(void)pcn_ignore(nl, cookie);
		goto out;
	}
	/* A signal must not leave the kernel counting a listener: take the
	 * usual fatal ones through a signalfd, say IGNORE, then die of them. */
	if (block_fatal_signals(&sigs) == 0)
		sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	ret = open_targets(o, false, true);
	if (ret != EXIT_OK || finished(o)) {
		if (ret == EXIT_OK)
			ret = finish(o);
		goto out;
	}
	ret = EXIT_RUNTIME;
	s.index = calloc(o->n ? o->n : 1, 2 * sizeof(uint64_t));
	if (!s.index) {
		msg_errno(-ENOMEM, "cannot keep %zu processes", o->n);
		goto out;
	}
	for (size_t i = 0; i < o->n; i++) {
		if (o->t[i].done || o->t[i].gone)
			continue;
		s.index[2 * s.n_index] = (uint64_t)o->t[i].ref.pid;
		s.index[2 * s.n_index + 1] = i;
		s.n_index++;
	}
	qsort(s.index, s.n_index, 2 * sizeof(uint64_t), cmp_u64);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u64 = 0;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, nl, &ev) < 0) {
		msg_errno(-errno, "epoll");
		goto out;
	}
	ev.data.u64 = 1;
	if (sfd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0) {
		msg_errno(-errno, "epoll");
		goto out;
	}
	/* Those that ended before we listened are zombies or gone by now:
	 * one look at each. */
	for (size_t i = 0; i < o->n; i++)
		if (!o->t[i].done)
			add_pending(o, &o->t[i], 0);
	say_waiting(o);
	r = 0;
	while (r >= 0) {
		uint64_t next, now = monotonic_ns();
		bool lost = false;
		int n;

		for (size_t j = 0; j < o->n_pending && !finished(o) && r >= 0; j++) {
			struct target *t = &o->t[o->pending[j]];
			struct exit_status st = { .known = false };
			bool ended;

			if (t->done || !t->pending || t->next_ns > now)
				continue;
			if (t->nl_status_known && exit_status_from_wait(t->nl_wstatus, &st) < 0)
				st.known = false;
			r = proc_check(o, t, &st, &ended);
			if (ended || r < 0)
				continue;
			if (!t->nl_leader_exited) {
				t->pending = false; /* alive, and no exit seen: events will say */
				continue;
			}
			t->next_ns = now + t->backoff_ns;
			t->backoff_ns = t->backoff_ns * 2 > POLL_MAX_NS ? POLL_MAX_NS : t->backoff_ns * 2;
		}
		if (r < 0 || finished(o))
			break;
		if (deadline_passed(&o->deadline)) {
			ret = timed_out(o);
			goto out;
		}
		next = next_timer(o);
		n = wait_epoll(ep, evs, (int)ARRAY_SIZE(evs), &o->deadline, next);
		if (n < 0) {
			msg_errno(n, "epoll_wait");
			goto out;
		}
		for (int k = 0; k < n; k++) {
			if (evs[k].data.u64 == 1) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					caught = (int)si.ssi_signo;
				continue;
			}
			for (;;) {
				ssize_t len = pcn_recv(nl, buf, sizeof(buf));

				if (len == -EAGAIN)
					break;
				if (len == -ENOBUFS) {
					lost = true;
					continue;
				}
				if (len < 0) {
					msg_errno((int)len, "netlink receive");
					goto out;
				}
				(void)pcn_parse(buf, (size_t)len, on_nl_event, &s);
			}
		}
		if (caught)
			goto out;
		if (lost) {
			size_t left = 0;

			/* The queue overflowed: any exit may have been dropped.
			 * Look at every process still waited for. */
			for (size_t i = 0; i < o->n; i++)
				if (!o->t[i].done) {
					add_pending(o, &o->t[i], 0);
					left++;
				}
			msg_info("netlink: exit events were lost (ENOBUFS): re-checking %zu processes",
				 left);
		}
	}
	ret = r < 0 ? EXIT_RUNTIME : finish(o);
out:
	if (nl >= 0) {
		(void)pcn_ignore(nl, cookie);
		close(nl);
	}
	if (ep >= 0)
		close(ep);
	if (sfd >= 0)
		close(sfd);
	free(s.index);
	if (caught) {
		fflush(stdout);
		signal(caught, SIG_DFL);
		sigprocmask(SIG_UNBLOCK, &sigs, NULL);
		raise(caught);
		ret = 128 + caught;
	}
	return ret;
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

static int probe_pidfd(const void *ctx, char *why, size_t len)
{
	const struct pidwait_opts *o = ctx;
	int fd = pidfd_open_raw(getpid(), 0);

	if (fd < 0) {
		if (fd == -ENOSYS)
			snprintf(why, len, "pidfd_open: not in this kernel (5.3+)");
		else
			snprintf(why, len, "pidfd_open: %s", strerror(-fd));
		return fd;
	}
	close(fd);
	/* With --exit-status, a process that is not our child would end with
	 * an unknown status: let auto take a method that can know it. */
	if (o && o->exit_status && o->n == 1 && (!o->method || strcmp(o->method, "auto") == 0)) {
		pid_t pid = o->t[0].pid;

		if (o->t[0].kind == FROM_PIDFD && pidfd_get_pid(o->t[0].given_fd, &pid) < 0)
			pid = 0;
		if (pid > 0 && pid_is_our_child(pid) != 1) {
			snprintf(why, len, "pidfd_open works, but PID %d is not pidwait's child: its exit status would be unknown",
				 (int)pid);
			return -EOPNOTSUPP;
		}
	}
	snprintf(why, len, "pidfd_open works; the exit status of own children only");
	return 0;
}

static int probe_netlink(const void *ctx, char *why, size_t len)
{
	struct pidref self = PIDREF_NULL;
	uint32_t cookie = nl_cookie();
	int fd = -1, r;

	(void)ctx;
	self.pid = getpid();
	r = pidref_read_start(&self);
	if (r < 0) {
		snprintf(why, len, "needs /proc for start times: %s", strerror(-r));
		return r;
	}
	r = pcn_open(&fd, 0);
	if (r == 0)
		r = pcn_listen(fd, cookie);
	if (r == 0)
		r = pcn_wait_ack(fd, cookie, 200);
	if (fd >= 0) {
		(void)pcn_ignore(fd, cookie);
		close(fd);
	}
	switch (r) {
	case 0:
		snprintf(why, len, "proc connector: listening works (exit status of any process)");
		return 0;
	case -EPERM:
	case -EACCES:
		snprintf(why, len, "proc connector: listening needs CAP_NET_ADMIN before Linux 6.6");
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

static int probe_procfs(const void *ctx, char *why, size_t len)
{
	struct pidref self = PIDREF_NULL;
	int r;

	(void)ctx;
	self.pid = getpid();
	r = pidref_read_start(&self);
	if (r < 0) {
		snprintf(why, len, "/proc/PID/stat: %s (is /proc mounted?)", strerror(-r));
		return r;
	}
	snprintf(why, len, "/proc/PID/stat is readable (polling; status only while a zombie)");
	return 0;
}

/* --- the command line --- */

static int add_target(struct pidwait_opts *o, enum target_kind kind, const char *src, int fd)
{
	struct target *t = &o->t[o->n++];

	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->src = src;
	t->given_fd = fd;
	t->ref = (struct pidref)PIDREF_NULL;
	return 0;
}

/* Parses a PID or PID:INODE, with the one-line message when it is not. */
static int parse_spec(struct pidwait_opts *o, struct target *t, const char *s)
{
	int r = pidref_parse_spec(s, o->pid_max, &t->pid, &t->want_inode);

	if (r == -ERANGE) {
		msg_err("'%s': not a PID (expected 1 to %d; pid_max is %d)", s, (int)o->pid_max - 1,
			(int)o->pid_max);
		return EXIT_USAGE;
	}
	if (r < 0) {
		msg_err("'%s': not a PID (expected a number, or PID:INODE)", s);
		return EXIT_USAGE;
	}
	if (t->pid == getpid()) {
		msg_err("%s: refusing to wait for pidwait itself", s);
		return EXIT_USAGE;
	}
	if (t->pid == getppid()) {
		msg_err("%s: refusing to wait for pidwait's own parent (it may be waiting for pidwait)", s);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int read_pidfiles(struct pidwait_opts *o)
{
	for (size_t i = 0; i < o->n; i++) {
		struct target *t = &o->t[i];
		char what[48];
		int r;

		if (t->kind != FROM_PIDFILE)
			continue;
		r = pidfile_read(t->src, o->pid_max, &t->pid, &t->want_inode, what, sizeof(what));
		switch (r) {
		case 0: break;
		case -ENODATA: msg_err("%s: empty pidfile", t->src); return EXIT_RUNTIME;
		case -EFBIG: msg_err("%s: not a pidfile (too long)", t->src); return EXIT_RUNTIME;
		case -ERANGE:
			msg_err("%s: not a pidfile: '%s' is out of range (1 to %d)", t->src, what,
				(int)o->pid_max - 1);
			return EXIT_RUNTIME;
		case -EINVAL:
			msg_err("%s: not a pidfile: '%s' is not a PID", t->src, what);
			return EXIT_RUNTIME;
		default: msg_errno(r, "cannot read %s", t->src); return EXIT_RUNTIME;
		}
		if (t->pid == getpid() || t->pid == getppid()) {
			msg_err("%s: refusing to wait for pidwait's %s (PID %d)", t->src,
				t->pid == getpid() ? "itself" : "own parent", (int)t->pid);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, struct pidwait_opts *o)
{
	bool json = false, pairs = false;
	uint64_t v;
	int c, r;

	o->t = calloc((size_t)argc, sizeof(*o->t));
	if (!o->t) {
		msg_errno(-ENOMEM, "out of memory");
		return EXIT_RUNTIME;
	}
	o->pid_max = read_pid_max();
	while ((c = getopt_long(argc, argv, "ac:t:eF:JPqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->any = true; break;
		case 'c':
			if (parse_u64(optarg, 1, SIZE_MAX / 2, &v) < 0) {
				msg_err("--count: '%s' is not a number from 1", optarg);
				return EXIT_USAGE;
			}
			o->need = (size_t)v;
			o->count_set = true;
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
		case 'h': fputs(usage_text, stdout); return -1;
		case 'V': msg_version(); return -1;
		default: return msg_try_help();
		}
	}
	if (cli_check_method(&pidwait_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	if (json + pairs + o->quiet > 1)
		return msg_usage("--json, --pairs and --quiet exclude each other");
	o->mode = json ? OUT_JSON_LINES : pairs ? OUT_PAIRS : OUT_HUMAN;
	for (int i = optind; i < argc; i++) {
		struct target *t = &o->t[o->n];

		add_target(o, FROM_ARG, argv[i], -1);
		r = parse_spec(o, t, argv[i]);
		if (r != EXIT_OK)
			return r;
	}
	if (!o->n)
		return msg_usage("no process given (PID, --pidfd FD or --pidfile FILE)");
	if (o->identify && (o->any || o->count_set || o->timeout_set || o->exit_status))
		return msg_usage("--identify does not wait: no --any, --count, --timeout or --exit-status");
	if (o->any && o->count_set)
		return msg_usage("--any and --count exclude each other");
	if (o->count_set && o->need > o->n)
		return msg_usage("--count %zu is more than the %zu processes given", o->need, o->n);
	if (o->exit_status && o->n != 1)
		return msg_usage("--exit-status takes exactly one process");
	if (!o->count_set)
		o->need = o->any ? 1 : o->n;
	return read_pidfiles(o);
}

/* --identify: PID:INODE for each process, what a script keeps to wait later
 * without a PID-reuse race. */
static int identify(struct pidwait_opts *o)
{
	char buf[PATH_MAX + 32];

	for (size_t i = 0; i < o->n; i++) {
		struct target *t = &o->t[i];
		int r = t->kind == FROM_PIDFD ? pidref_open_fd(&t->ref, t->given_fd)
					      : pidref_open_pid(&t->ref, t->pid);

		origin(t, buf, sizeof(buf));
		if (r == 0 && t->ref.pid <= 0)
			r = -ESRCH;
		if (r == 0 && !t->ref.inode)
			r = -EOPNOTSUPP;
		if (r == 0 && t->want_inode && t->want_inode != t->ref.inode)
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
		default: msg_errno(r, "%s", buf); return EXIT_RUNTIME;
		}
		out_begin(&o->out);
		out_int(&o->out, "pid", t->ref.pid);
		out_uint(&o->out, "inode", t->ref.inode);
		out_human(&o->out, "%d:%llu\n", (int)t->ref.pid, (unsigned long long)t->ref.inode);
		pidref_close(&t->ref);
		if (out_end(&o->out) < 0)
			return cli_write_failed(o->out.err);
	}
	return EXIT_OK;
}

int pidwait_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int pidwait_main(int argc, char **argv)
{
	struct pidwait_opts o = { .method = NULL, .ep = -1 };
	int r;

	o.t0 = monotonic_ns();
	r = parse_args(argc, argv, &o);
	if (r == EXIT_OK) {
		out_init(&o.out, stdout, o.mode);
		if (o.identify) {
			r = identify(&o);
		} else {
			deadline_start(&o.deadline, o.timeout_set, o.timeout_ns);
			r = cli_run_method(&pidwait_methods, o.method, &o);
		}
	} else if (r < 0) {
		r = EXIT_OK; /* --help, --version */
	}
	for (size_t k = 0; o.t && k < o.n; k++)
		pidref_close(&o.t[k].ref);
	free(o.t);
	free(o.pending);
	return r;
}
