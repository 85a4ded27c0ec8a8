/* libblkid, the low-level probe: no cache, nothing but the device. */
#include <blkid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "blk.h"

static bool value(blkid_probe pr, const char *name, char *out, size_t len)
{
	const char *v = NULL;

	if (blkid_probe_lookup_value(pr, name, &v, NULL) < 0 || !v)
		return false;
	snprintf(out, len, "%s", v);
	return true;
}

int blk_probe_fd(int fd, struct blk_info *ret)
{
	struct blk_info info;
	blkid_probe pr = blkid_new_probe();
	int r;

	if (!pr)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	if (blkid_probe_set_device(pr, fd, 0, 0) < 0) {
		blkid_free_probe(pr);
		return -EIO;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL |
						      BLKID_SUBLKS_UUID);
	r = blkid_do_safeprobe(pr);
	if (r == 0) {
		value(pr, "TYPE", info.type, sizeof(info.type));
		info.has_label = value(pr, "LABEL", info.label, sizeof(info.label));
		info.has_uuid = value(pr, "UUID", info.uuid, sizeof(info.uuid));
	}
	blkid_free_probe(pr);
	if (r < 0)
		return -EIO;
	*ret = info;
	return r == 0 && info.type[0] ? 1 : 0;
}
