/* FAT labels and serials: boot sector validation, the root directory walk,
 * and the three-place write. Offsets and rules follow the Microsoft FAT
 * specification (fatgen103). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fat.h"

#define FAT_MAX_SECTOR 4096
#define DIRENT_SIZE 32
#define ATTR_DIRECTORY 0x10
#define ATTR_VOLUME_ID 0x08
#define ATTR_LONG_NAME 0x0f
#define ENTRY_FREE 0xe5
#define ENTRY_END 0x00
#define FAT32_MASK 0x0fffffffu
#define FAT32_BAD 0x0ffffff7u
#define FAT32_EOC_MIN 0x0ffffff8u
/* A FAT directory holds at most 65536 entries (2 MiB). */
#define DIR_MAX_BYTES (65536u * DIRENT_SIZE)
#define FSI_LEAD_SIG 0x41615252u
#define FSI_STRUC_SIG 0x61417272u
#define FSI_TRAIL_SIG 0xaa550000u

static const uint8_t no_name[FAT_LABEL_LEN] = "NO NAME    ";

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

static void set_why(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
}

/* Says why in why (len bytes) and is err: `return fail(-EINVAL, ...)`. A
 * macro, so that the analyzers see the value each step returns. */
#define fail(err, why, len, ...) (set_why((why), (len), __VA_ARGS__), (err))

/* An I/O step that failed: what, and the system's reason ("cannot write
 * the FAT: No space left on device"). */
#define io_fail(err, why, len, what) (set_why((why), (len), "%s: %s", (what), strerror(-(err))), (err))

/* Reads inside the volume only: every offset computed from a validated boot
 * sector lies inside it, and this keeps it so. */
static int vol_read(const struct fat_vol *v, uint64_t off, void *buf, size_t len)
{
	if (off > v->io->size || len > v->io->size - off)
		return -EIO;
	return v->io->read(v->io->arg, off, buf, len);
}

static int vol_write(const struct fat_vol *v, uint64_t off, const void *buf, size_t len)
{
	if (!v->io->write)
		return -EROFS;
	if (off > v->io->size || len > v->io->size - off)
		return -EIO;
	return v->io->write(v->io->arg, off, buf, len);
}

/* Sector 0, read: a jump instruction first and 55 AA at byte 510. */
static int read_boot_sector(struct fat_vol *v, char *why, size_t len)
{
	const struct fat_io *io = v->io;
	const uint8_t *b = v->boot;
	int r;

	if (io->size < sizeof(v->boot))
		return fail(-EINVAL, why, len, "too small for a boot sector (%llu bytes)",
			    (unsigned long long)io->size);
	r = io->read(io->arg, 0, v->boot, sizeof(v->boot));
	if (r < 0)
		return io_fail(r, why, len, "cannot read the boot sector");
	if (b[0] != 0xeb && b[0] != 0xe9)
		return fail(-EINVAL, why, len,
			    "no FAT boot sector: byte 0 is 0x%02x, not a jump instruction", b[0]);
	if (b[510] != 0x55 || b[511] != 0xaa)
		return fail(-EINVAL, why, len,
			    "no FAT boot sector: no 55 AA signature at byte 510");
	return 0;
}

/* The BIOS parameter block's fields, each checked on its own. */
static int read_bpb(struct fat_vol *v, char *why, size_t len)
{
	const uint8_t *b = v->boot;
	uint32_t fat16 = le16(b + 22), tot16 = le16(b + 19);

	v->sector_size = le16(b + 11);
	if (!pow2(v->sector_size) || v->sector_size < 512 || v->sector_size > FAT_MAX_SECTOR)
		return fail(-EINVAL, why, len,
			    "sector size %u is not a power of two from 512 to 4096",
			    v->sector_size);
	v->cluster_sectors = b[13];
	if (!pow2(v->cluster_sectors))
		return fail(-EINVAL, why, len,
			    "sectors per cluster %u is not a power of two from 1 to 128",
			    v->cluster_sectors);
	v->reserved_sectors = le16(b + 14);
	if (v->reserved_sectors == 0)
		return fail(-EINVAL, why, len, "no reserved sectors (the boot sector is one)");
	v->fats = b[16];
	if (v->fats == 0)
		return fail(-EINVAL, why, len, "the number of FATs is 0");
	v->root_entries = le16(b + 17);
	if (b[21] != 0xf0 && b[21] < 0xf8)
		return fail(-EINVAL, why, len, "media byte 0x%02x is not a FAT media type", b[21]);
	v->fat_sectors = fat16 ? fat16 : le32(b + 36);
	if (v->fat_sectors == 0)
		return fail(-EINVAL, why, len, "the FAT size is 0 sectors");
	v->total_sectors = tot16 ? tot16 : le32(b + 32);
	if (v->total_sectors == 0)
		return fail(-EINVAL, why, len, "the total sector count is 0");
	return 0;
}

/* Where the root directory and the data start, and how many clusters. */
static int locate_areas(struct fat_vol *v, char *why, size_t len)
{
	uint32_t root_sectors =
		(v->root_entries * DIRENT_SIZE + v->sector_size - 1) / v->sector_size;
	uint64_t meta = v->reserved_sectors + (uint64_t)v->fats * v->fat_sectors + root_sectors;

	if (meta >= v->total_sectors)
		return fail(-EINVAL, why, len,
			    "the reserved sectors, FATs and root directory (%llu sectors) leave no "
			    "room for data in %llu sectors",
			    (unsigned long long)meta, (unsigned long long)v->total_sectors);
	if ((v->total_sectors - meta) / v->cluster_sectors > 0x0ffffff5)
		return fail(-EINVAL, why, len, "more clusters than FAT32 can number");
	v->clusters = (uint32_t)((v->total_sectors - meta) / v->cluster_sectors);
	if (v->clusters == 0)
		return fail(-EINVAL, why, len, "no data clusters");
	v->root_sector = v->reserved_sectors + (uint64_t)v->fats * v->fat_sectors;
	v->data_sector = meta;
	return 0;
}

/* FAT32's own fields: the root directory's cluster, the active FAT, the
 * FSInfo and backup boot sectors. */
static int read_fat32_fields(struct fat_vol *v, char *why, size_t len)
{
	const uint8_t *b = v->boot;
	uint16_t flags = le16(b + 40);

	if (le16(b + 22) != 0)
		return fail(-EINVAL, why, len,
			    "%u clusters make FAT32, but the boot sector has a FAT12/16 "
			    "FAT size field",
			    v->clusters);
	if (v->root_entries != 0)
		return fail(-EINVAL, why, len,
			    "%u clusters make FAT32, but the boot sector gives a fixed "
			    "root directory",
			    v->clusters);
	/* The 16-bit total sector count should be 0 here, but mkfs.vfat
	 * writes it on small volumes, and Linux reads it. */
	v->root_cluster = le32(b + 44);
	if (v->root_cluster < 2 || v->root_cluster > v->clusters + 1)
		return fail(-EINVAL, why, len,
			    "root directory cluster %u is outside clusters 2..%u",
			    v->root_cluster, v->clusters + 1);
	v->mirrored = !(flags & 0x80);
	v->active_fat = v->mirrored ? 0 : flags & 0x0f;
	if (v->active_fat >= v->fats)
		return fail(-EINVAL, why, len, "active FAT %u of %u", v->active_fat, v->fats);
	v->fsinfo_sector = le16(b + 48);
	if (v->fsinfo_sector == 0xffff || v->fsinfo_sector >= v->reserved_sectors)
		v->fsinfo_sector = 0;
	v->backup_sector = le16(b + 50);
	if (v->backup_sector == 0xffff)
		v->backup_sector = 0;
	if (v->backup_sector &&
	    (v->backup_sector >= v->reserved_sectors || v->backup_sector == v->fsinfo_sector))
		return fail(-EINVAL, why, len,
			    "backup boot sector %u is not a free reserved sector "
			    "(%u reserved, FSInfo at %u)",
			    v->backup_sector, v->reserved_sectors, v->fsinfo_sector);
	v->ext_offset = 0x40;
	return 0;
}

/* The FAT type, and the fields that go with it. The type is the cluster
 * count's (the specification); a FAT32 layout with fewer clusters
 * (mkfs.vfat -F 32 on a small volume) is FAT32 to Linux and dosfstools, so
 * it is here, and said so. */
static int decide_type(struct fat_vol *v, char *why, size_t len)
{
	bool fat16_size = le16(v->boot + 22) != 0;

	v->bits = v->clusters < 4085 ? 12 : v->clusters < 65525 ? 16 : 32;
	if (!fat16_size && v->root_entries == 0 && v->bits != 32) {
		v->bits = 32;
		v->bits_by_layout = true;
	}
	if (v->bits == 32)
		return read_fat32_fields(v, why, len);
	if (v->root_entries == 0)
		return fail(-EINVAL, why, len,
			    "%u clusters make FAT%u, but there is no root directory", v->clusters,
			    v->bits);
	if (!fat16_size)
		return fail(-EINVAL, why, len,
			    "%u clusters make FAT%u, but the FAT size is in the FAT32 field",
			    v->clusters, v->bits);
	v->mirrored = true;
	v->ext_offset = 0x24;
	return 0;
}

/* Each FAT has room for every cluster's entry; the volume fits the device. */
static int check_sizes(const struct fat_vol *v, char *why, size_t len)
{
	uint64_t cap = (uint64_t)v->fat_sectors * v->sector_size * 8 / v->bits;
	uint64_t bytes = v->total_sectors * v->sector_size;

	if (cap < (uint64_t)v->clusters + 2)
		return fail(-EINVAL, why, len,
			    "a FAT of %u sectors has room for %llu entries, not the %u that %u "
			    "clusters need",
			    v->fat_sectors, (unsigned long long)cap, v->clusters + 2, v->clusters);
	if (bytes > v->io->size)
		return fail(-EINVAL, why, len,
			    "the boot sector gives %llu bytes, but there are only %llu "
			    "(truncated?)",
			    (unsigned long long)bytes, (unsigned long long)v->io->size);
	return 0;
}

/* The extended boot signature: 0x29 has the serial and the label, 0x28
 * the serial alone. */
static void read_ext_bpb(struct fat_vol *v)
{
	const uint8_t *ext = v->boot + v->ext_offset;

	switch (ext[2]) {
	case 0x29:
		v->has_boot_label = true;
		memcpy(v->boot_label, ext + 7, FAT_LABEL_LEN);
		/* fall through */
	case 0x28:
		v->has_serial = true;
		v->serial = le32(ext + 3);
		break;
	default:
		break;
	}
}

int fat_open(const struct fat_io *io, struct fat_vol *ret, char *why, size_t len)
{
	struct fat_vol v;
	int r;

	memset(&v, 0, sizeof(v));
	v.io = io;
	r = read_boot_sector(&v, why, len);
	if (r == 0)
		r = read_bpb(&v, why, len);
	if (r == 0)
		r = locate_areas(&v, why, len);
	if (r == 0)
		r = decide_type(&v, why, len);
	if (r == 0)
		r = check_sizes(&v, why, len);
	if (r < 0)
		return r;
	read_ext_bpb(&v);
	*ret = v;
	return 0;
}

/* One sector of the active FAT, kept between lookups. */
struct fat_cache {
	uint64_t sector; /* UINT64_MAX: empty */
	uint8_t buf[FAT_MAX_SECTOR];
};

static uint64_t fat_entry_offset(const struct fat_vol *v, uint32_t which, uint32_t clus)
{
	return ((uint64_t)v->reserved_sectors + (uint64_t)which * v->fat_sectors) * v->sector_size +
	       (uint64_t)clus * 4;
}

/* FAT32 entry of clus in the active FAT (28 bits). */
static int fat32_get(const struct fat_vol *v, struct fat_cache *c, uint32_t clus, uint32_t *ret)
{
	uint64_t off = fat_entry_offset(v, v->active_fat, clus);
	uint64_t sector = off / v->sector_size;
	int r;

	if (c->sector != sector) {
		c->sector = UINT64_MAX;
		r = vol_read(v, sector * v->sector_size, c->buf, v->sector_size);
		if (r < 0)
			return r;
		c->sector = sector;
	}
	*ret = le32(c->buf + off % v->sector_size) & FAT32_MASK;
	return 0;
}

/* The cluster after clus in a directory's chain: 0 at its end. */
static int chain_next(const struct fat_vol *v, struct fat_cache *c, uint32_t clus, uint32_t *ret,
		      char *why, size_t len)
{
	uint32_t next = 0;
	int r = fat32_get(v, c, clus, &next);

	if (r < 0)
		return io_fail(r, why, len, "cannot read the FAT");
	if (next >= FAT32_EOC_MIN) {
		*ret = 0;
		return 0;
	}
	if (next == FAT32_BAD)
		return fail(-EUCLEAN, why, len,
			    "the root directory's cluster chain reaches a bad cluster after %u",
			    clus);
	if (next < 2)
		return fail(-EUCLEAN, why, len,
			    "the root directory's cluster chain reaches a free cluster after %u",
			    clus);
	if (next > v->clusters + 1)
		return fail(-EUCLEAN, why, len,
			    "the root directory's cluster chain leaves the volume: cluster %u "
			    "points to %u (last is %u)",
			    clus, next, v->clusters + 1);
	*ret = next;
	return 0;
}

/* Walks the root's whole chain (FAT reads only), finding loops with Brent's
 * method in constant memory, and chains longer than a directory may be. */
static int root_chain_check(const struct fat_vol *v, struct fat_cache *c, uint32_t *ret_count,
			    uint32_t *ret_last, char *why, size_t len)
{
	uint32_t cluster_bytes = v->cluster_sectors * v->sector_size;
	uint32_t max = (DIR_MAX_BYTES + cluster_bytes - 1) / cluster_bytes;
	uint32_t tortoise = v->root_cluster, hare = v->root_cluster, next = 0;
	uint32_t power = 1, lam = 0, count = 1;
	int r;

	for (;;) {
		r = chain_next(v, c, hare, &next, why, len);
		if (r < 0)
			return r;
		if (next == 0)
			break;
		if (next == tortoise)
			return fail(-EUCLEAN, why, len,
				    "the root directory's cluster chain loops (at cluster %u)",
				    next);
		if (++count > max)
			return fail(-EUCLEAN, why, len,
				    "the root directory's cluster chain is longer than a "
				    "directory can be (%u clusters)",
				    max);
		hare = next;
		if (++lam == power) {
			tortoise = hare;
			power *= 2;
			lam = 0;
		}
	}
	*ret_count = count;
	*ret_last = hare;
	return 0;
}

/* The root directory, sector by sector. */
struct dir_iter {
	const struct fat_vol *v;
	struct fat_cache *cache;
	uint32_t cluster;      /* FAT32: current cluster, 0 at the end */
	uint32_t in_cluster;   /* FAT32: next sector within it */
	uint64_t index;        /* FAT12/16: next sector of the root */
	uint32_t entries_left; /* FAT12/16 */
};

static void dir_begin(struct dir_iter *it, const struct fat_vol *v, struct fat_cache *c)
{
	memset(it, 0, sizeof(*it));
	it->v = v;
	it->cache = c;
	it->cluster = v->root_cluster;
	it->entries_left = v->root_entries;
}

static uint64_t cluster_sector(const struct fat_vol *v, uint32_t clus)
{
	return v->data_sector + (uint64_t)(clus - 2) * v->cluster_sectors;
}

/* The next sector of the root: 1 and its number and entry count, 0 at the
 * end, or -errno. */
static int dir_next(struct dir_iter *it, uint64_t *ret_sector, uint32_t *ret_entries, char *why,
		    size_t len)
{
	const struct fat_vol *v = it->v;
	uint32_t per_sector = v->sector_size / DIRENT_SIZE;

	if (v->bits != 32) {
		if (it->entries_left == 0)
			return 0;
		*ret_sector = v->root_sector + it->index++;
		*ret_entries = it->entries_left < per_sector ? it->entries_left : per_sector;
		it->entries_left -= *ret_entries;
		return 1;
	}
	if (it->cluster == 0)
		return 0;
	if (it->in_cluster == v->cluster_sectors) {
		uint32_t next = 0;
		int r = chain_next(v, it->cache, it->cluster, &next, why, len);

		if (r < 0)
			return r;
		it->cluster = next;
		it->in_cluster = 0;
		if (next == 0)
			return 0;
	}
	*ret_sector = cluster_sector(v, it->cluster) + it->in_cluster++;
	*ret_entries = per_sector;
	return 1;
}

static bool is_label_entry(const uint8_t *e)
{
	return e[0] != ENTRY_FREE && e[0] != ENTRY_END && (e[11] & 0x3f) != ATTR_LONG_NAME &&
	       (e[11] & (ATTR_VOLUME_ID | ATTR_DIRECTORY)) == ATTR_VOLUME_ID &&
	       le16(e + 20) == 0 && le16(e + 26) == 0;
}

int fat_scan_root(const struct fat_vol *v, struct fat_root *ret, char *why, size_t len)
{
	struct fat_cache cache = { .sector = UINT64_MAX };
	struct fat_root root;
	struct dir_iter it;
	uint8_t sec[FAT_MAX_SECTOR];
	uint64_t sector;
	uint32_t n;
	int r;

	memset(&root, 0, sizeof(root));
	if (v->bits == 32) {
		r = root_chain_check(v, &cache, &root.chain_clusters, &root.last_cluster, why, len);
		if (r < 0)
			return r;
	}
	dir_begin(&it, v, &cache);
	while ((r = dir_next(&it, &sector, &n, why, len)) > 0) {
		r = vol_read(v, sector * v->sector_size, sec, v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, "cannot read the root directory");
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *e = sec + i * DIRENT_SIZE;
			uint64_t off = sector * v->sector_size + i * DIRENT_SIZE;

			if (e[0] == ENTRY_END || e[0] == ENTRY_FREE) {
				if (!root.has_free) {
					root.has_free = true;
					root.free_offset = off;
					root.free_is_end = e[0] == ENTRY_END;
				}
				if (e[0] == ENTRY_END)
					goto done;
				continue;
			}
			if (is_label_entry(e)) {
				root.has_label = true;
				root.label_offset = off;
				memcpy(root.label, e, FAT_LABEL_LEN);
				goto done;
			}
		}
	}
	if (r < 0)
		return r;
done:
	*ret = root;
	return 0;
}

bool fat_label_bytes(const uint8_t raw[FAT_LABEL_LEN], bool boot, uint8_t out[FAT_LABEL_LEN],
		     size_t *ret_len)
{
	size_t n = FAT_LABEL_LEN;

	if (boot && memcmp(raw, no_name, FAT_LABEL_LEN) == 0)
		return false;
	while (n > 0 && (raw[n - 1] == ' ' || raw[n - 1] == '\0'))
		n--;
	if (n == 0)
		return false;
	memcpy(out, raw, n);
	if (out[0] == 0x05)
		out[0] = ENTRY_FREE;
	*ret_len = n;
	return true;
}

size_t fat_label_text(const struct codepage *cp, const uint8_t *bytes, size_t n, char *out,
		      size_t outlen)
{
	return codepage_decode(cp, bytes, n, out, outlen);
}

int fat_label_encode(const struct codepage *cp, const char *utf8, uint8_t out[FAT_LABEL_LEN],
		     bool *ret_lower, char *why, size_t len)
{
	static const char forbidden[] = "\"*+,./:;<=>?[\\]|";
	uint8_t buf[FAT_LABEL_LEN];
	size_t n = strlen(utf8), k = 0, blanks = 0;
	bool lower = false;

	if (n == 0)
		return fail(-EINVAL, why, len, "the label is empty");
	for (size_t i = 0; i < n;) {
		uint32_t c;
		size_t m = utf8_decode(utf8 + i, n - i, &c);
		int b;

		if (m == 0)
			return fail(-EINVAL, why, len,
				    "the label is not valid UTF-8 (byte 0x%02x at %zu)",
				    (unsigned char)utf8[i], i);
		if (c < 0x20 || c == 0x7f)
			return fail(-EINVAL, why, len,
				    "control character U+%04X is not allowed in a FAT label", c);
		if (c < 0x80 && strchr(forbidden, (int)c))
			return fail(-EINVAL, why, len, "'%c' is not allowed in a FAT label",
				    (char)c);
		b = codepage_from_unicode(cp, c);
		if (b < 0)
			return fail(-EINVAL, why, len, "'%.*s' (U+%04X) is not in code page %u",
				    (int)m, utf8 + i, c, codepage_number(cp));
		if (k < FAT_LABEL_LEN)
			buf[k] = (uint8_t)b;
		k++;
		blanks += b == ' ';
		lower |= codepage_is_lower(cp, (uint8_t)b);
		i += m;
	}
	if (k > FAT_LABEL_LEN)
		return fail(-EINVAL, why, len,
			    "the label is %zu bytes in code page %u; a FAT label holds at most %d",
			    k, codepage_number(cp), FAT_LABEL_LEN);
	if (blanks == k)
		return fail(-EINVAL, why, len, "a FAT label cannot be all blank");
	if (buf[0] == ' ')
		return fail(-EINVAL, why, len, "a FAT label cannot start with a blank");
	memset(buf + k, ' ', FAT_LABEL_LEN - k);
	if (memcmp(buf, no_name, FAT_LABEL_LEN) == 0)
		return fail(-EINVAL, why, len, "'NO NAME' is what FAT stores for no label");
	memcpy(out, buf, FAT_LABEL_LEN);
	*ret_lower = lower;
	return 0;
}

/* DOS date and time (local time; 1980..2107, clamped). */
static void dos_time(time_t now, uint16_t *ret_date, uint16_t *ret_time)
{
	struct tm tm;

	if (!localtime_r(&now, &tm) || tm.tm_year < 80) {
		*ret_date = (0 << 9) | (1 << 5) | 1;
		*ret_time = 0;
		return;
	}
	if (tm.tm_year > 207) {
		*ret_date = (127 << 9) | (12 << 5) | 31;
		*ret_time = (23 << 11) | (59 << 5) | 29;
		return;
	}
	*ret_date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	*ret_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

static void fill_entry(uint8_t *e, const uint8_t *label, time_t now, bool fresh)
{
	uint16_t date, time;

	dos_time(now, &date, &time);
	if (fresh) {
		memset(e, 0, DIRENT_SIZE);
		e[11] = ATTR_VOLUME_ID;
		put16(e + 14, time);
		put16(e + 16, date);
		put16(e + 18, date);
	}
	memcpy(e, label, FAT_LABEL_LEN);
	if (e[0] == ENTRY_FREE)
		e[0] = 0x05;
	put16(e + 22, time);
	put16(e + 24, date);
}

/* Read-modify-write of one directory entry. */
static int entry_update(const struct fat_vol *v, uint64_t off, const uint8_t *label, time_t now,
			bool fresh)
{
	uint8_t sec[FAT_MAX_SECTOR];
	uint64_t start = off - off % v->sector_size;
	int r = vol_read(v, start, sec, v->sector_size);

	if (r < 0)
		return r;
	fill_entry(sec + (off - start), label, now, fresh);
	return vol_write(v, start, sec, v->sector_size);
}

/* Marks every label entry up to the end mark deleted, so that no second
 * one shows through: one pass, a sector written only where it changed. */
static int remove_labels(const struct fat_vol *v, unsigned *ret_count, char *why, size_t len)
{
	struct fat_cache cache = { .sector = UINT64_MAX };
	uint8_t sec[FAT_MAX_SECTOR];
	struct dir_iter it;
	uint64_t sector;
	unsigned count = 0;
	uint32_t n;
	int r;

	dir_begin(&it, v, &cache);
	while ((r = dir_next(&it, &sector, &n, why, len)) > 0) {
		bool changed = false, end = false;

		r = vol_read(v, sector * v->sector_size, sec, v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, "cannot read the root directory");
		for (uint32_t i = 0; i < n && !end; i++) {
			uint8_t *e = sec + i * DIRENT_SIZE;

			end = e[0] == ENTRY_END;
			if (!end && is_label_entry(e)) {
				e[0] = ENTRY_FREE;
				changed = true;
				count++;
			}
		}
		if (changed) {
			r = vol_write(v, sector * v->sector_size, sec, v->sector_size);
			if (r < 0)
				return io_fail(r, why, len, "cannot write the root directory");
		}
		if (end)
			break;
	}
	if (r < 0)
		return r;
	*ret_count = count;
	return 0;
}

/* The entry after an end mark must be free too, or taking the mark's slot
 * would bring whatever follows into the directory. */
static int after_end_is_clean(const struct fat_vol *v, const struct fat_root *root, char *why,
			      size_t len)
{
	struct fat_cache cache = { .sector = UINT64_MAX };
	uint64_t next = root->free_offset + DIRENT_SIZE;
	uint8_t e[1];
	int r;

	if (next % v->sector_size == 0) {
		/* The next sector of the directory, if there is one. */
		struct dir_iter it;
		uint64_t sector, want = root->free_offset / v->sector_size;
		uint32_t n;

		dir_begin(&it, v, &cache);
		while ((r = dir_next(&it, &sector, &n, why, len)) > 0 && sector != want)
			;
		if (r <= 0)
			return r;
		r = dir_next(&it, &sector, &n, why, len);
		if (r <= 0)
			return r;
		next = sector * v->sector_size;
	} else if (v->bits != 32 &&
		   (next - v->root_sector * v->sector_size) / DIRENT_SIZE >= v->root_entries) {
		return 0;
	}
	r = vol_read(v, next, e, 1);
	if (r < 0)
		return io_fail(r, why, len, "cannot read the root directory");
	if (e[0] != ENTRY_END)
		return fail(-EUCLEAN, why, len,
			    "the root directory has entries after its end mark (run fsck.fat)");
	return 0;
}

/* A FAT32 entry written in every FAT that is kept (all when mirrored). */
static int fat32_set(const struct fat_vol *v, uint32_t clus, uint32_t val)
{
	uint8_t sec[FAT_MAX_SECTOR];

	for (uint32_t f = 0; f < v->fats; f++) {
		uint64_t off, start;
		int r;

		if (!v->mirrored && f != v->active_fat)
			continue;
		off = fat_entry_offset(v, f, clus);
		start = off - off % v->sector_size;
		r = vol_read(v, start, sec, v->sector_size);
		if (r < 0)
			return r;
		put32(sec + (off - start), (le32(sec + (off - start)) & ~FAT32_MASK) | val);
		r = vol_write(v, start, sec, v->sector_size);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool fsinfo_valid(const uint8_t *s)
{
	return le32(s) == FSI_LEAD_SIG && le32(s + 484) == FSI_STRUC_SIG &&
	       le32(s + 508) == FSI_TRAIL_SIG;
}

/* Adds a cluster to a full FAT32 root: the new cluster is zeroed with the
 * label entry first in it, then marked as the chain's end, then linked from
 * the old last cluster, then FSInfo is updated. */
static int root_extend(const struct fat_vol *v, const struct fat_root *root, const uint8_t *label,
		       time_t now, char *why, size_t len)
{
	struct fat_cache cache = { .sector = UINT64_MAX };
	uint32_t cluster_bytes = v->cluster_sectors * v->sector_size;
	uint8_t sec[FAT_MAX_SECTOR], info[FAT_MAX_SECTOR];
	uint32_t hint = 2, found = 0, val;
	bool have_info = false;
	int r;

	if ((uint64_t)(root->chain_clusters + 1) * cluster_bytes > DIR_MAX_BYTES)
		return fail(-ENOSPC, why, len,
			    "the root directory is full and at the largest size a FAT "
			    "directory can have");
	if (v->fsinfo_sector) {
		r = vol_read(v, (uint64_t)v->fsinfo_sector * v->sector_size, info, v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, "cannot read the FSInfo sector");
		have_info = fsinfo_valid(info);
		if (have_info && le32(info + 492) >= 2 && le32(info + 492) <= v->clusters + 1)
			hint = le32(info + 492);
	}
	for (uint32_t i = 0; i < v->clusters && !found; i++) {
		uint32_t c = 2 + (hint - 2 + i) % v->clusters;

		r = fat32_get(v, &cache, c, &val);
		if (r < 0)
			return io_fail(r, why, len, "cannot read the FAT");
		if (val == 0)
			found = c;
	}
	if (!found)
		return fail(-ENOSPC, why, len,
			    "the root directory is full and the volume has no free cluster");

	for (uint32_t s = 0; s < v->cluster_sectors; s++) {
		memset(sec, 0, v->sector_size);
		if (s == 0)
			fill_entry(sec, label, now, true);
		r = vol_write(v, (cluster_sector(v, found) + s) * v->sector_size, sec,
			      v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, "cannot write the new root directory cluster");
	}
	r = fat32_set(v, found, 0x0fffffff);
	if (r >= 0)
		r = fat32_set(v, root->last_cluster, found);
	if (r < 0)
		return io_fail(r, why, len, "cannot write the FAT");
	if (have_info) {
		uint32_t free_count = le32(info + 488);

		if (free_count != 0xffffffff && free_count > 0)
			put32(info + 488, free_count - 1);
		put32(info + 492, found);
		r = vol_write(v, (uint64_t)v->fsinfo_sector * v->sector_size, info,
			      v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, "cannot write the FSInfo sector");
	}
	return 0;
}

enum boot_field { BOOT_LABEL, BOOT_SERIAL };

/* Patches the label or serial into the boot sector, then its backup. The
 * boot sector must still be the one fat_open validated; a backup whose BPB
 * differs from it is left alone (and reported). */
static int boot_update(const struct fat_vol *v, enum boot_field field, const uint8_t *label,
		       uint32_t serial, struct fat_write_report *rep, char *why, size_t len)
{
	uint8_t sec[FAT_MAX_SECTOR];
	uint32_t ext = v->ext_offset;
	int r;

	r = vol_read(v, 0, sec, v->sector_size);
	if (r < 0)
		return io_fail(r, why, len, "cannot read the boot sector");
	if (memcmp(sec, v->boot, sizeof(v->boot)) != 0)
		return fail(-ESTALE, why, len, "the boot sector changed while it was being edited");
	for (int copy = 0; copy < 2; copy++) {
		uint64_t at = copy ? (uint64_t)v->backup_sector * v->sector_size : 0;

		if (copy) {
			if (v->bits != 32 || !v->backup_sector)
				break;
			r = vol_read(v, at, sec, v->sector_size);
			if (r < 0)
				return io_fail(r, why, len, "cannot read the backup boot sector");
			/* The BPB and the extended boot signature; not the byte
			 * between, where Linux keeps its dirty flag. */
			if (memcmp(sec + 11, v->boot + 11, ext - 11) != 0 ||
			    sec[ext + 2] != v->boot[ext + 2] || sec[510] != 0x55 ||
			    sec[511] != 0xaa) {
				rep->backup_skipped = true;
				break;
			}
		}
		if (field == BOOT_LABEL)
			memcpy(sec + ext + 7, label ? label : no_name, FAT_LABEL_LEN);
		else
			put32(sec + ext + 3, serial);
		r = vol_write(v, at, sec, v->sector_size);
		if (r < 0)
			return io_fail(r, why, len, copy ? "cannot write the backup boot sector"
							 : "cannot write the boot sector");
		if (copy)
			rep->backup_written = true;
	}
	return 0;
}

/* Syncs what was written (io->sync), then hands the report on: a write
 * is done only once it is on the device. */
static int sync_writes(const struct fat_vol *v, const struct fat_write_report *rep,
		       struct fat_write_report *ret, char *why, size_t len)
{
	int r = v->io->sync ? v->io->sync(v->io->arg) : 0;

	if (r < 0)
		return io_fail(r, why, len, "cannot sync the writes");
	*ret = *rep;
	return 0;
}

/* Every write of an edit goes through a journal of what it overwrote, so
 * that a failure at any step (a full filesystem under an image, an I/O
 * error) puts back what the steps before it wrote: the volume is left as
 * it was, never half-edited (the FATs different, a cluster lost). */
struct journal_entry {
	uint64_t off;
	size_t len;
	uint8_t *old;
	bool done; /* the write succeeded (a failed one may have written part) */
};

struct journal {
	const struct fat_io *io; /* the real one */
	struct journal_entry *v;
	size_t n, cap;
};

static int journal_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct journal *j = arg;

	return j->io->read(j->io->arg, off, buf, len);
}

/* Keeps what is at off, then writes: nothing is written that could not be
 * put back. */
static int journal_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct journal *j = arg;
	struct journal_entry *e;
	int r;

	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16;
		struct journal_entry *nv = realloc(j->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		j->v = nv;
		j->cap = cap;
	}
	e = &j->v[j->n];
	e->old = malloc(len);
	if (!e->old)
		return -ENOMEM;
	r = j->io->read(j->io->arg, off, e->old, len);
	if (r < 0) {
		free(e->old);
		return r;
	}
	e->off = off;
	e->len = len;
	e->done = false;
	j->n++;
	r = j->io->write(j->io->arg, off, buf, len);
	e->done = r == 0;
	return r;
}

/* The volume v with its writes journaled in j. */
static void journal_begin(struct journal *j, const struct fat_vol *v, struct fat_io *jio,
			  struct fat_vol *jv)
{
	memset(j, 0, sizeof(*j));
	j->io = v->io;
	*jio = (struct fat_io){ .read = journal_read,
				.write = v->io->write ? journal_write : NULL,
				.sync = NULL,
				.arg = j,
				.size = v->io->size };
	*jv = *v;
	jv->io = jio;
}

static void journal_free(struct journal *j)
{
	for (size_t i = 0; i < j->n; i++)
		free(j->v[i].old);
	free(j->v);
	j->v = NULL;
	j->n = j->cap = 0;
}

/* The edit failed with err (why says how): every write is put back, last
 * first, and synced; why then says so. Returns err. */
static int journal_undo(struct journal *j, int err, char *why, size_t len)
{
	char first[FAT_WHY_MAX];
	int r = 0;

	if (j->n == 0) {
		journal_free(j);
		return err;
	}
	snprintf(first, sizeof(first), "%s", why && len ? why : "");
	/* Every one is tried; the failed write's own is put back where it
	 * can be (it may have written part), and need not be. */
	for (size_t i = j->n; i-- > 0;) {
		int w = j->io->write(j->io->arg, j->v[i].off, j->v[i].old, j->v[i].len);

		if (w < 0 && j->v[i].done && r == 0)
			r = w;
	}
	if (r == 0 && j->io->sync)
		r = j->io->sync(j->io->arg);
	if (r < 0)
		set_why(why, len, "%s; putting back what was written failed too (%s): run fsck.fat",
			first, strerror(-r));
	else
		set_why(why, len, "%s; nothing was changed", first);
	journal_free(j);
	return err;
}

/* The label edit itself, on the journaled volume. */
static int set_label(const struct fat_vol *v, const uint8_t *label, time_t now, unsigned flags,
		     struct fat_write_report *ret, char *why, size_t len)
{
	struct fat_write_report rep;
	struct fat_root root;
	int r;

	memset(&rep, 0, sizeof(rep));
	r = fat_scan_root(v, &root, why, len);
	if (r < 0)
		return r;
	if (!label) {
		if (root.has_label) {
			r = remove_labels(v, &rep.entries_removed, why, len);
			if (r < 0)
				return r;
		}
	} else if (root.has_label) {
		r = entry_update(v, root.label_offset, label, now, false);
		if (r < 0)
			return io_fail(r, why, len, "cannot write the root directory");
	} else if (root.has_free) {
		if (root.free_is_end) {
			r = after_end_is_clean(v, &root, why, len);
			if (r < 0)
				return r;
		}
		r = entry_update(v, root.free_offset, label, now, true);
		if (r < 0)
			return io_fail(r, why, len, "cannot write the root directory");
		rep.entry_created = true;
	} else if (v->bits != 32) {
		return fail(-ENOSPC, why, len,
			    "the root directory is full (%u entries): no slot for a label entry",
			    v->root_entries);
	} else if (flags & FAT_WRITE_NO_ALLOC) {
		return fail(-ENOSPC, why, len,
			    "the root directory is full, and a mounted FAT's directory is not "
			    "extended behind its driver's back: unmount it first");
	} else {
		r = root_extend(v, &root, label, now, why, len);
		if (r < 0)
			return r;
		rep.entry_created = true;
		rep.root_extended = true;
	}
	if (v->has_boot_label) {
		r = boot_update(v, BOOT_LABEL, label, 0, &rep, why, len);
		if (r < 0)
			return r;
	}
	*ret = rep;
	return 0;
}

/* Runs the edit on v through a journal: synced when every step worked,
 * else everything put back. */
static int journaled(const struct fat_vol *v, struct fat_write_report *ret, char *why, size_t len,
		     int (*edit)(const struct fat_vol *, const void *, struct fat_write_report *,
				 char *, size_t),
		     const void *arg)
{
	struct fat_write_report rep;
	struct journal j;
	struct fat_io jio;
	struct fat_vol jv;
	int r;

	memset(&rep, 0, sizeof(rep));
	journal_begin(&j, v, &jio, &jv);
	r = edit(&jv, arg, &rep, why, len);
	if (r == 0)
		r = sync_writes(v, &rep, ret, why, len);
	if (r < 0)
		return journal_undo(&j, r, why, len);
	journal_free(&j);
	return 0;
}

struct label_edit {
	const uint8_t *label;
	time_t now;
	unsigned flags;
};

static int label_edit(const struct fat_vol *v, const void *arg, struct fat_write_report *ret,
		      char *why, size_t len)
{
	const struct label_edit *e = arg;

	return set_label(v, e->label, e->now, e->flags, ret, why, len);
}

int fat_set_label(const struct fat_vol *v, const uint8_t *label, time_t now, unsigned flags,
		  struct fat_write_report *ret, char *why, size_t len)
{
	struct label_edit e = { label, now, flags };

	return journaled(v, ret, why, len, label_edit, &e);
}

static int serial_edit(const struct fat_vol *v, const void *arg, struct fat_write_report *ret,
		       char *why, size_t len)
{
	struct fat_write_report rep;
	struct fat_root root;
	int r;

	memset(&rep, 0, sizeof(rep));
	/* Nothing is written to a volume whose root directory is broken. */
	r = fat_scan_root(v, &root, why, len);
	if (r < 0)
		return r;
	r = boot_update(v, BOOT_SERIAL, NULL, *(const uint32_t *)arg, &rep, why, len);
	if (r < 0)
		return r;
	*ret = rep;
	return 0;
}

int fat_set_serial(const struct fat_vol *v, uint32_t serial, struct fat_write_report *ret,
		   char *why, size_t len)
{
	if (!v->has_serial)
		return fail(-ENOTSUP, why, len,
			    "the boot sector has no extended BPB, so no volume ID field");
	return journaled(v, ret, why, len, serial_edit, &serial);
}

void fat_serial_text(uint32_t serial, char out[10])
{
	snprintf(out, 10, "%04X-%04X", serial >> 16, serial & 0xffff);
}

int fat_serial_parse(const char *s, uint32_t *ret)
{
	uint32_t v = 0;
	int digits = 0;

	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		uint32_t d;

		if (c == '-' && i == 4 && digits == 4)
			continue;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
		if (++digits > 8)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (digits != 8)
		return -EINVAL;
	*ret = v;
	return 0;
}
