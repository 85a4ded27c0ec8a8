/* The mount table through util-linux libmount: the only file that includes
 * it. Parsing is libmount's; lookup and the differ are ours (libmount's
 * mnt_tabdiff pairs mounts by source and target, which cannot tell a moved
 * mount from a new one, and is quadratic in the table's size). Unit tested in
 * tests/unit/test_mnt.c and fuzzed in tests/fuzz/fuzz_mnt.c. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libmount.h>

#include "mnt.h"
#include "util.h"

int mnt_unescape(char *s)
{
	char *u;

	if (!strchr(s, '\\'))
		return 0;
	u = mnt_unmangle(s);
	if (!u)
		return -ENOMEM;
	/* Decoding only shortens. */
	strcpy(s, u);
	free(u);
	return 0;
}

static int by_id(const void *a, const void *b, void *arg)
{
	const struct mnt_rec *v = arg;
	uint64_t x = v[*(const size_t *)a].id, y = v[*(const size_t *)b].id;

	return (x > y) - (x < y);
}

static const struct mnt_rec *nth(const struct mnttab *t, size_t i)
{
	return &t->v[t->by_id[i]];
}

static void clear(struct mnttab *t)
{
	for (size_t i = 0; i < t->n; i++)
		mnt_unref_fs(t->fs[i]);
	t->n = 0;
}

static int reserve(struct mnttab *t, size_t need)
{
	struct mnt_rec *v;
	struct libmnt_fs **fs;
	size_t *by, *off, *len, cap;

	if (need <= t->cap_v)
		return 0;
	cap = need < 64 ? 64 : need + need / 2;
	if (!(v = realloc(t->v, cap * sizeof(*v))))
		return -ENOMEM;
	t->v = v;
	if (!(fs = realloc(t->fs, cap * sizeof(struct libmnt_fs *))))
		return -ENOMEM;
	t->fs = fs;
	if (!(by = realloc(t->by_id, cap * sizeof(*by))))
		return -ENOMEM;
	t->by_id = by;
	if (!(off = realloc(t->line_off, cap * sizeof(*off))))
		return -ENOMEM;
	t->line_off = off;
	if (!(len = realloc(t->line_len, cap * sizeof(*len))))
		return -ENOMEM;
	t->line_len = len;
	t->cap_v = cap;
	return 0;
}

/* A line libmount cannot parse: leave it out, keep the rest. */
static int skip_line(struct libmnt_table *tb, const char *filename, int line)
{
	(void)tb;
	(void)filename;
	(void)line;
	return 1;
}

static void fill(struct mnt_rec *r, struct libmnt_fs *fs)
{
	dev_t dev = mnt_fs_get_devno(fs);
	int id = mnt_fs_get_id(fs), parent = mnt_fs_get_parent_id(fs);

	*r = (struct mnt_rec){
		.id = id > 0 ? (uint64_t)id : 0,
		.parent_id = parent > 0 ? (uint64_t)parent : 0,
		.id_old = id > 0 ? (uint32_t)id : 0,
		.major = major(dev),
		.minor = minor(dev),
		.root = mnt_fs_get_root(fs),
		.target = mnt_fs_get_target(fs),
		.vfs_opts = mnt_fs_get_vfs_options(fs),
		.fields = mnt_fs_get_optional_fields(fs),
		.fstype = mnt_fs_get_fstype(fs),
		.source = mnt_fs_get_source(fs),
		.sb_opts = mnt_fs_get_fs_options(fs),
	};
	/* Parsed records have every string; mountinfo's empty ones come as
	 * NULL from libmount. */
	if (!r->root)
		r->root = "";
	if (!r->target)
		r->target = "";
	if (!r->vfs_opts)
		r->vfs_opts = "";
	if (!r->fields)
		r->fields = "";
	if (!r->fstype)
		r->fstype = "";
	if (!r->source)
		r->source = "";
	if (!r->sb_opts)
		r->sb_opts = "";
}

/* The id a line starts with (mountinfo's first field), or 0. */
static uint64_t line_id(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < len && s[i] >= '0' && s[i] <= '9' && v < UINT64_MAX / 10 - 10; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return i < len && s[i] == ' ' ? v : 0;
}

/* The record of prev that came from exactly this line, or -1. */
static long same_line(const struct mnttab *prev, const char *line, size_t len)
{
	uint64_t id = line_id(line, len);
	size_t lo = 0, hi = prev ? prev->n : 0;

	if (!id || !prev || !prev->text)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, k = prev->by_id[mid];

		if (prev->v[k].id == id) {
			if (prev->line_len[k] == len &&
			    memcmp(prev->text + prev->line_off[k], line, len) == 0)
				return (long)k;
			return -1;
		}
		if (prev->v[k].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

#define FORMAT_LINE "0 0 0:0 / / rw - none none rw\n"

/* Parses t->text (t->len bytes) into records. A line that is the same as
 * one of prev's keeps that record (and libmount's entry): only the lines
 * that changed are parsed, which is what makes a reading cheap. */
static int parse_text(struct mnttab *t, const struct mnttab *prev)
{
	struct libmnt_table *tb = NULL;
	struct libmnt_iter *it = NULL;
	struct libmnt_fs *fs = NULL;
	char *todo = NULL;
	size_t ntodo = 0, lines = 0, nlines = 0, todo_len = 0;
	long *from = NULL; /* per line: prev's record, or -1 to parse */
	uint64_t *ids = NULL;
	size_t nids = 0;
	const char *p, *end = t->text + t->len;
	int r = 0, got;

	clear(t);
	for (p = t->text; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		nlines++;
		p = nl ? nl + 1 : end;
	}
	if ((r = reserve(t, nlines)) < 0)
		return r;
	from = calloc(nlines ? nlines : 1, sizeof(*from));
	ids = calloc(nlines ? nlines : 1, sizeof(*ids));
	todo = malloc(t->len + sizeof(FORMAT_LINE));
	if (!from || !todo || !ids) {
		r = -ENOMEM;
		goto out;
	}
	/* libmount guesses the format from the first line: make it one that
	 * says mountinfo, whatever comes after. */
	memcpy(todo, FORMAT_LINE, sizeof(FORMAT_LINE) - 1);
	todo_len = sizeof(FORMAT_LINE) - 1;
	/* Which lines are new, into one text for libmount. */
	for (p = t->text; p < end && lines < nlines;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		/* The kernel writes no NUL: a line with one is not a mount
		 * (and libmount's lines would no longer be ours). */
		bool nul = memchr(p, '\0', len) != NULL;
		uint64_t id = nul ? 0 : line_id(p, len);

		/* No mount has id 0, and libmount's ids are ints. */
		if (id > INT_MAX)
			id = 0;
		if (id)
			ids[nids++] = id;
		from[lines] = id ? same_line(prev, p, len) : -1;
		if (from[lines] < 0 && id) {
			memcpy(todo + todo_len, p, len);
			todo_len += len;
			todo[todo_len++] = '\n';
			ntodo++;
		}
		lines++;
		p += len + (nl ? 1 : 0);
	}
	/* An id on two lines: a reading that raced with changes. */
	qsort(ids, nids, sizeof(*ids), cmp_u64);
	for (size_t i = 1; i < nids; i++) {
		if (ids[i] == ids[i - 1]) {
			r = -EAGAIN;
			goto out;
		}
	}
	if (ntodo) {
		FILE *f = fmemopen(todo, todo_len, "r");

		if (!f) {
			r = -errno;
			goto out;
		}
		tb = mnt_new_table();
		it = mnt_new_iter(MNT_ITER_FORWARD);
		if (!tb || !it) {
			fclose(f);
			r = -ENOMEM;
			goto out;
		}
		mnt_table_set_parser_errcb(tb, skip_line);
		got = mnt_table_parse_stream(tb, f, "mountinfo");
		fclose(f);
		if (got < 0) {
			r = got == -ENOMEM ? got : -EBADMSG;
			goto out;
		}
		/* Past the format line, to the first of ours. */
		if (mnt_table_next_fs(tb, it, &fs) != 0 || mnt_table_next_fs(tb, it, &fs) != 0)
			fs = NULL;
	}
	/* In the order of the text: prev's records, or libmount's entries,
	 * which come in the order of their lines (a line it could not parse
	 * has none). */
	for (lines = 0, p = t->text; p < end && lines < nlines && t->n < t->cap_v;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct libmnt_fs *use = NULL;

		if (from[lines] >= 0 && prev) {
			use = prev->fs[from[lines]];
			t->v[t->n] = prev->v[from[lines]];
		} else if (len && fs && !memchr(p, '\0', len) && mnt_fs_get_id(fs) > 0 &&
			   (uint64_t)mnt_fs_get_id(fs) == line_id(p, len)) {
			use = fs;
			fill(&t->v[t->n], fs);
			if (mnt_table_next_fs(tb, it, &fs) != 0)
				fs = NULL;
		}
		if (use) {
			mnt_ref_fs(use);
			t->fs[t->n] = use;
			t->line_off[t->n] = (size_t)(p - t->text);
			t->line_len[t->n] = len;
			t->by_id[t->n] = t->n;
			t->n++;
		}
		lines++;
		p += len + (nl ? 1 : 0);
	}
	qsort_r(t->by_id, t->n, sizeof(*t->by_id), by_id, t->v);
	for (size_t i = 1; i < t->n; i++) {
		if (nth(t, i)->id == nth(t, i - 1)->id) {
			clear(t);
			r = -EAGAIN;
			goto out;
		}
	}
out:
	if (r < 0)
		clear(t);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	free(todo);
	free(from);
	free(ids);
	return r;
}

/* Room for len more bytes of text. */
static int text_room(struct mnttab *t, size_t len)
{
	if (t->text_cap - t->len < len + 1) {
		size_t cap = t->text_cap ? t->text_cap * 2 : 65536;
		char *b;

		while (cap - t->len < len + 1)
			cap *= 2;
		if (!(b = realloc(t->text, cap)))
			return -ENOMEM;
		t->text = b;
		t->text_cap = cap;
	}
	return 0;
}

int mnttab_parse_since(struct mnttab *t, const char *text, size_t len, const struct mnttab *prev)
{
	int r;

	clear(t);
	t->len = 0;
	if ((r = text_room(t, len)) < 0)
		return r;
	memcpy(t->text, text, len);
	t->len = len;
	return parse_text(t, prev);
}

int mnttab_parse(struct mnttab *t, const char *text, size_t len)
{
	return mnttab_parse_since(t, text, len, NULL);
}

/* A reading of fd from offset 0 to EOF into t->text. */
static int read_all(int fd, struct mnttab *t)
{
	t->len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n;
		int r;

		if ((r = text_room(t, 4096)) < 0)
			return r;
		n = read(fd, t->text + t->len, t->text_cap - t->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		t->len += (size_t)n;
	}
}

int mnttab_read_since(int fd, struct mnttab *t, const struct mnttab *prev)
{
	int r = -EAGAIN;

	/* A reading spans several read() calls; older kernels may show a
	 * mount twice when the table changed in between. */
	for (int tries = 0; tries < 8 && r == -EAGAIN; tries++) {
		clear(t);
		if ((r = read_all(fd, t)) < 0)
			break;
		r = parse_text(t, prev);
	}
	return r;
}

int mnttab_read(int fd, struct mnttab *t)
{
	return mnttab_read_since(fd, t, NULL);
}

const struct mnt_rec *mnttab_find(const struct mnttab *t, uint64_t id)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mnt_rec *r = nth(t, mid);

		if (r->id == id)
			return r;
		if (r->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void mnttab_free(struct mnttab *t)
{
	clear(t);
	free(t->fs);
	free(t->v);
	free(t->by_id);
	free(t->line_off);
	free(t->line_len);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

bool mnt_rec_same_mount(const struct mnt_rec *a, const struct mnt_rec *b)
{
	return a->id == b->id && a->major == b->major && a->minor == b->minor &&
	       streq_ptr(a->root, b->root) && streq_ptr(a->fstype, b->fstype) &&
	       streq_ptr(a->source, b->source);
}

bool mnt_rec_changed(const struct mnt_rec *a, const struct mnt_rec *b)
{
	return !streq_ptr(a->vfs_opts, b->vfs_opts) || !streq_ptr(a->sb_opts, b->sb_opts) ||
	       !streq_ptr(a->fields, b->fields) || !streq_ptr(a->source, b->source);
}

int mnttab_diff(const struct mnttab *a, const struct mnttab *b, mnt_diff_fn fn, void *arg)
{
	int count = 0, r;
	size_t i, j;

	/* Detaches, highest id first: walk both tables backwards. */
	for (i = a->n, j = b->n; i > 0;) {
		const struct mnt_rec *x = nth(a, i - 1);

		while (j > 0 && nth(b, j - 1)->id > x->id)
			j--;
		if (j == 0 || nth(b, j - 1)->id != x->id || !mnt_rec_same_mount(x, nth(b, j - 1))) {
			if ((r = fn(MNTDIFF_DETACH, x, NULL, arg)) < 0)
				return r;
			count++;
		}
		i--;
	}
	/* Moves and changes, then attaches, lowest id first. */
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0, j = 0; j < b->n; j++) {
			const struct mnt_rec *y = nth(b, j), *x;

			while (i < a->n && nth(a, i)->id < y->id)
				i++;
			x = i < a->n && nth(a, i)->id == y->id && mnt_rec_same_mount(nth(a, i), y) ?
				    nth(a, i) :
				    NULL;
			if (pass == 0 && x && !streq_ptr(x->target, y->target))
				r = fn(MNTDIFF_MOVE, x, y, arg);
			else if (pass == 0 && x && mnt_rec_changed(x, y))
				r = fn(MNTDIFF_CHANGE, x, y, arg);
			else if (pass == 1 && !x)
				r = fn(MNTDIFF_ATTACH, NULL, y, arg);
			else
				continue;
			if (r < 0)
				return r;
			count++;
		}
	}
	return count;
}

/* Appends s (n bytes) to buf at *used, with a comma first when not empty;
 * truncates silently at len - 1. */
static void add_opt(char *buf, size_t len, size_t *used, const char *s, size_t n)
{
	if (*used && *used + 1 < len)
		buf[(*used)++] = ',';
	if (n > len - 1 - *used)
		n = len - 1 - *used;
	memcpy(buf + *used, s, n);
	*used += n;
	buf[*used] = '\0';
}

/* Adds every option of list but "rw" and "ro"; tells whether "ro" was in it. */
static int add_opts_but_rw(char *buf, size_t len, size_t *used, const char *list)
{
	int ro = 0;

	while (list && *list) {
		const char *c = strchr(list, ',');
		size_t n = c ? (size_t)(c - list) : strlen(list);

		if (n == 2 && strncmp(list, "ro", 2) == 0)
			ro = 1;
		else if (!(n == 2 && strncmp(list, "rw", 2) == 0) && n)
			add_opt(buf, len, used, list, n);
		list += n + (c ? 1 : 0);
	}
	return ro;
}

const char *mnt_rec_options(const struct mnt_rec *r, char *buf, size_t len)
{
	size_t used = 2;
	int ro;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[0] = '\0';
	if (!r->vfs_opts && !r->sb_opts)
		return buf;
	/* "rw" or "ro" first, settled once both lists are seen. */
	memcpy(buf, "rw", 3);
	ro = add_opts_but_rw(buf, len, &used, r->vfs_opts);
	ro |= add_opts_but_rw(buf, len, &used, r->sb_opts);
	buf[1] = ro ? 'o' : 'w';
	return buf;
}

const char *mnt_rec_propagation(const struct mnt_rec *r, char *buf, size_t len)
{
	const char *f = r->fields;
	int shared = 0, slave = 0, unbindable = 0;

	while (f && *f) {
		const char *sp = strchr(f, ' ');
		size_t n = sp ? (size_t)(sp - f) : strlen(f);

		if (strncmp(f, "shared:", 7) == 0)
			shared = 1;
		else if (strncmp(f, "master:", 7) == 0)
			slave = 1;
		else if (n == 10 && strncmp(f, "unbindable", 10) == 0)
			unbindable = 1;
		f += n + (sp ? 1 : 0);
	}
	if (!r->fields)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%s%s%s", shared ? "shared" : "private", slave ? ",slave" : "",
			 unbindable ? ",unbindable" : "");
	return buf;
}

struct mnt_rec *mnt_rec_dup(const struct mnt_rec *r)
{
	const char *const *src[] = { &r->root,   &r->target, &r->vfs_opts, &r->fields,
				     &r->fstype, &r->source, &r->sb_opts };
	size_t size = sizeof(*r);
	struct mnt_rec *c;
	char *p;

	for (size_t i = 0; i < ARRAY_SIZE(src); i++)
		if (*src[i])
			size += strlen(*src[i]) + 1;
	c = malloc(size);
	if (!c)
		return NULL;
	*c = *r;
	p = (char *)(c + 1);
	{
		const char **dst[] = { &c->root,   &c->target, &c->vfs_opts, &c->fields,
				       &c->fstype, &c->source, &c->sb_opts };

		for (size_t i = 0; i < ARRAY_SIZE(src); i++) {
			size_t n;

			if (!*src[i])
				continue;
			n = strlen(*src[i]) + 1;
			memcpy(p, *src[i], n);
			*dst[i] = p;
			p += n;
		}
	}
	return c;
}
