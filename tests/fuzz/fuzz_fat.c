/* libFuzzer harness for lib/fat (and lib/codepage under it): the boot
 * sector checks, the root directory walk, and the writes, on a sparse image
 * in memory. Whatever the bytes: no crash, no undefined behaviour, and what
 * a successful write set is what a fresh read finds.
 *
 * Input: a little-endian u64 device size, then extents, each a u64 offset,
 * a u32 length and that many bytes; everything else reads as zeros. The
 * seeds (tests/fuzz/mkseeds-fat.sh) are mkfs.vfat images cut to their
 * non-zero metadata sectors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/codepage.h"
#include "../../lib/fat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EXTENTS 64
#define MAX_WRITES 512

struct chunk {
	uint64_t off;
	size_t len;
	const uint8_t *p;
	uint8_t *own; /* written: owned copy */
};

struct sparse {
	struct chunk c[MAX_EXTENTS + MAX_WRITES];
	size_t n;
	size_t writes;
};

static uint64_t rd_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void overlay(uint8_t *buf, uint64_t off, size_t len, const struct chunk *c)
{
	uint64_t lo = off > c->off ? off : c->off;
	uint64_t hi = off + len < c->off + c->len ? off + len : c->off + c->len;

	if (lo < hi)
		memcpy(buf + (lo - off), c->p + (lo - c->off), (size_t)(hi - lo));
}

static int sp_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct sparse *s = arg;

	memset(buf, 0, len);
	for (size_t i = 0; i < s->n; i++)
		overlay(buf, off, len, &s->c[i]);
	return 0;
}

static int sp_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct sparse *s = arg;
	uint8_t *copy;

	if (s->writes >= MAX_WRITES || s->n >= MAX_EXTENTS + MAX_WRITES)
		return -28; /* ENOSPC: a path that fails cleanly too */
	copy = malloc(len);
	if (!copy)
		return -12;
	memcpy(copy, buf, len);
	s->c[s->n++] = (struct chunk){ off, len, copy, copy };
	s->writes++;
	return 0;
}

static void sp_free(struct sparse *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->c[i].own);
}

/* Reads the volume afresh: the label now on it, or none. */
static bool relabel_check(const struct fat_io *io, const uint8_t *want)
{
	struct fat_vol v;
	struct fat_root root;
	char why[FAT_WHY_MAX];

	if (fat_open(io, &v, why, sizeof(why)) < 0)
		abort(); /* a label write broke the boot sector */
	if (fat_scan_root(&v, &root, why, sizeof(why)) < 0)
		abort(); /* or the root directory */
	if (!want)
		return !root.has_label;
	if (!root.has_label)
		return false;
	/* A leading 0xE5 is stored as 0x05. */
	return root.label[0] == (want[0] == 0xe5 ? 0x05 : want[0]) &&
	       memcmp(root.label + 1, want + 1, FAT_LABEL_LEN - 1) == 0;
}

static void labels(const uint8_t *tail, size_t n)
{
	const struct codepage *cp = codepage_find(850);
	char in[48], why[FAT_WHY_MAX], back[64];
	uint8_t out[FAT_LABEL_LEN];
	bool lower;
	size_t k;

	if (n > sizeof(in) - 1)
		n = sizeof(in) - 1;
	memcpy(in, tail, n);
	in[n] = '\0';
	if (fat_label_encode(cp, in, out, &lower, why, sizeof(why)) < 0)
		return;
	/* An accepted label reads back as given, less trailing blanks. */
	for (k = FAT_LABEL_LEN; k > 0 && out[k - 1] == ' '; k--)
		;
	codepage_decode(cp, out, k, back, sizeof(back));
	k = strlen(in);
	while (k > 0 && in[k - 1] == ' ')
		k--;
	if (strlen(back) != k || memcmp(back, in, k) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t fuzz_label[FAT_LABEL_LEN] = "FUZZ LABEL ";
	static const uint8_t e5_label[FAT_LABEL_LEN] = "\xe5" "5         ";
	struct sparse *s;
	struct fat_io io;
	struct fat_vol v;
	struct fat_root root;
	struct fat_write_report rep;
	char why[FAT_WHY_MAX], text[64];
	uint8_t bytes[FAT_LABEL_LEN];
	size_t pos = 8, n;

	if (size < 8)
		return 0;
	labels(data + (size > 40 ? size - 40 : 0), size > 40 ? 40 : size);
	s = calloc(1, sizeof(*s));
	if (!s)
		return 0;
	io = (struct fat_io){ sp_read, sp_write, NULL, s, rd_le(data, 8) & ((1ull << 44) - 1) };
	while (pos + 12 <= size && s->n < MAX_EXTENTS) {
		uint64_t off = rd_le(data + pos, 8);
		size_t len = (size_t)rd_le(data + pos + 8, 4);

		pos += 12;
		if (len > size - pos)
			len = size - pos;
		s->c[s->n++] = (struct chunk){ off, len, data + pos, NULL };
		pos += len;
	}

	if (fat_open(&io, &v, why, sizeof(why)) < 0)
		goto out;
	if (fat_label_bytes(v.boot_label, true, bytes, &n))
		fat_label_text(codepage_find(437), bytes, n, text, sizeof(text));
	if (fat_scan_root(&v, &root, why, sizeof(why)) < 0)
		goto out;
	if (root.has_label && fat_label_bytes(root.label, false, bytes, &n))
		fat_label_text(codepage_find(866), bytes, n, text, sizeof(text));

	if (fat_set_label(&v, fuzz_label, 0, 0, &rep, why, sizeof(why)) == 0 &&
	    !relabel_check(&io, fuzz_label))
		abort();
	if (fat_open(&io, &v, why, sizeof(why)) < 0)
		goto out;
	if (fat_set_label(&v, e5_label, 0, FAT_WRITE_NO_ALLOC, &rep, why, sizeof(why)) == 0 &&
	    !relabel_check(&io, e5_label))
		abort();
	if (fat_open(&io, &v, why, sizeof(why)) < 0)
		goto out;
	if (fat_set_serial(&v, 0xc0ffee00, &rep, why, sizeof(why)) == 0) {
		if (fat_open(&io, &v, why, sizeof(why)) < 0 || v.serial != 0xc0ffee00)
			abort();
	}
	if (fat_open(&io, &v, why, sizeof(why)) < 0)
		goto out;
	if (fat_set_label(&v, NULL, 0, 0, &rep, why, sizeof(why)) == 0 &&
	    !relabel_check(&io, NULL))
		abort();
out:
	sp_free(s);
	free(s);
	return 0;
}
