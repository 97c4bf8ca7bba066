/*
 * Tests of the Markdown writer both reports share: escaped text, code
 * spans and fences that backticks cannot close, link destinations, and
 * the two reports' styles (the flags) exactly as their files show them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "report/md.h"

static char got[256];

static const char *text(const char *s, unsigned flags)
{
	struct po_buf b = PO_BUF_INIT;

	po_md_text(&b, s, flags);
	snprintf(got, sizeof(got), "%s", b.data);
	po_buf_release(&b);
	return got;
}

static const char *code(const char *s, unsigned flags)
{
	struct po_buf b = PO_BUF_INIT;

	po_md_code(&b, s, flags);
	snprintf(got, sizeof(got), "%s", b.data);
	po_buf_release(&b);
	return got;
}

static void test_text(void **state)
{
	(void)state;
	assert_string_equal(text("a*b_c`d|e", 0), "a\\*b\\_c\\`d\\|e");
	assert_string_equal(text("[x](y) <b> #1 ~ & ! \\", 0),
			    "\\[x\\](y) \\<b\\> \\#1 \\~ \\& \\! \\\\");
	assert_string_equal(text("two\nlines\r\tend", 0), "two lines  end");
	assert_string_equal(text(NULL, 0), "");
	/* Mid-line (the batch report): a leading marker is plain text. */
	assert_string_equal(text("- item", 0), "- item");
	assert_string_equal(text("12. x", 0), "12. x");
	/* At a line's start (the run report): it cannot open a list. */
	assert_string_equal(text("- item", PO_MD_LINE_START), "\\- item");
	assert_string_equal(text("+1", PO_MD_LINE_START), "\\+1");
	assert_string_equal(text("===", PO_MD_LINE_START), "\\===");
	assert_string_equal(text("12. x", PO_MD_LINE_START), "12\\. x");
	assert_string_equal(text("3) x", PO_MD_LINE_START), "3\\) x");
	assert_string_equal(text("2026-12-04", PO_MD_LINE_START), "2026-12-04");
	assert_string_equal(text("a-b", PO_MD_LINE_START), "a-b");
}

static void test_code(void **state)
{
	(void)state;
	assert_string_equal(code("x", 0), "`x`");
	assert_string_equal(code("a`b", 0), "``a`b``");
	assert_string_equal(code("``x", 0), "``` ``x ```");
	assert_string_equal(code(" x", 0), "`  x `");
	assert_string_equal(code("a\nb|c", 0), "`a b|c`");
	assert_string_equal(code("", 0), "(empty)");
	assert_string_equal(code(NULL, 0), "(empty)");
	/* The batch report's spans: padded, '|' as a space. */
	assert_string_equal(code("x", PO_MD_PAD | PO_MD_NO_PIPE), "` x `");
	assert_string_equal(code("a|b`c", PO_MD_PAD | PO_MD_NO_PIPE), "`` a b`c ``");
	assert_string_equal(code("", PO_MD_PAD | PO_MD_NO_PIPE), "`  `");
}

static void test_fence_and_link(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_md_fence(&b, "plain", "text");
	assert_string_equal(b.data, "```text\nplain\n```\n");
	po_buf_reset(&b);
	po_md_fence(&b, "has ```` four\n", "text");
	assert_string_equal(b.data, "`````text\nhas ```` four\n`````\n");
	po_buf_reset(&b);
	po_md_fence(&b, "", "");
	assert_string_equal(b.data, "```\n\n```\n");
	po_buf_reset(&b);
	po_md_link_dest(&b, "chart_1.svg");
	assert_string_equal(b.data, "chart_1.svg");
	po_buf_reset(&b);
	po_md_link_dest(&b, "my (chart) <1>\\.svg");
	assert_string_equal(b.data, "<my (chart) \\<1\\>\\\\.svg>");
	po_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_code),
		cmocka_unit_test(test_fence_and_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
