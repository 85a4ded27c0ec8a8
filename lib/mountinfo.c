/* /proc/PID/mountinfo: parse, look up, diff. Pure logic apart from
 * mountinfo_read(); unit tested in tests/unit/test_mountinfo.c and fuzzed in
 * tests/fuzz/fuzz_mountinfo.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mountinfo.h"
#include "util.h"

static int is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

size_t mnt_unescape(char *s, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (s[i] == '\\' && i + 3 < len && is_odigit(s[i + 1]) && s[i + 1] <= '3' &&
		    is_odigit(s[i + 2]) && is_odigit(s[i + 3])) {
			s[o++] = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) |
					(s[i + 3] - '0'));
			i += 4;
			continue;
		}
		s[o++] = s[i++];
	}
	if (o < len)
		s[o] = '\0';
	return o;
}

/* A decimal number that fits in max; the whole token. */
static int parse_num(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!*s)
		return -EBADMSG;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EBADMSG;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -EBADMSG;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*ret = v;
	return 0;
}

static int parse_dev(char *s, uint32_t *major, uint32_t *minor)
{
	char *colon = strchr(s, ':');
	uint64_t a, b;

	if (!colon)
		return -EBADMSG;
	*colon = '\0';
	if (parse_num(s, UINT32_MAX, &a) < 0 || parse_num(colon + 1, UINT32_MAX, &b) < 0)
		return -EBADMSG;
	*major = (uint32_t)a;
	*minor = (uint32_t)b;
	return 0;
}

/* Ends the token at *p (a run of non-spaces) with a NUL, decodes it, and
 * moves *p past the single space that follows. NULL at the end of the line. */
static char *token(char **p, char *end)
{
	char *s = *p, *e = s;

	if (s >= end)
		return NULL;
	while (e < end && *e != ' ')
		e++;
	if (e == s)
		return NULL; /* two spaces in a row, or a trailing space */
	*p = e < end ? e + 1 : end;
	*e = '\0';
	mnt_unescape(s, (size_t)(e - s));
	return s;
}

/* One line, [line, end), NUL-free, no newline. */
static int parse_line(char *line, char *end, struct mnt_rec *r)
{
	char *p = line, *tok[6], *fields, *fields_end;
	uint64_t id, parent;

	for (int i = 0; i < 6; i++)
		if (!(tok[i] = token(&p, end)))
			return -EBADMSG;
	/* Optional fields up to a lone "-": keep them as one string. */
	fields = p;
	fields_end = NULL;
	for (;;) {
		char *s = p, *e = s;

		if (s >= end)
			return -EBADMSG;
		while (e < end && *e != ' ')
			e++;
		if (e == s)
			return -EBADMSG;
		if (e - s == 1 && *s == '-') {
			fields_end = s > fields ? s - 1 : s;
			p = e < end ? e + 1 : end;
			break;
		}
		p = e < end ? e + 1 : end;
	}
	*fields_end = '\0';
	mnt_unescape(fields, (size_t)(fields_end - fields));
	if (parse_num(tok[0], UINT64_MAX, &id) < 0 || parse_num(tok[1], UINT64_MAX, &parent) < 0 ||
	    parse_dev(tok[2], &r->major, &r->minor) < 0)
		return -EBADMSG;
	r->id = id;
	r->parent_id = parent;
	r->id_old = id > UINT32_MAX ? 0 : (uint32_t)id;
	r->root = tok[3];
	r->target = tok[4];
	r->vfs_opts = tok[5];
	r->fields = fields;
	if (!(r->fstype = token(&p, end)) || !(r->source = token(&p, end)) ||
	    !(r->sb_opts = token(&p, end)))
		return -EBADMSG;
	/* Nothing may follow the super options. */
	return p < end ? -EBADMSG : 0;
}

static int by_id(const void *a, const void *b, void *arg)
{
	const struct mnt_rec *v = arg;
	uint64_t x = v[*(const size_t *)a].id, y = v[*(const size_t *)b].id;

	return x < y ? -1 : x > y;
}

/* The i-th record in id order. */
static const struct mnt_rec *nth(const struct mountinfo *mi, size_t i)
{
	return &mi->v[mi->by_id[i]];
}

static void clear(struct mountinfo *mi)
{
	mi->n = 0;
}

/* Parses mi->buf[0..mi->len) in place. */
static int parse_buf(struct mountinfo *mi)
{
	char *p = mi->buf, *end = mi->buf + mi->len;

	clear(mi);
	if (memchr(mi->buf, '\0', mi->len))
		return -EBADMSG;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;

		if (le > p) {
			if (mi->n == mi->cap_v) {
				size_t cap = mi->cap_v ? mi->cap_v * 2 : 64;
				struct mnt_rec *v = reallocarray(mi->v, cap, sizeof(*v));
				size_t *ix;

				if (!v)
					return -ENOMEM;
				mi->v = v;
				ix = reallocarray(mi->by_id, cap, sizeof(*ix));
				if (!ix)
					return -ENOMEM;
				mi->by_id = ix;
				mi->cap_v = cap;
			}
			*le = '\0';
			if (parse_line(p, le, &mi->v[mi->n]) < 0) {
				clear(mi);
				return -EBADMSG;
			}
			mi->n++;
		}
		p = le + 1;
	}
	for (size_t i = 0; i < mi->n; i++)
		mi->by_id[i] = i;
	if (mi->n)
		qsort_r(mi->by_id, mi->n, sizeof(*mi->by_id), by_id, mi->v);
	for (size_t i = 1; i < mi->n; i++) {
		if (nth(mi, i)->id == nth(mi, i - 1)->id) {
			clear(mi);
			return -EAGAIN;
		}
	}
	return 0;
}

static int reserve(struct mountinfo *mi, size_t need)
{
	char *b;
	size_t cap = mi->cap ? mi->cap : 65536;

	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == mi->cap)
		return 0;
	b = realloc(mi->buf, cap);
	if (!b)
		return -ENOMEM;
	mi->buf = b;
	mi->cap = cap;
	return 0;
}

int mountinfo_parse(struct mountinfo *mi, const char *text, size_t len)
{
	int r = reserve(mi, len + 1);

	if (r < 0)
		return r;
	if (len)
		memcpy(mi->buf, text, len);
	mi->buf[len] = '\0';
	mi->len = len;
	return parse_buf(mi);
}

static int read_all(int fd, struct mountinfo *mi)
{
	size_t len = 0;
	int r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		/* One byte kept for the final NUL. */
		if ((r = reserve(mi, len + 4096 + 1)) < 0)
			return r;
		n = read(fd, mi->buf + len, mi->cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	mi->buf[len] = '\0';
	mi->len = len;
	return 0;
}

int mountinfo_read(int fd, struct mountinfo *mi)
{
	int r = -EAGAIN;

	/* A reading spans several read() calls; older kernels may show a
	 * mount twice when the table changed in between. */
	for (int tries = 0; tries < 8 && r == -EAGAIN; tries++) {
		if ((r = read_all(fd, mi)) < 0)
			return r;
		r = parse_buf(mi);
	}
	return r;
}

const struct mnt_rec *mountinfo_find(const struct mountinfo *mi, uint64_t id)
{
	size_t lo = 0, hi = mi->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct mnt_rec *r = nth(mi, mid);

		if (r->id == id)
			return r;
		if (r->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void mountinfo_free(struct mountinfo *mi)
{
	free(mi->buf);
	free(mi->v);
	free(mi->by_id);
	memset(mi, 0, sizeof(*mi));
}

bool mnt_rec_same_mount(const struct mnt_rec *a, const struct mnt_rec *b)
{
	return a->id == b->id && a->major == b->major && a->minor == b->minor &&
	       streq_ptr(a->root, b->root) && streq_ptr(a->fstype, b->fstype);
}

bool mnt_rec_changed(const struct mnt_rec *a, const struct mnt_rec *b)
{
	return !streq_ptr(a->vfs_opts, b->vfs_opts) || !streq_ptr(a->sb_opts, b->sb_opts) ||
	       !streq_ptr(a->fields, b->fields) || !streq_ptr(a->source, b->source);
}

int mountinfo_diff(const struct mountinfo *a, const struct mountinfo *b, mnt_diff_fn fn, void *arg)
{
	int count = 0, r;
	size_t i, j;

	/* Detaches, highest id first: walk both tables backwards. */
	for (i = a->n, j = b->n; i > 0;) {
		const struct mnt_rec *x = nth(a, i - 1);

		while (j > 0 && nth(b, j - 1)->id > x->id)
			j--;
		if (j == 0 || nth(b, j - 1)->id != x->id || !mnt_rec_same_mount(x, nth(b, j - 1))) {
			if ((r = fn(MNT_DETACH, x, NULL, arg)) < 0)
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
				r = fn(MNT_MOVE, x, y, arg);
			else if (pass == 0 && x && mnt_rec_changed(x, y))
				r = fn(MNT_CHANGE, x, y, arg);
			else if (pass == 1 && !x)
				r = fn(MNT_ATTACH, NULL, y, arg);
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
