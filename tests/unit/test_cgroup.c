/* Unit tests for lib/cgroup: hierarchies from mountinfo (pure cgroup2,
 * hybrid, v1 only, a hierarchy mounted twice), locating a path under a
 * mount, /proc/PID/cgroup, cgroup.events, cgroup.procs, path checks, and a
 * tree listed deepest first. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/cgroup.h"

static const char hybrid[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

static const char pure[] =
	"22 1 0:21 / /proc rw - proc proc rw\n"
	"30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
	"90 1 0:26 /system.slice /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n";

static void finds_hybrid_mounts(void **state)
{
	struct cg_mounts m = CG_MOUNTS_INIT;
	const struct cg_mount *c;

	(void)state;
	assert_int_equal(cg_mounts_parse(hybrid, strlen(hybrid), &m), 0);
	assert_int_equal(m.n, 5);
	c = cg_mounts_v2(&m);
	assert_non_null(c);
	assert_string_equal(c->target, "/sys/fs/cgroup/unified");
	c = cg_mounts_v1(&m, "freezer");
	assert_non_null(c);
	assert_string_equal(c->target, "/sys/fs/cgroup/freezer");
	assert_string_equal(c->controllers, "freezer");
	c = cg_mounts_v1(&m, "cpuacct");
	assert_non_null(c);
	assert_string_equal(c->controllers, "cpu,cpuacct");
	c = cg_mounts_v1(&m, "name=systemd");
	assert_non_null(c);
	assert_string_equal(c->controllers, "name=systemd"); /* xattr is no controller */
	assert_null(cg_mounts_v1(&m, "memory"));
	assert_null(cg_mounts_v1(&m, "cpu,cpuacct"));
	cg_mounts_free(&m);
}

static void finds_pure_mount_once(void **state)
{
	struct cg_mounts m = CG_MOUNTS_INIT;
	const struct cg_mount *c;

	(void)state;
	assert_int_equal(cg_mounts_parse(pure, strlen(pure), &m), 0);
	assert_int_equal(m.n, 1); /* the bind mount of a subtree is the same hierarchy */
	c = cg_mounts_v2(&m);
	assert_string_equal(c->target, "/sys/fs/cgroup");
	assert_string_equal(c->root, "/");
	assert_null(cg_mounts_v1(&m, "freezer"));
	cg_mounts_free(&m);

	/* Only the subtree mount: it is kept, with its root. */
	assert_int_equal(cg_mounts_parse(strchr(pure, '9'), strlen(strchr(pure, '9')), &m), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].target, "/mnt/my cg");
	assert_string_equal(m.v[0].root, "/system.slice");
	cg_mounts_free(&m);

	/* A reading that raced with changes (an id twice) is refused, and what
	 * the parse allocated is freed (make asan and fuzz_proctext would see a
	 * leak). */
	{
		static const char twice[] =
			"30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
			"30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";

		assert_int_equal(cg_mounts_parse(twice, strlen(twice), &m), -EAGAIN);
	}
	/* A line libmount cannot parse is left out; the rest would be kept. */
	assert_int_equal(cg_mounts_parse("bad line\n", 9, &m), 0);
	assert_int_equal(m.n, 0);
	cg_mounts_free(&m);
}

static void locates_paths(void **state)
{
	struct cg_mounts m = CG_MOUNTS_INIT;
	const struct cg_mount *c = NULL;
	char rel[64];

	(void)state;
	assert_int_equal(cg_mounts_parse(hybrid, strlen(hybrid), &m), 0);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/unified/a/b/", &c, rel, sizeof(rel)), 0);
	assert_true(c->v2);
	assert_string_equal(rel, "/a/b");
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/unified", &c, rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/");
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/freezer/x", &c, rel, sizeof(rel)), 0);
	assert_false(c->v2);
	assert_string_equal(rel, "/x");
	/* A name that only starts like a mount point; a tmpfs is no cgroup. */
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/unifiedx", &c, rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup", &c, rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cg_mounts_locate(&m, "/tmp", &c, rel, sizeof(rel)), -ENOENT);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/pids/../x", &c, rel, sizeof(rel)), -EINVAL);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/pids/a/./b", &c, rel, sizeof(rel)), -EINVAL);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/pids//a", &c, rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/a");
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/pids/a//b", &c, rel, sizeof(rel)), -EINVAL);
	assert_int_equal(cg_mounts_locate(&m, "relative", &c, rel, sizeof(rel)), -EINVAL);
	assert_int_equal(cg_mounts_locate(&m, "/sys/fs/cgroup/pids/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
					  &c, rel, sizeof(rel)),
			 -ENAMETOOLONG);
	cg_mounts_free(&m);
}

static void relative_to_a_subtree_mount(void **state)
{
	struct cg_mount sub = { .target = "/mnt", .root = "/system.slice", .v2 = true };
	struct cg_mount top = { .target = "/sys/fs/cgroup", .root = "/", .v2 = true };
	char rel[64];

	(void)state;
	assert_int_equal(cg_mount_relative(&sub, "/system.slice/a.service", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/a.service");
	assert_int_equal(cg_mount_relative(&sub, "/system.slice", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/");
	assert_int_equal(cg_mount_relative(&sub, "/user.slice", rel, sizeof(rel)), -EXDEV);
	assert_int_equal(cg_mount_relative(&sub, "/system.slicex", rel, sizeof(rel)), -EXDEV);
	assert_int_equal(cg_mount_relative(&top, "/a/b", rel, sizeof(rel)), 0);
	assert_string_equal(rel, "/a/b");
}

static void parses_proc_cgroup(void **state)
{
	static const char h[] = "9:name=systemd:/\n8:pids:/test\n6:freezer:/f/g\n"
				"2:cpu,cpuacct:/c\n0::/user.slice/x\n";
	char buf[64];

	(void)state;
	assert_int_equal(cg_proc_parse(h, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/user.slice/x");
	assert_int_equal(cg_proc_parse(h, "freezer", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/f/g");
	assert_int_equal(cg_proc_parse(h, "cpuacct", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/c");
	assert_int_equal(cg_proc_parse(h, "name=systemd", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/");
	assert_int_equal(cg_proc_parse(h, "memory", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cg_proc_parse("8:pids:/test\n", NULL, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cg_proc_parse("garbage\n", NULL, buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(cg_proc_parse("0::/a/very/long/path\n", NULL, buf, 8), -ENAMETOOLONG);
	/* A path with a colon in it stays whole. */
	assert_int_equal(cg_proc_parse("0::/a:b\n", NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a:b");
}

static void parses_events(void **state)
{
	int pop = 7, frozen = 7;

	(void)state;
	assert_int_equal(cg_events_parse("populated 1\nfrozen 0\n", &pop, &frozen), 0);
	assert_int_equal(pop, 1);
	assert_int_equal(frozen, 0);
	assert_int_equal(cg_events_parse("populated 0\n", &pop, &frozen), 0);
	assert_int_equal(pop, 0);
	assert_int_equal(frozen, -1);
	assert_int_equal(cg_events_parse("frozen 1\npopulated 0\n", &pop, &frozen), 0);
	assert_int_equal(frozen, 1);
	assert_int_equal(cg_events_parse("", &pop, &frozen), -EBADMSG);
	assert_int_equal(cg_events_parse("populated 2\n", &pop, &frozen), -EBADMSG);
}

static void parses_procs(void **state)
{
	pid_t *v = NULL;
	size_t n = 9;

	(void)state;
	assert_int_equal(cg_procs_parse("1\n42\n100000\n", &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[2], 100000);
	free(v);
	v = NULL;
	assert_int_equal(cg_procs_parse("", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
	assert_int_equal(cg_procs_parse("12x\n", &v, &n), -EBADMSG);
	assert_int_equal(cg_procs_parse("-1\n", &v, &n), -EBADMSG);
	assert_int_equal(cg_procs_parse("0\n", &v, &n), -EBADMSG);
	assert_int_equal(cg_procs_parse("99999999999\n", &v, &n), -EBADMSG);
}

static void checks_paths(void **state)
{
	(void)state;
	assert_int_equal(cg_path_check("/"), 0);
	assert_int_equal(cg_path_check("/a/b c/\\n"), 0);
	assert_int_equal(cg_path_check("/a/../b"), -EINVAL);
	assert_int_equal(cg_path_check("/.."), -EINVAL);
	assert_int_equal(cg_path_check("/a/."), -EINVAL);
	assert_int_equal(cg_path_check("/a//b"), -EINVAL);
	assert_int_equal(cg_path_check("/a/"), -EINVAL);
	assert_int_equal(cg_path_check("a"), -EINVAL);
	assert_true(cg_path_within("/a/b", "/a"));
	assert_true(cg_path_within("/a", "/a"));
	assert_true(cg_path_within("/a", "/"));
	assert_false(cg_path_within("/ab", "/a"));
	assert_false(cg_path_within("/", "/a"));
}

static void lists_tree_deepest_first(void **state)
{
	char tmpl[] = "/tmp/test_cgroup.XXXXXX";
	char *d = mkdtemp(tmpl), path[256];
	char **v = NULL;
	size_t n = 0;
	int fd;

	(void)state;
	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/a", d);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/b", d);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/b/c", d);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/file", d);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(cg_tree_list(fd, &v, &n), 0);
	close(fd);
	assert_int_equal(n, 4);
	assert_string_equal(v[0], "./a/b/c");
	assert_string_equal(v[1], "./a/b");
	assert_string_equal(v[2], "./a");
	assert_string_equal(v[3], ".");
	cg_tree_free(v, n);
	unlink(path);
	for (int i = 0; i < 3; i++) {
		static const char *const sub[] = { "/a/b/c", "/a/b", "/a" };

		snprintf(path, sizeof(path), "%s%s", d, sub[i]);
		rmdir(path);
	}
	assert_int_equal(rmdir(d), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_hybrid_mounts),
		cmocka_unit_test(finds_pure_mount_once),
		cmocka_unit_test(locates_paths),
		cmocka_unit_test(relative_to_a_subtree_mount),
		cmocka_unit_test(parses_proc_cgroup),
		cmocka_unit_test(parses_events),
		cmocka_unit_test(parses_procs),
		cmocka_unit_test(checks_paths),
		cmocka_unit_test(lists_tree_deepest_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
