/* Whole reads and writes: the loops around read(2) and write(2) that retry
 * EINTR, go on after a short count and stop at a size limit, written once. */
#ifndef WISHBOX_FILEIO_H
#define WISHBOX_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Reads fd from its current offset to EOF into a new NUL-terminated buffer.
 * More than max bytes: -EFBIG. On a non-blocking fd with nothing more to
 * read yet (a FIFO whose writer is slow), stops and returns what it has. */
int read_fd_alloc(int fd, size_t max, char **ret_buf, size_t *ret_len);

/* The same into the caller's buffer of size bytes (NUL-terminated, so it
 * holds size - 1): -EFBIG when the file is longer. */
int read_fd_buf(int fd, char *buf, size_t size, size_t *ret_len);

/* Opens path (relative to dirfd, as openat) read-only and reads it whole
 * into buf; ret_len may be NULL. For /proc and /sys files, pidfiles. */
int read_file_buf(int dirfd, const char *path, char *buf, size_t size, size_t *ret_len);

/* Its first line, without the newline. */
int read_file_line(int dirfd, const char *path, char *buf, size_t size);

/* Writes all of buf: retries EINTR and short writes; a write of 0 bytes is
 * -EIO. */
int write_all(int fd, const void *buf, size_t len);

/* Reads or writes exactly len bytes at off: end of file first is -EIO. */
int pread_all(int fd, void *buf, size_t len, uint64_t off);
int pwrite_all(int fd, const void *buf, size_t len, uint64_t off);

#endif
