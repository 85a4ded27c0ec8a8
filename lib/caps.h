/* Capabilities (libcap; the only file that includes it): does this process
 * hold the privilege an interface needs? Lets a probe say "needs
 * CAP_SYS_ADMIN (not held)" instead of a bare EPERM. */
#ifndef WISHBOX_CAPS_H
#define WISHBOX_CAPS_H

#include <stdbool.h>
#include <stddef.h>

/* 1 when capability cap (CAP_SYS_ADMIN, ...) is in the effective set, 0
 * when not, -errno when it cannot be told. */
int caps_have(int cap);

/* "CAP_SYS_ADMIN" into buf (upper case, as the man pages write it). */
const char *caps_name(int cap, char *buf, size_t len);

/* 0 when cap is held; otherwise -EPERM and why = "needs CAP_X (not held)". */
int caps_need(int cap, char *why, size_t len);

#endif
