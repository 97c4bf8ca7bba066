/*
 * po_utf8_valid(): well-formed UTF-8 accepted, and every malformed kind
 * (stray continuation bytes, overlong forms, surrogates, code points above
 * U+10FFFF, sequences cut short) refused at the right offset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/utf8.h"

static void valid(const char *s)
{
	size_t at = 99;

	assert_true(po_utf8_valid(s, strlen(s), &at));
	assert_int_equal(at, 99);
}

static void invalid(const char *s, size_t want_at)
{
	size_t at = 99;

	assert_false(po_utf8_valid(s, strlen(s), &at));
	assert_int_equal(at, want_at);
}

static void test_valid(void **state)
{
	(void)state;
	valid("");
	valid("my-project");
	valid("caf\xc3\xa9");                 /* U+00E9 */
	valid("\xe2\x82\xac 10");             /* U+20AC */
	valid("\xf0\x9f\x98\x80");            /* U+1F600 */
	valid("\xf4\x8f\xbf\xbf");            /* U+10FFFF, the last */
	valid("\xed\x9f\xbf");                /* U+D7FF, just below the surrogates */
}

static void test_invalid(void **state)
{
	(void)state;
	invalid("\xff", 0);
	invalid("a\xffz", 1);
	invalid("ab\x80", 2);                 /* a continuation byte alone */
	invalid("x\xc0\xaf", 1);              /* '/' overlong in 2 bytes */
	invalid("\xc1\xbf", 0);
	invalid("\xe0\x80\xaf", 0);           /* overlong in 3 bytes */
	invalid("\xf0\x80\x80\xaf", 0);       /* overlong in 4 bytes */
	invalid("ok\xed\xa0\x80", 2);         /* U+D800, a surrogate */
	invalid("\xf4\x90\x80\x80", 0);       /* above U+10FFFF */
	invalid("\xf5\x80\x80\x80", 0);
	invalid("caf\xc3", 3);                /* cut short */
	invalid("\xe2\x82", 0);
	invalid("\xe2\x28\xa1", 0);           /* a non-continuation inside */
	/* the length is what is checked, not the NUL */
	assert_true(po_utf8_valid("a\0b", 3, NULL));
	assert_false(po_utf8_valid("\xc3\xa9", 1, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
