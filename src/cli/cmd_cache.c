/*
 * `promptopt cache stats|clear [--cache PATH]`: what the response cache
 * holds (entries per provider and model, hits, size) and emptying it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "llm/cache.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/timeutil.h"

static void cache_usage(FILE *f)
{
	fprintf(f,
		"usage: promptopt cache stats [--cache PATH]\n"
		"       promptopt cache clear [--cache PATH]\n\n"
		"The response cache keeps the answers of paid LLM calls (anthropic, openai),\n"
		"so a rerun of the same requests costs nothing. The simulator and the file\n"
		"bridge are not cached.\n\n"
		"  stats          entries per provider and model, hits, file size\n"
		"  clear          delete every entry\n"
		"  --cache PATH   cache file (default %s)\n"
		"  -h, --help     show this help\n\n%s",
		PO_CACHE_DEFAULT_PATH, cli_exit_codes_help);
}

static void print_model(const char *provider, const char *model, int64_t entries, int64_t hits,
			void *ud)
{
	(void)ud;
	printf("  %-10s %-32s %8" PRId64 " entries %8" PRId64 " hits\n", provider,
	       *model ? model : "(default model)", entries, hits);
}

static int do_stats(struct po_cache *c, const char *path)
{
	struct po_cache_stats st;
	struct po_err err = { 0 };
	char a[32], b[32];

	if (po_cache_stats(c, &st, &err) < 0)
		return cli_fail(&err);
	printf("Cache: %s\n", path);
	printf("Entries: %" PRId64 "\n", st.entries);
	printf("Hits served: %" PRId64 "\n", st.hits);
	printf("Stored answers: %.1f KiB; file: %.1f KiB\n", (double)st.content_bytes / 1024.0,
	       (double)st.bytes / 1024.0);
	if (st.entries) {
		po_time_iso8601(st.oldest, a, sizeof(a));
		po_time_iso8601(st.newest, b, sizeof(b));
		printf("Oldest: %s  Newest: %s\n", a, b);
		printf("By provider and model:\n");
		if (po_cache_each_model(c, print_model, NULL, &err) < 0)
			return cli_fail(&err);
	}
	return 0;
}

int cmd_cache(int argc, char **argv)
{
	static const char *const value_opts[] = { "--cache", NULL };
	const char *path = PO_CACHE_DEFAULT_PATH, *action = NULL;
	struct po_cache *c = NULL;
	struct po_err err = { 0 };
	int ret;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cache_usage(stdout);
			return 0;
		}
		int which = cli_match_value(argc, argv, &i, value_opts, &v);
		if (which == -2)
			return 2;
		if (which == 0) {
			path = v;
			continue;
		}
		if (!action && (!strcmp(a, "stats") || !strcmp(a, "clear"))) {
			action = a;
			continue;
		}
		if (a[0] == '-')
			cli_unknown_option("cache", a, value_opts,
					   (const char *const[]){ "--help", NULL }, 0);
		else if (!action && po_edit_distance(a, "stats") <= 2)
			cli_error("unknown action '%s' for cache; did you mean 'stats'?", a);
		else if (!action && po_edit_distance(a, "clear") <= 2)
			cli_error("unknown action '%s' for cache; did you mean 'clear'?", a);
		else
			cli_error("unknown argument '%s' for cache; see 'promptopt cache --help'", a);
		return 2;
	}
	if (!action) {
		cli_error("cache needs an action: 'promptopt cache stats' or 'promptopt cache clear'");
		return 2;
	}
	/* Looking must not create a file. */
	if (!po_fs_exists(path)) {
		if (!strcmp(action, "stats"))
			printf("Cache: %s\nEntries: 0 (no cache file yet)\n", path);
		else
			printf("Cache %s is empty (no cache file)\n", path);
		return 0;
	}
	if (po_cache_open(&c, path, &err) < 0)
		return cli_fail(&err);
	if (!strcmp(action, "stats")) {
		ret = do_stats(c, path);
	} else {
		int64_t n = 0;
		ret = po_cache_clear(c, &n, &err) < 0 ? cli_fail(&err) : 0;
		if (!ret)
			printf("Removed %" PRId64 " entries from %s\n", n, path);
	}
	po_cache_close(c);
	return ret;
}
