/* Unit tests for lib/proc_connector's parser: datagrams as the kernel sends
 * them, and the malformed ones it must refuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <linux/netlink.h>
#include <cmocka.h>

#include "../../lib/proc_connector.h"

/* One netlink message: nlmsghdr + cn_msg (20 bytes) + proc_event. */
static size_t put_msg(unsigned char *buf, uint32_t idx, uint32_t what, uint32_t ack,
		      const uint32_t *data, size_t n_data)
{
	uint16_t len = (uint16_t)(16 + 4 * n_data);
	struct nlmsghdr nh = { .nlmsg_len = (uint32_t)NLMSG_LENGTH(20 + len), .nlmsg_type = NLMSG_DONE };
	uint32_t cn[4] = { idx, 1, 1234, ack };
	uint16_t lf[2] = { len, 0 };
	uint32_t pe[4] = { what, 0, 0, 0 };

	memset(buf, 0, NLMSG_SPACE(20 + len));
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + 16, cn, sizeof(cn));
	memcpy(buf + 32, lf, sizeof(lf));
	memcpy(buf + 36, pe, sizeof(pe));
	memcpy(buf + 52, data, 4 * n_data);
	return NLMSG_ALIGN(nh.nlmsg_len);
}

struct seen {
	int n;
	struct pcn_event last[4];
	int stop_at;
};

static int collect(const struct pcn_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->n < 4)
		s->last[s->n] = *ev;
	s->n++;
	return s->stop_at && s->n == s->stop_at ? -EINTR : 0;
}

static void exit_events(void **state)
{
	unsigned char buf[512];
	const uint32_t exit_data[6] = { 101, 100, 0x700, 17, 1, 1 };
	const uint32_t thread_data[6] = { 102, 100, 0x9, 0, 50, 50 };
	struct seen s = { 0 };
	size_t n;

	(void)state;
	n = put_msg(buf, 1, PCN_EVENT_EXIT, 0, exit_data, 6);
	n += put_msg(buf + n, 1, PCN_EVENT_EXIT, 0, thread_data, 6);
	assert_int_equal(pcn_parse(buf, n, collect, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last[0].what, PCN_EVENT_EXIT);
	assert_int_equal(s.last[0].pid, 101);
	assert_int_equal(s.last[0].tgid, 100);
	assert_int_equal(s.last[0].exit_code, 0x700);
	assert_int_equal(s.last[0].exit_signal, 17);
	assert_int_equal(s.last[1].pid, 102);
	assert_int_equal(s.last[1].exit_code, 9);
	assert_int_equal(s.last[1].parent_tgid, 50);
}

static void acks_and_others(void **state)
{
	unsigned char buf[512];
	const uint32_t err = 1, fork_data[4] = { 1, 1, 3, 2 }, short_fork[3] = { 1, 1, 2 };
	struct seen s = { 0 };
	size_t n;

	(void)state;
	n = put_msg(buf, 1, PCN_EVENT_NONE, 77, &err, 1);
	/* Another connector user's message is skipped, not an error. */
	n += put_msg(buf + n, 9, PCN_EVENT_EXIT, 0, fork_data, 4);
	/* A fork event: parent and child (here a thread 3 of process 2). */
	n += put_msg(buf + n, 1, PCN_EVENT_FORK, 0, fork_data, 4);
	assert_int_equal(pcn_parse(buf, n, collect, &s), 2);
	assert_int_equal(s.last[0].what, PCN_EVENT_NONE);
	assert_int_equal(s.last[0].ack, 77);
	assert_int_equal(s.last[0].ack_err, 1);
	assert_int_equal(s.last[1].what, PCN_EVENT_FORK);
	assert_int_equal(s.last[1].parent_pid, 1);
	assert_int_equal(s.last[1].parent_tgid, 1);
	assert_int_equal(s.last[1].child_pid, 3);
	assert_int_equal(s.last[1].child_tgid, 2);
	assert_int_equal(s.last[1].pid, 0);
	/* Too short for the fork payload. */
	n = put_msg(buf, 1, PCN_EVENT_FORK, 0, short_fork, 3);
	assert_int_equal(pcn_parse(buf, n, collect, &s), -EBADMSG);
}

static void malformed(void **state)
{
	unsigned char buf[512], copy[512];
	const uint32_t exit_data[6] = { 101, 100, 0x700, 17, 1, 1 };
	struct seen s = { 0 };
	size_t n = put_msg(buf, 1, PCN_EVENT_EXIT, 0, exit_data, 6);
	struct nlmsghdr nh;

	(void)state;
	/* Too short for the exit payload. */
	memcpy(copy, buf, n);
	copy[32] = 20; /* cn_msg.len: 16 + 4 */
	assert_int_equal(pcn_parse(copy, n, collect, &s), -EBADMSG);
	/* cn_msg.len beyond the message. */
	memcpy(copy, buf, n);
	copy[32] = 200;
	assert_int_equal(pcn_parse(copy, n, collect, &s), -EBADMSG);
	/* nlmsg_len beyond the datagram, or below a header. */
	memcpy(copy, buf, n);
	memcpy(&nh, copy, sizeof(nh));
	nh.nlmsg_len = (uint32_t)n + 8;
	memcpy(copy, &nh, sizeof(nh));
	assert_int_equal(pcn_parse(copy, n, collect, &s), -EBADMSG);
	nh.nlmsg_len = 4;
	memcpy(copy, &nh, sizeof(nh));
	assert_int_equal(pcn_parse(copy, n, collect, &s), -EBADMSG);
	/* An error message. */
	memcpy(copy, buf, n);
	memcpy(&nh, copy, sizeof(nh));
	nh.nlmsg_type = NLMSG_ERROR;
	memcpy(copy, &nh, sizeof(nh));
	assert_int_equal(pcn_parse(copy, n, collect, &s), -EBADMSG);
	assert_int_equal(s.n, 0);
	/* A truncated datagram: what fits is nothing. */
	assert_int_equal(pcn_parse(buf, 10, collect, &s), 0);
	assert_int_equal(pcn_parse(buf, n - 4, collect, &s), -EBADMSG);
	assert_int_equal(s.n, 0);
}

static void callback_stops(void **state)
{
	unsigned char buf[512];
	const uint32_t exit_data[6] = { 101, 100, 0x700, 17, 1, 1 };
	struct seen s = { .stop_at = 1 };
	size_t n;

	(void)state;
	n = put_msg(buf, 1, PCN_EVENT_EXIT, 0, exit_data, 6);
	n += put_msg(buf + n, 1, PCN_EVENT_EXIT, 0, exit_data, 6);
	assert_int_equal(pcn_parse(buf, n, collect, &s), -EINTR);
	assert_int_equal(s.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_events),
		cmocka_unit_test(acks_and_others),
		cmocka_unit_test(malformed),
		cmocka_unit_test(callback_stops),
	};

	return cmocka_run_group_tests_name("proc_connector", tests, NULL, NULL);
}
