/* Path strings without touching the filesystem. */
#ifndef WISHBOX_PATHNORM_H
#define WISHBOX_PATHNORM_H

#include <stdbool.h>

/* An absolute path with "//", "." and ".." resolved by their text alone
 * (no symlinks followed), no trailing "/". A relative path is taken from
 * cwd (itself absolute). *ret is malloc()ed. 0, -EINVAL (cwd not
 * absolute), or -ENOMEM. */
int path_normalize(const char *path, const char *cwd, char **ret);

/* Whether path is dir or lies below it; both normalized. */
bool path_is_under(const char *path, const char *dir);

#endif
