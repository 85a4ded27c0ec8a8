/* setcomm-exec: start a program from one open file with the comm name you choose (wish list: set comm under fexecve()/execveat()). */
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
#include <sched.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/exec.h"
#include "../lib/exitcodes.h"
#include "../lib/fileio.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/sig.h"
#include "../lib/util.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" setcomm-exec [options] [--] PROGRAM [ARG...]\n"
	" setcomm-exec [options] --fd N [--] ARG0 [ARG...]\n"
	"\n"
	"Run PROGRAM, opened once and executed through that open file, under the\n"
	"process name (comm: what ps -C, pgrep and top show) you choose.\n"
	"\n"
	"Options:\n"
	" -c, --comm NAME      the process name (default: PROGRAM's file name);\n"
	"                        the kernel keeps its first 15 bytes\n"
	" -a, --argv0 NAME     argv[0] for the program (default: PROGRAM as given)\n"
	"     --fd N           run the file open at fd N; the arguments are the\n"
	"                        whole command line, ARG0 first\n"
	" -n, --dry-run        say what would run and how, and run nothing\n"
	" -J, --json           with --dry-run: JSON output\n"
	"     --method NAME    auto, execveat, link or fexecve\n"
	" -v, --verbose        say which method is used and why\n"
	"\n"
	" -h, --help           display this help\n"
	" -V, --version        display version\n"
	"\n"
	"See setcomm-exec(1).\n";

enum {
	OPT_FD = 0x100,
	OPT_METHOD,
};

static const struct option longopts[] = {
	{ "comm", required_argument, NULL, 'c' },
	{ "argv0", required_argument, NULL, 'a' },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "json", no_argument, NULL, 'J' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The kernel's comm: TASK_COMM_LEN (16) with the NUL. */
#define COMM_MAX 15

struct setcomm_exec_opts {
	const char *comm;  /* -c; NULL: the file name of PROGRAM (or ARG0) */
	const char *argv0; /* -a; NULL: as given */
	int fd;            /* --fd; -1: open PROGRAM */
	bool dry_run;
	bool json;
	const char *method;
	char **args; /* PROGRAM [ARG...], or ARG0 [ARG...] with --fd */
	int nargs;
};

enum script { SCRIPT_NO, SCRIPT_YES, SCRIPT_UNKNOWN };

/* One run: what the program is and what it gets. */
struct setcomm_exec {
	struct setcomm_exec_opts o;
	struct out out;
	int fd;              /* the program: ours (O_PATH) or the caller's --fd */
	bool own_fd;         /* fd is ours, not the caller's */
	char *path;          /* where PROGRAM was found; NULL with --fd */
	struct stat st;      /* the program's file */
	char comm[COMM_MAX + 1];   /* NAME as the kernel keeps it */
	char file_name[NAME_MAX + 1]; /* the file's own name, "" if unknown */
	enum script script;
	char **argv; /* what the program gets */
};

/* The methods, best first. */
static int probe_execveat(const void *ctx, char *why, size_t len);
static int run_execveat(void *ctx, const struct method *m);
static int probe_link(const void *ctx, char *why, size_t len);
static int run_link(void *ctx, const struct method *m);
static int probe_fexecve(const void *ctx, char *why, size_t len);
static int run_fexecve(void *ctx, const struct method *m);

static const struct method setcomm_exec_method_list[] = {
	{ "execveat", "execveat(fd, \"\", AT_EMPTY_PATH) where the kernel takes comm from the file's name (6.14) "
		      "and NAME is that name",
	  probe_execveat, run_execveat },
	{ "link", "exec through a symlink NAME -> /proc/self/fd/N in a private directory, removed after the exec",
	  probe_link, run_link },
	{ "fexecve", "fexecve(fd) alone: comm is the fd number before 6.14, the file's name since",
	  probe_fexecve, run_fexecve },
};
const struct method_set setcomm_exec_methods = METHOD_SET(setcomm_exec_method_list);

/* ---- helpers: 0 or -errno (or a plain answer), never print ---------- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

/* The name the kernel gives a process executed as path: its last
 * component, 15 bytes of it. */
static void comm_of(const char *name, char ret[static COMM_MAX + 1])
{
	size_t n = strnlen(name, COMM_MAX);

	memcpy(ret, name, n);
	ret[n] = '\0';
}

/* The name of the file open at fd, from /proc/self/fd (a deleted file's
 * name without the " (deleted)" the kernel adds). */
static int fd_file_name(int fd, const struct stat *st, char ret[static NAME_MAX + 1])
{
	char link[32], target[PATH_MAX];
	static const char deleted[] = " (deleted)";
	const char *base;
	size_t len;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (target[0] != '/')
		return -EINVAL;
	len = (size_t)n;
	if (st->st_nlink == 0 && len >= sizeof(deleted) && streq(target + len - (sizeof(deleted) - 1), deleted))
		target[len - (sizeof(deleted) - 1)] = '\0';
	base = base_name(target);
	if (strlen(base) > NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(ret, base);
	return 0;
}

/* Does the file at fd start with "#!"? Read through /proc/self/fd (an
 * O_PATH fd cannot be read). A file we may not read is no script we could
 * run. */
static enum script fd_is_script(int fd)
{
	char link[32], head[2];
	_cleanup_close_ int rfd = -1;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	rfd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (rfd < 0)
		return errno_is_privilege(errno) ? SCRIPT_NO : SCRIPT_UNKNOWN;
	return pread(rfd, head, 2, 0) == 2 && head[0] == '#' && head[1] == '!' ? SCRIPT_YES : SCRIPT_NO;
}

static int set_cloexec(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -errno;
	if (fcntl(fd, F_SETFD, on ? fl | FD_CLOEXEC : fl & ~FD_CLOEXEC) < 0)
		return -errno;
	return 0;
}

/* Does this kernel name a process executed by fd after the file (6.14)
 * rather than after the fd number? Tried, not looked up: this very binary
 * is executed by fd in a child that exits at once (`wishbox --version`,
 * its output closed, no environment), and the zombie's comm is read
 * before it is reaped. 1 yes, 0 no, or -errno. */
static int kernel_names_by_file(void)
{
	_cleanup_close_ int self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	char name[NAME_MAX + 1], want[COMM_MAX + 1], fdnum[16], path[64], comm[64];
	char *const argv[] = { (char *)"wishbox", (char *)"--version", NULL };
	char *const envp[] = { NULL };
	struct stat st;
	siginfo_t si;
	pid_t pid;
	int r, status;

	if (self < 0)
		return -errno;
	if (fstat(self, &st) < 0)
		return -errno;
	r = fd_file_name(self, &st, name);
	if (r < 0)
		return r;
	comm_of(name, want);
	snprintf(fdnum, sizeof(fdnum), "%d", self);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* Nothing it says may reach our output: its stdout and stderr
		 * are closed (the dispatcher then opens /dev/null, or, in a
		 * chroot without one, exits at once). */
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		syscall(SYS_execveat, self, "", argv, envp, AT_EMPTY_PATH);
		_exit(127);
	}
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) < 0)
		if (errno != EINTR) {
			r = -errno;
			break;
		}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (r >= 0)
		r = read_file_line(AT_FDCWD, path, comm, sizeof(comm));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	if (streq(comm, fdnum))
		return 0;
	if (streq(comm, want))
		return 1;
	return -EIO;
}

/* A name in the private directory that nobody else has: 12 random hex digits. */
static int random_name(char ret[static 32])
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		v = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
	}
	snprintf(ret, 32, "setcomm-exec.%012llx", (unsigned long long)(v & 0xffffffffffffULL));
	return 0;
}

static const char *tmp_dir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

/* The cleaner: started after the directory is made, it waits for EOF on
 * a pipe whose write end is ours, close-on-exec (every copy closed: our
 * exec, exit or death; for a script, the end of it and of all it started),
 * then removes the link and the directory.
 *
 * It must be nobody's child that the program could wait for, and starting
 * it must cost little: two clone(CLONE_VM) calls copy no memory. A
 * short-lived first child (CLONE_VFORK: we are suspended while it runs, so
 * nothing it does races with us) sets up the fd table, the session and the
 * signal mask, starts the cleaner sharing them and exits, so the cleaner is
 * reparented at once. The cleaner shares our memory until our exec, after
 * which it alone holds the old image; until then it only sleeps in read(). */
struct cleaner_args {
	int rfd, wfd, dirfd, parentfd;
	char dir_name[32];
	char link_name[COMM_MAX + 1];
	char *stack_top; /* the cleaner's */
};

/* Stacks for both children and the arguments, in memory of their own:
 * never unmapped once the cleaner runs (our frames may be reused before the
 * cleaner reads its arguments; at our exec, this goes with the old image). */
#define CLEANER_MEM (128 * 1024)

static int cleaner_main(void *arg)
{
	const struct cleaner_args *a = arg;
	char buf[64];

	/* Blocking, every signal blocked: 0 at EOF, never EINTR. */
	while (read(0, buf, sizeof(buf)) > 0)
		;
	unlinkat(1, a->link_name, 0);
	unlinkat(2, a->dir_name, AT_REMOVEDIR);
	_exit(0);
}

static int cleaner_parent_main(void *arg)
{
	struct cleaner_args *a = arg;
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	setsid();
	close(a->wfd);
	/* Only the pipe and the two directories, as 0, 1 and 2 (the sources
	 * are >= 3, since fds 0-2 are always open here): none of the
	 * caller's fds (a pipe a reader waits on) stays open in the cleaner. */
	if (dup2(a->rfd, 0) < 0 || dup2(a->dirfd, 1) < 0 || dup2(a->parentfd, 2) < 0)
		_exit(1);
	syscall(SYS_close_range, 3U, ~0U, 0U);
	if (clone(cleaner_main, a->stack_top, CLONE_VM | CLONE_FILES | SIGCHLD, a) < 0)
		_exit(1);
	_exit(0);
}

/* Starts the cleaner; returns the pipe's write end (close-on-exec), or
 * -errno. */
static int start_cleaner(int dirfd, int parentfd, const char *dir_name, const char *link_name)
{
	struct cleaner_args *a;
	char *mem;
	int p[2], status, r;
	pid_t pid;

	mem = mmap(NULL, CLEANER_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = -errno;
		munmap(mem, CLEANER_MEM);
		return r;
	}
	a = (struct cleaner_args *)(void *)mem;
	*a = (struct cleaner_args){ .rfd = p[0], .wfd = p[1], .dirfd = dirfd, .parentfd = parentfd,
				    .stack_top = mem + CLEANER_MEM };
	snprintf(a->dir_name, sizeof(a->dir_name), "%s", dir_name);
	snprintf(a->link_name, sizeof(a->link_name), "%s", link_name);
	pid = clone(cleaner_parent_main, mem + CLEANER_MEM / 2, CLONE_VM | CLONE_VFORK | SIGCHLD, a);
	r = pid < 0 ? -errno : 0;
	safe_close(p[0]);
	while (r == 0 && waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			r = -errno;
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		r = -EAGAIN;
	if (r < 0) {
		safe_close(p[1]);
		munmap(mem, CLEANER_MEM);
		return r;
	}
	return p[1];
}

/* ---- output --------------------------------------------------------- */

/* An argument for a human line: as it is when plain, else single-quoted. */
static void human_arg(struct out *o, const char *a)
{
	if (*a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=.,/:@%") == strlen(a)) {
		out_human(o, "%s", a);
		return;
	}
	out_human(o, "'");
	for (; *a; a++)
		out_human(o, *a == '\'' ? "'\\''" : "%c", *a);
	out_human(o, "'");
}

/* --dry-run: what would run, and how. comm is NULL when the kernel's name
 * cannot be known beforehand. */
static int report(struct setcomm_exec *s, const struct method *m, const char *comm)
{
	char dev[32];
	int r;

	snprintf(dev, sizeof(dev), "%u:%u", major(s->st.st_dev), minor(s->st.st_dev));
	out_begin(&s->out);
	out_str(&s->out, "method", m->name);
	out_str(&s->out, "comm", comm);
	out_str(&s->out, "dev", dev);
	out_uint(&s->out, "inode", (uint64_t)s->st.st_ino);
	out_str(&s->out, "path", s->path);
	out_array_begin(&s->out, "argv");
	for (char **a = s->argv; *a; a++)
		out_str(&s->out, NULL, *a);
	out_array_end(&s->out);
	out_human(&s->out, "method: %s\ncomm:   %s\npath:   %s\nfile:   %s inode %llu\nargv:  ", m->name,
		  comm ? comm : "(the kernel's choice, see -v)", s->path ? s->path : "(fd)", dev,
		  (unsigned long long)s->st.st_ino);
	for (char **a = s->argv; *a; a++) {
		out_human(&s->out, " ");
		human_arg(&s->out, *a);
	}
	out_human(&s->out, "\n");
	r = out_end(&s->out);
	return r < 0 ? cli_write_failed(r) : EXIT_OK;
}

/* An exec that came back: say why, and the shell's code for it. */
static int exec_failed(const struct setcomm_exec *s, int err)
{
	msg_errno(err, "cannot execute %s", s->path ? s->path : s->o.args[0]);
	return exec_failure_code(err);
}

/* The signal state the program gets: the mask we were started with
 * (mask, or NULL: the one in force now), and SIGPIPE at its default (the
 * dispatcher ignores it). */
static int prepare_exec(const sigset_t *mask)
{
	sigset_t now;

	if (!mask) {
		if (sigprocmask(SIG_BLOCK, NULL, &now) < 0)
			return -errno;
		mask = &now;
	}
	return sig_prepare_exec(mask);
}

/* A script's interpreter opens it again after the exec, through
 * /dev/fd/N or the link: fd N must stay open in the new program. */
static int keep_for_script(const struct setcomm_exec *s)
{
	return s->script == SCRIPT_NO ? 0 : set_cloexec(s->fd, false);
}

/* ---- execveat ------------------------------------------------------- */

static int probe_execveat(const void *ctx, char *why, size_t len)
{
	const struct setcomm_exec *s = ctx;
	int r;

	if (s && s->script == SCRIPT_YES) {
		snprintf(why, len, "%s is a script: the kernel names it after its interpreter", s->o.args[0]);
		return -EOPNOTSUPP;
	}
	if (s && (!*s->file_name || s->script == SCRIPT_UNKNOWN)) {
		snprintf(why, len, "the file's own name cannot be read (/proc is not mounted)");
		return -EOPNOTSUPP;
	}
	if (s && strncmp(s->comm, s->file_name, COMM_MAX) != 0) {
		snprintf(why, len, "NAME '%s' is not the file's own name '%.*s'", s->comm, COMM_MAX, s->file_name);
		return -EOPNOTSUPP;
	}
	r = kernel_names_by_file();
	if (r == 1) {
		snprintf(why, len, "this kernel names an fd-executed process after its file (6.14+)");
		return 0;
	}
	if (r == 0)
		snprintf(why, len, "this kernel names an fd-executed process after the fd number (the file's name "
				   "needs 6.14)");
	else if (r == -ENOENT)
		snprintf(why, len, "cannot tell what this kernel names an fd-executed process: /proc is not mounted");
	else
		snprintf(why, len, "cannot tell what this kernel names an fd-executed process: %s", strerror(-r));
	return -EOPNOTSUPP;
}

static int run_execveat(void *ctx, const struct method *m)
{
	struct setcomm_exec *s = ctx;
	int r;

	if (s->o.dry_run)
		return report(s, m, s->comm);
	r = keep_for_script(s);
	if (r == 0)
		r = prepare_exec(NULL);
	if (r == 0) {
		syscall(SYS_execveat, s->fd, "", s->argv, environ, AT_EMPTY_PATH);
		r = -errno;
	}
	return exec_failed(s, r);
}

/* ---- link ----------------------------------------------------------- */

static int probe_link(const void *ctx, char *why, size_t len)
{
	const struct setcomm_exec *s = ctx;
	const char *tmp = tmp_dir();
	char self[32];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", s ? s->fd : 0);
	if (access(self, F_OK) < 0) {
		snprintf(why, len, "/proc is not mounted: the link has nothing to point at");
		return -EOPNOTSUPP;
	}
	if (access(tmp, W_OK | X_OK) < 0) {
		snprintf(why, len, "cannot make a directory in %s: %s", tmp, strerror(errno));
		return -EOPNOTSUPP;
	}
	snprintf(why, len, "a private directory in %s", tmp);
	return 0;
}

/* The private directory: made under a name nobody else has, 0700, with
 * the link in it. Fills the fds and names, or -errno (nothing left). */
static int make_link_dir(const struct setcomm_exec *s, int *ret_parentfd, int *ret_dirfd, char ret_name[static 32])
{
	_cleanup_close_ int parentfd = open(tmp_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int dirfd = -1;
	char name[32], target[32];
	int r;

	if (parentfd < 0)
		return -errno;
	for (int i = 0;; i++) {
		random_name(name);
		if (mkdirat(parentfd, name, 0700) == 0)
			break;
		if (errno != EEXIST || i >= 100)
			return -errno;
	}
	dirfd = openat(parentfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		r = -errno;
		unlinkat(parentfd, name, AT_REMOVEDIR);
		return r;
	}
	snprintf(target, sizeof(target), "/proc/self/fd/%d", s->fd);
	if (symlinkat(target, dirfd, s->comm) < 0) {
		r = -errno;
		unlinkat(parentfd, name, AT_REMOVEDIR);
		return r;
	}
	*ret_parentfd = take_fd(&parentfd);
	*ret_dirfd = take_fd(&dirfd);
	strcpy(ret_name, name);
	return 0;
}

static int run_link(void *ctx, const struct method *m)
{
	struct setcomm_exec *s = ctx;
	_cleanup_close_ int parentfd = -1, dirfd = -1, wfd = -1;
	char name[32], *script_path = NULL;
	sigset_t old;
	int r;

	if (s->o.dry_run)
		return report(s, m, s->comm);
	/* From the directory's making to the cleaner's start, a signal must
	 * not leave the directory behind; at the exec the mask is ours again
	 * and a signal pending now ends us then (the cleaner sees it). */
	r = sig_block_fatal(&old);
	if (r < 0) {
		msg_errno(r, "cannot block signals");
		return EXIT_RUNTIME;
	}
	r = make_link_dir(s, &parentfd, &dirfd, name);
	if (r < 0) {
		sig_restore(&old);
		msg_errno(r, "cannot make a private directory in %s", tmp_dir());
		return EXIT_RUNTIME;
	}
	wfd = start_cleaner(dirfd, parentfd, name, s->comm);
	if (wfd < 0) {
		unlinkat(dirfd, s->comm, 0);
		unlinkat(parentfd, name, AT_REMOVEDIR);
		sig_restore(&old);
		msg_errno(wfd, "cannot start the process that removes %s/%s", tmp_dir(), name);
		return EXIT_RUNTIME;
	}
	msg_info("exec through %s/%s/%s -> /proc/self/fd/%d", tmp_dir(), name, s->comm, s->fd);
	if (s->script != SCRIPT_NO) {
		/* The interpreter opens the script by the path the kernel gives
		 * it, after the exec: the directory lives as long as the script
		 * (and whatever keeps the pipe it inherits). */
		msg_info("a script: its directory stays until the script and all it started have ended");
		if (asprintf(&script_path, "%s/%s/%s", tmp_dir(), name, s->comm) < 0)
			r = -ENOMEM;
		if (r == 0)
			r = keep_for_script(s);
		if (r == 0)
			r = set_cloexec(wfd, false);
	}
	if (r == 0)
		r = prepare_exec(&old);
	if (r == 0) {
		if (script_path)
			execve(script_path, s->argv, environ);
		else
			syscall(SYS_execveat, dirfd, s->comm, s->argv, environ, 0);
		r = -errno;
	}
	sig_restore(&old);
	free(script_path);
	/* Failed: clean up now rather than leave it to the cleaner, so that
	 * the directory is gone when we exit. */
	unlinkat(dirfd, s->comm, 0);
	unlinkat(parentfd, name, AT_REMOVEDIR);
	return exec_failed(s, r);
}

/* ---- fexecve -------------------------------------------------------- */

static int probe_fexecve(const void *ctx, char *why, size_t len)
{
	char *const argv[] = { NULL };

	(void)ctx;
	/* fd -1 is refused (EBADF) by a kernel that has execveat; glibc's
	 * fexecve() goes through /proc/self/fd/N where it has not. */
	if (syscall(SYS_execveat, -1, "", argv, argv, AT_EMPTY_PATH) < 0 && errno == ENOSYS &&
	    access("/proc/self/fd", F_OK) < 0) {
		snprintf(why, len, "execveat: not in this kernel (3.19+), and /proc is not mounted");
		return -EOPNOTSUPP;
	}
	snprintf(why, len, "the process may be named after the fd number (before 6.14), not NAME");
	return 0;
}

static int run_fexecve(void *ctx, const struct method *m)
{
	struct setcomm_exec *s = ctx;
	const char *comm = NULL;
	char fdnum[16];
	int r;

	snprintf(fdnum, sizeof(fdnum), "%d", s->fd);
	if (s->o.dry_run || msg_verbose()) {
		r = kernel_names_by_file();
		if (s->script == SCRIPT_YES)
			msg_info("%s is a script: the kernel names it after its interpreter%s", s->o.args[0],
				 r == 0 ? " (before 6.14: after the fd number)" : "");
		else if (r == 0)
			comm = fdnum;
		else if (r == 1 && *s->file_name)
			comm = strndupa(s->file_name, COMM_MAX);
		if (comm && !streq(comm, s->comm))
			msg_info("the process will be named '%s', not '%s'", comm, s->comm);
	}
	if (s->o.dry_run)
		return report(s, m, s->script == SCRIPT_YES ? NULL : comm);
	r = keep_for_script(s);
	if (r == 0)
		r = prepare_exec(NULL);
	if (r == 0) {
		fexecve(s->fd, s->argv, environ);
		r = -errno;
	}
	return exec_failed(s, r);
}

/* ---- the command line ----------------------------------------------- */

static int parse_args(int argc, char **argv, struct setcomm_exec_opts *o)
{
	uint64_t fd;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	while ((c = getopt_long(argc, argv, "+c:a:nJvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->comm = optarg; break;
		case 'a': o->argv0 = optarg; break;
		case OPT_FD:
			if (parse_u64(optarg, 0, INT_MAX, &fd) < 0)
				return msg_usage("invalid file descriptor '%s'", optarg);
			o->fd = (int)fd;
			break;
		case 'n': o->dry_run = true; break;
		case 'J': o->json = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	r = cli_check_method(&setcomm_exec_methods, o->method);
	if (r != CLI_CONTINUE)
		return r;
	if (optind >= argc)
		return msg_usage(o->fd >= 0 ? "no ARG0 given" : "no program given");
	if (o->json && !o->dry_run)
		return msg_usage("--json goes with --dry-run");
	o->args = argv + optind;
	o->nargs = argc - optind;
	if (o->comm) {
		if (!*o->comm)
			return msg_usage("the name is empty");
		if (strchr(o->comm, '/'))
			return msg_usage("the name must not contain '/'");
		if (streq(o->comm, ".") || streq(o->comm, ".."))
			return msg_usage("the name must not be '.' or '..'");
	}
	return CLI_CONTINUE;
}

/* Opens the program (or takes --fd's), learns what it is, builds argv:
 * CLI_CONTINUE or the exit code. */
static int prepare(struct setcomm_exec *s)
{
	const char *name;
	int r;

	if (s->o.fd >= 0) {
		s->fd = s->o.fd;
		r = exec_check_file(s->fd);
		if (r == -EBADF) {
			msg_errno(r, "--fd %d", s->fd);
			return EXIT_RUNTIME;
		}
	} else {
		r = exec_open_program(s->o.args[0], getenv("PATH"), &s->fd, &s->path);
		s->own_fd = r == 0;
	}
	if (r < 0) {
		if (r == -ENOENT && !strchr(s->o.args[0], '/'))
			msg_err("%s: command not found", s->o.args[0]);
		else
			msg_errno(r, "cannot execute %s", s->o.fd >= 0 ? "the file at --fd" : s->o.args[0]);
		return exec_failure_code(r);
	}
	if (fstat(s->fd, &s->st) < 0) {
		msg_errno(-errno, "fstat");
		return EXIT_RUNTIME;
	}
	name = s->o.comm ? s->o.comm : base_name(s->o.args[0]);
	if (!*name || streq(name, ".") || streq(name, "..")) {
		msg_err("cannot name the process after '%s': give -c NAME", s->o.args[0]);
		return EXIT_USAGE;
	}
	comm_of(name, s->comm);
	if (strlen(name) > COMM_MAX && msg_verbose())
		msg_warn("the name '%s' is longer than %d bytes: the kernel keeps '%s'", name, COMM_MAX, s->comm);
	if (fd_file_name(s->fd, &s->st, s->file_name) < 0)
		s->file_name[0] = '\0';
	if (s->o.fd >= 0 && !s->path && *s->file_name) {
		char link[32], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", s->fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			s->path = strdup(target);
		}
	}
	s->script = fd_is_script(s->fd);
	if (s->script == SCRIPT_YES)
		msg_info("%s is a script: -a is lost (the kernel gives the interpreter the script's path)",
			 s->o.args[0]);
	s->argv = calloc((size_t)s->o.nargs + 1, sizeof(*s->argv));
	if (!s->argv) {
		msg_errno(-ENOMEM, "cannot allocate");
		return EXIT_RUNTIME;
	}
	for (int i = 0; i < s->o.nargs; i++)
		s->argv[i] = s->o.args[i];
	if (s->o.argv0)
		s->argv[0] = (char *)s->o.argv0;
	return CLI_CONTINUE;
}

int setcomm_exec_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int setcomm_exec_main(int argc, char **argv)
{
	struct setcomm_exec s = { .fd = -1 };
	int r;

	r = parse_args(argc, argv, &s.o);
	if (r != CLI_CONTINUE)
		return r;
	out_init(&s.out, stdout, s.o.json ? OUT_JSON : OUT_HUMAN);
	r = prepare(&s);
	if (r == CLI_CONTINUE)
		r = cli_run_method(&setcomm_exec_methods, s.o.method, &s);
	if (s.own_fd)
		s.fd = safe_close(s.fd);
	free(s.path);
	free(s.argv);
	return r;
}
