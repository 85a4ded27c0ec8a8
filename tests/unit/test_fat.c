/* Unit tests for lib/fat on images built in memory: the BPB checks, the FAT
 * type by cluster count, the root directory walk (and its loops), label
 * rules, and what a write touches, in which order. */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/fat.h"

/* A sparse image: bytes past cap read as zeros. Writes are logged. */
struct img {
	uint8_t *d;
	size_t cap;
	uint64_t size;
	unsigned nlog;
	struct {
		uint64_t off;
		size_t len; /* 0: a sync */
	} log[64];
	int fail_write; /* the write (counting from 1) that fails with EIO, once */
	uint64_t bytes_read;
};

static struct img m;
static struct fat_io io;

static int mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct img *im = arg;

	assert_true(off + len <= im->size);
	memset(buf, 0, len);
	if (off < im->cap)
		memcpy(buf, im->d + off, off + len <= im->cap ? len : im->cap - off);
	im->bytes_read += len;
	return 0;
}

static int mem_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct img *im = arg;

	if (im->fail_write && (int)im->nlog + 1 == im->fail_write) {
		im->fail_write = 0;
		return -EIO;
	}
	assert_true(off + len <= im->cap);
	assert_true(im->nlog < 64);
	im->log[im->nlog].off = off;
	im->log[im->nlog++].len = len;
	memcpy(im->d + off, buf, len);
	return 0;
}

static int mem_sync(void *arg)
{
	struct img *im = arg;

	assert_true(im->nlog < 64);
	im->log[im->nlog].off = 0;
	im->log[im->nlog++].len = 0;
	return 0;
}

/* Little-endian fields through <endian.h>, not a copy of lib/fat.c's own
 * helpers: the images are built independently of the code under test. */
static void put16(uint8_t *p, uint16_t v)
{
	uint16_t le = htole16(v);

	memcpy(p, &le, sizeof(le));
}

static void put32(uint8_t *p, uint32_t v)
{
	uint32_t le = htole32(v);

	memcpy(p, &le, sizeof(le));
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t le;

	memcpy(&le, p, sizeof(le));
	return le32toh(le);
}

/* Geometry of the image being built. */
struct geo {
	unsigned bits; /* 12, 16, 32 (the layout) */
	uint32_t clusters, bps, spc, reserved, nfats, root_entries, fatsz;
	uint64_t root_sector, data_sector, total;
};

static struct geo g;

static void build(unsigned layout, uint32_t clusters, uint32_t bps, uint32_t spc)
{
	uint8_t *b;
	uint32_t root_sectors;

	memset(&g, 0, sizeof(g));
	g.bits = layout;
	g.clusters = clusters;
	g.bps = bps;
	g.spc = spc;
	g.nfats = 2;
	g.reserved = layout == 32 ? 32 : 1;
	g.root_entries = layout == 32 ? 0 : 512;
	g.fatsz = (uint32_t)(((uint64_t)(clusters + 2) * layout / 8 + bps - 1) / bps);
	root_sectors = g.root_entries * 32 / bps;
	g.root_sector = g.reserved + (uint64_t)g.nfats * g.fatsz;
	g.data_sector = g.root_sector + root_sectors;
	g.total = g.data_sector + (uint64_t)clusters * spc;

	free(m.d);
	memset(&m, 0, sizeof(m));
	m.size = g.total * bps;
	m.cap = (size_t)((g.data_sector + 64ull * spc) * bps);
	if (m.cap > m.size)
		m.cap = (size_t)m.size;
	m.d = calloc(1, m.cap);
	assert_non_null(m.d);
	io = (struct fat_io){ mem_read, mem_write, mem_sync, &m, m.size };

	b = m.d;
	b[0] = 0xeb;
	b[1] = layout == 32 ? 0x58 : 0x3c;
	b[2] = 0x90;
	memcpy(b + 3, "mkfs.fat", 8);
	put16(b + 11, (uint16_t)bps);
	b[13] = (uint8_t)spc;
	put16(b + 14, (uint16_t)g.reserved);
	b[16] = (uint8_t)g.nfats;
	put16(b + 17, (uint16_t)g.root_entries);
	if (g.total < 65536 && layout != 32)
		put16(b + 19, (uint16_t)g.total);
	else
		put32(b + 32, (uint32_t)g.total);
	b[21] = 0xf8;
	if (layout == 32) {
		put32(b + 36, g.fatsz);
		put32(b + 44, 2);  /* root cluster */
		put16(b + 48, 1);  /* FSInfo */
		put16(b + 50, 6);  /* backup */
		b[0x42] = 0x29;
		put32(b + 0x43, 0x12345678);
		memcpy(b + 0x47, "NO NAME    FAT32   ", 19);
	} else {
		put16(b + 22, (uint16_t)g.fatsz);
		b[0x26] = 0x29;
		put32(b + 0x27, 0x12345678);
		memcpy(b + 0x2b, "NO NAME    FAT16   ", 19);
	}
	b[510] = 0x55;
	b[511] = 0xaa;
	/* FAT[0], FAT[1]; on FAT32 the root's cluster 2 ends its chain. */
	for (uint32_t f = 0; f < g.nfats; f++) {
		uint8_t *fat = m.d + ((uint64_t)g.reserved + (uint64_t)f * g.fatsz) * bps;

		if (layout == 32) {
			put32(fat, 0x0ffffff8);
			put32(fat + 4, 0x0fffffff);
			put32(fat + 8, 0x0fffffff);
		} else {
			fat[0] = 0xf8;
			fat[1] = 0xff;
			fat[2] = 0xff;
			if (layout == 16)
				fat[3] = 0xff;
		}
	}
	if (layout == 32) {
		uint8_t *fsi = m.d + bps;

		put32(fsi, 0x41615252);
		put32(fsi + 484, 0x61417272);
		put32(fsi + 488, clusters - 1);
		put32(fsi + 492, 3);
		put32(fsi + 508, 0xaa550000);
		memcpy(m.d + 6 * bps, m.d, bps);
		memcpy(m.d + 7 * bps, fsi, bps);
	}
}

static uint8_t *fat32_entry(uint32_t which, uint32_t clus)
{
	return m.d + ((uint64_t)g.reserved + (uint64_t)which * g.fatsz) * g.bps + clus * 4;
}

static void link32(uint32_t clus, uint32_t next)
{
	for (uint32_t f = 0; f < g.nfats; f++)
		put32(fat32_entry(f, clus), next);
}

static uint8_t *cluster(uint32_t clus)
{
	return m.d + (g.data_sector + (uint64_t)(clus - 2) * g.spc) * g.bps;
}

/* The i-th root entry (FAT32: within the root's first cluster). */
static uint8_t *root_entry(uint32_t i)
{
	if (g.bits == 32)
		return cluster(2) + i * 32;
	return m.d + g.root_sector * g.bps + i * 32;
}

static void put_entry(uint8_t *e, const char *name, uint8_t attr)
{
	memset(e, 0, 32);
	memcpy(e, name, 11);
	e[11] = attr;
}

static struct fat_vol open_ok(void)
{
	struct fat_vol v;
	char why[FAT_WHY_MAX] = "";
	int r = fat_open(&io, &v, why, sizeof(why));

	if (r != 0)
		fail_msg("fat_open: %d %s", r, why);
	return v;
}

static void expect_invalid(const char *part)
{
	struct fat_vol v;
	char why[FAT_WHY_MAX] = "";

	v.bits = 99;
	if (fat_open(&io, &v, why, sizeof(why)) != -EINVAL)
		fail_msg("accepted; expected '%s'", part);
	assert_int_equal(v.bits, 99); /* untouched */
	if (!strstr(why, part))
		fail_msg("'%s' does not say '%s'", why, part);
}

static int teardown(void **state)
{
	(void)state;
	free(m.d);
	memset(&m, 0, sizeof(m));
	return 0;
}

/* --- the boot sector --- */

static void type_by_cluster_count(void **state)
{
	struct fat_vol v;

	(void)state;
	build(12, 4084, 512, 1);
	v = open_ok();
	assert_int_equal(v.bits, 12);
	assert_int_equal(v.clusters, 4084);
	build(16, 4085, 512, 1);
	v = open_ok();
	assert_int_equal(v.bits, 16);
	build(16, 65524, 512, 1);
	v = open_ok();
	assert_int_equal(v.bits, 16);
	assert_false(v.bits_by_layout);
	build(32, 65525, 512, 1);
	v = open_ok();
	assert_int_equal(v.bits, 32);
	assert_false(v.bits_by_layout);
	assert_int_equal(v.root_cluster, 2);
	assert_int_equal(v.backup_sector, 6);
	assert_int_equal(v.fsinfo_sector, 1);
	assert_true(v.has_boot_label);
	assert_int_equal(v.serial, 0x12345678);
	/* A FAT32 layout with few clusters: FAT32, as Linux reads it, noted. */
	build(32, 1000, 512, 1);
	v = open_ok();
	assert_int_equal(v.bits, 32);
	assert_true(v.bits_by_layout);
	/* 65525 clusters with a FAT16 layout cannot be. */
	build(16, 65525, 512, 1);
	expect_invalid("make FAT32");
}

static void bad_boot_sectors(void **state)
{
	(void)state;
	build(16, 5000, 512, 4);
	m.d[0] = 0;
	expect_invalid("not a jump instruction");
	build(16, 5000, 512, 4);
	m.d[510] = 0;
	expect_invalid("55 AA");
	for (unsigned i = 0; i < 5; i++) {
		static const uint16_t sizes[] = { 0, 256, 513, 8192, 1536 };

		build(16, 5000, 512, 4);
		put16(m.d + 11, sizes[i]);
		expect_invalid("sector size");
	}
	build(16, 5000, 512, 4);
	m.d[13] = 0;
	expect_invalid("sectors per cluster 0");
	build(16, 5000, 512, 4);
	m.d[13] = 3;
	expect_invalid("sectors per cluster 3");
	build(16, 5000, 512, 4);
	put16(m.d + 14, 0);
	expect_invalid("reserved");
	build(16, 5000, 512, 4);
	m.d[16] = 0;
	expect_invalid("number of FATs is 0");
	build(16, 5000, 512, 4);
	m.d[21] = 0x12;
	expect_invalid("media byte 0x12");
	build(16, 5000, 512, 4);
	put16(m.d + 22, 0);
	put32(m.d + 36, 0); /* the FAT32 field, read when the FAT16 one is 0 */
	expect_invalid("FAT size is 0");
	build(16, 5000, 512, 4);
	put16(m.d + 19, 0);
	put32(m.d + 32, 0);
	expect_invalid("total sector count is 0");
	build(16, 5000, 512, 4);
	put16(m.d + 22, 2); /* 512 entries for 5002 */
	expect_invalid("has room for 512 entries");
	build(16, 5000, 512, 4);
	put16(m.d + 17, 0);
	expect_invalid("no root directory");
	build(16, 5000, 512, 4);
	io.size = m.size - 512; /* the last sector is missing */
	expect_invalid("truncated");
	build(16, 5000, 512, 4);
	io.size = 511;
	expect_invalid("too small");
	build(12, 100, 512, 1);
	put16(m.d + 19, 35); /* FATs and root fill it */
	expect_invalid("leave no room");
	build(32, 70000, 512, 1);
	put32(m.d + 44, 1);
	expect_invalid("root directory cluster 1");
	build(32, 70000, 512, 1);
	put32(m.d + 44, 70002);
	expect_invalid("root directory cluster 70002");
	build(32, 70000, 512, 1);
	put16(m.d + 50, 32);
	expect_invalid("backup boot sector 32");
	build(32, 70000, 512, 1);
	put16(m.d + 40, 0x80 | 3);
	expect_invalid("active FAT 3");
	build(32, 70000, 512, 1);
	put16(m.d + 17, 16);
	expect_invalid("fixed root directory");
}

static void sector_sizes_and_no_extended_bpb(void **state)
{
	struct fat_vol v;

	(void)state;
	build(16, 5000, 4096, 1);
	v = open_ok();
	assert_int_equal(v.sector_size, 4096);
	build(16, 5000, 512, 4);
	m.d[0x26] = 0x28; /* serial, no label field */
	v = open_ok();
	assert_true(v.has_serial);
	assert_false(v.has_boot_label);
	m.d[0x26] = 0;
	v = open_ok();
	assert_false(v.has_serial);
}

/* --- the root directory --- */

static struct fat_root scan_ok(const struct fat_vol *v)
{
	struct fat_root root;
	char why[FAT_WHY_MAX] = "";
	int r = fat_scan_root(v, &root, why, sizeof(why));

	if (r != 0)
		fail_msg("fat_scan_root: %d %s", r, why);
	return root;
}

static void finds_the_label_entry(void **state)
{
	struct fat_vol v;
	struct fat_root root;

	(void)state;
	build(16, 5000, 512, 4);
	put_entry(root_entry(0), "DELETED    ", 0x08);
	root_entry(0)[0] = 0xe5;
	put_entry(root_entry(1), "\x41l\0o\0n\0g\0\0\0", 0x0f); /* a long-name part */
	put_entry(root_entry(2), "SUBDIR     ", 0x18);          /* volume + directory */
	put_entry(root_entry(3), "CLUSTER    ", 0x08);
	put16(root_entry(3) + 26, 5);                              /* has a cluster */
	put_entry(root_entry(4), "FILE    TXT", 0x20);
	put_entry(root_entry(5), "\x05LABEL     ", 0x28);          /* volume + archive */
	put_entry(root_entry(6), "SECOND     ", 0x08);
	v = open_ok();
	root = scan_ok(&v);
	assert_true(root.has_label);
	assert_memory_equal(root.label, "\x05LABEL     ", 11);
	assert_int_equal(root.label_offset, g.root_sector * 512 + 5 * 32);
	assert_true(root.has_free);
	assert_int_equal(root.free_offset, g.root_sector * 512);
	assert_false(root.free_is_end);
}

static void stops_at_the_end_mark(void **state)
{
	struct fat_vol v;
	struct fat_root root;

	(void)state;
	build(12, 2000, 512, 1);
	put_entry(root_entry(0), "FILE    TXT", 0x20);
	put_entry(root_entry(2), "HIDDEN     ", 0x08); /* after the end mark */
	v = open_ok();
	m.bytes_read = 0;
	root = scan_ok(&v);
	assert_false(root.has_label);
	assert_true(root.has_free);
	assert_true(root.free_is_end);
	assert_int_equal(root.free_offset, g.root_sector * 512 + 32);
	/* One sector of the 32 the root has. */
	assert_int_equal(m.bytes_read, 512);
}

static void label_bytes_and_text(void **state)
{
	uint8_t out[11];
	size_t n = 0;
	char text[40];

	(void)state;
	assert_true(fat_label_bytes((const uint8_t *)"HELLO      ", false, out, &n));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "HELLO", 5);
	assert_true(fat_label_bytes((const uint8_t *)"A B        ", false, out, &n));
	assert_int_equal(n, 3);
	assert_true(fat_label_bytes((const uint8_t *)"\x05" "BC        ", false, out, &n));
	assert_int_equal(out[0], 0xe5);
	assert_false(fat_label_bytes((const uint8_t *)"NO NAME    ", true, out, &n));
	/* In the root directory, NO NAME is a label (dosfstools, blkid). */
	assert_true(fat_label_bytes((const uint8_t *)"NO NAME    ", false, out, &n));
	assert_int_equal(n, 7);
	assert_memory_equal(out, "NO NAME", 7);
	assert_false(fat_label_bytes((const uint8_t *)"           ", false, out, &n));
	assert_false(fat_label_bytes((const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0", false, out, &n));
	fat_label_text(codepage_find(850), (const uint8_t *)"\x8e" "B", 2, text, sizeof(text));
	assert_string_equal(text, "\xc3\x84" "B");
}

static void fat32_root_over_two_clusters(void **state)
{
	struct fat_vol v;
	struct fat_root root;
	uint32_t per_cluster = 512 / 32;

	(void)state;
	build(32, 70000, 512, 1);
	link32(2, 9);
	link32(9, 0x0fffffff);
	for (uint32_t i = 0; i < per_cluster; i++)
		put_entry(root_entry(i), "FILE    TXT", 0x20);
	put_entry(cluster(9), "FILE2   TXT", 0x20);
	put_entry(cluster(9) + 32, "FILE3   TXT", 0x20);
	put_entry(cluster(9) + 64, "FAR AWAY   ", 0x08);
	v = open_ok();
	root = scan_ok(&v);
	assert_true(root.has_label);
	assert_int_equal(root.label_offset, (g.data_sector + 7) * 512 + 64);
	assert_int_equal(root.chain_clusters, 2);
	assert_int_equal(root.last_cluster, 9);
	assert_false(root.has_free);
}

static void expect_broken_chain(const char *part)
{
	struct fat_vol v = open_ok();
	struct fat_root root;
	char why[FAT_WHY_MAX] = "";

	root.label_offset = 77;
	assert_int_equal(fat_scan_root(&v, &root, why, sizeof(why)), -EUCLEAN);
	assert_int_equal(root.label_offset, 77);
	if (!strstr(why, part))
		fail_msg("'%s' does not say '%s'", why, part);
}

static void fat32_broken_root_chains(void **state)
{
	(void)state;
	build(32, 70000, 512, 1);
	link32(2, 2);
	expect_broken_chain("loops");
	build(32, 70000, 512, 1);
	link32(2, 3);
	link32(3, 4);
	link32(4, 5);
	link32(5, 3);
	expect_broken_chain("loops");
	build(32, 70000, 512, 1);
	link32(2, 70002);
	expect_broken_chain("leaves the volume");
	build(32, 70000, 512, 1);
	link32(2, 0x0ffffff7);
	expect_broken_chain("bad cluster");
	build(32, 70000, 512, 1);
	link32(2, 3);
	link32(3, 0);
	expect_broken_chain("free cluster");
	/* Longer than 65536 entries, without a loop. */
	build(32, 70000, 512, 1);
	for (uint32_t c = 2; c < 2 + 4200; c++)
		link32(c, c + 1);
	expect_broken_chain("longer than a directory");
	/* The label is never reached when the chain is broken after it. */
	build(32, 70000, 512, 1);
	put_entry(root_entry(0), "FIRST      ", 0x08);
	link32(2, 2);
	expect_broken_chain("loops");
}

static void fat32_reads_only_what_it_needs(void **state)
{
	struct fat_vol v;
	struct fat_root root;

	(void)state;
	build(32, 70000, 512, 8);
	put_entry(root_entry(0), "SMALL      ", 0x08);
	m.bytes_read = 0;
	v = open_ok();
	root = scan_ok(&v);
	assert_true(root.has_label);
	/* The boot sector's 512 bytes, one FAT sector, one directory sector. */
	assert_int_equal(m.bytes_read, 512 * 3);
}

/* --- label rules --- */

static void expect_bad_label(unsigned cpn, const char *label, const char *part)
{
	uint8_t out[11] = "UNTOUCHED!!";
	char why[FAT_WHY_MAX] = "";
	bool lower = false;

	assert_int_equal(fat_label_encode(codepage_find(cpn), label, out, &lower, why, sizeof(why)),
			 -EINVAL);
	assert_memory_equal(out, "UNTOUCHED!!", 11);
	if (!strstr(why, part))
		fail_msg("'%s' for '%s' does not say '%s'", why, label, part);
}

static void label_rules(void **state)
{
	const struct codepage *cp850 = codepage_find(850);
	static const char forbidden[] = "\"*+,./:;<=>?[\\]|";
	char why[FAT_WHY_MAX];
	uint8_t out[11];
	bool lower = true;

	(void)state;
	assert_int_equal(fat_label_encode(cp850, "HELLO", out, &lower, why, sizeof(why)), 0);
	assert_memory_equal(out, "HELLO      ", 11);
	assert_false(lower);
	assert_int_equal(fat_label_encode(cp850, "ABCDEFGHIJK", out, &lower, why, sizeof(why)), 0);
	assert_memory_equal(out, "ABCDEFGHIJK", 11);
	assert_int_equal(fat_label_encode(cp850, "Mixed Case", out, &lower, why, sizeof(why)), 0);
	assert_true(lower);
	assert_int_equal(fat_label_encode(cp850, "A&B-C_D!#$", out, &lower, why, sizeof(why)), 0);
	assert_int_equal(fat_label_encode(cp850, "\xc3\x84\xc3\x96\xc3\x9c", out, &lower, why,
					  sizeof(why)),
			 0);
	assert_memory_equal(out, "\x8e\x99\x9a        ", 11);
	assert_false(lower);
	assert_int_equal(fat_label_encode(cp850, "\xc3\xa4", out, &lower, why, sizeof(why)), 0);
	assert_true(lower);
	assert_int_equal(fat_label_encode(codepage_find(858), "\xe2\x82\xac", out, &lower, why,
					  sizeof(why)),
			 0);
	assert_int_equal(out[0], 0xd5);
	assert_int_equal(fat_label_encode(cp850, "TRAIL  ", out, &lower, why, sizeof(why)), 0);
	assert_memory_equal(out, "TRAIL      ", 11);

	for (const char *c = forbidden; *c; c++) {
		char label[8], part[40];

		snprintf(label, sizeof(label), "A%cB", *c);
		snprintf(part, sizeof(part), "'%c' is not allowed", *c);
		expect_bad_label(850, label, part);
	}
	expect_bad_label(850, "A\tB", "control character U+0009");
	expect_bad_label(850, "A\x7f", "control character U+007F");
	expect_bad_label(850, "ABCDEFGHIJKL", "12 bytes in code page 850");
	expect_bad_label(850, "ABCDEFGHIJ\xc3\x84\xc3\x84", "12 bytes");
	expect_bad_label(850, " LEAD", "start with a blank");
	expect_bad_label(850, "   ", "all blank");
	expect_bad_label(850, "", "empty");
	expect_bad_label(850, "NO NAME", "no label");
	expect_bad_label(850, "A\xe2\x82\xac", "'\xe2\x82\xac' (U+20AC) is not in code page 850");
	expect_bad_label(437, "\xd0\x96", "(U+0416) is not in code page 437");
	expect_bad_label(850, "A\xc3", "not valid UTF-8 (byte 0xc3 at 1)");
	expect_bad_label(850, "\xff", "not valid UTF-8");
}

static void serial_text_and_parse(void **state)
{
	char text[10];
	uint32_t v = 0;

	(void)state;
	fat_serial_text(0x1234abcd, text);
	assert_string_equal(text, "1234-ABCD");
	fat_serial_text(0x0000000f, text);
	assert_string_equal(text, "0000-000F");
	assert_int_equal(fat_serial_parse("1234-ABCD", &v), 0);
	assert_int_equal(v, 0x1234abcd);
	assert_int_equal(fat_serial_parse("deadbeef", &v), 0);
	assert_int_equal(v, 0xdeadbeef);
	v = 5;
	assert_int_equal(fat_serial_parse("1234-ABC", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("1234ABCDE", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("12-34ABCD", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("1234--ABCD", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("G234ABCD", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("", &v), -EINVAL);
	assert_int_equal(fat_serial_parse("0x1234AB", &v), -EINVAL);
	assert_int_equal(v, 5);
}

/* --- writing --- */

static const uint8_t *label11(const char *s)
{
	static uint8_t out[11];
	char why[FAT_WHY_MAX];
	bool lower;

	assert_int_equal(fat_label_encode(codepage_find(850), s, out, &lower, why, sizeof(why)), 0);
	return out;
}

static void expect_log(unsigned i, uint64_t off, size_t len)
{
	assert_true(i < m.nlog);
	assert_int_equal(m.log[i].off, off);
	assert_int_equal(m.log[i].len, len);
}

static void set_label_creates_entry_then_boot_then_backup(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;
	struct fat_root root;

	(void)state;
	build(32, 70000, 512, 1);
	put_entry(root_entry(0), "FILE    TXT", 0x20);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("NEW LABEL"), 1700000000, 0, &rep, why,
				       sizeof(why)),
			 0);
	assert_true(rep.entry_created);
	assert_false(rep.root_extended);
	assert_true(rep.backup_written);
	assert_false(rep.backup_skipped);
	/* Entry, boot sector, backup, sync: in that order, nothing else. */
	assert_int_equal(m.nlog, 4);
	expect_log(0, g.data_sector * 512, 512);
	expect_log(1, 0, 512);
	expect_log(2, 6 * 512, 512);
	expect_log(3, 0, 0);
	assert_memory_equal(root_entry(1), "NEW LABEL  ", 11);
	assert_int_equal(root_entry(1)[11], 0x08);
	assert_int_equal(get32(root_entry(1) + 28), 0);
	assert_int_not_equal(root_entry(1)[24] | root_entry(1)[25], 0); /* a date */
	assert_memory_equal(m.d + 0x47, "NEW LABEL  ", 11);
	assert_memory_equal(m.d + 6 * 512 + 0x47, "NEW LABEL  ", 11);
	assert_memory_equal(m.d + 0x52, "FAT32   ", 8);
	assert_int_equal(get32(m.d + 0x43), 0x12345678);
	/* The next entry is still the end mark. */
	assert_int_equal(root_entry(2)[0], 0);
	v = open_ok();
	root = scan_ok(&v);
	assert_true(root.has_label);
	assert_memory_equal(root.label, "NEW LABEL  ", 11);
}

static void set_label_renames_and_reuses_deleted_slots(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX];
	struct fat_vol v;

	(void)state;
	build(12, 2000, 512, 1);
	put_entry(root_entry(0), "GONE    TXT", 0x20);
	root_entry(0)[0] = 0xe5;
	put_entry(root_entry(1), "FILE    TXT", 0x20);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("FIRST"), 0, 0, &rep, why, sizeof(why)), 0);
	assert_true(rep.entry_created);
	assert_false(rep.backup_written); /* FAT12 has none */
	assert_memory_equal(root_entry(0), "FIRST      ", 11);
	assert_memory_equal(m.d + 0x2b, "FIRST      ", 11);
	m.nlog = 0;
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("\xc3\x95X"), 0, 0, &rep, why, sizeof(why)),
			 0);
	assert_false(rep.entry_created);
	/* Õ is 0xE5 in code page 850: stored as 0x05 in the entry only. */
	assert_memory_equal(root_entry(0), "\x05X         ", 11);
	assert_memory_equal(m.d + 0x2b, "\xe5X         ", 11);
	assert_int_equal(m.nlog, 3);
}

static void reset_removes_every_label_entry(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX];
	struct fat_vol v;
	struct fat_root root;

	(void)state;
	build(16, 5000, 512, 4);
	put_entry(root_entry(0), "ONE        ", 0x08);
	put_entry(root_entry(1), "TWO        ", 0x08);
	memcpy(m.d + 0x2b, "ONE        ", 11);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, NULL, 0, 0, &rep, why, sizeof(why)), 0);
	assert_int_equal(rep.entries_removed, 2);
	assert_int_equal(root_entry(0)[0], 0xe5);
	assert_int_equal(root_entry(1)[0], 0xe5);
	assert_memory_equal(m.d + 0x2b, "NO NAME    ", 11);
	v = open_ok();
	root = scan_ok(&v);
	assert_false(root.has_label);

	/* A hundred of them over seven sectors: one pass, each sector once. */
	build(16, 5000, 512, 4);
	for (uint32_t i = 0; i < 100; i++)
		put_entry(root_entry(i), i % 2 ? "MANY       " : "FILE    TXT", i % 2 ? 0x08 : 0x20);
	put_entry(root_entry(101), "AFTER END  ", 0x08);
	root_entry(100)[0] = 0;
	v = open_ok();
	assert_int_equal(fat_set_label(&v, NULL, 0, 0, &rep, why, sizeof(why)), 0);
	assert_int_equal(rep.entries_removed, 50);
	assert_int_equal(m.nlog, 7 + 2);
	assert_memory_equal(root_entry(101), "AFTER END  ", 11);
	v = open_ok();
	root = scan_ok(&v);
	assert_false(root.has_label);
}

static void full_fixed_root_is_refused(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;

	(void)state;
	build(16, 5000, 512, 4);
	for (uint32_t i = 0; i < 512; i++)
		put_entry(root_entry(i), "FILE    TXT", 0x20);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "full (512 entries)"));
	assert_int_equal(m.nlog, 0);
}

static void full_fat32_root_gets_a_cluster(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;
	struct fat_root root;
	uint32_t free_before;

	(void)state;
	build(32, 70000, 512, 1);
	for (uint32_t i = 0; i < 16; i++)
		put_entry(root_entry(i), "FILE    TXT", 0x20);
	link32(3, 0x0fffffff); /* cluster 3 is in use: the hint points at it */
	free_before = get32(m.d + 512 + 488);
	v = open_ok();
	/* Mounted: never behind the driver's back. */
	assert_int_equal(fat_set_label(&v, label11("X"), 0, FAT_WRITE_NO_ALLOC, &rep, why,
				       sizeof(why)),
			 -ENOSPC);
	assert_non_null(strstr(why, "unmount"));
	assert_int_equal(m.nlog, 0);
	assert_int_equal(fat_set_label(&v, label11("EXTENDED"), 0, 0, &rep, why, sizeof(why)),
			 0);
	assert_true(rep.root_extended);
	/* Cluster 4: the entry first, then FAT[4] = end in both FATs, then
	 * FAT[2] = 4 in both, then FSInfo, boot, backup, sync. */
	assert_int_equal(m.nlog, 9);
	expect_log(0, (g.data_sector + 2) * 512, 512);
	assert_memory_equal(cluster(4), "EXTENDED   ", 11);
	assert_int_equal(get32(fat32_entry(0, 4)), 0x0fffffff);
	assert_int_equal(get32(fat32_entry(1, 4)), 0x0fffffff);
	assert_int_equal(get32(fat32_entry(0, 2)), 4);
	assert_int_equal(get32(fat32_entry(1, 2)), 4);
	assert_int_equal(get32(m.d + 512 + 488), free_before - 1);
	assert_int_equal(get32(m.d + 512 + 492), 4);
	expect_log(5, 512, 512);
	expect_log(6, 0, 512);
	expect_log(7, 6 * 512, 512);
	expect_log(8, 0, 0);
	v = open_ok();
	root = scan_ok(&v);
	assert_true(root.has_label);
	assert_int_equal(root.chain_clusters, 2);
}

static void garbage_after_the_end_mark_is_refused(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;

	(void)state;
	build(16, 5000, 512, 4);
	put_entry(root_entry(1), "STALE   TXT", 0x20);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -EUCLEAN);
	assert_non_null(strstr(why, "after its end mark"));
	assert_int_equal(m.nlog, 0);
	/* Across a sector boundary too. */
	build(16, 5000, 512, 4);
	for (uint32_t i = 0; i < 15; i++)
		put_entry(root_entry(i), "FILE    TXT", 0x20);
	put_entry(root_entry(16), "STALE   TXT", 0x20);
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -EUCLEAN);
	assert_int_equal(m.nlog, 0);
}

static void serials(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;

	(void)state;
	build(32, 70000, 512, 1);
	v = open_ok();
	assert_int_equal(fat_set_serial(&v, 0xcafe0001, &rep, why, sizeof(why)), 0);
	assert_int_equal(get32(m.d + 0x43), 0xcafe0001);
	assert_int_equal(get32(m.d + 6 * 512 + 0x43), 0xcafe0001);
	assert_memory_equal(m.d + 0x47, "NO NAME    ", 11);
	assert_int_equal(m.nlog, 3);
	build(16, 5000, 512, 4);
	m.d[0x26] = 0;
	v = open_ok();
	assert_int_equal(fat_set_serial(&v, 1, &rep, why, sizeof(why)), -ENOTSUP);
	assert_int_equal(m.nlog, 0);
}

static void mismatched_backup_is_left_alone(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;

	(void)state;
	build(32, 70000, 512, 1);
	put16(m.d + 6 * 512 + 14, 31); /* another reserved count */
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("B"), 0, 0, &rep, why, sizeof(why)), 0);
	assert_true(rep.backup_skipped);
	assert_false(rep.backup_written);
	assert_memory_equal(m.d + 6 * 512 + 0x47, "NO NAME    ", 11);
	/* Linux's dirty flag, in the byte after the drive number, differs
	 * between the two and does not count. */
	build(32, 70000, 512, 1);
	m.d[0x41] = 1;
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("B"), 0, 0, &rep, why, sizeof(why)), 0);
	assert_true(rep.backup_written);
}

static void boot_sector_changed_underneath(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;

	(void)state;
	build(16, 5000, 512, 4);
	put_entry(root_entry(0), "OLD        ", 0x08);
	v = open_ok();
	m.d[3] = 'X'; /* someone else wrote the boot sector */
	assert_int_equal(fat_set_label(&v, label11("NEW"), 0, 0, &rep, why, sizeof(why)),
			 -ESTALE);
	/* The entry went first, and was put back; the boot sector was not
	 * written. */
	assert_int_equal(m.nlog, 3);
	assert_memory_equal(root_entry(0), "OLD        ", 11);
	assert_memory_equal(m.d + 0x2b, "NO NAME    ", 11);
	assert_non_null(strstr(why, "nothing was changed"));
}

static void write_errors_come_back(void **state)
{
	struct fat_write_report rep;
	char why[FAT_WHY_MAX] = "";
	struct fat_vol v;
	uint8_t *before;

	(void)state;
	build(32, 70000, 512, 1);
	before = malloc(m.cap);
	assert_non_null(before);
	memcpy(before, m.d, m.cap);
	m.fail_write = 2; /* the boot sector */
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -EIO);
	assert_string_equal(why, "cannot write the boot sector: Input/output error; nothing "
				 "was changed");
	/* The boot sector (the failed write may have written part of it)
	 * and the root entry, written first, are put back, and synced. */
	assert_int_equal(m.nlog, 4);
	assert_int_equal(m.log[1].off, 0);
	assert_int_equal(m.log[2].off, m.log[0].off);
	assert_int_equal(m.log[3].len, 0);
	assert_memory_equal(m.d, before, m.cap);

	/* A full FAT32 root extended: the second FAT's write fails (a full
	 * filesystem under the image): the first FAT's is undone, so the two
	 * never differ, and no cluster is lost. */
	build(32, 70000, 512, 1);
	for (uint32_t i = 0; i < 16; i++)
		put_entry(root_entry(i), "FILE    TXT", 0x20);
	memcpy(before, m.d, m.cap);
	m.fail_write = 3; /* new cluster, FAT 1, then FAT 2 */
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -EIO);
	assert_string_equal(why, "cannot write the FAT: Input/output error; nothing was changed");
	assert_memory_equal(m.d, before, m.cap);
	free(before);
	build(32, 70000, 512, 1);
	io.write = NULL;
	v = open_ok();
	assert_int_equal(fat_set_label(&v, label11("X"), 0, 0, &rep, why, sizeof(why)), -EROFS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(type_by_cluster_count, teardown),
		cmocka_unit_test_teardown(bad_boot_sectors, teardown),
		cmocka_unit_test_teardown(sector_sizes_and_no_extended_bpb, teardown),
		cmocka_unit_test_teardown(finds_the_label_entry, teardown),
		cmocka_unit_test_teardown(stops_at_the_end_mark, teardown),
		cmocka_unit_test(label_bytes_and_text),
		cmocka_unit_test_teardown(fat32_root_over_two_clusters, teardown),
		cmocka_unit_test_teardown(fat32_broken_root_chains, teardown),
		cmocka_unit_test_teardown(fat32_reads_only_what_it_needs, teardown),
		cmocka_unit_test(label_rules),
		cmocka_unit_test(serial_text_and_parse),
		cmocka_unit_test_teardown(set_label_creates_entry_then_boot_then_backup, teardown),
		cmocka_unit_test_teardown(set_label_renames_and_reuses_deleted_slots, teardown),
		cmocka_unit_test_teardown(reset_removes_every_label_entry, teardown),
		cmocka_unit_test_teardown(full_fixed_root_is_refused, teardown),
		cmocka_unit_test_teardown(full_fat32_root_gets_a_cluster, teardown),
		cmocka_unit_test_teardown(garbage_after_the_end_mark_is_refused, teardown),
		cmocka_unit_test_teardown(serials, teardown),
		cmocka_unit_test_teardown(mismatched_backup_is_left_alone, teardown),
		cmocka_unit_test_teardown(boot_sector_changed_underneath, teardown),
		cmocka_unit_test_teardown(write_errors_come_back, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
