/* Messages on stderr, prefixed with the running tool's name. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exitcodes.h"
#include "msg.h"

#ifndef WISHBOX_VERSION
#define WISHBOX_VERSION "unknown"
#endif

static const char *prog = "wishbox";
static bool verbose;

void msg_set_prog(const char *name)
{
	prog = name;
}

const char *msg_prog(void)
{
	return prog;
}

void msg_set_verbose(bool on)
{
	verbose = on;
}

bool msg_verbose(void)
{
	return verbose;
}

static void vsay(const char *prefix, const char *fmt, va_list ap, int err)
{
	/* One fprintf per piece, but stderr is unbuffered: build the line first
	 * so concurrent writers do not interleave inside it. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: %s", prog, prefix);

	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s\n", line, strerror(err));
	else
		fprintf(stderr, "%s\n", line);
}

void msg_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap, 0);
	va_end(ap);
}

void msg_errno(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap, err < 0 ? -err : err);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("warning: ", fmt, ap, 0);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap, 0);
	va_end(ap);
}

int msg_try_help(void)
{
	fprintf(stderr, "Try '%s --help'.\n", prog);
	return EXIT_USAGE;
}

int msg_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", fmt, ap, 0);
	va_end(ap);
	return msg_try_help();
}

int msg_version(void)
{
	printf("%s from wishbox %s\n", prog, WISHBOX_VERSION);
	return EXIT_OK;
}
