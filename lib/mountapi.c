/* statmount(2), listmount(2) and fanotify mount events, with the retries
 * and gaps of each handled here: EOVERFLOW means a bigger buffer, a mask
 * bit may be missing from the answer, listmount pages. */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include "linux-compat.h"
#include "mountapi.h"

int mountapi_statmount(uint64_t mnt_id, uint64_t mask, struct statmount_buf *buf)
{
	struct wb_mnt_id_req req = {
		.size = WB_MNT_ID_REQ_SIZE_VER0,
		.mnt_id = mnt_id,
		.param = mask,
	};

	for (;;) {
		long r;

		if (!buf->sm) {
			size_t size = buf->size ? buf->size : 4096;
			struct wb_statmount *sm = malloc(size);

			if (!sm)
				return -ENOMEM;
			buf->sm = sm;
			buf->size = size;
		}
		r = syscall(__NR_statmount, &req, buf->sm, buf->size, 0);
		if (r == 0)
			return 0;
		if (errno != EOVERFLOW)
			return -errno;
		if (buf->size > (64u << 20))
			return -EOVERFLOW;
		free(buf->sm);
		buf->sm = NULL;
		buf->size *= 2;
	}
}

void statmount_buf_free(struct statmount_buf *buf)
{
	free(buf->sm);
	free(buf->scratch);
	memset(buf, 0, sizeof(*buf));
}

/* The string at offset off of the answer, if the kernel set bit. */
static const char *sm_str(const struct wb_statmount *sm, size_t size, uint64_t bit, uint32_t off)
{
	if (!(sm->mask & bit) || off >= size - sizeof(*sm))
		return NULL;
	/* The kernel NUL-terminates every string; never trust it blindly. */
	if (!memchr(sm->str + off, '\0', size - sizeof(*sm) - off))
		return NULL;
	return sm->str + off;
}

struct sbuf {
	char *p;
	size_t len, used;
};

/* Appends to the scratch string being built; one NUL ends each string. */
static int sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->used + n + 1 > b->len)
		return -ENOBUFS;
	memcpy(b->p + b->used, s, n + 1);
	b->used += n;
	return 0;
}

/* Appends prefix and then v in decimal. */
static int sb_addnum(struct sbuf *b, const char *prefix, unsigned long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%llu", v);
	return sb_add(b, prefix) | sb_add(b, tmp);
}

/* Starts a new string; returns its offset (0, and the buffer counts as
 * full, when there is no room left for even an empty string). */
static size_t sb_start(struct sbuf *b, int *r)
{
	if (b->used)
		b->used++; /* past the previous string's NUL */
	if (b->used >= b->len) {
		*r = -ENOBUFS;
		b->used = 0;
		return 0;
	}
	b->p[b->used] = '\0';
	return b->used;
}

static int build(struct statmount_buf *buf, struct sbuf *b, size_t off[4])
{
	const struct wb_statmount *sm = buf->sm;
	const char *opts = sm_str(sm, buf->size, STATMOUNT_MNT_OPTS, sm->mnt_opts);
	const char *type = sm_str(sm, buf->size, STATMOUNT_FS_TYPE, sm->fs_type);
	const char *sub = sm_str(sm, buf->size, STATMOUNT_FS_SUBTYPE, sm->fs_subtype);
	uint64_t a = sm->mnt_attr, p = sm->mnt_propagation;
	int r = 0;

	/* Per mount, in the order mountinfo shows them (show_mnt_opts()). */
	off[0] = sb_start(b, &r);
	r |= sb_add(b, a & MOUNT_ATTR_RDONLY ? "ro" : "rw");
	if (a & MOUNT_ATTR_NOSUID)
		r |= sb_add(b, ",nosuid");
	if (a & MOUNT_ATTR_NODEV)
		r |= sb_add(b, ",nodev");
	if (a & MOUNT_ATTR_NOEXEC)
		r |= sb_add(b, ",noexec");
	if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME)
		r |= sb_add(b, ",noatime");
	if (a & MOUNT_ATTR_NODIRATIME)
		r |= sb_add(b, ",nodiratime");
	if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_RELATIME)
		r |= sb_add(b, ",relatime");
	if (a & MOUNT_ATTR_NOSYMFOLLOW)
		r |= sb_add(b, ",nosymfollow");
	if (a & MOUNT_ATTR_IDMAP)
		r |= sb_add(b, ",idmapped");

	/* Per superblock (show_sb_opts(), then the filesystem's own). */
	off[1] = sb_start(b, &r);
	r |= sb_add(b, sm->sb_flags & MS_RDONLY ? "ro" : "rw");
	if (sm->sb_flags & MS_SYNCHRONOUS)
		r |= sb_add(b, ",sync");
	if (sm->sb_flags & MS_DIRSYNC)
		r |= sb_add(b, ",dirsync");
	if (sm->sb_flags & MS_MANDLOCK)
		r |= sb_add(b, ",mand");
	if (sm->sb_flags & MS_LAZYTIME)
		r |= sb_add(b, ",lazytime");
	if (opts && *opts) {
		r |= sb_add(b, ",");
		r |= sb_add(b, opts);
	}

	/* Optional fields, as mountinfo writes them. */
	off[2] = sb_start(b, &r);
	if (p & MS_SHARED)
		r |= sb_addnum(b, "shared:", (unsigned long long)sm->mnt_peer_group);
	if (p & MS_SLAVE) {
		r |= sb_addnum(b, p & MS_SHARED ? " master:" : "master:",
			     (unsigned long long)sm->mnt_master);
		if ((sm->mask & STATMOUNT_PROPAGATE_FROM) && sm->propagate_from &&
		    sm->propagate_from != sm->mnt_master)
			r |= sb_addnum(b, " propagate_from:",
				     (unsigned long long)sm->propagate_from);
	}
	if (p & MS_UNBINDABLE)
		r |= sb_add(b, b->p[off[2]] ? " unbindable" : "unbindable");

	/* The type with its subtype: "fuse.sshfs". */
	off[3] = sb_start(b, &r);
	if (type) {
		r |= sb_add(b, type);
		if (sub && *sub) {
			r |= sb_add(b, ".");
			r |= sb_add(b, sub);
		}
	}
	return r ? -ENOBUFS : 0;
}

int mountapi_to_rec(struct statmount_buf *buf, struct mnt_rec *r)
{
	const struct wb_statmount *sm = buf->sm;
	size_t off[4];
	struct sbuf b;

	if (!sm)
		return -EINVAL;
	for (;;) {
		size_t len;
		char *s;

		if (buf->scratch) {
			b = (struct sbuf){ buf->scratch, buf->scratch_len, 0 };
			if (build(buf, &b, off) == 0)
				break;
		}
		len = buf->scratch_len ? buf->scratch_len * 2 : 1024;
		if (len > (64u << 20))
			return -ENOMEM;
		s = realloc(buf->scratch, len);
		if (!s)
			return -ENOMEM;
		buf->scratch = s;
		buf->scratch_len = len;
	}
	memset(r, 0, sizeof(*r));
	r->id = sm->mnt_id;
	r->parent_id = sm->mnt_parent_id;
	r->id_old = sm->mnt_id_old;
	if (sm->mask & STATMOUNT_SB_BASIC) {
		r->major = sm->sb_dev_major;
		r->minor = sm->sb_dev_minor;
		r->sb_opts = buf->scratch + off[1];
	}
	r->root = sm_str(sm, buf->size, STATMOUNT_MNT_ROOT, sm->mnt_root);
	r->target = sm_str(sm, buf->size, STATMOUNT_MNT_POINT, sm->mnt_point);
	if (sm->mask & STATMOUNT_MNT_BASIC) {
		r->vfs_opts = buf->scratch + off[0];
		r->fields = buf->scratch + off[2];
	}
	r->fstype = buf->scratch[off[3]] ? buf->scratch + off[3] : NULL;
	r->source = sm_str(sm, buf->size, STATMOUNT_SB_SOURCE, sm->sb_source);
	/* The kernel answers no string for an empty source (mount -t tmpfs
	 * "" DIR); every kernel with FAN_REPORT_MNT has STATMOUNT_SB_SOURCE. */
	if (!r->source && (sm->mask & STATMOUNT_SB_BASIC))
		r->source = "";
	/* The kernel escapes the options as mountinfo does (\040 for a space,
	 * \054 for a comma inside a value): decode them the same way. */
	if ((sm->mask & STATMOUNT_SB_BASIC) && mnt_unescape(buf->scratch + off[1]) < 0)
		return -ENOMEM;
	return 0;
}

int mountapi_listmount(uint64_t **ids, size_t *n)
{
	size_t cap = 0, used = 0;
	uint64_t *v = NULL, last = 0;

	for (;;) {
		struct wb_mnt_id_req req = {
			.size = WB_MNT_ID_REQ_SIZE_VER0,
			.mnt_id = LSMT_ROOT,
			.param = last,
		};
		long got;

		if (cap - used < 1024) {
			uint64_t *nv;

			cap = cap ? cap * 2 : 4096;
			nv = reallocarray(v, cap, sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		got = syscall(__NR_listmount, &req, v + used, cap - used, 0);
		if (got < 0) {
			int e = -errno;

			free(v);
			return e;
		}
		if (got == 0)
			break;
		used += (size_t)got;
		last = v[used - 1];
	}
	free(*ids);
	*ids = v;
	*n = used;
	return 0;
}

int mountapi_fanotify_init(int *ret_fd)
{
	int fd = fanotify_init(FAN_REPORT_MNT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);

	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

int mountapi_fanotify_mark_ns(int fd, int nsfd)
{
	if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_MNTNS, FAN_MNT_ATTACH | FAN_MNT_DETACH, nsfd,
			  NULL) < 0)
		return -errno;
	return 0;
}

int mountapi_fanotify_parse(const void *buf, size_t len, fanotify_mnt_fn fn, void *arg)
{
	const unsigned char *p = buf;
	int count = 0;

	while (len > 0) {
		struct fanotify_event_metadata m;
		uint64_t mnt_id = 0;
		size_t off;
		int r;

		if (len < sizeof(m))
			return -EBADMSG;
		memcpy(&m, p, sizeof(m));
		if (m.vers != FANOTIFY_METADATA_VERSION || m.event_len > len ||
		    m.metadata_len < sizeof(m) || m.metadata_len > m.event_len)
			return -EBADMSG;
		/* Information records follow the metadata: find the mount id. */
		for (off = m.metadata_len; off + 4 <= m.event_len;) {
			struct fanotify_event_info_header h;

			memcpy(&h, p + off, sizeof(h));
			if (h.len < sizeof(h) || h.len > m.event_len - off)
				return -EBADMSG;
			if (h.info_type == FAN_EVENT_INFO_TYPE_MNT &&
			    h.len >= sizeof(struct wb_fanotify_event_info_mnt))
				memcpy(&mnt_id, p + off + 8, sizeof(mnt_id));
			off += h.len;
		}
		if ((r = fn(m.mask, mnt_id, m.fd, arg)) < 0)
			return r;
		count++;
		p += m.event_len;
		len -= m.event_len;
	}
	return count;
}
