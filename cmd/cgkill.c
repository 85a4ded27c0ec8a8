/* cgkill: signal every process of a cgroup tree, race-free against forks,
 * and wait until it is empty. Wish-list items: "fork throttling ... race-free
 * killing of all members of a cgroup ... recursive"; "proper cgroup-is-empty
 * notification interface". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/cgroup.h"
#include "../lib/exitcodes.h"
#include "../lib/fileio.h"
#include "../lib/idmap.h"
#include "../lib/linux-compat.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/pidref.h"
#include "../lib/timeout.h"
#include "../lib/util.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" cgkill [options] CGROUP...\n"
	" cgkill [options] --pid PID...\n"
	"\n"
	"Signal every process in each CGROUP and all its descendants, race-free\n"
	"against forks, and optionally wait until the tree is empty. CGROUP is a\n"
	"path relative to the cgroup2 mount, or an absolute path under a cgroup\n"
	"mount.\n"
	"\n"
	"Options:\n"
	" -p, --pid PID             the cgroup that process PID is in\n"
	" -s, --signal SIG          the signal to send (default: KILL)\n"
	" -k, --kill-after DURATION send KILL if the tree is not empty DURATION\n"
	"                           after SIG\n"
	" -w, --wait                return once the tree is empty\n"
	" -t, --timeout DURATION    give up waiting after DURATION (1.5, 500ms, 2m):\n"
	"                           exit 3 (implies --wait)\n"
	"     --wait-only           send nothing, only wait until the tree is empty\n"
	"     --rmdir               once empty, remove the cgroups, deepest first\n"
	"                           (implies --wait)\n"
	"     --force               also the root cgroup, or one holding cgkill itself\n"
	" -J, --json                one JSON object per CGROUP (JSON Lines)\n"
	" -P, --pairs               one KEY=\"value\" line per CGROUP\n"
	" -q, --quiet               print nothing\n"
	"     --method NAME         auto, kill, freeze, v1-freezer or loop\n"
	" -v, --verbose             say which method is used and why\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"See cgkill(1).\n";

enum { OPT_WAIT_ONLY = 256, OPT_RMDIR, OPT_FORCE, OPT_METHOD };

static const struct option longopts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "signal", required_argument, NULL, 's' },
	{ "kill-after", required_argument, NULL, 'k' },
	{ "wait", no_argument, NULL, 'w' },
	{ "timeout", required_argument, NULL, 't' },
	{ "wait-only", no_argument, NULL, OPT_WAIT_ONLY },
	{ "rmdir", no_argument, NULL, OPT_RMDIR },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "json", no_argument, NULL, 'J' },
	{ "pairs", no_argument, NULL, 'P' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* loop: passes at most; stop after this many passes that found nothing new. */
#define LOOP_PASSES_MAX 1000
#define LOOP_QUIET_PASSES 2
/* v1-freezer: passes at most (KILL); how long a freeze may take. */
#define V1_PASSES_MAX 100
#define FREEZE_MAX_NS (10 * NSEC_PER_SEC)

/* A cgroup as the command line names it. */
struct target_spec {
	const char *arg; /* the CGROUP argument, or NULL for --pid */
	pid_t pid;       /* --pid */
};

struct cgkill_opts {
	struct target_spec *spec;
	size_t n;
	int sig;
	bool kill_after_set;
	uint64_t kill_after_ns;
	bool wait;
	bool timeout_set;
	uint64_t timeout_ns;
	bool wait_only;
	bool rmdir;
	bool force;
	bool quiet;
	enum out_mode mode;
	const char *method; /* NULL: auto */
};

/* A cgroup while cgkill works on it. */
struct target {
	const struct target_spec *spec;
	const struct cg_mount *mnt;
	char rel[PATH_MAX];  /* inside the mount: "/" or "/a/b" */
	char hier[PATH_MAX]; /* inside the hierarchy (what /proc/PID/cgroup says) */
	int dirfd;           /* the cgroup's directory */
	int parentfd;        /* its parent's (for --rmdir), -1 at a mount's root */
	char base[NAME_MAX + 1];
	int events_fd; /* cgroup.events (cgroup2), -1 */
	/* what was done */
	size_t processes;
	size_t cgroups;
	size_t removed;
	bool empty;
	const char *method; /* the method that did it (kill may fall back), or NULL */
};

struct cgkill {
	struct cgkill_opts o;
	struct out out;
	struct cg_mounts mounts;
	struct target *t;
	struct deadline deadline;
	uint64_t t0;
	pid_t self;
};

static int probe_kill(const void *ctx, char *why, size_t len);
static int probe_freeze(const void *ctx, char *why, size_t len);
static int probe_v1_freezer(const void *ctx, char *why, size_t len);
static int probe_loop(const void *ctx, char *why, size_t len);
static int run_method(void *ctx, const struct method *m);

static const struct method methods[] = {
	{ "kill", "cgroup.kill: the kernel kills the tree, forks included (5.14+, SIGKILL only)",
	  probe_kill, run_method },
	{ "freeze", "cgroup.freeze, signal every process, thaw (5.2+, any signal)", probe_freeze,
	  run_method },
	{ "v1-freezer", "the cgroup v1 freezer: freeze, signal, thaw until empty", probe_v1_freezer,
	  run_method },
	{ "loop", "read cgroup.procs and signal through pidfds until nothing new (racy)",
	  probe_loop, run_method },
};
const struct method_set cgkill_methods = METHOD_SET(methods);

/* --- small helpers: 0 or -errno, no printing --- */

static int write_str_at(int dirfd, const char *file, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_all(fd, s, strlen(s));
}

static int read_str_at(int dirfd, const char *file, char *buf, size_t len)
{
	return read_file_line(dirfd, file, buf, len);
}

/* The first controller of a v1 mount, as /proc/PID/cgroup names it. */
static const char *mount_controller(const struct cg_mount *m, char *buf, size_t len)
{
	size_t n = strcspn(m->controllers, ",");

	if (n >= len)
		n = len - 1;
	memcpy(buf, m->controllers, n);
	buf[n] = '\0';
	return buf;
}

/* Where process pid (0: ourselves) is in the hierarchy of mount m. */
static int proc_cgroup(pid_t pid, const struct cg_mount *m, char *buf, size_t len)
{
	char path[64], text[4096], ctl[128];
	int r;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/cgroup");
	r = read_file_buf(AT_FDCWD, path, text, sizeof(text), NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0)
		return r;
	return cg_proc_parse(text, m->v2 ? NULL : mount_controller(m, ctl, sizeof(ctl)), buf, len);
}

/* Whether pid is in t's tree: 1, 0, or -errno (-ESRCH gone). */
static int in_tree(const struct target *t, pid_t pid)
{
	char where[PATH_MAX];
	int r = proc_cgroup(pid, t->mnt, where, sizeof(where));

	if (r < 0)
		return r;
	return cg_path_within(where, t->hier);
}

static int send_pidfd(int fd, int sig)
{
	return syscall(__NR_pidfd_send_signal, fd, sig, NULL, 0) < 0 ? -errno : 0;
}

/* The processes a run has signalled, by identity (pidfs inode, else PID). */
struct seen {
	struct idmap map;
};

static bool seen_has(const struct seen *s, uint64_t key)
{
	return idmap_get(&s->map, key) != NULL;
}

static int seen_add(struct seen *s, uint64_t key)
{
	return idmap_put(&s->map, key, (void *)1, NULL);
}

/* Signals pid through a pidfd. With check, only after making sure that the
 * process the pidfd names is in t's tree; with seen, only a process not
 * signalled before (and it is added). 1 signalled, 0 gone, not in the tree
 * or seen before, -errno. */
static int signal_pid(const struct target *t, pid_t pid, int sig, bool check, struct seen *seen)
{
	struct pidref ref = PIDREF_NULL;
	uint64_t key;
	int r = pidref_open_pid(&ref, pid);

	if (r == -ESRCH || r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	key = ref.inode ? ref.inode : (uint64_t)pid | (1ULL << 63);
	if (seen && seen_has(seen, key)) {
		pidref_close(&ref);
		return 0;
	}
	if (check) {
		/* The pidfd pins the process: if the PID was reused between
		 * cgroup.procs and pidfd_open, /proc shows the new process
		 * and the check decides on it, the one we would signal. */
		r = in_tree(t, pid);
		if (r <= 0) {
			pidref_close(&ref);
			return r == -ESRCH ? 0 : r;
		}
	}
	r = send_pidfd(ref.fd, sig);
	pidref_close(&ref);
	if (r == -ESRCH)
		return 0;
	if (r < 0)
		return r;
	if (seen) {
		r = seen_add(seen, key);
		if (r < 0)
			return r;
	}
	return 1;
}

/* The tree under t, deepest first. */
static int tree_of(const struct target *t, char ***ret, size_t *ret_n)
{
	return cg_tree_list(t->dirfd, ret, ret_n);
}

/* The process a thread belongs to (its Tgid), -ESRCH when gone. */
static int tgid_of(pid_t tid, pid_t *ret)
{
	char path[64], buf[4096], *p;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	r = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), NULL);
	if (r == -ENOENT)
		return -ESRCH;
	if (r < 0 && r != -EFBIG)
		return r;
	p = strstr(buf, "\nTgid:");
	if (!p || sscanf(p + 6, "%d", ret) != 1)
		return -EBADMSG;
	return 0;
}

/* A threaded cgroup lists threads only: their processes, once each. */
static int procs_of_threads(int fd, pid_t **ret, size_t *ret_n)
{
	pid_t *v = NULL;
	size_t n = 0, m = 0;
	int r = cg_read_ids(fd, "cgroup.threads", &v, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		pid_t tgid;
		bool dup = false;

		if (tgid_of(v[i], &tgid) < 0)
			continue;
		for (size_t j = 0; j < m && !dup; j++)
			dup = v[j] == tgid;
		if (!dup)
			v[m++] = tgid;
	}
	*ret = v;
	*ret_n = m;
	return 0;
}

/* The PIDs of one cgroup of the tree; a cgroup removed meanwhile is empty. */
static int procs_of(const struct target *t, const char *sub, pid_t **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = openat(t->dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0 && (errno == ENOENT || errno == ENODEV)) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (fd < 0)
		return -errno;
	r = cg_read_procs(fd, ret, ret_n);
	if (r == -EOPNOTSUPP)
		r = procs_of_threads(fd, ret, ret_n);
	if (r == -ENOENT || r == -ENODEV) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	return r;
}

/* Counts the processes and cgroups of the tree. */
static int count_tree(struct target *t, size_t *ret_procs)
{
	char **tree = NULL;
	size_t n = 0, procs = 0;
	int r = tree_of(t, &tree, &n);

	for (size_t i = 0; r == 0 && i < n; i++) {
		pid_t *v = NULL;
		size_t k = 0;

		r = procs_of(t, tree[i], &v, &k);
		for (size_t j = 0; j < k; j++)
			procs += v[j] != getpid();
		free(v);
	}
	cg_tree_free(tree, n);
	if (r < 0)
		return r;
	t->cgroups = n;
	*ret_procs = procs;
	return 0;
}

/* Signals every process of the tree once (no membership check: the tree is
 * frozen). Adds to t->processes. */
static int signal_tree(struct target *t, int sig, bool check)
{
	char **tree = NULL;
	size_t n = 0;
	int r = tree_of(t, &tree, &n);

	if (r == 0)
		t->cgroups = n;
	for (size_t i = 0; r == 0 && i < n; i++) {
		pid_t *v = NULL;
		size_t k = 0;

		r = procs_of(t, tree[i], &v, &k);
		for (size_t j = 0; r >= 0 && j < k; j++) {
			if (v[j] == getpid())
				continue;
			r = signal_pid(t, v[j], sig, check, NULL);
			if (r > 0)
				t->processes++;
		}
		if (r > 0)
			r = 0;
		free(v);
	}
	cg_tree_free(tree, n);
	return r < 0 ? r : 0;
}

/* Whether the tree has live processes: 1, 0, -errno. cgroup2 asks
 * cgroup.events; v1 reads cgroup.procs across the tree. */
static int populated(struct target *t)
{
	int pop, frozen, r;

	if (t->events_fd >= 0) {
		r = cg_events_read(t->events_fd, &pop, &frozen);
		if (r == -ENODEV || r == -ENOENT)
			return 0; /* removed: nothing can be in it */
		return r < 0 ? r : pop > 0;
	}
	size_t procs = 0;

	r = count_tree(t, &procs);
	if (r == -ENODEV || r == -ENOENT)
		return 0;
	return r < 0 ? r : procs > 0;
}

/* poll() for events on fds until the deadline d: 1 an event, 0 timed out. */
static int poll_until(struct pollfd *pfd, size_t n, const struct deadline *d)
{
	int ms = deadline_poll_ms(d), r;

	do
		r = poll(pfd, n, ms);
	while (r < 0 && errno == EINTR && (ms = deadline_poll_ms(d)) != 0);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r > 0;
}

/* Waits until cgroup.events says key is 1 (frozen) or populated is 0:
 * woken by the kernfs notification (POLLPRI), never by a timer. 0,
 * -ETIMEDOUT, -errno. */
static int wait_events(struct target *t, bool want_frozen, const struct deadline *d)
{
	for (;;) {
		struct pollfd pfd = { .fd = t->events_fd, .events = POLLPRI };
		int pop, frozen, r = cg_events_read(t->events_fd, &pop, &frozen);

		if (r == -ENODEV || r == -ENOENT)
			return want_frozen ? -ENOENT : 0;
		if (r < 0)
			return r;
		if (want_frozen ? frozen == 1 : pop == 0)
			return 0;
		if (want_frozen && frozen < 0)
			return -EOPNOTSUPP;
		r = poll_until(&pfd, 1, d);
		if (r < 0)
			return r;
		if (r == 0)
			return -ETIMEDOUT;
	}
}

/* v1 has no cgroup.events: wait on pidfds of the processes there, read
 * again once one has exited, until a reading finds none. */
static int wait_empty_v1(struct target *t, const struct deadline *d)
{
	for (;;) {
		char **tree = NULL;
		size_t n = 0, np = 0, cap = 0;
		struct pollfd *pfd = NULL;
		int r = tree_of(t, &tree, &n);

		for (size_t i = 0; r == 0 && i < n; i++) {
			pid_t *v = NULL;
			size_t k = 0;

			r = procs_of(t, tree[i], &v, &k);
			for (size_t j = 0; r == 0 && j < k; j++) {
				int fd;

				if (v[j] == getpid())
					continue;
				fd = pidfd_open_raw(v[j], 0);
				if (fd < 0)
					continue; /* gone already */
				if (np == cap) {
					struct pollfd *nv;

					cap = cap ? 2 * cap : 64;
					nv = realloc(pfd, cap * sizeof(*pfd));
					if (!nv) {
						safe_close(fd);
						r = -ENOMEM;
						break;
					}
					pfd = nv;
				}
				pfd[np++] = (struct pollfd){ .fd = fd, .events = POLLIN };
			}
			free(v);
		}
		cg_tree_free(tree, n);
		if (r == -ENODEV || r == -ENOENT)
			r = 0;
		if (r == 0 && np > 0)
			r = poll_until(pfd, np, d) == 0 ? -ETIMEDOUT : 0;
		for (size_t i = 0; i < np; i++)
			safe_close(pfd[i].fd);
		free(pfd);
		if (r < 0 || np == 0)
			return r;
	}
}

static int wait_empty(struct target *t, const struct deadline *d)
{
	if (t->events_fd >= 0)
		return wait_events(t, false, d);
	return wait_empty_v1(t, d);
}

/* --- the methods: probes --- */

/* Whether the cgroup2 file exists "in general": in our own cgroup when
 * it is not the root, else in any cgroup below the root, else in one made
 * for the question and removed at once. 0 yes, -EOPNOTSUPP no, -errno. */
static int general_v2_file(const char *file, char *why, size_t len)
{
	struct cg_mounts m = CG_MOUNTS_INIT;
	const struct cg_mount *v2;
	char self[PATH_MAX], rel[PATH_MAX], probe[64];
	_cleanup_close_ int root = -1;
	char **tree = NULL;
	size_t n = 0;
	int r = cg_mounts_read(&m);

	if (r < 0) {
		snprintf(why, len, "cannot read the mount table: %s", strerror(-r));
		return r;
	}
	v2 = cg_mounts_v2(&m);
	if (v2)
		root = open(v2->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		snprintf(why, len, "no cgroup2 hierarchy is mounted");
		cg_mounts_free(&m);
		return -ENOENT;
	}
	if (proc_cgroup(0, v2, self, sizeof(self)) == 0 &&
	    cg_mount_relative(v2, self, rel, sizeof(rel)) == 0 && !streq(rel, "/")) {
		r = faccessat(root, rel + 1, F_OK, 0) == 0 ? 0 : -errno;
		if (r == 0)
			r = snprintf(rel + strlen(rel), sizeof(rel) - strlen(rel), "/%s", file) < 0 ? -EIO : 0;
		r = r == 0 && faccessat(root, rel + 1, F_OK, 0) == 0 ? 0 : -EOPNOTSUPP;
	} else if (cg_tree_list(root, &tree, &n) == 0 && n > 1) {
		/* tree[0] is a deepest cgroup below the root. */
		snprintf(rel, sizeof(rel), "%s/%s", tree[0], file);
		r = faccessat(root, rel, F_OK, 0) == 0 ? 0 : -EOPNOTSUPP;
	} else {
		snprintf(probe, sizeof(probe), "wishbox-probe.%d", (int)getpid());
		if (mkdirat(root, probe, 0700) < 0) {
			r = -errno;
			snprintf(why, len, "cannot tell: no cgroup below the root to look at (%s)",
				 strerror(-r));
		} else {
			snprintf(rel, sizeof(rel), "%s/%s", probe, file);
			r = faccessat(root, rel, F_OK, 0) == 0 ? 0 : -EOPNOTSUPP;
			(void)unlinkat(root, probe, AT_REMOVEDIR);
		}
	}
	if (tree)
		cg_tree_free(tree, n);
	cg_mounts_free(&m);
	if (r == -EOPNOTSUPP)
		snprintf(why, len, "%s: not in this kernel", file);
	else if (r == 0)
		snprintf(why, len, "%s is there", file);
	return r;
}

/* Whether the cgroup2 file name exists in the cgroups of ctx (or, with ctx
 * NULL, in general). */
static int probe_v2_file(const struct cgkill *ck, const char *file, const char *since, char *why,
			 size_t len)
{
	if (!ck) {
		int r = general_v2_file(file, why, len);

		if (r == -EOPNOTSUPP)
			snprintf(why, len, "%s: not in this kernel (%s)", file, since);
		return r;
	}
	for (size_t i = 0; i < ck->o.n; i++) {
		const struct target *t = &ck->t[i];

		if (!t->mnt->v2) {
			snprintf(why, len, "%s is a cgroup v1 cgroup (%s is cgroup2's)", t->hier, file);
			return -EOPNOTSUPP;
		}
		if (faccessat(t->dirfd, file, F_OK, 0) < 0) {
			if (streq(t->rel, "/"))
				snprintf(why, len, "the root cgroup has no %s", file);
			else
				snprintf(why, len, "%s: not in this kernel (%s)", file, since);
			return -EOPNOTSUPP;
		}
	}
	snprintf(why, len, "%s is there", file);
	return 0;
}

static int probe_kill(const void *ctx, char *why, size_t len)
{
	const struct cgkill *ck = ctx;
	char type[64], name[32];
	int r;

	if (ck && !ck->o.wait_only && ck->o.sig != SIGKILL) {
		snprintf(why, len, "cgroup.kill sends only KILL (asked: %s)",
			 signal_name(ck->o.sig, name, sizeof(name)));
		return -EOPNOTSUPP;
	}
	r = probe_v2_file(ck, "cgroup.kill", "5.14+", why, len);
	for (size_t i = 0; r == 0 && ck && i < ck->o.n; i++) {
		/* cgroup.kill refuses threaded cgroups with EOPNOTSUPP. */
		if (read_str_at(ck->t[i].dirfd, "cgroup.type", type, sizeof(type)) == 0 &&
		    strstr(type, "threaded")) {
			snprintf(why, len, "%s is a threaded cgroup: cgroup.kill refuses those",
				 ck->t[i].hier);
			return -EOPNOTSUPP;
		}
	}
	return r;
}

static int probe_freeze(const void *ctx, char *why, size_t len)
{
	return probe_v2_file(ctx, "cgroup.freeze", "5.2+", why, len);
}

static int probe_v1_freezer(const void *ctx, char *why, size_t len)
{
	const struct cgkill *ck = ctx;

	if (!ck) {
		struct cg_mounts m = CG_MOUNTS_INIT;
		int r = cg_mounts_read(&m);
		bool have = r == 0 && cg_mounts_v1(&m, "freezer");

		cg_mounts_free(&m);
		if (!have) {
			snprintf(why, len, "no cgroup v1 freezer hierarchy is mounted");
			return -ENOENT;
		}
		snprintf(why, len, "a cgroup v1 freezer hierarchy is mounted");
		return 0;
	}
	for (size_t i = 0; i < ck->o.n; i++) {
		const struct target *t = &ck->t[i];
		if (!cg_mount_has(t->mnt, "freezer")) {
			snprintf(why, len, "%s is not in the v1 freezer hierarchy (name its path there)",
				 t->hier);
			return -EOPNOTSUPP;
		}
		if (faccessat(t->dirfd, "freezer.state", F_OK, 0) < 0) {
			snprintf(why, len, "%s has no freezer.state (the root cgroup cannot be frozen)",
				 t->hier);
			return -EOPNOTSUPP;
		}
	}
	snprintf(why, len, "freezer.state is there");
	return 0;
}

static int probe_loop(const void *ctx, char *why, size_t len)
{
	int fd;

	(void)ctx;
	fd = pidfd_open_raw(getpid(), 0);
	if (fd < 0) {
		snprintf(why, len, "pidfd_open: not in this kernel (5.3+): %s", strerror(-fd));
		return fd;
	}
	safe_close(fd);
	snprintf(why, len, "pidfd_open works");
	return 0;
}

/* --- the methods: signalling one tree --- */

/* kill: cgroup.kill. The count is what the tree held before the write. */
static int kill_tree(struct target *t)
{
	size_t procs = 0;
	int r = count_tree(t, &procs);

	if (r < 0)
		return r;
	r = write_str_at(t->dirfd, "cgroup.kill", "1");
	if (r < 0)
		return r;
	t->processes = procs;
	return 0;
}

/* freeze: freeze, wait for frozen 1, signal each process, give the freeze
 * state back (thawed, unless the cgroup was frozen before). */
static int freeze_tree(struct target *t, int sig)
{
	char was[16] = "0";
	struct deadline d;
	int r, r2;

	(void)read_str_at(t->dirfd, "cgroup.freeze", was, sizeof(was));
	r = write_str_at(t->dirfd, "cgroup.freeze", "1");
	if (r < 0)
		return r;
	deadline_start(&d, true, FREEZE_MAX_NS);
	r = wait_events(t, true, &d);
	if (r == -ETIMEDOUT)
		r = -EBUSY;
	if (r == 0)
		r = signal_tree(t, sig, false);
	r2 = write_str_at(t->dirfd, "cgroup.freeze", streq(was, "1") ? "1" : "0");
	if (r == -ENOENT)
		return 0; /* removed while we froze it: nothing left to signal */
	return r < 0 ? r : r2 == -ENOENT || r2 == -ENODEV ? 0 : r2;
}

/* v1 freezer: freeze, wait until it reads FROZEN (v1 has no notification:
 * re-read with a growing pause), signal, thaw. For KILL, again until empty
 * (frozen tasks die only once thawed). */
static int v1_freeze_wait(struct target *t)
{
	uint64_t end = monotonic_ns() + FREEZE_MAX_NS;
	long pause_ns = 100000;
	char state[32];
	int r;

	for (;;) {
		r = read_str_at(t->dirfd, "freezer.state", state, sizeof(state));
		if (r < 0)
			return r;
		if (streq(state, "FROZEN"))
			return 0;
		if (monotonic_ns() > end)
			return -EBUSY;
		nanosleep(&(struct timespec){ 0, pause_ns }, NULL);
		if (pause_ns < 10 * 1000000L)
			pause_ns *= 2;
	}
}

static int v1_freezer_tree(struct target *t, int sig, const struct deadline *dl)
{
	char was[32] = "THAWED";
	int r = 0, r2;

	(void)read_str_at(t->dirfd, "freezer.state", was, sizeof(was));
	for (int pass = 0; pass < V1_PASSES_MAX; pass++) {
		size_t before = t->processes;

		r = write_str_at(t->dirfd, "freezer.state", "FROZEN");
		if (r == 0)
			r = v1_freeze_wait(t);
		if (r == 0)
			r = signal_tree(t, sig, false);
		r2 = write_str_at(t->dirfd, "freezer.state",
				  streq(was, "FROZEN") && sig != SIGKILL ? "FROZEN" : "THAWED");
		if (r == 0)
			r = r2;
		if (r == -ENOENT || r == -ENODEV)
			return 0;
		if (r < 0 || sig != SIGKILL || t->processes == before)
			return r;
		/* Killed ones die now that they are thawed: wait for them, so
		 * the next pass sees only what is new. */
		struct deadline d;

		deadline_start(&d, true, NSEC_PER_SEC);
		if (dl->set && dl->end_ns < d.end_ns)
			d = *dl;
		r = wait_empty_v1(t, &d);
		if (r == -ETIMEDOUT && deadline_passed(dl))
			return r;
		if (r == 0)
			return 0;
		if (r != -ETIMEDOUT)
			return r;
	}
	return -EAGAIN;
}

/* loop: read cgroup.procs across the tree and signal what is new, through
 * pidfds after checking membership, until LOOP_QUIET_PASSES passes in a row
 * find nothing new. A fork bomb can outrun it. */
static int loop_tree(struct target *t, int sig, const struct deadline *d)
{
	struct seen seen = { IDMAP_INIT };
	int quiet = 0, r = 0;

	for (int pass = 0; pass < LOOP_PASSES_MAX && quiet < LOOP_QUIET_PASSES; pass++) {
		if (deadline_passed(d)) {
			r = -ETIMEDOUT;
			break;
		}
		char **tree = NULL;
		size_t n = 0, fresh = 0;

		r = tree_of(t, &tree, &n);
		if (r == 0)
			t->cgroups = n;
		for (size_t i = 0; r == 0 && i < n; i++) {
			pid_t *v = NULL;
			size_t k = 0;

			r = procs_of(t, tree[i], &v, &k);
			for (size_t j = 0; r == 0 && j < k; j++) {
				int s = v[j] == getpid() ? 0 : signal_pid(t, v[j], sig, true, &seen);

				if (s < 0)
					r = s;
				fresh += s > 0;
			}
			free(v);
		}
		cg_tree_free(tree, n);
		if (r == -ENOENT || r == -ENODEV)
			r = 0;
		if (r < 0)
			break;
		t->processes += fresh;
		quiet = fresh ? 0 : quiet + 1;
	}
	idmap_free(&seen.map);
	if (r == 0 && quiet < LOOP_QUIET_PASSES)
		r = -EAGAIN;
	return r;
}

/* Whether cgroup.kill can take t (for --kill-after's KILL). */
static bool can_kill(const struct target *t)
{
	char type[64] = "";

	(void)read_str_at(t->dirfd, "cgroup.type", type, sizeof(type));
	return t->mnt->v2 && faccessat(t->dirfd, "cgroup.kill", F_OK, 0) == 0 &&
	       !strstr(type, "threaded");
}

/* Signals one tree with method name (sig for all but kill). A threaded
 * cgroup refused by cgroup.kill goes on with freeze. */
static int signal_with(struct target *t, const char *name, int sig, const struct deadline *d)
{
	int r;

	t->method = name;
	if (streq_ptr(name, "kill")) {
		r = kill_tree(t);
		if (r != -EOPNOTSUPP)
			return r;
		msg_info("%s: cgroup.kill refused (EOPNOTSUPP): going on with freeze", t->hier);
		t->method = "freeze";
		return freeze_tree(t, sig);
	}
	if (streq_ptr(name, "freeze"))
		return freeze_tree(t, sig);
	if (streq_ptr(name, "v1-freezer"))
		return v1_freezer_tree(t, sig, d);
	return loop_tree(t, sig, d);
}

/* Removes the tree, deepest first, the cgroup itself last. */
static int remove_tree(struct target *t)
{
	char **tree = NULL;
	size_t n = 0;
	int r = tree_of(t, &tree, &n);

	for (size_t i = 0; r == 0 && i + 1 < n; i++) {
		if (unlinkat(t->dirfd, tree[i], AT_REMOVEDIR) == 0)
			t->removed++;
		else if (errno != ENOENT)
			r = -errno;
	}
	cg_tree_free(tree, n);
	if (r == -ENOENT || r == -ENODEV)
		r = 0; /* someone else removed it meanwhile */
	if (r == 0 && t->parentfd >= 0) {
		if (unlinkat(t->parentfd, t->base, AT_REMOVEDIR) == 0)
			t->removed++;
		else if (errno != ENOENT)
			r = -errno;
	}
	return r;
}

/* --- output --- */

static int report(struct cgkill *ck, const struct target *t, bool waited)
{
	struct out *o = &ck->out;
	uint64_t ms = (monotonic_ns() - ck->t0) / NSEC_PER_MSEC;
	char name[32];
	const char *sig = ck->o.wait_only ? NULL : signal_name(ck->o.sig, name, sizeof(name));
	static const struct {
		const char *method, *how;
	} how[] = { { "kill", "cgroup.kill" },
		    { "freeze", "cgroup.freeze" },
		    { "v1-freezer", "the v1 freezer" },
		    { "loop", "a cgroup.procs loop" } };
	const char *with = "";

	if (ck->o.quiet)
		return 0;
	for (size_t i = 0; t->method && i < ARRAY_SIZE(how); i++)
		if (streq(how[i].method, t->method))
			with = how[i].how;
	out_begin(o);
	out_str(o, "cgroup", t->hier);
	out_str(o, "method", t->method);
	out_str(o, "signal", sig);
	if (ck->o.wait_only)
		out_null(o, "processes");
	else
		out_uint(o, "processes", t->processes);
	out_uint(o, "cgroups", t->cgroups);
	out_bool(o, "empty", t->empty);
	out_uint(o, "elapsed_ms", ms);
	out_uint(o, "removed", t->removed);
	if (ck->o.wait_only)
		out_human(o, "%s: %s after %llu ms", t->hier, t->empty ? "empty" : "not empty",
			  (unsigned long long)ms);
	else if (ck->o.sig == SIGKILL)
		out_human(o, "%s: killed %zu process%s in %zu cgroup%s with %s", t->hier, t->processes,
			  t->processes == 1 ? "" : "es", t->cgroups, t->cgroups == 1 ? "" : "s", with);
	else
		out_human(o, "%s: sent %s to %zu process%s in %zu cgroup%s with %s", t->hier, sig,
			  t->processes, t->processes == 1 ? "" : "es", t->cgroups,
			  t->cgroups == 1 ? "" : "s", with);
	if (!ck->o.wait_only && waited && t->empty)
		out_human(o, "; empty after %llu ms", (unsigned long long)ms);
	else if (!ck->o.wait_only && waited)
		out_human(o, "; not empty after %llu ms", (unsigned long long)ms);
	if (t->removed)
		out_human(o, "; removed %zu cgroup%s", t->removed, t->removed == 1 ? "" : "s");
	out_human(o, "\n");
	return out_end(o);
}

/* --- the run --- */

static int say_failed(const struct target *t, const char *what, int r)
{
	if (r == -EAGAIN) {
		msg_err("%s: %s: processes kept coming (gave up after the pass limit)", t->hier, what);
		return EXIT_RUNTIME;
	}
	if (r == -EBUSY) {
		msg_err("%s: %s: the cgroup did not freeze within %llu s", t->hier, what,
			(unsigned long long)(FREEZE_MAX_NS / NSEC_PER_SEC));
		return EXIT_RUNTIME;
	}
	msg_errno(r, "%s: %s", t->hier, what);
	return EXIT_RUNTIME;
}

/* After SIG, --kill-after: wait up to DURATION, then KILL (with cgroup.kill
 * where the cgroup has it). 0, -ETIMEDOUT (--timeout), or a reported exit
 * code as a positive number. */
static int escalate(struct cgkill *ck, struct target *t, const char *method)
{
	struct deadline d;
	size_t before = t->processes;
	int r;

	deadline_start(&d, true, ck->o.kill_after_ns);
	if (ck->deadline.set && ck->deadline.end_ns < d.end_ns)
		d = ck->deadline;
	r = wait_empty(t, &d);
	if (r == 0)
		return 0;
	if (r != -ETIMEDOUT)
		return say_failed(t, "cannot wait", r);
	if (deadline_passed(&ck->deadline))
		return -ETIMEDOUT;
	msg_info("%s: not empty after --kill-after: sending KILL", t->hier);
	t->processes = 0;
	r = signal_with(t, can_kill(t) ? "kill" : method, SIGKILL, &ck->deadline);
	t->processes += before;
	if (r < 0 && r != -ETIMEDOUT)
		return say_failed(t, "cannot send KILL", r);
	return r;
}

/* Does the job for one tree: signal, escalate, wait, remove, report. */
static int do_target(struct cgkill *ck, struct target *t, const char *method)
{
	bool waiting = ck->o.wait || ck->o.timeout_set || ck->o.rmdir || ck->o.wait_only;
	int r = 0, st = EXIT_OK;

	if (!ck->o.wait_only) {
		r = signal_with(t, method, ck->o.sig, &ck->deadline);
		if (r < 0 && r != -ETIMEDOUT)
			return say_failed(t, "cannot signal", r);
	}
	if (r == 0 && ck->o.kill_after_set)
		r = escalate(ck, t, method);
	if (r > 0)
		return r;
	if (r == 0 && waiting)
		r = wait_empty(t, &ck->deadline);
	if (r == -ETIMEDOUT)
		st = EXIT_TIMEOUT;
	else if (r < 0)
		return say_failed(t, "cannot wait", r);
	r = populated(t);
	t->empty = r == 0;
	if (ck->o.rmdir && t->empty) {
		r = remove_tree(t);
		if (r < 0) {
			(void)report(ck, t, waiting);
			return say_failed(t, "cannot remove", r);
		}
	}
	if (t->cgroups == 0) {
		size_t procs;

		(void)count_tree(t, &procs);
	}
	r = report(ck, t, waiting);
	if (r < 0)
		return cli_write_failed(r);
	if (st == EXIT_TIMEOUT && !ck->o.quiet)
		msg_err("%s: timed out: the cgroup is not empty", t->hier);
	return st;
}

static int run_method(void *ctx, const struct method *m)
{
	struct cgkill *ck = ctx;
	int st = EXIT_OK;

	for (size_t i = 0; i < ck->o.n; i++) {
		int r = do_target(ck, &ck->t[i], m ? m->name : NULL);

		if (r != EXIT_OK && (st == EXIT_OK || r == EXIT_RUNTIME))
			st = r;
		if (r == EXIT_RUNTIME && ck->out.err)
			break;
	}
	return st;
}

/* --- preparing the targets --- */

/* Finds the cgroup an argument or --pid names and opens it. CLI_CONTINUE
 * or EXIT_RUNTIME (said). */
static int resolve(struct cgkill *ck, struct target *t)
{
	const struct target_spec *s = t->spec;
	const char *what = s->arg;
	char pidbuf[32], path[2 * PATH_MAX], hier[PATH_MAX];
	const struct cg_mount *v2 = cg_mounts_v2(&ck->mounts);
	int r;

	if (!s->arg) {
		const struct cg_mount *m = v2 ? v2 : cg_mounts_v1(&ck->mounts, "freezer");

		snprintf(pidbuf, sizeof(pidbuf), "--pid %d", (int)s->pid);
		what = pidbuf;
		if (!m && ck->mounts.n)
			m = &ck->mounts.v[0];
		if (!m) {
			msg_err("%s: no cgroup hierarchy is mounted", what);
			return EXIT_RUNTIME;
		}
		r = proc_cgroup(s->pid, m, hier, sizeof(hier));
		if (r == -ESRCH) {
			msg_err("%s: no such process", what);
			return EXIT_RUNTIME;
		}
		if (r == 0)
			r = cg_mount_relative(m, hier, t->rel, sizeof(t->rel));
		if (r == -EXDEV) {
			msg_err("%s: its cgroup %s is not visible under %s", what, hier, m->target);
			return EXIT_RUNTIME;
		}
		if (r < 0) {
			msg_errno(r, "%s: cannot tell its cgroup", what);
			return EXIT_RUNTIME;
		}
		t->mnt = m;
	} else if (s->arg[0] == '/') {
		r = cg_mounts_locate(&ck->mounts, s->arg, &t->mnt, t->rel, sizeof(t->rel));
		if (r == -ENOENT) {
			msg_err("%s: not a cgroup (not under a cgroup mount)", what);
			return EXIT_RUNTIME;
		}
		if (r < 0) {
			msg_err("%s: not a cgroup path (no '.' or '..' components)", what);
			return EXIT_RUNTIME;
		}
	} else {
		if (!v2) {
			msg_err("%s: no cgroup2 hierarchy is mounted (give an absolute path)", what);
			return EXIT_RUNTIME;
		}
		t->mnt = v2;
		r = snprintf(path, sizeof(path), "/%s", s->arg);
		if (r < 0 || r >= (int)sizeof(path) ||
		    cg_mount_relative(&(struct cg_mount){ .root = "/" }, path, t->rel,
				      sizeof(t->rel)) < 0) {
			msg_err("%s: not a cgroup path (no '.' or '..' components)", what);
			return EXIT_RUNTIME;
		}
	}
	/* The path in the hierarchy: the mount's root, then rel. */
	r = snprintf(t->hier, sizeof(t->hier), "%s%s", streq(t->mnt->root, "/") ? "" : t->mnt->root,
		     streq(t->rel, "/") && !streq(t->mnt->root, "/") ? "" : t->rel);
	if (r < 0 || r >= (int)sizeof(t->hier)) {
		msg_err("%s: path too long", what);
		return EXIT_RUNTIME;
	}
	snprintf(path, sizeof(path), "%s%s", t->mnt->target, streq(t->rel, "/") ? "" : t->rel);
	if (streq(t->rel, "/")) {
		t->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		char *slash = strrchr(path, '/');

		*slash = '\0';
		snprintf(t->base, sizeof(t->base), "%s", slash + 1);
		t->parentfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*slash = '/';
		t->dirfd = t->parentfd < 0 ? -1
					   : openat(t->parentfd, t->base,
						    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (t->dirfd < 0) {
		r = -errno;
		if (r == -ENOENT)
			msg_err("%s: no such cgroup", what);
		else if (r == -ENOTDIR || r == -ELOOP)
			msg_err("%s: not a cgroup (not a directory)", what);
		else
			msg_errno(r, "%s", what);
		return EXIT_RUNTIME;
	}
	if (faccessat(t->dirfd, "cgroup.procs", F_OK, 0) < 0) {
		msg_err("%s: not a cgroup (no cgroup.procs)", what);
		return EXIT_RUNTIME;
	}
	if (t->mnt->v2) {
		t->events_fd = openat(t->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
		if (t->events_fd < 0 && !streq(t->hier, "/")) {
			msg_errno(-errno, "%s: cannot open cgroup.events", what);
			return EXIT_RUNTIME;
		}
	}
	return CLI_CONTINUE;
}

/* The root cgroup, or one holding cgkill: refused without --force; with it,
 * cgkill moves itself to the root of the hierarchy first (nothing to move
 * when the target is the root: cgkill then spares itself). */
static int check_refusals(struct cgkill *ck, struct target *t)
{
	char self[PATH_MAX];
	int r;

	if (streq(t->hier, "/") && !ck->o.wait_only && !ck->o.force) {
		msg_err("%s: refusing the root cgroup (every process of the system) without --force",
			t->hier);
		return EXIT_USAGE;
	}
	if (ck->o.wait_only)
		return CLI_CONTINUE;
	r = proc_cgroup(0, t->mnt, self, sizeof(self));
	if (r < 0 || !cg_path_within(self, t->hier))
		return CLI_CONTINUE;
	if (streq(t->hier, "/"))
		return CLI_CONTINUE; /* --force: spare ourselves */
	if (!ck->o.force) {
		msg_err("%s: refusing a cgroup that holds cgkill itself (%s) without --force", t->hier,
			self);
		return EXIT_USAGE;
	}
	{
		_cleanup_close_ int root = open(t->mnt->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		r = root < 0 ? -errno : write_str_at(root, "cgroup.procs", "0");
	}
	if (r == 0)
		r = proc_cgroup(0, t->mnt, self, sizeof(self));
	if (r == 0 && cg_path_within(self, t->hier))
		r = -EBUSY;
	if (r < 0) {
		msg_errno(r, "%s: holds cgkill, and cgkill cannot move itself out", t->hier);
		return EXIT_RUNTIME;
	}
	msg_info("%s: held cgkill: moved it to %s", t->hier, self);
	return CLI_CONTINUE;
}

static int prepare(struct cgkill *ck)
{
	int r = cg_mounts_read(&ck->mounts);

	if (r < 0) {
		msg_errno(r, "cannot read the mount table");
		return EXIT_RUNTIME;
	}
	ck->t = calloc(ck->o.n, sizeof(*ck->t));
	if (!ck->t) {
		msg_errno(-ENOMEM, "out of memory");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < ck->o.n; i++) {
		ck->t[i] = (struct target){ .spec = &ck->o.spec[i], .dirfd = -1, .parentfd = -1,
					    .events_fd = -1 };
	}
	for (size_t i = 0; i < ck->o.n; i++) {
		r = resolve(ck, &ck->t[i]);
		if (r == CLI_CONTINUE)
			r = check_refusals(ck, &ck->t[i]);
		if (r != CLI_CONTINUE)
			return r;
	}
	out_init(&ck->out, stdout, ck->o.mode);
	deadline_start(&ck->deadline, ck->o.timeout_set, ck->o.timeout_ns);
	return CLI_CONTINUE;
}

/* --- the command line --- */

static int parse_args(int argc, char **argv, struct cgkill_opts *o)
{
	bool json = false, pairs = false, sig_set = false;
	pid_t pid_max = read_pid_max();
	int c;

	o->spec = calloc((size_t)argc, sizeof(*o->spec));
	if (!o->spec) {
		msg_errno(-ENOMEM, "out of memory");
		return EXIT_RUNTIME;
	}
	o->sig = SIGKILL;
	while ((c = getopt_long(argc, argv, "p:s:k:wt:JPqvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_pid(optarg, pid_max, &o->spec[o->n].pid) < 0) {
				msg_err("--pid: '%s' is not a PID", optarg);
				return EXIT_USAGE;
			}
			o->spec[o->n++].arg = NULL;
			break;
		case 's':
			if (parse_signal(optarg, &o->sig) < 0 || o->sig == 0) {
				msg_err("--signal: '%s' is not a signal", optarg);
				return EXIT_USAGE;
			}
			sig_set = true;
			break;
		case 'k':
			if (parse_duration(optarg, &o->kill_after_ns) < 0) {
				msg_err("--kill-after: '%s' is not a duration (1.5, 500ms, 2m)", optarg);
				return EXIT_USAGE;
			}
			o->kill_after_set = true;
			break;
		case 'w': o->wait = true; break;
		case 't':
			if (parse_duration(optarg, &o->timeout_ns) < 0) {
				msg_err("--timeout: '%s' is not a duration (1.5, 500ms, 2m)", optarg);
				return EXIT_USAGE;
			}
			o->timeout_set = true;
			break;
		case OPT_WAIT_ONLY: o->wait_only = true; break;
		case OPT_RMDIR: o->rmdir = true; break;
		case OPT_FORCE: o->force = true; break;
		case 'J': json = true; break;
		case 'P': pairs = true; break;
		case 'q': o->quiet = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	if (cli_check_method(&cgkill_methods, o->method) != CLI_CONTINUE)
		return EXIT_USAGE;
	if (cli_stream_mode(json, pairs, o->quiet, &o->mode) != CLI_CONTINUE)
		return EXIT_USAGE;
	if (o->wait_only && (sig_set || o->kill_after_set || o->method || o->force))
		return msg_usage("--wait-only sends nothing: no --signal, --kill-after, --method or --force");
	if (o->kill_after_set && o->sig == SIGKILL)
		return msg_usage("--kill-after escalates to KILL: give another --signal");
	for (int i = optind; i < argc; i++)
		o->spec[o->n++] = (struct target_spec){ .arg = argv[i] };
	if (!o->n)
		return msg_usage("no cgroup given (CGROUP or --pid PID)");
	for (size_t i = 0; i < o->n; i++)
		if (o->spec[i].arg && !*o->spec[i].arg)
			return msg_usage("an empty CGROUP argument");
	return CLI_CONTINUE;
}

int cgkill_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int cgkill_main(int argc, char **argv)
{
	struct cgkill ck = { .t0 = monotonic_ns() };
	int r;

	r = parse_args(argc, argv, &ck.o);
	if (r == CLI_CONTINUE)
		r = prepare(&ck);
	if (r == CLI_CONTINUE)
		r = ck.o.wait_only ? run_method(&ck, NULL)
				   : cli_run_method(&cgkill_methods, ck.o.method, &ck);
	for (size_t i = 0; ck.t && i < ck.o.n; i++) {
		safe_close(ck.t[i].dirfd);
		safe_close(ck.t[i].parentfd);
		safe_close(ck.t[i].events_fd);
	}
	free(ck.t);
	free(ck.o.spec);
	cg_mounts_free(&ck.mounts);
	return r;
}
