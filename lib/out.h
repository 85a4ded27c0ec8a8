/* One emitter for every output mode: human text, KEY="value" pairs, one JSON
 * document, or JSON Lines (one object per record, flushed per record).
 *
 * A tool describes each record once, field by field; the mode decides the
 * form. Human mode ignores fields and prints what out_human() gives, since a
 * sentence reads better than a dump of keys.
 *
 * JSON strings: valid UTF-8 passes through; control bytes are \u escaped;
 * each byte of an invalid UTF-8 sequence becomes U+FFFD, and the record then
 * also carries KEY_base64, the exact bytes in base64 (CONTRIBUTING's
 * glossary). Pairs: "..." with `"`, `\`, `$` and backquote backslash-escaped;
 * a value with a control byte as $'...' with \xHH: either way the shell's
 * `eval` gives the exact bytes back, and a record stays one line. */
#ifndef WISHBOX_OUT_H
#define WISHBOX_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_mode { OUT_HUMAN, OUT_PAIRS, OUT_JSON, OUT_JSON_LINES };

#define OUT_MAX_DEPTH 8

struct out {
	FILE *f;
	enum out_mode mode;
	int depth;
	bool need_comma[OUT_MAX_DEPTH];
	int err; /* first write error as -errno, sticky */
};

void out_init(struct out *o, FILE *f, enum out_mode mode);

/* A record: a JSON object (a line of its own in JSON Lines and pairs). */
void out_begin(struct out *o);
/* Ends the record; every mode but one JSON document flushes it. Returns 0 or the first
 * write error as -errno (-EPIPE when the reader went away). */
int out_end(struct out *o);

void out_str(struct out *o, const char *key, const char *val); /* NULL: null */
void out_strn(struct out *o, const char *key, const char *val, size_t len);
void out_int(struct out *o, const char *key, int64_t val);
void out_uint(struct out *o, const char *key, uint64_t val);
void out_bool(struct out *o, const char *key, bool val);
void out_null(struct out *o, const char *key);

/* Nested values (JSON modes only; pairs and human ignore the nesting). Inside
 * an array, pass key NULL. */
void out_object_begin(struct out *o, const char *key);
void out_object_end(struct out *o);
void out_array_begin(struct out *o, const char *key);
void out_array_end(struct out *o);

/* Text for human mode only. */
void out_human(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes len bytes of s to f for a human reader: control bytes (NUL
 * included) and DEL as \xHH, so that text from disk or the kernel stays on
 * its line and never reaches the terminal as a command. */
void out_human_text(FILE *f, const char *s, size_t len);

/* Writes s as a JSON string literal (with quotes) to f. */
void out_json_string(FILE *f, const char *s, size_t len);

#endif
