/* The mount table as /proc/PID/mountinfo gives it: a parser (octal escapes
 * decoded, malformed lines refused), lookup by mount id, and a differ that
 * turns two readings into attach / detach / move / change steps. No libmount:
 * this has to link statically into an initramfs binary.
 *
 * A line (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   id parent maj:min root target mount-options [optional fields] - fstype source super-options */
#ifndef WISHBOX_MOUNTINFO_H
#define WISHBOX_MOUNTINFO_H

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

struct mountinfo {
	char *buf; /* the text, decoded in place; the records point into it */
	size_t len, cap;
	struct mnt_rec *v; /* in the order of the text */
	size_t *by_id; /* their indices, sorted by id */
	size_t n, cap_v;
};

#define MOUNTINFO_INIT { NULL, 0, 0, NULL, NULL, 0, 0 }

/* Parses text (len bytes, need not end in NUL or newline) into mi, replacing
 * what mi held. 0; -EBADMSG for a malformed line (mi is left empty); -EAGAIN
 * when an id appears twice (a reading that raced with changes: read again);
 * -ENOMEM. */
int mountinfo_parse(struct mountinfo *mi, const char *text, size_t len);

/* Reads fd (an open mountinfo file) from offset 0 to EOF and parses it,
 * reading again when a reading came out inconsistent. 0 or -errno. */
int mountinfo_read(int fd, struct mountinfo *mi);

/* The record with this id, or NULL. */
const struct mnt_rec *mountinfo_find(const struct mountinfo *mi, uint64_t id);

void mountinfo_free(struct mountinfo *mi);

/* Decodes the \ooo escapes the kernel writes for space, tab, newline and
 * backslash, in place; other backslashes stay. Returns the new length. */
size_t mnt_unescape(char *s, size_t len);

/* What the differ reports, in this order: every detach (highest id first,
 * so children go before their parents), then moves and changes, then every
 * attach (lowest id first). */
enum mnt_change {
	MNT_DETACH,
	MNT_MOVE,   /* same mount, new target; old->target is where it was */
	MNT_CHANGE, /* same mount and target, other options or propagation */
	MNT_ATTACH,
};

/* a: the earlier reading, b: the later one. Calls fn for each step with the
 * record from a (NULL for an attach) and from b (NULL for a detach). A mount
 * id that now names another filesystem or root counts as a detach of the
 * old mount and an attach of the new one. Returns the number of steps, or
 * fn's first negative return. */
typedef int (*mnt_diff_fn)(enum mnt_change what, const struct mnt_rec *old,
			   const struct mnt_rec *cur, void *arg);
int mountinfo_diff(const struct mountinfo *a, const struct mountinfo *b, mnt_diff_fn fn, void *arg);

/* Whether two records with the same id are the same mount (same device
 * and root), and if so whether options or propagation differ. */
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
