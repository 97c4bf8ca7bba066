/*
 * Tests of the experiment report: the Markdown a user reads, the SVG chart
 * next to it (well-formed XML whatever the data and the project name), and
 * writing both into the docs folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/diff.h"
#include "report/fields.h"
#include "report/report.h"
#include "report/svg.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

#define FIXTURE "final_results_example.json"

/* ---- helpers -------------------------------------------------------------- */

/* The fixture, found from the build's test folder or the source root. */
static json_t *load_fixture(void)
{
	static const char *const dirs[] = {
		"tests/fixtures", "../tests/fixtures", "../../tests/fixtures",
		"../../../tests/fixtures",
	};
	struct po_buf path = PO_BUF_INIT, srcdir = PO_BUF_INIT;
	const char *slash = strrchr(__FILE__, '/');
	json_t *j = NULL;
	struct po_err err;
	size_t i;

	/*
	 * __FILE__ is as the compiler saw it: absolute, or relative to the
	 * build folder, one level above the tests' working folder.
	 */
	if (slash && __FILE__[0] != '/')
		po_buf_adds(&srcdir, "../");
	if (slash) {
		po_buf_add(&srcdir, __FILE__, (size_t)(slash - __FILE__));
		po_buf_adds(&srcdir, "/../fixtures/" FIXTURE);
		if (po_fs_exists(srcdir.data))
			assert_int_equal(po_json_load_file(srcdir.data, &j, &err), 0);
	}
	for (i = 0; !j && i < PO_ARRAY_SIZE(dirs); i++) {
		po_fs_join(&path, dirs[i], FIXTURE);
		if (po_fs_exists(path.data))
			assert_int_equal(po_json_load_file(path.data, &j, &err), 0);
	}
	po_buf_release(&path);
	po_buf_release(&srcdir);
	if (!j)
		fail_msg("cannot find tests/fixtures/" FIXTURE " from the working folder");
	return j;
}

static char *markdown_of(const json_t *fr, const char *svg_name)
{
	struct po_buf out = PO_BUF_INIT;

	po_report_markdown(&out, fr, svg_name);
	return po_buf_detach(&out);
}

#define assert_contains(hay, needle)                                                  \
	do {                                                                          \
		if (!strstr((hay), (needle)))                                         \
			fail_msg("expected to find \"%s\" in:\n%s", (needle), (hay)); \
	} while (0)

#define assert_not_contains(hay, needle)                                                  \
	do {                                                                              \
		if (strstr((hay), (needle)))                                              \
			fail_msg("did not expect \"%s\" in:\n%s", (needle), (hay));       \
	} while (0)

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

/* ---- a tiny XML well-formedness checker ----------------------------------- */

/* Text or attribute value: no '<', and every '&' starts a known entity. */
static int xml_text_ok(const char *s, size_t n)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (s[i] == '<')
			return 0;
		if (s[i] != '&')
			continue;
		for (k = 0; k < PO_ARRAY_SIZE(ents); k++)
			if (n - i >= strlen(ents[k]) && !strncmp(s + i, ents[k], strlen(ents[k])))
				break;
		if (k == PO_ARRAY_SIZE(ents))
			return 0;
	}
	return 1;
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == ':' || c == '.';
}

/*
 * Returns NULL when s is one well-formed element (after an optional XML
 * declaration) with balanced tags, quoted attributes and escaped text;
 * otherwise a static description of the first problem.
 */
static const char *xml_check(const char *s)
{
	const char *stack[64];
	size_t stack_len[64];
	int depth = 0, roots = 0;
	const char *p = s;

	if (!strncmp(p, "<?xml", 5)) {
		p = strstr(p, "?>");
		if (!p)
			return "unterminated declaration";
		p += 2;
	}
	while (*p) {
		const char *lt = strchr(p, '<');
		size_t tlen = lt ? (size_t)(lt - p) : strlen(p);

		if (!xml_text_ok(p, tlen))
			return "bad character in text";
		if (!depth && strspn(p, " \n\t\r") < tlen)
			return "text outside the root element";
		if (!lt)
			break;
		p = lt + 1;
		if (*p == '/') {
			const char *name = ++p;

			while (is_name_char(*p))
				p++;
			if (*p != '>')
				return "bad end tag";
			if (!depth || stack_len[depth - 1] != (size_t)(p - name) ||
			    strncmp(stack[depth - 1], name, (size_t)(p - name)))
				return "mismatched end tag";
			depth--;
			p++;
			continue;
		}
		const char *name = p;

		while (is_name_char(*p))
			p++;
		if (p == name)
			return "bad start tag";
		if (!depth && roots++)
			return "more than one root element";
		size_t nlen = (size_t)(p - name);
		for (;;) {
			while (*p == ' ' || *p == '\n' || *p == '\t')
				p++;
			if (*p == '>' || (p[0] == '/' && p[1] == '>'))
				break;
			const char *aname = p;

			while (is_name_char(*p))
				p++;
			if (p == aname || *p != '=' || p[1] != '"')
				return "bad attribute";
			p += 2;
			const char *q = strchr(p, '"');

			if (!q || !xml_text_ok(p, (size_t)(q - p)))
				return "bad attribute value";
			p = q + 1;
			if (*p != ' ' && *p != '>' && *p != '/' && *p != '\n')
				return "no space between attributes";
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		p++;
		if (depth == (int)PO_ARRAY_SIZE(stack))
			return "too deep";
		stack[depth] = name;
		stack_len[depth++] = nlen;
	}
	if (depth)
		return "unclosed element";
	if (roots != 1)
		return "no root element";
	return NULL;
}

static char *chart(const char *title, const double *score, const double *best, size_t n)
{
	struct po_buf out = PO_BUF_INIT;
	const char *problem;

	po_svg_score_chart(&out, title, score, best, n);
	problem = xml_check(out.data);
	if (problem)
		fail_msg("SVG is not well-formed (%s):\n%s", problem, out.data);
	assert_contains(out.data, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"");
	assert_contains(out.data, "width=\"720\" height=\"360\"");
	assert_contains(out.data, "</svg>\n");
	return po_buf_detach(&out);
}

/* Every number a coordinate attribute holds, and every point, is "-?D+" or "-?D+.DD". */
static int is_num2(const char *p, const char *end_chars)
{
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p != '.')
		return *p && strchr(end_chars, *p);
	return p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] &&
	       strchr(end_chars, p[3]);
}

static void check_numbers(const char *svg)
{
	static const char *const attrs[] = {
		" x=\"", " y=\"", " x1=\"", " y1=\"", " x2=\"", " y2=\"", " cx=\"", " cy=\"",
		" r=\"",
	};
	const char *p;
	size_t i;

	for (i = 0; i < PO_ARRAY_SIZE(attrs); i++)
		for (p = strstr(svg, attrs[i]); p; p = strstr(p + 1, attrs[i]))
			if (!is_num2(p + strlen(attrs[i]), "\""))
				fail_msg("badly formatted number at: %.30s", p);
	for (p = strstr(svg, "points=\""); p; p = strstr(p + 1, "points=\"")) {
		const char *q = p + strlen("points=\"");

		while (*q != '"') {
			if (!is_num2(q, ",") || !(q = strchr(q, ',')) || !is_num2(q + 1, " \""))
				fail_msg("badly formatted point at: %.30s", p);
			q = strpbrk(q + 1, " \"");
			if (*q == ' ')
				q++;
		}
	}
}

/* ---- tests ---------------------------------------------------------------- */

static void test_xml_checker_rejects_bad_xml(void **state)
{
	(void)state;
	assert_null(xml_check("<svg a=\"1\"><g/><text>x &amp; y</text></svg>"));
	assert_non_null(xml_check("<svg><g></svg>"));
	assert_non_null(xml_check("<svg><text>a & b</text></svg>"));
	assert_non_null(xml_check("<svg><text>a < b</text></svg>"));
	assert_non_null(xml_check("<svg a=1></svg>"));
	assert_non_null(xml_check("<svg></svg><svg></svg>"));
	assert_non_null(xml_check("<svg>"));
}

static void test_addnum_ignores_locale_and_rounds(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_svg_addnum(&b, 3.14159, 2);
	assert_string_equal(b.data, "3.14");
	po_buf_reset(&b);
	po_svg_addnum(&b, -0.001, 2);
	assert_string_equal(b.data, "0.00");
	po_buf_reset(&b);
	po_svg_addnum(&b, -12.5, 1);
	assert_string_equal(b.data, "-12.5");
	po_buf_reset(&b);
	po_svg_addnum(&b, 99.996, 2);
	assert_string_equal(b.data, "100.00");
	po_buf_reset(&b);
	po_svg_addnum(&b, 7, 0);
	assert_string_equal(b.data, "7");
	po_buf_reset(&b);
	po_svg_addnum(&b, NAN, 2);
	assert_string_equal(b.data, "n/a");
	po_buf_reset(&b);
	po_svg_addnum(&b, INFINITY, 2);
	assert_string_equal(b.data, "n/a");

	/* A decimal comma locale must not leak into the files (when one is installed). */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		po_buf_reset(&b);
		po_svg_addnum(&b, 84.12, 2);
		assert_string_equal(b.data, "84.12");
		setlocale(LC_NUMERIC, "C");
	}
	po_buf_release(&b);
}

static void test_escape(void **state)
{
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	po_svg_escape(&b, "a<&>\"'b");
	assert_string_equal(b.data, "a&lt;&amp;&gt;&quot;&apos;b");
	po_buf_reset(&b);
	/* Control characters and broken UTF-8 cannot appear in XML. */
	po_svg_escape(&b, "x\x01y\xff" "z\xc3\xa9");
	assert_string_equal(b.data, "x\xef\xbf\xbdy\xef\xbf\xbdz\xc3\xa9");
	po_buf_reset(&b);
	po_svg_escape(&b, NULL);
	assert_string_equal(b.data, "");
	po_buf_release(&b);
}

static void test_fixture_markdown(void **state)
{
	json_t *fr = load_fixture();
	char *md = markdown_of(fr, "chart.svg");
	static const char *const sections[] = {
		"\n## Summary\n", "\n## Iteration History\n", "\n## Convergence Analysis\n",
		"\n## Recommendations\n", "\n## Best Prompts\n", "\n## Files Generated\n",
		"\n## Next Steps\n",
	};
	const char *prev = md;
	size_t i;

	(void)state;
	assert_true(!strncmp(md, "# Experiment Report: pr-faq-validator\n", 38));
	assert_contains(md, "**Date:** 2024-11-24T03:38:51Z");
	for (i = 0; i < PO_ARRAY_SIZE(sections); i++) {
		const char *s = strstr(md, sections[i]);

		if (!s || s < prev)
			fail_msg("section %s missing or out of order", sections[i]);
		prev = s;
	}
	assert_contains(md, "| Baseline score | 84.12 |\n");
	assert_contains(md, "| Final score | 88.29 |\n");
	assert_contains(md, "| Improvement | +4.17 points (+4.96%) |\n");
	assert_contains(md, "| Iterations run | 11 of 20");
	assert_contains(md, "| Strategy | hillclimb |\n");
	assert_contains(md, "| Provider | sim |\n");
	assert_contains(md, "| Seed | 42 |\n");
	assert_contains(md, "| LLM calls | 108 (generate 48, judge 49, mutate 11) |\n");
	assert_contains(md, "| Wall time | 12.84 s |\n");
	assert_contains(md, "| True optimum (simulator) | 92.40 |\n");
	assert_contains(md, "| Reported improvement vs true improvement | +4.17 reported vs"
			    " +3.55 true points |\n");
	assert_contains(md, "![Score per iteration](chart.svg)\n");

	assert_contains(md, "| 0 | 84.12 | 84.12 | baseline |");
	assert_contains(md, "| 6 | 88.29 | 88.29 | \xe2\x9c\x93 |");
	assert_contains(md, "| 7 | 87.05 | 88.29 | \xe2\x9c\x97 |");
	assert_contains(md, "| 8 | 85.60 | 88.29 | \xe2\x9c\x97 | 3 (1 failed) |");
	assert_int_equal(count_of(md, "| mutation of best |"), 11);

	assert_contains(md, "- **Converged:** Yes\n");
	assert_contains(md, "- **Convergence Iteration:** 11\n");
	assert_contains(md, "- **Wasted Iterations:** 0 (early stop prevented waste)\n");
	assert_contains(md, "- **Plateau Variance:** \xc2\xb1" "2.69\n");
	assert_contains(md, "- **Plateau Std Dev:** 0.98\n");
	assert_contains(md, "- **Plateau Average:** 87.20\n");
	assert_contains(md, "- **Best Score:** 88.29\n");
	assert_contains(md, "- **Total Iterations:** 11 (stopped early from 20)\n");
	assert_contains(md, "- **No Improvement Count:** 5\n");
	assert_contains(md, "at least 0.1% of the best score");

	assert_contains(md, "\n1. Convergence detected at iteration 11. Could have stopped 9"
			    " iterations earlier.\n2. Diminishing returns");

	assert_contains(md, "### `faq`\n\n```text\nWrite an FAQ for {projectName} with at least"
			    " 7 questions.\n");
	assert_contains(md, "Use plain language and markdown headings.\n```\n");

	assert_contains(md, "Results folder: `prompt_tuning_results_pr-faq-validator/`");
	assert_contains(md, "- `prompt_tuning_results_pr-faq-validator/llm_calls.jsonl`\n");
	assert_contains(md, "- `prompt_tuning_results_pr-faq-validator/evaluation_iteration_011.json`");
	assert_contains(md, "`cp prompt_tuning_results_pr-faq-validator/prompts_pr-faq-validator.json");
	assert_contains(md, "--iterations 20 --seed 43 --results-dir results-seed-43`");
	assert_not_contains(md, "n/a");
	assert_not_contains(md, "nan");
	free(md);
	json_decref(fr);
}

static void test_missing_keys_print_na(void **state)
{
	json_t *empty = json_object();
	json_t *wrong = json_pack("{s:s, s:s, s:i, s:[i], s:s, s:{s:i}, s:[s,i,s]}",
				  "project", "p", "baseline_score", "high", "final_score", 9,
				  "iteration_history", 3, "convergence", "yes",
				  "best_prompts", "a", 5, "recommendations", "first", 2, "");
	char *md;

	(void)state;
	md = markdown_of(empty, NULL);
	assert_contains(md, "# Experiment Report: n/a\n");
	assert_contains(md, "**Date:** n/a");
	assert_contains(md, "| Baseline score | n/a |\n");
	assert_contains(md, "| Improvement | n/a |\n");
	assert_contains(md, "| Iterations run | n/a of n/a |\n");
	assert_contains(md, "No iterations were recorded.");
	assert_contains(md, "No convergence data was recorded.");
	assert_contains(md, "No recommendations.");
	assert_contains(md, "No prompts were recorded.");
	assert_contains(md, "## Next Steps\n");
	assert_not_contains(md, "True optimum");
	assert_not_contains(md, "![");
	free(md);

	md = markdown_of(NULL, NULL);
	assert_contains(md, "# Experiment Report: n/a\n");
	free(md);

	md = markdown_of(wrong, "c.svg");
	assert_contains(md, "| Baseline score | n/a |\n");
	assert_contains(md, "| Final score | 9.00 |\n");
	assert_contains(md, "| n/a | n/a | n/a | n/a | n/a | n/a |\n");
	assert_contains(md, "No convergence data was recorded.");
	assert_contains(md, "### `a`\n\nn/a\n");
	assert_contains(md, "\n1. first\n\n");
	free(md);

	/* Each role's provider is named when the results say it. */
	{
		json_t *roles = json_pack("{s:{s:s,s:s,s:s},s:{s:s,s:s,s:s}}", "models", "generate",
					  "sim", "judge", "claude-haiku-4-5", "mutate", "sim",
					  "providers", "generate", "sim", "judge", "anthropic",
					  "mutate", "sim");
		md = markdown_of(roles, NULL);
		assert_contains(md, "| Models | generate sim/sim, judge anthropic/claude-haiku-4-5, mutate sim/sim |\n");
		free(md);
		json_decref(roles);
	}

	/* Timestamp derived from unixtime when the string is missing. */
	json_object_set_new(empty, "unixtime", json_integer(0));
	md = markdown_of(empty, NULL);
	assert_contains(md, "**Date:** 1970-01-01T00:00:00Z");
	free(md);
	json_decref(empty);
	json_decref(wrong);
}

static void test_not_converged_without_true_score(void **state)
{
	json_t *fr = load_fixture();
	json_t *conv = json_object_get(fr, "convergence");
	char *md;

	(void)state;
	json_object_set_new(fr, "true_score", json_null());
	json_object_set_new(fr, "iterations_run", json_integer(20));
	json_object_set_new(conv, "converged", json_false());
	json_object_set_new(conv, "convergence_iteration", json_null());
	json_object_set_new(conv, "stopped_early", json_false());
	json_object_set_new(conv, "total_iterations", json_integer(20));
	md = markdown_of(fr, NULL);
	assert_contains(md, "- **Converged:** No\n");
	assert_contains(md, "- **Convergence Iteration:** n/a\n");
	assert_contains(md, "- **Total Iterations:** 20\n");
	assert_contains(md, "| Iterations run | 20 of 20 |\n");
	assert_contains(md, "did not converge");
	assert_not_contains(md, "True");
	assert_not_contains(md, "winner's curse");
	free(md);
	json_decref(fr);
}

/* A prompt with backtick runs must stay inside its fence; names must not break tables. */
static void test_markdown_special_characters(void **state)
{
	const char *prompt = "Use ```` fences ````\nand `code` and | pipes\n# not a heading";
	json_t *fr = json_pack("{s:s, s:{s:s}, s:[s], s:[{s:i, s:f, s:f, s:b, s:s}]}",
			       "project", "a|b *x* <i>", "best_prompts", "we`ird", prompt,
			       "recommendations", "2. not a nested list",
			       "iteration_history", "iteration", 0, "score", 50.0,
			       "best_score", 50.0, "improved", 0, "candidate", "x | y\nz");
	char *md = markdown_of(fr, "my chart (1).svg");
	const char *open, *body, *close;

	(void)state;
	assert_contains(md, "# Experiment Report: a\\|b \\*x\\* \\<i\\>\n");
	/* The fence is longer than the longest run (4) in the prompt. */
	open = strstr(md, "\n`````text\n");
	assert_non_null(open);
	body = open + strlen("\n`````text\n");
	assert_true(!strncmp(body, prompt, strlen(prompt)));
	close = body + strlen(prompt);
	assert_true(!strncmp(close, "\n`````\n", 7));
	assert_contains(md, "### ``we`ird``\n");
	assert_contains(md, "| x \\| y z |\n");
	assert_contains(md, "\n1. 2\\. not a nested list\n");
	assert_contains(md, "![Score per iteration](<my chart (1).svg>)");
	assert_contains(md, "`promptopt status --project 'a|b *x* <i>'`");
	free(md);
	json_decref(fr);
}

static void test_svg_fixture_chart(void **state)
{
	json_t *fr = load_fixture();
	const json_t *hist = json_object_get(fr, "iteration_history");
	size_t n = json_array_size(hist), i;
	double score[32], best[32];
	char *svg;

	(void)state;
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		score[i] = po_json_num(json_array_get(hist, i), "score", NAN);
		best[i] = po_json_num(json_array_get(hist, i), "best_score", NAN);
	}
	svg = chart("Score per iteration: pr-faq-validator", score, best, n);
	assert_contains(svg, "<title>Score per iteration: pr-faq-validator</title>");
	assert_int_equal(count_of(svg, "<polyline"), 2);
	/* A dot per score, plus the legend's. */
	assert_int_equal(count_of(svg, "<circle"), 13);
	/* The y axis fits the data (82.75-88.29), not 0-100. */
	assert_contains(svg, ">80</text>");
	assert_contains(svg, ">90</text>");
	assert_not_contains(svg, ">100</text>");
	assert_not_contains(svg, ">50</text>");
	assert_contains(svg, ">11</text>");
	assert_contains(svg, ">Iteration</text>");
	assert_contains(svg, ">Best score</text>");
	check_numbers(svg);
	free(svg);
	json_decref(fr);
}

static void test_svg_nan_gaps(void **state)
{
	double score[] = { 50, NAN, 60, 70, INFINITY };
	double best[] = { 50, NAN, 60, 70, 70 };
	char *svg;

	(void)state;
	svg = chart("gaps", score, best, 5);
	/* score: one line over 60,70; best: a dot for the lone 50, one step line after. */
	assert_int_equal(count_of(svg, "<polyline"), 2);
	assert_int_equal(count_of(svg, "<circle"), 3 + 1 + 1);
	assert_not_contains(svg, "nan");
	assert_not_contains(svg, "inf");
	assert_not_contains(svg, "n/a");
	free(svg);

	double all_nan[] = { NAN, NAN, NAN };
	svg = chart("none", all_nan, all_nan, 3);
	assert_int_equal(count_of(svg, "<polyline"), 0);
	assert_not_contains(svg, "nan");
	assert_not_contains(svg, "n/a");
	free(svg);
}

static void test_svg_empty_and_single(void **state)
{
	double one = 42.5;
	char *svg;

	(void)state;
	svg = chart("empty", NULL, NULL, 0);
	assert_contains(svg, "No iterations recorded");
	assert_int_equal(count_of(svg, "<polyline"), 0);
	free(svg);

	svg = chart("one", &one, &one, 1);
	assert_int_equal(count_of(svg, "<polyline"), 0);
	/* legend dot, score dot, best dot */
	assert_int_equal(count_of(svg, "<circle"), 3);
	assert_not_contains(svg, "n/a");
	free(svg);

	svg = chart(NULL, &one, &one, 1);
	assert_contains(svg, "<title></title>");
	free(svg);
}

static void test_svg_hostile_title(void **state)
{
	double s[] = { 10, 20 };
	char *svg;

	(void)state;
	svg = chart("proj <&>\"' \x02 \xc0", s, s, 2);
	assert_contains(svg, "<title>proj &lt;&amp;&gt;&quot;&apos; \xef\xbf\xbd \xef\xbf\xbd</title>");
	free(svg);

	/* A long title is shortened on the canvas, but kept whole in <title>. */
	char longt[301];
	memset(longt, 'w', 300);
	longt[300] = '\0';
	svg = chart(longt, s, s, 2);
	assert_contains(svg, longt);
	assert_contains(svg, "w\xe2\x80\xa6</text>");
	free(svg);
}

/* ---- writing ---------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/po_test_report_XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static void remove_tree(const char *path)
{
	struct po_buf cmd = PO_BUF_INIT;

	po_buf_addf(&cmd, "rm -rf '%s'", path);
	assert_int_equal(system(cmd.data), 0);
	po_buf_release(&cmd);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_write_creates_both_files(void **state)
{
	json_t *fr = load_fixture();
	char *tmp = make_tmpdir();
	struct po_buf docs = PO_BUF_INIT, md_path = PO_BUF_INIT, expect = PO_BUF_INIT;
	struct po_buf got = PO_BUF_INIT, svg_path = PO_BUF_INIT;
	struct po_err err = { 0 };
	char *md;

	(void)state;
	po_buf_addf(&docs, "%s/docs/nested", tmp);
	assert_int_equal(po_report_write(fr, docs.data, 1732419531, &md_path, &err), 0);
	po_buf_addf(&expect, "%s/EXPERIMENT_pr-faq-validator_1732419531.md", docs.data);
	assert_string_equal(md_path.data, expect.data);
	assert_int_equal(count_entries(docs.data), 3); /* no temporary files left */

	/* The Markdown lists the HTML page with the files; the rest is po_report_markdown's. */
	assert_int_equal(po_fs_read_file(md_path.data, &got, &err), 0);
	md = markdown_of(fr, "EXPERIMENT_pr-faq-validator_1732419531.svg");
	{
		const char *line = "- `EXPERIMENT_pr-faq-validator_1732419531.html` (this report as"
				   " one HTML page, with diffs, lineage and outputs)\n";
		char *at = strstr(got.data, line);

		assert_non_null(at);
		memmove(at, at + strlen(line), strlen(at + strlen(line)) + 1);
	}
	assert_string_equal(got.data, md);
	free(md);

	po_buf_reset(&svg_path);
	po_buf_addf(&svg_path, "%s/EXPERIMENT_pr-faq-validator_1732419531.html", docs.data);
	po_buf_reset(&got);
	assert_int_equal(po_fs_read_file(svg_path.data, &got, &err), 0);
	assert_contains(got.data, "<!DOCTYPE html>");
	assert_contains(got.data, "<svg xmlns=");
	assert_null(strstr(got.data, "<script"));
	assert_null(strstr(got.data, "<?xml"));
	po_buf_reset(&svg_path);

	po_buf_addf(&svg_path, "%s/EXPERIMENT_pr-faq-validator_1732419531.svg", docs.data);
	po_buf_reset(&got);
	assert_int_equal(po_fs_read_file(svg_path.data, &got, &err), 0);
	assert_null(xml_check(got.data));
	assert_contains(got.data, "pr-faq-validator</title>");
	assert_int_equal(count_of(got.data, "<polyline"), 2);

	/* A second report in the same second gets its own name. */
	assert_int_equal(po_report_write(fr, docs.data, 1732419531, &md_path, &err), 0);
	po_buf_reset(&expect);
	po_buf_addf(&expect, "%s/EXPERIMENT_pr-faq-validator_1732419531_2.md", docs.data);
	assert_string_equal(md_path.data, expect.data);
	assert_int_equal(count_entries(docs.data), 6);
	po_buf_reset(&got);
	assert_int_equal(po_fs_read_file(md_path.data, &got, &err), 0);
	assert_contains(got.data, "](EXPERIMENT_pr-faq-validator_1732419531_2.svg)");

	remove_tree(tmp);
	free(tmp);
	po_buf_release(&docs);
	po_buf_release(&md_path);
	po_buf_release(&expect);
	po_buf_release(&got);
	po_buf_release(&svg_path);
	json_decref(fr);
}

static void test_write_hostile_project_stays_in_docs(void **state)
{
	json_t *fr = json_pack("{s:s}", "project", "../a/b");
	char *tmp = make_tmpdir();
	struct po_buf md_path = PO_BUF_INIT, expect = PO_BUF_INIT;
	struct po_err err = { 0 };

	(void)state;
	assert_int_equal(po_report_write(fr, tmp, 7, &md_path, &err), 0);
	po_buf_addf(&expect, "%s/EXPERIMENT__._a_b_7.md", tmp);
	assert_string_equal(md_path.data, expect.data);
	assert_int_equal(count_entries(tmp), 3);
	remove_tree(tmp);
	free(tmp);
	po_buf_release(&md_path);
	po_buf_release(&expect);
	json_decref(fr);
}

static void test_write_fails_with_eio(void **state)
{
	json_t *fr = load_fixture();
	char *tmp = make_tmpdir();
	struct po_buf blocker = PO_BUF_INIT, docs = PO_BUF_INIT, md_path = PO_BUF_INIT;
	struct po_err err = { 0 };

	(void)state;
	/* A file where the docs folder should be: fails even for root. */
	po_buf_addf(&blocker, "%s/file", tmp);
	assert_int_equal(po_fs_write_atomic(blocker.data, "x", 1, &err), 0);
	po_buf_addf(&docs, "%s/docs", blocker.data);
	assert_int_equal(po_report_write(fr, docs.data, 1, &md_path, &err), PO_EIO);
	assert_int_equal(err.code, PO_EIO);
	assert_contains(err.msg, blocker.data);
	assert_string_equal(md_path.data, "");

	/* A read-only folder (root ignores permissions, so only as a user). */
	if (geteuid() != 0) {
		po_buf_reset(&docs);
		po_buf_addf(&docs, "%s/ro", tmp);
		assert_int_equal(mkdir(docs.data, 0555), 0);
		memset(&err, 0, sizeof(err));
		assert_int_equal(po_report_write(fr, docs.data, 1, &md_path, &err), PO_EIO);
		assert_int_equal(err.code, PO_EIO);
		assert_contains(err.msg, docs.data);
		assert_string_equal(md_path.data, "");
		chmod(docs.data, 0755);
	} else {
		print_message("skipping the read-only folder case: running as root\n");
	}
	remove_tree(tmp);
	free(tmp);
	po_buf_release(&blocker);
	po_buf_release(&docs);
	po_buf_release(&md_path);
	json_decref(fr);
}

static void test_word_diff(void **state)
{
	struct po_buf out = PO_BUF_INIT;
	struct po_diff_stats st;
	struct po_buf big_a = PO_BUF_INIT, big_b = PO_BUF_INIT;

	(void)state;
	po_diff_words(&out, "Keep it short.\nBe <clear>.", "Keep it very short.\nBe <clear> & kind.",
		      PO_DIFF_HTML, &st);
	assert_string_equal(out.data, "Keep it <ins>very</ins> short.\nBe <del>&lt;clear&gt;.</del> "
				      "<ins>&lt;clear&gt; &amp; kind.</ins>");
	assert_int_equal(st.inserted, 4);
	assert_int_equal(st.deleted, 1);
	assert_int_equal(st.kept, 4);
	po_buf_reset(&out);
	po_diff_words(&out, "a b c", "a x c", PO_DIFF_TEXT, NULL);
	assert_string_equal(out.data, "a [-b-] {+x+} c");
	po_buf_reset(&out);
	po_diff_words(&out, NULL, "", PO_DIFF_TEXT, &st);
	assert_string_equal(out.data, "");
	assert_int_equal(st.inserted + st.deleted + st.kept, 0);
	/* Past the table's bound the middle is removed, then added, at once. */
	for (int i = 0; i < 3000; i++) {
		po_buf_addf(&big_a, "a%d ", i);
		po_buf_addf(&big_b, "b%d ", i);
	}
	po_buf_reset(&out);
	po_diff_words(&out, big_a.data, big_b.data, PO_DIFF_TEXT, &st);
	assert_int_equal(st.inserted, 3000);
	assert_int_equal(st.deleted, 3000);
	po_buf_release(&out);
	po_buf_release(&big_a);
	po_buf_release(&big_b);
}

/* The seed's history (iteration 1 first, the baseline apart) and the older
 * one (the baseline as entry 0) read the same; a file with neither is empty. */
static void test_field_history_shapes(void **state)
{
	json_t *seed = json_pack("{s:{s:i, s:f}, s:[{s:i, s:f}, {s:i, s:f}]}", "baseline",
				 "iteration", 0, "score", 50.0, "iteration_history", "iteration", 1,
				 "score", 51.0, "iteration", 2, "score", 52.0);
	json_t *old = json_pack("{s:[{s:i, s:f}, {s:i, s:f}, {s:i, s:f}]}", "iteration_history",
				"iteration", 0, "score", 50.0, "iteration", 1, "score", 51.0,
				"iteration", 2, "score", 52.0);
	json_t *none = json_object(), *a, *b, *c;

	(void)state;
	a = po_field_history(seed);
	b = po_field_history(old);
	c = po_field_history(none);
	assert_true(json_equal(a, b));
	assert_int_equal(json_array_size(a), 3);
	assert_int_equal(po_json_int(json_array_get(a, 0), "iteration", -1), 0);
	assert_int_equal(json_array_size(c), 0);
	/* both keys, as a hand-merged file might have them: the baseline once */
	json_object_set(old, "baseline", json_object_get(seed, "baseline"));
	json_decref(b);
	b = po_field_history(old);
	assert_int_equal(json_array_size(b), 3);
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(seed);
	json_decref(old);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_checker_rejects_bad_xml),
		cmocka_unit_test(test_field_history_shapes),
		cmocka_unit_test(test_addnum_ignores_locale_and_rounds),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fixture_markdown),
		cmocka_unit_test(test_missing_keys_print_na),
		cmocka_unit_test(test_not_converged_without_true_score),
		cmocka_unit_test(test_markdown_special_characters),
		cmocka_unit_test(test_svg_fixture_chart),
		cmocka_unit_test(test_svg_nan_gaps),
		cmocka_unit_test(test_svg_empty_and_single),
		cmocka_unit_test(test_svg_hostile_title),
		cmocka_unit_test(test_write_creates_both_files),
		cmocka_unit_test(test_write_hostile_project_stays_in_docs),
		cmocka_unit_test(test_write_fails_with_eio),
		cmocka_unit_test(test_word_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
