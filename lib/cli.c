/* Method choice as every tool reports it. */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "exitcodes.h"
#include "msg.h"

static void say_skipped(const struct method *m, const char *why, void *arg)
{
	(void)arg;
	msg_info("method %s passed over: %s", m->name, why);
}

int cli_pick_method(const struct method_set *set, const char *name, const void *ctx)
{
	char why[METHOD_WHY_MAX] = "", names[256];
	int i = method_select(set, name, ctx, say_skipped, NULL, why, sizeof(why));

	if (i == -ENOENT) {
		msg_usage("unknown method '%s' (choose from auto, %s)", name,
			  method_names(set, names, sizeof(names)));
		return -EXIT_USAGE;
	}
	if (i < 0) {
		if (name && strcmp(name, "auto") != 0)
			msg_err("method %s is not usable here: %s", name, why);
		else
			msg_err("no usable method here%s%s", *why ? ": " : "", why);
		return -EXIT_UNSUPPORTED;
	}
	msg_info("using method %s: %s", set->v[i].name, set->v[i].summary);
	return i;
}
