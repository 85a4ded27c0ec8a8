/* Unit tests for lib/idmap: against a plain array, through growth and
 * deletions that need the backward shift. */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "../../lib/idmap.h"

static void empty_map(void **state)
{
	struct idmap m = IDMAP_INIT;
	uint64_t id;
	void *v;
	size_t pos = 0;

	(void)state;
	assert_null(idmap_get(&m, 1));
	assert_null(idmap_del(&m, 1));
	assert_int_equal(idmap_next(&m, &pos, &id, &v), 0);
	assert_int_equal(idmap_put(&m, 1, NULL, NULL), -EINVAL);
	idmap_free(&m);
}

static void replace_returns_the_old_value(void **state)
{
	struct idmap m = IDMAP_INIT;
	int a, b;
	void *old = &a;

	(void)state;
	assert_int_equal(idmap_put(&m, 42, &a, &old), 0);
	assert_null(old);
	assert_int_equal(idmap_put(&m, 42, &b, &old), 0);
	assert_ptr_equal(old, &a);
	assert_ptr_equal(idmap_get(&m, 42), &b);
	assert_int_equal(m.n, 1);
	idmap_free(&m);
}

/* Random puts and deletes, checked against an array indexed by id. */
static void agrees_with_an_array(void **state)
{
	enum { N = 5000 };
	static char vals[N];
	static bool in[N];
	struct idmap m = IDMAP_INIT;
	size_t count = 0, seen = 0, pos = 0;
	uint64_t id;
	void *v;

	(void)state;
	srand(1);
	for (int step = 0; step < 200000; step++) {
		/* Ids like mount ids: a base and a counter. */
		size_t i = (size_t)rand() % N;
		uint64_t key = 0x80000000ULL + i;

		if (rand() % 3) {
			assert_int_equal(idmap_put(&m, key, &vals[i], NULL), 0);
			count += !in[i];
			in[i] = true;
		} else {
			assert_ptr_equal(idmap_del(&m, key), in[i] ? &vals[i] : NULL);
			count -= in[i];
			in[i] = false;
		}
		if (step % 997 == 0)
			for (size_t j = 0; j < N; j++)
				assert_ptr_equal(idmap_get(&m, 0x80000000ULL + j),
						 in[j] ? &vals[j] : NULL);
	}
	assert_int_equal(m.n, count);
	while (idmap_next(&m, &pos, &id, &v)) {
		assert_true(id >= 0x80000000ULL && id < 0x80000000ULL + N);
		assert_true(in[id - 0x80000000ULL]);
		assert_ptr_equal(v, &vals[id - 0x80000000ULL]);
		seen++;
	}
	assert_int_equal(seen, count);
	idmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_map),
		cmocka_unit_test(replace_returns_the_old_value),
		cmocka_unit_test(agrees_with_an_array),
	};

	return cmocka_run_group_tests_name("idmap", tests, NULL, NULL);
}
