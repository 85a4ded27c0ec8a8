/* 64-bit id -> pointer hash map with linear probing and backward-shift
 * deletion. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "idmap.h"

/* Mount ids and the like are counters: mix them so neighbours spread. */
static size_t slot_of(uint64_t id, size_t cap)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	id *= 0xc4ceb9fe1a85ec53ULL;
	id ^= id >> 33;
	return (size_t)id & (cap - 1);
}

static bool find(const struct idmap *m, uint64_t id, size_t *ret)
{
	if (!m->cap)
		return false;
	for (size_t i = slot_of(id, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->v[i].val) {
			*ret = i;
			return false;
		}
		if (m->v[i].id == id) {
			*ret = i;
			return true;
		}
	}
}

void *idmap_get(const struct idmap *m, uint64_t id)
{
	size_t i;

	return find(m, id, &i) ? m->v[i].val : NULL;
}

static int grow(struct idmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct idmap_slot *v;

	if (cap < m->cap || cap > SIZE_MAX / sizeof(*v))
		return -ENOMEM;
	v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->v[i].val)
			continue;
		for (j = slot_of(m->v[i].id, cap); v[j].val; j = (j + 1) & (cap - 1))
			;
		v[j] = m->v[i];
	}
	free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

int idmap_put(struct idmap *m, uint64_t id, void *val, void **ret_old)
{
	size_t i;

	if (!val)
		return -EINVAL;
	if (find(m, id, &i)) {
		if (ret_old)
			*ret_old = m->v[i].val;
		m->v[i].val = val;
		return 0;
	}
	/* Keep the load under 3/4. */
	if ((m->n + 1) * 4 > m->cap * 3) {
		int r = grow(m);

		if (r < 0)
			return r;
		find(m, id, &i);
	}
	m->v[i].id = id;
	m->v[i].val = val;
	m->n++;
	if (ret_old)
		*ret_old = NULL;
	return 0;
}

void *idmap_del(struct idmap *m, uint64_t id)
{
	size_t i, j, mask = m->cap - 1;
	void *val;

	if (!find(m, id, &i))
		return NULL;
	val = m->v[i].val;
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie (cyclically) in (hole, them]. */
	for (j = (i + 1) & mask; m->v[j].val; j = (j + 1) & mask) {
		size_t home = slot_of(m->v[j].id, m->cap);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->v[i] = m->v[j];
			i = j;
		}
	}
	m->v[i].val = NULL;
	m->v[i].id = 0;
	m->n--;
	return val;
}

void idmap_free(struct idmap *m)
{
	free(m->v);
	m->v = NULL;
	m->cap = 0;
	m->n = 0;
}

int idmap_next(const struct idmap *m, size_t *pos, uint64_t *ret_id, void **ret_val)
{
	for (size_t i = *pos; i < m->cap; i++) {
		if (!m->v[i].val)
			continue;
		*ret_id = m->v[i].id;
		*ret_val = m->v[i].val;
		*pos = i + 1;
		return 1;
	}
	*pos = m->cap;
	return 0;
}
