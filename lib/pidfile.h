/* Pidfiles, as init scripts and daemons write them: one PID, optionally
 * surrounded by white space (a trailing newline). wishbox also accepts the
 * "PID:INODE" form that `pidwait --identify` prints.
 *
 * Functions return 0 or -errno and never print. */
#ifndef WISHBOX_PIDFILE_H
#define WISHBOX_PIDFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest pidfile content taken (a PID and an inode with room to spare). */
#define PIDFILE_MAX 128
/* How long a FIFO's writer may take to finish the PID (end of file). */
#define PIDFILE_FIFO_WAIT_MS 2000

/* Parses the content of a pidfile. -ENODATA empty (or only white space),
 * -EINVAL not a PID, -ERANGE a PID out of 1..pid_max-1. */
int pidfile_parse(const char *buf, size_t len, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode);

/* Reads and parses the pidfile at path: the errors of open/read, -EFBIG
 * longer than PIDFILE_MAX, and those of pidfile_parse. A FIFO is read until
 * its writer closes it: -ETIMEDOUT when that takes more than
 * PIDFILE_FIFO_WAIT_MS. When the content is not a PID, it is left in what
 * for the message (without the white space around it, newlines and tabs as
 * \n and \t, other control bytes as '?', NUL-terminated, at most
 * what_len - 1 bytes). */
int pidfile_read(const char *path, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode,
		 char *what, size_t what_len);

#endif
