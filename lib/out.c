/* Human, pairs, JSON and JSON Lines output from one set of calls. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "out.h"
#include "utf8.h"

void out_init(struct out *o, FILE *f, enum out_mode mode)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->mode = mode;
}

static bool is_json(const struct out *o)
{
	return o->mode == OUT_JSON || o->mode == OUT_JSON_LINES;
}

static void note_error(struct out *o)
{
	if (ferror(o->f) && !o->err)
		o->err = errno ? -errno : -EIO;
}

void out_human_text(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void out_json_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;

		switch (c) {
		case '"': fputs("\\\"", f); i++; continue;
		case '\\': fputs("\\\\", f); i++; continue;
		case '\n': fputs("\\n", f); i++; continue;
		case '\t': fputs("\\t", f); i++; continue;
		case '\r': fputs("\\r", f); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			i++;
			continue;
		}
		uint32_t cp;

		n = utf8_decode(str + i, len - i, &cp);
		if (!n) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		fwrite(s + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

/* A pairs value: "..." with `"`, `\\`, `$` and backquote escaped, which eval
 * turns back into the bytes; a value with a control byte (newline, tab,
 * ESC...) as $'...' instead, the one shell quoting that gives such a byte back
 * while the record stays on one line: control bytes as \\xHH, `'` and `\\`
 * escaped, every other byte as it is. */
static void pairs_string(FILE *f, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	bool ctl = false;

	for (size_t i = 0; i < len && !ctl; i++)
		ctl = s[i] < 0x20 || s[i] == 0x7f;
	if (ctl) {
		fputs("$'", f);
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\'' || s[i] == '\\')
				fprintf(f, "\\%c", s[i]);
			else if (s[i] < 0x20 || s[i] == 0x7f)
				fprintf(f, "\\x%02x", s[i]);
			else
				fputc(s[i], f);
		}
		fputc('\'', f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\' || s[i] == '$' || s[i] == '`')
			fprintf(f, "\\%c", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

static bool utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

static void base64(FILE *f, const char *str, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (uint32_t)s[i + 1] << 8;
		if (n > 2)
			v |= s[i + 2];
		fputc(tab[(v >> 18) & 63], f);
		fputc(tab[(v >> 12) & 63], f);
		fputc(n > 1 ? tab[(v >> 6) & 63] : '=', f);
		fputc(n > 2 ? tab[v & 63] : '=', f);
	}
	fputc('"', f);
}

/* The separator and key that come before every value. */
static void key(struct out *o, const char *k)
{
	if (o->mode == OUT_PAIRS) {
		if (o->need_comma[0])
			fputc(' ', o->f);
		o->need_comma[0] = true;
		for (const char *p = k; p && *p; p++)
			fputc(*p == '-' ? '_' : (*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' : *p, o->f);
		fputc('=', o->f);
		return;
	}
	if (o->need_comma[o->depth])
		fputc(',', o->f);
	o->need_comma[o->depth] = true;
	if (k) {
		out_json_string(o->f, k, strlen(k));
		fputc(':', o->f);
	}
}

static bool wants_fields(const struct out *o)
{
	return o->mode != OUT_HUMAN;
}

static void open_container(struct out *o, const char *k, char c)
{
	if (!is_json(o))
		return;
	if (o->depth > 0)
		key(o, k);
	fputc(c, o->f);
	if (o->depth + 1 < OUT_MAX_DEPTH)
		o->depth++;
	o->need_comma[o->depth] = false;
}

static void close_container(struct out *o, char c)
{
	if (!is_json(o))
		return;
	fputc(c, o->f);
	if (o->depth > 0)
		o->depth--;
}

void out_begin(struct out *o)
{
	if (o->mode == OUT_PAIRS)
		o->need_comma[0] = false;
	open_container(o, NULL, '{');
}

int out_end(struct out *o)
{
	close_container(o, '}');
	if (o->depth == 0) {
		if (o->mode != OUT_HUMAN)
			fputc('\n', o->f);
		/* Streams are read as they happen: a record is not kept back. */
		if (o->mode != OUT_JSON)
			fflush(o->f);
	}
	note_error(o);
	return o->err;
}

void out_object_begin(struct out *o, const char *k)
{
	open_container(o, k, '{');
}

void out_object_end(struct out *o)
{
	close_container(o, '}');
}

void out_array_begin(struct out *o, const char *k)
{
	open_container(o, k, '[');
}

void out_array_end(struct out *o)
{
	close_container(o, ']');
}

void out_strn(struct out *o, const char *k, const char *val, size_t len)
{
	if (!wants_fields(o))
		return;
	key(o, k);
	if (!val)
		fputs(is_json(o) ? "null" : "\"\"", o->f);
	else if (is_json(o))
		out_json_string(o->f, val, len);
	else
		pairs_string(o->f, val, len);
	/* JSON cannot hold bytes that are not UTF-8: the exact ones beside. */
	if (val && is_json(o) && k && !utf8_valid(val, len)) {
		char k64[96]; /* keys are short glossary words */

		snprintf(k64, sizeof(k64), "%s_base64", k);
		key(o, k64);
		base64(o->f, val, len);
	}
}

void out_str(struct out *o, const char *k, const char *val)
{
	out_strn(o, k, val, val ? strlen(val) : 0);
}

void out_int(struct out *o, const char *k, int64_t val)
{
	if (!wants_fields(o))
		return;
	key(o, k);
	fprintf(o->f, is_json(o) ? "%lld" : "\"%lld\"", (long long)val);
}

void out_uint(struct out *o, const char *k, uint64_t val)
{
	if (!wants_fields(o))
		return;
	key(o, k);
	fprintf(o->f, is_json(o) ? "%llu" : "\"%llu\"", (unsigned long long)val);
}

void out_bool(struct out *o, const char *k, bool val)
{
	if (!wants_fields(o))
		return;
	key(o, k);
	if (is_json(o))
		fputs(val ? "true" : "false", o->f);
	else
		fputs(val ? "\"yes\"" : "\"no\"", o->f);
}

void out_null(struct out *o, const char *k)
{
	out_str(o, k, NULL);
}

void out_human(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->mode != OUT_HUMAN)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	note_error(o);
}
