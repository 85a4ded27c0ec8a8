/* The new mount API for reading the table: statmount(2) and listmount(2)
 * (6.8), and fanotify mount events (FAN_REPORT_MNT + FAN_MARK_MNTNS, 6.15).
 * Constants and structs come from linux-compat.h. */
#ifndef WISHBOX_MOUNTAPI_H
#define WISHBOX_MOUNTAPI_H

#include <stddef.h>
#include <stdint.h>

#include "mnt.h"

struct wb_statmount;

/* What mountapi_statmount() asks for: everything a mountinfo line holds. */
#define MOUNTAPI_STATMOUNT_MASK                                                                  \
	(STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_PROPAGATE_FROM | STATMOUNT_MNT_ROOT | \
	 STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE | STATMOUNT_MNT_OPTS | STATMOUNT_FS_SUBTYPE |      \
	 STATMOUNT_SB_SOURCE)

/* A reusable statmount buffer and the strings a record is built from. */
struct statmount_buf {
	struct wb_statmount *sm;
	size_t size;
	char *scratch;
	size_t scratch_len;
};

/* statmount(2) of a mount of the caller's namespace by its unique id,
 * growing buf while the kernel says EOVERFLOW. 0, -ENOENT (no such mount,
 * e.g. already detached), -ENOSYS (before 6.8), or another -errno. */
int mountapi_statmount(uint64_t mnt_id, uint64_t mask, struct statmount_buf *buf);

/* Fills *r from buf (after mountapi_statmount()) in mountinfo's terms: the
 * per-mount and per-superblock option strings, the optional fields, the
 * type with its subtype. Fields the kernel did not answer are NULL ("none"
 * for the source, as mountinfo shows it). r's strings point into buf,
 * valid until its next use. 0 or -ENOMEM. */
int mountapi_to_rec(struct statmount_buf *buf, struct mnt_rec *r);

void statmount_buf_free(struct statmount_buf *buf);

/* Every mount of the caller's namespace that its root reaches, by unique
 * id in ascending order, paging through listmount(2). *ids is (re)allocated
 * (free() it); *n set. 0 or -errno (-ENOSYS before 6.8). */
int mountapi_listmount(uint64_t **ids, size_t *n);

/* fanotify_init(FAN_REPORT_MNT | FAN_CLOEXEC | FAN_NONBLOCK): 0 or -errno
 * (-EINVAL: no mount events in this kernel, 6.15+). */
int mountapi_fanotify_init(int *ret_fd);
/* Marks the mount namespace nsfd (an open /proc/PID/ns/mnt) for attach and
 * detach events. 0 or -errno (-EPERM: no CAP_SYS_ADMIN over the namespace's
 * owner). */
int mountapi_fanotify_mark_ns(int fd, int nsfd);

/* Walks a buffer of fanotify events as read(2) gave it, calling fn for each
 * event with its mask (FAN_MNT_ATTACH, FAN_MNT_DETACH, both for a move, or
 * FAN_Q_OVERFLOW), the mount id of its MNT record (0 when it has none) and
 * its fd (FAN_NOFD unless the kernel sent one: the caller closes those).
 * Returns the number of events, fn's first negative return, or -EBADMSG
 * for a malformed buffer (after the well-formed events before it). */
typedef int (*fanotify_mnt_fn)(uint64_t mask, uint64_t mnt_id, int fd, void *arg);
int mountapi_fanotify_parse(const void *buf, size_t len, fanotify_mnt_fn fn, void *arg);

#endif
