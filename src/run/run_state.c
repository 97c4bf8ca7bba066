/*
 * run_state.json: the record of the last run's outcome in a results folder,
 * and the setting aside of the previous run's final results when a new run
 * starts (see run_state.h).
 */
#include "run/run_state.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/results.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

static json_t *now_iso(void)
{
	char t[32];

	po_time_iso8601(po_time_unix(), t, sizeof(t));
	return json_string(t);
}

static int write_state(const char *dir, const json_t *st, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	int ret;

	po_fs_join(&path, dir, PO_RUN_STATE_FILE);
	ret = po_json_write_file_ex(path.data, st, false, err);
	po_buf_release(&path);
	return ret;
}

static json_t *load_state(const char *dir)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *st = NULL;

	po_fs_join(&path, dir, PO_RUN_STATE_FILE);
	if (po_json_load_file(path.data, &st, NULL) < 0 || !json_is_object(st)) {
		json_decref(st);
		st = NULL;
	}
	po_buf_release(&path);
	return st;
}

int po_run_state_begin(const char *dir, struct po_err *err)
{
	struct po_buf final = PO_BUF_INIT, prev = PO_BUF_INIT;
	json_t *st = json_object();
	bool moved = false;
	int ret = 0;

	po_fs_join(&final, dir, PO_FINAL_RESULTS_FILE);
	po_fs_join(&prev, dir, PO_PREVIOUS_RESULTS_FILE);
	if (rename(final.data, prev.data) == 0) {
		moved = true;
	} else if (errno != ENOENT) {
		ret = po_error(err, PO_EIO,
			       "cannot set the previous results aside ('%s' to '%s'): %s; check the folder's permissions",
			       final.data, prev.data, strerror(errno));
		goto out;
	}
	/* The last run's record goes first (an unlink needs no disk space): a
	 * record this run cannot write must not leave that one standing. */
	po_fs_join(&final, dir, PO_RUN_STATE_FILE);
	unlink(final.data);
	json_object_set_new(st, "state", json_string("running"));
	json_object_set_new(st, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(st, "started", now_iso());
	json_object_set_new(st, "previous_results", moved ? json_string(PO_PREVIOUS_RESULTS_FILE) :
				   json_null());
	/* Not fatal: without the record, status knows less, the run loses nothing. */
	write_state(dir, st, NULL);
out:
	json_decref(st);
	po_buf_release(&final);
	po_buf_release(&prev);
	return ret;
}

void po_run_state_end(const char *dir, int status, const char *msg, int iterations_run)
{
	json_t *st = load_state(dir);
	const char *state = status == 0 ? "finished" : status == PO_EINTR ? "interrupted" :
			    status == PO_EBUDGET ? "stopped" : "failed";

	if (!st) {
		st = json_object();
		json_object_set_new(st, "pid", json_integer((json_int_t)getpid()));
	}
	json_object_set_new(st, "state", json_string(state));
	json_object_set_new(st, "ended", now_iso());
	json_object_set_new(st, "iterations_run", json_integer(iterations_run));
	json_object_set_new(st, "error", status && msg && *msg ? json_string(msg) : json_null());
	write_state(dir, st, NULL);
	json_decref(st);
}

static char *dup_str(const json_t *o, const char *key)
{
	const char *v = po_json_str(o, key, NULL);

	return v ? po_xstrdup(v) : NULL;
}

int po_run_state_read(const char *dir, struct po_run_state *out, struct po_err *err)
{
	json_t *st = load_state(dir);

	memset(out, 0, sizeof(*out));
	if (!st || !po_json_str(st, "state", NULL)) {
		json_decref(st);
		return po_error(err, PO_ENOTFOUND, "no run state in '%s'", dir);
	}
	out->state = dup_str(st, "state");
	out->error = dup_str(st, "error");
	out->started = dup_str(st, "started");
	out->ended = dup_str(st, "ended");
	out->pid = (long)po_json_int(st, "pid", 0);
	out->iterations_run = (int)po_json_int(st, "iterations_run", 0);
	out->previous = po_json_str(st, "previous_results", NULL) != NULL;
	out->alive = !strcmp(out->state, "running") && out->pid > 0 &&
		     (kill((pid_t)out->pid, 0) == 0 || errno == EPERM);
	json_decref(st);
	return 0;
}

void po_run_state_release(struct po_run_state *s)
{
	free(s->state);
	free(s->error);
	free(s->started);
	free(s->ended);
	memset(s, 0, sizeof(*s));
}
