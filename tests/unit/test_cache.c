/*
 * The response cache, alone and behind the engine: answers come back byte
 * for byte, errors are never stored, a rerun is served from the cache
 * without calling the provider, every field of the key matters, the
 * simulator is not cached, and several processes can write one cache.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llm/cache.h"
#include "llm/llm.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"

/* A provider that answers "answer to <prompt>" and fails prompts starting with "fail". */
struct script {
	int calls;
	const char *name;
};

static int script_complete(struct po_provider *p, const struct po_llm_request *reqs,
			   struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct script *s = p->impl;

	(void)err;
	for (size_t i = 0; i < n; i++) {
		struct po_buf b = PO_BUF_INIT;
		s->calls++;
		if (!strncmp(reqs[i].prompt, "fail", 4)) {
			out[i].error = po_xstrdup("HTTP 500: scripted failure");
			continue;
		}
		po_buf_addf(&b, "answer to %s", reqs[i].prompt);
		out[i].content = po_buf_detach(&b);
		out[i].model = po_xstrdup("model-x-2026");
		out[i].input_tokens = 100;
		out[i].output_tokens = 50;
		out[i].cache_read_tokens = 7;
		out[i].attempts = 2;
		out[i].latency_ms = 12;
	}
	return 0;
}

static void script_free(struct po_provider *p)
{
	free(p);
}

static const struct po_provider_ops script_ops = {
	.name = "script", .complete = script_complete, .free = script_free };
static const struct po_provider_ops sim_named_ops = {
	.name = "sim", .complete = script_complete, .free = script_free };

static struct po_engine *make_engine(struct script *s, const struct po_provider_ops *ops,
				     const char *cache)
{
	struct po_provider *p = po_xcalloc(1, sizeof(*p));
	struct po_engine_config cfg;
	struct po_engine *e;
	struct po_err err = { 0 };

	p->ops = ops;
	p->impl = s;
	po_engine_config_init(&cfg);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cfg.roles[r] = p;
	cfg.cache_path = cache;
	if (po_engine_new(&e, &cfg, &err) < 0)
		fail_msg("engine: %s", err.msg);
	return e;
}

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/po-test-cache-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd);
}

static void path_in_tmp(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void test_put_get_roundtrip(void **state)
{
	char path[128];
	struct po_cache *c;
	struct po_err err = { 0 };
	struct po_llm_response in = { 0 }, got = { 0 };
	struct po_cache_meta meta = { "anthropic", "m", "generate" };
	struct po_cache_stats st;

	(void)state;
	path_in_tmp(path, sizeof(path), "sub/dir/c.sqlite");
	assert_int_equal(po_cache_open(&c, path, &err), 0);
	in.content = "text with \"quotes\", ünïcode and\nnewlines";
	in.model = "m-2026";
	in.input_tokens = 11;
	in.output_tokens = 22;
	in.cache_read_tokens = 3;
	in.cache_write_tokens = 4;
	assert_int_equal(po_cache_get(c, "k1", &got, &err), 0);
	assert_int_equal(po_cache_put(c, "k1", &meta, &in, &err), 0);
	assert_int_equal(po_cache_get(c, "k1", &got, &err), 1);
	assert_string_equal(got.content, in.content);
	assert_string_equal(got.model, "m-2026");
	assert_int_equal(got.input_tokens, 11);
	assert_int_equal(got.output_tokens, 22);
	assert_int_equal(got.cache_read_tokens, 3);
	assert_int_equal(got.cache_write_tokens, 4);
	assert_true(got.cached);
	po_llm_response_release(&got);

	/* A failed call is refused. */
	struct po_llm_response bad = { .error = "HTTP 401" };
	assert_int_equal(po_cache_put(c, "k2", &meta, &bad, &err), PO_EFAIL);
	assert_int_equal(po_cache_get(c, "k2", &got, &err), 0);

	assert_int_equal(po_cache_stats(c, &st, &err), 0);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.hits, 1);
	assert_true(st.bytes > 0);
	int64_t removed = -1;
	assert_int_equal(po_cache_clear(c, &removed, &err), 0);
	assert_int_equal(removed, 1);
	assert_int_equal(po_cache_get(c, "k1", &got, &err), 0);
	po_cache_close(c);
}

static void test_not_a_cache(void **state)
{
	char path[128];
	struct po_cache *c = NULL;
	struct po_err err = { 0 };

	(void)state;
	path_in_tmp(path, sizeof(path), "notes.txt");
	assert_int_equal(po_fs_write_atomic(path, "hello, this is not sqlite\n", 26, &err), 0);
	assert_int_equal(po_cache_open(&c, path, &err), PO_EIO);
	assert_null(c);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "--no-cache"));
}

static void batch(struct po_llm_request *reqs, const char **prompts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&reqs[i], 0, sizeof(reqs[i]));
		reqs[i].role = (enum po_role)(i % PO_ROLE_COUNT);
		reqs[i].model = "model-x";
		reqs[i].temperature = 0.7;
		reqs[i].max_tokens = 100;
		reqs[i].prompt = prompts[i];
	}
}

/* A rerun with a new engine is served from the cache; errors go out again. */
static void test_engine_rerun_is_free(void **state)
{
	const char *prompts[] = { "alpha", "fail now", "gamma", "delta" };
	struct po_llm_request reqs[4];
	struct po_llm_response out[4], first[4];
	struct script s = { 0 };
	char path[128];
	struct po_err err = { 0 };
	struct po_engine *e;

	(void)state;
	path_in_tmp(path, sizeof(path), "rerun.sqlite");
	batch(reqs, prompts, 4);
	e = make_engine(&s, &script_ops, path);
	assert_int_equal(po_engine_complete(e, reqs, first, 4, &err), 0);
	assert_int_equal(s.calls, 4);
	po_engine_free(e);

	s.calls = 0;
	e = make_engine(&s, &script_ops, path);
	assert_int_equal(po_engine_complete(e, reqs, out, 4, &err), 0);
	assert_int_equal(s.calls, 1); /* only the failed one */
	for (int i = 0; i < 4; i++) {
		if (i == 1) {
			assert_null(out[i].content);
			assert_false(out[i].cached);
			continue;
		}
		assert_string_equal(out[i].content, first[i].content);
		assert_true(out[i].cached);
	}
	const struct po_engine_stats *st = po_engine_stats(e);
	long hits = 0, calls = 0, in = 0;
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		hits += st->cache_hits[r];
		calls += st->calls[r];
		in += st->input_tokens[r];
	}
	assert_int_equal(hits, 3);
	assert_int_equal(calls, 4);
	assert_int_equal(in, 0); /* hits are not billed tokens; the failed call had none */
	for (int i = 0; i < 4; i++) {
		po_llm_response_release(&out[i]);
		po_llm_response_release(&first[i]);
	}
	po_engine_free(e);
}

/* Every part of the key changes it. */
static void test_key_fields(void **state)
{
	struct po_llm_request base = { .role = PO_ROLE_GENERATE, .model = "m", .temperature = 0.7,
				       .max_tokens = 100, .system = "sys", .prompt = "p" };
	char k0[65], k[65];

	(void)state;
	po_engine_cache_key(&base, "openai", "http://a", 42, k0);
	assert_int_equal(strlen(k0), 64);
	po_engine_cache_key(&base, "openai", "http://a", 42, k);
	assert_string_equal(k, k0);

	struct po_llm_request r = base;
	r.sample = 1;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r = base;
	r.temperature = 0.70000001;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r = base;
	r.max_tokens = 101;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r = base;
	r.model = "m2";
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r = base;
	r.system = NULL;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r = base;
	r.system = "";
	char k2[65];
	po_engine_cache_key(&r, "openai", "http://a", 42, k2);
	assert_string_not_equal(k2, k);
	/* Text moved from system to prompt is another request. */
	r = base;
	r.system = "sy";
	r.prompt = "sp";
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	po_engine_cache_key(&base, "anthropic", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	po_engine_cache_key(&base, "openai", "http://b", 42, k);
	assert_string_not_equal(k, k0);
	/* Another run seed draws fresh samples. */
	po_engine_cache_key(&base, "openai", "http://a", 43, k);
	assert_string_not_equal(k, k0);
	/* The role is not part of the key: the same request is the same answer. */
	r = base;
	r.role = PO_ROLE_JUDGE;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_equal(k, k0);
	/* A reply asked for in a schema is another answer; the same schema
	 * written with its keys in another order is the same. */
	json_t *s1 = json_pack("{s:s, s:{s:{s:s}}}", "type", "object", "properties", "score",
			       "type", "number");
	json_t *s2 = json_pack("{s:{s:{s:s}}, s:s}", "properties", "score", "type", "number",
			       "type", "object");
	r = base;
	r.schema = s1;
	po_engine_cache_key(&r, "openai", "http://a", 42, k);
	assert_string_not_equal(k, k0);
	r.schema = s2;
	po_engine_cache_key(&r, "openai", "http://a", 42, k2);
	assert_string_equal(k2, k);
	json_decref(s1);
	json_decref(s2);
}

/* The simulator is not cached: no file is even created. */
static void test_sim_not_cached(void **state)
{
	const char *prompts[] = { "alpha" };
	struct po_llm_request reqs[1];
	struct po_llm_response out[1];
	struct script s = { 0 };
	char path[128];
	struct po_err err = { 0 };
	struct po_engine *e;

	(void)state;
	path_in_tmp(path, sizeof(path), "sim.sqlite");
	batch(reqs, prompts, 1);
	e = make_engine(&s, &sim_named_ops, path);
	assert_int_equal(po_engine_complete(e, reqs, out, 1, &err), 0);
	po_llm_response_release(&out[0]);
	assert_int_equal(po_engine_complete(e, reqs, out, 1, &err), 0);
	assert_false(out[0].cached);
	po_llm_response_release(&out[0]);
	assert_int_equal(s.calls, 2);
	assert_false(po_fs_exists(path));
	po_engine_free(e);
	assert_false(po_engine_cacheable("sim"));
	assert_false(po_engine_cacheable("bridge"));
	assert_true(po_engine_cacheable("anthropic"));
	assert_true(po_engine_cacheable("openai"));
}

/* Four processes write and read one cache at once: nothing lost, no error. */
static void test_several_processes(void **state)
{
	char path[128];
	pid_t kids[4];
	enum { PER = 150 };

	(void)state;
	path_in_tmp(path, sizeof(path), "shared.sqlite");
	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			struct po_cache *c;
			struct po_err err = { 0 };
			struct po_cache_meta meta = { "openai", "m", "judge" };
			int bad = 0;

			if (po_cache_open(&c, path, &err) < 0)
				_exit(10);
			for (int i = 0; i < PER; i++) {
				char key[32], text[64];
				struct po_llm_response r = { .content = text }, got = { 0 };
				snprintf(key, sizeof(key), "k%d-%d", k, i);
				snprintf(text, sizeof(text), "answer %d %d", k, i);
				/* Small transactions, as the engine makes them. */
				bad |= po_cache_begin(c, &err) < 0;
				bad |= po_cache_put(c, key, &meta, &r, &err) < 0;
				bad |= po_cache_end(c, &err) < 0;
				snprintf(key, sizeof(key), "k%d-%d", (k + 1) % 4, i / 2);
				bad |= po_cache_get(c, key, &got, &err) < 0;
				po_llm_response_release(&got);
			}
			po_cache_close(c);
			_exit(bad ? 11 : 0);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	struct po_cache *c;
	struct po_cache_stats st;
	struct po_err err = { 0 };
	assert_int_equal(po_cache_open(&c, path, &err), 0);
	assert_int_equal(po_cache_stats(c, &st, &err), 0);
	assert_int_equal(st.entries, 4 * PER);
	po_cache_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_roundtrip),
		cmocka_unit_test(test_not_a_cache),
		cmocka_unit_test(test_engine_rerun_is_free),
		cmocka_unit_test(test_key_fields),
		cmocka_unit_test(test_sim_not_cached),
		cmocka_unit_test(test_several_processes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
