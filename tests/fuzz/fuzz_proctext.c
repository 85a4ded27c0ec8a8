/* libFuzzer harness for the parsers of /proc and cgroupfs text the newer
 * tools read: /proc/PID/cgroup, cgroup.events, cgroup.procs and the cgroup
 * mounts (lib/cgroup), /proc/locks lines (lib/locks), NSpid, fdinfo and
 * sched lines (lib/pidns). A cgroup's name is the user's choice and lands in
 * /proc/PID/cgroup as it is, so none of this text is trusted: whatever the
 * bytes, no crash, no undefined behaviour, and what a parser accepts is
 * within its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/cgroup.h"
#include "../../lib/locks.h"
#include "../../lib/pidns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void cgroup_text(const char *s, size_t len)
{
	struct cg_mounts m = CG_MOUNTS_INIT;
	char buf[256];
	pid_t *pids = NULL;
	size_t n = 0;
	int pop, frozen;

	if (cg_proc_parse(s, NULL, buf, sizeof(buf)) == 0 && strlen(buf) >= sizeof(buf))
		abort();
	(void)cg_proc_parse(s, "freezer", buf, sizeof(buf));
	if (cg_events_parse(s, &pop, &frozen) == 0 && (pop < -1 || pop > 1 || frozen < -1 || frozen > 1))
		abort();
	if (cg_procs_parse(s, &pids, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (pids[i] <= 0)
				abort();
		free(pids);
	}
	(void)cg_path_check(s);
	if (cg_mounts_parse(s, len, &m) == 0)
		cg_mounts_free(&m);
}

static void pidns_text(const char *s, size_t len)
{
	pid_t v[PIDNS_NSPID_MAX];
	size_t n = 0;
	long pid;

	if (pidns_parse_nspid(s, len, v, PIDNS_NSPID_MAX, &n) == 0 && (n == 0 || n > PIDNS_NSPID_MAX))
		abort();
	(void)pidns_parse_fdinfo_pid(s, len, &pid);
	(void)pidns_parse_sched_pid(s, &pid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lock_entry e;
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cgroup_text(s, size);
	pidns_text(s, size);
	(void)locks_parse_line(s, &e);
	free(s);
	return 0;
}
