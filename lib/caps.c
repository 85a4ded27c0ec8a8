/* Capabilities through libcap (see caps.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "caps.h"

int caps_have(int cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps;
	int r;

	if (!CAP_IS_SUPPORTED(cap))
		return 0;
	caps = cap_get_proc();
	if (!caps)
		return -errno;
	r = cap_get_flag(caps, (cap_value_t)cap, CAP_EFFECTIVE, &v) < 0 ? -errno : v == CAP_SET;
	cap_free(caps);
	return r;
}

const char *caps_name(int cap, char *buf, size_t len)
{
	char *name = cap_to_name((cap_value_t)cap);
	size_t i = 0;

	if (!len)
		return buf;
	if (!name) {
		snprintf(buf, len, "capability %d", cap);
		return buf;
	}
	for (; name[i] && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)name[i]);
	buf[i] = '\0';
	cap_free(name);
	return buf;
}

int caps_need(int cap, char *why, size_t len)
{
	char name[64];
	int r = caps_have(cap);

	if (r > 0)
		return 0;
	if (r < 0)
		snprintf(why, len, "cannot read capabilities: %s", strerror(-r));
	else
		snprintf(why, len, "needs %s (not held)", caps_name(cap, name, sizeof(name)));
	return -EPERM;
}
