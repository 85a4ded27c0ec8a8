/* Running a command the way exec wrappers (flock, timeout, env) must: the
 * command gets a clean signal state and none of our file descriptors, and
 * its fate becomes our exit code by the shell's rules. */
#ifndef WISHBOX_EXEC_H
#define WISHBOX_EXEC_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

struct exec_child {
	pid_t pid;
	int pidfd; /* -1 where the kernel has no pidfd_open (before 5.3) */
};

/* The exit code for a command that could not be executed: 127 when it was
 * not found (ENOENT), 126 when it was found but could not run. */
int exec_failure_code(int err);

/* The exit code for a wait status, as the shell reports it: the command's
 * own code, or 128 + N after signal N. */
int exec_status_code(int wstatus);

/* Starts argv (argv[0] searched in PATH as execvp does) in a child with
 * signal mask mask (NULL: nothing blocked) and SIGPIPE at its default.
 * Every fd of ours is close-on-exec; the nkeep fds in keep are passed on
 * anyway (a lock the command should hold). Returns 0 once the program is
 * running, or the exec's -errno (the child is then reaped already). */
int exec_spawn(char *const argv[], const sigset_t *mask, const int *keep, size_t nkeep,
	       struct exec_child *ret);

/* Waits for the child, closes its pidfd, returns exec_status_code(), or
 * -errno. */
int exec_wait(struct exec_child *c);

/* Finds the program name as execvp() does and opens it once, O_PATH |
 * O_CLOEXEC, so that exactly that file is executed later whatever happens
 * to its path. A name holding a '/' is opened as it is; else each directory
 * of search (a PATH value; NULL: "/bin:/usr/bin"; an empty entry is the
 * current one) in turn. A candidate must be a regular file this process
 * may execute; one that is not (a directory, no x bit, a noexec mount) is
 * passed over, as execvp passes over EACCES. Returns 0 with the fd and the
 * path opened (malloc'd), or -ENOENT (nothing of that name), -EACCES (found
 * but not executable), -EISDIR (a name with '/' that is a directory), or
 * another -errno of the lookup. */
int exec_open_program(const char *name, const char *search, int *ret_fd, char **ret_path);

/* May this process execute the file open at fd (any open mode, O_PATH
 * too)? 0, -EISDIR for a directory, -EACCES for anything else that is not
 * an executable regular file, or -errno. */
int exec_check_file(int fd);

/* Replaces this process with argv, same rules as exec_spawn(). Returns only
 * on failure, with -errno. */
int exec_replace(char *const argv[], const sigset_t *mask, const int *keep, size_t nkeep);

#endif
