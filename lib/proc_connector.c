/* The proc connector listener. pcn_parse is pure logic: unit tested in
 * tests/unit/test_proc_connector.c and fuzzed in
 * tests/fuzz/fuzz_proc_connector.c. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "linux-compat.h"
#include "proc_connector.h"
#include "timeout.h"

/* Offsets in the wire format (struct cn_msg, struct proc_event), read with
 * memcpy: a datagram is bytes, not a struct we trust. */
#define CN_MSG_HDR 20 /* idx, val, seq, ack (u32), len, flags (u16) */
#define PE_HDR 16     /* what, cpu (u32), timestamp_ns (u64) */

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

int pcn_open(int *ret_fd, size_t rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
	int size = rcvbuf > (size_t)(1 << 30) ? 1 << 30 : (int)rcvbuf;

	if (fd < 0)
		return -errno;
	if (size > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*ret_fd = fd;
	return 0;
}

int pcn_rcvbuf(int fd, size_t *ret_bytes)
{
	int size = 0;
	socklen_t len = sizeof(size);

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0)
		return -errno;
	*ret_bytes = size > 0 ? (size_t)size : 0;
	return 0;
}

static int send_op(int fd, uint32_t cookie, const void *op, size_t op_len)
{
	unsigned char buf[NLMSG_SPACE(CN_MSG_HDR + 8)];
	struct nlmsghdr nh = {
		.nlmsg_len = (uint32_t)NLMSG_LENGTH(CN_MSG_HDR + op_len),
		.nlmsg_type = NLMSG_DONE,
		.nlmsg_seq = cookie,
		.nlmsg_pid = 0,
	};
	/* The kernel numbers its messages itself (seq), but answers with our
	 * ack + 1. */
	struct cn_msg cn = {
		.id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC },
		.seq = cookie,
		.ack = cookie,
		.len = (uint16_t)op_len,
	};
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &nh, sizeof(nh));
	memcpy(buf + NLMSG_HDRLEN, &cn, CN_MSG_HDR);
	memcpy(buf + NLMSG_HDRLEN + CN_MSG_HDR, op, op_len);
	if (sendto(fd, buf, nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int pcn_listen(int fd, uint32_t cookie)
{
	uint32_t op = PROC_CN_MCAST_LISTEN;

	return send_op(fd, cookie, &op, sizeof(op));
}

int pcn_listen_only(int fd, uint32_t cookie, uint32_t events)
{
	/* The kernel's filter sends an event when its type has a bit in
	 * common with event_type (6.6+). */
	struct wb_proc_input in = { .mcast_op = PROC_CN_MCAST_LISTEN, .event_type = events };

	return send_op(fd, cookie, &in, sizeof(in));
}

int pcn_listen_exits_only(int fd, uint32_t cookie)
{
	return pcn_listen_only(fd, cookie, PCN_EVENT_EXIT);
}

int pcn_ignore(int fd, uint32_t cookie)
{
	uint32_t op = PROC_CN_MCAST_IGNORE;

	return send_op(fd, cookie, &op, sizeof(op));
}

ssize_t pcn_recv(int fd, void *buf, size_t len)
{
	for (;;) {
		struct sockaddr_nl from = { .nl_family = 0 };
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fl);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		/* Only the kernel (port 0) speaks for the connector; anyone can
		 * send a unicast datagram to our port. */
		if (fl < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		return n;
	}
}

struct ack_wait {
	uint32_t cookie;
	bool found;
	uint32_t err;
};

static int on_ack(const struct pcn_event *ev, void *arg)
{
	struct ack_wait *w = arg;

	if (ev->what == PCN_EVENT_NONE && ev->ack == w->cookie + 1) {
		w->found = true;
		w->err = ev->ack_err;
	}
	return 0;
}

int pcn_wait_ack(int fd, uint32_t cookie, int timeout_ms)
{
	unsigned char buf[4096];
	struct ack_wait w = { .cookie = cookie };
	struct deadline d;

	deadline_start(&d, true, (uint64_t)timeout_ms * 1000000ULL);
	while (!w.found) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n = pcn_recv(fd, buf, sizeof(buf));

		if (n == -EAGAIN) {
			int r = poll(&p, 1, deadline_poll_ms(&d));

			if (r < 0 && errno != EINTR)
				return -errno;
			if (r == 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n == -ENOBUFS)
			continue;
		if (n < 0)
			return (int)n;
		(void)pcn_parse(buf, (size_t)n, on_ack, &w);
	}
	return w.err ? -(int)w.err : 0;
}

static int parse_cn(const unsigned char *p, size_t len, pcn_event_fn fn, void *arg)
{
	struct pcn_event ev;
	uint16_t data_len;
	int r;

	if (len < CN_MSG_HDR)
		return -EBADMSG;
	if (get32(p) != CN_IDX_PROC || get32(p + 4) != CN_VAL_PROC)
		return 0; /* another connector user's message */
	data_len = get16(p + 16);
	if ((size_t)data_len > len - CN_MSG_HDR || data_len < PE_HDR)
		return -EBADMSG;
	memset(&ev, 0, sizeof(ev));
	ev.ack = get32(p + 12);
	p += CN_MSG_HDR;
	ev.what = get32(p);
	memcpy(&ev.timestamp_ns, p + 8, sizeof(ev.timestamp_ns));
	if (ev.what == PCN_EVENT_NONE) {
		if (data_len < PE_HDR + 4)
			return -EBADMSG;
		ev.ack_err = get32(p + PE_HDR);
	} else if (ev.what == PCN_EVENT_EXIT) {
		if (data_len < PE_HDR + 24)
			return -EBADMSG;
		ev.pid = (pid_t)get32(p + PE_HDR);
		ev.tgid = (pid_t)get32(p + PE_HDR + 4);
		ev.exit_code = get32(p + PE_HDR + 8);
		ev.exit_signal = get32(p + PE_HDR + 12);
		ev.parent_pid = (pid_t)get32(p + PE_HDR + 16);
		ev.parent_tgid = (pid_t)get32(p + PE_HDR + 20);
	} else if (ev.what == PCN_EVENT_FORK) {
		if (data_len < PE_HDR + 16)
			return -EBADMSG;
		ev.parent_pid = (pid_t)get32(p + PE_HDR);
		ev.parent_tgid = (pid_t)get32(p + PE_HDR + 4);
		ev.child_pid = (pid_t)get32(p + PE_HDR + 8);
		ev.child_tgid = (pid_t)get32(p + PE_HDR + 12);
	}
	r = fn(&ev, arg);
	return r < 0 ? r : 1;
}

int pcn_parse(const void *buf, size_t len, pcn_event_fn fn, void *arg)
{
	const unsigned char *p = buf;
	int count = 0;

	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr nh;
		size_t msg_len, step;
		int r;

		memcpy(&nh, p, sizeof(nh));
		msg_len = nh.nlmsg_len;
		if (msg_len < NLMSG_HDRLEN || msg_len > len)
			return -EBADMSG;
		if (nh.nlmsg_type == NLMSG_DONE) {
			r = parse_cn(p + NLMSG_HDRLEN, msg_len - NLMSG_HDRLEN, fn, arg);
			if (r < 0)
				return r;
			count += r;
		} else if (nh.nlmsg_type == NLMSG_ERROR || nh.nlmsg_type == NLMSG_OVERRUN) {
			return -EBADMSG;
		}
		step = NLMSG_ALIGN(msg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return count;
}
