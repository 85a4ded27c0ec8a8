/* mountwatch: mount changes as they happen (wish list: mount notifications without mountinfo rescans). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "../lib/caps.h"
#include "../lib/exitcodes.h"
#include "../lib/idmap.h"
#include "../lib/method.h"
#include "../lib/mountapi.h"
#include "../lib/mnt.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pathnorm.h"
#include "../lib/timefmt.h"
#include "../lib/timeout.h"
#include "../lib/util.h"
#include "../lib/linux-compat.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" mountwatch [options]\n"
	"\n"
	"Print one line per change of the mount table, as it happens: attach,\n"
	"detach, move, and (when asked for) change of options or propagation.\n"
	"\n"
	"Options:\n"
	" -T, --target PATH          only mounts on PATH\n"
	"     --under PATH           only mounts on PATH or below it\n"
	" -t, --types LIST           only these filesystem types, comma separated;\n"
	"                              \"no\" before a type leaves it out (notmpfs)\n"
	" -S, --source SRC           only mounts of SRC (as mountinfo names it, or\n"
	"                              a block device)\n"
	" -e, --events LIST          attach,detach,move,change or all\n"
	"                              (default: attach,detach,move)\n"
	" -c, --count N              exit after N events\n"
	"     --timeout DURATION     exit 3 after DURATION (1.5, 500ms, 2m)\n"
	"     --until-mounted PATH   exit as soon as PATH is a mount point\n"
	"     --until-unmounted PATH exit as soon as PATH is not a mount point\n"
	" -N, --mntns PID|PATH       watch the mount namespace of PID, or the\n"
	"                              namespace file PATH\n"
	"     --initial              first print every mount there is, as \"existing\"\n"
	" -J, --json                 JSON Lines: one object per event\n"
	" -P, --pairs                KEY=\"value\" lines\n"
	" -q, --quiet                print no events\n"
	"     --method NAME          auto, fanotify or mountinfo\n"
	" -v, --verbose              say which method is used and why; \"ready\" once watching\n"
	"\n"
	" -h, --help                 display this help\n"
	" -V, --version              display version\n"
	"\n"
	"See mountwatch(1).\n";

enum {
	OPT_UNDER = 0x100,
	OPT_TIMEOUT,
	OPT_UNTIL_MOUNTED,
	OPT_UNTIL_UNMOUNTED,
	OPT_INITIAL,
	OPT_METHOD,
};

static const struct option longopts[] = {
	{ "target", required_argument, NULL, 'T' },
	{ "under", required_argument, NULL, OPT_UNDER },
	{ "types", required_argument, NULL, 't' },
	{ "source", required_argument, NULL, 'S' },
	{ "events", required_argument, NULL, 'e' },
	{ "count", required_argument, NULL, 'c' },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "until-mounted", required_argument, NULL, OPT_UNTIL_MOUNTED },
	{ "until-unmounted", required_argument, NULL, OPT_UNTIL_UNMOUNTED },
	{ "mntns", required_argument, NULL, 'N' },
	{ "initial", no_argument, NULL, OPT_INITIAL },
	{ "json", no_argument, NULL, 'J' },
	{ "pairs", no_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The kinds of event, in the order of their names. */
enum ev { EV_EXISTING, EV_ATTACH, EV_DETACH, EV_MOVE, EV_CHANGE, EV_OVERFLOW };
static const char *const ev_names[] = { "existing", "attach", "detach",
					"move",     "change", "overflow" };
_Static_assert(ARRAY_SIZE(ev_names) == EV_OVERFLOW + 1, "one name per event");
#define EV_BIT(e) (1u << (e))
#define EV_DEFAULT (EV_BIT(EV_ATTACH) | EV_BIT(EV_DETACH) | EV_BIT(EV_MOVE))
#define EV_ALL (EV_DEFAULT | EV_BIT(EV_CHANGE))

enum until { UNTIL_NONE, UNTIL_MOUNTED, UNTIL_UNMOUNTED };

struct mountwatch_opts {
	const char *target;  /* -T, as given; resolved into target_path */
	const char *under;   /* --under */
	const char *types;   /* -t */
	const char *source;  /* -S */
	unsigned int events; /* -e: EV_BIT()s */
	uint64_t count;      /* -c, 0: no limit */
	bool timeout_set;
	uint64_t timeout_ns;
	enum until until;
	const char *until_arg;
	const char *mntns; /* -N */
	bool initial;
	enum out_mode mode;
	bool quiet;
	const char *method;
};

/* One run: the options, what was resolved from them, and the state both
 * methods share (output, counters, the mount-point test of --until-*). */
struct mountwatch {
	struct mountwatch_opts o;
	int procfd; /* /proc, opened before any setns() */
	int nsfd;   /* the watched mount namespace */
	char *target_path, *under_path, *until_path;
	bool source_is_dev;
	dev_t source_dev;
	const char *method; /* the running method's name (JSON's "method") */
	struct out out;
	struct deadline deadline;
	struct timespec now; /* when the events being handled were read */
	uint64_t seen;       /* events counted for --count */
	long at_until;       /* mounts on until_path right now */
	bool done;
	int out_idx; /* stdout's place in the poll set, or -1 */
	char *optbuf; /* scratch for the options string */
	size_t optlen;
	/* fanotify: unique id -> struct mnt_rec * (mnt_rec_dup() copies) */
	struct idmap cache;
	struct statmount_buf smb;
};

/* The methods, best first. */
static int probe_fanotify(const void *ctx, char *why, size_t len);
static int run_fanotify(void *ctx, const struct method *m);
static int probe_mountinfo(const void *ctx, char *why, size_t len);
static int run_mountinfo(void *ctx, const struct method *m);

static const struct method mountwatch_method_list[] = {
	{ "fanotify", "fanotify mount events (FAN_REPORT_MNT, 6.15) and statmount (6.8)",
	  probe_fanotify, run_fanotify },
	{ "mountinfo", "poll(POLLPRI) on /proc/self/mountinfo, re-read and compared",
	  probe_mountinfo, run_mountinfo },
};
const struct method_set mountwatch_methods = METHOD_SET(mountwatch_method_list);

/* ---- helpers: 0 or -errno (or a plain answer), never print ---------- */

static int parse_events(const char *list, unsigned int *ret_bits)
{
	unsigned int bits = 0;
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned int bit = 0;

		if (strcmp(t, "all") == 0)
			bit = EV_ALL;
		for (int e = EV_ATTACH; e <= EV_CHANGE; e++)
			if (strcmp(t, ev_names[e]) == 0)
				bit = EV_BIT(e);
		if (!bit) {
			free(copy);
			return -EINVAL;
		}
		bits |= bit;
	}
	free(copy);
	if (!bits)
		return -EINVAL;
	*ret_bits = bits;
	return 0;
}

/* -t LIST: a type matches when no "noTYPE" entry names it and, if there is
 * any plain entry, one of those names it. */
static bool type_matches(const char *list, const char *fstype)
{
	bool any_plain = false, plain_hit = false;
	size_t flen;

	if (!fstype)
		return false;
	flen = strlen(fstype);
	for (const char *p = list; *p;) {
		const char *e = strchrnul(p, ',');
		size_t n = (size_t)(e - p);
		bool neg = n > 2 && strncmp(p, "no", 2) == 0;
		const char *name = neg ? p + 2 : p;
		size_t nlen = neg ? n - 2 : n;

		if (n) {
			bool hit = nlen == flen && strncmp(name, fstype, flen) == 0;

			if (neg && hit)
				return false;
			if (!neg) {
				any_plain = true;
				plain_hit |= hit;
			}
		}
		p = *e ? e + 1 : e;
	}
	return !any_plain || plain_hit;
}

static bool rec_matches(const struct mountwatch *w, const struct mnt_rec *r, const char *old_target)
{
	if (w->target_path && !streq_ptr(r->target, w->target_path) &&
	    !streq_ptr(old_target, w->target_path))
		return false;
	if (w->under_path && !(r->target && path_is_under(r->target, w->under_path)) &&
	    !(old_target && path_is_under(old_target, w->under_path)))
		return false;
	if (w->o.types && !type_matches(w->o.types, r->fstype))
		return false;
	if (w->o.source && !streq_ptr(r->source, w->o.source) &&
	    !(w->source_is_dev && r->fstype &&
	      makedev(r->major, r->minor) == w->source_dev))
		return false;
	return true;
}

/* A path relative to the current directory, or the one after setns(). */
static int resolve_path(const char *path, bool must_exist, char **ret_path)
{
	char *real = realpath(path, NULL), cwd[PATH_MAX];

	if (real) {
		*ret_path = real;
		return 0;
	}
	if (must_exist || errno == ENOMEM)
		return -errno;
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	return path_normalize(path, cwd, ret_path);
}

static int open_mntns(const char *spec, int *ret_fd)
{
	char path[64];
	pid_t pid;
	_cleanup_close_ int fd = -1;

	if (parse_pid(spec, read_pid_max(), &pid) == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		spec = path;
	}
	fd = open(spec, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNS)
		return -EINVAL;
	*ret_fd = take_fd(&fd);
	return 0;
}

static int open_mountinfo(const struct mountwatch *w, int *ret_fd)
{
	int fd = openat(w->procfd, "thread-self/mountinfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fd = openat(w->procfd, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* Whether fd has a POLLPRI event waiting, without waiting (consumes it). */
static bool pending(int fd, short what)
{
	struct pollfd p = { .fd = fd, .events = what };

	return poll(&p, 1, 0) > 0 && (p.revents & (what | POLLERR));
}

/* The options string of r in w's scratch buffer; NULL when r has none. */
static int options_of(struct mountwatch *w, const struct mnt_rec *r, const char **ret_opts)
{
	size_t need = (r->vfs_opts ? strlen(r->vfs_opts) : 0) +
		      (r->sb_opts ? strlen(r->sb_opts) : 0) + 8;

	if (!r->vfs_opts && !r->sb_opts) {
		*ret_opts = NULL;
		return 0;
	}
	if (need > w->optlen) {
		char *b = realloc(w->optbuf, need);

		if (!b)
			return -ENOMEM;
		w->optbuf = b;
		w->optlen = need;
	}
	*ret_opts = mnt_rec_options(r, w->optbuf, w->optlen);
	return 0;
}

/* ---- what both methods share: events, failures, waiting ------------- */
/* These print: events on stdout (through w->out), messages on stderr. */

/* Text for a human line: control bytes as \xHH so an event stays one line. */
static void put_human(FILE *f, const char *s, const char *none)
{
	if (!s)
		fputs(none, f);
	else
		out_human_text(f, s, strlen(s));
}

/* Prints the human line of one event. 0, or -ENOMEM. */
static int human_line(struct mountwatch *w, enum ev ev, const struct mnt_rec *r,
		      const char *opts, const char *old_target)
{
	char *line = NULL, stamp[40], clock[24] = "??:??:??.??????";
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);

	if (!f)
		return -ENOMEM;
	/* HH:MM:SS.uuuuuu of the ISO stamp. */
	if (timefmt_iso8601_us(&w->now, stamp, sizeof(stamp)) == 0)
		snprintf(clock, sizeof(clock), "%.15s", stamp + 11);
	fprintf(f, "%s %-8s ", clock, ev_names[ev]);
	if (ev == EV_OVERFLOW) {
		fputs("events were lost; what changed meanwhile follows", f);
	} else if (!r->target && !r->fstype) {
		fprintf(f, "(mount %llu, gone before it could be read)",
			(unsigned long long)r->id);
		if (old_target) {
			fputs(" from ", f);
			put_human(f, old_target, "");
		}
	} else {
		long w0 = ftell(f), pad;

		put_human(f, r->target, "?");
		pad = 32 - (ftell(f) - w0);
		fprintf(f, "%*s ", pad > 0 ? (int)pad : 0, "");
		w0 = ftell(f);
		put_human(f, r->source, "?");
		pad = 16 - (ftell(f) - w0);
		fprintf(f, "%*s ", pad > 0 ? (int)pad : 0, "");
		w0 = ftell(f);
		put_human(f, r->fstype, "?");
		pad = 10 - (ftell(f) - w0);
		fprintf(f, "%*s ", pad > 0 ? (int)pad : 0, "");
		put_human(f, opts, "?");
		if (ev == EV_MOVE) {
			fputs(" (from ", f);
			put_human(f, old_target, "?");
			fputc(')', f);
		}
	}
	fputc('\n', f);
	/* A memory stream fails only for want of memory. */
	if (fclose(f) != 0) {
		free(line);
		return -ENOMEM;
	}
	out_human(&w->out, "%s", line);
	free(line);
	return 0;
}

static int print_event(struct mountwatch *w, enum ev ev, const struct mnt_rec *r,
		       const char *old_target)
{
	static const struct mnt_rec none;
	char stamp[40], prop[64];
	const char *opts;
	int err;

	if (!r)
		r = &none;
	if ((err = options_of(w, r, &opts)) < 0)
		return err;
	out_begin(&w->out);
	if (w->o.mode == OUT_HUMAN) {
		err = human_line(w, ev, r, opts, old_target);
		return err < 0 ? err : out_end(&w->out);
	}
	out_str(&w->out, "event", ev_names[ev]);
	if (r->id)
		out_uint(&w->out, "mnt_id", r->id);
	else
		out_null(&w->out, "mnt_id");
	if (r->parent_id && (r->target || r->fstype))
		out_uint(&w->out, "parent_id", r->parent_id);
	else
		out_null(&w->out, "parent_id");
	out_str(&w->out, "target", r->target);
	/* No source (mount -t tmpfs "" DIR) is null, as findmnt has it. */
	out_str(&w->out, "source", r->source && *r->source ? r->source : NULL);
	out_str(&w->out, "fstype", r->fstype);
	out_str(&w->out, "options", opts);
	out_str(&w->out, "propagation", r->fields ? mnt_rec_propagation(r, prop, sizeof(prop)) : NULL);
	out_str(&w->out, "root", r->root);
	out_str(&w->out, "old_target", ev == EV_MOVE ? old_target : NULL);
	out_str(&w->out, "time",
		timefmt_iso8601_us(&w->now, stamp, sizeof(stamp)) == 0 ? stamp : NULL);
	out_str(&w->out, "method", w->method);
	return out_end(&w->out);
}

/* Tells whether the run is over: --count reached or --until-* met. */
static bool finished(const struct mountwatch *w)
{
	return w->done || (w->o.until == UNTIL_MOUNTED && w->at_until > 0) ||
	       (w->o.until == UNTIL_UNMOUNTED && w->at_until == 0);
}

/* Keeps the count of mounts on the --until-* path as records come and go. */
static void track(struct mountwatch *w, const struct mnt_rec *gone, const struct mnt_rec *came)
{
	if (!w->until_path)
		return;
	if (gone && streq_ptr(gone->target, w->until_path))
		w->at_until--;
	if (came && streq_ptr(came->target, w->until_path))
		w->at_until++;
}

/* Filters, prints and counts one event. 0, or -errno when output failed. */
static int emit(struct mountwatch *w, enum ev ev, const struct mnt_rec *r, const char *old_target)
{
	bool counted = ev >= EV_ATTACH && ev <= EV_CHANGE;
	int err;

	/* Once --count is reached, nothing more: not even the rest of a batch. */
	if (w->done || (counted && !(w->o.events & EV_BIT(ev))))
		return 0;
	if (ev != EV_OVERFLOW && !rec_matches(w, r, old_target))
		return 0;
	if (!w->o.quiet && (err = print_event(w, ev, r, old_target)) < 0)
		return err;
	if (counted && w->o.count && ++w->seen >= w->o.count)
		w->done = true;
	return 0;
}

/* The exit code for a failure err while doing what: an output error ends
 * the run quietly when the reader went away (the dispatcher reports other
 * write errors); anything else is said here. */
static int failed(const struct mountwatch *w, int err, const char *what)
{
	if (w->out.err)
		return cli_write_failed(w->out.err);
	msg_errno(err, "%s", what);
	return EXIT_RUNTIME;
}

/* Said once subscribed and the table read: scripts may wait for it. */
static void ready(size_t n)
{
	msg_info("ready: %zu mounts in the table, watching for changes", n);
}

/* The fds every wait watches besides the method's own: stdout when it is a
 * pipe, so a reader that goes away ends the run at once. */
static int stdout_pollfd(struct mountwatch *w, struct pollfd *p, int idx)
{
	struct stat st;

	w->out_idx = -1;
	if (w->o.quiet || fstat(STDOUT_FILENO, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	*p = (struct pollfd){ .fd = STDOUT_FILENO, .events = 0 };
	w->out_idx = idx;
	return 1;
}

/* Waits for the method's fds. true when one is ready; false with *status
 * set when the run is over: EXIT_TIMEOUT, EXIT_OK when stdout's reader went
 * away, EXIT_RUNTIME. */
static bool wait_events(struct mountwatch *w, struct pollfd *fds, int n, int *status)
{
	for (;;) {
		int r = poll(fds, (nfds_t)n, deadline_poll_ms(&w->deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			msg_errno(-errno, "poll");
			*status = EXIT_RUNTIME;
			return false;
		}
		if (r == 0) {
			*status = EXIT_TIMEOUT;
			return false;
		}
		if (w->out_idx >= 0 && w->out_idx < n && fds[w->out_idx].revents) {
			*status = EXIT_OK;
			return false;
		}
		clock_gettime(CLOCK_REALTIME, &w->now);
		return true;
	}
}

/* ---- method mountinfo: poll(POLLPRI) on mountinfo, re-read, diff ---- */

static int probe_mountinfo(const void *ctx, char *why, size_t len)
{
	const struct mountwatch *w = ctx;
	_cleanup_close_ int fd = -1;
	int r = 0;

	if (w && w->procfd < 0) {
		snprintf(why, len, "cannot open /proc (is it mounted?)");
		return -ENOENT;
	}
	if (w)
		r = open_mountinfo(w, &fd);
	else if ((fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)) < 0)
		r = -errno;
	if (r < 0) {
		snprintf(why, len, "cannot open /proc/self/mountinfo: %s", strerror(-r));
		return r;
	}
	snprintf(why, len, "poll(POLLPRI) on /proc/self/mountinfo, re-read and compared");
	return 0;
}

struct diff_ctx {
	struct mountwatch *w;
	int err;
};

static int on_diff(enum mnt_change what, const struct mnt_rec *old, const struct mnt_rec *cur,
		   void *arg)
{
	struct diff_ctx *d = arg;
	static const enum ev map[] = { [MNTDIFF_DETACH] = EV_DETACH,
				       [MNTDIFF_MOVE] = EV_MOVE,
				       [MNTDIFF_CHANGE] = EV_CHANGE,
				       [MNTDIFF_ATTACH] = EV_ATTACH };
	int err;

	track(d->w, old, cur);
	err = emit(d->w, map[what], cur ? cur : old, what == MNTDIFF_MOVE ? old->target : NULL);
	if (err < 0) {
		d->err = err;
		return err;
	}
	return finished(d->w) ? -ECANCELED : 0;
}

static long count_at(const struct mnttab *mi, const char *path)
{
	long n = 0;

	for (size_t i = 0; path && i < mi->n; i++)
		n += streq_ptr(mi->v[i].target, path);
	return n;
}

/* Reads the table, again while it keeps changing under the reading (up to
 * a bound), so that the first table is one quiet moment's. */
static int read_settled(int fd, struct mnttab *mi)
{
	for (int i = 0; i < 64; i++) {
		int r = mnttab_read(fd, mi);

		if (r < 0 || !pending(fd, POLLPRI))
			return r;
	}
	/* Still changing: this reading comes after the last change told of. */
	return mnttab_read(fd, mi);
}

static int print_initial(struct mountwatch *w, const struct mnt_rec *v, size_t n)
{
	for (size_t i = 0; i < n && w->o.initial; i++) {
		int err = emit(w, EV_EXISTING, &v[i], NULL);

		if (err < 0)
			return err;
	}
	return 0;
}

static int run_mountinfo(void *ctx, const struct method *m)
{
	struct mountwatch *w = ctx;
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT, *prev = &a, *cur = &b;
	struct pollfd fds[2];
	_cleanup_close_ int fd = -1;
	int n = 1, r, status = EXIT_OK;
	bool lost = false;

	w->method = m->name;
	if ((r = open_mountinfo(w, &fd)) < 0)
		return failed(w, r, "cannot open mountinfo");
	/* Opening it is the subscription: changes from now on wake poll(). */
	if ((r = read_settled(fd, prev)) < 0) {
		status = failed(w, r, "cannot read mountinfo");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &w->now);
	w->at_until = count_at(prev, w->until_path);
	ready(prev->n);
	if ((r = print_initial(w, prev->v, prev->n)) < 0) {
		status = failed(w, r, "cannot print an event");
		goto out;
	}
	fds[0] = (struct pollfd){ .fd = fd, .events = POLLPRI };
	n += stdout_pollfd(w, &fds[1], 1);
	while (!finished(w)) {
		struct diff_ctx d = { w, 0 };
		struct mnttab *t;
		/* A change that came while the last reading was under way may
		 * be in that reading already: then an empty difference says
		 * nothing. Otherwise it means a change came and went unseen. */
		bool after_change = pending(fd, POLLPRI);

		if (!after_change && !wait_events(w, fds, n, &status))
			break;
		if ((r = mnttab_read_since(fd, cur, prev)) < 0) {
			status = failed(w, r, "cannot read mountinfo");
			break;
		}
		clock_gettime(CLOCK_REALTIME, &w->now);
		r = mnttab_diff(prev, cur, on_diff, &d);
		if (d.err < 0) {
			status = failed(w, d.err, "cannot print an event");
			break;
		}
		/* One overflow stands for every loss until the next change
		 * seen: a row of them would say no more. */
		if (r == 0 && !after_change && !lost) {
			msg_info("the table changed but shows no difference: a change came and went");
			if ((r = emit(w, EV_OVERFLOW, NULL, NULL)) < 0) {
				status = failed(w, r, "cannot print an event");
				break;
			}
		}
		lost = r == 0 && (lost || !after_change);
		/* The count follows the table itself, whatever the filters. */
		w->at_until = count_at(cur, w->until_path);
		t = prev, prev = cur, cur = t;
	}
out:
	mnttab_free(&a);
	mnttab_free(&b);
	return status;
}

/* ---- method fanotify: FAN_REPORT_MNT events + statmount ------------- */

/* The reason a probe gives when call failed with err: not in this kernel
 * (when since names the release that brought it), the privilege this process
 * lacks, or what the kernel said. */
static void probe_why(const char *call, const char *since, int err, char *why, size_t len)
{
	char need[METHOD_WHY_MAX];

	if (since && errno_is_not_supported(err))
		snprintf(why, len, "%s: not in this kernel (%s)", call, since);
	else if (errno_is_privilege(err) && caps_need(CAP_SYS_ADMIN, need, sizeof(need)) < 0)
		snprintf(why, len, "%s: %s", call, need);
	else if (errno_is_privilege(err))
		/* Held here, but not over the owner of the watched namespace. */
		snprintf(why, len, "%s: not permitted (needs CAP_SYS_ADMIN over the mount "
				   "namespace's owner)", call);
	else
		snprintf(why, len, "%s: %s", call, strerror(-err));
}

static int probe_fanotify(const void *ctx, char *why, size_t len)
{
	const struct mountwatch *w = ctx;
	_cleanup_close_ int fan = -1, own_nsfd = -1;
	uint64_t *ids = NULL;
	size_t n;
	int nsfd, r;

	if ((r = mountapi_fanotify_init(&fan)) < 0) {
		probe_why("fanotify_init(FAN_REPORT_MNT)", "6.15+", r, why, len);
		return r;
	}
	if (w && w->nsfd < 0) {
		snprintf(why, len, "cannot open /proc/self/ns/mnt (is /proc mounted?)");
		return -ENOENT;
	}
	if (!w && (own_nsfd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0) {
		r = -errno;
		snprintf(why, len, "cannot open /proc/self/ns/mnt: %s", strerror(-r));
		return r;
	}
	nsfd = w ? w->nsfd : own_nsfd;
	if ((r = mountapi_fanotify_mark_ns(fan, nsfd)) < 0) {
		probe_why("fanotify_mark(FAN_MARK_MNTNS)", NULL, r, why, len);
		return r;
	}
	if ((r = mountapi_listmount(&ids, &n)) < 0) {
		probe_why("listmount", "6.8+", r, why, len);
		return r;
	}
	free(ids);
	snprintf(why, len, "fanotify mount events (FAN_REPORT_MNT) and statmount work");
	return 0;
}

/* The cache: unique id -> details, so a detach can say what went. */
static int cache_put(struct mountwatch *w, const struct mnt_rec *r)
{
	struct mnt_rec *c = mnt_rec_dup(r);
	void *old = NULL;
	int err;

	if (!c)
		return -ENOMEM;
	if ((err = idmap_put(&w->cache, r->id, c, &old)) < 0) {
		free(c);
		return err;
	}
	track(w, old, c);
	free(old);
	return 0;
}


/* statmount() of one mount as a record; -ENOENT when it is already gone. */
static int stat_rec(struct mountwatch *w, uint64_t id, struct mnt_rec *r)
{
	int err = mountapi_statmount(id, MOUNTAPI_STATMOUNT_MASK, &w->smb);

	if (err < 0)
		return err;
	return mountapi_to_rec(&w->smb, r);
}

/* Lists the table into a fresh map, ids ascending in *ids. */
static int list_table(struct mountwatch *w, struct idmap *map, uint64_t **ids, size_t *n)
{
	int err = mountapi_listmount(ids, n);
	size_t kept = 0;

	if (err < 0)
		return err;
	for (size_t i = 0; i < *n; i++) {
		struct mnt_rec r, *c;

		err = stat_rec(w, (*ids)[i], &r);
		if (err == -ENOENT)
			continue; /* gone since listmount: its detach is queued */
		if (err < 0)
			return err;
		if (!(c = mnt_rec_dup(&r)) || idmap_put(map, r.id, c, NULL) < 0) {
			free(c);
			return -ENOMEM;
		}
		(*ids)[kept++] = r.id;
	}
	*n = kept;
	return 0;
}

static void free_map(struct idmap *map)
{
	uint64_t id;
	void *v;

	for (size_t i = 0; idmap_next(map, &i, &id, &v);)
		free(v);
	idmap_free(map);
}

static void cache_clear(struct mountwatch *w)
{
	free_map(&w->cache);
	w->at_until = 0;
}

/* After a lost event: list the table again and report what differs from
 * the cache, then make the listing the cache. */
static int resync(struct mountwatch *w, bool first)
{
	struct idmap fresh = IDMAP_INIT;
	uint64_t *ids = NULL, id;
	size_t n = 0;
	void *v;
	int err;

	if ((err = list_table(w, &fresh, &ids, &n)) < 0)
		goto out;
	for (size_t i = 0; !first && idmap_next(&w->cache, &i, &id, &v);) {
		if (idmap_get(&fresh, id))
			continue;
		if ((err = emit(w, EV_DETACH, v, NULL)) < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mnt_rec *c = idmap_get(&fresh, ids[i]), *old = idmap_get(&w->cache, ids[i]);

		if (first)
			err = w->o.initial ? emit(w, EV_EXISTING, c, NULL) : 0; /* --initial */
		else if (!old)
			err = emit(w, EV_ATTACH, c, NULL);
		else if (!streq_ptr(old->target, c->target))
			err = emit(w, EV_MOVE, c, old->target);
		else if (mnt_rec_changed(old, c))
			err = emit(w, EV_CHANGE, c, NULL);
		if (err < 0)
			goto out;
	}
	cache_clear(w);
	w->cache = fresh;
	fresh = (struct idmap)IDMAP_INIT;
	for (size_t i = 0; idmap_next(&w->cache, &i, &id, &v);)
		track(w, NULL, v);
out:
	free_map(&fresh);
	free(ids);
	return err;
}

/* One fanotify event. */
static int on_fanotify(uint64_t mask, uint64_t id, int fd, void *arg)
{
	struct mountwatch *w = arg;
	const struct mnt_rec *old;
	struct mnt_rec r;
	int err = 0;

	safe_close(fd);
	if (mask & FAN_Q_OVERFLOW) {
		msg_info("fanotify queue overflow: events were lost, listing the table again");
		if ((err = emit(w, EV_OVERFLOW, NULL, NULL)) < 0 || (err = resync(w, false)) < 0)
			return err;
		return finished(w) ? -ECANCELED : 0;
	}
	if (!id)
		return 0;
	old = idmap_get(&w->cache, id);
	if ((mask & FAN_MNT_ATTACH) && (mask & FAN_MNT_DETACH)) {
		/* A move: the same mount, somewhere else. */
		err = stat_rec(w, id, &r);
		if (err == -ENOENT) {
			/* Moved, then gone: its detach follows. */
			struct mnt_rec gone = { .id = id };

			err = emit(w, EV_MOVE, &gone, old ? old->target : NULL);
		} else if (err == 0) {
			/* cache_put() frees old: keep where it was. */
			char *from = old && old->target ? strdup(old->target) : NULL;

			if (old && old->target && !from)
				err = -ENOMEM;
			if (!err)
				err = cache_put(w, &r);
			if (!err)
				err = emit(w, EV_MOVE, &r, from);
			free(from);
		}
	} else if (mask & FAN_MNT_ATTACH) {
		/* Known already (it was in a listing made after the mark): no news. */
		if (old)
			return 0;
		err = stat_rec(w, id, &r);
		if (err == -ENOENT) {
			/* Gone before we could look: say so, and keep its id so
			 * that its detach is reported too. */
			r = (struct mnt_rec){ .id = id };
			err = 0;
		}
		if (!err && !(err = cache_put(w, &r)))
			err = emit(w, EV_ATTACH, &r, NULL);
	} else if (mask & FAN_MNT_DETACH) {
		struct mnt_rec *gone = idmap_del(&w->cache, id);

		/* Unknown: it went before the listing that followed the mark
		 * (or the last resynchronisation), which reported it. */
		if (!gone)
			return 0;
		track(w, gone, NULL);
		err = emit(w, EV_DETACH, gone, NULL);
		free(gone);
	}
	if (err < 0)
		return err;
	return finished(w) ? -ECANCELED : 0;
}

/* Beside fanotify, for -e change: mountinfo differences that are option or
 * propagation changes; attach, detach and move come from fanotify. */
static int on_change(enum mnt_change what, const struct mnt_rec *old, const struct mnt_rec *cur,
		     void *arg)
{
	struct diff_ctx *d = arg;
	struct mountwatch *w = d->w;
	uint64_t id;
	void *v;
	struct mnt_rec r;
	int err;

	(void)old;
	if (what != MNTDIFF_CHANGE)
		return 0;
	/* mountinfo shows the old ids: find the mount by that. */
	for (size_t i = 0; idmap_next(&w->cache, &i, &id, &v);) {
		if (((struct mnt_rec *)v)->id_old != cur->id_old)
			continue;
		err = stat_rec(w, id, &r);
		if (err == -ENOMEM) {
			d->err = err;
			return err;
		}
		if (err < 0)
			return 0; /* gone meanwhile: its detach tells */
		/* mountinfo's id may now name a new mount, whose attach told
		 * all: a change is a difference from what was last said. */
		if (!mnt_rec_changed(v, &r) && streq_ptr(((struct mnt_rec *)v)->target, r.target))
			return 0;
		if ((err = cache_put(w, &r)) < 0 || (err = emit(w, EV_CHANGE, &r, NULL)) < 0) {
			d->err = err;
			return err;
		}
		return finished(w) ? -ECANCELED : 0;
	}
	return 0;
}

static int run_fanotify(void *ctx, const struct method *m)
{
	struct mountwatch *w = ctx;
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT, *prev = &a, *cur = &b;
	struct pollfd fds[3];
	int fan = -1, mi = -1, n = 1, r, status = EXIT_OK;
	bool changes = w->o.events & EV_BIT(EV_CHANGE);
	/* Room for about 1,600 events per read. */
	const size_t buflen = 65536;
	char *buf = malloc(buflen);

	w->method = m->name;
	if (!buf)
		return failed(w, -ENOMEM, "cannot read fanotify events");
	/* Subscribe first, then list: nothing can fall in between. */
	if ((r = mountapi_fanotify_init(&fan)) < 0 ||
	    (r = mountapi_fanotify_mark_ns(fan, w->nsfd)) < 0) {
		status = failed(w, r, "cannot watch the mount namespace");
		goto out;
	}
	if (changes && ((r = open_mountinfo(w, &mi)) < 0 || (r = read_settled(mi, prev)) < 0)) {
		status = failed(w, r, "cannot read mountinfo");
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &w->now);
	if ((r = resync(w, true)) < 0) {
		status = failed(w, r, "cannot list the mount table");
		goto out;
	}
	ready(w->cache.n);
	fds[0] = (struct pollfd){ .fd = fan, .events = POLLIN };
	if (mi >= 0)
		fds[n++] = (struct pollfd){ .fd = mi, .events = POLLPRI };
	n += stdout_pollfd(w, &fds[n], n);
	while (!finished(w)) {
		if (!wait_events(w, fds, n, &status))
			break;
		if (fds[0].revents & POLLIN) {
			ssize_t got = read(fan, buf, buflen);

			if (got < 0 && errno != EAGAIN && errno != EINTR) {
				status = failed(w, -errno, "cannot read fanotify events");
				break;
			}
			r = got > 0 ? mountapi_fanotify_parse(buf, (size_t)got, on_fanotify, w) : 0;
			if (r < 0 && r != -ECANCELED) {
				status = failed(w, r, r == -EBADMSG ? "malformed fanotify event" :
								      "cannot keep the mount table");
				break;
			}
		}
		if (mi >= 0 && (fds[1].revents & (POLLPRI | POLLERR))) {
			struct diff_ctx d = { w, 0 };
			struct mnttab *t;

			if ((r = mnttab_read_since(mi, cur, prev)) < 0) {
				status = failed(w, r, "cannot read mountinfo");
				break;
			}
			mnttab_diff(prev, cur, on_change, &d);
			if (d.err < 0) {
				status = failed(w, d.err, "cannot keep the mount table");
				break;
			}
			t = prev, prev = cur, cur = t;
		}
	}
out:
	fan = safe_close(fan);
	mi = safe_close(mi);
	mnttab_free(&a);
	mnttab_free(&b);
	cache_clear(w);
	statmount_buf_free(&w->smb);
	free(buf);
	return status;
}

/* Gives back what prepare() and the run opened and allocated. */
static void mountwatch_free(struct mountwatch *w)
{
	w->procfd = safe_close(w->procfd);
	w->nsfd = safe_close(w->nsfd);
	free(w->target_path);
	free(w->under_path);
	free(w->until_path);
	free(w->optbuf);
}

/* ---- command line ---------------------------------------------------- */

/* CLI_CONTINUE, or the exit code to end with (see cli.h). */
static int parse_args(int argc, char **argv, struct mountwatch_opts *o)
{
	int c, r;

	while ((c = getopt_long(argc, argv, "T:t:S:e:c:N:JPqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'T': o->target = optarg; break;
		case OPT_UNDER: o->under = optarg; break;
		case 't': o->types = optarg; break;
		case 'S': o->source = optarg; break;
		case 'e':
			r = parse_events(optarg, &o->events);
			if (r == -ENOMEM) {
				msg_errno(r, "-e");
				return EXIT_RUNTIME;
			}
			if (r < 0)
				return msg_usage("unknown event in '%s' (choose from attach, detach, "
						 "move, change, all)", optarg);
			break;
		case 'c':
			if (parse_u64(optarg, 1, UINT64_MAX, &o->count) < 0)
				return msg_usage("invalid count '%s'", optarg);
			break;
		case OPT_TIMEOUT:
			if (parse_duration(optarg, &o->timeout_ns) < 0)
				return msg_usage("invalid duration '%s'", optarg);
			o->timeout_set = true;
			break;
		case OPT_UNTIL_MOUNTED:
		case OPT_UNTIL_UNMOUNTED:
			if (o->until != UNTIL_NONE)
				return msg_usage("--until-mounted and --until-unmounted go one at a time");
			o->until = c == OPT_UNTIL_MOUNTED ? UNTIL_MOUNTED : UNTIL_UNMOUNTED;
			o->until_arg = optarg;
			break;
		case 'N': o->mntns = optarg; break;
		case OPT_INITIAL: o->initial = true; break;
		case 'J':
		case 'P':
			if (o->mode != OUT_HUMAN)
				return msg_usage("--json and --pairs exclude each other");
			o->mode = c == 'J' ? OUT_JSON_LINES : OUT_PAIRS;
			break;
		case 'q': o->quiet = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	if (optind < argc)
		return msg_usage("unexpected argument '%s'", argv[optind]);
	/* An unknown method is a usage error, whatever else is wrong. */
	if (cli_check_method(&mountwatch_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	if ((o->target && !*o->target) || (o->under && !*o->under) ||
	    (o->until_arg && !*o->until_arg))
		return msg_usage("empty path");
	return CLI_CONTINUE;
}

/* Opens /proc and the namespace, enters it for -N, resolves the paths
 * there. CLI_CONTINUE, or the exit code to end with. */
static int prepare(struct mountwatch *w)
{
	const struct mountwatch_opts *o = &w->o;
	/* Where the paths given are resolved to, in the watched namespace. */
	const struct {
		const char *arg;
		bool must_exist;
		char **ret;
	} paths[] = {
		{ o->until_arg, true, &w->until_path },
		{ o->target, false, &w->target_path },
		{ o->under, false, &w->under_path },
	};
	struct stat st;
	int r;

	w->procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (o->mntns) {
		if ((r = open_mntns(o->mntns, &w->nsfd)) < 0) {
			if (r == -EINVAL)
				msg_err("%s: not a mount namespace", o->mntns);
			else if (r == -ENOENT && parse_pid(o->mntns, INT_MAX, &(pid_t){ 0 }) == 0)
				msg_err("no process with PID %s", o->mntns);
			else
				msg_errno(r, "cannot open the mount namespace %s", o->mntns);
			return EXIT_RUNTIME;
		}
		/* Inside it, paths and mountinfo are that namespace's. */
		if (setns(w->nsfd, CLONE_NEWNS) < 0) {
			msg_errno(-errno, "cannot enter the mount namespace %s", o->mntns);
			return EXIT_RUNTIME;
		}
	} else {
		w->nsfd = w->procfd >= 0 ? openat(w->procfd, "thread-self/ns/mnt", O_RDONLY | O_CLOEXEC) : -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		if (!paths[i].arg)
			continue;
		if ((r = resolve_path(paths[i].arg, paths[i].must_exist, paths[i].ret)) < 0) {
			msg_errno(r, "%s", paths[i].arg);
			return EXIT_RUNTIME;
		}
	}
	if (o->source && stat(o->source, &st) == 0 && S_ISBLK(st.st_mode)) {
		w->source_is_dev = true;
		w->source_dev = st.st_rdev;
	}
	return CLI_CONTINUE;
}

int mountwatch_main(int argc, char **argv);
int mountwatch_main(int argc, char **argv)
{
	struct mountwatch w = {
		.o = { .events = EV_DEFAULT, .mode = OUT_HUMAN },
		.procfd = -1,
		.nsfd = -1,
	};
	int status;

	status = parse_args(argc, argv, &w.o);
	if (status != CLI_CONTINUE)
		return status;
	deadline_start(&w.deadline, w.o.timeout_set, w.o.timeout_ns);
	out_init(&w.out, stdout, w.o.mode);
	status = prepare(&w);
	if (status == CLI_CONTINUE)
		status = cli_run_method(&mountwatch_methods, w.o.method, &w);
	mountwatch_free(&w);
	return status;
}
