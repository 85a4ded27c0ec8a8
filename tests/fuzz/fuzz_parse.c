/* libFuzzer harness for lib/parse and lib/out's JSON escaping: whatever the
 * bytes, no crash, no undefined behaviour, and an accepted duration prints
 * back to a value the parser accepts again. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/out.h"
#include "../../lib/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint64_t ns, again, u;
	pid_t pid;
	int sig;
	char name[32];

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_duration(s, &ns) == 0) {
		char back[64];

		snprintf(back, sizeof(back), "%lluns", (unsigned long long)ns);
		if (parse_duration(back, &again) != 0 || again != ns)
			abort();
	}
	(void)parse_u64(s, 0, UINT64_MAX, &u);
	(void)parse_pid(s, 4194304, &pid);
	if (parse_signal(s, &sig) == 0 && !signal_name(sig, name, sizeof(name)))
		abort();

	FILE *f = fopen("/dev/null", "we");

	if (f) {
		out_json_string(f, (const char *)data, size);
		fclose(f);
	}
	free(s);
	return 0;
}
