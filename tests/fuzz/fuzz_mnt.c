/* libFuzzer harness for lib/mnt (our code around libmount's parser: lookup,
 * the differ, options and propagation strings) and the fanotify event walker
 * of lib/mountapi: whatever the bytes, no crash and no undefined behaviour;
 * a table parses back into records that lookup finds, differs from itself
 * in nothing, and every record's strings can be printed and copied. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/mountapi.h"
#include "../../lib/mnt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_step(enum mnt_change what, const struct mnt_rec *old, const struct mnt_rec *cur,
		      void *arg)
{
	(void)arg;
	if ((what == MNTDIFF_ATTACH && (old || !cur)) || (what == MNTDIFF_DETACH && (!old || cur)) ||
	    ((what == MNTDIFF_MOVE || what == MNTDIFF_CHANGE) && (!old || !cur || old->id != cur->id)))
		abort();
	return 0;
}

static int count_event(uint64_t mask, uint64_t id, int fd, void *arg)
{
	(void)mask, (void)id, (void)fd;
	++*(size_t *)arg;
	return 0;
}

static void check_table(const struct mnttab *mi)
{
	char small[16], big[4096];

	for (size_t i = 0; i < mi->n; i++) {
		const struct mnt_rec *r = &mi->v[i];
		struct mnt_rec *c;

		if (i && mi->v[mi->by_id[i - 1]].id >= mi->v[mi->by_id[i]].id)
			abort(); /* sorted, no repeats */
		if (mnttab_find(mi, r->id) != r)
			abort();
		mnt_rec_options(r, small, sizeof(small));
		mnt_rec_options(r, big, sizeof(big));
		if (strlen(small) >= sizeof(small))
			abort();
		mnt_rec_propagation(r, small, sizeof(small));
		c = mnt_rec_dup(r);
		if (!c || strcmp(c->target, r->target) != 0 || strcmp(c->sb_opts, r->sb_opts) != 0)
			abort();
		free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT;
	size_t cut = size ? data[0] % (size + 1) : 0, events = 0, n;
	char *copy;

	if (mnttab_parse(&a, (const char *)data, size) == 0) {
		check_table(&a);
		if (mnttab_diff(&a, &a, check_step, NULL) != 0)
			abort();
	}
	/* Two readings: the text cut in two, each half a table. */
	if (mnttab_parse(&a, (const char *)data, cut) == 0 &&
	    mnttab_parse(&b, (const char *)data + cut, size - cut) == 0) {
		check_table(&b);
		if (mnttab_diff(&a, &b, check_step, NULL) < 0 ||
		    mnttab_diff(&b, &a, check_step, NULL) < 0)
			abort();
	}
	/* A reading parsed after another, reusing its unchanged lines, is
	 * the same as the reading parsed alone. */
	if (mnttab_parse(&a, (const char *)data, cut) == 0) {
		struct mnttab c = MNTTAB_INIT;
		int rb = mnttab_parse(&b, (const char *)data + cut, size - cut);
		int rc = mnttab_parse_since(&c, (const char *)data + cut, size - cut, &a);

		if (rb != rc || (rb == 0 && b.n != c.n))
			abort();
		for (size_t i = 0; rb == 0 && i < b.n; i++)
			if (b.v[i].id != c.v[i].id || strcmp(b.v[i].target, c.v[i].target) != 0 ||
			    strcmp(b.v[i].sb_opts, c.v[i].sb_opts) != 0)
				abort();
		mnttab_free(&c);
	}
	mnttab_free(&a);
	mnttab_free(&b);

	copy = malloc(size + 1);
	if (copy) {
		memcpy(copy, data, size);
		copy[size] = '\0';
		n = strlen(copy);
		if (mnt_unescape(copy) == 0 && strlen(copy) > n)
			abort();
		free(copy);
	}
	/* The same bytes as a fanotify event buffer. */
	(void)mountapi_fanotify_parse(data, size, count_event, &events);
	return 0;
}
