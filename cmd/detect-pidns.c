/* detect-pidns: tell whether a process runs in a child PID namespace or in
 * the initial one, from the kernel's identity of the namespace, also without
 * /proc. Wish list: "reliable (non-heuristic) way to detect from userspace if
 * one is running in a pidns that is not the main pidns"; "whether a specific
 * pid is running in a CLONE_NEWPID container". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../lib/exitcodes.h"
#include "../lib/fileio.h"
#include "../lib/linux-compat.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pidns.h"
#include "../lib/pidref.h"
#include "../lib/util.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" detect-pidns [options]\n"
	"\n"
	"Tell whether a process runs in a child PID namespace or in the initial\n"
	"one: prints \"child\" (exit 0) or \"initial\" (exit 1). The answer is the\n"
	"kernel's identity of the namespace, never a guess from marker files or\n"
	"process names; it needs no /proc where the kernel has pidfd namespaces.\n"
	"\n"
	"Options:\n"
	" -p, --pid PID             ask about process PID (default: detect-pidns)\n"
	" -a, --all                 run every method and heuristic; show each verdict\n"
	" -J, --json                print the answer as JSON\n"
	" -q, --quiet               print nothing; the exit status is the answer\n"
	"     --method NAME         auto (default), pidfd, nsfs, fdinfo or nsid\n"
	" -v, --verbose             say which method is used and why\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"See detect-pidns(1).\n";

enum { OPT_METHOD = 256 };

static const struct option longopts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "all", no_argument, NULL, 'a' },
	{ "json", no_argument, NULL, 'J' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

struct detect_pidns_opts {
	pid_t pid; /* -p; 0: ourselves */
	bool all;
	bool json;
	bool quiet;
	const char *method; /* NULL: auto */
};

/* What one method or heuristic found. */
struct verdict {
	bool ran;                 /* it was tried (probe passed) */
	enum pidns_kind kind;     /* PIDNS_UNKNOWN: it could not tell */
	bool have_ns;
	struct pidns_id ns;
	char detail[METHOD_WHY_MAX]; /* what it saw, or why it could not tell */
};

struct detect_pidns {
	struct detect_pidns_opts o;
	struct out out;
	struct pidref ref; /* -p: the process, opened once */
	pid_t pid;         /* the process asked about, in our PID namespace */
	bool have_nspid;
	pid_t nspid[PIDNS_NSPID_MAX];
	size_t n_nspid;
	struct verdict *checks; /* --all: one per entry of the check table */
};

static int pidfd_probe(const void *ctx, char *why, size_t len);
static int pidfd_run(void *ctx, const struct method *m);
static int nsfs_probe(const void *ctx, char *why, size_t len);
static int nsfs_run(void *ctx, const struct method *m);
static int nsid_probe(const void *ctx, char *why, size_t len);
static int nsid_run(void *ctx, const struct method *m);
static int fdinfo_probe(const void *ctx, char *why, size_t len);
static int fdinfo_run(void *ctx, const struct method *m);

static const struct method detect_pidns_method_list[] = {
	{ "pidfd", "pidfd + PIDFD_GET_PID_NAMESPACE, nsfs inode against the initial one (6.11+, no /proc)",
	  pidfd_probe, pidfd_run },
	{ "nsfs", "/proc/PID/ns/pid's nsfs inode against the initial one (3.8+)", nsfs_probe,
	  nsfs_run },
	{ "fdinfo", "-p: the pidfd's NSpid in our own /proc: our namespace or a descendant (5.3+)",
	  fdinfo_probe, fdinfo_run },
	{ "nsid", "NS_GET_ID against the initial PID namespace's fixed id (6.19+)", nsid_probe,
	  nsid_run },
};

const struct method_set detect_pidns_methods = METHOD_SET(detect_pidns_method_list);

/* --- small helpers: 0 or -errno, no printing --- */

/* A pidfd for the process asked about: -p's, or a new one for ourselves. */
static int target_pidfd(const struct detect_pidns *st, bool *ret_owned)
{
	int fd;

	if (st->ref.fd >= 0) {
		*ret_owned = false;
		return st->ref.fd;
	}
	fd = pidfd_open_raw(getpid(), 0);
	if (fd < 0)
		return fd;
	*ret_owned = true;
	return fd;
}

/* The namespace fd of the process through its pidfd. */
static int ns_from_pidfd(const struct detect_pidns *st)
{
	bool owned = false;
	int pidfd = target_pidfd(st, &owned), fd;

	if (pidfd < 0)
		return pidfd;
	fd = pidns_open_pidfd(pidfd);
	if (owned)
		safe_close(pidfd);
	return fd;
}

/* Our own namespace: through a pidfd, else /proc/self. */
static int own_ns_open(void)
{
	_cleanup_close_ int pidfd = pidfd_open_raw(getpid(), 0);
	int fd = pidfd < 0 ? pidfd : pidns_open_pidfd(pidfd);

	return fd >= 0 ? fd : pidns_open_proc(0);
}

/* -p through /proc: the pid must name our process in the mounted /proc.
 * /proc/self already tells whether /proc counts in our namespace's numbers
 * (the probe); here, after /proc/PID/ns/pid is open, the pidfd's fdinfo
 * (shown in /proc's own numbers) must still say PID: then the process was
 * not reaped, so PID could not have been reused, and /proc/PID was it. */
static int ns_from_proc_checked(const struct detect_pidns *st)
{
	_cleanup_close_ int fd = -1;
	long seen;
	int r;

	fd = pidns_open_proc(st->o.pid);
	if (fd < 0)
		return fd;
	r = pidns_pidfd_fdinfo(st->ref.fd, &seen, NULL, 0, NULL);
	if (r < 0)
		return r;
	if (seen <= 0)
		return -ESRCH;
	if (seen != st->o.pid)
		return -EXDEV;
	return take_fd(&fd);
}

/* The namespace fd through /proc (ours, or -p's checked as above). */
static int ns_from_proc(const struct detect_pidns *st)
{
	return st->o.pid ? ns_from_proc_checked(st) : pidns_open_proc(0);
}

static void describe_err(int err, const char *what, char *buf, size_t len)
{
	switch (-err) {
	case ESRCH:
		snprintf(buf, len, "%s: the process has exited", what);
		break;
	case EXDEV:
		snprintf(buf, len,
			 "%s: /proc belongs to another PID namespace (its PIDs are not ours)", what);
		break;
	case ENOENT:
		snprintf(buf, len, "%s: no /proc/self (/proc is not mounted)", what);
		break;
	case EMEDIUMTYPE:
		snprintf(buf, len, "%s: not procfs or not nsfs", what);
		break;
	default:
		snprintf(buf, len, "%s: %s", what, strerror(-err));
	}
}

/* Fills v from a namespace fd (or its error) by the inode. */
static void judge_by_inode(struct verdict *v, int fd, const char *what)
{
	int r = fd < 0 ? fd : pidns_identify(fd, &v->ns);

	v->ran = true;
	if (r < 0) {
		describe_err(r, what, v->detail, sizeof(v->detail));
		return;
	}
	v->have_ns = true;
	v->kind = pidns_kind_of_inode(v->ns.inode);
	snprintf(v->detail, sizeof(v->detail), "%s: inode %#llx (initial: %#x)", what,
		 (unsigned long long)v->ns.inode, PROC_PID_INIT_INO);
}

/* --- the methods: measure, then report --- */

static void measure_pidfd(struct detect_pidns *st, struct verdict *v)
{
	_cleanup_close_ int fd = ns_from_pidfd(st);

	judge_by_inode(v, fd, "PIDFD_GET_PID_NAMESPACE");
}

static void measure_nsfs(struct detect_pidns *st, struct verdict *v)
{
	_cleanup_close_ int fd = ns_from_proc(st);
	char what[48];

	if (st->o.pid)
		snprintf(what, sizeof(what), "/proc/%d/ns/pid", (int)st->o.pid);
	else
		snprintf(what, sizeof(what), "/proc/self/ns/pid");
	judge_by_inode(v, fd, what);
}

static void measure_nsid(struct detect_pidns *st, struct verdict *v)
{
	_cleanup_close_ int fd = ns_from_pidfd(st);
	uint64_t id;
	int r;

	if (fd < 0)
		fd = ns_from_proc(st);
	r = fd < 0 ? fd : pidns_identify(fd, &v->ns);
	if (r >= 0)
		r = pidns_get_id(fd, &id);
	v->ran = true;
	if (r < 0) {
		describe_err(r, "NS_GET_ID", v->detail, sizeof(v->detail));
		return;
	}
	v->have_ns = true;
	v->kind = pidns_kind_of_id(id);
	snprintf(v->detail, sizeof(v->detail), "NS_GET_ID: id %llu (initial: %d)",
		 (unsigned long long)id, WB_PID_NS_INIT_ID);
}

/* -p without access to the process's namespace (which needs ptrace read
 * access): its pidfd's NSpid, shown in the numbers of our own /proc, runs
 * from our namespace down to the process's. One value: the process is in
 * our namespace, whose answer is ours; more: in a descendant, a child. */
static void measure_fdinfo(struct detect_pidns *st, struct verdict *v)
{
	pid_t nspid[PIDNS_NSPID_MAX];
	_cleanup_close_ int fd = -1;
	size_t n = 0;
	long seen;
	int r;

	v->ran = true;
	r = pidns_pidfd_fdinfo(st->ref.fd, &seen, nspid, ARRAY_SIZE(nspid), &n);
	if (r >= 0 && seen <= 0)
		r = -ESRCH;
	else if (r >= 0 && seen != st->o.pid)
		r = -EXDEV;
	if (r < 0) {
		describe_err(r, "pidfd fdinfo", v->detail, sizeof(v->detail));
		return;
	}
	if (n > 1) {
		v->kind = PIDNS_CHILD;
		snprintf(v->detail, sizeof(v->detail),
			 "NSpid in our /proc has %zu values: a namespace below ours", n);
		return;
	}
	fd = own_ns_open();
	judge_by_inode(v, fd, "the same namespace as ours");
}

/* --- the heuristics (--all only): what others look at --- */

static void heur_nspid(struct detect_pidns *st, struct verdict *v)
{
	v->ran = true;
	if (!st->have_nspid) {
		snprintf(v->detail, sizeof(v->detail), "no NSpid: /proc is not usable here");
		return;
	}
	v->kind = st->n_nspid > 1 ? PIDNS_CHILD : PIDNS_INITIAL;
	snprintf(v->detail, sizeof(v->detail), "NSpid has %zu value%s (as the mounted /proc sees it)",
		 st->n_nspid, st->n_nspid == 1 ? "" : "s");
}

static bool about_caller_only(struct detect_pidns *st, struct verdict *v)
{
	if (!st->o.pid)
		return false;
	v->ran = true;
	snprintf(v->detail, sizeof(v->detail), "tells only about the caller's view, not a process");
	return true;
}

static void heur_kthreadd(struct detect_pidns *st, struct verdict *v)
{
	char comm[64];
	int r;

	if (about_caller_only(st, v))
		return;
	v->ran = true;
	r = read_file_line(AT_FDCWD, "/proc/2/comm", comm, sizeof(comm));
	if (r == -ENOENT) {
		v->kind = PIDNS_CHILD;
		snprintf(v->detail, sizeof(v->detail), "no /proc/2/comm");
		return;
	}
	if (r < 0) {
		describe_err(r, "/proc/2/comm", v->detail, sizeof(v->detail));
		return;
	}
	v->kind = streq(comm, "kthreadd") ? PIDNS_INITIAL : PIDNS_CHILD;
	snprintf(v->detail, sizeof(v->detail), "PID 2 is %skthreadd",
		 v->kind == PIDNS_INITIAL ? "" : "not ");
}

static void heur_sched(struct detect_pidns *st, struct verdict *v)
{
	char line[256];
	long pid;
	int r;

	if (about_caller_only(st, v))
		return;
	v->ran = true;
	r = read_file_line(AT_FDCWD, "/proc/1/sched", line, sizeof(line));
	if (r >= 0)
		r = pidns_parse_sched_pid(line, &pid);
	if (r < 0) {
		describe_err(r, "/proc/1/sched", v->detail, sizeof(v->detail));
		return;
	}
	v->kind = pid == 1 ? PIDNS_INITIAL : PIDNS_CHILD;
	snprintf(v->detail, sizeof(v->detail), "/proc/1/sched shows PID %ld", pid);
}

static void heur_marker(struct detect_pidns *st, struct verdict *v)
{
	static const char *const markers[] = { "/.dockerenv", "/run/.containerenv",
					       "/run/systemd/container" };

	if (about_caller_only(st, v))
		return;
	v->ran = true;
	for (size_t i = 0; i < ARRAY_SIZE(markers); i++)
		if (access(markers[i], F_OK) == 0) {
			v->kind = PIDNS_CHILD;
			snprintf(v->detail, sizeof(v->detail), "%s exists", markers[i]);
			return;
		}
	v->kind = PIDNS_INITIAL;
	snprintf(v->detail, sizeof(v->detail), "no container marker file");
}

/* Every method and heuristic, in the order --all shows them. */
static const struct check {
	const char *name;
	bool heuristic;
	const struct method *method; /* the methods: probed first */
	void (*measure)(struct detect_pidns *st, struct verdict *v);
} checks[] = {
	{ "pidfd", false, &detect_pidns_method_list[0], measure_pidfd },
	{ "nsfs", false, &detect_pidns_method_list[1], measure_nsfs },
	{ "fdinfo", false, &detect_pidns_method_list[2], measure_fdinfo },
	{ "nsid", false, &detect_pidns_method_list[3], measure_nsid },
	{ "nspid", true, NULL, heur_nspid },
	{ "kthreadd", true, NULL, heur_kthreadd },
	{ "sched", true, NULL, heur_sched },
	{ "marker", true, NULL, heur_marker },
};

/* --- output --- */

static void emit_checks(struct detect_pidns *st)
{
	if (st->o.json) {
		out_object_begin(&st->out, "checks");
		for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
			const struct verdict *v = &st->checks[i];

			out_object_begin(&st->out, checks[i].name);
			out_bool(&st->out, "heuristic", checks[i].heuristic);
			out_bool(&st->out, "available", v->ran);
			out_str(&st->out, "pidns", pidns_kind_name(v->kind));
			out_str(&st->out, "detail", v->detail);
			out_object_end(&st->out);
		}
		out_object_end(&st->out);
		return;
	}
	out_human(&st->out, "%-9s %-10s %-8s %s\n", "CHECK", "KIND", "VERDICT", "DETAIL");
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		const struct verdict *v = &st->checks[i];
		const char *k = pidns_kind_name(v->kind);

		out_human(&st->out, "%-9s %-10s %-8s %s\n", checks[i].name,
			  checks[i].heuristic ? "heuristic" : "reliable",
			  k ? k : (v->ran ? "unknown" : "-"), v->detail);
	}
}

/* The answer in the chosen form; m is NULL when no method could run. */
static int emit(struct detect_pidns *st, const char *method, const struct verdict *v)
{
	const char *k = v ? pidns_kind_name(v->kind) : NULL;
	char dev[32];

	if (st->o.quiet)
		return 0;
	out_begin(&st->out);
	out_int(&st->out, "pid", st->pid);
	out_str(&st->out, "pidns", k);
	if (v && v->have_ns) {
		snprintf(dev, sizeof(dev), "%u:%u", major(v->ns.dev), minor(v->ns.dev));
		out_uint(&st->out, "ns_inode", v->ns.inode);
		out_str(&st->out, "ns_dev", dev);
	} else {
		out_null(&st->out, "ns_inode");
		out_null(&st->out, "ns_dev");
	}
	out_str(&st->out, "method", method);
	if (st->have_nspid) {
		out_array_begin(&st->out, "nspid");
		for (size_t i = 0; i < st->n_nspid; i++)
			out_int(&st->out, NULL, st->nspid[i]);
		out_array_end(&st->out);
	} else {
		out_null(&st->out, "nspid");
	}
	if (st->o.all)
		emit_checks(st);
	if (st->o.all)
		out_human(&st->out, "answer: %s (%s)\n", k ? k : "unknown",
			  method ? method : "no usable method");
	else if (k)
		out_human(&st->out, "%s\n", k);
	return out_end(&st->out);
}

/* A method's run: its measure (or --all's, already made), the answer. */
static int report(struct detect_pidns *st, const struct method *m,
		  void (*measure)(struct detect_pidns *, struct verdict *), size_t idx)
{
	struct verdict own = { 0 }, *v = st->o.all ? &st->checks[idx] : &own;
	int r;

	if (!st->o.all)
		measure(st, v);
	if (v->have_ns)
		msg_info("PID namespace: nsfs inode %#llx on %u:%u",
			 (unsigned long long)v->ns.inode, major(v->ns.dev), minor(v->ns.dev));
	if (v->kind == PIDNS_UNKNOWN)
		msg_err("cannot tell: %s", v->detail);
	r = emit(st, m->name, v);
	if (r < 0)
		return cli_write_failed(r);
	switch (v->kind) {
	case PIDNS_CHILD: return EXIT_OK;
	case PIDNS_INITIAL: return EXIT_NO;
	default: return EXIT_RUNTIME;
	}
}

/* --- probes and runs --- */

static int pidfd_probe(const void *ctx, char *why, size_t len)
{
	const struct detect_pidns *st = ctx;
	_cleanup_close_ int pidfd = pidfd_open_raw(getpid(), 0);
	_cleanup_close_ int fd = -1;

	if (pidfd < 0) {
		if (errno_is_not_supported(pidfd))
			snprintf(why, len, "pidfd_open: not in this kernel (5.3+)");
		else
			snprintf(why, len, "pidfd_open: %s", strerror(-pidfd));
		return pidfd;
	}
	fd = pidns_open_pidfd(pidfd);
	if (fd < 0) {
		if (errno_is_not_supported(fd))
			snprintf(why, len, "PIDFD_GET_PID_NAMESPACE: not in this kernel (6.11+)");
		else
			snprintf(why, len, "PIDFD_GET_PID_NAMESPACE: %s", strerror(-fd));
		return fd;
	}
	if (st && st->ref.fd >= 0) {
		_cleanup_close_ int tfd = pidns_open_pidfd(st->ref.fd);

		if (errno_is_privilege(tfd)) {
			snprintf(why, len, "PIDFD_GET_PID_NAMESPACE on PID %d: %s (needs ptrace "
				 "read access)", (int)st->o.pid, strerror(-tfd));
			return tfd;
		}
		if (tfd == -ESRCH) {
			snprintf(why, len, "PIDFD_GET_PID_NAMESPACE on PID %d: it has exited (the "
				 "ioctl needs a live process)", (int)st->o.pid);
			return tfd;
		}
	}
	snprintf(why, len, "PIDFD_GET_PID_NAMESPACE works");
	return 0;
}

static int nsfs_probe(const void *ctx, char *why, size_t len)
{
	const struct detect_pidns *st = ctx;
	_cleanup_close_ int fd = pidns_open_proc(0);
	int r;

	if (fd < 0) {
		describe_err(fd, "/proc/self/ns/pid", why, len);
		return fd;
	}
	if (st && st->o.pid) {
		r = pidns_proc_is_ours();
		if (r < 0) {
			describe_err(r, "/proc/PID", why, len);
			return r;
		}
		_cleanup_close_ int tfd = pidns_open_proc(st->o.pid);

		if (errno_is_privilege(tfd)) {
			snprintf(why, len, "/proc/%d/ns/pid: %s (needs ptrace read access)",
				 (int)st->o.pid, strerror(-tfd));
			return tfd;
		}
	}
	snprintf(why, len, "/proc/self/ns/pid is on nsfs");
	return 0;
}

static int fdinfo_probe(const void *ctx, char *why, size_t len)
{
	const struct detect_pidns *st = ctx;
	int r;

	if (st && !st->o.pid) {
		snprintf(why, len, "only with -p: it compares a process's namespace with ours");
		return -EOPNOTSUPP;
	}
	r = pidns_proc_is_ours();
	if (r < 0) {
		describe_err(r, "/proc/self", why, len);
		return r;
	}
	snprintf(why, len, "/proc counts in our PID namespace's numbers");
	return 0;
}

static int nsid_probe(const void *ctx, char *why, size_t len)
{
	_cleanup_close_ int fd = own_ns_open();
	int r;

	(void)ctx;
	if (fd < 0) {
		snprintf(why, len, "no namespace fd: no PIDFD_GET_PID_NAMESPACE (6.11+), and "
			 "/proc/self/ns/pid: %s", fd == -ENOENT ? "/proc is not mounted" : strerror(-fd));
		return fd;
	}
	r = pidns_fixed_ids_supported();
	if (r < 0) {
		snprintf(why, len, "namespace ids are fixed only from 6.19 (no listns() here)");
		return r;
	}
	snprintf(why, len, "fixed namespace ids (listns() exists)");
	return 0;
}

static int pidfd_run(void *ctx, const struct method *m)
{
	return report(ctx, m, measure_pidfd, 0);
}

static int nsfs_run(void *ctx, const struct method *m)
{
	return report(ctx, m, measure_nsfs, 1);
}

static int nsid_run(void *ctx, const struct method *m)
{
	return report(ctx, m, measure_nsid, 3);
}

static int fdinfo_run(void *ctx, const struct method *m)
{
	return report(ctx, m, measure_fdinfo, 2);
}

/* --- command line --- */

static int parse_args(int argc, char **argv, struct detect_pidns_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "p:aJqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			r = parse_pid(optarg, read_pid_max(), &o->pid);
			if (r < 0)
				return msg_usage("invalid PID '%s'", optarg);
			break;
		case 'a': o->all = true; break;
		case 'J': o->json = true; break;
		case 'q': o->quiet = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	r = cli_check_method(&detect_pidns_methods, o->method);
	if (r != CLI_CONTINUE)
		return r;
	if (optind < argc)
		return msg_usage("unexpected argument '%s'", argv[optind]);
	if (o->quiet && (o->json || o->all))
		return msg_usage("--quiet cannot be combined with --json or --all");
	return CLI_CONTINUE;
}

/* --- before the run --- */

/* -p: the process, opened once as a pidfd (a thread's ID too). */
static int open_target(struct detect_pidns *st)
{
	int r;

	st->pid = st->o.pid ? st->o.pid : getpid();
	if (!st->o.pid)
		return CLI_CONTINUE;
	r = pidref_open_pid(&st->ref, st->o.pid);
	if (r == -ENOENT) {
		int fd = pidfd_open_raw(st->o.pid, PIDFD_THREAD);

		r = fd < 0 ? (fd == -EINVAL ? -ENOENT : fd) : 0;
		st->ref.fd = fd;
		st->ref.pid = st->o.pid;
	}
	if (r == -ESRCH) {
		msg_err("no process with PID %d", (int)st->o.pid);
		return EXIT_RUNTIME;
	}
	if (r == -ENOENT) {
		msg_err("PID %d is a thread's ID, not a process's", (int)st->o.pid);
		return EXIT_RUNTIME;
	}
	if (r < 0 && errno_is_not_supported(r)) {
		msg_err("-p needs pidfd_open (Linux 5.3 and later): %s", strerror(-r));
		return EXIT_UNSUPPORTED;
	}
	if (r < 0) {
		msg_errno(r, "cannot open process %d", (int)st->o.pid);
		return EXIT_RUNTIME;
	}
	return CLI_CONTINUE;
}

/* The NSpid chain as the mounted /proc shows it, when it does: of -p's
 * pidfd (its fdinfo names that very process), or /proc/self/status. */
static void read_nspid(struct detect_pidns *st)
{
	char buf[4096];
	size_t len;
	long seen;
	int r;

	if (st->ref.fd >= 0)
		r = pidns_pidfd_fdinfo(st->ref.fd, &seen, st->nspid, ARRAY_SIZE(st->nspid),
				       &st->n_nspid);
	else if ((r = read_file_buf(AT_FDCWD, "/proc/self/status", buf, sizeof(buf), &len)) >= 0)
		r = pidns_parse_nspid(buf, len, st->nspid, ARRAY_SIZE(st->nspid), &st->n_nspid);
	st->have_nspid = r >= 0;
}

/* --all: every check, methods through their probes first. */
static int run_checks(struct detect_pidns *st)
{
	st->checks = calloc(ARRAY_SIZE(checks), sizeof(*st->checks));
	if (!st->checks) {
		msg_errno(-ENOMEM, "cannot run the checks");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		struct verdict *v = &st->checks[i];

		if (checks[i].method &&
		    checks[i].method->probe(st, v->detail, sizeof(v->detail)) < 0)
			continue;
		v->detail[0] = '\0';
		checks[i].measure(st, v);
	}
	return CLI_CONTINUE;
}

static int prepare(struct detect_pidns *st)
{
	int r = open_target(st);

	if (r != CLI_CONTINUE)
		return r;
	out_init(&st->out, stdout, st->o.json ? OUT_JSON : OUT_HUMAN);
	read_nspid(st);
	return st->o.all ? run_checks(st) : CLI_CONTINUE;
}

/* auto found nothing: cli_run_method named the last method's reason; say
 * every method's, so the line tells what is missing (a kernel, /proc). */
static void say_every_reason(struct detect_pidns *st)
{
	char line[4 * METHOD_WHY_MAX], why[METHOD_WHY_MAX];
	size_t n = 0;

	line[0] = '\0';
	for (size_t i = 0; i < detect_pidns_methods.n; i++) {
		const struct method *m = &detect_pidns_methods.v[i];
		int w;

		if (m->probe(st, why, sizeof(why)) == 0 || (streq(m->name, "fdinfo") && !st->o.pid))
			continue;
		w = snprintf(line + n, sizeof(line) - n, "%s%s: %s", n ? "; " : "", m->name, why);
		if (w < 0 || (size_t)w >= sizeof(line) - n)
			break;
		n += (size_t)w;
	}
	if (n)
		msg_err("%s", line);
}

int detect_pidns_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int detect_pidns_main(int argc, char **argv)
{
	struct detect_pidns st = { .ref = PIDREF_NULL };
	int r;

	r = parse_args(argc, argv, &st.o);
	if (r == CLI_CONTINUE)
		r = prepare(&st);
	if (r == CLI_CONTINUE) {
		r = cli_run_method(&detect_pidns_methods, st.o.method, &st);
		if (r == EXIT_UNSUPPORTED && (!st.o.method || streq(st.o.method, "auto")))
			say_every_reason(&st);
		/* --all shows the table even when no method could answer. */
		if (r == EXIT_UNSUPPORTED && st.o.all) {
			int w = emit(&st, NULL, NULL);

			if (w < 0)
				r = cli_write_failed(w) == EXIT_OK ? r : EXIT_RUNTIME;
		}
	}
	pidref_close(&st.ref);
	free(st.checks);
	return r;
}
