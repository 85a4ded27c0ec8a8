/* PID namespaces: which one a process is in, and whether it is the initial
 * one. The kernel names the initial PID namespace by a fixed nsfs inode
 * (0xEFFFFFFC, since 3.8) and, from 6.19, by a fixed namespace id (4); a
 * namespace fd comes from a pidfd (PIDFD_GET_PID_NAMESPACE, 6.11+, no /proc
 * needed) or from /proc/PID/ns/pid.
 *
 * Also the text that /proc shows about PID namespaces (NSpid lines,
 * /proc/PID/sched's first line), parsed here so it can be tested alone.
 *
 * Functions return 0 or -errno and never print. */
#ifndef WISHBOX_PIDNS_H
#define WISHBOX_PIDNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum pidns_kind { PIDNS_UNKNOWN, PIDNS_INITIAL, PIDNS_CHILD };

/* "initial", "child", or NULL for PIDNS_UNKNOWN. */
const char *pidns_kind_name(enum pidns_kind k);

/* A PID namespace as nsfs shows it. */
struct pidns_id {
	uint64_t inode;
	dev_t dev; /* of nsfs */
};

/* Checks that fd is a PID namespace on nsfs and fills ret: -EMEDIUMTYPE
 * when fd is not on nsfs, -EINVAL when it is a namespace of another type
 * (NS_GET_NSTYPE, 4.11+; not checked before). */
int pidns_identify(int fd, struct pidns_id *ret);

/* By the inode: PIDNS_INITIAL for 0xEFFFFFFC, else PIDNS_CHILD. */
enum pidns_kind pidns_kind_of_inode(uint64_t inode);

/* The PID namespace of a pidfd's process (PIDFD_GET_PID_NAMESPACE): an
 * O_CLOEXEC fd, or -ENOTTY before 6.11, -ESRCH when it has exited, -EPERM
 * or -EACCES when we may not look. */
int pidns_open_pidfd(int pidfd);

/* The PID namespace of /proc/self (or /proc/PID when pid > 0), checking
 * that /proc is procfs: -ENOENT when there is no /proc/self (not mounted),
 * -EMEDIUMTYPE when /proc is something else. */
int pidns_open_proc(pid_t pid);

/* Whether the mounted /proc shows our own PID namespace's numbers:
 * /proc/self is our getpid(). 0 yes; -EXDEV it belongs to another PID
 * namespace (a parent's: /proc/self is another number; a child's: no
 * /proc/self for us); -ENOENT no /proc. */
int pidns_proc_is_ours(void);

/* From 6.19 the kernel gives namespaces fixed ids (the initial PID
 * namespace is 4) and has listns(): 0 when it does, -ENOSYS when not. */
int pidns_fixed_ids_supported(void);
/* NS_GET_ID (6.18+) of a namespace fd: -ENOTTY before. */
int pidns_get_id(int nsfd, uint64_t *ret_id);
/* By the 6.19 id: PIDNS_INITIAL for 4, else PIDNS_CHILD (0: UNKNOWN). */
enum pidns_kind pidns_kind_of_id(uint64_t id);

#define PIDNS_NSPID_MAX 32 /* the kernel nests PID namespaces 32 deep at most */

/* The "NSpid:" line of /proc/PID/status or of a pidfd's fdinfo, in text of
 * len bytes: the PIDs from the procfs instance's namespace down to the
 * process's own. -ENOENT no such line, -EBADMSG malformed, -E2BIG more than
 * max values. A reaped process's fdinfo says "NSpid:\t-1" or "0": -ESRCH. */
int pidns_parse_nspid(const char *text, size_t len, pid_t *ret, size_t max, size_t *ret_n);
/* The "Pid:" line of a pidfd's fdinfo: the PID in the procfs instance's
 * namespace (0 or -1 when it is not seen there, or reaped). -ENOENT no such
 * line, -EBADMSG malformed. */
int pidns_parse_fdinfo_pid(const char *text, size_t len, long *ret);
/* /proc/PID/sched's first line, "comm (PID, #threads: N)": the PID (the
 * comm may hold parentheses and spaces). -EBADMSG when it is not that. */
int pidns_parse_sched_pid(const char *line, long *ret);

/* Reads the pidfd's fdinfo through /proc/self: its "Pid:" and "NSpid:"
 * lines as above (ret_nspid may be NULL). */
int pidns_pidfd_fdinfo(int pidfd, long *ret_pid, pid_t *ret_nspid, size_t max, size_t *ret_n);

#endif
