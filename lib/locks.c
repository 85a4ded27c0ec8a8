/* Who holds a BSD lock on a file (see locks.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "locks.h"
#include "util.h"

int locks_parse_line(const char *line, struct lock_entry *ret)
{
	struct lock_entry e = { 0 };
	unsigned long long ino;
	int id, n = 0, pid;

	if (sscanf(line, "%d: %n", &id, &n) != 1 || n == 0)
		return -EINVAL;
	line += n;
	if (strncmp(line, "->", 2) == 0) {
		e.waiting = true;
		line += 2;
	}
	n = 0;
	/* TYPE KIND ACCESS PID MAJ:MIN:INODE */
	if (sscanf(line, " %15s %*s %15s %d %x:%x:%llu%n", e.type, e.access, &pid, &e.major,
		   &e.minor, &ino, &n) != 6 || n == 0)
		return -EINVAL;
	if (line[n] && !isspace((unsigned char)line[n]))
		return -EINVAL;
	e.pid = pid;
	e.inode = ino;
	*ret = e;
	return 0;
}

static bool is_our_flock(const struct lock_entry *e, dev_t dev, uint64_t inode)
{
	return !e->waiting && streq(e->type, "FLOCK") && e->inode == inode &&
	       e->major == major(dev) && e->minor == minor(dev);
}

/* Adds pid (once; a stronger mode wins). */
static int add_holder(struct lock_holder **v, size_t *n, pid_t pid, bool exclusive)
{
	struct lock_holder *nv;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].pid == pid) {
			(*v)[i].exclusive |= exclusive;
			return 0;
		}
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = (struct lock_holder){ .pid = pid, .exclusive = exclusive };
	return 0;
}

/* The "lock:" lines of one fdinfo file that name our lock. */
static int scan_fdinfo(int dfd, const char *name, pid_t pid, dev_t dev, uint64_t inode,
		       struct lock_holder **v, size_t *n)
{
	char buf[4096];
	int r = read_file_buf(dfd, name, buf, sizeof(buf), NULL);

	/* Gone, closed meanwhile, or too long to be a plain file's. */
	if (r < 0)
		return 0;
	for (char *p = strstr(buf, "\nlock:"); p; p = strstr(p + 1, "\nlock:")) {
		struct lock_entry e;

		if (locks_parse_line(p + 6 + strspn(p + 6, " \t"), &e) == 0 &&
		    is_our_flock(&e, dev, inode))
			return add_holder(v, n, pid, streq(e.access, "WRITE"));
	}
	return 0;
}

static int scan_process(int procfd, const char *pidname, dev_t dev, uint64_t inode,
			struct lock_holder **v, size_t *n)
{
	char path[300];
	DIR *d;
	struct dirent *de;
	int r = 0, dfd;

	snprintf(path, sizeof(path), "%s/fdinfo", pidname);
	dfd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		safe_close(dfd);
		return 0;
	}
	while (r == 0 && (de = readdir(d)))
		if (de->d_name[0] != '.')
			r = scan_fdinfo(dirfd(d), de->d_name, (pid_t)atoi(pidname), dev, inode, v, n);
	closedir(d);
	return r;
}

static int cmp_holder(const void *a, const void *b)
{
	pid_t x = ((const struct lock_holder *)a)->pid, y = ((const struct lock_holder *)b)->pid;

	return (x > y) - (x < y);
}

/* The FLOCK entries of /proc/locks for the file; live PIDs only. */
static int scan_proc_locks(int procfd, dev_t dev, uint64_t inode, struct lock_holder **v,
			   size_t *n, bool *found)
{
	char *buf = NULL;
	size_t len;
	int r, fd = openat(procfd, "locks", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	r = read_fd_alloc(fd, 64 << 20, &buf, &len);
	safe_close(fd);
	if (r < 0)
		return r;
	for (char *line = buf, *next; line && *line; line = next) {
		struct lock_entry e;
		char pidname[16];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (locks_parse_line(line, &e) < 0 || !is_our_flock(&e, dev, inode))
			continue;
		*found = true;
		snprintf(pidname, sizeof(pidname), "%d", (int)e.pid);
		if (e.pid > 0 && faccessat(procfd, pidname, F_OK, 0) == 0) {
			r = add_holder(v, n, e.pid, streq(e.access, "WRITE"));
			if (r < 0)
				break;
		}
	}
	free(buf);
	return r;
}

int locks_flock_holders(const char *proc, dev_t dev, uint64_t inode, struct lock_holder **ret,
			size_t *ret_n)
{
	struct lock_holder *v = NULL, *fallback = NULL;
	size_t n = 0, nf = 0;
	bool found = false;
	_cleanup_close_ int procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = NULL;
	struct dirent *de;
	int r, fd;

	if (procfd < 0)
		return -errno;
	r = scan_proc_locks(procfd, dev, inode, &fallback, &nf, &found);
	if (r < 0 || !found)
		goto done;
	fd = fcntl(procfd, F_DUPFD_CLOEXEC, 0);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		r = -errno;
		safe_close(fd);
		goto done;
	}
	while (r == 0 && (de = readdir(d)))
		if (isdigit((unsigned char)de->d_name[0]))
			r = scan_process(procfd, de->d_name, dev, inode, &v, &n);
	closedir(d);
done:
	if (r == 0 && n == 0) {
		free(v);
		v = fallback;
		n = nf;
		fallback = NULL;
	}
	free(fallback);
	if (r < 0) {
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_holder);
	*ret = n ? v : NULL;
	if (!n)
		free(v);
	*ret_n = n;
	return 0;
}
