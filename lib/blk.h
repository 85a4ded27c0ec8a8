/* What libblkid says a device or image holds: the filesystem type, label
 * and UUID. This pair is the only place that includes blkid.h. */
#ifndef WISHBOX_BLK_H
#define WISHBOX_BLK_H

#include <stdbool.h>

struct blk_info {
	char type[32];    /* "ext4", "xfs", ...; "" when nothing was found */
	char label[256];
	bool has_label;
	char uuid[64];
	bool has_uuid;
};

/* Probes the open fd (read only, the whole device or image) for a
 * filesystem, as blkid -p does: 1 when one was found, 0 when none (or an
 * ambiguous result), or -errno. */
int blk_probe_fd(int fd, struct blk_info *ret);

#endif
