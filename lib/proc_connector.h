/* The proc connector: process events from the kernel over netlink
 * (NETLINK_CONNECTOR, group CN_IDX_PROC; 2.6.15+, CONFIG_PROC_EVENTS).
 *
 * Listening needs CAP_NET_ADMIN before 6.6 and works for anyone after; the
 * kernel ignores the request unless the caller is in the initial user and PID
 * namespaces, and every PID in an event is an initial-namespace PID. Events
 * are multicast and lossy: a full receive queue drops them and the next
 * receive says ENOBUFS. A listener is counted until it says IGNORE (closing
 * the socket is not enough), so always pcn_ignore() before leaving.
 *
 * Functions return 0 (or a count) or -errno and never print. */
#ifndef WISHBOX_PROC_CONNECTOR_H
#define WISHBOX_PROC_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PCN_EVENT_NONE 0x00000000U /* the ACK of a LISTEN or IGNORE */
#define PCN_EVENT_FORK 0x00000001U
#define PCN_EVENT_EXIT 0x80000000U

struct pcn_event {
	uint32_t what; /* PCN_EVENT_*, or another PROC_EVENT_* value */
	uint32_t ack;  /* an ACK: the request's cookie + 1 */
	uint64_t timestamp_ns;
	uint32_t ack_err; /* PCN_EVENT_NONE: 0 or an errno (EPERM: no CAP_NET_ADMIN) */
	/* PCN_EVENT_EXIT: one event per thread; the process has ended when
	 * pid == tgid's thread group is gone. */
	pid_t pid;  /* the thread */
	pid_t tgid; /* its process */
	uint32_t exit_code; /* wait-status encoding */
	uint32_t exit_signal;
	pid_t parent_pid; /* EXIT and FORK */
	pid_t parent_tgid;
	/* PCN_EVENT_FORK: a new thread (child_pid != child_tgid) or a new
	 * process (child_pid == child_tgid), sent before it first runs. */
	pid_t child_pid;
	pid_t child_tgid;
};

/* A netlink socket bound to the proc connector's group (non-blocking,
 * close-on-exec), with a receive buffer of at least rcvbuf bytes when the
 * system allows (SO_RCVBUFFORCE for root, else up to rmem_max). */
int pcn_open(int *ret_fd, size_t rcvbuf);
/* The receive buffer the socket got, in bytes as the kernel counts them
 * (twice what was asked: it counts its own overhead too). */
int pcn_rcvbuf(int fd, size_t *ret_bytes);

/* Asks for events: the classic LISTEN, for all events. Its ACK (multicast
 * like every event, so others see it too) carries cookie + 1: pick one that
 * is unlikely to be anyone else's, and see pcn_wait_ack. */
int pcn_listen(int fd, uint32_t cookie);
/* After pcn_listen: asks the kernel to send this socket exit events only
 * (6.6+; older kernels ignore the request, so filter anyway). No ACK. */
int pcn_listen_exits_only(int fd, uint32_t cookie);
/* The same for a mask of PCN_EVENT_* (PCN_EVENT_EXIT | PCN_EVENT_FORK). */
int pcn_listen_only(int fd, uint32_t cookie, uint32_t events);
int pcn_ignore(int fd, uint32_t cookie);

/* Waits up to timeout_ms for the ACK of the request sent with cookie: 0
 * (listening), -errno from the ACK (-EPERM), or -ETIMEDOUT (no ACK: the
 * kernel ignored us, we are not in the initial namespaces). Other events
 * read meanwhile are dropped. */
int pcn_wait_ack(int fd, uint32_t cookie, int timeout_ms);

/* Receives one datagram from the kernel (datagrams from any other sender
 * are dropped): its length, -EAGAIN when none is queued, -ENOBUFS when
 * events were lost since the last call. */
ssize_t pcn_recv(int fd, void *buf, size_t len);

/* Calls fn for each proc-connector event in a datagram. Returns the number
 * of events, or -EBADMSG at the first malformed part (events before it have
 * been passed on). A negative return from fn stops and is returned. */
typedef int (*pcn_event_fn)(const struct pcn_event *ev, void *arg);
int pcn_parse(const void *buf, size_t len, pcn_event_fn fn, void *arg);

#endif
