/* The mount table as /proc/PID/mountinfo gives it, read with util-linux
 * libmount (this is the one file that includes it: the static binary links
 * a libmount.a built from the same source as the system's libmount), lookup
 * by mount id, and a differ that turns two readings into attach / detach /
 * move / change steps.
 *
 * A line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent maj:min root target mount-options [optional fields] - fstype source super-options */
#ifndef WISHBOX_MNT_H
#define WISHBOX_MNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One mount. The strings belong to whoever filled the record (a mountinfo
 * table, a statmount buffer, a mnt_rec_dup() copy); none is NULL in a
 * parsed record, all may be NULL in a record whose details are unknown. */
struct mnt_rec {
	uint64_t id;        /* mountinfo: field 1; statmount: the unique 64-bit id */
	uint64_t parent_id;
	uint32_t id_old;    /* the reusable id mountinfo shows (field 1) */
	uint32_t major, minor;
	const char *root;   /* the path inside the filesystem that is mounted */
	const char *target; /* the mount point */
	const char *vfs_opts; /* per mount: "rw,nosuid,relatime" */
	const char *fields; /* optional fields, space separated: "shared:1 master:2", or "" */
	const char *fstype; /* "ext4", "fuse.sshfs" */
	const char *source;
	const char *sb_opts; /* per superblock: "rw,size=1024k" */
};

struct libmnt_fs;

struct mnttab {
	struct libmnt_fs **fs; /* libmount's entries, one reference each */
	struct mnt_rec *v; /* in the order of the text; strings are fs's */
	size_t *by_id; /* their indices, sorted by id */
	size_t *line_off, *line_len; /* where each record's line is in text */
	size_t n, cap_v;
	char *text; /* the reading */
	size_t len, text_cap;
};

#define MNTTAB_INIT { 0 }

/* Parses text (len bytes, need not end in NUL or newline) into t, replacing
 * what t held, with libmount. A line libmount cannot parse is left out, the
 * rest is kept. 0; -EAGAIN when an id appears twice (a reading that raced
 * with changes: read again); -ENOMEM. */
int mnttab_parse(struct mnttab *t, const char *text, size_t len);

/* The same, where prev (not t; may be NULL) is an earlier reading: a line
 * that has not changed since keeps prev's record, and only the lines that
 * did are parsed. */
int mnttab_parse_since(struct mnttab *t, const char *text, size_t len, const struct mnttab *prev);

/* Reads fd (an open mountinfo file) from offset 0 to EOF and parses it,
 * reading again when a reading came out inconsistent. 0 or -errno. */
int mnttab_read(int fd, struct mnttab *t);
int mnttab_read_since(int fd, struct mnttab *t, const struct mnttab *prev);

/* The record with this id, or NULL. */
const struct mnt_rec *mnttab_find(const struct mnttab *t, uint64_t id);

void mnttab_free(struct mnttab *t);

/* Decodes in place the \ooo escapes the kernel writes in mountinfo (and in
 * statmount's option strings), as libmount does for mountinfo. 0 or
 * -ENOMEM. */
int mnt_unescape(char *s);

/* What the differ reports, in this order: every detach (highest id first,
 * so children go before their parents), then moves and changes, then every
 * attach (lowest id first). */
enum mnt_change {
	MNTDIFF_DETACH,
	MNTDIFF_MOVE,   /* same mount, new target; old->target is where it was */
	MNTDIFF_CHANGE, /* same mount and target, other options or propagation */
	MNTDIFF_ATTACH,
};

/* a: the earlier reading, b: the later one. Calls fn for each step with the
 * record from a (NULL for an attach) and from b (NULL for a detach). A mount
 * id that now names another device, root, type or source counts as a detach
 * of the old mount and an attach of the new one. (mountinfo names no
 * superblock, and the kernel reuses ids and anonymous device numbers at
 * once: a new mount of the same source can still look like the old one. A
 * look at the mount point would tell, but would hold a reference that makes
 * a concurrent umount(2) fail with EBUSY.) Returns the number of steps, or fn's
 * first negative return. */
typedef int (*mnt_diff_fn)(enum mnt_change what, const struct mnt_rec *old,
			   const struct mnt_rec *cur, void *arg);
int mnttab_diff(const struct mnttab *a, const struct mnttab *b, mnt_diff_fn fn, void *arg);

/* Whether two records with the same id are the same mount (same device,
 * root, type and source), and if so
 * whether options or propagation differ. */
bool mnt_rec_same_mount(const struct mnt_rec *a, const struct mnt_rec *b);
bool mnt_rec_changed(const struct mnt_rec *a, const struct mnt_rec *b);

/* All options in one string as findmnt's OPTIONS shows them: "rw" or "ro"
 * (ro if the mount or the superblock is read-only), the other per-mount
 * options, then the per-superblock ones. Returns buf ("" when unknown). */
const char *mnt_rec_options(const struct mnt_rec *r, char *buf, size_t len);
/* Propagation as findmnt's PROPAGATION shows it: "shared", "private",
 * "private,slave", "shared,slave", with ",unbindable" added. Returns buf. */
const char *mnt_rec_propagation(const struct mnt_rec *r, char *buf, size_t len);

/* A copy of r in one allocation (free() it); NULL strings stay NULL. */
struct mnt_rec *mnt_rec_dup(const struct mnt_rec *r);

#endif
