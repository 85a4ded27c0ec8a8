/* fatlabel: read and change the label and volume ID of a FAT filesystem,
 * mounted or not, and the labels of mounted ext4, xfs, btrfs and others.
 * Wish list: "interface to query and modify the label of a mounted FAT
 * volume" (Plumber's Wish List; bonus: other filesystems, and UUIDs). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "../lib/blk.h"
#include "../lib/caps.h"
#include "../lib/codepage.h"
#include "../lib/devmount.h"
#include "../lib/exitcodes.h"
#include "../lib/fat.h"
#include "../lib/fileio.h"
#include "../lib/linux-compat.h"
#include "../lib/method.h"
#include "../lib/msg.h"
#include "../lib/out.h"
#include "../lib/parse.h"
#include "../lib/sig.h"
#include "../lib/util.h"
#include "cli.h"

static const char usage_text[] =
	"Usage:\n"
	" fatlabel [options] DEVICE|IMAGE|MOUNTPOINT [NEW-LABEL]\n"
	" fatlabel -i [options] DEVICE|IMAGE|MOUNTPOINT [NEW-ID]\n"
	"\n"
	"Print or change the label or volume ID of a FAT filesystem, mounted or not,\n"
	"on a device, an image file or a mount point; and the label of a mounted\n"
	"ext4, xfs, btrfs or other filesystem whose kernel driver can change it.\n"
	"A label is written to the root directory, the boot sector and the FAT32\n"
	"backup boot sector; a mounted FAT is never written while read-write.\n"
	"\n"
	"Options:\n"
	" -r, --reset               remove the label (with -i: a new random ID)\n"
	" -i, --volume-id[=ID]      print the volume ID, or set it (1234-ABCD or\n"
	"                             8 hex digits, also as NEW-ID)\n"
	"     --new-volume-id       set a new random volume ID\n"
	" -c, --codepage N          code page of FAT labels (default 850; built in:\n"
	"                             437, 850, 852, 858, 866)\n"
	" -J, --json                print the filesystem's label and ID as JSON\n"
	"     --method NAME         auto (default), ioctl, remount or offline\n"
	" -v, --verbose             say which method is used and why; warn when the\n"
	"                             boot sector's label differs\n"
	"\n"
	" -h, --help                display this help\n"
	" -V, --version             display version\n"
	"\n"
	"See fatlabel(1).\n";

enum { OPT_METHOD = 256, OPT_NEW_ID };

static const struct option longopts[] = {
	{ "reset", no_argument, NULL, 'r' },
	{ "volume-id", optional_argument, NULL, 'i' },
	{ "new-volume-id", no_argument, NULL, OPT_NEW_ID },
	{ "codepage", required_argument, NULL, 'c' },
	{ "json", no_argument, NULL, 'J' },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

enum op { OP_GET_LABEL, OP_SET_LABEL, OP_RESET_LABEL, OP_GET_ID, OP_SET_ID };

struct fatlabel_opts {
	enum op op;
	const char *target;
	const char *new_label;  /* OP_SET_LABEL, UTF-8 as given */
	uint32_t new_id;        /* OP_SET_ID, unless random_id */
	bool random_id;         /* OP_SET_ID: a new random ID (--new-volume-id, -i -r) */
	const struct codepage *cp;
	bool json;
	const char *method;
};

/* What the argument turned out to be. */
struct target {
	char dev[PATH_MAX];     /* what is read and written: a block device or the image */
	int fd;                 /* dev, opened once (O_PATH) when it was looked at: every
				   later open is of this very file; -1: no device (a
				   mount of tmpfs, proc, ...) */
	struct stat st;         /* of fd: what every later open must be */
	const char *image;      /* the image file given, or NULL */
	dev_t rdev;             /* of dev when it is a block device, else 0 */
	bool is_block;
	bool mounted;
	struct devmount mnt;    /* when mounted */
	char fstype[64];        /* "" while unknown */
	bool is_fat;
	uint8_t label[FAT_LABEL_LEN]; /* OP_SET_LABEL on FAT: encoded */
};

struct fatlabel {
	struct fatlabel_opts o;
	struct target t;
	uint32_t new_id;        /* OP_SET_ID: the ID written (o.new_id or random) */
	struct out out;
};

/* The answer, in every output mode. */
struct result {
	const char *method;
	bool fat;
	unsigned fat_bits;
	bool has_label, has_boot_label, has_id;
	char label[FSLABEL_MAX * 2];
	size_t label_len;       /* bytes: a FAT label may hold a NUL */
	char boot_label[64];
	size_t boot_label_len;
	char volume_id[64];
};

/* The methods, best first; each is a probe and a run, further down. */
static int ioctl_probe(const void *ctx, char *why, size_t len);
static int ioctl_run(void *ctx, const struct method *m);
static int remount_probe(const void *ctx, char *why, size_t len);
static int remount_run(void *ctx, const struct method *m);
static int offline_probe(const void *ctx, char *why, size_t len);
static int offline_run(void *ctx, const struct method *m);

static const struct method fatlabel_method_list[] = {
	{ "ioctl", "FS_IOC_GETFSLABEL/SETFSLABEL on the mounted filesystem (ext4, xfs, btrfs, ...)",
	  ioctl_probe, ioctl_run },
	{ "remount", "mounted FAT: remount read-only, edit the device, remount read-write",
	  remount_probe, remount_run },
	{ "offline", "the device or image itself: read any time, written only when unmounted",
	  offline_probe, offline_run },
};

const struct method_set fatlabel_methods = METHOD_SET(fatlabel_method_list);

static bool op_writes(enum op op)
{
	return op == OP_SET_LABEL || op == OP_RESET_LABEL || op == OP_SET_ID;
}

static bool fat_type(const char *fstype)
{
	return !strcmp(fstype, "vfat") || !strcmp(fstype, "msdos") || !strcmp(fstype, "fat");
}

/* Each filesystem's own tools, for what fatlabel will not do to it. */
static const struct fs_tool {
	const char *type;
	const char *label_tool;
	const char *uuid_tool;
	unsigned label_max; /* bytes the kernel takes; 0: unknown */
} fs_tools[] = {
	{ "ext2", "e2label or tune2fs -L", "tune2fs -U", 16 },
	{ "ext3", "e2label or tune2fs -L", "tune2fs -U", 16 },
	{ "ext4", "e2label or tune2fs -L", "tune2fs -U", 16 },
	{ "xfs", "xfs_admin -L", "xfs_admin -U", 12 },
	{ "btrfs", "btrfs filesystem label", "btrfstune -u", 255 },
	{ "f2fs", "f2fslabel", "f2fs's mkfs (no UUID tool)", 0 },
	{ "exfat", "exfatlabel", "exfatlabel -i", 0 },
	{ "ntfs", "ntfslabel", "ntfslabel --new-serial", 0 },
	{ "ntfs3", "ntfslabel", "ntfslabel --new-serial", 0 },
	{ "swap", "swaplabel -L", "swaplabel -U", 0 },
};

static const struct fs_tool *tool_for(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_tools); i++)
		if (!strcmp(fs_tools[i].type, type))
			return &fs_tools[i];
	return NULL;
}

static const char *own_tool(const char *type, bool uuid)
{
	const struct fs_tool *t = tool_for(type);

	if (!t)
		return "the filesystem's own tools";
	return uuid ? t->uuid_tool : t->label_tool;
}

/* --- device I/O for lib/fat --- */

static int io_read(void *arg, uint64_t off, void *buf, size_t len)
{
	return pread_all(*(int *)arg, buf, len, off);
}

static int io_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	return pwrite_all(*(int *)arg, buf, len, off);
}

static int io_sync(void *arg)
{
	return fsync(*(int *)arg) < 0 ? -errno : 0;
}

/* The same file: the inode, and for a device node the device it is. */
static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       (a->st_mode & S_IFMT) == (b->st_mode & S_IFMT) && a->st_rdev == b->st_rdev;
}

/* path opened as a handle (O_PATH), and what it is: the fd, or -errno. */
static int open_handle(const char *path, struct stat *ret)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);

	memset(ret, 0, sizeof(*ret));
	if (fd < 0)
		return -errno;
	if (fstat(fd, ret) < 0)
		return -errno;
	return take_fd(&fd);
}

/* Opens the target's device or image: the file resolve() looked at, never
 * a name looked up again (a symlink swapped since cannot redirect it). It
 * is reopened through its handle in /proc/self/fd; without /proc, by name
 * and then checked to be the same file. -ENODEV: there is no device;
 * -ESTALE: the name leads elsewhere now. Writing to an unmounted block
 * device takes it with O_EXCL (the kernel then refuses to mount it
 * meanwhile, and it fails if anything holds it); an image is locked with
 * flock. */
static int dev_open(const struct target *t, bool write, bool excl, int *ret_fd,
		    uint64_t *ret_size)
{
	int flags = (write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY |
		    (excl && t->is_block ? O_EXCL : 0);
	char self[64];
	_cleanup_close_ int fd = -1;
	struct stat st;
	uint64_t size;

	if (t->fd < 0)
		return -ENODEV;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", t->fd);
	fd = open(self, flags);
	if (fd < 0 && errno == ENOENT && access("/proc/self/fd", F_OK) < 0)
		fd = open(t->dev, flags);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!same_file(&st, &t->st))
		return -ESTALE;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0)
			return -errno;
	} else {
		size = (uint64_t)st.st_size;
		if (write && flock(fd, LOCK_EX | LOCK_NB) < 0)
			return -errno;
	}
	*ret_fd = take_fd(&fd);
	*ret_size = size;
	return 0;
}

/* "cannot open DEV" for a failed dev_open(), the reasons of its own told
 * in words. */
static void dev_open_failed(const struct target *t, int err, bool write)
{
	if (err == -ESTALE)
		msg_err("%s: not opened: the name leads to another file now than the one "
			"checked (replaced meanwhile)",
			t->dev);
	else if (err == -ENODEV)
		msg_err("%s is mounted from '%s', which is not a device: there is nothing to "
			"read directly",
			t->mnt.mountpoint, t->mnt.source);
	else
		msg_errno(err, "cannot open %s%s", t->dev, write ? " for writing" : "");
}

/* --- finding out what the argument is --- */

/* The loop device l, as a handle in t, if it is still that device. */
static bool take_loop(struct target *t, const struct loopdev *l)
{
	struct stat st;
	int fd = open_handle(l->path, &st);

	if (fd < 0)
		return false;
	if (!S_ISBLK(st.st_mode) || st.st_rdev != l->rdev) {
		close(fd);
		return false;
	}
	safe_close(t->fd);
	t->fd = fd;
	t->st = st;
	snprintf(t->dev, sizeof(t->dev), "%s", l->path);
	t->rdev = l->rdev;
	t->is_block = true;
	return true;
}

/* The mount's source as the device to read, when it is one: an absolute
 * path to a block device. tmpfs, proc and the like have none ("none" is
 * not a file in the current directory). */
static void take_source(struct target *t)
{
	struct stat st;
	int fd;

	snprintf(t->dev, sizeof(t->dev), "%s", t->mnt.source);
	if (t->mnt.source[0] != '/')
		return;
	fd = open_handle(t->mnt.source, &st);
	if (fd < 0)
		return;
	if (!S_ISBLK(st.st_mode)) {
		close(fd);
		return;
	}
	t->fd = fd;
	t->st = st;
	t->is_block = true;
	t->rdev = st.st_rdev;
}

/* What arg is, decided on one handle opened here: its stat says device,
 * image or mount point, and every later open is of that same file. */
static int resolve(struct target *t, const char *arg)
{
	_cleanup_close_ int dirfd = -1;
	char self[64];
	struct stat st;
	int r, fd;

	t->fd = -1;
	fd = open_handle(arg, &st);
	if (fd < 0)
		return fd;
	if (S_ISBLK(st.st_mode) || S_ISREG(st.st_mode)) {
		t->fd = fd;
		t->st = st;
	} else if (S_ISDIR(st.st_mode)) {
		dirfd = fd;
	} else {
		close(fd);
	}
	if (S_ISBLK(st.st_mode)) {
		snprintf(t->dev, sizeof(t->dev), "%s", arg);
		t->is_block = true;
		t->rdev = st.st_rdev;
		r = devmount_of_dev(t->rdev, &t->mnt);
		if (r < 0)
			return r;
		t->mounted = r > 0;
	} else if (S_ISREG(st.st_mode)) {
		struct loopdev loops[8];
		int n = loopdevs_of_file(st.st_dev, st.st_ino, loops, ARRAY_SIZE(loops));

		t->image = arg;
		snprintf(t->dev, sizeof(t->dev), "%s", arg);
		if (n < 0)
			n = 0; /* no sysfs: nothing can be seen attached */
		for (int i = 0; i < n && i < (int)ARRAY_SIZE(loops) && !t->mounted; i++) {
			r = devmount_of_dev(loops[i].rdev, &t->mnt);
			if (r < 0)
				return r;
			/* In use through the loop device: work there (and
			 * never on the image behind its back). */
			if (r > 0) {
				t->mounted = true;
				if (!take_loop(t, &loops[i]))
					return -ESTALE;
			}
		}
		/* Attached but not mounted: go through the loop device all the
		 * same, so its page cache never holds stale sectors. */
		for (int i = 0; i < n && i < (int)ARRAY_SIZE(loops) && !t->is_block; i++)
			if (loops[i].offset == 0)
				take_loop(t, &loops[i]);
	} else if (S_ISDIR(st.st_mode)) {
		/* The directory looked at, not the name again. */
		snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
		r = devmount_of_path(access(self, F_OK) == 0 ? self : arg, &t->mnt);
		if (r < 0)
			return r;
		if (r == 0)
			return -ENOTDIR;
		t->mounted = true;
		take_source(t);
	} else {
		return -ENODEV;
	}
	if (t->mounted) {
		snprintf(t->fstype, sizeof(t->fstype), "%s", t->mnt.fstype);
		t->is_fat = fat_type(t->fstype);
	}
	return 0;
}

/* An unmounted target: FAT (our own check), or what libblkid finds. A
 * target that is neither stays unknown, to be reported as not FAT. */
static void detect(struct target *t)
{
	struct fat_vol v;
	struct fat_io io = { .read = io_read };
	struct blk_info bi;
	_cleanup_close_ int fd = -1;

	if (t->mounted)
		return;
	if (dev_open(t, false, false, &fd, &io.size) < 0)
		return;
	io.arg = &fd;
	if (fat_open(&io, &v, NULL, 0) == 0) {
		snprintf(t->fstype, sizeof(t->fstype), "vfat");
		t->is_fat = true;
	} else if (blk_probe_fd(fd, &bi) > 0) {
		/* A FAT that only libblkid accepts is still FAT: fat_open will
		 * say what is wrong with it when it is used. */
		t->is_fat = fat_type(bi.type);
		snprintf(t->fstype, sizeof(t->fstype), "%s", t->is_fat ? "vfat" : bi.type);
	}
}

/* One line for a failure of lib/fat: its reason (which names the system's
 * error when there was one). */
static void fat_failed(const struct target *t, int r, const char *why)
{
	if (r == -EINVAL && !t->is_fat)
		msg_err("%s: %s; and no other filesystem found", t->dev, why);
	else
		msg_err("%s: %s", t->dev, why);
}

/* --- reading --- */

static void uuid_text(const uint8_t *u, unsigned len, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < len && used + 3 < outlen; i++) {
		bool dash = len == 16 && (i == 4 || i == 6 || i == 8 || i == 10);

		used += (size_t)snprintf(out + used, outlen - used, "%s%02x", dash ? "-" : "",
					 u[i]);
	}
}

/* Label and ID of a FAT through lib/fat. why gets the reason on failure. */
static int read_fat(const struct fatlabel *fl, int fd, uint64_t size, struct result *res,
		    char *why, size_t len)
{
	struct fat_io io = { .read = io_read, .arg = &fd, .size = size };
	struct fat_vol v;
	struct fat_root root;
	uint8_t bytes[FAT_LABEL_LEN];
	size_t n;
	int r;

	r = fat_open(&io, &v, why, len);
	if (r < 0)
		return r;
	r = fat_scan_root(&v, &root, why, len);
	if (r < 0)
		return r;
	res->fat = true;
	res->fat_bits = v.bits;
	res->has_label = root.has_label && fat_label_bytes(root.label, false, bytes, &n);
	if (res->has_label)
		res->label_len = fat_label_text(fl->o.cp, bytes, n, res->label, sizeof(res->label));
	res->has_boot_label = v.has_boot_label && fat_label_bytes(v.boot_label, true, bytes, &n);
	if (res->has_boot_label)
		res->boot_label_len =
			fat_label_text(fl->o.cp, bytes, n, res->boot_label, sizeof(res->boot_label));
	res->has_id = v.has_serial;
	if (v.has_serial)
		fat_serial_text(v.serial, res->volume_id);
	if (v.bits_by_layout)
		msg_info("%s: FAT32 layout with only %u clusters (the specification says FAT%u "
			 "below 65525): read as FAT32, as Linux does",
			 fl->t.dev, v.clusters, v.clusters < 4085 ? 12 : 16);
	return 0;
}

/* The device read directly: FAT by lib/fat, anything else by libblkid. */
static int read_device(const struct fatlabel *fl, struct result *res)
{
	char why[FAT_WHY_MAX];
	struct blk_info bi;
	_cleanup_close_ int fd = -1;
	uint64_t size;
	int r;

	r = dev_open(&fl->t, false, false, &fd, &size);
	if (r < 0) {
		dev_open_failed(&fl->t, r, false);
		return EXIT_RUNTIME;
	}
	if (fl->t.is_fat || !fl->t.fstype[0]) {
		r = read_fat(fl, fd, size, res, why, sizeof(why));
		if (r < 0) {
			fat_failed(&fl->t, r, why);
			return EXIT_RUNTIME;
		}
		return EXIT_OK;
	}
	r = blk_probe_fd(fd, &bi);
	if (r <= 0) {
		msg_err("%s: cannot read the %s label with libblkid", fl->t.dev, fl->t.fstype);
		return EXIT_RUNTIME;
	}
	res->has_label = bi.has_label;
	snprintf(res->label, sizeof(res->label), "%s", bi.label);
	res->label_len = strlen(res->label);
	res->has_id = bi.has_uuid;
	snprintf(res->volume_id, sizeof(res->volume_id), "%s", bi.uuid);
	return EXIT_OK;
}

/* The mount point, opened, and checked to be the target's mount and not
 * one stacked on top of it since: the fd, or -errno (-EXDEV for that). */
static int open_mountpoint(const struct target *t)
{
	_cleanup_close_ int fd =
		open(t->mnt.mountpoint, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct statx stx;
	bool same;

	if (fd < 0)
		return -errno;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (stx.stx_mask & STATX_MNT_ID)
		same = stx.stx_mnt_id == t->mnt.mount_id;
	else /* before 5.8 */
		same = makedev(stx.stx_dev_major, stx.stx_dev_minor) == t->mnt.dev;
	if (!same)
		return -EXDEV;
	return take_fd(&fd);
}

/* "cannot open M" with the reason, EXDEV told in words. */
static void mountpoint_failed(const struct target *t, int err)
{
	if (err == -EXDEV)
		msg_err("%s: its mount at %s is covered by another mount", t->dev,
			t->mnt.mountpoint);
	else
		msg_errno(err, "cannot open %s", t->mnt.mountpoint);
}

/* What the mounted filesystem's ioctls do not give, from the device where
 * it can be read: FAT's bits and boot sector label, else the UUID through
 * libblkid. Best effort: nothing is added when the device cannot be read. */
static void read_ioctl_rest(const struct fatlabel *fl, struct result *res)
{
	struct result dev = { 0 };
	char why[FAT_WHY_MAX];
	struct blk_info bi;
	_cleanup_close_ int fd = -1;
	uint64_t size;

	if (!fl->t.is_block || dev_open(&fl->t, false, false, &fd, &size) < 0)
		return;
	if (fl->t.is_fat && read_fat(fl, fd, size, &dev, why, sizeof(why)) == 0) {
		res->fat = true;
		res->fat_bits = dev.fat_bits;
		res->has_boot_label = dev.has_boot_label;
		memcpy(res->boot_label, dev.boot_label, sizeof(res->boot_label));
		res->boot_label_len = dev.boot_label_len;
		if (!res->has_id && dev.has_id) {
			res->has_id = true;
			memcpy(res->volume_id, dev.volume_id, sizeof(res->volume_id));
		}
	} else if (!res->has_id && blk_probe_fd(fd, &bi) > 0 && bi.has_uuid) {
		res->has_id = true;
		snprintf(res->volume_id, sizeof(res->volume_id), "%s", bi.uuid);
	}
}

/* Through the mounted filesystem's ioctls; the UUID from FS_IOC_GETFSUUID,
 * or libblkid on the device when the filesystem does not give it. */
static int read_ioctl(const struct fatlabel *fl, struct result *res)
{
	char label[FSLABEL_MAX] = "";
	struct wb_fsuuid2 u = { .len = 16 };
	_cleanup_close_ int fd = open_mountpoint(&fl->t);

	if (fd < 0) {
		mountpoint_failed(&fl->t, fd);
		return EXIT_RUNTIME;
	}
	if (ioctl(fd, FS_IOC_GETFSLABEL, label) < 0) {
		msg_errno(-errno, "FS_IOC_GETFSLABEL on %s", fl->t.mnt.mountpoint);
		return EXIT_RUNTIME;
	}
	label[FSLABEL_MAX - 1] = '\0';
	res->has_label = label[0] != '\0';
	snprintf(res->label, sizeof(res->label), "%s", label);
	res->label_len = strlen(res->label);
	if (ioctl(fd, FS_IOC_GETFSUUID, &u) == 0 && u.len > 0 && u.len <= 16) {
		/* FAT gives its serial's 4 bytes, little-endian. */
		uint32_t serial = (uint32_t)u.uuid[0] | (uint32_t)u.uuid[1] << 8 |
				  (uint32_t)u.uuid[2] << 16 | (uint32_t)u.uuid[3] << 24;

		res->has_id = true;
		if (fl->t.is_fat && u.len == 4)
			fat_serial_text(serial, res->volume_id);
		else
			uuid_text(u.uuid, u.len, res->volume_id, sizeof(res->volume_id));
	}
	read_ioctl_rest(fl, res);
	return EXIT_OK;
}

/* --- output --- */

/* -v: the boot sector's label differs from the root directory's. */
/* A label for a message or a line of text: quoted, control bytes escaped
 * (out_human_text), in buf (a memory stream); none when absent. */
static const char *label_quoted(const char *s, size_t n, bool has, const char *none, char *buf,
				size_t len)
{
	FILE *f;

	if (!has)
		return none;
	f = fmemopen(buf, len, "w");
	if (!f)
		return "'?'";
	fputc('\'', f);
	out_human_text(f, s, n);
	fputc('\'', f);
	/* Too long for buf: cut, still NUL-terminated. */
	if (fclose(f) != 0)
		buf[len - 1] = '\0';
	return buf;
}

static void warn_boot_label(const struct fatlabel *fl, const struct result *res)
{
	char bootbuf[80 * 4], rootbuf[FSLABEL_MAX * 8];
	const char *boot, *root;

	if (!msg_verbose() || !res->fat ||
	    (res->has_boot_label == res->has_label &&
	     (!res->has_label || (res->label_len == res->boot_label_len &&
				  memcmp(res->label, res->boot_label, res->label_len) == 0))))
		return;
	boot = label_quoted(res->boot_label, res->boot_label_len, res->has_boot_label, "no label",
			    bootbuf, sizeof(bootbuf));
	root = label_quoted(res->label, res->label_len, res->has_label, "has no label entry",
			    rootbuf, sizeof(rootbuf));
	msg_warn("%s: the boot sector says %s, the root directory %s; the root "
		 "directory's is the label",
		 fl->t.dev, boot, root);
}

static int emit(struct fatlabel *fl, const struct result *res)
{
	const struct target *t = &fl->t;
	struct out *o = &fl->out;
	int r;

	warn_boot_label(fl, res);
	if (!fl->o.json) {
		/* Bytes from the disk: control bytes escaped, never raw. */
		if (fl->o.op == OP_GET_LABEL && res->has_label)
			out_human_text(stdout, res->label, res->label_len);
		else if (fl->o.op == OP_GET_ID && res->has_id)
			out_human_text(stdout, res->volume_id, strlen(res->volume_id));
		if (fl->o.op == OP_GET_LABEL || fl->o.op == OP_GET_ID)
			putchar('\n');
		return EXIT_OK;
	}
	out_begin(o);
	out_str(o, "source", t->dev);
	out_str(o, "image", t->image);
	out_str(o, "target", t->mounted ? t->mnt.mountpoint : NULL);
	out_str(o, "fstype", res->fat ? "vfat" : t->fstype[0] ? t->fstype : NULL);
	if (res->fat)
		out_uint(o, "fat_bits", res->fat_bits);
	else
		out_null(o, "fat_bits");
	if (res->has_label)
		out_strn(o, "label", res->label, res->label_len);
	else
		out_null(o, "label");
	if (res->has_boot_label)
		out_strn(o, "boot_label", res->boot_label, res->boot_label_len);
	else
		out_null(o, "boot_label");
	out_str(o, "volume_id", res->has_id ? res->volume_id : NULL);
	out_str(o, "method", res->method);
	out_bool(o, "mounted", t->mounted);
	r = out_end(o);
	return r < 0 ? cli_write_failed(r) : EXIT_OK;
}

/* --- writing a FAT --- */

static void tell_write(const struct fatlabel *fl, const struct fat_write_report *rep)
{
	if (rep->root_extended)
		msg_info("%s: the root directory was full: added a cluster to it", fl->t.dev);
	else if (rep->entry_created)
		msg_info("%s: created the label entry in the root directory", fl->t.dev);
	if (rep->backup_skipped)
		msg_warn("%s: the backup boot sector does not match the boot sector; left as it "
			 "was (fsck.fat can repair it)",
			 fl->t.dev);
	if (fl->o.op == OP_SET_ID && fl->t.mounted)
		msg_warn("%s: the kernel reports the old volume ID until it is mounted again",
			 fl->t.dev);
}

/* Writes the label, its removal, or the serial on the open device. */
static int write_fat(const struct fatlabel *fl, int fd, uint64_t size, unsigned flags)
{
	struct fat_io io = { io_read, io_write, io_sync, (void *)&fd, size };
	struct fat_write_report rep;
	char why[FAT_WHY_MAX];
	struct fat_vol v;
	int r;

	r = fat_open(&io, &v, why, sizeof(why));
	if (r >= 0) {
		if (fl->o.op == OP_SET_ID)
			r = fat_set_serial(&v, fl->new_id, &rep, why, sizeof(why));
		else
			r = fat_set_label(&v, fl->o.op == OP_SET_LABEL ? fl->t.label : NULL,
					  time(NULL), flags, &rep, why, sizeof(why));
	}
	if (r < 0) {
		fat_failed(&fl->t, r, why);
		return EXIT_RUNTIME;
	}
	tell_write(fl, &rep);
	return EXIT_OK;
}

/* A read by method m (from the mount's ioctls or the device), printed. */
static int read_and_emit(struct fatlabel *fl, const struct method *m, bool ioctl_path)
{
	struct result res = { .method = m->name };
	int rc = ioctl_path ? read_ioctl(fl, &res) : read_device(fl, &res);

	return rc == EXIT_OK ? emit(fl, &res) : rc;
}

/* After a write by method m: what is there now (-J), read back from where
 * it went. */
static int after_write(struct fatlabel *fl, const struct method *m, bool ioctl_path)
{
	return fl->o.json ? read_and_emit(fl, m, ioctl_path) : EXIT_OK;
}

/* --- method ioctl: FS_IOC_GETFSLABEL / FS_IOC_SETFSLABEL --- */

/* FS_IOC_GETFSLABEL on the mount at path: 0 or -errno. */
static int try_getfslabel(const char *path)
{
	char label[FSLABEL_MAX];
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return ioctl(fd, FS_IOC_GETFSLABEL, label) < 0 ? -errno : 0;
}

/* On this system in general: tried on /, and on a mounted FAT if there is
 * one, which tells whether this kernel's FAT driver has it. */
static int ioctl_probe_system(char *why, size_t len)
{
	struct devmount root, fat;
	char fatwhy[PATH_MAX + 128] = "no FAT is mounted to try it on";
	int r = devmount_of_path("/", &root), rf;

	if (r <= 0) {
		snprintf(why, len, "cannot find the mount of /");
		return r < 0 ? r : -ENOENT;
	}
	if (devmount_of_type("vfat", &fat) > 0 || devmount_of_type("msdos", &fat) > 0) {
		rf = try_getfslabel(fat.mountpoint);
		if (snprintf(fatwhy, sizeof(fatwhy), "on %s at %s: %s", fat.fstype, fat.mountpoint,
			     rf == 0 ? "works" : strerror(-rf)) >= (int)sizeof(fatwhy))
			snprintf(fatwhy, sizeof(fatwhy), "on %s: %s", fat.fstype,
				 rf == 0 ? "works" : strerror(-rf));
	}
	r = try_getfslabel("/");
	snprintf(why, len, "FS_IOC_GETFSLABEL on / (%s): %s; %s", root.fstype,
		 r == 0 ? "works" : strerror(-r), fatwhy);
	return r;
}

static int ioctl_probe(const void *ctx, char *why, size_t len)
{
	const struct fatlabel *fl = ctx;
	char label[FSLABEL_MAX];
	const char *where;
	_cleanup_close_ int fd = -1;
	int r;

	if (!fl)
		return ioctl_probe_system(why, len);
	if (!fl->t.mounted) {
		snprintf(why, len, "%s is not mounted: the label ioctls need a mounted filesystem",
			 fl->t.dev);
		return -ENOENT;
	}
	if (fl->o.op == OP_SET_ID) {
		if (fl->t.is_fat)
			snprintf(why, len, "no ioctl sets a FAT volume ID");
		else
			snprintf(why, len, "no generic ioctl sets a filesystem UUID (%s: %s)",
				 fl->t.fstype, own_tool(fl->t.fstype, true));
		return -EOPNOTSUPP;
	}
	where = fl->t.mnt.mountpoint;
	fd = open_mountpoint(&fl->t);
	if (fd < 0) {
		if (fd == -EXDEV)
			snprintf(why, len, "the mount at %s is covered by another mount", where);
		else
			snprintf(why, len, "cannot open %s: %s", where, strerror(-fd));
		return fd;
	}
	r = ioctl(fd, FS_IOC_GETFSLABEL, label) < 0 ? -errno : 0;
	if (errno_is_not_supported(r)) {
		snprintf(why, len, "%s on %s has no FS_IOC_GETFSLABEL%s", fl->t.fstype, where,
			 fl->t.is_fat ? " (the FAT driver lacks it, as of 6.18)" : "");
		return -EOPNOTSUPP;
	}
	if (r < 0) {
		snprintf(why, len, "FS_IOC_GETFSLABEL on %s: %s", where, strerror(-r));
		return r;
	}
	snprintf(why, len, "FS_IOC_GETFSLABEL works on %s (%s)", where, fl->t.fstype);
	return 0;
}

static int ioctl_run(void *ctx, const struct method *m)
{
	struct fatlabel *fl = ctx;
	char label[FSLABEL_MAX];
	_cleanup_close_ int fd = -1;
	int err;

	if (!op_writes(fl->o.op))
		return read_and_emit(fl, m, true);
	memset(label, 0, sizeof(label));
	if (fl->o.op == OP_SET_LABEL)
		snprintf(label, sizeof(label), "%s", fl->o.new_label);
	fd = open_mountpoint(&fl->t);
	if (fd < 0) {
		mountpoint_failed(&fl->t, fd);
		return EXIT_RUNTIME;
	}
	err = ioctl(fd, FS_IOC_SETFSLABEL, label) < 0 ? -errno : 0;
	if (err == -ENOTTY || err == -EOPNOTSUPP) {
		msg_err("%s on %s cannot change its label while mounted (%s): use %s",
			fl->t.fstype, fl->t.mnt.mountpoint, strerror(-err),
			own_tool(fl->t.fstype, false));
		return EXIT_UNSUPPORTED;
	}
	if (err < 0) {
		msg_errno(err, "cannot set the label of %s (%s)", fl->t.mnt.mountpoint,
			  fl->t.fstype);
		return EXIT_RUNTIME;
	}
	return after_write(fl, m, true);
}

/* --- method remount: read-only, edit the device, read-write again --- */

/* A filesystem context for the target's superblock (for /, with t NULL),
 * through the checked mount point: the fd, or -errno. */
static int pick_sb(const struct target *t)
{
	_cleanup_close_ int mfd = -1;
	int fd;

	if (!t) {
		fd = fspick(AT_FDCWD, "/", FSPICK_CLOEXEC | FSPICK_NO_AUTOMOUNT);
		return fd < 0 ? -errno : fd;
	}
	mfd = open_mountpoint(t);
	if (mfd < 0)
		return mfd;
	fd = fspick(mfd, "", FSPICK_CLOEXEC | FSPICK_EMPTY_PATH);
	return fd < 0 ? -errno : fd;
}

/* What about the target rules remount out, before anything is tried: 1 with
 * why when it is usable as it is, 0 to go on, or -errno with why. */
static int remount_target_check(const struct fatlabel *fl, char *why, size_t len)
{
	const char *where = fl->t.mnt.mountpoint;

	if (!op_writes(fl->o.op)) {
		snprintf(why, len, "reading needs no remount (method offline reads the device)");
		return -EOPNOTSUPP;
	}
	if (!fl->t.mounted) {
		snprintf(why, len, "%s is not mounted (method offline edits it directly)",
			 fl->t.dev);
		return -ENOENT;
	}
	if (!fl->t.is_fat) {
		snprintf(why, len,
			 "%s on %s is not FAT: remounting to edit the device is for FAT only",
			 fl->t.fstype, fl->t.dev);
		return -EOPNOTSUPP;
	}
	if (!fl->t.is_block) {
		snprintf(why, len, "%s is mounted from %s, not from a block device", where,
			 fl->t.dev);
		return -ENODEV;
	}
	if (fl->t.mnt.sb_ro) {
		snprintf(why, len, "%s is mounted read-only: the device is edited as it is",
			 where);
		return 1;
	}
	return 0;
}

static int remount_probe(const void *ctx, char *why, size_t len)
{
	const struct fatlabel *fl = ctx;
	const char *where = fl ? fl->t.mnt.mountpoint : "/";
	_cleanup_close_ int fd = -1;
	int r;

	if (fl) {
		r = remount_target_check(fl, why, len);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	/* fspick changes nothing until fsconfig: a harmless try. */
	fd = pick_sb(fl ? &fl->t : NULL);
	if (fd < 0) {
		if (errno_is_not_supported(fd))
			snprintf(why, len, "fspick: not in this kernel (5.2+)");
		else if (errno_is_privilege(fd) && caps_need(CAP_SYS_ADMIN, why, len) < 0)
			; /* why says which capability */
		else if (fd == -EXDEV)
			snprintf(why, len, "the mount at %s is covered by another mount", where);
		else
			snprintf(why, len, "fspick %s: %s", where, strerror(-fd));
		return fd;
	}
	snprintf(why, len, "fspick works on %s: remount read-only, edit, remount read-write",
		 where);
	return 0;
}

/* Sets the superblock read-only or read-write, nothing else: the mount's
 * own flags and the filesystem's options stay as they are. */
static int set_sb_ro(const struct target *t, bool ro)
{
	_cleanup_close_ int fd = pick_sb(t);

	if (fd < 0)
		return fd;
	if (fsconfig(fd, FSCONFIG_SET_FLAG, ro ? "ro" : "rw", NULL, 0) < 0 ||
	    fsconfig(fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* A dry run on the device as it is, so bad input never costs a remount. */
static int remount_precheck(const struct fatlabel *fl)
{
	struct fat_io io = { .read = io_read };
	char why[FAT_WHY_MAX];
	struct fat_root root = { 0 };
	struct fat_vol v;
	_cleanup_close_ int fd = -1;
	int r;

	r = dev_open(&fl->t, false, false, &fd, &io.size);
	if (r < 0) {
		dev_open_failed(&fl->t, r, false);
		return EXIT_RUNTIME;
	}
	io.arg = &fd;
	r = fat_open(&io, &v, why, sizeof(why));
	if (r == 0)
		r = fat_scan_root(&v, &root, why, sizeof(why));
	fd = safe_close(fd);
	if (r < 0) {
		fat_failed(&fl->t, r, why);
		return EXIT_RUNTIME;
	}
	if (fl->o.op == OP_SET_LABEL && !root.has_label && !root.has_free) {
		msg_err("%s: the root directory is full, and a mounted FAT's directory is not "
			"extended behind its driver's back: unmount it first",
			fl->t.dev);
		return EXIT_RUNTIME;
	}
	if (fl->o.op == OP_SET_ID && !v.has_serial) {
		msg_err("%s: the boot sector has no extended BPB, so no volume ID field",
			fl->t.dev);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* The edit itself, on the read-only FAT: the device opened for writing. */
static int remount_write(const struct fatlabel *fl)
{
	_cleanup_close_ int fd = -1;
	uint64_t size;
	int r;

	r = dev_open(&fl->t, true, false, &fd, &size);
	if (r == -EBUSY) {
		msg_err("cannot open %s for writing: this kernel does not allow writes "
			"to a mounted device",
			fl->t.dev);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		dev_open_failed(&fl->t, r, true);
		return EXIT_RUNTIME;
	}
	return write_fat(fl, fd, size, FAT_WRITE_NO_ALLOC);
}

/* Read-only, the edit, read-write again (a FAT already read-only is edited
 * as it is). */
static int remount_edit(const struct fatlabel *fl)
{
	const char *mp = fl->t.mnt.mountpoint;
	int rc, r;

	if (fl->t.mnt.sb_ro)
		return remount_write(fl);
	r = set_sb_ro(&fl->t, true);
	if (r == -EBUSY) {
		msg_err("cannot remount %s read-only: files are open for writing there; "
			"close them and try again (nothing was changed)",
			mp);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		msg_errno(r, "cannot remount %s read-only (nothing was changed)", mp);
		return EXIT_RUNTIME;
	}
	msg_info("remounted %s read-only", mp);
	rc = remount_write(fl);
	r = set_sb_ro(&fl->t, false);
	if (r < 0) {
		msg_errno(r, "%s is left read-only: cannot remount it read-write", mp);
		return EXIT_RUNTIME;
	}
	msg_info("remounted %s read-write", mp);
	return rc;
}

static int remount_run(void *ctx, const struct method *m)
{
	struct fatlabel *fl = ctx;
	sigset_t old;
	int rc, r;

	rc = remount_precheck(fl);
	if (rc != EXIT_OK)
		return rc;
	/* No signal may leave the filesystem read-only halfway: every one
	 * that would end (or stop) us waits until it is read-write again. */
	r = sig_block_fatal(&old);
	if (r < 0) {
		msg_errno(r, "cannot block signals (nothing was changed)");
		return EXIT_RUNTIME;
	}
	rc = remount_edit(fl);
	sig_restore(&old);
	return rc == EXIT_OK ? after_write(fl, m, false) : rc;
}

/* --- method offline: the device or image itself --- */

static int offline_probe(const void *ctx, char *why, size_t len)
{
	const struct fatlabel *fl = ctx;
	const struct target *t = fl ? &fl->t : NULL;

	if (!fl) {
		snprintf(why, len, "reads devices and images directly; writes them when unmounted");
		return 0;
	}
	if (t->fd < 0) {
		snprintf(why, len, "%s is mounted from '%s', not from a device or image",
			 t->mnt.mountpoint, t->dev);
		return -ENODEV;
	}
	if (!op_writes(fl->o.op)) {
		snprintf(why, len, "reads %s directly", t->dev);
		return 0;
	}
	if (t->fstype[0] && !t->is_fat) {
		bool uuid = fl->o.op == OP_SET_ID;

		if (uuid || !t->mounted)
			snprintf(why, len, "%s on %s%s: fatlabel writes only FAT directly; use %s",
				 t->fstype, t->dev, t->mounted ? " is mounted" : " is not mounted",
				 own_tool(t->fstype, uuid));
		else
			snprintf(why, len, "%s on %s is mounted at %s: never written directly; "
				 "its label is changed through the kernel (method ioctl) or %s",
				 t->fstype, t->dev, t->mnt.mountpoint, own_tool(t->fstype, false));
		return -EOPNOTSUPP;
	}
	if (t->mounted) {
		snprintf(why, len,
			 "%s is mounted at %s: a mounted FAT is never written directly "
			 "(method remount does it)",
			 t->dev, t->mnt.mountpoint);
		return -EBUSY;
	}
	snprintf(why, len, "%s is not mounted: edited directly", t->dev);
	return 0;
}

static int offline_run(void *ctx, const struct method *m)
{
	struct fatlabel *fl = ctx;
	_cleanup_close_ int fd = -1;
	uint64_t size;
	int rc, r;

	if (!op_writes(fl->o.op))
		return read_and_emit(fl, m, false);
	r = dev_open(&fl->t, true, true, &fd, &size);
	if (r < 0) {
		if (r == -EBUSY || r == -EWOULDBLOCK)
			msg_err("%s is in use (mounted, or opened exclusively or locked by another "
				"program)",
				fl->t.dev);
		else
			dev_open_failed(&fl->t, r, true);
		return EXIT_RUNTIME;
	}
	rc = write_fat(fl, fd, size, 0);
	fd = safe_close(fd);
	return rc == EXIT_OK ? after_write(fl, m, false) : rc;
}

/* --- command line --- */

static int parse_args(int argc, char **argv, struct fatlabel_opts *o)
{
	bool reset = false, id = false, new_id = false;
	const char *id_arg = NULL;
	uint64_t cpnum;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->cp = codepage_find(850);
	while ((c = getopt_long(argc, argv, "ri::c:JvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': reset = true; break;
		case 'i':
			id = true;
			if (optarg)
				id_arg = optarg;
			break;
		case OPT_NEW_ID: new_id = true; break;
		case 'c':
			if (parse_u64(optarg, 1, 65535, &cpnum) < 0 ||
			    !codepage_find((unsigned)cpnum))
				return msg_usage("unsupported code page '%s' (built in: %s)",
						 optarg, codepage_list());
			o->cp = codepage_find((unsigned)cpnum);
			break;
		case 'J': o->json = true; break;
		case OPT_METHOD: o->method = optarg; break;
		case 'v': msg_set_verbose(true); break;
		default: return cli_ending_option(c, usage_text);
		}
	}
	r = cli_check_method(&fatlabel_methods, o->method);
	if (r != CLI_CONTINUE)
		return r;
	if (optind >= argc)
		return msg_usage("no device, image or mount point given");
	o->target = argv[optind++];
	if (optind < argc) {
		if (id) {
			if (id_arg)
				return msg_usage("the volume ID is given twice");
			id_arg = argv[optind++];
		} else {
			o->new_label = argv[optind++];
		}
	}
	if (optind < argc)
		return msg_usage("unexpected argument '%s'", argv[optind]);
	if (new_id || (id && reset)) {
		if (id_arg || o->new_label)
			return msg_usage("a new random volume ID takes no value");
		o->random_id = true;
		o->op = OP_SET_ID;
	} else if (id) {
		o->op = id_arg ? OP_SET_ID : OP_GET_ID;
		if (id_arg && fat_serial_parse(id_arg, &o->new_id) < 0)
			return msg_usage("invalid volume ID '%s' (want 1234-ABCD or 8 hex digits)",
					 id_arg);
	} else if (reset) {
		if (o->new_label)
			return msg_usage("--reset takes no label");
		o->op = OP_RESET_LABEL;
	} else {
		o->op = o->new_label ? OP_SET_LABEL : OP_GET_LABEL;
		if (o->new_label && !o->new_label[0])
			return msg_usage("the new label is empty (--reset removes the label)");
	}
	return CLI_CONTINUE;
}

/* --- before the run --- */

/* What the argument is, and what is on it: CLI_CONTINUE or EXIT_RUNTIME. */
static int find_target(struct fatlabel *fl)
{
	int r = resolve(&fl->t, fl->o.target);

	if (r == -ENOTDIR) {
		msg_err("%s is a directory but not a mount point", fl->o.target);
		return EXIT_RUNTIME;
	}
	if (r == -ENODEV) {
		msg_err("%s is not a block device, an image file or a mount point", fl->o.target);
		return EXIT_RUNTIME;
	}
	if (r == -ESTALE) {
		msg_err("%s changed while it was being looked at (its loop device went away)",
			fl->o.target);
		return EXIT_RUNTIME;
	}
	if (r < 0) {
		msg_errno(r, "cannot open %s", fl->o.target);
		return EXIT_RUNTIME;
	}
	detect(&fl->t);
	if (fl->t.mounted)
		msg_info("%s is mounted at %s (%s, %s)", fl->t.dev, fl->t.mnt.mountpoint,
			 fl->t.fstype, fl->t.mnt.sb_ro ? "read-only" : "read-write");
	return CLI_CONTINUE;
}

/* The new label against the target's rules, before any method runs:
 * CLI_CONTINUE or EXIT_USAGE. */
static int check_label(struct fatlabel *fl)
{
	const struct fs_tool *tool;
	char why[FAT_WHY_MAX];
	bool lower = false;

	if (fl->o.op != OP_SET_LABEL)
		return CLI_CONTINUE;
	if (fl->t.is_fat || !fl->t.fstype[0]) {
		if (fat_label_encode(fl->o.cp, fl->o.new_label, fl->t.label, &lower, why,
				     sizeof(why)) < 0) {
			msg_err("invalid label '%s': %s", fl->o.new_label, why);
			return EXIT_USAGE;
		}
		if (lower)
			msg_warn("label '%s' has lower-case letters: kept as given, but DOS and "
				 "Windows expect upper case",
				 fl->o.new_label);
		return CLI_CONTINUE;
	}
	tool = tool_for(fl->t.fstype);
	if (tool && tool->label_max && strlen(fl->o.new_label) > tool->label_max) {
		msg_err("invalid label '%s': %zu bytes; %s labels hold at most %u",
			fl->o.new_label, strlen(fl->o.new_label), fl->t.fstype, tool->label_max);
		return EXIT_USAGE;
	}
	return CLI_CONTINUE;
}

/* The volume ID to write: the one given, or a random one (getrandom failing
 * is a runtime failure). CLI_CONTINUE or EXIT_RUNTIME. */
static int pick_new_id(struct fatlabel *fl)
{
	ssize_t n;

	fl->new_id = fl->o.new_id;
	if (!fl->o.random_id)
		return CLI_CONTINUE;
	n = getrandom(&fl->new_id, sizeof(fl->new_id), 0);
	if (n != (ssize_t)sizeof(fl->new_id)) {
		msg_errno(n < 0 ? -errno : -EIO, "cannot get random bytes for a volume ID");
		return EXIT_RUNTIME;
	}
	msg_info("new volume ID %04X-%04X", fl->new_id >> 16, fl->new_id & 0xffff);
	return CLI_CONTINUE;
}

/* Everything before the run: CLI_CONTINUE or the exit code. */
static int prepare(struct fatlabel *fl)
{
	int r = find_target(fl);

	if (r == CLI_CONTINUE)
		r = check_label(fl);
	if (r == CLI_CONTINUE)
		r = pick_new_id(fl);
	out_init(&fl->out, stdout, OUT_JSON);
	return r;
}

int fatlabel_main(int argc, char **argv); /* for cmd/wishbox.c, through cmd/tools.h */

int fatlabel_main(int argc, char **argv)
{
	struct fatlabel fl;
	int r;

	memset(&fl, 0, sizeof(fl));
	fl.t.fd = -1;
	r = parse_args(argc, argv, &fl.o);
	if (r == CLI_CONTINUE)
		r = prepare(&fl);
	if (r == CLI_CONTINUE)
		r = cli_run_method(&fatlabel_methods, fl.o.method, &fl);
	safe_close(fl.t.fd);
	return r;
}
