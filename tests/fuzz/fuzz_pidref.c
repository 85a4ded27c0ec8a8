/* libFuzzer harness for the parsers of untrusted text in lib/pidref and
 * lib/pidfile: /proc/PID/stat (a comm may hold anything), PID:INODE, and
 * pidfile contents. Whatever the bytes: no crash, no undefined behaviour,
 * and what is accepted is within range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/pidfile.h"
#include "../../lib/pidref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct procstat st;
	struct exit_status es;
	pid_t pid;
	uint64_t ino;
	char *s;

	if (procstat_parse((const char *)data, size, &st) == 0) {
		if (st.exit_code < -1)
			abort();
		if (st.exit_code >= 0 && st.exit_code <= INT32_MAX &&
		    exit_status_from_wait((int)st.exit_code, &es) == 0 &&
		    (exit_status_shell(&es) < 0 || exit_status_shell(&es) > 255))
			abort();
	}
	if (pidfile_parse((const char *)data, size, 32768, &pid, &ino) == 0 &&
	    (pid < 1 || pid > 32767))
		abort();
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pidref_parse_spec(s, 4194304, &pid, &ino) == 0 && (pid < 1 || pid > 4194303))
		abort();
	free(s);
	return 0;
}
