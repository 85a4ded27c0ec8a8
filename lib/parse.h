/* Parsers for command-line values: durations, counts, PIDs, signals.
 * Each returns 0 and sets *ret, or returns -EINVAL (not a valid value) or
 * -ERANGE (out of range) and leaves *ret alone. */
#ifndef WISHBOX_PARSE_H
#define WISHBOX_PARSE_H

#include <stdint.h>
#include <sys/types.h>

#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

/* "1.5" (seconds), "500ms", "10s", "2m", "1h", "250us"; at most 9 decimals. */
int parse_duration(const char *s, uint64_t *ret_ns);

/* A plain decimal number in [min, max]; no sign, no spaces, no suffix. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* A PID in 1..pid_max. */
int parse_pid(const char *s, pid_t pid_max, pid_t *ret);
/* The running kernel's pid_max (/proc/sys/kernel/pid_max), or the largest
 * value the kernel allows when it cannot be read. */
pid_t read_pid_max(void);

/* "KILL", "SIGKILL", "kill", "9", "RTMIN+2". */
int parse_signal(const char *s, int *ret);
/* "KILL" for 9, "RTMIN+2", "32" for the signals the C library keeps for
 * itself, or NULL when sig is not a signal. */
const char *signal_name(int sig, char *buf, size_t len);

#endif
