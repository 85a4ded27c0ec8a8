/* cgroups as the kernel shows them: where the hierarchies are mounted (from
 * mountinfo: cgroup2 alone, hybrid, or v1 only), which cgroup a process is in
 * (/proc/PID/cgroup), what cgroup.events says, the processes of a cgroup,
 * and a tree of cgroups listed deepest first.
 *
 * Paths inside a hierarchy ("rel") start with "/" ("/" is its root) and are
 * checked: no empty, "." or ".." components. Functions return 0 (or a value
 * >= 0) or -errno and never print. */
#ifndef WISHBOX_CGROUP_H
#define WISHBOX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct cg_mount {
	char *target;      /* the mount point */
	char *root;        /* the directory of the hierarchy mounted there ("/") */
	bool v2;           /* cgroup2, else a v1 hierarchy */
	char *controllers; /* v1: the controllers (and name=) of its options, comma-separated */
};

struct cg_mounts {
	struct cg_mount *v;
	size_t n;
};

#define CG_MOUNTS_INIT { NULL, 0 }

/* Every cgroup and cgroup2 mount in a mountinfo text. A hierarchy mounted
 * twice is kept once (the mount of its root "/" first, then the first seen).
 * 0, -EBADMSG, -ENOMEM. */
int cg_mounts_parse(const char *text, size_t len, struct cg_mounts *ret);
/* The same from /proc/self/mountinfo. */
int cg_mounts_read(struct cg_mounts *ret);
void cg_mounts_free(struct cg_mounts *m);

/* The cgroup2 mount, or the v1 mount holding controller ("freezer",
 * "pids", "name=systemd"); NULL when there is none. */
const struct cg_mount *cg_mounts_v2(const struct cg_mounts *m);
const struct cg_mount *cg_mounts_v1(const struct cg_mounts *m, const char *controller);
/* Whether m is a v1 hierarchy holding controller. */
bool cg_mount_has(const struct cg_mount *m, const char *controller);

/* The mount an absolute path lies under (the longest mount point that is a
 * whole-component prefix) and the path inside that mount, "/" or "/a/b",
 * into rel (size len). -ENOENT under no cgroup mount; -EINVAL not
 * absolute or a "." or ".." component; -ENAMETOOLONG. */
int cg_mounts_locate(const struct cg_mounts *m, const char *path, const struct cg_mount **ret_mount,
		     char *rel, size_t len);

/* A path inside a hierarchy as /proc/PID/cgroup gives it, made relative to
 * mount m (whose root may be a subdirectory of the hierarchy): into rel.
 * -EXDEV when the cgroup is outside what m shows. */
int cg_mount_relative(const struct cg_mount *m, const char *hier_path, char *rel, size_t len);

/* From the text of /proc/PID/cgroup, the path in the cgroup2 hierarchy
 * (controller NULL: the "0::" line) or in the v1 hierarchy holding
 * controller. -ENOENT no such line, -EBADMSG a malformed one,
 * -ENAMETOOLONG. */
int cg_proc_parse(const char *text, const char *controller, char *buf, size_t len);

/* From the text of cgroup.events: populated and frozen as 1 or 0, -1 when
 * the line is missing (frozen before 5.2). -EBADMSG when neither is there. */
int cg_events_parse(const char *text, int *ret_populated, int *ret_frozen);
/* The same read from an open cgroup.events fd (from offset 0). */
int cg_events_read(int fd, int *ret_populated, int *ret_frozen);

/* Checks a path inside a hierarchy: 0, or -EINVAL (not starting with "/", an
 * empty, "." or ".." component). */
int cg_path_check(const char *rel);
/* Whether cgroup inner is outer or one of its descendants ("/a/b" is within
 * "/a" and "/", not within "/ab"). */
bool cg_path_within(const char *inner, const char *outer);

/* The PIDs in cgroup.procs of the cgroup directory dirfd, in a new array
 * (free() it). An empty cgroup: 0 PIDs, *ret NULL. */
int cg_read_procs(int dirfd, pid_t **ret, size_t *ret_n);
/* The same for another list of IDs: "cgroup.threads" (thread IDs; the only
 * list a threaded cgroup has: its cgroup.procs gives EOPNOTSUPP). */
int cg_read_ids(int dirfd, const char *file, pid_t **ret, size_t *ret_n);
/* Parses the text of cgroup.procs (one decimal PID a line). -EBADMSG. */
int cg_procs_parse(const char *text, pid_t **ret, size_t *ret_n);

/* The cgroup directory dirfd and all its descendants as paths relative to it,
 * deepest first (every child before its parent), "." last; a new array of
 * strings (cg_tree_free() it). A cgroup removed while walking is left out;
 * deeper than 512 levels: -ELOOP. */
int cg_tree_list(int dirfd, char ***ret, size_t *ret_n);
void cg_tree_free(char **v, size_t n);

#endif
