/* The glue every tool shares that prints and decides exit codes: the
 * parse_args contract, --help, --method with the -v story, the checks at
 * exit. It lives in cmd/ because lib/ never prints (see CONTRIBUTING). */
#ifndef WISHBOX_CLI_H
#define WISHBOX_CLI_H

#include <stdbool.h>

#include "../lib/method.h"
#include "../lib/out.h"

/* What parse_args() (and every step before the run) returns to go on; any
 * other value is the exit code to end with: EXIT_OK after --help or
 * --version, EXIT_USAGE after a usage error (already reported). */
#define CLI_CONTINUE (-1)

/* --help: the usage text on stdout; returns EXIT_OK. */
int cli_help(const char *usage);

/* From the getopt switch's default: an option that ends the run at once:
 * -h (the usage text, EXIT_OK), -V (the version, EXIT_OK), or one getopt
 * refused (it said why; the "Try" line, EXIT_USAGE). */
int cli_ending_option(int c, const char *usage);

/* -J, -P and -q of a tool that prints a record per event: at most one of
 * them (else a usage error, EXIT_USAGE); ret gets JSON Lines, pairs or human
 * (quiet prints nothing, whatever the mode). CLI_CONTINUE. */
int cli_stream_mode(bool json, bool pairs, bool quiet, enum out_mode *ret);

/* At parse time: an unknown --method NAME is a usage error (reported,
 * EXIT_USAGE); NULL, "auto" or a known name gives CLI_CONTINUE. Whether the
 * method works here is the run's question, not the parser's. */
int cli_check_method(const struct method_set *set, const char *name);

/* Picks the method (--method NAME, or NULL/"auto" for the first usable),
 * tells the -v story (each better method passed over and why, then the one
 * chosen) and runs it with ctx. Returns the run's exit code, or
 * EXIT_UNSUPPORTED with one line saying why nothing could run. */
int cli_run_method(const struct method_set *set, const char *name, void *ctx);

/* Makes sure fds 0, 1 and 2 are open (to /dev/null if they were closed), so
 * that no file a tool opens can become its stdout or stderr. 0 or -errno. */
int cli_open_std_fds(void);

/* An output write failed with err (lib/out's sticky error): says so once
 * ("write error: No space left on device") and returns EXIT_RUNTIME; a
 * reader that went away (-EPIPE) is quiet and EXIT_OK. */
int cli_write_failed(int err);

/* At exit: flushes and checks stdout and stderr. A write error is a failure
 * (EXIT_RUNTIME if status was EXIT_OK); a reader that went away is not.
 * Returns the status to exit with. */
int cli_finish(int status);

#endif
