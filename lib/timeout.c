/* Monotonic deadlines: a --timeout is a point in time, not a duration to
 * restart after every wakeup. */
#include <limits.h>
#include <time.h>

#include "timeout.h"

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void deadline_start(struct deadline *d, bool set, uint64_t timeout_ns)
{
	uint64_t now = monotonic_ns();

	d->set = set;
	d->end_ns = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

int deadline_poll_ms(const struct deadline *d)
{
	uint64_t now, left;

	if (!d->set)
		return -1;
	now = monotonic_ns();
	if (now >= d->end_ns)
		return 0;
	left = (d->end_ns - now + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

bool deadline_passed(const struct deadline *d)
{
	return d->set && monotonic_ns() >= d->end_ns;
}
