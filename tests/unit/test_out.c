/* Unit tests for lib/out: every mode, hostile strings, write errors. The
 * JSON round trip through jq checks that what we write parses back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/out.h"

static char *buf;
static size_t buflen;

static FILE *mem(void)
{
	free(buf);
	buf = NULL;
	FILE *f = open_memstream(&buf, &buflen);

	assert_non_null(f);
	return f;
}

static void one_record(enum out_mode mode)
{
	FILE *f = mem();
	struct out o;

	out_init(&o, f, mode);
	out_begin(&o);
	out_str(&o, "name", "a \"b\"");
	out_int(&o, "code", -7);
	out_uint(&o, "id", 18446744073709551615ULL);
	out_bool(&o, "ok", true);
	out_null(&o, "signal");
	out_human(&o, "a line\n");
	assert_int_equal(out_end(&o), 0);
	fclose(f);
}

static void json_lines_record(void **state)
{
	(void)state;
	one_record(OUT_JSON_LINES);
	assert_string_equal(buf, "{\"name\":\"a \\\"b\\\"\",\"code\":-7,\"id\":18446744073709551615,"
				 "\"ok\":true,\"signal\":null}\n");
}

static void pairs_record(void **state)
{
	(void)state;
	one_record(OUT_PAIRS);
	assert_string_equal(buf, "NAME=\"a \\\"b\\\"\" CODE=\"-7\" ID=\"18446744073709551615\" OK=\"yes\" SIGNAL=\"\"\n");
}

static void human_record(void **state)
{
	(void)state;
	one_record(OUT_HUMAN);
	assert_string_equal(buf, "a line\n");
}

static void nested_document(void **state)
{
	FILE *f = mem();
	struct out o;

	(void)state;
	out_init(&o, f, OUT_JSON);
	out_begin(&o);
	out_str(&o, "k", "v");
	out_array_begin(&o, "list");
	out_object_begin(&o, NULL);
	out_int(&o, "a", 1);
	out_object_end(&o);
	out_object_begin(&o, NULL);
	out_int(&o, "a", 2);
	out_object_end(&o);
	out_array_end(&o);
	out_array_begin(&o, "empty");
	out_array_end(&o);
	out_end(&o);
	fclose(f);
	assert_string_equal(buf, "{\"k\":\"v\",\"list\":[{\"a\":1},{\"a\":2}],\"empty\":[]}\n");
}

static void escape(const char *in, size_t len, const char *want)
{
	FILE *f = mem();

	out_json_string(f, in, len);
	fclose(f);
	assert_string_equal(buf, want);
}

static void json_escapes_hostile_bytes(void **state)
{
	(void)state;
	escape("q\"b\\", 4, "\"q\\\"b\\\\\"");
	escape("\n\t\r\x01\x1f\x7f", 6, "\"\\n\\t\\r\\u0001\\u001f\\u007f\"");
	escape("a\0b", 3, "\"a\\u0000b\"");
	escape("\xc3\xa4", 2, "\"\xc3\xa4\"");                 /* valid UTF-8 kept */
	escape("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""); /* 4-byte kept */
	escape("\xff", 1, "\"\\ufffd\"");                     /* invalid byte */
	escape("\xc3", 1, "\"\\ufffd\"");                     /* truncated */
	escape("\xc0\xaf", 2, "\"\\ufffd\\ufffd\"");          /* overlong */
	escape("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	escape("\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
}

static void pairs_escape_for_eval(void **state)
{
	FILE *f = mem();
	struct out o;

	(void)state;
	out_init(&o, f, OUT_PAIRS);
	out_begin(&o);
	out_str(&o, "my-key", "$(x) `y` \\ \"");
	out_str(&o, "nl", "$(x) `y` \\ \"'\n");
	out_str(&o, "lit", "a\\x0ab");
	out_end(&o);
	fclose(f);
	assert_string_equal(buf, "MY_KEY=\"\\$(x) \\`y\\` \\\\ \\\"\" "
				 "NL=$'$(x) `y` \\\\ \"\\'\\x0a' LIT=\"a\\\\x0ab\"\n");
}

/* Each value through bash's eval gives back its exact bytes: every byte
 * value but NUL, a newline, a tab, a backslash, a literal "\x0a", invalid
 * UTF-8. */
static void pairs_round_trip_through_eval(void **state)
{
	static const char *const vals[] = { "a\nb", "a\tb", "back\\slash", "a\\x0ab",
					    "\xff\xfe not utf-8 \xc3", "it's \"q\" $HOME `id`",
					    "\x1b[31mred\x7f", "" };
	char all[256], path[] = "/tmp/wishbox-out-XXXXXX", cmd[640];
	int fd = mkstemp(path);
	FILE *f;
	struct out o;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	out_init(&o, f, OUT_PAIRS);
	for (size_t i = 0; i <= sizeof(vals) / sizeof(vals[0]); i++) {
		out_begin(&o);
		if (i < sizeof(vals) / sizeof(vals[0]))
			out_str(&o, "v", vals[i]);
		else
			out_strn(&o, "v", all, 255);
		out_end(&o);
	}
	fclose(f);
	/* Line by line: eval, then the value's bytes in hex. */
	for (size_t i = 0; i <= sizeof(vals) / sizeof(vals[0]); i++) {
		const char *want = i < sizeof(vals) / sizeof(vals[0]) ? vals[i] : all;
		size_t wlen = i < sizeof(vals) / sizeof(vals[0]) ? strlen(want) : 255;
		char got[1024] = "", hex[1024] = "";
		FILE *p;

		snprintf(cmd, sizeof(cmd),
			 "LC_ALL=C.UTF-8 bash -c 'eval \"$(sed -n %zup %s)\" && printf %%s \"$V\"' | "
			 "od -An -v -tx1 | tr -d ' \\n'", i + 1, path);
		p = popen(cmd, "r");
		assert_non_null(p);
		if (!fgets(got, sizeof(got), p))
			got[0] = '\0';
		assert_int_equal(pclose(p), 0);
		for (size_t j = 0; j < wlen; j++)
			snprintf(hex + 2 * j, sizeof(hex) - 2 * j, "%02x", (unsigned char)want[j]);
		assert_string_equal(got, hex);
	}
	unlink(path);
}

/* A string that is not UTF-8 keeps its exact bytes in KEY_base64. */
static void json_base64_only_where_not_utf8(void **state)
{
	FILE *f = mem();
	struct out o;

	(void)state;
	out_init(&o, f, OUT_JSON_LINES);
	out_begin(&o);
	out_str(&o, "target", "/mnt/\xff\xfe");
	out_str(&o, "source", "/dev/\xc3\xa4");
	out_strn(&o, "a", "a", 1);
	out_strn(&o, "b", "\xffz", 2);
	out_strn(&o, "c", "\x80yz", 3);
	out_null(&o, "d");
	out_end(&o);
	fclose(f);
	assert_string_equal(buf, "{\"target\":\"/mnt/\\ufffd\\ufffd\",\"target_base64\":\"L21udC///g==\","
				 "\"source\":\"/dev/\xc3\xa4\",\"a\":\"a\","
				 "\"b\":\"\\ufffdz\",\"b_base64\":\"/3o=\","
				 "\"c\":\"\\ufffdyz\",\"c_base64\":\"gHl6\",\"d\":null}\n");
}

/* Every byte value, and hostile strings, written as JSON and read back by jq:
 * the value must survive (with U+FFFD where the input was not UTF-8). */
static void json_round_trip_through_jq(void **state)
{
	char all[256];
	char path[] = "/tmp/wishbox-out-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct out o;
	char cmd[512], got[64];

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (int i = 0; i < 256; i++)
		all[i] = (char)(i + 1);
	out_init(&o, f, OUT_JSON_LINES);
	out_begin(&o);
	out_strn(&o, "bytes", all, 255);
	out_str(&o, "q", "\"'\\/<>&");
	out_str(&o, "u", "\xc3\xa4\xe2\x82\xac");
	out_end(&o);
	fclose(f);

	snprintf(cmd, sizeof(cmd),
		 "jq -r '[(.bytes|length), (.bytes|explode|map(select(. == 65533))|length),"
		 " .q, .u] | map(tostring) | join(\" \")' %s", path);
	FILE *p = popen(cmd, "r");

	assert_non_null(p);
	assert_non_null(fgets(got, sizeof(got), p));
	assert_int_equal(pclose(p), 0);
	unlink(path);
	/* 127 ASCII code points survive; bytes 0x80..0xff are each invalid
	 * alone and become one U+FFFD each: 127 + 128 = 255. */
	assert_string_equal(got, "255 128 \"'\\/<>& \xc3\xa4\xe2\x82\xac\n");
}

static void write_errors_are_reported(void **state)
{
	FILE *f = fopen("/dev/full", "we");
	struct out o;

	(void)state;
	assert_non_null(f);
	out_init(&o, f, OUT_JSON_LINES);
	out_begin(&o);
	out_str(&o, "k", "v");
	assert_int_equal(out_end(&o), -ENOSPC);
	fclose(f);
}

static int teardown(void **state)
{
	(void)state;
	free(buf);
	buf = NULL;
	return 0;
}

/* Human text: control bytes, NUL and DEL escaped; everything else as is. */
static void human_text_escapes_control_bytes(void **state)
{
	static const char in[] = "a\nb\x1b[31m\0c\x7f\xc3\x84 \\";
	FILE *f = mem();

	(void)state;
	out_human_text(f, in, sizeof(in) - 1);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "a\\x0ab\\x1b[31m\\x00c\\x7f\xc3\x84 \\");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_lines_record),
		cmocka_unit_test(pairs_record),
		cmocka_unit_test(human_record),
		cmocka_unit_test(nested_document),
		cmocka_unit_test(json_escapes_hostile_bytes),
		cmocka_unit_test(pairs_escape_for_eval),
		cmocka_unit_test(pairs_round_trip_through_eval),
		cmocka_unit_test(json_base64_only_where_not_utf8),
		cmocka_unit_test(json_round_trip_through_jq),
		cmocka_unit_test(write_errors_are_reported),
		cmocka_unit_test(human_text_escapes_control_bytes),
	};

	return cmocka_run_group_tests_name("out", tests, NULL, teardown);
}
