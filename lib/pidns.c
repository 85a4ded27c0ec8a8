/* PID namespaces: which one, and is it the initial one (see pidns.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "fileio.h"
#include "linux-compat.h"
#include "pidns.h"
#include "util.h"

const char *pidns_kind_name(enum pidns_kind k)
{
	switch (k) {
	case PIDNS_INITIAL: return "initial";
	case PIDNS_CHILD: return "child";
	default: return NULL;
	}
}

int pidns_identify(int fd, struct pidns_id *ret)
{
	struct statfs sfs;
	struct stat st;
	int type;

	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (sfs.f_type != NSFS_MAGIC)
		return -EMEDIUMTYPE;
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && !errno_is_not_supported(errno))
		return -errno;
	if (type >= 0 && type != CLONE_NEWPID)
		return -EINVAL;
	ret->inode = st.st_ino;
	ret->dev = st.st_dev;
	return 0;
}

enum pidns_kind pidns_kind_of_inode(uint64_t inode)
{
	return inode == PROC_PID_INIT_INO ? PIDNS_INITIAL : PIDNS_CHILD;
}

int pidns_open_pidfd(int pidfd)
{
	int fd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);

	/* The kernel opens it O_CLOEXEC (open_namespace()). */
	return fd < 0 ? -errno : fd;
}

/* /proc/self or /proc/PID as a directory fd, on procfs. */
static int open_proc_dir(pid_t pid)
{
	char path[32];
	struct statfs sfs;
	_cleanup_close_ int dfd = -1;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self");
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if (fstatfs(dfd, &sfs) < 0)
		return -errno;
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	return take_fd(&dfd);
}

int pidns_open_proc(pid_t pid)
{
	_cleanup_close_ int dfd = open_proc_dir(pid);
	int fd;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, "ns/pid", O_RDONLY | O_CLOEXEC | O_NOCTTY);
	return fd < 0 ? -errno : fd;
}

int pidns_proc_is_ours(void)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	struct statfs sfs;

	if (statfs("/proc", &sfs) < 0)
		return -errno;
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return -ENOENT;
	n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n < 0)
		return errno == ENOENT ? -EXDEV : -errno;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end || end == buf)
		return -EBADMSG;
	return v == (long)getpid() ? 0 : -EXDEV;
}

int pidns_fixed_ids_supported(void)
{
	/* listns(NULL, NULL, 0, 0): EFAULT or EINVAL where it exists. */
	if (syscall(__NR_listns, NULL, NULL, 0, 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	return 0;
}

int pidns_get_id(int nsfd, uint64_t *ret_id)
{
	uint64_t id = 0;

	if (ioctl(nsfd, NS_GET_ID, &id) < 0)
		return -errno;
	*ret_id = id;
	return 0;
}

enum pidns_kind pidns_kind_of_id(uint64_t id)
{
	if (id == 0)
		return PIDNS_UNKNOWN;
	return id == WB_PID_NS_INIT_ID ? PIDNS_INITIAL : PIDNS_CHILD;
}

/* The value of the line "key:\t..." in text, as a NUL-terminated copy in
 * buf. -ENOENT no such line, -E2BIG too long. */
static int find_line(const char *text, size_t len, const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l > klen && !memcmp(p, key, klen) && p[klen] == ':') {
			size_t vl = l - klen - 1;

			if (vl >= size)
				return -E2BIG;
			memcpy(buf, p + klen + 1, vl);
			buf[vl] = '\0';
			return 0;
		}
		p += l + 1;
	}
	return -ENOENT;
}

/* Whitespace-separated decimal numbers, optionally with a leading '-'. */
static int parse_longs(const char *s, long *ret, size_t max, size_t *ret_n)
{
	size_t n = 0;

	for (;;) {
		char *end;
		long v;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (*s != '-' && (*s < '0' || *s > '9'))
			return -EBADMSG;
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || end == s || (*end && *end != ' ' && *end != '\t'))
			return -EBADMSG;
		if (n == max)
			return -E2BIG;
		ret[n++] = v;
		s = end;
	}
	if (n == 0)
		return -EBADMSG;
	*ret_n = n;
	return 0;
}

int pidns_parse_nspid(const char *text, size_t len, pid_t *ret, size_t max, size_t *ret_n)
{
	char line[PIDNS_NSPID_MAX * 12 + 16];
	long v[PIDNS_NSPID_MAX];
	size_t n;
	int r = find_line(text, len, "NSpid", line, sizeof(line));

	if (r == -E2BIG)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = parse_longs(line, v, ARRAY_SIZE(v), &n);
	if (r < 0)
		return r == -E2BIG ? -EBADMSG : r;
	if (n == 1 && v[0] <= 0)
		return -ESRCH;
	if (n > max)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= 0 || v[i] > INT_MAX)
			return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		ret[i] = (pid_t)v[i];
	*ret_n = n;
	return 0;
}

int pidns_parse_fdinfo_pid(const char *text, size_t len, long *ret)
{
	char line[32];
	long v[1];
	size_t n;
	int r = find_line(text, len, "Pid", line, sizeof(line));

	if (r == -E2BIG)
		return -EBADMSG;
	if (r < 0)
		return r;
	r = parse_longs(line, v, 1, &n);
	if (r < 0 || v[0] < -1 || v[0] > INT_MAX)
		return -EBADMSG;
	*ret = v[0];
	return 0;
}

int pidns_parse_sched_pid(const char *line, long *ret)
{
	/* The comm may hold anything: the PID follows the last " (". */
	const char *p = NULL, *q;
	char *end;
	long v;

	for (q = strstr(line, " ("); q; q = strstr(q + 1, " ("))
		p = q;
	if (!p)
		return -EBADMSG;
	p += 2;
	if (*p < '0' || *p > '9')
		return -EBADMSG;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno || strncmp(end, ", #threads:", 11) != 0 || v <= 0 || v > INT_MAX)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int pidns_pidfd_fdinfo(int pidfd, long *ret_pid, pid_t *ret_nspid, size_t max, size_t *ret_n)
{
	char path[64], buf[4096];
	size_t len;
	long pid;
	int r;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	r = read_file_buf(AT_FDCWD, path, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	r = pidns_parse_fdinfo_pid(buf, len, &pid);
	if (r < 0)
		return r;
	if (ret_nspid) {
		r = pidns_parse_nspid(buf, len, ret_nspid, max, ret_n);
		if (r < 0)
			return r;
	}
	*ret_pid = pid;
	return 0;
}
