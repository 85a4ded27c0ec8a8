/* The shared command-line glue (see cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/exitcodes.h"
#include "../lib/msg.h"
#include "../lib/util.h"
#include "cli.h"

int cli_help(const char *usage)
{
	fputs(usage, stdout);
	return EXIT_OK;
}

int cli_ending_option(int c, const char *usage)
{
	switch (c) {
	case 'h': return cli_help(usage);
	case 'V': return msg_version();
	default: return msg_try_help();
	}
}

int cli_stream_mode(bool json, bool pairs, bool quiet, enum out_mode *ret)
{
	if (json + pairs + quiet > 1)
		return msg_usage("--json, --pairs and --quiet exclude each other");
	*ret = json ? OUT_JSON_LINES : pairs ? OUT_PAIRS : OUT_HUMAN;
	return CLI_CONTINUE;
}

int cli_check_method(const struct method_set *set, const char *name)
{
	char names[256];

	if (!name || streq(name, "auto"))
		return CLI_CONTINUE;
	for (size_t i = 0; i < set->n; i++)
		if (streq(set->v[i].name, name))
			return CLI_CONTINUE;
	return msg_usage("unknown method '%s' (choose from auto, %s)", name,
			 method_names(set, names, sizeof(names)));
}

static void say_passed_over(const struct method *m, const char *why, void *arg)
{
	(void)arg;
	msg_info("method %s passed over: %s", m->name, why);
}

int cli_run_method(const struct method_set *set, const char *name, void *ctx)
{
	char why[METHOD_WHY_MAX] = "";
	int r = cli_check_method(set, name), i;

	if (r != CLI_CONTINUE)
		return r;
	i = method_select(set, name, ctx, say_passed_over, NULL, why, sizeof(why));
	if (i < 0) {
		if (name && !streq(name, "auto"))
			msg_err("method %s is not usable here: %s", name, why);
		else
			msg_err("no usable method here%s%s", *why ? ": " : "", why);
		return EXIT_UNSUPPORTED;
	}
	msg_info("using method %s: %s", set->v[i].name, set->v[i].summary);
	return set->v[i].run(ctx, &set->v[i]);
}

int cli_open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: fd itself. */
		nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nfd < 0)
			return -errno;
		if (nfd != fd) {
			close(nfd);
			return -EBADF;
		}
	}
	return 0;
}

/* A pipe whose reader has gone shows POLLERR on the writing end: so a
 * stream error from long ago (errno is stale by now) can still be told from
 * a real write error. */
static bool reader_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

int cli_write_failed(int err)
{
	/* Reported here: the check at exit must not say it again. */
	clearerr(stdout);
	if (err == -EPIPE)
		return EXIT_OK;
	msg_errno(err, "write error");
	return EXIT_RUNTIME;
}

int cli_finish(int status)
{
	bool failed;
	int err;

	errno = 0;
	failed = fflush(stdout) != 0 || ferror(stdout);
	err = errno; /* 0: the error flag is from an earlier write */
	if (failed && err != EPIPE && !reader_gone(STDOUT_FILENO)) {
		if (err)
			msg_errno(-err, "write error");
		else
			msg_err("write error");
		if (status == EXIT_OK)
			status = EXIT_RUNTIME;
	}
	/* Nothing is left to tell a failed stderr: the exit code says it. */
	if ((fflush(stderr) != 0 || ferror(stderr)) && status == EXIT_OK)
		status = EXIT_RUNTIME;
	return status;
}
