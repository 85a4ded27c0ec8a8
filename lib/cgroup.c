/* cgroups: hierarchies from mountinfo, a process's cgroup, cgroup.events,
 * cgroup.procs, and trees listed deepest first. See cgroup.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "fileio.h"
#include "mnt.h"
#include "util.h"

#define MOUNTINFO_MAX (16U << 20)
#define PROCS_MAX (64U << 20)
#define TREE_DEPTH_MAX 512

void cg_mounts_free(struct cg_mounts *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].target);
		free(m->v[i].root);
		free(m->v[i].controllers);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Whether comma-separated list has item as a whole element. */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	for (const char *p = list; p && *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && strncmp(p, item, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The v1 controllers in super options: everything but the generic options. */
static char *v1_controllers(const char *opts)
{
	static const char *const generic[] = { "rw", "ro", "noprefix", "clone_children",
					       "xattr", "cpuset_v2_mode", "favordynmods" };
	size_t n = strlen(opts);
	char *out = malloc(n + 1), *w = out;

	if (!out)
		return NULL;
	for (const char *p = opts; *p;) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		bool skip = l == 0 || (l >= 14 && strncmp(p, "release_agent=", 14) == 0);

		for (size_t i = 0; !skip && i < ARRAY_SIZE(generic); i++)
			skip = strlen(generic[i]) == l && strncmp(p, generic[i], l) == 0;
		if (!skip) {
			if (w != out)
				*w++ = ',';
			memcpy(w, p, l);
			w += l;
		}
		if (!e)
			break;
		p = e + 1;
	}
	*w = '\0';
	return out;
}

/* The index of a mount of the same hierarchy already kept, or -1. */
static long same_hierarchy(const struct cg_mounts *m, bool v2, const char *controllers)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].v2 == v2 && (v2 || streq(m->v[i].controllers, controllers)))
			return (long)i;
	return -1;
}

int cg_mounts_parse(const char *text, size_t len, struct cg_mounts *ret)
{
	struct mnttab mi = MNTTAB_INIT;
	struct cg_mounts m = CG_MOUNTS_INIT;
	int r = mnttab_parse(&mi, text, len);

	if (r < 0) {
		mnttab_free(&mi); /* a failed parse still holds its buffers */
		return r;
	}
	m.v = calloc(mi.n ? mi.n : 1, sizeof(*m.v));
	if (!m.v) {
		mnttab_free(&mi);
		return -ENOMEM;
	}
	for (size_t i = 0; i < mi.n; i++) {
		const struct mnt_rec *rec = &mi.v[i];
		bool v2 = streq(rec->fstype, "cgroup2");
		struct cg_mount c = { 0 };
		long k;

		if (!v2 && !streq(rec->fstype, "cgroup"))
			continue;
		c.v2 = v2;
		c.controllers = v2 ? strdup("") : v1_controllers(rec->sb_opts);
		c.target = strdup(rec->target);
		c.root = strdup(rec->root);
		if (!c.controllers || !c.target || !c.root) {
			free(c.controllers);
			free(c.target);
			free(c.root);
			r = -ENOMEM;
			break;
		}
		k = same_hierarchy(&m, v2, c.controllers);
		if (k >= 0 && !(streq(c.root, "/") && !streq(m.v[k].root, "/"))) {
			free(c.controllers);
			free(c.target);
			free(c.root);
			continue;
		}
		if (k >= 0) {
			free(m.v[k].controllers);
			free(m.v[k].target);
			free(m.v[k].root);
			m.v[k] = c;
		} else {
			m.v[m.n++] = c;
		}
	}
	mnttab_free(&mi);
	if (r < 0) {
		cg_mounts_free(&m);
		return r;
	}
	*ret = m;
	return 0;
}

int cg_mounts_read(struct cg_mounts *ret)
{
	_cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return -errno;
	r = read_fd_alloc(fd, MOUNTINFO_MAX, &buf, &len);
	if (r < 0)
		return r;
	return cg_mounts_parse(buf, len, ret);
}

const struct cg_mount *cg_mounts_v2(const struct cg_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].v2)
			return &m->v[i];
	return NULL;
}

bool cg_mount_has(const struct cg_mount *m, const char *controller)
{
	return !m->v2 && list_has(m->controllers, controller);
}

const struct cg_mount *cg_mounts_v1(const struct cg_mounts *m, const char *controller)
{
	for (size_t i = 0; i < m->n; i++)
		if (cg_mount_has(&m->v[i], controller))
			return &m->v[i];
	return NULL;
}

int cg_path_check(const char *rel)
{
	if (rel[0] != '/')
		return -EINVAL;
	if (streq(rel, "/"))
		return 0;
	for (const char *p = rel + 1;;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == 0 || (l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (!e)
			return 0;
		p = e + 1;
	}
}

bool cg_path_within(const char *inner, const char *outer)
{
	size_t n = strlen(outer);

	if (streq(outer, "/"))
		return inner[0] == '/';
	return strncmp(inner, outer, n) == 0 && (inner[n] == '\0' || inner[n] == '/');
}

/* "/" + s, with trailing slashes dropped, into buf. */
static int make_rel(const char *s, char *buf, size_t len)
{
	size_t n;

	while (*s == '/')
		s++;
	n = strlen(s);
	while (n && s[n - 1] == '/')
		n--;
	if (n + 2 > len)
		return -ENAMETOOLONG;
	buf[0] = '/';
	memcpy(buf + 1, s, n);
	buf[n + 1] = '\0';
	return cg_path_check(buf);
}

int cg_mounts_locate(const struct cg_mounts *m, const char *path, const struct cg_mount **ret_mount,
		     char *rel, size_t len)
{
	const struct cg_mount *best = NULL;
	size_t best_len = 0;
	int r;

	if (path[0] != '/')
		return -EINVAL;
	for (size_t i = 0; i < m->n; i++) {
		const char *t = m->v[i].target;
		size_t n = streq(t, "/") ? 0 : strlen(t);

		if (strncmp(path, t, n) == 0 && (path[n] == '\0' || path[n] == '/') &&
		    (!best || n > best_len)) {
			best = &m->v[i];
			best_len = n;
		}
	}
	if (!best)
		return -ENOENT;
	r = make_rel(path + best_len, rel, len);
	if (r < 0)
		return r;
	*ret_mount = best;
	return 0;
}

int cg_mount_relative(const struct cg_mount *m, const char *hier_path, char *rel, size_t len)
{
	if (!cg_path_within(hier_path, m->root))
		return -EXDEV;
	return make_rel(streq(m->root, "/") ? hier_path : hier_path + strlen(m->root), rel, len);
}

int cg_proc_parse(const char *text, const char *controller, char *buf, size_t len)
{
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		const char *c1 = memchr(p, ':', l), *c2;
		size_t cl, pl;

		if (!c1 || !(c2 = memchr(c1 + 1, ':', l - (size_t)(c1 + 1 - p))))
			return -EBADMSG;
		cl = (size_t)(c2 - c1 - 1);
		pl = l - (size_t)(c2 + 1 - p);
		if (controller ? cl > 0 : (cl == 0 && c1 - p == 1 && p[0] == '0')) {
			bool match = !controller;

			if (controller) {
				char ctl[256];

				if (cl >= sizeof(ctl))
					return -EBADMSG;
				memcpy(ctl, c1 + 1, cl);
				ctl[cl] = '\0';
				match = list_has(ctl, controller);
			}
			if (match) {
				if (pl + 1 > len)
					return -ENAMETOOLONG;
				if (pl == 0 || c2[1] != '/')
					return -EBADMSG;
				memcpy(buf, c2 + 1, pl);
				buf[pl] = '\0';
				return 0;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int cg_events_parse(const char *text, int *ret_populated, int *ret_frozen)
{
	int pop = -1, frozen = -1;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		int v;

		if (sscanf(p, "populated %d", &v) == 1 && (v == 0 || v == 1))
			pop = v;
		else if (sscanf(p, "frozen %d", &v) == 1 && (v == 0 || v == 1))
			frozen = v;
		p = nl ? nl + 1 : NULL;
	}
	if (pop < 0 && frozen < 0)
		return -EBADMSG;
	*ret_populated = pop;
	*ret_frozen = frozen;
	return 0;
}

int cg_events_read(int fd, int *ret_populated, int *ret_frozen)
{
	char buf[256];
	ssize_t n;

	do
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return cg_events_parse(buf, ret_populated, ret_frozen);
}

int cg_procs_parse(const char *text, pid_t **ret, size_t *ret_n)
{
	size_t n = 0, cap = 0;
	pid_t *v = NULL;

	for (const char *p = text; *p;) {
		char *end;
		long pid;

		if (*p < '0' || *p > '9') {
			free(v);
			return -EBADMSG;
		}
		errno = 0;
		pid = strtol(p, &end, 10);
		if (errno || pid <= 0 || pid > INT_MAX || (*end != '\n' && *end != '\0')) {
			free(v);
			return -EBADMSG;
		}
		if (n == cap) {
			pid_t *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (pid_t)pid;
		p = *end ? end + 1 : end;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int cg_read_procs(int dirfd, pid_t **ret, size_t *ret_n)
{
	return cg_read_ids(dirfd, "cgroup.procs", ret, ret_n);
}

int cg_read_ids(int dirfd, const char *file, pid_t **ret, size_t *ret_n)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return -errno;
	r = read_fd_alloc(fd, PROCS_MAX, &buf, &len);
	if (r < 0)
		return r;
	if (strlen(buf) != len)
		return -EBADMSG;
	return cg_procs_parse(buf, ret, ret_n);
}

void cg_tree_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct tree {
	char **v;
	size_t n, cap;
};

static int tree_add(struct tree *t, const char *rel)
{
	char *s;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	s = strdup(rel);
	if (!s)
		return -ENOMEM;
	t->v[t->n++] = s;
	return 0;
}

/* Lists the children of dirfd (which is rel) deepest first, then rel. */
static int tree_walk(int dirfd, const char *rel, int depth, struct tree *t)
{
	int dup_fd, r = 0;
	DIR *d;
	struct dirent *de;

	if (depth > TREE_DEPTH_MAX)
		return -ELOOP;
	dup_fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_fd < 0)
		return -errno;
	d = fdopendir(dup_fd);
	if (!d) {
		r = -errno;
		safe_close(dup_fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		_cleanup_close_ int child = -1;
		_cleanup_free_ char *crel = NULL;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue; /* removed meanwhile, or not a directory */
			r = -errno;
			break;
		}
		if (asprintf(&crel, "%s/%s", rel, de->d_name) < 0) {
			crel = NULL;
			r = -ENOMEM;
			break;
		}
		r = tree_walk(child, crel, depth + 1, t);
	}
	if (r == 0 && errno && !de)
		r = -errno;
	closedir(d);
	if (r == 0)
		r = tree_add(t, rel);
	return r;
}

int cg_tree_list(int dirfd, char ***ret, size_t *ret_n)
{
	struct tree t = { 0 };
	int r = tree_walk(dirfd, ".", 0, &t);

	if (r < 0) {
		cg_tree_free(t.v, t.n);
		return r;
	}
	*ret = t.v;
	*ret_n = t.n;
	return 0;
}
