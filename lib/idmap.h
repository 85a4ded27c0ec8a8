/* A hash map from 64-bit ids to pointers: open addressing, linear probing,
 * deletion by backward shift (no tombstones), so lookups stay short however
 * many entries come and go. The map never owns what the values point to. */
#ifndef WISHBOX_IDMAP_H
#define WISHBOX_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct idmap_slot {
	uint64_t id;
	void *val; /* NULL: the slot is free */
};

struct idmap {
	struct idmap_slot *v;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

#define IDMAP_INIT { NULL, 0, 0 }

/* The value stored for id, or NULL. */
void *idmap_get(const struct idmap *m, uint64_t id);
/* Stores val (not NULL) for id. If id was there, its old value goes to
 * *ret_old (when ret_old is not NULL) and is replaced. 0 or -ENOMEM. */
int idmap_put(struct idmap *m, uint64_t id, void *val, void **ret_old);
/* Removes id; returns its value, or NULL if it was not there. */
void *idmap_del(struct idmap *m, uint64_t id);
/* Frees the table, not the values. */
void idmap_free(struct idmap *m);

/* Iteration: for (size_t i = 0; idmap_next(m, &i, &id, &val);) ...
 * The map must not change during an iteration. */
int idmap_next(const struct idmap *m, size_t *pos, uint64_t *ret_id, void **ret_val);

#endif
