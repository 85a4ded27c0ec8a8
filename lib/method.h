/* Methods: the ways a tool can do its job, best first.
 *
 * Each method names a kernel interface (or a fallback) and has a probe that
 * tries it here: 0 when usable, else -errno with a reason. `--method NAME`
 * forces one; "auto" takes the first usable. `wishbox features` runs every
 * probe of every tool. */
#ifndef WISHBOX_METHOD_H
#define WISHBOX_METHOD_H

#include <stddef.h>

#include "util.h"

#define METHOD_WHY_MAX 200

struct method {
	const char *name;
	/* What it uses, e.g. "pidfd + PIDFD_GET_INFO exit status (6.15+)". */
	const char *summary;
	/* ctx is the tool's options, or NULL for "on this system in general"
	 * (wishbox features). Fills why in both cases. */
	int (*probe)(const void *ctx, char *why, size_t len);
	/* Does the job as method m (its name goes into the output); returns
	 * the tool's exit code. */
	int (*run)(void *ctx, const struct method *m);
};

struct method_set {
	const struct method *v;
	size_t n;
};

#define METHOD_SET(arr) { (arr), ARRAY_SIZE(arr) }

/* Called for each better method that was passed over, with its reason. */
typedef void (*method_skip_fn)(const struct method *m, const char *why, void *arg);

/* Picks the method to run. name is NULL or "auto" for the first usable one,
 * or a method's name to force it. Returns the index, or
 *   -ENOENT      no method has that name (a usage error);
 *   -EOPNOTSUPP  nothing usable, or the forced one is not usable here;
 *                why says why (for auto: the reason of the last one tried).
 * skip may be NULL. */
int method_select(const struct method_set *set, const char *name, const void *ctx,
		  method_skip_fn skip, void *skip_arg, char *why, size_t len);

/* "pidfd-info, pidfd, netlink, procfs" into buf, for messages and --help. */
const char *method_names(const struct method_set *set, char *buf, size_t len);

#endif
