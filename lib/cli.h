/* The command-line contract every tool shares, on top of msg and method. */
#ifndef WISHBOX_CLI_H
#define WISHBOX_CLI_H

#include "method.h"

/* Picks the method for --method NAME (NULL or "auto": the first usable), with
 * the -v story on stderr: each better method passed over and why, then the
 * one chosen. Returns its index, or prints one line and returns
 * -EXIT_USAGE (unknown name) or -EXIT_UNSUPPORTED (nothing usable). */
int cli_pick_method(const struct method_set *set, const char *name, const void *ctx);

#endif
