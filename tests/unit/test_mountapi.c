/* Unit tests for the pure parts of lib/mountapi: walking a fanotify event
 * buffer, and turning a statmount answer into mountinfo's terms. */
#include <errno.h>
#include <linux/fanotify.h>
#include <linux/mount.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/linux-compat.h"
#include "../../lib/mountapi.h"

static size_t put_event(unsigned char *p, uint64_t mask, int with_mnt, uint64_t id)
{
	struct fanotify_event_metadata m = {
		.event_len = sizeof(m) + (with_mnt ? 16 : 0),
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = sizeof(m),
		.mask = mask,
		.fd = FAN_NOFD,
		.pid = 1,
	};
	struct wb_fanotify_event_info_mnt info = {
		.info_type = FAN_EVENT_INFO_TYPE_MNT,
		.len = sizeof(info),
		.mnt_id = id,
	};

	memcpy(p, &m, sizeof(m));
	if (with_mnt)
		memcpy(p + sizeof(m), &info, sizeof(info));
	return m.event_len;
}

static char seen[512];

static int note(uint64_t mask, uint64_t id, int fd, void *arg)
{
	size_t n = strlen(seen);

	(void)arg;
	snprintf(seen + n, sizeof(seen) - n, "%llx:%llx:%d;", (unsigned long long)mask,
		 (unsigned long long)id, fd);
	return 0;
}

static void walks_events(void **state)
{
	unsigned char buf[256];
	size_t len = 0;

	(void)state;
	len += put_event(buf + len, FAN_MNT_ATTACH, 1, 0x8000343a);
	len += put_event(buf + len, FAN_Q_OVERFLOW, 0, 0);
	len += put_event(buf + len, FAN_MNT_ATTACH | FAN_MNT_DETACH, 1, 0x8000343b);
	seen[0] = '\0';
	assert_int_equal(mountapi_fanotify_parse(buf, len, note, NULL), 3);
	assert_string_equal(seen, "1000000:8000343a:-1;4000:0:-1;3000000:8000343b:-1;");
	assert_int_equal(mountapi_fanotify_parse(buf, 0, note, NULL), 0);
}

static void refuses_malformed_events(void **state)
{
	unsigned char buf[256];
	struct fanotify_event_metadata *m = (void *)buf;
	size_t len;

	(void)state;
	/* Cut short after a good event: the good one is still reported. */
	len = put_event(buf, FAN_MNT_DETACH, 1, 7);
	len += put_event(buf + len, FAN_MNT_ATTACH, 1, 8);
	seen[0] = '\0';
	assert_int_equal(mountapi_fanotify_parse(buf, len - 1, note, NULL), -EBADMSG);
	assert_string_equal(seen, "2000000:7:-1;");
	/* Shorter than the metadata. */
	assert_int_equal(mountapi_fanotify_parse(buf, 10, note, NULL), -EBADMSG);
	/* Another metadata version. */
	len = put_event(buf, FAN_MNT_ATTACH, 1, 7);
	m->vers = 2;
	assert_int_equal(mountapi_fanotify_parse(buf, len, note, NULL), -EBADMSG);
	/* metadata_len past event_len. */
	len = put_event(buf, FAN_MNT_ATTACH, 1, 7);
	m->metadata_len = 48;
	assert_int_equal(mountapi_fanotify_parse(buf, len, note, NULL), -EBADMSG);
	/* An information record of length 0 would loop forever. */
	len = put_event(buf, FAN_MNT_ATTACH, 1, 7);
	buf[sizeof(*m) + 2] = 0;
	buf[sizeof(*m) + 3] = 0;
	assert_int_equal(mountapi_fanotify_parse(buf, len, note, NULL), -EBADMSG);
	/* A record of another type: no mount id, still an event. */
	len = put_event(buf, FAN_MNT_ATTACH, 1, 7);
	buf[sizeof(*m)] = 1;
	seen[0] = '\0';
	assert_int_equal(mountapi_fanotify_parse(buf, len, note, NULL), 1);
	assert_string_equal(seen, "1000000:0:-1;");
}

/* A statmount answer: the fixed part, then strings at offsets. */
struct answer {
	struct statmount_buf b;
	size_t used;
};

static uint32_t add_str(struct answer *a, const char *s)
{
	uint32_t off = (uint32_t)a->used;

	strcpy(a->b.sm->str + off, s);
	a->used += strlen(s) + 1;
	return off;
}

static void answer_init(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->b.size = 1024;
	a->b.sm = calloc(1, a->b.size);
	assert_non_null(a->b.sm);
	a->b.sm->size = sizeof(*a->b.sm);
}

static void statmount_in_mountinfo_terms(void **state)
{
	struct answer a;
	struct wb_statmount *sm;
	struct mnt_rec r;
	char prop[64], opts[256];

	(void)state;
	answer_init(&a);
	sm = a.b.sm;
	sm->mask = STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_PROPAGATE_FROM |
		   STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE | STATMOUNT_MNT_OPTS |
		   STATMOUNT_FS_SUBTYPE | STATMOUNT_SB_SOURCE;
	sm->mnt_id = 0x8000343a;
	sm->mnt_parent_id = 0x8000001c;
	sm->mnt_id_old = 4025;
	sm->sb_dev_major = 0;
	sm->sb_dev_minor = 38;
	sm->mnt_attr = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME;
	sm->sb_flags = MS_SYNCHRONOUS | MS_LAZYTIME;
	sm->mnt_propagation = MS_SHARED | MS_SLAVE;
	sm->mnt_peer_group = 5;
	sm->mnt_master = 7;
	sm->propagate_from = 9;
	sm->fs_type = add_str(&a, "fuse");
	sm->fs_subtype = add_str(&a, "sshfs");
	sm->mnt_root = add_str(&a, "/");
	sm->mnt_point = add_str(&a, "/mnt/x y");
	/* Escaped as in mountinfo: decoded as mountinfo's are (issue 10). */
	sm->mnt_opts = add_str(&a, "user_id=0,group_id=0,lowerdir=/x/lower\\040dir:/x/lo\\134\\054wer");
	sm->sb_source = add_str(&a, "me@host:");

	assert_int_equal(mountapi_to_rec(&a.b, &r), 0);
	assert_int_equal(r.id, 0x8000343a);
	assert_int_equal(r.parent_id, 0x8000001c);
	assert_int_equal(r.id_old, 4025);
	assert_int_equal(r.minor, 38);
	assert_string_equal(r.vfs_opts, "ro,nosuid,noatime");
	assert_string_equal(r.sb_opts,
			    "rw,sync,lazytime,user_id=0,group_id=0,lowerdir=/x/lower dir:/x/lo\\,wer");
	assert_string_equal(r.fields, "shared:5 master:7 propagate_from:9");
	assert_string_equal(r.fstype, "fuse.sshfs");
	assert_string_equal(r.source, "me@host:");
	assert_string_equal(r.root, "/");
	assert_string_equal(r.target, "/mnt/x y");
	assert_string_equal(mnt_rec_propagation(&r, prop, sizeof(prop)), "shared,slave");
	assert_string_equal(mnt_rec_options(&r, opts, sizeof(opts)),
			    "ro,nosuid,noatime,sync,lazytime,user_id=0,group_id=0,"
			    "lowerdir=/x/lower dir:/x/lo\\,wer");

	/* What a plain private tmpfs without options or source looks like. */
	sm->mask &= ~(uint64_t)(STATMOUNT_MNT_OPTS | STATMOUNT_SB_SOURCE | STATMOUNT_FS_SUBTYPE);
	sm->mnt_attr = MOUNT_ATTR_RELATIME;
	sm->sb_flags = MS_RDONLY;
	sm->mnt_propagation = MS_PRIVATE | MS_UNBINDABLE;
	assert_int_equal(mountapi_to_rec(&a.b, &r), 0);
	assert_string_equal(r.vfs_opts, "rw,relatime");
	assert_string_equal(r.sb_opts, "ro");
	assert_string_equal(r.fields, "unbindable");
	assert_string_equal(r.fstype, "fuse");
	assert_string_equal(r.source, "");
	assert_string_equal(mnt_rec_propagation(&r, prop, sizeof(prop)), "private,unbindable");
	assert_string_equal(mnt_rec_options(&r, opts, sizeof(opts)), "ro,relatime");

	/* A string the kernel did not answer, one past the buffer, one with
	 * no NUL: all NULL, never read beyond the answer. */
	sm->mask &= ~(uint64_t)STATMOUNT_MNT_ROOT;
	sm->mnt_point = 4000;
	memset(sm->str + a.used, 'x', a.b.size - sizeof(*sm) - a.used);
	sm->fs_type = (uint32_t)a.used;
	assert_int_equal(mountapi_to_rec(&a.b, &r), 0);
	assert_null(r.root);
	assert_null(r.target);
	assert_null(r.fstype);
	statmount_buf_free(&a.b);
}

static void grows_its_scratch_for_long_options(void **state)
{
	struct answer a;
	struct mnt_rec r;
	char *big = malloc(3001);

	(void)state;
	assert_non_null(big);
	memset(big, 'o', 3000);
	big[3000] = '\0';
	answer_init(&a);
	free(a.b.sm);
	a.b.size = 4096;
	a.b.sm = calloc(1, a.b.size);
	assert_non_null(a.b.sm);
	a.b.sm->mask = STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_MNT_OPTS;
	a.b.sm->mnt_opts = add_str(&a, big);
	assert_int_equal(mountapi_to_rec(&a.b, &r), 0);
	assert_int_equal(strlen(r.sb_opts), 3003);
	assert_true(a.b.scratch_len >= 3004);
	statmount_buf_free(&a.b);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_events),
		cmocka_unit_test(refuses_malformed_events),
		cmocka_unit_test(statmount_in_mountinfo_terms),
		cmocka_unit_test(grows_its_scratch_for_long_options),
	};

	return cmocka_run_group_tests_name("mountapi", tests, NULL, NULL);
}
