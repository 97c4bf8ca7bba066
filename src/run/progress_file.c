/*
 * Writing and reading progress.json (see progress_file.h): one small
 * object, replaced atomically, so a reader never sees half of it.
 */
#include "run/progress_file.h"

#include <math.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/timeutil.h"

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *progress_json(const struct po_progress_file *f, const struct po_progress_info *in)
{
	json_t *o = json_object();
	char t[32];

	json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
	po_time_iso8601(f->started, t, sizeof(t));
	json_object_set_new(o, "started", json_string(t));
	po_time_iso8601(po_time_unix(), t, sizeof(t));
	json_object_set_new(o, "updated", json_string(t));
	json_object_set_new(o, "phase", json_string(in->phase ? in->phase : "starting"));
	json_object_set_new(o, "iteration", json_integer(f->iteration));
	json_object_set_new(o, "iterations_done", json_integer(f->done));
	json_object_set_new(o, "max_iterations", json_integer(f->max_iterations));
	json_object_set_new(o, "step_calls_done", json_integer(in->step_done));
	json_object_set_new(o, "step_calls_estimate", json_integer(in->step_total));
	json_object_set_new(o, "calls", json_integer(in->calls));
	json_object_set_new(o, "max_calls", json_integer(in->max_calls));
	json_object_set_new(o, "spent_usd", json_real(in->spent_usd));
	json_object_set_new(o, "budget_usd", json_real(in->budget_usd));
	json_object_set_new(o, "baseline", num_or_null(f->baseline));
	json_object_set_new(o, "best", num_or_null(f->best));
	json_object_set_new(o, "elapsed_seconds", json_real(in->elapsed_s));
	json_object_set_new(o, "eta_seconds", num_or_null(in->eta_s));
	return o;
}

bool po_progress_write(const char *dir, struct po_progress_file *f,
		       const struct po_progress_info *info, bool force)
{
	struct po_buf path = PO_BUF_INIT;
	double now = po_time_mono_ms();
	json_t *o;

	if (!force && f->last_write_ms > 0 && now - f->last_write_ms < PO_PROGRESS_MIN_MS)
		return false;
	f->last_write_ms = now;
	o = progress_json(f, info);
	po_fs_join(&path, dir, PO_PROGRESS_FILE);
	po_json_write_file_ex(path.data, o, false, NULL);
	json_decref(o);
	po_buf_release(&path);
	return true;
}

int po_progress_read(const char *dir, json_t **out, struct po_err *err)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *o = NULL;
	int ret = 0;

	*out = NULL;
	po_fs_join(&path, dir, PO_PROGRESS_FILE);
	if (!po_fs_exists(path.data)) {
		ret = po_error(err, PO_ENOTFOUND, "no progress record in '%s'", dir);
		goto out;
	}
	ret = po_json_load_file(path.data, &o, err);
	if (!ret && !json_is_object(o))
		ret = po_error(err, PO_ESYNTAX, "'%s': expected a JSON object", path.data);
	if (ret)
		json_decref(o);
	else
		*out = o;
out:
	po_buf_release(&path);
	return ret;
}
