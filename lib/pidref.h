/* Process handles: a PID turned, once, into something that names one process
 * for good: a pidfd (5.3+) with its pidfs inode (6.9+), and the start time
 * from /proc/PID/stat (the pre-pidfd identity: a recycled PID has a new one).
 *
 * Also how a process ended, from whichever source knows it: a wait status
 * (waitid on our own child, PIDFD_INFO_EXIT at reap time, the proc
 * connector's exit event, /proc/PID/stat's exit_code while a zombie).
 *
 * Functions return 0 or -errno and never print. */
#ifndef WISHBOX_PIDREF_H
#define WISHBOX_PIDREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pidref {
	pid_t pid;      /* 0 when unknown (a pidfd whose process was reaped) */
	int fd;         /* pidfd, or -1 */
	uint64_t inode; /* pidfs inode of the pidfd (unique for the boot), 0 when unknown */
	uint64_t start; /* start time in clock ticks after boot, 0 when unknown */
	bool elsewhere; /* a pidfd of a process outside our PID namespace: pid 0 */
};

#define PIDREF_NULL { .pid = 0, .fd = -1, .inode = 0, .start = 0, .elsewhere = false }

/* --- parsing --- */

/* "PID" or "PID:INODE" (both decimal, PID in 1..pid_max-1, INODE >= 1).
 * *ret_inode is 0 without the ":INODE" part. -EINVAL (form) or -ERANGE. */
int pidref_parse_spec(const char *s, pid_t pid_max, pid_t *ret_pid, uint64_t *ret_inode);

/* What /proc/PID/stat says, as far as this code needs it. */
struct procstat {
	char state;         /* R S D Z X t T I ... */
	pid_t ppid;         /* field 4 */
	long num_threads;   /* field 20 */
	uint64_t start;     /* field 22, clock ticks after boot */
	long long exit_code; /* field 52 (3.5+), wait-status encoding; -1 when absent */
};

/* Parses the text of /proc/PID/stat (the comm field may hold anything,
 * spaces and parentheses included). -EBADMSG when it is not that. */
int procstat_parse(const char *buf, size_t len, struct procstat *ret);

/* --- how a process ended --- */

struct exit_status {
	bool known;    /* false: it ended, but nothing could tell how */
	bool exited;   /* true: exit(code); false: killed by signal */
	int code;      /* with exited */
	int signal;    /* without exited */
	bool coredump; /* without exited: a core was dumped */
};

/* From a wait status (WIFEXITED/WTERMSIG/WCOREDUMP encoding). A value that is
 * neither an exit nor a death by signal gives -EINVAL. */
int exit_status_from_wait(int wstatus, struct exit_status *ret);
/* As a shell reports it: the code, or 128 + the signal. */
int exit_status_shell(const struct exit_status *st);

/* --- pidfds --- */

int pidfd_open_raw(pid_t pid, unsigned int flags);
/* The pidfs inode of a pidfd: -EOPNOTSUPP before pidfs (6.9), where every
 * pidfd shares one anonymous inode. */
int pidfd_inode(int fd, uint64_t *ret_inode);
/* Whether fd is a pidfd: 0 yes, -EBADF not open, -ENOTTY something else. */
int pidfd_check(int fd);
/* The PID a pidfd refers to in our PID namespace (PIDFD_GET_INFO, else the
 * "Pid:" line of /proc/self/fdinfo): -ESRCH once the process was reaped,
 * -EREMOTE while it lives outside our PID namespace (it has no PID here). */
int pidfd_get_pid(int fd, pid_t *ret_pid);
/* 0 while the process has not been reaped (running or zombie), -ESRCH
 * once it has been (pidfd_send_signal with signal 0, 5.1+). */
int pidfd_not_reaped(int fd);
/* How it ended, from PIDFD_GET_INFO with PIDFD_INFO_EXIT (6.15+). The
 * kernel records it when the process is reaped: -EAGAIN before that;
 * -ENOTTY/-EINVAL without PIDFD_GET_INFO (6.13); -ESRCH when reaped on a
 * kernel without PIDFD_INFO_EXIT. */
int pidfd_exit_info(int fd, struct exit_status *ret);
/* Whether this kernel gives exit statuses through pidfds: 0 yes (checked
 * with a child that exits 42), -ENOSYS no pidfd_open (5.3), -ENOTTY no
 * PIDFD_GET_INFO (6.13), -EOPNOTSUPP no PIDFD_INFO_EXIT (6.15), or the
 * error of fork. */
int pidfd_exit_info_supported(void);
/* Reaps our own exited child through its pidfd (waitid P_PIDFD, 5.4+):
 * 0 with the status, -EAGAIN while it runs, -ECHILD when it is not ours. */
int pidfd_reap_child(int fd, struct exit_status *ret);

/* --- handles --- */

/* Opens a pidfd for pid and fills r (pid, fd, inode when pidfs has one).
 * -ESRCH no such process; -ENOENT a thread that is not its process's main
 * thread; -ENOSYS no pidfd_open. */
int pidref_open_pid(struct pidref *r, pid_t pid);
/* Takes over a pidfd we were given (duplicated, so the caller's stays
 * open): pid (0 when already reaped, or with elsewhere set when the process
 * lives outside our PID namespace), inode. -ENOTTY not a pidfd; -ENOENT a
 * thread's pidfd (PIDFD_THREAD), which would tell only that thread's end. */
int pidref_open_fd(struct pidref *r, int fd);
/* Records the start time from /proc/PID/stat. With a pidfd, checks
 * afterwards that the process was not reaped meanwhile, so the start time is
 * surely this process's: -ESRCH when it is gone. */
int pidref_read_start(struct pidref *r);
void pidref_close(struct pidref *r);

/* What /proc says about the process of a handle, through one /proc/PID
 * directory fd (every read names the same process). */
enum proc_state {
	PROC_RUNNING,
	/* The main thread has exited (a zombie) while other threads run: the
	 * process lives until the last one exits, and /proc will then show the
	 * main thread's own exit code, not the process's (exit_group's). */
	PROC_LEADER_EXITED,
	PROC_ZOMBIE,
	PROC_GONE,
};
/* Sets *ret_state; PROC_GONE when /proc/PID is missing or holds another
 * process (a different start time). A zombie main thread with other threads
 * still running (pthread_exit) is PROC_LEADER_EXITED: the process lives on. For a zombie, *ret_status is known when
 * field 52 could be trusted: the kernel shows 0 there to whoever may not
 * ptrace-read the process, so it is used only when /proc/PID/ns/pid (the same
 * permission check) can be read. r->start must be set, or r->fd (then a
 * reaped process is GONE). */
int pidref_proc_state(const struct pidref *r, enum proc_state *ret_state,
		      struct exit_status *ret_status);

/* Whether pid is our parent, or its parent, and so on up (waiting for it
 * could wait for ever): 1, 0, or -errno. */
int pid_is_our_ancestor(pid_t pid);
/* Whether pid is our own child (it can be reaped by us): 1, 0, or -errno. */
int pid_is_our_child(pid_t pid);
/* Reaps our own exited child by PID (safe: a child's PID cannot be reused
 * before its parent reaps it): 0 with the status, -EAGAIN while it runs,
 * -ECHILD when it is not ours. */
int pid_reap_child(pid_t pid, struct exit_status *ret);

#endif
