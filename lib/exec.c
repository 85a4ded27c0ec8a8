/* Running commands as exec wrappers must (see exec.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec.h"
#include "fileio.h"
#include "sig.h"
#include "util.h"

int exec_failure_code(int err)
{
	err = err < 0 ? -err : err;
	return err == ENOENT ? 127 : 126;
}

int exec_status_code(int wstatus)
{
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}

/* May this process execute the file at fd (O_PATH)? faccessat2 (5.8) takes
 * AT_EMPTY_PATH and knows ACLs and noexec mounts; without it, the mode's x
 * bits. */
static int may_execute(int fd, const struct stat *st)
{
	if (faccessat(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) == 0)
		return 0;
	if (!errno_is_not_supported(errno))
		return -errno;
	return st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH) ? 0 : -EACCES;
}

int exec_check_file(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return may_execute(fd, &st);
}

/* Opens one candidate: 0, or -errno (-EACCES when it is no executable
 * regular file, -EISDIR for a directory). */
static int open_candidate(const char *path, int *ret_fd)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = exec_check_file(fd);
	if (r < 0)
		return r;
	*ret_fd = take_fd(&fd);
	return 0;
}

int exec_open_program(const char *name, const char *search, int *ret_fd, char **ret_path)
{
	bool seen = false;
	int r;

	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		char *copy = strdup(name);
		int fd = -1;

		if (!copy)
			return -ENOMEM;
		r = open_candidate(name, &fd);
		if (r < 0) {
			free(copy);
			return r;
		}
		*ret_fd = fd;
		*ret_path = copy;
		return 0;
	}
	if (!search)
		search = "/bin:/usr/bin";
	for (const char *p = search;; p++) {
		size_t dlen = strcspn(p, ":");
		char *path = NULL;
		int fd = -1;

		if (asprintf(&path, "%.*s%s%s", (int)dlen, p, dlen ? "/" : "", name) < 0)
			return -ENOMEM;
		r = open_candidate(path, &fd);
		if (r == 0) {
			*ret_fd = fd;
			*ret_path = path;
			return 0;
		}
		free(path);
		/* What execvp goes on after; anything else ends the search. */
		if (r == -EACCES || r == -EISDIR)
			seen = true;
		else if (r != -ENOENT && r != -ENOTDIR && r != -ESTALE && r != -ENODEV && r != -ETIMEDOUT &&
			 r != -ENAMETOOLONG && r != -ELOOP)
			return r;
		p += dlen;
		if (!*p)
			break;
	}
	return seen ? -EACCES : -ENOENT;
}

int exec_replace(char *const argv[], const sigset_t *mask, const int *keep, size_t nkeep)
{
	int r;

	for (size_t i = 0; i < nkeep; i++) {
		int fl = fcntl(keep[i], F_GETFD);

		if (fl < 0 || fcntl(keep[i], F_SETFD, fl & ~FD_CLOEXEC) < 0)
			return -errno;
	}
	r = sig_prepare_exec(mask);
	if (r < 0)
		return r;
	execvp(argv[0], argv);
	return -errno;
}

int exec_spawn(char *const argv[], const sigset_t *mask, const int *keep, size_t nkeep,
	       struct exec_child *ret)
{
	int pipefd[2], err = 0, status, r;
	char buf[sizeof(err) + 1];
	size_t n = 0;
	pid_t pid;

	/* The child reports a failed exec through a close-on-exec pipe: EOF
	 * means the program is running. */
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		safe_close(pipefd[0]);
		safe_close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		safe_close(pipefd[0]);
		err = -exec_replace(argv, mask, keep, nkeep);
		(void)write_all(pipefd[1], &err, sizeof(err));
		_exit(127);
	}
	safe_close(pipefd[1]);
	r = read_fd_buf(pipefd[0], buf, sizeof(buf), &n);
	if (r == 0 && n == sizeof(err))
		memcpy(&err, buf, sizeof(err));
	safe_close(pipefd[0]);
	if (err) {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		return -err;
	}
	ret->pid = pid;
	/* Our own unreaped child: its PID cannot be reused, so this pidfd is
	 * the one we started. */
	ret->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return 0;
}

int exec_wait(struct exec_child *c)
{
	int status;

	while (waitpid(c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	c->pidfd = safe_close(c->pidfd);
	return exec_status_code(status);
}
