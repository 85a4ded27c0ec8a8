/* FAT12/16/32 volume labels and serial numbers, on any storage reached
 * through a small I/O callback (a device, an image, memory in the tests and
 * the fuzzer).
 *
 * A label lives in three places: a root-directory entry with the volume
 * attribute (the label, as Windows and dosfstools read it), the boot sector,
 * and on FAT32 the backup boot sector. The serial lives in the boot sector
 * and its backup. Reading touches the first 512 bytes of the boot sector and
 * the root directory (on FAT32 only the FAT sectors its cluster chain needs);
 * nothing else.
 *
 * Every function returns 0 or -errno and never prints; -EINVAL and -EUCLEAN
 * come with a one-line reason in why. The boot sector is validated in full
 * (fat_open) before anything can be written. */
#ifndef WISHBOX_FAT_H
#define WISHBOX_FAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "codepage.h"

#define FAT_LABEL_LEN 11
#define FAT_WHY_MAX 200

struct fat_io {
	/* Reads exactly len bytes at off: 0, or -errno. */
	int (*read)(void *arg, uint64_t off, void *buf, size_t len);
	/* Writes exactly len bytes at off: 0, or -errno. NULL: read-only. */
	int (*write)(void *arg, uint64_t off, const void *buf, size_t len);
	/* Makes the writes durable (fsync). May be NULL. */
	int (*sync)(void *arg);
	void *arg;
	uint64_t size; /* of the device or image, in bytes */
};

struct fat_vol {
	const struct fat_io *io;
	unsigned bits;               /* 12, 16 or 32 */
	bool bits_by_layout;         /* FAT32 layout with < 65525 clusters */
	uint32_t sector_size;        /* bytes */
	uint32_t cluster_sectors;
	uint32_t reserved_sectors;
	uint32_t fats;
	uint32_t fat_sectors;        /* per FAT */
	uint32_t root_entries;       /* FAT12/16 */
	uint64_t total_sectors;
	uint32_t clusters;           /* data clusters, numbered 2..clusters+1 */
	uint64_t root_sector;        /* FAT12/16: first sector of the root dir */
	uint64_t data_sector;        /* first sector of cluster 2 */
	uint32_t root_cluster;       /* FAT32 */
	uint32_t fsinfo_sector;      /* FAT32; 0: none */
	uint32_t backup_sector;      /* FAT32; 0: none */
	uint32_t active_fat;         /* FAT32 with mirroring off; else 0 */
	bool mirrored;               /* every FAT is written */
	uint32_t ext_offset;         /* 0x24 (FAT12/16) or 0x40 (FAT32) */
	bool has_serial;             /* extended boot signature 0x28 or 0x29 */
	bool has_boot_label;         /* 0x29: label and type fields too */
	uint32_t serial;
	uint8_t boot_label[FAT_LABEL_LEN]; /* as on disk */
	uint8_t boot[512];           /* the start of sector 0 */
};

/* Reads and validates the boot sector: the jump, the 55 AA signature, sector
 * size (512..4096, a power of two), cluster size, reserved sectors, FAT count
 * and size, root entries, total sectors against io->size, media byte; the
 * FAT type by cluster count as the Microsoft specification defines it
 * (< 4085 FAT12, < 65525 FAT16, else FAT32); FAT32 root cluster, FSInfo and
 * backup sectors. -EINVAL with why when it is not a FAT volume this code
 * may touch. */
int fat_open(const struct fat_io *io, struct fat_vol *ret, char *why, size_t len);

/* What the root directory says. */
struct fat_root {
	bool has_label;
	uint8_t label[FAT_LABEL_LEN]; /* as on disk (a leading 0x05 stays) */
	uint64_t label_offset;        /* byte offset of its entry */
	bool has_free;
	uint64_t free_offset;         /* first free slot before the end mark */
	bool free_is_end;             /* that slot is the end-of-directory mark */
	uint32_t chain_clusters;      /* FAT32: clusters in the root's chain */
	uint32_t last_cluster;        /* FAT32: the chain's last cluster */
};

/* Finds the label entry (the first entry with the volume attribute that is
 * not a long-name part, a directory or deleted) and the first free slot. On
 * FAT32 the root's whole cluster chain is checked first (reading FAT sectors
 * only): a loop, a cluster outside the volume, a free or bad cluster in it
 * give -EUCLEAN with why. Directory sectors are read up to the label entry
 * or the end mark. */
int fat_scan_root(const struct fat_vol *v, struct fat_root *ret, char *why, size_t len);

/* The 11 on-disk bytes as a label: trailing blanks cut, a leading 0x05 read
 * as 0xE5; false for none (all blank; in the boot sector, boot true, also
 * "NO NAME", the placeholder mkfs writes there). A root directory entry
 * "NO NAME" is a label of that name, as dosfstools and blkid read it. out
 * gets len bytes. */
bool fat_label_bytes(const uint8_t raw[FAT_LABEL_LEN], bool boot, uint8_t out[FAT_LABEL_LEN],
		     size_t *ret_len);

/* Checks a new label given in UTF-8 and encodes it in code page cp, space
 * padded, in out. Rules: at most 11 bytes in the code page; none of
 * " * + , . / : ; < = > ? [ \ ] | and no control characters; not "NO NAME";
 * no leading blank, not all blank, not empty. *ret_lower tells whether it
 * has lower-case letters (kept as given). -EINVAL with why naming the
 * offending character. */
int fat_label_encode(const struct codepage *cp, const char *utf8, uint8_t out[FAT_LABEL_LEN],
		     bool *ret_lower, char *why, size_t len);

/* The label as UTF-8 (NUL-terminated; out holds at least 34 bytes): its
 * length, which counts a NUL byte on disk as one too. */
size_t fat_label_text(const struct codepage *cp, const uint8_t *bytes, size_t n, char *out,
		    size_t outlen);

enum {
	FAT_WRITE_NO_ALLOC = 1 << 0, /* never allocate a cluster (mounted) */
};

/* What a write did, for the tool to tell. */
struct fat_write_report {
	bool entry_created;   /* a new root entry (not a rename of the old one) */
	bool root_extended;   /* FAT32: a cluster added to the root directory */
	bool backup_written;  /* FAT32: the backup boot sector was updated */
	bool backup_skipped;  /* FAT32: the backup does not match the boot
				 sector's BPB: left alone */
	unsigned entries_removed;
};

/* Sets the label (11 bytes from fat_label_encode) or, with label NULL,
 * removes it. Writes the root entry (renamed, or created in the first free
 * slot; on a full FAT32 root a cluster is added unless FAT_WRITE_NO_ALLOC),
 * then the boot sector, then the backup boot sector, then syncs. now stamps
 * a new entry (local time). -ENOSPC with why: no free slot. */
int fat_set_label(const struct fat_vol *v, const uint8_t *label, time_t now, unsigned flags,
		  struct fat_write_report *ret, char *why, size_t len);

/* Sets the serial in the boot sector and its backup, then syncs, once the
 * root directory checks out as for fat_scan_root. -ENOTSUP with why when
 * the boot sector has no extended BPB to hold one. */
int fat_set_serial(const struct fat_vol *v, uint32_t serial, struct fat_write_report *ret,
		   char *why, size_t len);

/* "1234-ABCD" (10 bytes with the NUL). */
void fat_serial_text(uint32_t serial, char out[10]);
/* "1234-ABCD" or "1234abcd": 0, or -EINVAL. */
int fat_serial_parse(const char *s, uint32_t *ret);

#endif
