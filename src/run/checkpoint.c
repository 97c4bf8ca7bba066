/*
 * checkpoint.json (see checkpoint.h): what a resumed run cannot rebuild from
 * the results files alone, in one object replaced after every iteration.
 */
#include "run/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

#define CHECKPOINT_VERSION 2

/* ---- engine statistics <-> JSON ----------------------------------------- */

static json_t *longs(const long v[PO_ROLE_COUNT])
{
	json_t *a = json_array();

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		json_array_append_new(a, json_integer(v[r]));
	return a;
}

static json_t *doubles(const double v[PO_ROLE_COUNT])
{
	json_t *a = json_array();

	for (int r = 0; r < PO_ROLE_COUNT; r++)
		json_array_append_new(a, json_real(v[r]));
	return a;
}

static json_t *stats_json(const struct po_engine_stats *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "calls", longs(s->calls));
	json_object_set_new(o, "failures", longs(s->failures));
	json_object_set_new(o, "input_tokens", longs(s->input_tokens));
	json_object_set_new(o, "output_tokens", longs(s->output_tokens));
	json_object_set_new(o, "cache_read_tokens", longs(s->cache_read_tokens));
	json_object_set_new(o, "cache_write_tokens", longs(s->cache_write_tokens));
	json_object_set_new(o, "latency_ms", doubles(s->latency_ms));
	json_object_set_new(o, "cache_hits", longs(s->cache_hits));
	json_object_set_new(o, "cost_usd", doubles(s->cost_usd));
	json_object_set_new(o, "saved_usd", doubles(s->saved_usd));
	json_object_set_new(o, "unpriced_calls", longs(s->unpriced_calls));
	json_object_set_new(o, "retries", longs(s->retries));
	json_object_set_new(o, "cache_errors", json_integer(s->cache_errors));
	json_object_set_new(o, "journal_errors", json_integer(s->journal_errors));
	return o;
}

/* A role-indexed array of non-negative numbers (counts that fit a long);
 * false when it is not one. */
static bool read_roles(const json_t *o, const char *key, long *l, double *d)
{
	const json_t *a = json_object_get(o, key);

	if (json_array_size(a) != PO_ROLE_COUNT)
		return false;
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		const json_t *v = json_array_get(a, (size_t)r);
		double x = json_number_value(v);

		if (!json_is_number(v) || !(x >= 0) || !isfinite(x) || (l && x >= (double)LONG_MAX))
			return false;
		if (l)
			l[r] = (long)x;
		else
			d[r] = x;
	}
	return true;
}

static bool stats_from_json(const json_t *o, struct po_engine_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->cache_errors = (long)po_json_int(o, "cache_errors", 0);
	s->journal_errors = (long)po_json_int(o, "journal_errors", 0);
	return json_is_object(o) && read_roles(o, "calls", s->calls, NULL) &&
	       read_roles(o, "failures", s->failures, NULL) &&
	       read_roles(o, "input_tokens", s->input_tokens, NULL) &&
	       read_roles(o, "output_tokens", s->output_tokens, NULL) &&
	       read_roles(o, "cache_read_tokens", s->cache_read_tokens, NULL) &&
	       read_roles(o, "cache_write_tokens", s->cache_write_tokens, NULL) &&
	       read_roles(o, "latency_ms", NULL, s->latency_ms) &&
	       read_roles(o, "cache_hits", s->cache_hits, NULL) &&
	       read_roles(o, "cost_usd", NULL, s->cost_usd) &&
	       read_roles(o, "saved_usd", NULL, s->saved_usd) &&
	       read_roles(o, "unpriced_calls", s->unpriced_calls, NULL) &&
	       read_roles(o, "retries", s->retries, NULL);
}

/* ---- the best evaluation <-> JSON --------------------------------------- */

/* What the next mutation needs of the best evaluation: per case whether it
 * was scored, its score and the judge's improvements. */
static json_t *eval_json(const struct po_evaluation *ev)
{
	json_t *cases = json_array();

	for (size_t i = 0; i < ev->n; i++) {
		const struct po_case_result *c = &ev->cases[i];

		json_array_append_new(cases, json_pack("{s:s, s:b, s:f, s:O}", "id",
						       c->tc ? c->tc->id : "", "ok", c->ok, "score",
						       c->ok ? c->score : 0.0, "improvements",
						       c->improvements ? c->improvements : json_null()));
	}
	return json_pack("{s:f, s:f, s:I, s:o}", "mean", isfinite(ev->mean) ? ev->mean : 0.0,
			 "stddev", isfinite(ev->stddev) ? ev->stddev : 0.0, "n_ok",
			 (json_int_t)ev->n_ok, "cases", cases);
}

/* The project's case of that id, or NULL. */
static const struct po_test_case *case_by_id(const struct po_project *p, const char *id)
{
	for (size_t i = 0; i < p->ncases; i++)
		if (!strcmp(p->cases[i].id, id))
			return &p->cases[i];
	return NULL;
}

/* The evaluation of the best prompts, on the cases it was made on (the
 * validation set, every case without a split). */
static bool eval_from_json(const json_t *o, const struct po_project *p, struct po_evaluation *ev)
{
	const json_t *cases = json_object_get(o, "cases");
	size_t n = json_array_size(cases);

	memset(ev, 0, sizeof(*ev));
	if (!json_is_array(cases) || !n || n > p->ncases)
		return false;
	ev->cases = po_xcalloc(n, sizeof(*ev->cases));
	ev->n = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *c = json_array_get(cases, i);
		const json_t *imp = json_object_get(c, "improvements");
		struct po_case_result *r = &ev->cases[i];

		r->tc = case_by_id(p, po_json_str(c, "id", ""));
		if (!r->tc)
			return false;
		r->ok = po_json_bool(c, "ok", 0);
		r->score = po_json_num(c, "score", 0);
		r->improvements = json_is_array(imp) ? json_incref((json_t *)imp) : NULL;
		ev->n_ok += r->ok;
	}
	ev->mean = ev->n_ok ? po_json_num(o, "mean", NAN) : NAN;
	ev->stddev = po_json_num(o, "stddev", 0);
	return true;
}

/* ---- the log ------------------------------------------------------------- */

/* Appends one line to the log at offset cur->log_bytes (the file is cut
 * there first, so a line of a killed save never stays in the middle). */
static int log_append(const char *path, const struct po_buf *line,
		      struct po_checkpoint_cursor *cur, struct po_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ssize_t w = -1;

	if (fd < 0)
		return po_error(err, PO_EIO, "cannot write %s: %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)cur->log_bytes) == 0)
		w = pwrite(fd, line->data, line->len, (off_t)cur->log_bytes);
	if (w != (ssize_t)line->len) {
		int e = w < 0 ? errno : ENOSPC;
		close(fd);
		return po_error(err, PO_EIO, "cannot write %s: %s", path, strerror(e));
	}
	close(fd);
	cur->log_bytes += (long long)line->len;
	cur->log_lines++;
	return 0;
}

/* What is new since the cursor, as one line of the log. */
static json_t *log_line(const struct po_checkpoint *ck, const struct po_checkpoint_cursor *cur,
			const struct po_project *p)
{
	json_t *hist = json_array(), *files = json_array(), *arch = json_array();
	const struct po_archive_entry **dirty = NULL;
	size_t ndirty = 0;

	for (size_t i = cur->history; i < json_array_size(ck->history); i++)
		json_array_append(hist, json_array_get(ck->history, i));
	for (size_t i = cur->files; i < json_array_size(ck->files); i++)
		json_array_append(files, json_array_get(ck->files, i));
	if (ck->archive_w)
		po_archive_take_dirty(ck->archive_w, &dirty, &ndirty);
	for (size_t i = 0; i < ndirty; i++)
		json_array_append_new(arch, po_archive_entry_to_json(ck->archive_w, dirty[i], p));
	free(dirty);
	return json_pack("{s:i, s:o, s:o, s:o}", "iteration", ck->iteration, "history", hist,
			 "files", files, "archive", arch);
}

/* ---- the file ------------------------------------------------------------ */

int po_checkpoint_write(const char *dir, const struct po_checkpoint *ck,
			struct po_checkpoint_cursor *cur, const struct po_project *p,
			struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, text = PO_BUF_INIT;
	json_t *o, *line = log_line(ck, cur, p);
	int ret;

	/* One line, every double exactly: a resumed run compares scores with these. */
	po_json_dump_line(&text, line, 17);
	po_buf_addch(&text, '\n');
	json_decref(line);
	po_fs_join(&path, dir, PO_CHECKPOINT_LOG);
	ret = log_append(path.data, &text, cur, err);
	if (ret)
		goto out;
	cur->history = json_array_size(ck->history);
	cur->files = json_array_size(ck->files);
	o = json_pack("{s:i, s:s, s:s, s:I, s:i, s:I, s:f, s:f, s:f, s:O, s:O, s:o, s:o, s:O, s:O, s:{s:s, s:I, s:I}}",
		      "version", CHECKPOINT_VERSION, "project", ck->project, "strategy",
		      ck->strategy, "seed", (json_int_t)ck->seed, "iteration", ck->iteration,
		      "started", (json_int_t)ck->started, "wall_seconds", ck->wall_seconds,
		      "baseline_score", ck->baseline_score, "best_score", ck->best_score,
		      "baseline_prompts", ck->baseline_prompts, "best_prompts", ck->best_prompts,
		      "best_evaluation", eval_json(&ck->best_eval), "llm_stats",
		      stats_json(&ck->stats), "split", ck->split ? ck->split : json_null(),
		      "strategy_state", ck->strategy_state ? ck->strategy_state : json_null(),
		      "log", "file", PO_CHECKPOINT_LOG, "lines", (json_int_t)cur->log_lines,
		      "bytes", (json_int_t)cur->log_bytes);
	if (!o) {
		ret = po_error(err, PO_EFAIL, "cannot build the checkpoint (a score is not a number)");
		goto out;
	}
	json_object_set_new(o, "best_sample", json_integer(ck->best_sample));
	if (ck->integrity)
		json_object_set(o, "integrity", ck->integrity);
	json_object_set_new(o, "race", json_pack("[I, I, I]", (json_int_t)ck->race[0],
						 (json_int_t)ck->race[1], (json_int_t)ck->race[2]));
	po_buf_reset(&text);
	po_json_dump(&text, o, 0, 17);
	po_buf_addch(&text, '\n');
	json_decref(o);
	po_fs_join(&path, dir, PO_CHECKPOINT_FILE);
	ret = po_fs_replace(path.data, text.data, text.len, false, err);
out:
	po_buf_release(&text);
	po_buf_release(&path);
	return ret;
}

static int bad(struct po_err *err, const char *path, const char *what)
{
	return po_error(err, PO_EINPUT,
			"%s: %s; start a new run without --resume (the results in its folder are replaced)",
			path, what);
}

/* Reads the log's first ck->cursor.log_bytes bytes into history, files and
 * archive, and cuts the file there. */
static int read_log(const char *dir, struct po_checkpoint *ck, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT, text = PO_BUF_INIT;
	size_t lines = 0, at = 0;
	int ret;

	po_fs_join(&path, dir, PO_CHECKPOINT_LOG);
	ret = po_fs_read_file(path.data, &text, err);
	if (!ret && (long long)text.len < ck->cursor.log_bytes)
		ret = bad(err, path.data, "it is shorter than its checkpoint says");
	while (!ret && at < (size_t)ck->cursor.log_bytes) {
		char *nl = memchr(text.data + at, '\n', (size_t)ck->cursor.log_bytes - at);
		json_t *line = nl ? json_loadb(text.data + at, (size_t)(nl - text.data) - at, 0, NULL) :
				    NULL;
		if (!json_is_object(line)) {
			json_decref(line);
			ret = bad(err, path.data, "a line of it is not readable");
			break;
		}
		json_array_extend(ck->history, json_object_get(line, "history"));
		json_array_extend(ck->files, json_object_get(line, "files"));
		json_array_extend(ck->archive, json_object_get(line, "archive"));
		json_decref(line);
		at = (size_t)(nl - text.data) + 1;
		lines++;
	}
	if (!ret && lines != ck->cursor.log_lines)
		ret = bad(err, path.data, "it does not hold the lines its checkpoint says");
	if (!ret && truncate(path.data, (off_t)ck->cursor.log_bytes) < 0)
		ret = po_error(err, PO_EIO, "cannot write %s: %s", path.data, strerror(errno));
	po_buf_release(&text);
	po_buf_release(&path);
	return ret;
}

/* The fixed-size state of checkpoint.json (after its shape was checked). */
static void read_state(const json_t *o, const struct po_project *p, struct po_checkpoint *ck)
{
	const json_t *log = json_object_get(o, "log");

	snprintf(ck->project, sizeof(ck->project), "%s", p->name);
	snprintf(ck->strategy, sizeof(ck->strategy), "%s", po_json_str(o, "strategy", ""));
	ck->seed = (uint64_t)json_integer_value(json_object_get(o, "seed"));
	ck->iteration = (int)json_integer_value(json_object_get(o, "iteration"));
	ck->started = (int64_t)po_json_int(o, "started", 0);
	ck->wall_seconds = po_json_num(o, "wall_seconds", 0);
	ck->baseline_score = po_json_num(o, "baseline_score", 0);
	ck->best_score = po_json_num(o, "best_score", 0);
	ck->best_sample = (unsigned)po_json_int(o, "best_sample", 0);
	for (int i = 0; i < 3; i++)
		ck->race[i] = (long)json_integer_value(json_array_get(json_object_get(o, "race"),
								      (size_t)i));
	ck->baseline_prompts = json_incref(json_object_get(o, "baseline_prompts"));
	ck->best_prompts = json_incref(json_object_get(o, "best_prompts"));
	ck->split = json_incref(json_object_get(o, "split"));
	ck->strategy_state = json_incref(json_object_get(o, "strategy_state"));
	ck->integrity = json_incref(json_object_get(o, "integrity"));
	ck->cursor.log_bytes = po_json_int(log, "bytes", -1);
	ck->cursor.log_lines = (size_t)po_json_int(log, "lines", 0);
	ck->history = json_array();
	ck->files = json_array();
	ck->archive = json_array();
}

static bool shape_ok(const json_t *o)
{
	return json_is_object(o) && po_json_int(o, "version", 0) == CHECKPOINT_VERSION &&
	       json_is_integer(json_object_get(o, "iteration")) &&
	       json_is_integer(json_object_get(o, "seed")) &&
	       json_is_number(json_object_get(o, "baseline_score")) &&
	       json_is_number(json_object_get(o, "best_score")) &&
	       json_is_object(json_object_get(o, "baseline_prompts")) &&
	       json_is_object(json_object_get(o, "best_prompts")) &&
	       json_is_object(json_object_get(o, "split")) &&
	       po_json_int(json_object_get(o, "log"), "bytes", -1) >= 0;
}

int po_checkpoint_read(const char *dir, const struct po_project *p, struct po_checkpoint *ck,
		       struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *o = NULL;
	int ret;

	memset(ck, 0, sizeof(*ck));
	po_fs_join(&path, dir, PO_CHECKPOINT_FILE);
	ret = po_json_load_file(path.data, &o, err);
	if (ret)
		goto out;
	if (!shape_ok(o)) {
		ret = bad(err, path.data, "not a checkpoint of this version of promptopt");
		goto out;
	}
	if (strcmp(po_json_str(o, "project", ""), p->name)) {
		ret = bad(err, path.data, "a checkpoint of another project");
		goto out;
	}
	read_state(o, p, ck);
	if (!stats_from_json(json_object_get(o, "llm_stats"), &ck->stats)) {
		ret = bad(err, path.data, "its call statistics are not readable");
		goto out;
	}
	if (!eval_from_json(json_object_get(o, "best_evaluation"), p, &ck->best_eval)) {
		ret = bad(err, path.data,
			  "the project's test cases changed since the run started (they must stay the same to resume)");
		goto out;
	}
	ret = read_log(dir, ck, err);
	if (!ret && (ck->iteration < 0 ||
		     json_array_size(ck->history) != (size_t)ck->iteration + 1))
		ret = bad(err, path.data, "its iteration history does not match its iteration");
	ck->cursor.history = json_array_size(ck->history);
	ck->cursor.files = json_array_size(ck->files);
out:
	if (ret)
		po_checkpoint_release(ck);
	json_decref(o);
	po_buf_release(&path);
	return ret;
}

void po_checkpoint_remove(const char *dir)
{
	struct po_buf path = PO_BUF_INIT;

	po_fs_join(&path, dir, PO_CHECKPOINT_FILE);
	unlink(path.data);
	po_buf_reset(&path);
	po_fs_join(&path, dir, PO_CHECKPOINT_LOG);
	unlink(path.data);
	po_buf_release(&path);
}

void po_checkpoint_release(struct po_checkpoint *ck)
{
	json_decref(ck->baseline_prompts);
	json_decref(ck->best_prompts);
	json_decref(ck->history);
	json_decref(ck->files);
	json_decref(ck->split);
	json_decref(ck->strategy_state);
	json_decref(ck->integrity);
	json_decref(ck->archive);
	po_evaluation_release(&ck->best_eval);
	memset(ck, 0, sizeof(*ck));
}
