/* Strict UTF-8 decoding (no overlong forms, surrogates or values past
 * U+10FFFF). */
#ifndef WISHBOX_UTF8_H
#define WISHBOX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* One UTF-8 sequence at s (at most avail bytes): its length, and the code
 * point in *ret; 0 for an invalid or truncated sequence. */
size_t utf8_decode(const char *s, size_t avail, uint32_t *ret);

#endif
