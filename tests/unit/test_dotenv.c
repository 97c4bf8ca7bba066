/*
 * .env files: every syntax the seed's files and common tools use, exact
 * messages for bad lines that never contain a value, and loading that never
 * overrides a variable already set.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/dotenv.h"
#include "util/fs.h"

/* Collects "KEY=VALUE@line;" */
static void collect(const char *key, const char *value, int line, void *ud)
{
	po_buf_addf(ud, "%s=%s@%d;", key, value, line);
}

static void parses_to(const char *text, const char *want)
{
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };

	if (po_dotenv_parse(".env", text, strlen(text), collect, &b, &err) < 0)
		fail_msg("'%s': %s", text, err.msg);
	assert_string_equal(b.data, want);
	po_buf_release(&b);
}

static void fails_with(const char *text, const char *msg)
{
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };

	assert_int_equal(po_dotenv_parse(".env", text, strlen(text), collect, &b, &err), PO_EINPUT);
	assert_string_equal(err.msg, msg);
	po_buf_release(&b);
}

static void test_syntax(void **state)
{
	(void)state;
	parses_to("", "");
	parses_to("A=1", "A=1@1;");
	parses_to("# comment\n\nA=1\n  B = two words  \n", "A=1@3;B=two words@4;");
	parses_to("export ANTHROPIC_API_KEY=sk-x\n", "ANTHROPIC_API_KEY=sk-x@1;");
	parses_to("exported=1\n", "exported=1@1;");
	parses_to("A=x # note\nB=x#not-a-comment\n", "A=x@1;B=x#not-a-comment@2;");
	parses_to("A='single # kept \\n'\n", "A=single # kept \\n@1;");
	parses_to("A=\"d \\\"q\\\" \\\\ \\n \\t \\$ \\q\" # c\n", "A=d \"q\" \\ \n \t $ \\q@1;");
	parses_to("A=\"two\nlines\"\nB=3\n", "A=two\nlines@1;B=3@3;");
	parses_to("A=\r\nB=x\r\n", "A=@1;B=x@2;");
	parses_to("\xef\xbb\xbf" "A=bom\n", "A=bom@1;");
	parses_to("A_1=x\n_B=y", "A_1=x@1;_B=y@2;");
}

static void test_errors_never_show_values(void **state)
{
	(void)state;
	fails_with("A=1\nsk-secret-value\n", ".env:2: expected KEY=VALUE (no '=' after the name)");
	fails_with("1A=x\n",
		   ".env:1: expected KEY=VALUE (a name of letters, digits and '_', not starting with a digit)");
	fails_with("KEY=\"sk-unterminated\n", ".env:1: the value of KEY has no closing \"");
	fails_with("KEY='sk-abc' trailing\n",
		   ".env:1: unexpected text after the quoted value of KEY; put a comment after '#'");
	fails_with("A=1\n\nKEY\n", ".env:3: expected KEY=VALUE (no '=' after the name)");
	fails_with("=value\n",
		   ".env:1: expected KEY=VALUE (a name of letters, digits and '_', not starting with a digit)");
	/* A NUL byte cannot be put in the environment. */
	struct po_buf b = PO_BUF_INIT;
	struct po_err err = { 0 };
	assert_int_equal(po_dotenv_parse(".env", "K=a\0b\n", 6, collect, &b, &err), PO_EINPUT);
	assert_string_equal(err.msg, ".env:1: the value of K contains a NUL byte");
	po_buf_release(&b);
}

static void test_load_never_overrides(void **state)
{
	char dir[] = "/tmp/po-test-dotenv-XXXXXX", path[128];
	static const char T[] = "PO_T_SET=from-file\nexport PO_T_NEW='new value'\nPO_T_EMPTY=\n";
	struct po_err err = { 0 };
	int n = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/.env", dir);
	assert_int_equal(po_dotenv_load(path, &n, &err), 0); /* missing: fine */
	assert_int_equal(n, 0);
	assert_int_equal(po_fs_write_atomic(path, T, strlen(T), &err), 0);
	setenv("PO_T_SET", "from-env", 1);
	unsetenv("PO_T_NEW");
	unsetenv("PO_T_EMPTY");
	assert_int_equal(po_dotenv_load(path, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(getenv("PO_T_SET"), "from-env");
	assert_string_equal(getenv("PO_T_NEW"), "new value");
	assert_string_equal(getenv("PO_T_EMPTY"), "");
	/* Set but empty still counts as set. */
	assert_int_equal(po_dotenv_load(path, &n, &err), 0);
	assert_int_equal(n, 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_errors_never_show_values),
		cmocka_unit_test(test_load_never_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
