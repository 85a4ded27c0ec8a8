/* Process handles (pidfd, pidfs inode, start time) and exit statuses. The
 * parsers are pure logic: unit tested in tests/unit/test_pidref.c and fuzzed
 * in tests/fuzz/fuzz_pidref.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux-compat.h"
#include "parse.h"
#include "fileio.h"
#include "pidref.h"

int pidref_parse_spec(const char *s, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode)
{
	char buf[24];
	const char *colon;
	uint64_t inode = 0;
	pid_t pid;
	size_t n;
	int r;

	if (!s || pid_max < 2)
		return -EINVAL;
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(buf))
		return strspn(s, "0123456789") >= n ? -ERANGE : -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* PIDs are below pid_max. */
	r = parse_pid(buf, pid_max - 1, &pid);
	if (r < 0)
		return r;
	if (colon) {
		r = parse_u64(colon + 1, 1, UINT64_MAX, &inode);
		if (r < 0)
			return -EINVAL;
	}
	*ret_pid = pid;
	*ret_inode = inode;
	return 0;
}

/* The number at *p (decimal, an optional leading '-'), moving p past it and
 * the space after it. */
static int stat_field(const char **p, const char *end, bool *ret_neg, unsigned long long *ret)
{
	const char *s = *p;
	bool neg = false;
	unsigned long long v = 0;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -EBADMSG;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned long long d = (unsigned long long)(*s - '0');

		if (v > (ULLONG_MAX - d) / 10)
			return -EBADMSG;
		v = v * 10 + d;
	}
	if (s < end && *s != ' ' && *s != '\n')
		return -EBADMSG;
	if (s < end && *s == ' ')
		s++;
	*p = s;
	*ret_neg = neg;
	*ret = v;
	return 0;
}

int procstat_parse(const char *buf, size_t len, struct procstat *ret)
{
	const char *p, *end = buf + len, *rparen = NULL;
	struct procstat st = { .exit_code = -1 };
	int field;

	/* "PID (COMM) S ...": comm may hold ')', so the last one ends it. */
	for (const char *q = buf; q < end; q++)
		if (*q == ')')
			rparen = q;
	if (!rparen || !memchr(buf, '(', (size_t)(rparen - buf)))
		return -EBADMSG;
	p = rparen + 1;
	if (end - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -EBADMSG;
	st.state = p[1];
	p += 3;
	/* Fields 4 on; 3 was the state. */
	for (field = 4; field <= 52 && p < end && *p != '\n'; field++) {
		unsigned long long v;
		bool neg;

		if (stat_field(&p, end, &neg, &v) < 0)
			return -EBADMSG;
		switch (field) {
		case 4:
			if (neg || v > INT_MAX)
				return -EBADMSG;
			st.ppid = (pid_t)v;
			break;
		case 20:
			if (neg || v > LONG_MAX)
				return -EBADMSG;
			st.num_threads = (long)v;
			break;
		case 22:
			if (neg)
				return -EBADMSG;
			st.start = v;
			break;
		case 52:
			if (neg || v > LLONG_MAX)
				return -EBADMSG;
			st.exit_code = (long long)v;
			break;
		default: break;
		}
	}
	if (field <= 22)
		return -EBADMSG; /* no start time */
	*ret = st;
	return 0;
}

int exit_status_from_wait(int wstatus, struct exit_status *ret)
{
	struct exit_status st = { .known = true };

	if (WIFEXITED(wstatus)) {
		st.exited = true;
		st.code = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus)) {
		st.signal = WTERMSIG(wstatus);
		st.coredump = WCOREDUMP(wstatus);
		if (st.signal <= 0 || st.signal > 127)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	*ret = st;
	return 0;
}

int exit_status_shell(const struct exit_status *st)
{
	return st->exited ? st->code : 128 + st->signal;
}

int pidfd_open_raw(pid_t pid, unsigned int flags)
{
	long fd = syscall(__NR_pidfd_open, pid, flags);

	return fd < 0 ? -errno : (int)fd;
}

int pidfd_inode(int fd, uint64_t *ret_inode)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (sfs.f_type != PID_FS_MAGIC)
		return -EOPNOTSUPP;
	*ret_inode = (uint64_t)st.st_ino;
	return 0;
}

int pidfd_check(int fd)
{
	struct statfs sfs;
	char path[64], link[64];
	ssize_t n;

	if (fstatfs(fd, &sfs) < 0)
		return -errno;
	if (sfs.f_type == PID_FS_MAGIC)
		return 0;
	/* Before pidfs (6.9): an anonymous inode named "[pidfd]". */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	return strcmp(link, "anon_inode:[pidfd]") == 0 ? 0 : -ENOTTY;
}

static int pidfd_get_info(int fd, uint64_t mask, struct wb_pidfd_info *info)
{
	memset(info, 0, sizeof(*info));
	info->mask = mask;
	return ioctl(fd, WB_PIDFD_GET_INFO, info) < 0 ? -errno : 0;
}

int pidfd_get_pid(int fd, pid_t *ret_pid)
{
	struct wb_pidfd_info info;
	char path[64], line[128];
	FILE *f;
	int r = pidfd_get_info(fd, PIDFD_INFO_PID, &info);
	long pid = 0;
	bool found = false;

	if (r == 0 && info.pid > 0) {
		*ret_pid = (pid_t)info.pid;
		return 0;
	}
	/* PIDFD_GET_INFO says ESRCH both when the process was reaped and when
	 * it lives outside our PID namespace: fdinfo tells them apart. Before
	 * 6.13 fdinfo is all there is: "Pid:\t1234", -1 once reaped, 0 when
	 * not in our PID namespace (5.3+). */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %ld", &pid) == 1) {
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		return -ENOTTY;
	if (pid == 0)
		return -EREMOTE;
	if (pid < 0)
		return -ESRCH;
	*ret_pid = (pid_t)pid;
	return 0;
}

int pidfd_not_reaped(int fd)
{
	return syscall(__NR_pidfd_send_signal, fd, 0, NULL, 0) < 0 && errno == ESRCH ? -ESRCH : 0;
}

int pidfd_exit_info(int fd, struct exit_status *ret)
{
	struct wb_pidfd_info info;
	struct exit_status st;
	int r = pidfd_get_info(fd, PIDFD_INFO_EXIT, &info);

	if (r < 0)
		return r == -EINVAL ? -ENOTTY : r;
	if (!(info.mask & PIDFD_INFO_EXIT))
		return -EAGAIN;
	if (exit_status_from_wait(info.exit_code, &st) < 0)
		return -EBADMSG;
	*ret = st;
	return 0;
}

int pidfd_exit_info_supported(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
	struct wb_pidfd_info info;
	struct exit_status st;
	pid_t child;
	int fd, r;

	fd = pidfd_open_raw(getpid(), 0);
	if (fd < 0)
		return fd;
	r = pidfd_get_info(fd, PIDFD_INFO_PID, &info);
	close(fd);
	if (r < 0)
		return r == -EINVAL ? -ENOTTY : r;
	/* A child of our own that exits 42 at once; SIGCHLD must not be
	 * ignored meanwhile, or the kernel reaps it before we hold it. */
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, &old) < 0)
		return -errno;
	child = fork();
	if (child < 0) {
		r = -errno;
		goto out;
	}
	if (child == 0)
		_exit(42);
	fd = pidfd_open_raw(child, 0);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (fd < 0) {
		r = fd;
		goto out;
	}
	r = pidfd_exit_info(fd, &st);
	close(fd);
	if (r == 0 && !(st.known && st.exited && st.code == 42))
		r = -EBADMSG;
	else if (r == -ESRCH || r == -EAGAIN)
		r = -EOPNOTSUPP;
out:
	sigaction(SIGCHLD, &old, NULL);
	return r;
}

static int status_from_siginfo(const siginfo_t *si, struct exit_status *ret)
{
	struct exit_status st = { .known = true };

	switch (si->si_code) {
	case CLD_EXITED:
		st.exited = true;
		st.code = si->si_status;
		break;
	case CLD_KILLED:
	case CLD_DUMPED:
		st.signal = si->si_status;
		st.coredump = si->si_code == CLD_DUMPED;
		break;
	default:
		return -EBADMSG;
	}
	*ret = st;
	return 0;
}

int pidfd_reap_child(int fd, struct exit_status *ret)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) < 0)
		return -errno;
	if (si.si_pid == 0)
		return -EAGAIN;
	return status_from_siginfo(&si, ret);
}

int pidref_open_pid(struct pidref *r, pid_t pid)
{
	struct pidref n = PIDREF_NULL;
	int fd = pidfd_open_raw(pid, 0);

	if (fd == -EINVAL) /* before 6.9, a thread that is not a leader */
		fd = -ENOENT;
	if (fd < 0)
		return fd;
	n.pid = pid;
	n.fd = fd;
	if (pidfd_inode(fd, &n.inode) < 0)
		n.inode = 0;
	*r = n;
	return 0;
}

int pidref_open_fd(struct pidref *r, int fd)
{
	struct pidref n = PIDREF_NULL;
	int ret = pidfd_check(fd);

	if (ret < 0)
		return ret;
	/* A thread's pidfd (PIDFD_THREAD, 6.9+, shows as O_EXCL) tells when
	 * that thread ends, not the process. */
	ret = fcntl(fd, F_GETFL);
	if (ret < 0)
		return -errno;
	if (ret & PIDFD_THREAD)
		return -ENOENT;
	n.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (n.fd < 0)
		return -errno;
	ret = pidfd_get_pid(n.fd, &n.pid);
	if (ret == -EREMOTE)
		n.elsewhere = true;
	else if (ret < 0 && ret != -ESRCH) {
		close(n.fd);
		return ret;
	}
	if (pidfd_inode(n.fd, &n.inode) < 0)
		n.inode = 0;
	*r = n;
	return 0;
}

static int open_proc_dir(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* /proc/PID/stat through a /proc/PID directory fd. */
static int stat_at(int dirfd, struct procstat *st)
{
	/* comm is at most 64 bytes; the whole line stays well under 1 KiB,
	 * but leave room. */
	char buf[2048];
	size_t n = 0;
	int r = read_file_buf(dirfd, "stat", buf, sizeof(buf), &n);

	if (r < 0)
		return r;
	return procstat_parse(buf, n, st);
}

int pidref_read_start(struct pidref *r)
{
	struct procstat st;
	int dirfd, ret;

	if (r->pid <= 0)
		return -ESRCH;
	dirfd = open_proc_dir(r->pid);
	if (dirfd < 0)
		return dirfd == -ENOENT ? -ESRCH : dirfd;
	ret = stat_at(dirfd, &st);
	close(dirfd);
	if (ret < 0)
		return ret == -ENOENT ? -ESRCH : ret;
	if (r->fd >= 0 && pidfd_not_reaped(r->fd) < 0)
		return -ESRCH;
	r->start = st.start;
	return 0;
}

void pidref_close(struct pidref *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

int pidref_proc_state(const struct pidref *r, enum proc_state *ret_state,
		      struct exit_status *ret_status)
{
	struct exit_status status = { .known = false };
	struct procstat st = { .state = 0 };
	char path[48], buf[2048], link[64];
	size_t n = 0;
	int dirfd, ret;
	bool permitted;

	if (r->pid <= 0)
		return -EINVAL;
	/* The common case, a running process: one open. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)r->pid);
	ret = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), &n);
	if (ret == 0)
		ret = procstat_parse(buf, n, &st);
	if (ret == -ENOENT || ret == -ESRCH || (ret == 0 && r->start && st.start != r->start))
		goto gone;
	if (ret < 0)
		return ret;
	/* A zombie main thread whose other threads still run (it called
	 * pthread_exit): the process lives until its last thread exits. */
	if ((st.state != 'Z' && st.state != 'X') || st.num_threads > 1) {
		if (r->fd >= 0 && pidfd_not_reaped(r->fd) < 0)
			goto gone;
		*ret_state = st.num_threads > 1 && (st.state == 'Z' || st.state == 'X')
				     ? PROC_LEADER_EXITED
				     : PROC_RUNNING;
		*ret_status = status;
		return 0;
	}
	/* A zombie: read it again through one /proc/PID directory, so that
	 * the exit code and the permission to trust it are this process's. */
	snprintf(path, sizeof(path), "/proc/%d", (int)r->pid);
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		goto gone;
	ret = stat_at(dirfd, &st);
	/* The kernel hides exit_code from whoever may not read the process
	 * (PTRACE_MODE_READ_FSCREDS); the ns links need the same right and say
	 * EACCES instead of a quiet 0. */
	permitted = ret == 0 && readlinkat(dirfd, "ns/pid", link, sizeof(link)) > 0;
	close(dirfd);
	if (ret < 0 || (r->start && st.start != r->start) ||
	    (r->fd >= 0 && pidfd_not_reaped(r->fd) < 0))
		goto gone;
	if (st.num_threads > 1 || (st.state != 'Z' && st.state != 'X')) {
		*ret_state = st.num_threads > 1 ? PROC_LEADER_EXITED : PROC_RUNNING;
		*ret_status = status;
		return 0;
	}
	if (permitted && st.exit_code >= 0 && st.exit_code <= INT_MAX &&
	    exit_status_from_wait((int)st.exit_code, &status) < 0)
		status.known = false;
	*ret_state = PROC_ZOMBIE;
	*ret_status = status;
	return 0;
gone:
	*ret_state = PROC_GONE;
	*ret_status = status;
	return 0;
}

int pid_is_our_ancestor(pid_t pid)
{
	pid_t p = getppid();

	/* Up the parent chain; a bound in case /proc changes under us. */
	for (int depth = 0; p > 0 && depth < 4096; depth++) {
		struct procstat st = { .ppid = 0 };
		char path[32], buf[2048];
		size_t n = 0;
		int r;

		if (p == pid)
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)p);
		r = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), &n);
		if (r == 0)
			r = procstat_parse(buf, n, &st);
		if (r == -ENOENT || r == -ESRCH)
			return 0; /* it ended meanwhile: its children were reparented */
		if (r < 0)
			return r;
		p = st.ppid;
	}
	return 0;
}

int pid_is_our_child(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0)
		return 1;
	return errno == ECHILD ? 0 : -errno;
}

int pid_reap_child(pid_t pid, struct exit_status *ret)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) < 0)
		return -errno;
	if (si.si_pid == 0)
		return -EAGAIN;
	return status_from_siginfo(&si, ret);
}
