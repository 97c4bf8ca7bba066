/*
 * Tests of the file bridge client (the `bridge` provider) and the shared
 * helpers: names, request/response JSON, the wait (inotify), timeouts,
 * rejected responses, leftovers, interrupt and a responder that is gone.
 * A thread plays the responder; every test works in its own mkdtemp folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "bridge/spares.h"
#include "llm/provider.h"
#include "bridge/responder.h"
#include "sim/sim.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	char *dir = po_xstrdup("/tmp/po_test_bridge_XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int teardown_tmp(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static struct po_provider *new_bridge(const char *dir, double timeout, struct po_err *err)
{
	struct po_provider_spec spec;

	po_provider_spec_init(&spec);
	spec.name = "bridge";
	spec.bridge_dir = dir;
	spec.run_id = "run-A";
	spec.timeout_s = timeout;
	spec.poll_interval = 0.05;
	return po_provider_new(&spec, NULL, err);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool wait_file(const char *path, double ms)
{
	double end = po_time_mono_ms() + ms;

	while (!po_fs_exists(path)) {
		if (po_time_mono_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

/* ---- names and JSON ------------------------------------------------------- */

static void test_names(void **state)
{
	uint64_t id = 0;
	struct po_buf b = PO_BUF_INIT;

	(void)state;
	assert_true(po_bridge_parse_name("request_0042.json", "request", &id));
	assert_int_equal(id, 42);
	assert_true(po_bridge_parse_name("response_123456.json", "response", &id));
	assert_int_equal(id, 123456);
	assert_false(po_bridge_parse_name("request_0042.json.claimed.12", "request", &id));
	assert_false(po_bridge_parse_name(".request_0042.json.tmp.1", "request", &id));
	assert_false(po_bridge_parse_name("request_.json", "request", &id));
	assert_false(po_bridge_parse_name("request_12a.json", "request", &id));
	assert_false(po_bridge_parse_name("request_99999999999999999999999.json", "request", &id));
	assert_false(po_bridge_parse_name("response_1.json", "request", &id));
	assert_true(po_bridge_any_id(".request_0007.json.tmp.5", &id));
	assert_int_equal(id, 7);
	assert_true(po_bridge_any_id("response_0009.json.rejected", &id));
	assert_int_equal(id, 9);
	assert_false(po_bridge_any_id("next_request_id", &id));
	po_bridge_path(&b, "d", "llm_requests", "request", 5, NULL);
	assert_string_equal(b.data, "d/llm_requests/request_0005.json");
	po_bridge_path(&b, "d", "llm_responses", "response", 123456, ".x");
	assert_string_equal(b.data, "d/llm_responses/response_123456.json.x");
	po_buf_release(&b);
}

static void test_request_round_trip(void **state)
{
	json_t *meta = json_pack("{s:s, s:{s:s}}", "template", "Write {x}", "inputs", "x", "a kettle");
	struct po_llm_request req = { .role = PO_ROLE_JUDGE, .model = "m1", .temperature = 0.7,
				      .max_tokens = 77, .system = "sys", .prompt = "judge this",
				      .metadata = meta, .sample = 3 };
	struct po_bridge_sim_hint hint = { .present = true, .seed = 9, .noise = 2.5,
					   .catalogue = "generic" };
	struct po_bridge_request br;
	struct po_err err = { 0 };
	json_t *j = po_bridge_request_json(&req, 17, "run-A", &hint), *back;
	char *text = po_bridge_dumps(j);

	(void)state;
	assert_int_equal(text[strlen(text) - 1], '\n');
	/* written as a person would (not 0.69999999999999996), read back exactly */
	assert_non_null(strstr(text, "\"temperature\": 0.7,"));
	assert_non_null(strstr(text, "\"noise\": 2.5"));
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_int_equal(po_bridge_request_parse(back, &br, &err), 0);
	assert_true(br.has_id && br.has_role);
	assert_int_equal(br.request_id, 17);
	assert_string_equal(br.run_id, "run-A");
	assert_int_equal(br.req.role, PO_ROLE_JUDGE);
	assert_string_equal(br.req.model, "m1");
	assert_true(br.req.temperature == 0.7);
	assert_int_equal(br.req.max_tokens, 77);
	assert_string_equal(br.req.system, "sys");
	assert_string_equal(br.req.prompt, "judge this");
	assert_int_equal(br.req.sample, 3);
	assert_true(json_equal((json_t *)br.req.metadata, meta));
	assert_true(br.sim.present && br.sim.seed == 9 && br.sim.noise == 2.5);
	assert_string_equal(br.sim.catalogue, "generic");
	json_decref(back);
	json_decref(j);
	json_decref(meta);
	free(text);
}

/* The bridge's own writer gives jansson's text (indent 2, sorted keys, 15
 * digits), and the request and response written straight as text are the
 * ones built as json_t. */
static void test_text_as_jansson(void **state)
{
	const char *doc = "{\"b\": [1, 2.5, -0.7, 1e20, 1e-05, 123456789012345678, 100.0, true, false, null],"
			  " \"a\": {\"z\": \"line\\nbreak \\\"q\\\" \\\\ tab\\t \\u0001 caf\u00e9\", \"y\": {}, \"x\": []},"
			  " \"c\": 0.1, \"d\": 3.141592653589793, \"e\": -1e-300}";
	json_t *meta = json_pack("{s:s, s:{s:s, s:i}, s:[s, f]}", "template", "Write {x}\n\"now\"",
				 "inputs", "x", "a kettle", "n", 3, "list", "a", 0.25);
	struct po_llm_request req = { .role = PO_ROLE_GENERATE, .temperature = 0.7, .max_tokens = 9,
				      .prompt = "Write \"a\" kettle\n", .metadata = meta, .sample = 2 };
	struct po_llm_response resp = { .content = "ok \"x\"", .model = "m", .input_tokens = 3,
					.output_tokens = 4 };
	struct po_llm_response bad = { .error = "no \\ way" };
	struct po_bridge_sim_hint hint = { .present = true, .seed = UINT64_MAX, .noise = 4,
					   .catalogue = "prfaq" }; /* written as -1, as json_integer() does */
	struct po_buf t = PO_BUF_INIT;
	json_t *j = json_loads(doc, 0, NULL), *a, *b;
	char *mine, *theirs;

	(void)state;
	assert_non_null(j);
	mine = po_bridge_dumps(j);
	theirs = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	assert_int_equal(mine[strlen(mine) - 1], '\n');
	mine[strlen(mine) - 1] = '\0';
	assert_string_equal(mine, theirs);
	free(mine);
	free(theirs);
	json_decref(j);

	po_bridge_request_text(&t, &req, 12, "run-T", &hint);
	a = json_loads(t.data, 0, NULL);
	assert_non_null(a);
	b = po_bridge_request_json(&req, 12, "run-T", &hint);
	json_object_del(a, "timestamp");
	json_object_del(b, "timestamp");
	assert_true(json_equal(a, b));
	json_decref(b);
	/* and it is the canonical text of what it holds */
	b = json_loads(t.data, 0, NULL);
	mine = po_bridge_dumps(b);
	assert_string_equal(mine, t.data);
	free(mine);
	json_decref(a);
	json_decref(b);

	for (int k = 0; k < 2; k++) {
		const struct po_llm_response *r = k ? &bad : &resp;
		po_bridge_response_text(&t, 5, k ? NULL : "run-T", r);
		a = po_bridge_response_json(5, k ? NULL : "run-T", r);
		mine = po_bridge_dumps(a);
		assert_string_equal(t.data, mine);
		free(mine);
		json_decref(a);
	}
	po_buf_release(&t);
	json_decref(meta);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static int count_spares(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	long pid;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += po_bridge_parse_spare(de->d_name, &pid);
	closedir(d);
	return n;
}

/* Files read are rewritten as the next ones, never a file someone else
 * holds (a hard link, another mode); spares go with their pool. */
static void test_spares(void **state)
{
	const char *dir = *state;
	struct po_bridge_spares *sp = po_bridge_spares_new(dir);
	struct po_buf a = PO_BUF_INIT, kept = PO_BUF_INIT, out = PO_BUF_INIT, spare = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct stat st;
	ino_t ino;
	unsigned k;
	long pid;

	po_buf_addf(&a, "%s/response_0001.json", dir);
	write_text(a.data, "{\"content\": \"a long answer, longer than what comes next\"}");
	chmod(a.data, 0644);
	ino = inode_of(a.data);
	assert_int_equal(stat(a.data, &st), 0);
	po_bridge_spares_take(sp, a.data, &st);
	assert_false(po_fs_exists(a.data));
	assert_int_equal(count_spares(dir), 1);
	/* the same file, rewritten (and cut to its new length) */
	po_buf_addf(&out, "%s/request_0002.json", dir);
	assert_int_equal(po_bridge_spares_write(sp, out.data, "{\"prompt\": \"x\"}", 15, &err), 0);
	assert_int_equal(inode_of(out.data), ino);
	assert_int_equal(stat(out.data, &st), 0);
	assert_int_equal(st.st_size, 15);
	assert_int_equal(count_spares(dir), 0);

	/* a file with another link: deleted, the other name untouched */
	po_buf_addf(&kept, "%s/kept-by-a-person.json", dir);
	write_text(kept.data, "{\"content\": \"mine\"}");
	chmod(kept.data, 0644);
	assert_int_equal(link(kept.data, a.data), 0);
	assert_int_equal(stat(a.data, &st), 0);
	po_bridge_spares_take(sp, a.data, &st);
	assert_false(po_fs_exists(a.data));
	assert_int_equal(count_spares(dir), 0);
	assert_int_equal(po_bridge_spares_fill(sp, "new", 3, "x", &spare, &k, &err), 0);
	assert_true(inode_of(spare.data) != inode_of(kept.data));
	assert_true(po_bridge_parse_spare(strrchr(spare.data, '/') + 1, &pid));
	assert_int_equal(pid, (long)getpid());
	unlink(spare.data);
	po_buf_reset(&out);
	assert_int_equal(po_fs_read_file(kept.data, &out, &err), 0);
	assert_string_equal(out.data, "{\"content\": \"mine\"}");

	/* another mode: deleted */
	write_text(a.data, "{}");
	chmod(a.data, 0600);
	assert_int_equal(stat(a.data, &st), 0);
	po_bridge_spares_take(sp, a.data, &st);
	assert_false(po_fs_exists(a.data));
	assert_int_equal(count_spares(dir), 0);

	/* the pool's files go with it */
	write_text(a.data, "{}");
	chmod(a.data, 0644);
	assert_int_equal(stat(a.data, &st), 0);
	po_bridge_spares_take(sp, a.data, &st);
	assert_int_equal(count_spares(dir), 1);
	po_bridge_spares_free(sp);
	assert_int_equal(count_spares(dir), 0);
	po_buf_release(&a);
	po_buf_release(&kept);
	po_buf_release(&out);
	po_buf_release(&spare);
}

static void expect_request_error(const char *text, const char *msg)
{
	struct po_bridge_request br;
	struct po_err err = { 0 };
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);

	assert_non_null(j);
	assert_int_equal(po_bridge_request_parse(j, &br, &err), PO_EINPUT);
	assert_string_equal(err.msg, msg);
	json_decref(j);
}

static void test_request_errors(void **state)
{
	(void)state;
	expect_request_error("[1]", "a request must be a JSON object, not an array");
	expect_request_error("{}", "the request has no \"prompt\"");
	expect_request_error("{\"prompt\": null}", "\"prompt\" must be a string, not null");
	expect_request_error("{\"prompt\": \"x\", \"role\": \"sing\"}",
			     "unknown role 'sing'; expected generate, judge or mutate");
	expect_request_error("{\"prompt\": \"x\", \"request_id\": -1}",
			     "\"request_id\" must be a non-negative whole number, not an integer");
	expect_request_error("{\"prompt\": \"x\", \"protocol\": 2}",
			     "protocol 2 is newer than this responder's (1); update promptopt");
	expect_request_error("{\"prompt\": \"x\", \"metadata\": []}",
			     "\"metadata\" must be an object, not an array");
	expect_request_error("{\"prompt\": \"x\", \"max_tokens\": 0}",
			     "\"max_tokens\" must be a positive whole number, not an integer");
	expect_request_error("{\"prompt\": \"x\", \"sim\": {\"seed\": 1}}",
			     "\"sim\" must hold \"seed\" (a whole number), \"noise\" (a number) and optionally \"catalogue\" (a string)");
}

static void test_response_parse(void **state)
{
	struct po_llm_response r = { 0 };
	struct po_err err = { 0 };
	json_t *j;

	(void)state;
	j = json_loads("{\"request_id\": 4, \"run_id\": \"run-A\", \"content\": \"hi\", \"model\": \"m\","
		       " \"usage\": {\"input_tokens\": 3, \"output_tokens\": 5}}", 0, NULL);
	assert_int_equal(po_bridge_response_parse(j, 4, "run-A", &r, &err), 0);
	assert_string_equal(r.content, "hi");
	assert_string_equal(r.model, "m");
	assert_int_equal(r.input_tokens, 3);
	assert_int_equal(r.output_tokens, 5);
	po_llm_response_release(&r);
	memset(&r, 0, sizeof(r));
	/* a wrong run_id or request_id is rejected */
	assert_int_equal(po_bridge_response_parse(j, 5, "run-A", &r, &err), PO_EINPUT);
	assert_string_equal(err.msg, "its request_id 4 does not match the request's 5");
	assert_int_equal(po_bridge_response_parse(j, 4, "run-B", &r, &err), PO_EINPUT);
	assert_string_equal(err.msg,
			    "its run_id 'run-A' is not this run's 'run-B' (a leftover of another run?)");
	assert_null(r.content);
	json_decref(j);
	/* a person may answer with the content alone */
	j = json_loads("{\"content\": \"by hand\"}", 0, NULL);
	assert_int_equal(po_bridge_response_parse(j, 4, "run-A", &r, &err), 0);
	assert_string_equal(r.content, "by hand");
	po_llm_response_release(&r);
	memset(&r, 0, sizeof(r));
	json_decref(j);
	j = json_loads("{\"error\": \"overloaded\"}", 0, NULL);
	assert_int_equal(po_bridge_response_parse(j, 4, "run-A", &r, &err), 0);
	assert_null(r.content);
	assert_string_equal(r.error, "overloaded");
	po_llm_response_release(&r);
	memset(&r, 0, sizeof(r));
	json_decref(j);
	j = json_loads("{\"model\": \"m\"}", 0, NULL);
	assert_int_equal(po_bridge_response_parse(j, 4, "run-A", &r, &err), PO_EINPUT);
	assert_string_equal(err.msg, "it has neither \"content\" nor \"error\"");
	json_decref(j);
}

/* ---- the provider against a responder thread ------------------------------ */

struct serve_ctx {
	const char *dir;
	volatile int stop;
	long answered;
};

static void *serve_thread(void *arg)
{
	struct serve_ctx *c = arg;
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };

	po_responder_options_init(&o);
	o.dir = c->dir;
	o.stop = &c->stop;
	o.interval = 0.05;
	if (po_responder_new(&r, &o, &err) < 0)
		return NULL;
	po_responder_serve(r, &err);
	c->answered = po_responder_stats(r)->answered;
	po_responder_free(r);
	return NULL;
}

static void test_round_trip_matches_sim(void **state)
{
	const char *dir = *state;
	struct po_err err = { 0 };
	struct po_provider *p = new_bridge(dir, 10, &err);
	struct serve_ctx c = { .dir = dir };
	struct po_llm_request reqs[6];
	struct po_llm_response out[6], direct;
	struct po_sim_config cfg;
	struct po_sim *sim;
	pthread_t th;

	assert_non_null(p);
	assert_int_equal(pthread_create(&th, NULL, serve_thread, &c), 0);
	for (int i = 0; i < 6; i++)
		reqs[i] = (struct po_llm_request){ .role = (enum po_role)(i % 3),
						   .prompt = i % 3 == 1 ?
							     "Evaluate <output_to_evaluate>x</output_to_evaluate>" :
							     "Write a PR-FAQ for a kettle.",
						   .max_tokens = 100, .sample = (unsigned)i };
	memset(out, 0, sizeof(out));
	assert_int_equal(p->ops->complete(p, reqs, out, 6, &err), 0);
	po_sim_config_init(&cfg);
	sim = po_sim_new(&cfg, &err);
	for (int i = 0; i < 6; i++) {
		memset(&direct, 0, sizeof(direct));
		po_sim_answer(sim, &reqs[i], &direct);
		assert_null(out[i].error);
		assert_string_equal(out[i].content, direct.content);
		assert_int_equal(out[i].output_tokens, direct.output_tokens);
		po_llm_response_release(&direct);
		po_llm_response_release(&out[i]);
	}
	/* a second batch continues the numbering */
	memset(out, 0, sizeof(out));
	assert_int_equal(p->ops->complete(p, reqs, out, 1, &err), 0);
	po_llm_response_release(&out[0]);
	c.stop = 1;
	pthread_join(th, NULL);
	assert_int_equal(c.answered, 7);
	po_sim_free(sim);
	p->ops->free(p);
}

static void test_timeout_names_files(void **state)
{
	const char *dir = *state;
	struct po_err err = { 0 };
	struct po_provider *p = new_bridge(dir, 0.2, &err);
	struct po_llm_request req = { .prompt = "x" };
	struct po_llm_response out[2] = { 0 };
	struct po_llm_request reqs[2] = { req, req };
	struct po_buf want = PO_BUF_INIT;
	double t0 = po_time_mono_ms();

	assert_non_null(p);
	assert_int_equal(p->ops->complete(p, reqs, out, 2, &err), PO_ELLM);
	assert_true(po_time_mono_ms() - t0 < 2000);
	po_buf_addf(&want, "no response to '%s/llm_requests/request_0001.json' (and 1 more) within 0.2 s: "
		    "expected '%s/llm_responses/response_0001.json' (the requests were withdrawn); "
		    "start a responder ('promptopt respond --dir %s --continuous') or answer the "
		    "request files by hand while the run waits, or raise --timeout", dir, dir, dir);
	assert_string_equal(err.msg, want.data);
	assert_non_null(out[0].error);
	/* the requests were withdrawn */
	po_bridge_path(&want, dir, "llm_requests", "request", 1, NULL);
	assert_false(po_fs_exists(want.data));
	po_llm_response_release(&out[0]);
	po_llm_response_release(&out[1]);
	po_buf_release(&want);
	p->ops->free(p);
}

struct fake {
	const char *dir;
	uint64_t id;
	const char *text;
	bool in_place, old, finish_later;
	char kind; /* 'd': a folder named like the response, 'p': a FIFO */
};

/* Waits for request <id>, then answers it with `text`. */
static void *fake_thread(void *arg)
{
	struct fake *f = arg;
	struct po_buf rq = PO_BUF_INIT, rs = PO_BUF_INIT;
	struct po_err err = { 0 };

	po_bridge_path(&rq, f->dir, "llm_requests", "request", f->id, NULL);
	po_bridge_path(&rs, f->dir, "llm_responses", "response", f->id, NULL);
	if (wait_file(rq.data, 3000)) {
		if (f->kind == 'd') {
			mkdir(rs.data, 0755);
		} else if (f->kind == 'p') {
			mkfifo(rs.data, 0644);
		} else if (f->in_place) {
			write_text(rs.data, f->text);
			if (f->old) {
				struct timeval tv[2];
				gettimeofday(&tv[0], NULL);
				tv[0].tv_sec -= 10;
				tv[1] = tv[0];
				utimes(rs.data, tv);
			}
			if (f->finish_later) {
				usleep(100000);
				FILE *fp = fopen(rs.data, "a");
				fputs("\"}", fp);
				fclose(fp);
			}
		} else {
			po_bridge_write(rs.data, f->text, strlen(f->text), &err);
		}
	}
	po_buf_release(&rq);
	po_buf_release(&rs);
	return NULL;
}

static void run_fake(const char *dir, struct fake *f, struct po_llm_response *out, int *ret,
		     struct po_err *err)
{
	struct po_provider *p = new_bridge(dir, 3, err);
	struct po_llm_request req = { .prompt = "x" };
	pthread_t th;

	assert_non_null(p);
	f->dir = dir;
	assert_int_equal(pthread_create(&th, NULL, fake_thread, f), 0);
	memset(out, 0, sizeof(*out));
	*ret = p->ops->complete(p, &req, out, 1, err);
	pthread_join(th, NULL);
	p->ops->free(p);
}

static void test_rejected_responses(void **state)
{
	const char *dir = *state;
	struct po_llm_response out;
	struct po_err err = { 0 };
	struct po_buf path = PO_BUF_INIT;
	int ret;
	struct fake wrong_run = { .id = 1, .text = "{\"request_id\": 1, \"run_id\": \"run-B\", \"content\": \"no\"}" };
	struct fake wrong_id = { .id = 2, .text = "{\"request_id\": 7, \"content\": \"no\"}" };
	struct fake truncated = { .id = 3, .text = "{\"content\": \"cut", .in_place = true, .old = true };
	struct fake slow = { .id = 4, .text = "{\"content\": \"slow", .in_place = true,
			     .finish_later = true };
	struct fake by_hand = { .id = 7, .text = "{\"content\": \"by hand\"}", .in_place = true };
	struct fake folder = { .id = 5, .kind = 'd' };
	struct fake fifo = { .id = 6, .kind = 'p' };

	run_fake(dir, &wrong_run, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_null(out.content);
	assert_non_null(strstr(out.error, "run_id 'run-B' is not this run's 'run-A'"));
	assert_non_null(strstr(out.error, "response_0001.json"));
	po_llm_response_release(&out);
	/* set aside, not used */
	po_bridge_path(&path, dir, "llm_responses", "response", 1, ".rejected");
	assert_true(po_fs_exists(path.data));

	run_fake(dir, &wrong_id, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out.error, "request_id 7 does not match the request's 2"));
	po_llm_response_release(&out);

	run_fake(dir, &truncated, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(out.error, "response_0003.json' is not valid JSON: 1:"));
	po_llm_response_release(&out);

	/* written in place, completed 0.1 s later: waited for, then used */
	run_fake(dir, &slow, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_null(out.error);
	assert_string_equal(out.content, "slow");
	po_llm_response_release(&out);

	/* not regular files: rejected (set aside), never read as an answer */
	run_fake(dir, &folder, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_null(out.content);
	assert_non_null(strstr(out.error, "response_0005.json' is not a regular file"));
	po_llm_response_release(&out);
	po_bridge_path(&path, dir, "llm_responses", "response", 5, ".rejected");
	assert_true(po_fs_is_dir(path.data));
	run_fake(dir, &fifo, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_null(out.content);
	assert_non_null(strstr(out.error, "response_0006.json' is not a regular file"));
	po_llm_response_release(&out);
	po_bridge_path(&path, dir, "llm_responses", "response", 6, ".rejected");
	assert_true(po_fs_exists(path.data));

	run_fake(dir, &by_hand, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_string_equal(out.content, "by hand");
	po_llm_response_release(&out);
	po_bridge_path(&path, dir, "llm_responses", "response", 7, NULL);
	assert_false(po_fs_exists(path.data)); /* consumed */
	po_buf_release(&path);
}

static void test_leftovers_and_unknown_ids(void **state)
{
	const char *dir = *state;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };
	struct po_llm_response out;
	struct fake f = { .id = 42, .text = "{\"content\": \"fresh\"}" };
	int ret;

	po_buf_addf(&path, "%s/llm_responses", dir);
	assert_int_equal(po_fs_mkdirs(path.data, &err), 0);
	po_buf_addf(&path, "/response_0041.json");
	/* a stale response of a crashed run: ids start after it, it is never used */
	write_text(path.data, "{\"request_id\": 41, \"run_id\": \"old\", \"content\": \"stale\"}");
	po_bridge_path(&path, dir, "llm_responses", "response", 5, NULL);
	write_text(path.data, "{\"content\": \"unknown id\"}");
	run_fake(dir, &f, &out, &ret, &err);
	assert_int_equal(ret, 0);
	assert_string_equal(out.content, "fresh");
	po_llm_response_release(&out);
	po_bridge_path(&path, dir, "llm_responses", "response", 41, NULL);
	assert_true(po_fs_exists(path.data));
	po_bridge_path(&path, dir, "llm_responses", "response", 5, NULL);
	assert_true(po_fs_exists(path.data));
	po_buf_release(&path);
}

static int peer_dead(void *ud)
{
	(*(int *)ud)++;
	return 0;
}

static int peer_hung(void *ud)
{
	(*(int *)ud)++;
	return 1;
}

static void test_peer_gone_and_interrupt(void **state)
{
	const char *dir = *state;
	struct po_provider_spec spec;
	struct po_err err = { 0 };
	struct po_llm_request req = { .prompt = "x" };
	struct po_llm_response out = { 0 };
	volatile int intr = 1;
	int calls = 0;
	struct po_provider *p;
	struct po_buf want = PO_BUF_INIT;
	double t0;

	po_provider_spec_init(&spec);
	spec.name = "bridge";
	spec.bridge_dir = dir;
	spec.run_id = "r";
	spec.timeout_s = 30;
	spec.poll_interval = 0.02;
	spec.peer_alive = peer_dead;
	spec.peer_userdata = &calls;
	p = po_provider_new(&spec, NULL, &err);
	assert_non_null(p);
	t0 = po_time_mono_ms();
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), PO_ELLM);
	assert_true(po_time_mono_ms() - t0 < 1000);
	assert_int_equal(calls, 1);
	po_buf_addf(&want, "the responder stopped while waiting for the response to "
		    "'%s/llm_requests/request_0001.json': expected '%s/llm_responses/response_0001.json' "
		    "(the request was withdrawn)", dir, dir);
	assert_string_equal(err.msg, want.data);
	po_llm_response_release(&out);
	p->ops->free(p);

	/* a managed responder that runs but never answers (stopped, stuck) */
	spec.peer_alive = peer_hung;
	spec.timeout_s = 0.2;
	calls = 0;
	p = po_provider_new(&spec, NULL, &err);
	memset(&out, 0, sizeof(out));
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), PO_ELLM);
	assert_true(calls > 0);
	assert_non_null(strstr(err.msg, "within 0.2 s: expected '"));
	assert_non_null(strstr(err.msg, "(the request was withdrawn); the responder is running but "
				       "did not answer: is it stopped or stuck?"));
	assert_null(strstr(err.msg, "start a responder"));
	po_llm_response_release(&out);
	p->ops->free(p);
	spec.timeout_s = 30;

	spec.peer_alive = NULL;
	spec.interrupt = &intr;
	p = po_provider_new(&spec, NULL, &err);
	memset(&out, 0, sizeof(out));
	t0 = po_time_mono_ms();
	assert_int_equal(p->ops->complete(p, &req, &out, 1, &err), PO_EINTR);
	assert_true(po_time_mono_ms() - t0 < 5000);
	assert_non_null(strstr(err.msg, "interrupted while waiting for the response to '"));
	po_llm_response_release(&out);
	p->ops->free(p);
	po_buf_release(&want);
}

static void test_bad_folder(void **state)
{
	const char *dir = *state;
	struct po_buf path = PO_BUF_INIT;
	struct po_err err = { 0 };

	po_buf_addf(&path, "%s/blocker", dir);
	write_text(path.data, "");
	po_buf_addf(&path, "/sub");
	assert_null(new_bridge(path.data, 1, &err));
	assert_int_equal(err.code, PO_EIO);
	assert_non_null(strstr(err.msg, "cannot set up the bridge folder"));
	po_buf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_text_as_jansson),
		cmocka_unit_test_setup_teardown(test_spares, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_response_parse),
		cmocka_unit_test_setup_teardown(test_round_trip_matches_sim, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_timeout_names_files, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_rejected_responses, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_leftovers_and_unknown_ids, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_peer_gone_and_interrupt, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_bad_folder, setup_tmp, teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
