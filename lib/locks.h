/* File locks as the kernel lists them (/proc/locks, and the "lock:" lines
 * of /proc/PID/fdinfo/FD): who holds a BSD lock on a file. */
#ifndef WISHBOX_LOCKS_H
#define WISHBOX_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One line of /proc/locks:
 *   "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
 *   "1: -> FLOCK  ADVISORY  WRITE 99 fd:01:5678 0 EOF"   (a waiter)
 * The device is MAJ:MIN in hex, the inode decimal. */
struct lock_entry {
	char type[16];   /* FLOCK, POSIX, OFDLCK, LEASE, DELEG, ... */
	char access[16]; /* READ, WRITE, UNLCK, ... */
	bool waiting;    /* "->": blocked, waiting for this lock */
	pid_t pid;       /* who took it (-1 for OFD locks) */
	unsigned int major, minor;
	uint64_t inode;
};

/* Parses one line (with or without its newline). -EINVAL when it is not a
 * lock line. */
int locks_parse_line(const char *line, struct lock_entry *ret);

struct lock_holder {
	pid_t pid;
	bool exclusive;
};

/* The processes that hold a BSD lock on the file dev:inode now, sorted by
 * PID, no waiters. A flock() lock belongs to an open file description, and
 * /proc/locks names the process that took it, which may have exited while
 * others (its children) still hold it: so every process whose fdinfo shows
 * the lock is listed; /proc/locks' own PID is used, when alive, only when
 * no fdinfo could be read. proc is the procfs root ("/proc"). *ret is
 * malloc'ed (NULL when *ret_n is 0). */
int locks_flock_holders(const char *proc, dev_t dev, uint64_t inode, struct lock_holder **ret,
			size_t *ret_n);

#endif
