/* Deadlines on the monotonic clock, for --timeout. */
#ifndef WISHBOX_TIMEOUT_H
#define WISHBOX_TIMEOUT_H

#include <stdbool.h>
#include <stdint.h>

struct deadline {
	bool set;        /* false: wait forever */
	uint64_t end_ns; /* CLOCK_MONOTONIC */
};

uint64_t monotonic_ns(void);

/* A deadline timeout_ns from now, or none when set is false. */
void deadline_start(struct deadline *d, bool set, uint64_t timeout_ns);

/* Milliseconds left, rounded up, as poll() and epoll_wait() take them:
 * -1 without a deadline, 0 once it has passed. */
int deadline_poll_ms(const struct deadline *d);

bool deadline_passed(const struct deadline *d);

#endif
