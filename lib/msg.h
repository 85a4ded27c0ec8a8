/* Messages on stderr in the form "TOOL: what failed: why".
 *
 * This is the one part of lib/ that writes: it is how cmd/ reports. Other
 * library code returns -errno and lets the tool decide what to say. */
#ifndef WISHBOX_MSG_H
#define WISHBOX_MSG_H

#include <stdbool.h>

/* The name messages start with: the tool's, not argv[0]'s. */
void msg_set_prog(const char *name);
const char *msg_prog(void);

/* "TOOL: <fmt>\n" */
void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "TOOL: <fmt>: strerror(-err)\n" for a negative errno value */
void msg_errno(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "TOOL: warning: <fmt>\n" */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only when verbose was switched on: "TOOL: <fmt>\n" */
void msg_set_verbose(bool on);
bool msg_verbose(void);
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error: "TOOL: <fmt>" and "Try 'TOOL --help'."; returns EXIT_USAGE. */
int msg_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only the "Try" line (getopt has already said what was wrong). */
int msg_try_help(void);
/* "TOOL from wishbox VERSION" on stdout; returns EXIT_OK. */
int msg_version(void);

#endif
