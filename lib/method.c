/* Choosing a method: forced by name, or the first whose probe succeeds. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "method.h"

int method_select(const struct method_set *set, const char *name, const void *ctx,
		  method_skip_fn skip, void *skip_arg, char *why, size_t len)
{
	char reason[METHOD_WHY_MAX];

	if (name && strcmp(name, "auto") != 0) {
		for (size_t i = 0; i < set->n; i++) {
			if (strcmp(set->v[i].name, name) != 0)
				continue;
			reason[0] = '\0';
			if (set->v[i].probe(ctx, reason, sizeof(reason)) < 0) {
				snprintf(why, len, "%s", reason);
				return -EOPNOTSUPP;
			}
			return (int)i;
		}
		return -ENOENT;
	}
	for (size_t i = 0; i < set->n; i++) {
		reason[0] = '\0';
		if (set->v[i].probe(ctx, reason, sizeof(reason)) == 0)
			return (int)i;
		if (skip)
			skip(&set->v[i], reason, skip_arg);
		snprintf(why, len, "%s", reason);
	}
	return -EOPNOTSUPP;
}

const char *method_names(const struct method_set *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < set->n && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", set->v[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}
