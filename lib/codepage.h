/* OEM code pages, built in: what DOS and FAT short names and labels are
 * written in. No iconv, so a static binary needs no gconv modules.
 *
 * Text on the command line and on stdout is UTF-8; on disk it is one byte
 * per character in the code page. Bytes below 0x80 are ASCII in every
 * table here. */
#ifndef WISHBOX_CODEPAGE_H
#define WISHBOX_CODEPAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

struct codepage;

/* The table for code page number (437, 850, ...), or NULL. */
const struct codepage *codepage_find(unsigned number);
unsigned codepage_number(const struct codepage *cp);
/* "437, 850, 852, 858, 866" */
const char *codepage_list(void);

/* The UTF-8 form of code point c in out (4 bytes are enough); its length. */
size_t utf8_encode(uint32_t c, char *out);

/* The byte for code point c, or -ENOENT when the code page has none. */
int codepage_from_unicode(const struct codepage *cp, uint32_t c);
/* The code point of byte b. */
uint32_t codepage_to_unicode(const struct codepage *cp, uint8_t b);
/* Byte b is a lower-case letter that has an upper-case form. */
bool codepage_is_lower(const struct codepage *cp, uint8_t b);

/* in (len bytes in the code page) as UTF-8 in out, NUL-terminated and cut
 * at a character boundary when out is too small. Returns the length. */
size_t codepage_decode(const struct codepage *cp, const uint8_t *in, size_t len, char *out,
		       size_t outlen);

#endif
