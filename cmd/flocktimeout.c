/* flocktimeout: a BSD lock around a command, with a timeout that always fires (wish list: a timeout for flock()). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/exec.h"
#include "../lib/exitcodes.h"
#include "../lib/fileio.h"
#include "../lib/flockwait.h"
#include "../lib/locks.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/timeout.h"
#include "../lib/util.h"
#include "../lib/wholedisk.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" flocktimeout [options] FILE|DIR COMMAND [ARG...]\n"
	" flocktimeout [options] FILE|DIR -c 'SHELL COMMAND'\n"
	" flocktimeout [options] FD\n"
	" flocktimeout --holders FILE [-B] [-J]\n"
	"\n"
	"Hold a BSD lock (flock(2)) on FILE while COMMAND runs, or take it on the\n"
	"open file descriptor FD. The timeout fires whatever the signal mask.\n"
	"\n"
	"Options:\n"
	" -s, --shared                 a shared (read) lock\n"
	" -x, -e, --exclusive          an exclusive (write) lock (the default)\n"
	" -u, --unlock                 drop the lock held on FD\n"
	" -n, --nonblock, --nb         fail at once when the lock is busy (exit 1)\n"
	" -w, --timeout, --wait DURATION\n"
	"                              give up after DURATION (1.5, 500ms, 2m): exit 3;\n"
	"                              0 is --nonblock\n"
	" -E, --conflict-exit-code N   exit N instead of 1 (busy) and 3 (timeout)\n"
	" -o, --close                  COMMAND does not inherit the lock's descriptor\n"
	" -F, --no-fork                COMMAND replaces flocktimeout, holding the lock\n"
	" -c, --command 'SHELL COMMAND'\n"
	"                              run it with $SHELL -c (default /bin/sh)\n"
	" -B, --whole-disk             FILE is a block device: lock its whole disk\n"
	"     --holders FILE           print the processes holding BSD locks on FILE\n"
	" -J, --json                   --holders as JSON\n"
	"     --method NAME            auto, child, timer or poll\n"
	" -v, --verbose                say the method, how long it waited; on a\n"
	"                              timeout, who holds the lock\n"
	"\n"
	" -h, --help                   display this help\n"
	" -V, --version                display version\n"
	"\n"
	"See flocktimeout(1).\n";

enum {
	OPT_HOLDERS = 0x100,
	OPT_METHOD,
};

static const struct option longopts[] = {
	{ "shared", no_argument, NULL, 's' },
	{ "exclusive", no_argument, NULL, 'x' },
	{ "unlock", no_argument, NULL, 'u' },
	{ "nonblock", no_argument, NULL, 'n' },
	{ "nb", no_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "wait", required_argument, NULL, 'w' },
	{ "conflict-exit-code", required_argument, NULL, 'E' },
	{ "close", no_argument, NULL, 'o' },
	{ "no-fork", no_argument, NULL, 'F' },
	{ "command", required_argument, NULL, 'c' },
	{ "whole-disk", no_argument, NULL, 'B' },
	{ "holders", required_argument, NULL, OPT_HOLDERS },
	{ "json", no_argument, NULL, 'J' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct flocktimeout_opts {
	int op;             /* LOCK_EX (default), LOCK_SH or LOCK_UN */
	char op_letter;     /* the option that set op, 0 for the default */
	bool nonblock;      /* -n, or -w 0 */
	bool timeout_set;   /* -w */
	uint64_t timeout_ns;
	int conflict_code;  /* -E, -1 when not given */
	bool close_fd;      /* -o */
	bool no_fork;       /* -F */
	const char *shell_command; /* -c */
	bool whole_disk;    /* -B */
	const char *holders; /* --holders FILE */
	bool json;
	const char *method;
	const char *file;   /* FILE|DIR, or NULL in the FD form */
	int fd;             /* the FD form's descriptor, -1 otherwise */
	char **argv;        /* COMMAND [ARG...], NULL in the FD form */
};

struct flocktimeout {
	struct flocktimeout_opts o;
	struct out out;
	int lockfd;        /* what we lock: our own open, or o.fd */
	char shown[512];   /* the file (or "descriptor N") for messages */
	struct deadline deadline;
	uint64_t t0;       /* when the lock was asked for */
	sigset_t mask;     /* the signal mask we were started with: COMMAND's */
	char *shell_argv[4];
};

/* The methods, best first. */
static int probe_child(const void *ctx, char *why, size_t len);
static int run_child(void *ctx, const struct method *m);
static int probe_timer(const void *ctx, char *why, size_t len);
static int run_timer(void *ctx, const struct method *m);
static int probe_poll(const void *ctx, char *why, size_t len);
static int run_poll(void *ctx, const struct method *m);

static const struct method flocktimeout_method_list[] = {
	{ "child", "a child blocks in flock() on our open file description; the parent waits with ppoll() and a deadline",
	  probe_child, run_child },
	{ "timer", "a per-thread POSIX timer repeating after the deadline interrupts flock() with SIGRTMIN",
	  probe_timer, run_timer },
	{ "poll", "LOCK_NB tries with backoff from 1 to 50 ms (unfair: last resort)",
	  probe_poll, run_poll },
};
const struct method_set flocktimeout_methods = METHOD_SET(flocktimeout_method_list);

/* ---- helpers: 0 or -errno, never print ------------------------------ */

/* s for a one-line message: control bytes and backslashes as \xHH. */
static const char *shown(const char *s, char *buf, size_t len)
{
	size_t j = 0;

	for (; *s && j + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '\\')
			j += (size_t)snprintf(buf + j, len - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	if (*s && len > 4)
		memcpy(buf + (j < len - 4 ? j : len - 4), "...", 4);
	else
		buf[j] = '\0';
	return buf;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Opens the lock file as flock(1) does: created when missing (mode 0666
 * less the umask), read-only; a directory without O_CREAT. O_NONBLOCK so a
 * FIFO does not wait for a writer; cleared afterwards for COMMAND. */
static int open_lock_file(const char *path, int *ret_fd)
{
	const int flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	_cleanup_close_ int fd = open(path, flags | O_CREAT, 0666);
	int fl;

	if (fd < 0 && (errno == EISDIR || errno == EROFS || errno == EACCES))
		fd = open(path, flags);
	if (fd < 0)
		return -errno;
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -errno;
	*ret_fd = take_fd(&fd);
	return 0;
}

/* -B: the whole disk of block device path, opened read-only (a read-only
 * close does not make udev probe the disk again). */
static int open_whole_disk(const char *path, int *ret_fd, char *ret_name, size_t len)
{
	struct stat st;
	dev_t disk;
	int r;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	r = wholedisk_find("/sys/dev/block", st.st_rdev, &disk, ret_name, len);
	if (r < 0)
		return r;
	r = wholedisk_open("/dev", ret_name, disk, O_RDONLY | O_NONBLOCK, ret_fd);
	if (r == -ENOENT || r == -ENODEV) {
		/* No /dev/NAME (or another device has that name): udev's link. */
		char byid[64];

		snprintf(byid, sizeof(byid), "block/%u:%u", major(disk), minor(disk));
		r = wholedisk_open("/dev", byid, disk, O_RDONLY | O_NONBLOCK, ret_fd);
	}
	return r;
}

static uint64_t elapsed_us(const struct flocktimeout *ft)
{
	return (monotonic_ns() - ft->t0) / 1000;
}

/* ---- what every method shares: it prints ---------------------------- */

/* "held by PID 12 (sleep, exclusive), PID 13 (sh, shared)" for -v. */
static void say_holders(const struct flocktimeout *ft)
{
	struct lock_holder *h = NULL;
	struct stat st;
	size_t n = 0;
	char line[512] = "", comm[64], buf[64], path[32];
	size_t used = 0;

	if (fstat(ft->lockfd, &st) < 0 ||
	    locks_flock_holders("/proc", st.st_dev, (uint64_t)st.st_ino, &h, &n) < 0 || n == 0) {
		msg_info("no holder of the lock on %s could be found", ft->shown);
		free(h);
		return;
	}
	for (size_t i = 0; i < n && used < sizeof(line) - 1; i++) {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)h[i].pid);
		if (read_file_line(AT_FDCWD, path, comm, sizeof(comm)) < 0)
			strcpy(comm, "?");
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%sPID %d (%s, %s)",
					 i ? ", " : "", (int)h[i].pid, shown(comm, buf, sizeof(buf)),
					 h[i].exclusive ? "exclusive" : "shared");
	}
	msg_info("the lock on %s is held by %s", ft->shown, line);
	free(h);
}

/* Runs COMMAND holding the lock, or ends the FD form. */
static int run_command(struct flocktimeout *ft)
{
	const struct flocktimeout_opts *o = &ft->o;
	char *const *argv = o->argv;
	int keep[1] = { ft->lockfd }, r;
	size_t nkeep = o->close_fd ? 0 : 1;
	struct exec_child c;
	char buf[256];

	if (!argv)
		return EXIT_OK;
	if (o->no_fork) {
		r = exec_replace(argv, &ft->mask, keep, nkeep);
		msg_errno(r, "cannot run '%s'", shown(argv[0], buf, sizeof(buf)));
		return exec_failure_code(r);
	}
	r = exec_spawn(argv, &ft->mask, keep, nkeep, &c);
	if (r < 0) {
		msg_errno(r, "cannot run '%s'", shown(argv[0], buf, sizeof(buf)));
		return exec_failure_code(r);
	}
	/* Closed here; COMMAND has its own copy unless -o. */
	r = exec_wait(&c);
	if (r < 0) {
		msg_errno(r, "cannot wait for '%s'", shown(argv[0], buf, sizeof(buf)));
		return EXIT_RUNTIME;
	}
	return r;
}

/* Takes the lock with one of the lib's ways, then runs COMMAND. */
static int lock_and_run(struct flocktimeout *ft, const struct method *m,
			int (*take)(int fd, int op, const struct deadline *d))
{
	const struct flocktimeout_opts *o = &ft->o;
	int r;

	if (o->nonblock) {
		while ((r = flock(ft->lockfd, o->op | LOCK_NB)) < 0 && errno == EINTR)
			;
		r = r < 0 ? -errno : 0;
	} else {
		r = take(ft->lockfd, o->op, &ft->deadline);
	}
	if (r == -EWOULDBLOCK || r == -ETIMEDOUT) {
		uint64_t us = elapsed_us(ft);

		if (r == -EWOULDBLOCK)
			msg_info("%s is locked already", ft->shown);
		else
			msg_info("timed out after %llu.%06llu s waiting for %s (method %s)",
				 (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000),
				 ft->shown, m->name);
		if (msg_verbose())
			say_holders(ft);
		if (o->conflict_code >= 0)
			return o->conflict_code;
		return r == -EWOULDBLOCK ? EXIT_NO : EXIT_TIMEOUT;
	}
	if (r < 0) {
		msg_errno(r, "cannot lock %s", ft->shown);
		return EXIT_RUNTIME;
	}
	if (msg_verbose()) {
		uint64_t us = elapsed_us(ft);

		msg_info("got the %s lock on %s after %llu.%06llu s (method %s)",
			 o->op == LOCK_SH ? "shared" : "exclusive", ft->shown,
			 (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000), m->name);
	}
	return run_command(ft);
}

/* ---- the methods ------------------------------------------------------ */

static int probe_child(const void *ctx, char *why, size_t len)
{
	(void)ctx;
	snprintf(why, len, "fork and a pipe: any kernel");
	return 0;
}

static int run_child(void *ctx, const struct method *m)
{
	return lock_and_run(ctx, m, flockwait_child);
}

static int probe_timer(const void *ctx, char *why, size_t len)
{
	int r = flockwait_timer_supported();

	(void)ctx;
	if (r < 0)
		snprintf(why, len, "timer_create(CLOCK_MONOTONIC, SIGEV_THREAD_ID): %s", strerror(-r));
	else
		snprintf(why, len, "per-thread POSIX timers work here");
	return r;
}

static int run_timer(void *ctx, const struct method *m)
{
	return lock_and_run(ctx, m, flockwait_timer);
}

static int probe_poll(const void *ctx, char *why, size_t len)
{
	(void)ctx;
	snprintf(why, len, "flock(LOCK_NB): any kernel");
	return 0;
}

static int run_poll(void *ctx, const struct method *m)
{
	return lock_and_run(ctx, m, flockwait_poll);
}

/* ---- --holders -------------------------------------------------------- */

static int holders(struct flocktimeout *ft)
{
	const char *path = ft->o.holders;
	struct lock_holder *h = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	char name[256], devnum[32], buf[256];
	size_t n = 0;
	int r;

	if (ft->o.whole_disk) {
		r = open_whole_disk(path, &fd, name, sizeof(name));
		if (r < 0 || fstat(fd, &st) < 0) {
			msg_errno(r < 0 ? r : -errno, "%s: no whole disk", shown(path, buf, sizeof(buf)));
			return EXIT_RUNTIME;
		}
	} else if (stat(path, &st) < 0) {
		msg_errno(-errno, "%s", shown(path, buf, sizeof(buf)));
		return EXIT_RUNTIME;
	}
	r = locks_flock_holders("/proc", st.st_dev, (uint64_t)st.st_ino, &h, &n);
	if (r < 0) {
		msg_errno(r, "cannot read the lock table");
		return EXIT_RUNTIME;
	}
	snprintf(devnum, sizeof(devnum), "%u:%u", major(st.st_dev), minor(st.st_dev));
	out_begin(&ft->out);
	out_str(&ft->out, "path", path);
	out_str(&ft->out, "dev", devnum);
	out_uint(&ft->out, "inode", (uint64_t)st.st_ino);
	out_array_begin(&ft->out, "holders");
	for (size_t i = 0; i < n; i++) {
		char comm[64], procpath[32];
		bool have;

		snprintf(procpath, sizeof(procpath), "/proc/%d/comm", (int)h[i].pid);
		have = read_file_line(AT_FDCWD, procpath, comm, sizeof(comm)) == 0;
		out_object_begin(&ft->out, NULL);
		out_int(&ft->out, "pid", h[i].pid);
		out_str(&ft->out, "comm", have ? comm : NULL);
		out_str(&ft->out, "lock", h[i].exclusive ? "exclusive" : "shared");
		out_object_end(&ft->out);
		out_human(&ft->out, "%-8d %-9s %s\n", (int)h[i].pid,
			  h[i].exclusive ? "exclusive" : "shared",
			  have ? shown(comm, buf, sizeof(buf)) : "?");
	}
	out_array_end(&ft->out);
	free(h);
	r = out_end(&ft->out);
	if (r == 0 && fflush(stdout) != 0)
		r = -errno;
	if (r < 0)
		return cli_write_failed(r);
	return n ? EXIT_OK : EXIT_NO;
}

/* ---- command line ----------------------------------------------------- */

static int set_op(struct flocktimeout_opts *o, int op, char letter)
{
	if (o->op_letter && o->op != op)
		return msg_usage("-s, -x and -u exclude each other");
	o->op = op;
	o->op_letter = letter;
	return CLI_CONTINUE;
}

/* What follows the options: FILE COMMAND..., FILE -c CMD, or FD. */
static int parse_operands(int argc, char **argv, struct flocktimeout_opts *o)
{
	int left = argc - optind;
	char **rest = argv + optind;

	if (o->holders) {
		if (left)
			return msg_usage("--holders takes no other argument ('%s')", rest[0]);
		return CLI_CONTINUE;
	}
	if (o->json)
		return msg_usage("--json goes with --holders");
	if (left == 0)
		return msg_usage("no FILE, DIR or FD given");
	if (left >= 2 && (streq(rest[1], "-c") || streq(rest[1], "--command"))) {
		if (left != 3)
			return msg_usage("%s takes exactly one argument", rest[1]);
		if (o->shell_command)
			return msg_usage("-c given twice");
		o->shell_command = rest[2];
		left = 1;
	}
	if (left == 1 && !o->shell_command) {
		uint64_t fd;

		if (!all_digits(rest[0]))
			return msg_usage("'%s' is no FD: a FILE needs a COMMAND", rest[0]);
		if (parse_u64(rest[0], 0, INT32_MAX, &fd) < 0)
			return msg_usage("invalid FD '%s'", rest[0]);
		o->fd = (int)fd;
		if (o->close_fd || o->no_fork || o->whole_disk)
			return msg_usage("-o, -F and -B need a FILE and a COMMAND");
		return CLI_CONTINUE;
	}
	if (left > 1 && o->shell_command)
		return msg_usage("-c and a COMMAND exclude each other");
	o->file = rest[0];
	o->argv = left > 1 ? rest + 1 : NULL;
	if (o->op == LOCK_UN)
		return msg_usage("-u needs an FD");
	if (o->close_fd && o->no_fork)
		return msg_usage("-o and -F exclude each other: nothing would hold the lock");
	return CLI_CONTINUE;
}

static int parse_args(int argc, char **argv, struct flocktimeout_opts *o)
{
	uint64_t v;
	int c, r;

	while ((c = getopt_long(argc, argv, "+sxeunw:E:oFc:BJvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': r = set_op(o, LOCK_SH, 's'); break;
		case 'x':
		case 'e': r = set_op(o, LOCK_EX, 'x'); break;
		case 'u': r = set_op(o, LOCK_UN, 'u'); break;
		case 'n': o->nonblock = true; r = CLI_CONTINUE; break;
		case 'w':
			if (parse_duration(optarg, &o->timeout_ns) < 0)
				return msg_usage("invalid duration '%s'", optarg);
			o->timeout_set = true;
			r = CLI_CONTINUE;
			break;
		case 'E':
			if (parse_u64(optarg, 0, 255, &v) < 0)
				return msg_usage("invalid exit code '%s' (0 to 255)", optarg);
			o->conflict_code = (int)v;
			r = CLI_CONTINUE;
			break;
		case 'o': o->close_fd = true; r = CLI_CONTINUE; break;
		case 'F': o->no_fork = true; r = CLI_CONTINUE; break;
		case 'c': o->shell_command = optarg; r = CLI_CONTINUE; break;
		case 'B': o->whole_disk = true; r = CLI_CONTINUE; break;
		case OPT_HOLDERS: o->holders = optarg; r = CLI_CONTINUE; break;
		case 'J': o->json = true; r = CLI_CONTINUE; break;
		case OPT_METHOD: o->method = optarg; r = CLI_CONTINUE; break;
		case 'v': msg_set_verbose(true); r = CLI_CONTINUE; break;
		default: return cli_ending_option(c, usage_text);
		}
		if (r != CLI_CONTINUE)
			return r;
	}
	/* An unknown method is a usage error, whatever else is wrong. */
	if (cli_check_method(&flocktimeout_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	/* flock(1): a zero timeout is --nonblock. */
	if (o->timeout_set && o->timeout_ns == 0)
		o->nonblock = true;
	return parse_operands(argc, argv, o);
}

/* Opens what is to be locked, sets up COMMAND. CLI_CONTINUE, or the exit
 * code to end with. */
static int prepare(struct flocktimeout *ft)
{
	struct flocktimeout_opts *o = &ft->o;
	char buf[200], name[256];
	int r;

	/* An inherited "ignore SIGCHLD" would make COMMAND's status unknowable. */
	signal(SIGCHLD, SIG_DFL);
	if (o->file) {
		shown(o->file, buf, sizeof(buf));
		if (o->whole_disk) {
			r = open_whole_disk(o->file, &ft->lockfd, name, sizeof(name));
			if (r == -ENOTBLK) {
				msg_err("%s: not a block device (-B)", buf);
				return EXIT_RUNTIME;
			}
			if (r < 0) {
				msg_errno(r, "%s: cannot open its whole disk", buf);
				return EXIT_RUNTIME;
			}
			snprintf(ft->shown, sizeof(ft->shown), "%s (whole disk /dev/%s)", buf, name);
			msg_info("%s: locking the whole disk /dev/%s", buf, name);
		} else {
			r = open_lock_file(o->file, &ft->lockfd);
			if (r < 0) {
				msg_errno(r, "cannot open lock file %s", buf);
				return EXIT_RUNTIME;
			}
			snprintf(ft->shown, sizeof(ft->shown), "%s", buf);
		}
	} else {
		if (fcntl(o->fd, F_GETFD) < 0) {
			msg_errno(-errno, "descriptor %d", o->fd);
			return EXIT_RUNTIME;
		}
		ft->lockfd = o->fd;
		snprintf(ft->shown, sizeof(ft->shown), "descriptor %d", o->fd);
	}
	if (o->shell_command) {
		const char *sh = getenv("SHELL");

		ft->shell_argv[0] = (char *)(sh && *sh ? sh : "/bin/sh");
		ft->shell_argv[1] = (char *)"-c";
		ft->shell_argv[2] = (char *)o->shell_command;
		ft->shell_argv[3] = NULL;
		o->argv = ft->shell_argv;
	}
	return CLI_CONTINUE;
}

int flocktimeout_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int flocktimeout_main(int argc, char **argv)
{
	struct flocktimeout ft = {
		.o = { .op = LOCK_EX, .conflict_code = -1, .fd = -1 },
		.lockfd = -1,
	};
	int r;

	pthread_sigmask(SIG_SETMASK, NULL, &ft.mask);
	r = parse_args(argc, argv, &ft.o);
	if (r != CLI_CONTINUE)
		return r;
	out_init(&ft.out, stdout, ft.o.json ? OUT_JSON : OUT_HUMAN);
	if (ft.o.holders)
		return holders(&ft);
	r = prepare(&ft);
	if (r == CLI_CONTINUE && ft.o.op == LOCK_UN) {
		r = flock(ft.lockfd, LOCK_UN) < 0 ? -errno : 0;
		if (r < 0)
			msg_errno(r, "cannot unlock %s", ft.shown);
		r = r < 0 ? EXIT_RUNTIME : EXIT_OK;
	}
	if (r == CLI_CONTINUE) {
		ft.t0 = monotonic_ns();
		deadline_start(&ft.deadline, ft.o.timeout_set, ft.o.timeout_ns);
		r = cli_run_method(&flocktimeout_methods, ft.o.method, &ft);
	}
	if (ft.lockfd != ft.o.fd)
		safe_close(ft.lockfd);
	return r;
}
