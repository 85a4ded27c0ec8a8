/* Unit tests for lib/codepage: the built-in tables against the C library's
 * iconv (where its gconv modules are installed), UTF-8 in and out, case. */
#include <errno.h>
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../lib/codepage.h"

static const unsigned numbers[] = { 437, 850, 852, 858, 866 };

static void finds_the_built_in_pages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct codepage *cp = codepage_find(numbers[i]);

		assert_non_null(cp);
		assert_int_equal(codepage_number(cp), numbers[i]);
	}
	assert_null(codepage_find(0));
	assert_null(codepage_find(1252));
	assert_null(codepage_find(65001));
	assert_string_equal(codepage_list(), "437, 850, 852, 858, 866");
}

static void known_characters(void **state)
{
	const struct codepage *cp850 = codepage_find(850), *cp437 = codepage_find(437);
	const struct codepage *cp858 = codepage_find(858), *cp866 = codepage_find(866);
	const struct codepage *cp852 = codepage_find(852);

	(void)state;
	assert_int_equal(codepage_from_unicode(cp850, 0xc4), 0x8e); /* Ä */
	assert_int_equal(codepage_from_unicode(cp850, 0xd6), 0x99); /* Ö */
	assert_int_equal(codepage_from_unicode(cp850, 0xdc), 0x9a); /* Ü */
	assert_int_equal(codepage_from_unicode(cp437, 0xc4), 0x8e);
	assert_int_equal(codepage_from_unicode(cp850, 0x20ac), -ENOENT); /* € */
	assert_int_equal(codepage_from_unicode(cp858, 0x20ac), 0xd5);
	assert_int_equal(codepage_from_unicode(cp850, 0x131), 0xd5); /* ı */
	assert_int_equal(codepage_from_unicode(cp866, 0x416), 0x86); /* Ж */
	assert_int_equal(codepage_from_unicode(cp852, 0x141), 0x9d); /* Ł */
	assert_int_equal(codepage_from_unicode(cp437, 0x4e2d), -ENOENT); /* 中 */
	assert_int_equal(codepage_from_unicode(cp850, 'A'), 'A');
	assert_int_equal(codepage_to_unicode(cp850, 0x8e), 0xc4);
	assert_int_equal(codepage_to_unicode(cp437, 0xe1), 0xdf); /* ß */
	assert_int_equal(codepage_to_unicode(cp866, 0x41), 'A');
}

static void tables_match_iconv(void **state)
{
	static const char *const names[] = { "IBM437", "IBM850", "IBM852", "IBM858", "IBM866" };
	int compared = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct codepage *cp = codepage_find(numbers[i]);
		iconv_t cd = iconv_open("UTF-8", names[i]);

		if (cd == (iconv_t)-1)
			continue; /* no gconv module: the checks above still hold */
		for (unsigned b = 0x80; b <= 0xff; b++) {
			char in = (char)b, out[8], mine[8];
			char *ip = &in, *op = out;
			size_t il = 1, ol = sizeof(out), n;

			assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
			n = utf8_encode(codepage_to_unicode(cp, (uint8_t)b), mine);
			assert_int_equal(n, sizeof(out) - ol);
			assert_memory_equal(mine, out, n);
			compared++;
		}
		iconv_close(cd);
	}
	printf("# compared %d bytes with iconv\n", compared);
}

static void every_byte_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		const struct codepage *cp = codepage_find(numbers[i]);

		for (unsigned b = 0; b <= 0xff; b++)
			assert_int_equal(codepage_from_unicode(cp, codepage_to_unicode(cp, (uint8_t)b)),
					 (int)b);
	}
}

static void lower_case(void **state)
{
	const struct codepage *cp850 = codepage_find(850), *cp866 = codepage_find(866);

	(void)state;
	assert_true(codepage_is_lower(cp850, 'a'));
	assert_true(codepage_is_lower(cp850, 'z'));
	assert_false(codepage_is_lower(cp850, 'A'));
	assert_false(codepage_is_lower(cp850, '1'));
	assert_true(codepage_is_lower(cp850, 0x84));  /* ä */
	assert_false(codepage_is_lower(cp850, 0x8e)); /* Ä */
	assert_false(codepage_is_lower(cp850, 0xe1)); /* ß: no upper-case form */
	assert_true(codepage_is_lower(cp866, 0xa0));  /* а */
	assert_false(codepage_is_lower(cp866, 0x80)); /* А */
}

static void utf8_in_and_out(void **state)
{
	uint32_t c = 0;
	char buf[5];

	(void)state;
	assert_int_equal(utf8_decode("A", 1, &c), 1);
	assert_int_equal(c, 'A');
	assert_int_equal(utf8_decode("\xc3\x84", 2, &c), 2);
	assert_int_equal(c, 0xc4);
	assert_int_equal(utf8_decode("\xe2\x82\xac", 3, &c), 3);
	assert_int_equal(c, 0x20ac);
	assert_int_equal(utf8_decode("\xf0\x9f\x98\x80", 4, &c), 4);
	assert_int_equal(c, 0x1f600);
	c = 7;
	assert_int_equal(utf8_decode("\xc3", 1, &c), 0);         /* truncated */
	assert_int_equal(utf8_decode("\xc0\x80", 2, &c), 0);     /* overlong */
	assert_int_equal(utf8_decode("\xe0\x80\x80", 3, &c), 0); /* overlong */
	assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &c), 0); /* surrogate */
	assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &c), 0); /* > U+10FFFF */
	assert_int_equal(utf8_decode("\x80", 1, &c), 0);
	assert_int_equal(utf8_decode("\xc3\x28", 2, &c), 0);
	assert_int_equal(utf8_decode("", 0, &c), 0);
	assert_int_equal(c, 7);
	for (uint32_t u = 1; u < 0x110000; u += 0x3f) {
		size_t n;

		if (u >= 0xd800 && u <= 0xdfff)
			continue;
		n = utf8_encode(u, buf);
		assert_int_equal(utf8_decode(buf, n, &c), n);
		assert_int_equal(c, u);
	}
}

static void decode_to_utf8(void **state)
{
	const struct codepage *cp850 = codepage_find(850);
	const uint8_t in[] = { 'N', 'E', 'U', ' ', 0x8e, 0x99, 0x9a };
	char out[32], small[6];

	(void)state;
	assert_int_equal(codepage_decode(cp850, in, sizeof(in), out, sizeof(out)), 10);
	assert_string_equal(out, "NEU \xc3\x84\xc3\x96\xc3\x9c");
	/* Cut at a character boundary, never inside one. */
	assert_int_equal(codepage_decode(cp850, in, sizeof(in), small, sizeof(small)), 4);
	assert_string_equal(small, "NEU ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_the_built_in_pages),
		cmocka_unit_test(known_characters),
		cmocka_unit_test(tables_match_iconv),
		cmocka_unit_test(every_byte_round_trips),
		cmocka_unit_test(lower_case),
		cmocka_unit_test(utf8_in_and_out),
		cmocka_unit_test(decode_to_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
