/* ISO 8601 timestamps with microseconds and the zone offset. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"

int timefmt_iso8601_us(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char date[32], zone[8];
	int n;

	if (len < 33 || !localtime_r(&ts->tv_sec, &tm))
		return -EINVAL;
	if (!strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return -EINVAL;
	/* "+0100" -> "+01:00" */
	n = snprintf(buf, len, "%s.%06ld%.3s:%.2s", date, (long)(ts->tv_nsec / 1000), zone, zone + 3);
	return n > 0 && (size_t)n < len ? 0 : -EINVAL;
}
