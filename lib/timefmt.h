/* Wall-clock timestamps for event streams. */
#ifndef WISHBOX_TIMEFMT_H
#define WISHBOX_TIMEFMT_H

#include <stddef.h>
#include <time.h>

/* ISO 8601 in the local zone with microseconds:
 * "2025-11-23T20:20:01.123456+01:00". len >= 33. Returns 0 or -EINVAL. */
int timefmt_iso8601_us(const struct timespec *ts, char *buf, size_t len);

#endif
