/* Parsers for durations, numbers, PIDs and signal names. Pure logic: unit
 * tested in tests/unit/test_parse.c and fuzzed in tests/fuzz/. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "parse.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static const struct {
	const char *name;
	uint64_t ns;
} duration_units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "ms", NSEC_PER_MSEC },
	{ "s", NSEC_PER_SEC },
	{ "", NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC },
	{ "min", 60 * NSEC_PER_SEC },
	{ "h", 3600 * NSEC_PER_SEC },
};

int parse_duration(const char *s, uint64_t *ret_ns)
{
	uint64_t whole = 0, frac = 0, frac_scale = 1, unit = 0;
	const char *p = s;
	bool digits = false;

	if (!s)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++, digits = true) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (frac_scale >= NSEC_PER_SEC)
				return -EINVAL; /* more precision than we keep */
			frac = frac * 10 + (uint64_t)(*p - '0');
			frac_scale *= 10;
		}
	}
	if (!digits)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
		if (strcmp(p, duration_units[i].name) == 0)
			unit = duration_units[i].ns;
	if (!unit)
		return -EINVAL;
	if (whole > UINT64_MAX / unit)
		return -ERANGE;
	/* frac/frac_scale of a unit; unit <= 3600e9 and frac < frac_scale <= 1e9
	 * so split to avoid overflowing the product. */
	uint64_t extra = unit / frac_scale * frac + (unit % frac_scale) * frac / frac_scale;

	if (whole * unit > UINT64_MAX - extra)
		return -ERANGE;
	*ret_ns = whole * unit + extra;
	return 0;
}

int parse_pid(const char *s, pid_t pid_max, pid_t *ret)
{
	uint64_t v;
	int r = parse_u64(s, 1, (uint64_t)pid_max, &v);

	if (r < 0)
		return r;
	*ret = (pid_t)v;
	return 0;
}

pid_t read_pid_max(void)
{
	/* 2^22 is PID_MAX_LIMIT on 64-bit kernels. */
	long v = 4194304;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1 || v < 1)
			v = 4194304;
		fclose(f);
	}
	return (pid_t)v;
}

int parse_signal(const char *s, int *ret)
{
	uint64_t v;
	const char *name = s;

	if (!s || !*s)
		return -EINVAL;
	if (isdigit((unsigned char)*s)) {
		if (parse_u64(s, 1, (uint64_t)SIGRTMAX, &v) < 0)
			return -EINVAL;
		*ret = (int)v;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
		bool min = toupper((unsigned char)name[3]) == 'I';
		uint64_t off = 0;

		if (name[5] && (name[5] != (min ? '+' : '-') ||
				parse_u64(name + 6, 0, (uint64_t)(SIGRTMAX - SIGRTMIN), &off) < 0))
			return -EINVAL;
		*ret = min ? SIGRTMIN + (int)off : SIGRTMAX - (int)off;
		return 0;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, name) == 0) {
			*ret = sig;
			return 0;
		}
	}
	return -EINVAL;
}

const char *signal_name(int sig, char *buf, size_t len)
{
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		if (sig == SIGRTMIN)
			snprintf(buf, len, "RTMIN");
		else
			snprintf(buf, len, "RTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, len, "%s", abbrev);
	else if (sig > 0 && sig < SIGRTMIN)
		snprintf(buf, len, "%d", sig); /* the C library keeps these for itself */
	else
		return NULL;
	return buf;
}
