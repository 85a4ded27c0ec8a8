/* libFuzzer harness for lib/proc_connector's parser: a netlink datagram is
 * bytes from the kernel, or from whoever managed to send one; no crash, no
 * undefined behaviour, no read outside it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/proc_connector.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(const struct pcn_event *ev, void *arg)
{
	size_t *n = arg;

	/* Fields outside an exit event stay zero. */
	if (ev->what != PCN_EVENT_EXIT && (ev->pid || ev->tgid || ev->exit_code))
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any overread. */
	uint8_t *buf = malloc(size ? size : 1);
	size_t n = 0;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	r = pcn_parse(buf, size, count, &n);
	if (r > 0 && n < (size_t)r)
		abort();
	free(buf);
	return 0;
}
