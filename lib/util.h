/* Small idioms every file uses: array length, fd cleanup, string equality,
 * errno classes, a qsort comparator. Header only, no state. */
#ifndef WISHBOX_UTIL_H
#define WISHBOX_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Elements of an array (not of a pointer: that fails to compile). */
#define ARRAY_SIZE(a) \
	(sizeof(a) / sizeof((a)[0]) + \
	 0 * sizeof(struct { int not_an_array : __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])) ? -1 : 1; }))

/* Closes fd if open, keeps errno, and returns -1 for `fd = safe_close(fd)`. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

/* Hands an fd on: returns it and leaves -1 behind, so a cleanup does not close it. */
static inline int take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

static inline void closep(int *fd)
{
	*fd = safe_close(*fd);
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* Declared cleanup: the fd is closed, the memory freed, on every way out. */
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_free_ __attribute__((cleanup(freep)))

/* Equal strings; both must be non-NULL. */
static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Equal strings or both NULL. */
static inline bool streq_ptr(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* "This kernel (or this filesystem) does not have it": the answers an
 * interface gives when it does not exist here, as opposed to a real failure.
 * err may be given positive or negative. */
static inline bool errno_is_not_supported(int err)
{
	err = err < 0 ? -err : err;
	return err == ENOSYS || err == EINVAL || err == ENOTTY || err == EOPNOTSUPP;
}

/* "Not allowed": missing privilege or a security module's refusal. */
static inline bool errno_is_privilege(int err)
{
	err = err < 0 ? -err : err;
	return err == EPERM || err == EACCES;
}

/* qsort() comparator for uint64_t (and anything that starts with one). */
static inline int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

#endif
