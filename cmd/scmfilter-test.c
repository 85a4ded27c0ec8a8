/* scmfilter-test: AF_UNIX fd-passing defences and sender identity, checked between two real processes (wish list: SCM_RIGHTS off, fd filters, asynchronous close, SCM_PIDFD, SCM_CGROUPID, MSG_CTRUNC). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/exitcodes.h"
#include "../lib/fileio.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pidref.h"
#include "../lib/unixsock.h"
#include "../lib/util.h"
#include "../lib/linux-compat.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" scmfilter-test [options] [CHECK...]\n"
	"\n"
	"Run checks of AF_UNIX fd passing and sender identity, each between two\n"
	"processes, and say for each whether it passed and whether the kernel\n"
	"feature or the userspace fallback did the job. Output is TAP.\n"
	"\n"
	"Options:\n"
	" -l, --list                 list the checks, one line each\n"
	" -J, --json                 a JSON array, one object per check\n"
	"     --method NAME          auto, kernel or fallback: the path of the\n"
	"                              checks that have both\n"
	"     --close MODE           how filters close unwanted fds: async (a close\n"
	"                              thread, the default) or inline\n"
	"     --flood-fds N          fds the flood check passes (default 100000)\n"
	" -v, --verbose              say which method is used and why\n"
	"\n"
	" -h, --help                 display this help\n"
	" -V, --version              display version\n"
	"\n"
	"See scmfilter-test(1).\n";

enum {
	OPT_METHOD = 0x100,
	OPT_CLOSE,
	OPT_FLOOD_FDS,
};

static const struct option longopts[] = {
	{ "list", no_argument, NULL, 'l' },
	{ "json", no_argument, NULL, 'J' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "close", required_argument, NULL, OPT_CLOSE },
	{ "flood-fds", required_argument, NULL, OPT_FLOOD_FDS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define FLOOD_FDS_DEFAULT 100000
/* The flood stops passing fds after this long, whatever --flood-fds says
 * (a slow machine or an emulator), and says so. */
#define FLOOD_SECONDS 4
/* A peer that has not answered in this long has failed the check. */
#define PEER_TIMEOUT_S 10

struct scmfilter_test_opts {
	bool list;
	enum out_mode mode;
	const char *method;
	bool inline_close;
	uint64_t flood_fds;
	char **names; /* the checks asked for; none: all */
	int nnames;
};

enum result { R_PASS, R_FAIL, R_SKIP };
static const char *const result_names[] = { "pass", "fail", "skip" };

/* What one check found. */
struct verdict {
	enum result result;
	bool kernel; /* the kernel path ran (JSON method "kernel") */
	char detail[512];
};

struct scmfilter_test {
	struct scmfilter_test_opts o;
	struct out out;
	bool kernel_first;  /* method kernel: the kernel path where a check has one */
	bool kernel_strict; /* --method kernel: skip where the feature is missing */
	size_t base_fds;    /* the fd table at the start of a check */
};

struct check {
	const char *name;
	const char *summary;
	const char *feature; /* JSON kernel_feature */
	/* NULL: one path only (kernel true: it is kernel behaviour, false:
	 * userspace); else whether the kernel feature is here, with why not. */
	int (*have)(char *why, size_t len);
	bool kernel_only;
	void (*run)(struct scmfilter_test *t, struct verdict *v);
};

/* The methods, best first. */
static int probe_kernel(const void *ctx, char *why, size_t len);
static int probe_fallback(const void *ctx, char *why, size_t len);
static int run_checks(void *ctx, const struct method *m);

static const struct method scmfilter_test_method_list[] = {
	{ "kernel", "SO_PASSRIGHTS (6.16), SO_PASSPIDFD/SCM_PIDFD/SO_PEERPIDFD (6.5), PIDFD_GET_INFO (6.13)",
	  probe_kernel, run_checks },
	{ "fallback", "recv() without a control buffer, SCM_CREDENTIALS pid + /proc, a close thread",
	  probe_fallback, run_checks },
};
const struct method_set scmfilter_test_methods = METHOD_SET(scmfilter_test_method_list);

/* ---- helpers: 0 or -errno, never print ------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int set_int_opt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

static int get_int_opt(int fd, int level, int name, int *ret)
{
	socklen_t l = sizeof(*ret);

	return getsockopt(fd, level, name, ret, &l) < 0 ? -errno : 0;
}

/* Receive and send timeouts, so that a peer that hangs fails the check. */
static int bound_socket(int fd)
{
	struct timeval tv = { .tv_sec = PEER_TIMEOUT_S };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	return 0;
}

static int pair_of(int type, int sv[2])
{
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (bound_socket(sv[0]) < 0 || bound_socket(sv[1]) < 0) {
		int r = -errno;

		sv[0] = safe_close(sv[0]);
		sv[1] = safe_close(sv[1]);
		return r;
	}
	return 0;
}

/* A kernel option that is not here answers ENOPROTOOPT (unknown socket
 * option) or one of the usual "not supported" errors. */
static bool option_missing(int err)
{
	return err == -ENOPROTOOPT || errno_is_not_supported(err);
}

/* Whether a SOL_SOCKET option can be set on an AF_UNIX socket of type. */
static int sockopt_works(int type, int name, int val)
{
	int sv[2], r = pair_of(type, sv);

	if (r < 0)
		return r;
	r = set_int_opt(sv[0], SOL_SOCKET, name, val);
	close(sv[0]);
	close(sv[1]);
	return r;
}

/* An abstract AF_UNIX address of our own. */
static socklen_t abstract_addr(struct sockaddr_un *a, const char *what)
{
	int n;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "wishbox-scmfilter-test-%d-%s-%llu",
		     (int)getpid(), what, (unsigned long long)now_ns());
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static int listener(int type, struct sockaddr_un *addr, socklen_t *ret_len, bool refuse_fds)
{
	_cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	socklen_t len = abstract_addr(addr, "l");
	int r;

	if (fd < 0)
		return -errno;
	if (refuse_fds && (r = set_int_opt(fd, SOL_SOCKET, SO_PASSRIGHTS, 0)) < 0)
		return r;
	if (bind(fd, (struct sockaddr *)addr, len) < 0 || listen(fd, 4) < 0)
		return -errno;
	if ((r = bound_socket(fd)) < 0)
		return r;
	*ret_len = len;
	return take_fd(&fd);
}

static int connect_to(int type, const struct sockaddr_un *addr, socklen_t len)
{
	_cleanup_close_ int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)addr, len) < 0 || bound_socket(fd) < 0)
		return -errno;
	return take_fd(&fd);
}

static int accept_bounded(int lfd)
{
	_cleanup_close_ int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (bound_socket(fd) < 0)
		return -errno;
	return take_fd(&fd);
}

/* Reads exactly len bytes of a stream. */
static int read_exact(int fd, void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		got += (size_t)n;
	}
	return 0;
}

static int count_fds(size_t *ret)
{
	return fd_count_open(ret);
}

/* ---- the peer: a forked process that plays the other side ------------ */

struct peer {
	pid_t pid;
	int pidfd;
	uint64_t inode; /* its pidfs inode, 0 before pidfs (6.9) */
};

/* Forks; the child runs fn(arg) and _exits with what it returns (never
 * touching our stdio), and dies with us. keep is the socket it keeps. */
static int peer_start(struct peer *p, int (*fn)(void *arg), void *arg)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(120);
		_exit(fn(arg));
	}
	p->pid = pid;
	p->pidfd = pidfd_open_raw(pid, 0);
	p->inode = 0;
	if (p->pidfd >= 0 && pidfd_inode(p->pidfd, &p->inode) < 0)
		p->inode = 0;
	return 0;
}

/* Waits for the peer (PEER_TIMEOUT_S at most, then kills it) and reaps it:
 * its exit code, or 128+signal, or -errno. */
static int peer_finish(struct peer *p)
{
	int st;

	if (p->pid <= 0)
		return -ECHILD;
	if (p->pidfd >= 0) {
		struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };

		if (poll(&pf, 1, PEER_TIMEOUT_S * 1000) == 0)
			kill(p->pid, SIGKILL);
	}
	while (waitpid(p->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	p->pid = 0;
	p->pidfd = safe_close(p->pidfd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Kills and reaps a peer a failed check leaves behind. */
static void peer_kill(struct peer *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		(void)peer_finish(p);
	}
	p->pidfd = safe_close(p->pidfd);
}

/* ---- verdicts -------------------------------------------------------- */

static void __attribute__((format(printf, 3, 4))) say(struct verdict *v, enum result r, const char *fmt, ...)
{
	va_list ap;

	v->result = r;
	va_start(ap, fmt);
	vsnprintf(v->detail, sizeof(v->detail), fmt, ap);
	va_end(ap);
}

/* A failed step: "step: why". */
static void step_failed(struct verdict *v, const char *step, int err)
{
	say(v, R_FAIL, "%s: %s", step, strerror(err < 0 ? -err : err));
}

/* The fd table is back at base (counted by the check at a point where
 * the same fds were open). */
static bool fds_at(size_t base, size_t *ret_now)
{
	size_t n = 0;

	*ret_now = 0;
	if (count_fds(&n) < 0)
		return false;
	*ret_now = n;
	return n == base;
}

/* The fd table is back where the check started. */
static bool fds_back(const struct scmfilter_test *t, size_t *ret_now)
{
	return fds_at(t->base_fds, ret_now);
}

/* ---- check: passrights-refuse ----------------------------------------- */
/* Kernel rule (6.16): a receiver with SO_PASSRIGHTS=0 makes the sender's
 * sendmsg(SCM_RIGHTS) fail with EPERM, nothing queued; plain data flows; an
 * accept()ed socket inherits the listener's setting. Before 6.16 the
 * receiver's defence is never to pass a control buffer: recv() installs no
 * fd, the kernel drops (closes) the passed ones. */

#define REFUSE_TIMING_MSGS 2000

struct passrights_peer {
	int sock;
	bool expect_refusal;
	bool time_it;
};

static int passrights_sender(void *arg)
{
	const struct passrights_peer *pp = arg;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	char msg[64];
	uint64_t t0, per = 0;
	ssize_t r;

	if (null < 0)
		return 10;
	r = unixsock_send_fds(pp->sock, "f", 1, &null, 1);
	if (pp->expect_refusal ? r != -EPERM : r != 1)
		return 11;
	if (pp->time_it && pp->expect_refusal) {
		t0 = now_ns();
		for (int i = 0; i < REFUSE_TIMING_MSGS; i++)
			if (unixsock_send_fds(pp->sock, "f", 1, &null, 1) != -EPERM)
				return 12;
		per = (now_ns() - t0) / REFUSE_TIMING_MSGS;
	}
	snprintf(msg, sizeof(msg), "data %llu", (unsigned long long)per);
	if (unixsock_send_fds(pp->sock, msg, strlen(msg) + 1, NULL, 0) < 0)
		return 13;
	return 0;
}

/* One exchange over a connected socket rx (ours) and tx (the peer's): the
 * data arrives, no fd is installed. ret_per_ns: refusal cost in ns. */
static int passrights_exchange(struct scmfilter_test *t, int rx, int tx, bool kernel, bool time_it,
			       const char **ret_step, uint64_t *ret_per_ns)
{
	struct passrights_peer pp = { .sock = tx, .expect_refusal = kernel, .time_it = time_it };
	struct peer p = { 0, -1, 0 };
	char buf[64] = "";
	size_t got = 0, now, base = 0;
	int r, st;

	(void)t;
	if ((r = count_fds(&base)) < 0)
		return *ret_step = "count fds", r;
	if ((r = peer_start(&p, passrights_sender, &pp)) < 0)
		return *ret_step = "fork", r;
	if (kernel) {
		struct unixsock_anc a;
		ssize_t n = unixsock_recv(rx, buf, sizeof(buf) - 1, 4, 0, &a);

		if (n < 0) {
			peer_kill(&p);
			return *ret_step = "recvmsg", (int)n;
		}
		got = a.nfds;
		unixsock_anc_close(&a);
	} else {
		/* The fallback: recv() only; "f" and then the data message. */
		size_t off = 0;

		while (!memchr(buf, ' ', off) || buf[off - 1] != '\0') {
			ssize_t n = recv(rx, buf + off, sizeof(buf) - 1 - off, 0);

			if (n <= 0) {
				peer_kill(&p);
				return *ret_step = "recv", n < 0 ? -errno : -EPIPE;
			}
			off += (size_t)n;
		}
		buf[off] = '\0';
	}
	st = peer_finish(&p);
	if (st != 0)
		return *ret_step = st == 11 ? (kernel ? "sender's SCM_RIGHTS was not refused with EPERM" :
							"sender's SCM_RIGHTS failed") :
					      "sender failed",
		       -EPROTO;
	if (got != 0 || !fds_at(base, &now))
		return *ret_step = "an fd was installed in the receiver", -EPROTO;
	if (!strstr(buf, "data "))
		return *ret_step = "the plain data did not arrive", -EPROTO;
	*ret_per_ns = strtoull(strstr(buf, "data ") + 5, NULL, 10);
	return 0;
}

static void run_passrights(struct scmfilter_test *t, struct verdict *v)
{
	static const struct {
		int type;
		const char *name;
	} types[] = { { SOCK_STREAM, "stream" }, { SOCK_DGRAM, "dgram" }, { SOCK_SEQPACKET, "seqpacket" } };
	const char *step = "";
	uint64_t per_ns = 0, ignored;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		int sv[2];

		if ((r = pair_of(types[i].type, sv)) < 0)
			return step_failed(v, "socketpair", r);
		if (v->kernel && (r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSRIGHTS, 0)) < 0) {
			close(sv[0]), close(sv[1]);
			return step_failed(v, "SO_PASSRIGHTS", r);
		}
		r = passrights_exchange(t, sv[0], sv[1], v->kernel, i == 1, &step, i == 1 ? &per_ns : &ignored);
		close(sv[0]), close(sv[1]);
		if (r < 0)
			return say(v, R_FAIL, "%s: %s: %s", types[i].name, step, strerror(-r));
	}
	/* A listening socket: its setting is inherited by accept(). */
	{
		struct sockaddr_un addr;
		socklen_t len = 0;
		_cleanup_close_ int lfd = listener(SOCK_STREAM, &addr, &len, v->kernel);
		_cleanup_close_ int cfd = -1, afd = -1;
		int val = -1;

		if (lfd < 0)
			return step_failed(v, "listen", lfd);
		if ((cfd = connect_to(SOCK_STREAM, &addr, len)) < 0)
			return step_failed(v, "connect", cfd);
		if ((afd = accept_bounded(lfd)) < 0)
			return step_failed(v, "accept", afd);
		if (v->kernel && (get_int_opt(afd, SOL_SOCKET, SO_PASSRIGHTS, &val) < 0 || val != 0))
			return say(v, R_FAIL, "accept()ed socket did not inherit SO_PASSRIGHTS=0 (%d)", val);
		r = passrights_exchange(t, afd, cfd, v->kernel, false, &step, &ignored);
		if (r < 0)
			return say(v, R_FAIL, "accepted stream: %s: %s", step, strerror(-r));
	}
	if (v->kernel)
		say(v, R_PASS,
		    "stream, dgram, seqpacket and accept()ed: sender got EPERM, data flowed, no fd "
		    "installed; refusal costs %llu ns per message",
		    (unsigned long long)per_ns);
	else
		say(v, R_PASS,
		    "stream, dgram, seqpacket and accept()ed: recv() without a control buffer "
		    "installed no fd (the kernel closed the passed ones), data flowed");
}

static int have_passrights(char *why, size_t len)
{
	int r = sockopt_works(SOCK_STREAM, SO_PASSRIGHTS, 0);

	if (r < 0)
		snprintf(why, len, "SO_PASSRIGHTS: %s (6.16+)",
			 option_missing(r) ? "not in this kernel" : strerror(-r));
	return r;
}

/* ---- the receive-side filter: keep memfds, close the rest -------------- */

struct filter {
	bool inline_close;
	struct fd_closer *closer;
	uint64_t kept, closed, misjudged;
	size_t high_water; /* fds open at once beyond the check's start */
};

static int filter_start(struct filter *f, bool inline_close)
{
	memset(f, 0, sizeof(*f));
	f->inline_close = inline_close;
	return inline_close ? 0 : fd_closer_start(&f->closer);
}

/* Closes fd off the receive path (or inline). */
static void filter_drop(struct filter *f, int fd)
{
	if (f->inline_close)
		close(fd);
	else
		fd_closer_push(f->closer, fd);
}

/* Judges the fds of one message; kinds[i] is 'M' where the sender passed a
 * memfd. Keeps memfds in kept[] (closed by the caller), drops the rest. */
static void filter_message(struct filter *f, struct unixsock_anc *a, const char *kinds, size_t nkinds,
			   int *kept, size_t *ret_nkept)
{
	size_t nk = 0, pending = f->closer ? fd_closer_pending(f->closer) : 0;

	if (pending + a->nfds > f->high_water)
		f->high_water = pending + a->nfds;
	for (size_t i = 0; i < a->nfds; i++) {
		int m = fd_is_memfd(a->fds[i]);
		bool sent_memfd = kinds && i < nkinds && kinds[i] == 'M';

		if (kinds && (m == 1) != sent_memfd)
			f->misjudged++;
		if (m == 1 && kept) {
			kept[nk++] = a->fds[i];
			f->kept++;
		} else {
			filter_drop(f, a->fds[i]);
			if (m == 1)
				f->kept++;
			else
				f->closed++;
		}
	}
	a->nfds = 0;
	a->pidfd = safe_close(a->pidfd);
	if (ret_nkept)
		*ret_nkept = nk;
}

static void filter_stop(struct filter *f)
{
	fd_closer_stop(f->closer);
	f->closer = NULL;
}

/* ---- check: filter-memfd --------------------------------------------- */
/* No kernel filter exists (wish list): the receiver judges each fd itself
 * (fstat, fstatfs, F_GET_SEALS, the /proc/self/fd link) and closes what it
 * does not want off its receive path, so it keeps receiving. */

#define FILTER_ROUNDS 40
static const char memfd_text[] = "wishbox memfd";

static int memfd_sender(void *arg)
{
	int sock = *(int *)arg, fds[8], p[2], sp[2];
	char kinds[9];
	size_t n = 0;
	int m1 = memfd_create("wishbox-a", MFD_CLOEXEC);
	int m2 = memfd_create("wishbox-b", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int reg = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int shm = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (m1 < 0 || m2 < 0 || reg < 0 || null < 0 || pipe2(p, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return 20;
	if (write_all(m1, memfd_text, sizeof(memfd_text)) < 0 ||
	    write_all(m2, memfd_text, sizeof(memfd_text)) < 0 || fcntl(m2, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		return 21;
	fds[n] = m1, kinds[n++] = 'M';
	fds[n] = p[0], kinds[n++] = 'p';
	fds[n] = reg, kinds[n++] = 'f';
	fds[n] = m2, kinds[n++] = 'M';
	fds[n] = sp[0], kinds[n++] = 's';
	fds[n] = null, kinds[n++] = 'n';
	fds[n] = p[1], kinds[n++] = 'p';
	if (shm >= 0)
		fds[n] = shm, kinds[n++] = 't';
	kinds[n] = '\0';
	for (int round = 0; round < FILTER_ROUNDS; round++) {
		/* Rotate the mix so every kind comes in every place. */
		size_t k = (size_t)round % n;
		int rf[8];
		char rk[9];

		for (size_t i = 0; i < n; i++)
			rf[i] = fds[(i + k) % n], rk[i] = kinds[(i + k) % n];
		rk[n] = '\0';
		if (unixsock_send_fds(sock, rk, n + 1, rf, n) < 0)
			return 22;
	}
	if (unixsock_send_fds(sock, "end", 4, NULL, 0) < 0)
		return 23;
	return 0;
}

static void run_filter_memfd(struct scmfilter_test *t, struct verdict *v)
{
	struct filter f;
	struct peer p = { 0, -1, 0 };
	int sv[2], r, st;
	uint64_t bad_content = 0, msgs = 0;
	size_t now;

	if ((r = pair_of(SOCK_SEQPACKET, sv)) < 0)
		return step_failed(v, "socketpair", r);
	/* The peer first: no fork while the close thread runs. */
	if ((r = peer_start(&p, memfd_sender, &sv[1])) < 0) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, "fork", r);
	}
	if ((r = filter_start(&f, t->o.inline_close)) < 0) {
		peer_kill(&p);
		close(sv[0]), close(sv[1]);
		return step_failed(v, "close thread", r);
	}
	for (;;) {
		struct unixsock_anc a;
		char kinds[16] = "";
		int kept[UNIXSOCK_MAX_FDS];
		size_t nk = 0;
		ssize_t n = unixsock_recv(sv[0], kinds, sizeof(kinds) - 1, 8, 0, &a);

		if (n < 0) {
			r = (int)n;
			break;
		}
		if (streq(kinds, "end"))
			break;
		msgs++;
		filter_message(&f, &a, kinds, strlen(kinds), kept, &nk);
		for (size_t i = 0; i < nk; i++) {
			char buf[sizeof(memfd_text)] = "";

			if (pread_all(kept[i], buf, sizeof(buf), 0) < 0 || memcmp(buf, memfd_text, sizeof(buf)) != 0)
				bad_content++;
			close(kept[i]);
		}
	}
	filter_stop(&f);
	close(sv[0]), close(sv[1]);
	st = r < 0 ? (peer_kill(&p), -1) : peer_finish(&p);
	if (r < 0)
		return step_failed(v, "recvmsg", r);
	if (st != 0)
		return say(v, R_FAIL, "sender failed (status %d)", st);
	if (msgs != FILTER_ROUNDS || f.misjudged || bad_content)
		return say(v, R_FAIL, "%llu of %d messages; %llu fds misjudged, %llu memfds unreadable",
			   (unsigned long long)msgs, FILTER_ROUNDS, (unsigned long long)f.misjudged,
			   (unsigned long long)bad_content);
	if (!fds_back(t, &now))
		return say(v, R_FAIL, "fd leak: %zu open, %zu before", now, t->base_fds);
	say(v, R_PASS,
	    "kept %llu memfds, closed %llu others (pipe, regular file, socket, /dev/null, tmpfs file) %s; "
	    "no fd left",
	    (unsigned long long)f.kept, (unsigned long long)f.closed,
	    f.inline_close ? "inline" : "on a close thread");
}

/* ---- check: slow-close ----------------------------------------------- */
/* A close can block: the last close of a TCP socket with SO_LINGER and
 * unsent data waits for the peer (up to the linger time). A receiver that
 * closes unwanted fds inline stalls; one with a close thread does not. */

#define SLOW_LINGER_S 1
#define SLOW_FDS_ASYNC 4
#define SLOW_DATA_PER_FD 10

struct slow_peer {
	int sock;
	int slow_fds;
};

struct stamp {
	char tag[4]; /* "slo", "dat", "end" */
	uint64_t ns;
};

/* A loopback TCP connection whose client end's close will linger:
 * the server never reads, the client's buffers are full. */
static int slow_socket(int *ret_server)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct linger lg = { .l_onoff = 1, .l_linger = SLOW_LINGER_S };
	_cleanup_close_ int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	_cleanup_close_ int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	static char junk[65536];
	size_t sent = 0;
	int s;

	if (l < 0 || c < 0 || set_int_opt(l, SOL_SOCKET, SO_RCVBUF, 4096) < 0 ||
	    set_int_opt(c, SOL_SOCKET, SO_SNDBUF, 4096) < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		return -errno;
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		return -errno;
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return -errno;
	/* Fill until the kernel takes no more (bounded: 16 MiB). */
	while (sent < (16u << 20)) {
		ssize_t n = send(c, junk, sizeof(junk), MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				break;
			close(s);
			return -errno;
		}
		sent += (size_t)n;
	}
	if (setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
		close(s);
		return -errno;
	}
	*ret_server = s;
	return take_fd(&c);
}

static int slow_sender(void *arg)
{
	const struct slow_peer *sp = arg;
	int servers[SLOW_FDS_ASYNC];
	struct stamp s;
	char bye;

	for (int i = 0; i < sp->slow_fds; i++) {
		int c = slow_socket(&servers[i]);

		if (c < 0)
			return c == -ENETUNREACH || c == -EADDRNOTAVAIL ? 31 : 30;
		memcpy(s.tag, "slo", 4);
		s.ns = now_ns();
		if (unixsock_send_fds(sp->sock, &s, sizeof(s), &c, 1) < 0)
			return 32;
		/* The passed copy is the last one now: the receiver closes it
		 * when the next message comes, sent after this close. */
		close(c);
		for (int d = 0; d < SLOW_DATA_PER_FD; d++) {
			struct timespec ms = { .tv_nsec = 1000000 };

			nanosleep(&ms, NULL);
			memcpy(s.tag, "dat", 4);
			s.ns = now_ns();
			if (unixsock_send_fds(sp->sock, &s, sizeof(s), NULL, 0) < 0)
				return 33;
		}
	}
	memcpy(s.tag, "end", 4);
	s.ns = now_ns();
	if (unixsock_send_fds(sp->sock, &s, sizeof(s), NULL, 0) < 0)
		return 34;
	/* Hold the servers until the receiver is done: closing them (unread
	 * data: a reset) ends every lingering close at once. */
	if (read(sp->sock, &bye, 1) < 0)
		return 35;
	return 0;
}

static int cmp_u64_plain(const void *a, const void *b)
{
	return cmp_u64(a, b);
}

/* One pass: the receiver closes slow fds inline or on a close thread.
 * Receive latencies (ns) of the data messages go to lat[], the longest
 * close to *ret_close_ns. Returns 0, -errno, or the peer's status > 0. */
static int slow_pass(bool async, uint64_t *lat, size_t *ret_nlat, uint64_t *ret_close_ns)
{
	struct slow_peer sp = { .slow_fds = async ? SLOW_FDS_ASYNC : 1 };
	struct peer p = { 0, -1, 0 };
	struct fd_closer *closer = NULL;
	int sv[2], r = 0, st, stash[SLOW_FDS_ASYNC];
	size_t nlat = 0, nstash = 0;
	uint64_t longest = 0;

	if ((r = pair_of(SOCK_SEQPACKET, sv)) < 0)
		return r;
	sp.sock = sv[1];
	if ((r = peer_start(&p, slow_sender, &sp)) < 0)
		goto out;
	if (async && (r = fd_closer_start(&closer)) < 0)
		goto out;
	for (;;) {
		struct unixsock_anc a;
		struct stamp s;
		ssize_t n = unixsock_recv(sv[0], &s, sizeof(s), 1, 0, &a);
		uint64_t at = now_ns();

		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n != sizeof(s)) {
			unixsock_anc_close(&a);
			r = -EPIPE;
			break;
		}
		if (streq(s.tag, "dat") && nlat < SLOW_FDS_ASYNC * SLOW_DATA_PER_FD)
			lat[nlat++] = at - s.ns;
		for (size_t i = 0; i < nstash; i++) {
			uint64_t t0 = now_ns();

			if (closer)
				fd_closer_push(closer, stash[i]);
			else
				close(stash[i]);
			if (now_ns() - t0 > longest)
				longest = now_ns() - t0;
		}
		nstash = 0;
		for (size_t i = 0; i < a.nfds; i++) {
			if (nstash < ARRAY_SIZE(stash))
				stash[nstash++] = a.fds[i];
			else
				close(a.fds[i]);
		}
		if (streq(s.tag, "end"))
			break;
	}
	for (size_t i = 0; i < nstash; i++)
		close(stash[i]);
	if (r == 0 && write(sv[0], "b", 1) != 1)
		r = -errno;
out:
	if (r < 0)
		peer_kill(&p);
	st = r < 0 ? 0 : peer_finish(&p);
	fd_closer_stop(closer);
	close(sv[0]), close(sv[1]);
	if (r < 0)
		return r;
	*ret_nlat = nlat;
	*ret_close_ns = longest;
	return st;
}

static uint64_t p99(uint64_t *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64_plain);
	return v[(n * 99 + 99) / 100 - 1];
}

static void run_slow_close(struct scmfilter_test *t, struct verdict *v)
{
	uint64_t lat_async[SLOW_FDS_ASYNC * SLOW_DATA_PER_FD], lat_inline[SLOW_FDS_ASYNC * SLOW_DATA_PER_FD];
	uint64_t close_inline = 0, close_async = 0, p_async, p_inline;
	size_t n_async = 0, n_inline = 0, now;
	int r;

	r = slow_pass(false, lat_inline, &n_inline, &close_inline);
	if (r == 31)
		return say(v, R_SKIP, "no loopback network here (127.0.0.1)");
	if (r != 0)
		return r < 0 ? step_failed(v, "inline pass", r) : say(v, R_FAIL, "inline pass: sender failed (%d)", r);
	r = slow_pass(true, lat_async, &n_async, &close_async);
	if (r != 0)
		return r < 0 ? step_failed(v, "async pass", r) : say(v, R_FAIL, "async pass: sender failed (%d)", r);
	p_inline = p99(lat_inline, n_inline);
	p_async = p99(lat_async, n_async);
	if (!fds_back(t, &now))
		return say(v, R_FAIL, "fd leak: %zu open, %zu before", now, t->base_fds);
	if (close_inline < 500000000ull / 2 * SLOW_LINGER_S)
		return say(v, R_FAIL, "the inline close did not block (%llu us): no slow fd to measure",
			   (unsigned long long)(close_inline / 1000));
	if (p_async * 4 >= p_inline)
		return say(v, R_FAIL, "receive latency p99 with the close thread %llu us, inline %llu us",
			   (unsigned long long)(p_async / 1000), (unsigned long long)(p_inline / 1000));
	say(v, R_PASS,
	    "receive latency p99: close thread %llu us (%zu messages, %d lingering TCP fds), inline close "
	    "%llu us (close blocked %llu ms)",
	    (unsigned long long)(p_async / 1000), n_async, SLOW_FDS_ASYNC,
	    (unsigned long long)(p_inline / 1000), (unsigned long long)(close_inline / 1000000));
}

/* ---- check: ctrunc --------------------------------------------------- */
/* Kernel rule: fds that do not fit the control buffer are closed by the
 * kernel and MSG_CTRUNC is set; without a control buffer all are. Nothing
 * stays open anywhere: the sender sees EOF on a pipe whose write end it
 * passed 5 times per message once the receiver is done. */

#define CTRUNC_FDS 5

static int ctrunc_sender(void *arg)
{
	int sock = *(int *)arg, p[2], fds[CTRUNC_FDS];
	char c, go;
	struct pollfd pf;

	if (pipe2(p, O_CLOEXEC) < 0)
		return 40;
	for (int i = 0; i < CTRUNC_FDS; i++)
		fds[i] = p[1];
	for (int m = 0; m < 3; m++)
		if (unixsock_send_fds(sock, "5", 2, fds, CTRUNC_FDS) < 0)
			return 41;
	close(p[1]);
	/* The receiver says when it is done with what it got. */
	if (read(sock, &go, 1) != 1)
		return 42;
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	if (poll(&pf, 1, PEER_TIMEOUT_S * 1000) != 1 || read(p[0], &c, 1) != 0)
		return 43; /* a write end is still open somewhere */
	return 0;
}

static void run_ctrunc(struct scmfilter_test *t, struct verdict *v)
{
	static const size_t room[3] = { 2, 0, CTRUNC_FDS };
	struct peer p = { 0, -1, 0 };
	size_t got[3], now[3], base = 0;
	bool trunc[3];
	int sv[2], r, st;

	(void)t;
	if ((r = pair_of(SOCK_SEQPACKET, sv)) < 0)
		return step_failed(v, "socketpair", r);
	if ((r = peer_start(&p, ctrunc_sender, &sv[1])) < 0) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, "fork", r);
	}
	(void)count_fds(&base);
	for (int m = 0; m < 3; m++) {
		struct unixsock_anc a;
		char buf[4];
		ssize_t n = unixsock_recv(sv[0], buf, sizeof(buf), room[m], 0, &a);

		if (n < 0) {
			peer_kill(&p);
			close(sv[0]), close(sv[1]);
			return step_failed(v, "recvmsg", (int)n);
		}
		got[m] = a.nfds;
		trunc[m] = a.flags & MSG_CTRUNC;
		unixsock_anc_close(&a);
		(void)fds_at(base, &now[m]);
	}
	r = write(sv[0], "g", 1) == 1 ? 0 : -errno;
	st = r < 0 ? (peer_kill(&p), -1) : peer_finish(&p);
	close(sv[0]), close(sv[1]);
	if (st != 0)
		return say(v, R_FAIL, st == 43 ? "a passed fd stayed open after MSG_CTRUNC" : "sender failed (%d)",
			   st);
	if (!trunc[0] || got[0] != 2)
		return say(v, R_FAIL, "room for 2 of %d fds: got %zu, MSG_CTRUNC %s", CTRUNC_FDS, got[0],
			   trunc[0] ? "set" : "not set");
	if (!trunc[1] || got[1] != 0)
		return say(v, R_FAIL, "no control buffer: got %zu fds, MSG_CTRUNC %s", got[1],
			   trunc[1] ? "set" : "not set");
	if (trunc[2] || got[2] != CTRUNC_FDS)
		return say(v, R_FAIL, "room for all %d fds: got %zu, MSG_CTRUNC %s", CTRUNC_FDS, got[2],
			   trunc[2] ? "set" : "not set");
	for (int m = 0; m < 3; m++)
		if (now[m] != base)
			return say(v, R_FAIL, "fd leak after message %d: %zu open, %zu before", m + 1, now[m],
				   base);
	say(v, R_PASS,
	    "room for 2 of %d: MSG_CTRUNC, %d fds lost; no control buffer: MSG_CTRUNC, all %d lost; "
	    "no fd leaked (the sender saw EOF)",
	    CTRUNC_FDS, CTRUNC_FDS - 2, CTRUNC_FDS);
}

/* ---- checks: pidfd, peerpidfd ----------------------------------------- */
/* Kernel rule (6.5): with SO_PASSPIDFD every message carries SCM_PIDFD, a
 * pidfd of the sender at send time; SO_PEERPIDFD is the connecting
 * process's. Since 6.16 both work after the process was reaped, and
 * PIDFD_GET_INFO (PIDFD_INFO_EXIT, 6.15) tells how it ended. The fallback,
 * a PID (SCM_CREDENTIALS, SO_PEERCRED) turned into a pidfd, works only
 * while the process lives: a reaped sender cannot be named. */

#define PIDFD_EXIT_CODE 7

struct id_peer {
	int sock;
	const struct sockaddr_un *addr; /* connect here first (peerpidfd) */
	socklen_t alen;
};

/* Sends "alive", waits for a byte, sends "gone" and exits. */
static int id_sender(void *arg)
{
	const struct id_peer *ip = arg;
	int sock = ip->sock;
	char go;

	if (ip->addr && (sock = connect_to(SOCK_STREAM, ip->addr, ip->alen)) < 0)
		return 50;
	if (unixsock_send_fds(sock, "alive", 6, NULL, 0) < 0 || read(sock, &go, 1) != 1)
		return 51;
	if (unixsock_send_fds(sock, "gone", 5, NULL, 0) < 0)
		return 52;
	return PIDFD_EXIT_CODE;
}

/* Whether pidfd names p: same pidfs inode, or (before pidfs) same PID. */
static bool pidfd_names(int pidfd, const struct peer *p, bool reaped)
{
	uint64_t ino;
	pid_t pid;

	if (p->inode && pidfd_inode(pidfd, &ino) == 0)
		return ino == p->inode;
	return !reaped && pidfd_get_pid(pidfd, &pid) == 0 && pid == p->pid;
}

/* How a reaped process's pidfd tells its end: 0 right, 1 wrong, -errno. */
static int exit_matches(int pidfd)
{
	struct exit_status es;
	int r = pidfd_exit_info(pidfd, &es);

	if (r < 0)
		return r;
	return es.known && es.exited && es.code == PIDFD_EXIT_CODE ? 0 : 1;
}

/* The fallback's answer for a PID: a pidfd that names p, while it lives. */
static const char *fallback_names(pid_t pid, const struct peer *p, bool reaped)
{
	_cleanup_close_ int fd = pid > 0 ? pidfd_open_raw(pid, 0) : -1;

	if (fd < 0)
		return reaped ? "gone" : "lost";
	return pidfd_names(fd, p, false) ? "named" : (reaped ? "reused" : "wrong");
}

static void run_pidfd(struct scmfilter_test *t, struct verdict *v)
{
	struct id_peer ip;
	struct peer p = { 0, -1, 0 };
	struct unixsock_anc a1 = { .pidfd = -1 }, a2 = { .pidfd = -1 };
	unsigned int want = UNIXSOCK_WANT_CRED | (v->kernel ? UNIXSOCK_WANT_PIDFD : 0);
	char buf[8], reaped_note[160] = "";
	int sv[2], r, st;
	pid_t pid1 = 0, pid2 = 0;
	const char *fb_alive, *fb_gone;

	(void)t;
	if ((r = pair_of(SOCK_DGRAM, sv)) < 0)
		return step_failed(v, "socketpair", r);
	if ((r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSCRED, 1)) < 0 ||
	    (v->kernel && (r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSPIDFD, 1)) < 0)) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, v->kernel ? "SO_PASSPIDFD" : "SO_PASSCRED", r);
	}
	ip = (struct id_peer){ .sock = sv[1] };
	if ((r = peer_start(&p, id_sender, &ip)) < 0) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, "fork", r);
	}
	/* 1: the sender is alive. */
	if ((r = (int)unixsock_recv(sv[0], buf, sizeof(buf), 0, want, &a1)) < 0)
		goto fail_recv;
	pid1 = a1.has_cred ? a1.cred.pid : 0;
	fb_alive = fallback_names(pid1, &p, false);
	/* 2: the sender has sent, exited and been reaped before we read. */
	if (write(sv[0], "g", 1) != 1) {
		r = -errno;
		goto fail_recv;
	}
	{
		pid_t who = p.pid;

		st = peer_finish(&p); /* keeps p.inode */
		p.pid = who;
	}
	if ((r = (int)unixsock_recv(sv[0], buf, sizeof(buf), 0, want, &a2)) < 0)
		goto fail_recv;
	pid2 = a2.has_cred ? a2.cred.pid : 0;
	fb_gone = fallback_names(pid2, &p, true);
	close(sv[0]), close(sv[1]);
	if (st != PIDFD_EXIT_CODE) {
		say(v, R_FAIL, "sender failed (status %d)", st);
		goto out;
	}
	if (!v->kernel) {
		if (!streq(fb_alive, "named"))
			say(v, R_FAIL, "SCM_CREDENTIALS pid %d did not name the live sender (%s)", (int)pid1,
			    fb_alive);
		else
			say(v, R_PASS,
			    "SCM_CREDENTIALS pid named the live sender; once reaped its pid %d is %s: the "
			    "fallback cannot name it (SCM_PIDFD, 6.5, can)",
			    (int)pid2, streq(fb_gone, "gone") ? "gone" : "already reused");
		goto out;
	}
	if (a1.pidfd < 0 || !pidfd_names(a1.pidfd, &p, false)) {
		say(v, R_FAIL, "SCM_PIDFD of the live sender %s", a1.pidfd < 0 ? "missing" : "names another process");
		goto out;
	}
	if (a2.pidfd < 0) {
		snprintf(reaped_note, sizeof(reaped_note),
			 "no SCM_PIDFD for a reaped sender (6.16+: pidfds of reaped processes)");
	} else if (!pidfd_names(a2.pidfd, &p, true) && p.inode) {
		say(v, R_FAIL, "SCM_PIDFD of the reaped sender names another process");
		goto out;
	} else {
		r = exit_matches(a2.pidfd);
		if (r == 1) {
			say(v, R_FAIL, "PIDFD_GET_INFO gave a wrong exit status for the reaped sender");
			goto out;
		}
		snprintf(reaped_note, sizeof(reaped_note), "reaped sender: SCM_PIDFD still names it, %s",
			 r == 0 ? "exit status " "7" " through PIDFD_INFO_EXIT" :
				  "no exit status (PIDFD_INFO_EXIT, 6.15+)");
	}
	say(v, R_PASS, "SCM_PIDFD names the live sender (pidfs inode %llu); %s; the fallback's pid: %s",
	    (unsigned long long)p.inode, reaped_note, fb_gone);
	goto out;
fail_recv:
	close(sv[0]), close(sv[1]);
	peer_kill(&p);
	step_failed(v, "recvmsg", r);
out:
	unixsock_anc_close(&a1);
	unixsock_anc_close(&a2);
	peer_kill(&p);
}

static int have_passpidfd(char *why, size_t len)
{
	int r = sockopt_works(SOCK_DGRAM, SO_PASSPIDFD, 1);

	if (r < 0)
		snprintf(why, len, "SO_PASSPIDFD/SCM_PIDFD: %s (6.5+)",
			 option_missing(r) ? "not in this kernel" : strerror(-r));
	return r;
}

static int peer_pidfd(int fd, int *ret)
{
	socklen_t l = sizeof(*ret);

	return getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, ret, &l) < 0 ? -errno : 0;
}

static void run_peerpidfd(struct scmfilter_test *t, struct verdict *v)
{
	struct sockaddr_un addr;
	socklen_t alen = 0, cl = sizeof(struct ucred);
	struct ucred cred = { 0 };
	struct id_peer ip;
	struct peer p = { 0, -1, 0 };
	_cleanup_close_ int lfd = listener(SOCK_STREAM, &addr, &alen, false);
	_cleanup_close_ int afd = -1, pfd = -1, pfd2 = -1;
	char buf[8], note[160];
	pid_t ppid = 0;
	int r, st;

	(void)t;
	if (lfd < 0)
		return step_failed(v, "listen", lfd);
	ip = (struct id_peer){ .addr = &addr, .alen = alen };
	if ((r = peer_start(&p, id_sender, &ip)) < 0)
		return step_failed(v, "fork", r);
	if ((afd = accept_bounded(lfd)) < 0 || read_exact(afd, buf, 6) < 0) {
		peer_kill(&p);
		return step_failed(v, "accept", afd < 0 ? afd : -EPIPE);
	}
	if (getsockopt(afd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		r = -errno;
		peer_kill(&p);
		return step_failed(v, "SO_PEERCRED", r);
	}
	if (v->kernel) {
		if ((r = peer_pidfd(afd, &pfd)) < 0) {
			peer_kill(&p);
			return step_failed(v, "SO_PEERPIDFD", r);
		}
		if (pidfd_get_pid(pfd, &ppid) < 0 || ppid != cred.pid || cred.pid != p.pid ||
		    !pidfd_names(pfd, &p, false)) {
			peer_kill(&p);
			return say(v, R_FAIL, "SO_PEERPIDFD (pid %d) and SO_PEERCRED (pid %d) disagree, peer %d",
				   (int)ppid, (int)cred.pid, (int)p.pid);
		}
	} else if (cred.pid != p.pid || !streq(fallback_names(cred.pid, &p, false), "named")) {
		peer_kill(&p);
		return say(v, R_FAIL, "SO_PEERCRED pid %d does not name the peer %d", (int)cred.pid, (int)p.pid);
	}
	/* The peer exits and is reaped. */
	{
		uint64_t ino = p.inode;

		if (write(afd, "g", 1) != 1 || read_exact(afd, buf, 5) < 0) {
			peer_kill(&p);
			return step_failed(v, "exchange", -EPIPE);
		}
		st = peer_finish(&p);
		p.inode = ino;
		p.pid = cred.pid;
	}
	if (st != PIDFD_EXIT_CODE)
		return say(v, R_FAIL, "peer failed (status %d)", st);
	if (!v->kernel)
		return say(v, R_PASS, "SO_PEERCRED pid %d named the live peer; once reaped it is %s (SO_PEERPIDFD, 6.5, "
				      "names it for good)",
			   (int)cred.pid, fallback_names(cred.pid, &p, true));
	r = peer_pidfd(afd, &pfd2);
	if (r == -ESRCH || r == -EINVAL)
		snprintf(note, sizeof(note), "no pidfd for the reaped peer (6.16+)");
	else if (r < 0)
		return step_failed(v, "SO_PEERPIDFD after the peer was reaped", r);
	else if (p.inode && !pidfd_names(pfd2, &p, true))
		return say(v, R_FAIL, "SO_PEERPIDFD of the reaped peer names another process");
	else if ((r = exit_matches(pfd2)) == 1)
		return say(v, R_FAIL, "PIDFD_GET_INFO gave a wrong exit status for the reaped peer");
	else
		snprintf(note, sizeof(note), "after reaping it still names the peer, %s",
			 r == 0 ? "exit status 7 through PIDFD_INFO_EXIT" : "no exit status (6.15+)");
	say(v, R_PASS, "SO_PEERPIDFD pid %d equals SO_PEERCRED's; %s", (int)ppid, note);
}

static int have_peerpidfd(char *why, size_t len)
{
	int sv[2], fd = -1, r = pair_of(SOCK_STREAM, sv);

	if (r < 0)
		return r;
	r = peer_pidfd(sv[0], &fd);
	safe_close(fd);
	close(sv[0]), close(sv[1]);
	if (r < 0)
		snprintf(why, len, "SO_PEERPIDFD: %s (6.5+)", option_missing(r) ? "not in this kernel" : strerror(-r));
	return r;
}

/* ---- check: creds ---------------------------------------------------- */
/* Kernel rule: SCM_CREDENTIALS carries the sender's pid, uid and gid, the
 * pid translated into the receiver's PID namespace (0 where the sender is
 * not visible). */

struct creds_peer {
	int sock, sock_in; /* to us; the pair whose end the inner receiver reads */
};

/* Pid 1 of a new PID namespace: sends to us (we see its pid here), then
 * receives from us (it cannot see ours: pid 0). */
static int creds_grandchild(const struct creds_peer *cp)
{
	struct unixsock_anc a;
	char buf[4];

	if (unixsock_send_fds(cp->sock, "g", 2, NULL, 0) < 0)
		return 61;
	if (set_int_opt(cp->sock_in, SOL_SOCKET, SO_PASSCRED, 1) < 0 || write(cp->sock_in, "r", 1) != 1)
		return 62;
	if (unixsock_recv(cp->sock_in, buf, sizeof(buf), 0, UNIXSOCK_WANT_CRED, &a) < 0 || !a.has_cred)
		return 63;
	return a.cred.pid == 0 ? 0 : 64;
}

static int creds_sender(void *arg)
{
	const struct creds_peer *cp = arg;
	char msg[32];
	pid_t g;
	int st;

	if (unixsock_send_fds(cp->sock, "plain", 6, NULL, 0) < 0)
		return 60;
	if (unshare(CLONE_NEWPID) < 0)
		return unixsock_send_fds(cp->sock, "nons", 5, NULL, 0) < 0 ? 60 : 0;
	g = fork();
	if (g < 0)
		return 65;
	if (g == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			_exit(68);
		_exit(creds_grandchild(cp));
	}
	snprintf(msg, sizeof(msg), "G%d", (int)g);
	if (unixsock_send_fds(cp->sock, msg, strlen(msg) + 1, NULL, 0) < 0)
		return 60;
	while (waitpid(g, &st, 0) < 0)
		if (errno != EINTR)
			return 66;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 67;
}

static void run_creds(struct scmfilter_test *t, struct verdict *v)
{
	struct creds_peer cp;
	struct peer p = { 0, -1, 0 };
	struct unixsock_anc a;
	int sv[2], in[2], r, st;
	char buf[32];
	pid_t gpid = 0, gseen = 0, spid = 0;
	bool ns = true;

	(void)t;
	if ((r = pair_of(SOCK_DGRAM, sv)) < 0)
		return step_failed(v, "socketpair", r);
	if ((r = pair_of(SOCK_DGRAM, in)) < 0) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, "socketpair", r);
	}
	if ((r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSCRED, 1)) < 0)
		goto fail;
	cp = (struct creds_peer){ .sock = sv[1], .sock_in = in[1] };
	if ((r = peer_start(&p, creds_sender, &cp)) < 0)
		goto fail;
	if ((r = (int)unixsock_recv(sv[0], buf, sizeof(buf), 0, UNIXSOCK_WANT_CRED, &a)) < 0)
		goto fail;
	if (!a.has_cred || a.cred.pid != p.pid || a.cred.uid != getuid() || a.cred.gid != getgid()) {
		say(v, R_FAIL, "SCM_CREDENTIALS pid %d uid %u gid %u, the sender is %d %u %u", (int)a.cred.pid,
		    a.cred.uid, a.cred.gid, (int)p.pid, getuid(), getgid());
		goto out;
	}
	memset(buf, 0, sizeof(buf));
	if ((r = (int)unixsock_recv(sv[0], buf, sizeof(buf) - 1, 0, UNIXSOCK_WANT_CRED, &a)) < 0)
		goto fail;
	if (streq(buf, "nons")) {
		ns = false;
	} else {
		/* "G<pid>" from the child and "g" from the grandchild, in any order. */
		for (int i = 0;; i++) {
			if (buf[0] == 'G')
				gpid = (pid_t)atoi(buf + 1);
			else
				gseen = a.has_cred ? a.cred.pid : -1;
			if (i == 1)
				break;
			memset(buf, 0, sizeof(buf));
			if ((r = (int)unixsock_recv(sv[0], buf, sizeof(buf) - 1, 0, UNIXSOCK_WANT_CRED, &a)) < 0)
				goto fail;
		}
		/* The inner receiver is ready; send it one message. */
		if ((r = read_exact(in[0], buf, 1)) < 0 || (r = (int)unixsock_send_fds(in[0], "o", 2, NULL, 0)) < 0)
			goto fail;
	}
	spid = p.pid;
	st = peer_finish(&p);
	if (st != 0) {
		say(v, R_FAIL, st == 64 ? "a receiver in a child PID namespace saw our pid (not 0)" :
					  "sender failed (status %d)", st);
		goto out;
	}
	if (ns && gseen != gpid) {
		say(v, R_FAIL, "sender in a child PID namespace (pid 1 there, %d here): SCM_CREDENTIALS says %d",
		    (int)gpid, (int)gseen);
		goto out;
	}
	if (ns)
		say(v, R_PASS,
		    "pid %d uid %u gid %u match the sender; across a PID namespace: pid 1 there read as %d "
		    "here, and 0 where the sender is not visible",
		    (int)spid, getuid(), getgid(), (int)gpid);
	else
		say(v, R_PASS, "pid %d uid %u gid %u match the sender; the PID namespace half needs "
			       "CAP_SYS_ADMIN (not held)",
		    (int)spid, getuid(), getgid());
	goto out;
fail:
	step_failed(v, "exchange", r);
out:
	peer_kill(&p);
	close(sv[0]), close(sv[1]), close(in[0]), close(in[1]);
}

/* ---- check: cgroup --------------------------------------------------- */
/* No SCM_CGROUPID (wish list): the kernel path takes the sender's SCM_PIDFD
 * and PIDFD_GET_INFO's cgroupid (6.13; at exit with PIDFD_INFO_EXIT, 6.15),
 * and resolves the id to a path on the cgroup2 mount (open_by_handle_at, or
 * a walk comparing inode numbers). The fallback, SCM_CREDENTIALS pid and
 * /proc/PID/cgroup, works only while the sender lives. */

#define FILEID_KERNFS 0xfe

static const char *const cgroup2_mounts[] = { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" };

static int cgroup2_mount(const char **ret)
{
	struct statfs sfs;

	for (size_t i = 0; i < ARRAY_SIZE(cgroup2_mounts); i++)
		if (statfs(cgroup2_mounts[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
			*ret = cgroup2_mounts[i];
			return 0;
		}
	return -ENOENT;
}

/* "0::/path" of a /proc/PID/cgroup text, into out. */
static int v2_line(const char *text, char *out, size_t size)
{
	const char *l = strstr(text, "0::/");

	if (!l || (l != text && l[-1] != '\n'))
		return -ENOENT;
	l += 3;
	snprintf(out, size, "%.*s", (int)strcspn(l, "\n"), l);
	return 0;
}

/* Depth-first walk for the directory whose inode is id (the cgroup id on
 * 64-bit). rel grows with the path from the mount. */
static int walk_for(int dfd, uint64_t id, char *rel, size_t size, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t len = strlen(rel);
	int r = -ENOENT;

	if (depth > 32 || !(d = fdopendir(dfd)))
		return -ENOENT;
	while (r == -ENOENT && (e = readdir(d))) {
		int sub;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(rel + len, size - len, "/%s", e->d_name);
		if (e->d_ino == id)
			r = 0;
		else if ((sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
			r = walk_for(sub, id, rel, size, depth + 1);
		if (r < 0)
			rel[len] = '\0';
	}
	closedir(d);
	return r;
}

static int cgroup_path_of(uint64_t id, char *out, size_t size, const char **ret_how)
{
	const char *mnt;
	struct stat st;
	_cleanup_close_ int mfd = -1, cfd = -1;
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	int r;

	if ((r = cgroup2_mount(&mnt)) < 0)
		return r;
	if ((mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(mfd, &st) == 0 && st.st_ino == id) {
		snprintf(out, size, "/");
		*ret_how = "the root";
		return 0;
	}
	memcpy(h.fh.f_handle, &id, sizeof(id));
	cfd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd >= 0) {
		char link[64], target[4096];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", cfd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			size_t ml = strlen(mnt);

			target[n] = '\0';
			if (strncmp(target, mnt, ml) == 0 && (target[ml] == '/' || !target[ml])) {
				snprintf(out, size, "%s", target[ml] ? target + ml : "/");
				*ret_how = "open_by_handle_at";
				return 0;
			}
		}
	}
	out[0] = '\0';
	*ret_how = "a walk of the cgroup2 mount";
	return walk_for(take_fd(&mfd), id, out, size, 0);
}

/* Sends its cgroup ("0::" line) and exits; with wait set, first waits for a byte. */
struct cg_peer {
	int sock;
	bool wait;
};

static int cgroup_sender(void *arg)
{
	const struct cg_peer *cp = arg;
	char text[4096], path[4096];
	size_t n;
	char go;

	if (read_file_buf(AT_FDCWD, "/proc/self/cgroup", text, sizeof(text), &n) < 0 ||
	    v2_line(text, path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "?");
	if (unixsock_send_fds(cp->sock, path, strlen(path) + 1, NULL, 0) < 0)
		return 70;
	if (cp->wait && read(cp->sock, &go, 1) != 1)
		return 71;
	return 0;
}

/* The fallback for a pid: /proc/PID/cgroup. */
static int cgroup_of_pid(pid_t pid, char *out, size_t size)
{
	char p[64], text[4096];
	size_t n;
	int r;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	if ((r = read_file_buf(AT_FDCWD, p, text, sizeof(text), &n)) < 0)
		return r;
	return v2_line(text, out, size);
}

/* One sender: sends its cgroup; gone: it exits and is reaped before we
 * read. Fills the message (its own word), creds and pidfd. */
static int cgroup_exchange(bool want_pidfd, bool gone, char *said, size_t size, struct unixsock_anc *a)
{
	struct cg_peer cp = { .wait = !gone };
	struct peer p = { 0, -1, 0 };
	int sv[2], r;

	if ((r = pair_of(SOCK_DGRAM, sv)) < 0)
		return r;
	cp.sock = sv[1];
	if ((r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSCRED, 1)) < 0 ||
	    (want_pidfd && (r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSPIDFD, 1)) < 0) ||
	    (r = peer_start(&p, cgroup_sender, &cp)) < 0) {
		close(sv[0]), close(sv[1]);
		return r;
	}
	if (gone && peer_finish(&p) != 0) {
		close(sv[0]), close(sv[1]);
		return -EPROTO;
	}
	r = (int)unixsock_recv(sv[0], said, size - 1, 0,
			       UNIXSOCK_WANT_CRED | (want_pidfd ? UNIXSOCK_WANT_PIDFD : 0), a);
	if (r >= 0)
		said[r] = '\0';
	if (!gone) {
		char path[4096];

		/* While it waits: the fallback can still read /proc/PID. */
		if (r >= 0 && (!a->has_cred || cgroup_of_pid(a->cred.pid, path, sizeof(path)) < 0 ||
			       !streq(path, said)))
			r = -EPROTO;
		if (write(sv[0], "g", 1) != 1 && r >= 0)
			r = -errno;
		close(sv[0]);
		close(sv[1]);
		if (peer_finish(&p) != 0 && r >= 0)
			r = -EPROTO;
	} else {
		close(sv[0]);
		close(sv[1]);
	}
	peer_kill(&p);
	return r < 0 ? r : 0;
}

static void run_cgroup(struct scmfilter_test *t, struct verdict *v)
{
	struct unixsock_anc a = { .pidfd = -1 };
	char said[4096], resolved[4096], fb[4096];
	const char *mnt, *how = "";
	struct wb_pidfd_info info = { .mask = PIDFD_INFO_CGROUPID | PIDFD_INFO_EXIT };
	int r, fr;

	(void)t;
	if (cgroup2_mount(&mnt) < 0)
		return say(v, R_SKIP, "no cgroup2 mount at /sys/fs/cgroup or /sys/fs/cgroup/unified");
	/* The fallback with a live sender (it checks itself). */
	if ((r = cgroup_exchange(false, false, said, sizeof(said), &a)) < 0) {
		unixsock_anc_close(&a);
		return say(v, R_FAIL, "a live sender's /proc/PID/cgroup %s (it said %s)", r == -EPROTO ? "differs from its own word" : strerror(-r), said);
	}
	unixsock_anc_close(&a);
	/* A sender that exited and was reaped before we read. */
	if ((r = cgroup_exchange(v->kernel, true, said, sizeof(said), &a)) < 0)
		return step_failed(v, "exchange with an exited sender", r);
	fr = a.has_cred ? cgroup_of_pid(a.cred.pid, fb, sizeof(fb)) : -ESRCH;
	if (!v->kernel) {
		unixsock_anc_close(&a);
		if (fr == 0 && streq(fb, said))
			return say(v, R_FAIL, "/proc/PID/cgroup of a reaped sender was readable: the PID was reused");
		return say(v, R_PASS, "SCM_CREDENTIALS pid + /proc/PID/cgroup: right while the sender lives "
				      "(%s); once it exited: %s (SCM_PIDFD + PIDFD_GET_INFO, 6.15+, can tell)",
			   said, fr < 0 ? strerror(-fr) : "another process's cgroup");
	}
	if (a.pidfd < 0) {
		unixsock_anc_close(&a);
		return say(v, R_FAIL, "no SCM_PIDFD for the exited sender (6.16+)");
	}
	r = ioctl(a.pidfd, WB_PIDFD_GET_INFO, &info) < 0 ? -errno : 0;
	unixsock_anc_close(&a);
	if (r < 0)
		return step_failed(v, "PIDFD_GET_INFO", r);
	if (!(info.mask & PIDFD_INFO_CGROUPID))
		return say(v, R_FAIL, "PIDFD_GET_INFO returned no cgroupid");
	if ((r = cgroup_path_of(info.cgroupid, resolved, sizeof(resolved), &how)) < 0)
		return say(v, R_FAIL, "cgroup id %llu: no such cgroup under %s (%s)",
			   (unsigned long long)info.cgroupid, mnt, strerror(-r));
	if (!streq(resolved, said))
		return say(v, R_FAIL, "cgroup id %llu is %s, the sender said %s", (unsigned long long)info.cgroupid,
			   resolved, said);
	say(v, R_PASS,
	    "exited sender: SCM_PIDFD -> cgroup id %llu -> %s (through %s), as it said; the fallback "
	    "(/proc/PID/cgroup): %s",
	    (unsigned long long)info.cgroupid, resolved, how, fr < 0 ? strerror(-fr) : "wrong answer");
}

static int quit_sender(void *arg)
{
	return unixsock_send_fds(*(int *)arg, "q", 2, NULL, 0) < 0 ? 1 : 0;
}

/* Whether SCM_PIDFD still comes once the sender was reaped (6.16): tried
 * with a child that sends and exits. 0, -EOPNOTSUPP, or -errno. */
static int reaped_pidfd_works(void)
{
	struct peer p = { 0, -1, 0 };
	struct unixsock_anc a;
	char buf[4];
	int sv[2], r;

	if ((r = pair_of(SOCK_DGRAM, sv)) < 0)
		return r;
	if ((r = set_int_opt(sv[0], SOL_SOCKET, SO_PASSPIDFD, 1)) == 0 &&
	    (r = peer_start(&p, quit_sender, &sv[1])) == 0 && (r = peer_finish(&p)) == 0) {
		r = (int)unixsock_recv(sv[0], buf, sizeof(buf), 0, UNIXSOCK_WANT_PIDFD, &a);
		if (r >= 0) {
			r = a.pidfd >= 0 ? 0 : -EOPNOTSUPP;
			unixsock_anc_close(&a);
		}
	} else if (r > 0) {
		r = -EPROTO;
	}
	peer_kill(&p);
	close(sv[0]), close(sv[1]);
	return r;
}

static int have_cgroupid(char *why, size_t len)
{
	int r = have_passpidfd(why, len);

	if (r < 0)
		return r;
	r = pidfd_exit_info_supported();
	if (r < 0) {
		snprintf(why, len, "%s",
			 r == -ENOTTY || r == -EINVAL ? "PIDFD_GET_INFO: not in this kernel (6.13+)" :
			 r == -EOPNOTSUPP	   ? "PIDFD_INFO_EXIT: not in this kernel (6.15+)" :
						     "pidfd exit info: not usable here");
		return r;
	}
	r = reaped_pidfd_works();
	if (r < 0)
		snprintf(why, len, "SCM_PIDFD of a reaped sender: %s (6.16+)",
			 r == -EOPNOTSUPP ? "not in this kernel" : strerror(-r));
	return r;
}

/* ---- check: flood ---------------------------------------------------- */
/* The filtering receiver against a sender that passes fds as fast as it
 * can, UNIXSOCK_MAX_FDS per message: every fd is judged and accounted for,
 * the table's high-water mark stays bounded, nothing is left open. */

struct flood_peer {
	int sock;
	uint64_t fds;
};

struct flood_msg {
	uint32_t n, memfds;
	uint64_t total, memfd_total; /* in the end message */
	uint64_t sent_ns;
};

static int flood_sender(void *arg)
{
	const struct flood_peer *fp = arg;
	int m = memfd_create("wishbox-flood", MFD_CLOEXEC), pp[2], fds[UNIXSOCK_MAX_FDS];
	uint64_t total = 0, memfds = 0, deadline = now_ns() + FLOOD_SECONDS * 1000000000ull;
	struct flood_msg msg = { 0 };

	if (m < 0 || pipe2(pp, O_CLOEXEC) < 0)
		return 80;
	for (int i = 0; i < UNIXSOCK_MAX_FDS; i++)
		fds[i] = i % 3 == 0 ? m : pp[i % 2];
	while (total < fp->fds && now_ns() < deadline) {
		uint64_t n = fp->fds - total < UNIXSOCK_MAX_FDS ? fp->fds - total : UNIXSOCK_MAX_FDS;

		msg.n = (uint32_t)n;
		msg.memfds = (uint32_t)((n + 2) / 3);
		msg.sent_ns = now_ns();
		if (unixsock_send_fds(fp->sock, &msg, sizeof(msg), fds, n) < 0)
			return 81;
		total += n;
		memfds += msg.memfds;
	}
	msg = (struct flood_msg){ .total = total, .memfd_total = memfds };
	return unixsock_send_fds(fp->sock, &msg, sizeof(msg), NULL, 0) < 0 ? 82 : 0;
}

static void run_flood(struct scmfilter_test *t, struct verdict *v)
{
	struct flood_peer fp = { .fds = t->o.flood_fds };
	struct peer p = { 0, -1, 0 };
	struct filter f;
	struct rlimit rl, old;
	uint64_t got = 0, memfds = 0, t0, dt, worst = 0, lost = 0;
	struct flood_msg end = { 0 };
	int sv[2], r = 0, st;
	size_t now;

	if (getrlimit(RLIMIT_NOFILE, &old) < 0)
		return step_failed(v, "getrlimit", -errno);
	rl = old;
	if (rl.rlim_cur < 65536)
		rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if ((r = pair_of(SOCK_SEQPACKET, sv)) < 0)
		return step_failed(v, "socketpair", r);
	fp.sock = sv[1];
	t0 = now_ns();
	if ((r = peer_start(&p, flood_sender, &fp)) < 0) {
		close(sv[0]), close(sv[1]);
		return step_failed(v, "fork", r);
	}
	if ((r = filter_start(&f, t->o.inline_close)) < 0) {
		peer_kill(&p);
		close(sv[0]), close(sv[1]);
		return step_failed(v, "close thread", r);
	}
	for (;;) {
		struct unixsock_anc a;
		struct flood_msg m;
		ssize_t n = unixsock_recv(sv[0], &m, sizeof(m), UNIXSOCK_MAX_FDS, 0, &a);
		uint64_t before = 0, k = 0;

		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n != sizeof(m)) {
			unixsock_anc_close(&a);
			r = -EPROTO;
			break;
		}
		if (m.n == 0) {
			end = m;
			break;
		}
		if (now_ns() - m.sent_ns > worst)
			worst = now_ns() - m.sent_ns;
		if (a.flags & MSG_CTRUNC)
			lost += m.n - a.nfds;
		got += a.nfds;
		before = f.kept;
		filter_message(&f, &a, NULL, 0, NULL, NULL);
		k = f.kept - before;
		memfds += k;
		/* Back-pressure: do not let the close thread fall far behind. */
		while (f.closer && fd_closer_pending(f.closer) > 4096)
			sched_yield();
	}
	filter_stop(&f);
	dt = now_ns() - t0;
	st = r < 0 ? (peer_kill(&p), -1) : peer_finish(&p);
	close(sv[0]), close(sv[1]);
	(void)setrlimit(RLIMIT_NOFILE, &old);
	if (r < 0)
		return step_failed(v, "recvmsg", r);
	if (st != 0)
		return say(v, R_FAIL, "sender failed (status %d)", st);
	if (got != end.total || memfds != end.memfd_total || lost)
		return say(v, R_FAIL, "sent %llu fds (%llu memfds), received %llu (%llu memfds), %llu lost",
			   (unsigned long long)end.total, (unsigned long long)end.memfd_total,
			   (unsigned long long)got, (unsigned long long)memfds, (unsigned long long)lost);
	if (!fds_back(t, &now))
		return say(v, R_FAIL, "fd leak: %zu open, %zu before", now, t->base_fds);
	say(v, R_PASS,
	    "%llu fds%s filtered at %llu fds/s (%s close), %llu memfds kept; fd table high-water mark "
	    "%zu above the start; longest a message waited in the socket queue %llu us",
	    (unsigned long long)got,
	    got < t->o.flood_fds ? " (bounded: the sender stopped after " "4" " s)" : "",
	    (unsigned long long)(dt ? got * 1000000000ull / dt : 0), f.inline_close ? "inline" : "async",
	    (unsigned long long)memfds, f.high_water, (unsigned long long)(worst / 1000));
}

/* ---- the checks, in the order they run ------------------------------- */

static const struct check checks[] = {
	{ "passrights-refuse", "a receiver refuses SCM_RIGHTS; the sender gets EPERM, data flows",
	  "SO_PASSRIGHTS (6.16)", have_passrights, false, run_passrights },
	{ "filter-memfd", "a receiver keeps memfds only and closes the rest off its receive path",
	  "none: no receive-side fd filter in the kernel (wish list)", NULL, false, run_filter_memfd },
	{ "slow-close", "fds whose close blocks: a close thread keeps receive latency low",
	  "none: no asynchronous close in the kernel (wish list)", NULL, false, run_slow_close },
	{ "ctrunc", "a control buffer too small: MSG_CTRUNC, the fds lost, none leaked", "MSG_CTRUNC (2.2)",
	  NULL, true, run_ctrunc },
	{ "pidfd", "SCM_PIDFD names the sender, also once it was reaped", "SO_PASSPIDFD/SCM_PIDFD (6.5)",
	  have_passpidfd, false, run_pidfd },
	{ "peerpidfd", "SO_PEERPIDFD equals SO_PEERCRED's pid", "SO_PEERPIDFD (6.5)", have_peerpidfd, false,
	  run_peerpidfd },
	{ "creds", "SCM_CREDENTIALS match the sender, across a PID namespace too", "SCM_CREDENTIALS (2.2)", NULL,
	  true, run_creds },
	{ "cgroup", "the sender's cgroup, race-free, even once it exited",
	  "SCM_PIDFD (6.5) + PIDFD_GET_INFO cgroupid (6.13) + PIDFD_INFO_EXIT (6.15)", have_cgroupid, false,
	  run_cgroup },
	{ "flood", "100,000 fds in batches: the filtering receiver keeps up and leaks nothing",
	  "none: no receive-side fd filter in the kernel (wish list)", NULL, false, run_flood },
};

static const struct check *find_check(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if (streq(checks[i].name, name))
			return &checks[i];
	return NULL;
}

/* ---- methods ----------------------------------------------------------- */

static int probe_kernel(const void *ctx, char *why, size_t len)
{
	char a[100] = "", b[100] = "";
	int r1 = have_passrights(a, sizeof(a)), r2 = have_passpidfd(b, sizeof(b));

	(void)ctx;
	if (r1 == 0 || r2 == 0) {
		snprintf(why, len, "%s", r1 == 0 && r2 == 0 ? "SO_PASSRIGHTS and SO_PASSPIDFD work" :
					 r1 == 0	       ? b :
								 a);
		return 0;
	}
	snprintf(why, len, "%s; %s", a, b);
	return -EOPNOTSUPP;
}

static int probe_fallback(const void *ctx, char *why, size_t len)
{
	(void)ctx;
	snprintf(why, len, "plain AF_UNIX sockets, /proc and threads: works everywhere");
	return 0;
}

/* Runs one check and says what it found (TAP line or JSON object). */
static void run_one(struct scmfilter_test *t, const struct check *c, int num, bool *any_failed)
{
	struct verdict v = { .result = R_PASS, .kernel = c->kernel_only };
	char why[METHOD_WHY_MAX] = "";
	uint64_t t0 = now_ns(), us;

	if (c->have) {
		bool here = t->kernel_first && c->have(why, sizeof(why)) == 0;

		v.kernel = here;
		if (!here && t->kernel_strict) {
			v.kernel = true;
			say(&v, R_SKIP, "%s", why);
		}
	}
	if (!*v.detail) {
		if (count_fds(&t->base_fds) < 0)
			t->base_fds = 0;
		c->run(t, &v);
	}
	us = (now_ns() - t0) / 1000;
	if (v.result == R_FAIL)
		*any_failed = true;
	out_object_begin(&t->out, NULL);
	out_str(&t->out, "check", c->name);
	out_str(&t->out, "result", result_names[v.result]);
	out_str(&t->out, "method", v.kernel ? "kernel" : "fallback");
	out_str(&t->out, "kernel_feature", c->feature);
	out_str(&t->out, "detail", v.detail);
	out_uint(&t->out, "elapsed_us", us);
	out_object_end(&t->out);
	if (v.result == R_SKIP)
		out_human(&t->out, "ok %d - %s # SKIP %s\n", num, c->name, v.detail);
	else
		out_human(&t->out, "%sok %d - %s # %s\n# %s\n", v.result == R_FAIL ? "not " : "", num, c->name,
			  v.kernel ? "kernel" : "fallback", v.detail);
	fflush(t->out.f);
}

static int run_checks(void *ctx, const struct method *m)
{
	struct scmfilter_test *t = ctx;
	bool failed = false;
	int num = 0, n = t->o.nnames ? t->o.nnames : (int)ARRAY_SIZE(checks);

	t->kernel_first = streq(m->name, "kernel");
	t->kernel_strict = t->o.method && streq(t->o.method, "kernel");
	out_human(&t->out, "1..%d\n", n);
	out_array_begin(&t->out, NULL);
	for (int i = 0; i < n; i++)
		run_one(t, t->o.nnames ? find_check(t->o.names[i]) : &checks[i], ++num, &failed);
	out_array_end(&t->out);
	if (t->o.mode == OUT_JSON)
		fputc('\n', t->out.f);
	if (t->out.err)
		return cli_write_failed(t->out.err);
	return failed ? EXIT_NO : EXIT_OK;
}

/* ---- command line ------------------------------------------------------ */

static int list_checks(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		printf("%-18s %s [%s]\n", checks[i].name, checks[i].summary, checks[i].feature);
	return EXIT_OK;
}

/* CLI_CONTINUE, or the exit code to end with (see cli.h). */
static int parse_args(int argc, char **argv, struct scmfilter_test_opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "lJvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o->list = true; break;
		case 'J': o->mode = OUT_JSON; break;
		case OPT_METHOD: o->method = optarg; break;
		case OPT_CLOSE:
			if (streq(optarg, "inline") || streq(optarg, "async"))
				o->inline_close = streq(optarg, "inline");
			else
				return msg_usage("invalid close mode '%s' (choose from async, inline)", optarg);
			break;
		case OPT_FLOOD_FDS:
			if (parse_u64(optarg, 1, 10000000, &o->flood_fds) < 0)
				return msg_usage("invalid fd count '%s' (1 to 10000000)", optarg);
			break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	if (cli_check_method(&scmfilter_test_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	o->names = argv + optind;
	o->nnames = argc - optind;
	for (int i = 0; i < o->nnames; i++)
		if (!find_check(o->names[i]))
			return msg_usage("unknown check '%s' (see --list)", o->names[i]);
	return CLI_CONTINUE;
}

int scmfilter_test_main(int argc, char **argv);
int scmfilter_test_main(int argc, char **argv)
{
	struct scmfilter_test t = { .o = { .mode = OUT_HUMAN, .flood_fds = FLOOD_FDS_DEFAULT } };
	int status = parse_args(argc, argv, &t.o);

	if (status != CLI_CONTINUE)
		return status;
	if (t.o.list)
		return list_checks();
	out_init(&t.out, stdout, t.o.mode);
	return cli_run_method(&scmfilter_test_methods, t.o.method, &t);
}
