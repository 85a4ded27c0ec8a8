/* Unit tests for lib/mnt: reading through libmount (escapes, optional
 * fields, an empty source, lines it cannot parse), lookup, the differ, and the findmnt-style options and
 * propagation strings. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/mnt.h"

static const char sample[] =
	"22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
	"1 0 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
	"63 1 254:0 /usr/share /mnt/my\\040dir rw,relatime master:1 propagate_from:3 - ext4 "
	"/dev/vda rw\n"
	"64 63 0:38 / /mnt/back\\134slash\\011tab ro,relatime - tmpfs my\\040src rw,size=1024k\n";

static void parses_fields_and_escapes(void **state)
{
	struct mnttab mi = MNTTAB_INIT;
	const struct mnt_rec *r;

	(void)state;
	assert_int_equal(mnttab_parse(&mi, sample, strlen(sample)), 0);
	assert_int_equal(mi.n, 4);
	/* In the order of the text, and by id. */
	assert_int_equal(mi.v[0].id, 22);
	assert_int_equal(mi.v[1].id, 1);
	assert_int_equal(mi.v[3].id, 64);
	assert_int_equal(mi.v[mi.by_id[0]].id, 1);
	assert_int_equal(mi.v[mi.by_id[1]].id, 22);
	assert_int_equal(mi.v[mi.by_id[3]].id, 64);

	r = mnttab_find(&mi, 22);
	assert_non_null(r);
	assert_int_equal(r->parent_id, 1);
	assert_int_equal(r->id_old, 22);
	assert_int_equal(r->major, 0);
	assert_int_equal(r->minor, 21);
	assert_string_equal(r->root, "/");
	assert_string_equal(r->target, "/proc");
	assert_string_equal(r->vfs_opts, "rw,nosuid,nodev,noexec,relatime");
	assert_string_equal(r->fields, "shared:12");
	assert_string_equal(r->fstype, "proc");
	assert_string_equal(r->source, "proc");
	assert_string_equal(r->sb_opts, "rw");

	r = mnttab_find(&mi, 63);
	assert_non_null(r);
	assert_string_equal(r->target, "/mnt/my dir");
	assert_string_equal(r->root, "/usr/share");
	assert_string_equal(r->fields, "master:1 propagate_from:3");
	assert_int_equal(r->major, 254);

	r = mnttab_find(&mi, 64);
	assert_non_null(r);
	assert_string_equal(r->target, "/mnt/back\\slash\ttab");
	assert_string_equal(r->source, "my src");
	assert_string_equal(r->fields, "");
	assert_string_equal(r->sb_opts, "rw,size=1024k");

	assert_null(mnttab_find(&mi, 2));
	assert_null(mnttab_find(&mi, 65));
	mnttab_free(&mi);
}

static void no_trailing_newline_and_empty_input(void **state)
{
	struct mnttab mi = MNTTAB_INIT;
	const char *one = "5 1 0:5 / /x rw - tmpfs t rw";

	(void)state;
	assert_int_equal(mnttab_parse(&mi, one, strlen(one)), 0);
	assert_int_equal(mi.n, 1);
	assert_string_equal(mi.v[0].sb_opts, "rw");
	assert_int_equal(mnttab_parse(&mi, "", 0), 0);
	assert_int_equal(mi.n, 0);
	assert_int_equal(mnttab_parse(&mi, "\n\n", 2), 0);
	assert_int_equal(mi.n, 0);
	mnttab_free(&mi);
}

static void skips_malformed_lines_keeps_the_rest(void **state)
{
	static const char *const bad[] = {
		"5 1 0:5 / /x rw tmpfs t rw",           /* no separator */
		"x 1 0:5 / /x rw - tmpfs t rw",         /* id not a number */
		"5 1 05 / /x rw - tmpfs t rw",          /* no colon */
		"5 1 0:5 / /x",                         /* short */
		"-",
	};
	struct mnttab mi = MNTTAB_INIT;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[256];

		snprintf(text, sizeof(text), "1 0 0:1 / / rw - ext4 /dev/x rw\n%s\n"
			 "7 1 0:7 / /y rw - tmpfs y rw\n", bad[i]);
		assert_int_equal(mnttab_parse(&mi, text, strlen(text)), 0);
		assert_non_null(mnttab_find(&mi, 1));
		assert_non_null(mnttab_find(&mi, 7));
	}
	mnttab_free(&mi);
}

/* mount -t tmpfs "" DIR: the kernel writes an empty source field. */
static void an_empty_source_is_a_mount_like_any_other(void **state)
{
	const char *text = "1 0 0:1 / / rw - ext4 /dev/x rw\n"
			   "5 1 0:5 / /x rw - tmpfs  rw,size=4k\n";
	struct mnttab mi = MNTTAB_INIT;
	const struct mnt_rec *r;

	(void)state;
	assert_int_equal(mnttab_parse(&mi, text, strlen(text)), 0);
	assert_int_equal(mi.n, 2);
	r = mnttab_find(&mi, 5);
	assert_non_null(r);
	assert_string_equal(r->target, "/x");
	assert_string_equal(r->fstype, "tmpfs");
	assert_string_equal(r->source, "");
	assert_string_equal(r->sb_opts, "rw,size=4k");
	mnttab_free(&mi);
}

static void a_repeated_id_asks_for_another_reading(void **state)
{
	struct mnttab mi = MNTTAB_INIT;
	const char *twice = "5 1 0:5 / /x rw - tmpfs t rw\n5 1 0:5 / /y rw - tmpfs t rw\n";

	(void)state;
	assert_int_equal(mnttab_parse(&mi, twice, strlen(twice)), -EAGAIN);
	assert_int_equal(mi.n, 0);
	mnttab_free(&mi);
}

static void unescape(void **state)
{
	char a[] = "a\\040b\\134c\\012", b[] = "lower\\054dir", c[] = "plain";

	(void)state;
	assert_int_equal(mnt_unescape(a), 0);
	assert_string_equal(a, "a b\\c\n");
	assert_int_equal(mnt_unescape(b), 0);
	assert_string_equal(b, "lower,dir");
	assert_int_equal(mnt_unescape(c), 0);
	assert_string_equal(c, "plain");
}

/* The differ's steps, as text. */
static char steps[1024];

static int record(enum mnt_change what, const struct mnt_rec *old, const struct mnt_rec *cur,
		  void *arg)
{
	static const char *const names[] = { "detach", "move", "change", "attach" };
	size_t n = strlen(steps);

	(void)arg;
	snprintf(steps + n, sizeof(steps) - n, "%s %llu %s%s%s;", names[what],
		 (unsigned long long)(cur ? cur->id : old->id), cur ? cur->target : old->target,
		 what == MNTDIFF_MOVE ? " from " : "", what == MNTDIFF_MOVE ? old->target : "");
	return 0;
}

static int stop_at_first(enum mnt_change what, const struct mnt_rec *old,
			 const struct mnt_rec *cur, void *arg)
{
	(void)what, (void)old, (void)cur;
	++*(int *)arg;
	return -ECANCELED;
}

static void diffs_in_order(void **state)
{
	const char *before = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			     "10 1 0:40 / /a rw - tmpfs a rw\n"
			     "11 10 0:41 / /a/b rw - tmpfs b rw\n"
			     "12 1 0:42 / /m rw - tmpfs m rw\n"
			     "13 1 0:43 / /c rw shared:1 - tmpfs c rw\n"
			     "14 1 0:44 / /reused rw - tmpfs r rw\n";
	const char *after = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			    "12 1 0:42 / /n rw - tmpfs m rw\n"
			    "13 1 0:43 / /c ro shared:1 - tmpfs c rw\n"
			    "14 1 0:99 / /other rw - tmpfs o rw\n"
			    "20 1 0:50 / /new1 rw - tmpfs n rw\n"
			    "21 20 0:51 / /new1/sub rw - tmpfs s rw\n";
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT;
	int calls = 0;

	(void)state;
	assert_int_equal(mnttab_parse(&a, before, strlen(before)), 0);
	assert_int_equal(mnttab_parse(&b, after, strlen(after)), 0);
	steps[0] = '\0';
	assert_int_equal(mnttab_diff(&a, &b, record, NULL), 8);
	assert_string_equal(steps, "detach 14 /reused;detach 11 /a/b;detach 10 /a;"
				   "move 12 /n from /m;change 13 /c;"
				   "attach 14 /other;attach 20 /new1;attach 21 /new1/sub;");
	/* Nothing between a reading and itself. */
	steps[0] = '\0';
	assert_int_equal(mnttab_diff(&b, &b, record, NULL), 0);
	assert_string_equal(steps, "");
	/* From nothing: all attaches; to nothing: all detaches. */
	{
		struct mnttab none = MNTTAB_INIT;

		steps[0] = '\0';
		assert_int_equal(mnttab_diff(&none, &a, record, NULL), 6);
		assert_int_equal(mnttab_diff(&a, &none, record, NULL), 6);
		mnttab_free(&none);
	}
	/* A callback's error stops the walk. */
	assert_int_equal(mnttab_diff(&a, &b, stop_at_first, &calls), -ECANCELED);
	assert_int_equal(calls, 1);
	mnttab_free(&a);
	mnttab_free(&b);
}

static void propagation_changes_are_changes(void **state)
{
	const char *before = "13 1 0:43 / /c rw shared:1 - tmpfs c rw\n";
	const char *after = "13 1 0:43 / /c rw - tmpfs c rw\n";
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT;

	(void)state;
	assert_int_equal(mnttab_parse(&a, before, strlen(before)), 0);
	assert_int_equal(mnttab_parse(&b, after, strlen(after)), 0);
	steps[0] = '\0';
	assert_int_equal(mnttab_diff(&a, &b, record, NULL), 1);
	assert_string_equal(steps, "change 13 /c;");
	mnttab_free(&a);
	mnttab_free(&b);
}

static const char *opts(const char *vfs, const char *sb)
{
	static char buf[128];
	struct mnt_rec r = { .vfs_opts = vfs, .sb_opts = sb };

	return mnt_rec_options(&r, buf, sizeof(buf));
}

static void options_as_findmnt_shows_them(void **state)
{
	char small[8];
	struct mnt_rec r = { .vfs_opts = "rw,nosuid,relatime", .sb_opts = "rw,size=1024k" };

	(void)state;
	assert_string_equal(opts("rw,relatime", "rw,size=1024k,mode=700"),
			    "rw,relatime,size=1024k,mode=700");
	assert_string_equal(opts("ro,relatime", "rw,size=1024k"), "ro,relatime,size=1024k");
	assert_string_equal(opts("rw,relatime", "ro,errors=continue"), "ro,relatime,errors=continue");
	assert_string_equal(opts("rw", "rw"), "rw");
	assert_string_equal(opts("rw", NULL), "rw");
	assert_string_equal(opts(NULL, NULL), "");
	/* Truncated, never overrun. */
	assert_string_equal(mnt_rec_options(&r, small, sizeof(small)), "rw,nosu");
	assert_string_equal(mnt_rec_options(&r, small, 2), "");
}

static const char *prop(const char *fields)
{
	static char buf[64];
	struct mnt_rec r = { .fields = fields };

	return mnt_rec_propagation(&r, buf, sizeof(buf));
}

static void propagation_as_findmnt_shows_it(void **state)
{
	(void)state;
	assert_string_equal(prop(""), "private");
	assert_string_equal(prop("shared:1"), "shared");
	assert_string_equal(prop("master:2"), "private,slave");
	assert_string_equal(prop("master:2 propagate_from:5"), "private,slave");
	assert_string_equal(prop("shared:1 master:2"), "shared,slave");
	assert_string_equal(prop("unbindable"), "private,unbindable");
	assert_string_equal(prop(NULL), "");
}

static void dup_copies_everything(void **state)
{
	struct mnttab mi = MNTTAB_INIT;
	struct mnt_rec *c, gone = { .id = 7 };

	(void)state;
	assert_int_equal(mnttab_parse(&mi, sample, strlen(sample)), 0);
	c = mnt_rec_dup(mnttab_find(&mi, 63));
	mnttab_free(&mi); /* the copy must not point into it */
	assert_non_null(c);
	assert_int_equal(c->id, 63);
	assert_string_equal(c->target, "/mnt/my dir");
	assert_string_equal(c->root, "/usr/share");
	assert_string_equal(c->fields, "master:1 propagate_from:3");
	assert_string_equal(c->sb_opts, "rw");
	free(c);
	c = mnt_rec_dup(&gone);
	assert_non_null(c);
	assert_int_equal(c->id, 7);
	assert_null(c->target);
	assert_null(c->fstype);
	free(c);
}

static void same_mount_needs_same_device_and_root(void **state)
{
	struct mnt_rec a = { .id = 1, .major = 8, .minor = 1, .root = "/", .fstype = "ext4" };
	struct mnt_rec b = a;

	(void)state;
	assert_true(mnt_rec_same_mount(&a, &b));
	b.minor = 2;
	assert_false(mnt_rec_same_mount(&a, &b));
	b = a;
	b.root = "/sub";
	assert_false(mnt_rec_same_mount(&a, &b));
	b = a;
	b.id = 2;
	assert_false(mnt_rec_same_mount(&a, &b));
	/* Another source: another filesystem. */
	b = a;
	b.source = "/dev/sdb1";
	a.source = "/dev/sda1";
	assert_false(mnt_rec_same_mount(&a, &b));
}

/* A reading after another parses only the lines that changed; the others
 * keep the earlier records (and their strings). */
static void a_later_reading_parses_only_what_changed(void **state)
{
	const char *before = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			     "10 1 0:40 / /a rw - tmpfs a rw\n"
			     "11 1 0:41 / /b rw - tmpfs b rw\n";
	const char *after = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			    "11 1 0:41 / /b ro - tmpfs b rw\n"
			    "bad line\n"
			    "12 1 0:42 / /c\\040d rw - tmpfs  rw\n";
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT;

	(void)state;
	assert_int_equal(mnttab_parse(&a, before, strlen(before)), 0);
	assert_int_equal(mnttab_parse_since(&b, after, strlen(after), &a), 0);
	assert_int_equal(b.n, 3);
	/* Line 1 unchanged: the same record, the same strings. */
	assert_ptr_equal(mnttab_find(&b, 1)->target, mnttab_find(&a, 1)->target);
	assert_string_equal(mnttab_find(&b, 11)->vfs_opts, "ro");
	assert_string_equal(mnttab_find(&b, 12)->target, "/c d");
	assert_string_equal(mnttab_find(&b, 12)->source, "");
	assert_null(mnttab_find(&b, 10));
	steps[0] = '\0';
	assert_int_equal(mnttab_diff(&a, &b, record, NULL), 3);
	assert_string_equal(steps, "detach 10 /a;change 11 /b;attach 12 /c d;");
	/* The earlier reading may go: the later one holds its own references. */
	mnttab_free(&a);
	assert_string_equal(mnttab_find(&b, 1)->source, "/dev/sda1");
	/* And be read into again, from the later one. */
	assert_int_equal(mnttab_parse_since(&a, before, strlen(before), &b), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(mnttab_find(&a, 10)->target, "/a");
	mnttab_free(&a);
	mnttab_free(&b);
}

/* Issue 15: a detach and an attach that reuse the id are not a move. */
static void reused_id_with_another_source_is_detach_and_attach(void **state)
{
	const char *before = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			     "10 1 0:40 / /a rw - tmpfs a rw\n";
	const char *after = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
			    "10 1 0:40 / /b rw - tmpfs b rw\n";
	struct mnttab a = MNTTAB_INIT, b = MNTTAB_INIT;

	(void)state;
	assert_int_equal(mnttab_parse(&a, before, strlen(before)), 0);
	assert_int_equal(mnttab_parse(&b, after, strlen(after)), 0);
	steps[0] = '\0';
	assert_int_equal(mnttab_diff(&a, &b, record, NULL), 2);
	assert_string_equal(steps, "detach 10 /a;attach 10 /b;");
	mnttab_free(&a);
	mnttab_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_fields_and_escapes),
		cmocka_unit_test(no_trailing_newline_and_empty_input),
		cmocka_unit_test(skips_malformed_lines_keeps_the_rest),
		cmocka_unit_test(an_empty_source_is_a_mount_like_any_other),
		cmocka_unit_test(a_repeated_id_asks_for_another_reading),
		cmocka_unit_test(unescape),
		cmocka_unit_test(diffs_in_order),
		cmocka_unit_test(propagation_changes_are_changes),
		cmocka_unit_test(options_as_findmnt_shows_them),
		cmocka_unit_test(propagation_as_findmnt_shows_it),
		cmocka_unit_test(dup_copies_everything),
		cmocka_unit_test(same_mount_needs_same_device_and_root),
		cmocka_unit_test(reused_id_with_another_source_is_detach_and_attach),
		cmocka_unit_test(a_later_reading_parses_only_what_changed),
	};

	return cmocka_run_group_tests_name("mnt", tests, NULL, NULL);
}
