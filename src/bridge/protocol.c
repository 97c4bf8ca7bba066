/*
 * The file protocol (see bridge.h, docs/bridge-protocol.md): the names of
 * bridge files, writing and reading them, and the JSON of requests and
 * responses, shared by the client (client.c) and the responder.
 */
#include "bridge/bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* ---- names and files ---- */

bool po_bridge_parse_digits(const char **s, uint64_t *id)
{
	const char *p = *s;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*id = v;
	return true;
}

bool po_bridge_parse_name(const char *name, const char *prefix, uint64_t *id)
{
	size_t n = strlen(prefix);
	const char *p = name;

	if (strncmp(p, prefix, n) || p[n] != '_')
		return false;
	p += n + 1;
	if (!po_bridge_parse_digits(&p, id))
		return false;
	return !strcmp(p, ".json");
}

bool po_bridge_any_id(const char *name, uint64_t *id)
{
	const char *p = name[0] == '.' ? name + 1 : name;

	if (!strncmp(p, "request_", 8))
		p += 8;
	else if (!strncmp(p, "response_", 9))
		p += 9;
	else
		return false;
	return po_bridge_parse_digits(&p, id);
}

void po_bridge_default_dir(struct po_buf *out, const char *dir, const char *project)
{
	if (dir)
		po_buf_adds(out, dir);
	else
		po_buf_addf(out, ".%s", project);
}

void po_bridge_path(struct po_buf *out, const char *dir, const char *sub, const char *prefix,
		    uint64_t id, const char *suffix)
{
	po_buf_reset(out);
	po_buf_addf(out, "%s/%s/%s_%04" PRIu64 ".json%s", dir, sub, prefix, id,
		    suffix ? suffix : "");
}

int po_bridge_write_fd(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

int po_bridge_write(const char *path, const char *data, size_t len, struct po_err *err)
{
	struct po_buf tmp = PO_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd, e, ret = 0;

	/* Hidden, and unique per writer: neither side takes it for a bridge file. */
	if (slash)
		po_buf_add(&tmp, path, (size_t)(slash - path + 1));
	po_buf_addf(&tmp, ".%s.tmp.%ld", slash ? slash + 1 : path, (long)getpid());
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		e = errno;
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		goto out;
	}
	if (po_bridge_write_fd(fd, data, len) < 0) {
		e = errno;
		close(fd);
		unlink(tmp.data);
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		goto out;
	}
	close(fd);
	if (rename(tmp.data, path) < 0) {
		e = errno;
		unlink(tmp.data);
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
	}
out:
	po_buf_release(&tmp);
	return ret;
}

bool po_bridge_parse_spare(const char *name, long *pid)
{
	const char *p = name;
	uint64_t v;

	if (strncmp(p, ".spare.", 7))
		return false;
	p += 7;
	if (!po_bridge_parse_digits(&p, &v) || *p != '.' || v > LONG_MAX)
		return false;
	*pid = (long)v;
	return true;
}

int po_bridge_read(const char *path, struct po_buf *out, struct po_bridge_file *f,
		   struct po_err *err)
{
	struct po_bridge_file dummy;
	struct timespec now;
	int fd, e, ret = 0;

	if (!f)
		f = &dummy;
	memset(f, 0, sizeof(*f));
	po_buf_reset(out);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT)
			return po_error(err, PO_ENOTFOUND, "'%s' is gone", path);
		if (e == ELOOP)
			return po_error(err, PO_EINPUT, "'%s' is a symbolic link, not a regular file",
					path);
		return po_error(err, PO_EIO, "cannot read '%s': %s", path, strerror(e));
	}
	if (fstat(fd, &f->st) < 0) {
		e = errno;
		ret = po_error(err, PO_EIO, "cannot read '%s': %s", path, strerror(e));
		goto out;
	}
	if (!S_ISREG(f->st.st_mode)) {
		ret = po_error(err, PO_EINPUT, "'%s' is not a regular file", path);
		goto out;
	}
	f->regular = true;
	if ((uint64_t)f->st.st_size > PO_BRIDGE_MAX_FILE) {
		ret = po_error(err, PO_EINPUT, "'%s' is too large (%lld bytes, the limit is %u)",
			       path, (long long)f->st.st_size, PO_BRIDGE_MAX_FILE);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	f->age_s = (double)(now.tv_sec - f->st.st_mtim.tv_sec) +
		   (double)(now.tv_nsec - f->st.st_mtim.tv_nsec) / 1e9;
	po_buf_grow(out, (size_t)f->st.st_size + 1);
	for (;;) {
		size_t want;
		ssize_t k;

		po_buf_grow(out, 4096);
		want = out->cap - out->len - 1;
		k = read(fd, out->data + out->len, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			ret = po_error(err, PO_EIO, "cannot read '%s': %s", path, strerror(e));
			goto out;
		}
		out->len += (size_t)k;
		out->data[out->len] = '\0';
		if (out->len > PO_BRIDGE_MAX_FILE) {
			ret = po_error(err, PO_EINPUT, "'%s' is too large (the limit is %u bytes)",
				       path, PO_BRIDGE_MAX_FILE);
			goto out;
		}
		/* A short read of a regular file is its end: no read() for EOF. */
		if ((size_t)k < want)
			break;
	}
out:
	close(fd);
	return ret;
}

/* ---- JSON ---- */

/*
 * Bridge files are written with po_json_dump() rather than json_dumps(): the
 * same text (indented by 2, keys sorted, reals with 15 significant digits)
 * for a fraction of the work, which counts with two files per LLM call.
 * Requests are written field by field, without building a json_t.
 */
static void indent(struct po_buf *b, int depth)
{
	po_buf_addch(b, '\n');
	for (int i = 0; i < depth; i++)
		po_buf_add(b, "  ", 2);
}

char *po_bridge_dumps(const json_t *j)
{
	struct po_buf b = PO_BUF_INIT;

	po_json_dump(&b, j, 0, 15);
	po_buf_addch(&b, '\n');
	return po_buf_detach(&b);
}

/* One "key": of an object written by hand, keys in sorted order. */
static void add_key(struct po_buf *b, const char *key, int depth, bool *first)
{
	if (!*first)
		po_buf_addch(b, ',');
	*first = false;
	indent(b, depth);
	po_buf_addch(b, '"');
	po_buf_adds(b, key);
	po_buf_add(b, "\": ", 3);
}

void po_bridge_request_text(struct po_buf *out, const struct po_llm_request *req, uint64_t id,
			    const char *run_id, const struct po_bridge_sim_hint *hint)
{
	bool first = true, f2 = true;

	po_buf_reset(out);
	po_buf_addch(out, '{');
	add_key(out, "max_tokens", 1, &first);
	po_buf_addf(out, "%d", req->max_tokens);
	add_key(out, "metadata", 1, &first);
	if (req->metadata && json_is_object(req->metadata))
		po_json_dump(out, req->metadata, 1, 15);
	else
		po_buf_adds(out, "{}");
	add_key(out, "model", 1, &first);
	po_json_escape(out, req->model);
	add_key(out, "prompt", 1, &first);
	po_json_escape(out, req->prompt ? req->prompt : "");
	add_key(out, "protocol", 1, &first);
	po_buf_addf(out, "%d", PO_BRIDGE_PROTOCOL);
	add_key(out, "request_id", 1, &first);
	po_buf_addf(out, "%" JSON_INTEGER_FORMAT, (json_int_t)id);
	add_key(out, "role", 1, &first);
	po_json_escape(out, po_role_name(req->role));
	add_key(out, "run_id", 1, &first);
	po_json_escape(out, run_id ? run_id : "");
	add_key(out, "sample", 1, &first);
	po_buf_addf(out, "%u", req->sample);
	if (hint && hint->present) {
		add_key(out, "sim", 1, &first);
		po_buf_addch(out, '{');
		if (hint->catalogue) {
			add_key(out, "catalogue", 2, &f2);
			po_json_escape(out, hint->catalogue);
		}
		add_key(out, "noise", 2, &f2);
		po_json_add_real(out, hint->noise, 15);
		add_key(out, "seed", 2, &f2);
		/* As json_integer() has it: a JSON reader takes signed 64 bits. */
		po_buf_addf(out, "%" JSON_INTEGER_FORMAT, (json_int_t)hint->seed);
		if (hint->verbosity_bias > 0) {
			add_key(out, "verbosity_bias", 2, &f2);
			po_json_add_real(out, hint->verbosity_bias, 15);
		}
		indent(out, 1);
		po_buf_addch(out, '}');
	}
	add_key(out, "system_prompt", 1, &first);
	po_json_escape(out, req->system);
	add_key(out, "temperature", 1, &first);
	po_json_add_real(out, req->temperature, 15);
	add_key(out, "timestamp", 1, &first);
	po_buf_addf(out, "%lld", (long long)po_time_unix());
	po_buf_add(out, "\n}\n", 3);
}

void po_bridge_response_text(struct po_buf *out, uint64_t id, const char *run_id,
			     const struct po_llm_response *r)
{
	bool first = true, f2 = true, ok = r->content && !r->error;

	po_buf_reset(out);
	po_buf_addch(out, '{');
	if (ok) {
		add_key(out, "content", 1, &first);
		po_json_escape(out, r->content);
	} else {
		add_key(out, "error", 1, &first);
		po_json_escape(out, r->error ? r->error : "no content");
	}
	if (ok) {
		add_key(out, "model", 1, &first);
		po_json_escape(out, r->model);
	}
	add_key(out, "protocol", 1, &first);
	po_buf_addf(out, "%d", PO_BRIDGE_PROTOCOL);
	add_key(out, "request_id", 1, &first);
	po_buf_addf(out, "%" JSON_INTEGER_FORMAT, (json_int_t)id);
	if (run_id) {
		add_key(out, "run_id", 1, &first);
		po_json_escape(out, run_id);
	}
	if (ok) {
		add_key(out, "usage", 1, &first);
		po_buf_addch(out, '{');
		add_key(out, "input_tokens", 2, &f2);
		po_buf_addf(out, "%ld", r->input_tokens);
		add_key(out, "output_tokens", 2, &f2);
		po_buf_addf(out, "%ld", r->output_tokens);
		indent(out, 1);
		po_buf_addch(out, '}');
	}
	po_buf_add(out, "\n}\n", 3);
}

json_t *po_bridge_request_json(const struct po_llm_request *req, uint64_t id, const char *run_id,
			       const struct po_bridge_sim_hint *hint)
{
	json_t *j = json_object();

	json_object_set_new(j, "protocol", json_integer(PO_BRIDGE_PROTOCOL));
	json_object_set_new(j, "request_id", json_integer((json_int_t)id));
	json_object_set_new(j, "run_id", json_string(run_id ? run_id : ""));
	json_object_set_new(j, "role", json_string(po_role_name(req->role)));
	json_object_set_new(j, "model", req->model ? json_string(req->model) : json_null());
	json_object_set_new(j, "temperature", json_real(req->temperature));
	json_object_set_new(j, "max_tokens", json_integer(req->max_tokens));
	json_object_set_new(j, "system_prompt",
			    req->system ? json_string(req->system) : json_null());
	json_object_set_new(j, "prompt", json_string(req->prompt ? req->prompt : ""));
	json_object_set_new(j, "timestamp", json_integer((json_int_t)po_time_unix()));
	json_object_set_new(j, "metadata",
			    req->metadata ? json_deep_copy(req->metadata) : json_object());
	json_object_set_new(j, "sample", json_integer((json_int_t)req->sample));
	if (hint && hint->present) {
		json_t *h = json_pack("{s:I, s:f}", "seed", (json_int_t)hint->seed, "noise",
				      hint->noise);
		if (hint->catalogue)
			json_object_set_new(h, "catalogue", json_string(hint->catalogue));
		if (hint->verbosity_bias > 0)
			json_object_set_new(h, "verbosity_bias", json_real(hint->verbosity_bias));
		json_object_set_new(j, "sim", h);
	}
	return j;
}

static int field_error(struct po_err *err, const char *key, const char *want, const json_t *v)
{
	return po_error(err, PO_EINPUT, "\"%s\" must be %s, not %s", key, want,
			po_json_type_name(v));
}

/* The request's header: protocol, request_id, run_id, role. */
static int parse_ids(const json_t *j, struct po_bridge_request *out, struct po_err *err)
{
	const json_t *v;

	if ((v = json_object_get(j, "protocol")) && !json_is_null(v)) {
		if (!json_is_integer(v))
			return field_error(err, "protocol", "a whole number", v);
		if (json_integer_value(v) > PO_BRIDGE_PROTOCOL)
			return po_error(err, PO_EINPUT,
					"protocol %lld is newer than this responder's (%d); update promptopt",
					(long long)json_integer_value(v), PO_BRIDGE_PROTOCOL);
	}
	if ((v = json_object_get(j, "request_id")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return field_error(err, "request_id", "a non-negative whole number", v);
		out->has_id = true;
		out->request_id = (uint64_t)json_integer_value(v);
	}
	if ((v = json_object_get(j, "run_id")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "run_id", "a string", v);
		out->run_id = json_string_value(v);
	}
	if ((v = json_object_get(j, "role")) && !json_is_null(v)) {
		enum po_role r;
		if (!json_is_string(v))
			return field_error(err, "role", "a string", v);
		if (po_role_parse(json_string_value(v), &r) < 0)
			return po_error(err, PO_EINPUT,
					"unknown role '%s'; expected generate, judge or mutate",
					json_string_value(v));
		out->has_role = true;
		out->req.role = r;
	}
	return 0;
}

/* The call: prompt, system_prompt, model, temperature, max_tokens,
 * metadata, sample. */
static int parse_call(const json_t *j, struct po_llm_request *req, struct po_err *err)
{
	const json_t *v = json_object_get(j, "prompt");

	if (!json_is_string(v))
		return v ? field_error(err, "prompt", "a string", v) :
			   po_error(err, PO_EINPUT, "the request has no \"prompt\"");
	req->prompt = json_string_value(v);
	if ((v = json_object_get(j, "system_prompt")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "system_prompt", "a string or null", v);
		req->system = json_string_value(v);
	}
	if ((v = json_object_get(j, "model")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "model", "a string or null", v);
		req->model = json_string_value(v);
	}
	if ((v = json_object_get(j, "temperature")) && !json_is_null(v)) {
		if (!json_is_number(v))
			return field_error(err, "temperature", "a number", v);
		req->temperature = json_number_value(v);
	}
	if ((v = json_object_get(j, "max_tokens")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INT_MAX)
			return field_error(err, "max_tokens", "a positive whole number", v);
		req->max_tokens = (int)json_integer_value(v);
	}
	if ((v = json_object_get(j, "metadata")) && !json_is_null(v)) {
		if (!json_is_object(v))
			return field_error(err, "metadata", "an object", v);
		req->metadata = v;
	}
	if ((v = json_object_get(j, "sample")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT_MAX)
			return field_error(err, "sample", "a non-negative whole number", v);
		req->sample = (unsigned)json_integer_value(v);
	}
	return 0;
}

/* The simulator settings, "sim", when present. */
static int parse_sim_hint(const json_t *j, struct po_bridge_sim_hint *hint, struct po_err *err)
{
	const json_t *v = json_object_get(j, "sim");
	const json_t *s, *nz, *c;

	if (!v || json_is_null(v))
		return 0;
	s = json_object_get(v, "seed");
	nz = json_object_get(v, "noise");
	c = json_object_get(v, "catalogue");
	if (!json_is_object(v))
		return field_error(err, "sim", "an object", v);
	if (!json_is_integer(s) || !json_is_number(nz) || (c && !json_is_string(c)))
		return po_error(err, PO_EINPUT,
				"\"sim\" must hold \"seed\" (a whole number), \"noise\" (a number) and optionally \"catalogue\" (a string)");
	hint->present = true;
	hint->seed = (uint64_t)json_integer_value(s);
	hint->noise = json_number_value(nz);
	hint->catalogue = c ? json_string_value(c) : NULL;
	hint->verbosity_bias = po_json_num(v, "verbosity_bias", 0);
	if (!(hint->verbosity_bias >= 0) || !isfinite(hint->verbosity_bias))
		return po_error(err, PO_EINPUT, "\"sim\".\"verbosity_bias\" must be a number of at least 0");
	return 0;
}

int po_bridge_request_parse(const json_t *j, struct po_bridge_request *out, struct po_err *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	out->req.temperature = 0;
	out->req.max_tokens = 1024;
	if (!json_is_object(j))
		return po_error(err, PO_EINPUT, "a request must be a JSON object, not %s",
				po_json_type_name(j));
	ret = parse_ids(j, out, err);
	if (!ret)
		ret = parse_call(j, &out->req, err);
	if (!ret)
		ret = parse_sim_hint(j, &out->sim, err);
	return ret;
}

json_t *po_bridge_response_json(uint64_t id, const char *run_id, const struct po_llm_response *r)
{
	json_t *j = json_object();

	json_object_set_new(j, "protocol", json_integer(PO_BRIDGE_PROTOCOL));
	json_object_set_new(j, "request_id", json_integer((json_int_t)id));
	if (run_id)
		json_object_set_new(j, "run_id", json_string(run_id));
	if (r->content && !r->error) {
		json_object_set_new(j, "content", json_string(r->content));
		json_object_set_new(j, "model", r->model ? json_string(r->model) : json_null());
		json_object_set_new(j, "usage", json_pack("{s:I, s:I}", "input_tokens",
							  (json_int_t)r->input_tokens,
							  "output_tokens",
							  (json_int_t)r->output_tokens));
	} else {
		json_object_set_new(j, "error", json_string(r->error ? r->error : "no content"));
	}
	return j;
}

int po_bridge_response_parse(const json_t *j, uint64_t want_id, const char *run_id,
			     struct po_llm_response *out, struct po_err *err)
{
	const json_t *v, *u;

	if (!json_is_object(j))
		return po_error(err, PO_EINPUT, "a response must be a JSON object, not %s",
				po_json_type_name(j));
	if ((v = json_object_get(j, "request_id")) && !json_is_null(v)) {
		if (!json_is_integer(v))
			return field_error(err, "request_id", "a whole number", v);
		if ((uint64_t)json_integer_value(v) != want_id)
			return po_error(err, PO_EINPUT,
					"its request_id %lld does not match the request's %" PRIu64,
					(long long)json_integer_value(v), want_id);
	}
	if ((v = json_object_get(j, "run_id")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "run_id", "a string", v);
		if (run_id && strcmp(json_string_value(v), run_id))
			return po_error(err, PO_EINPUT,
					"its run_id '%s' is not this run's '%s' (a leftover of another run?)",
					json_string_value(v), run_id);
	}
	v = json_object_get(j, "error");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "error", "a string", v);
		out->error = po_xstrdup(json_string_value(v));
		return 0;
	}
	v = json_object_get(j, "content");
	if (!json_is_string(v))
		return v ? field_error(err, "content", "a string", v) :
			   po_error(err, PO_EINPUT, "it has neither \"content\" nor \"error\"");
	out->content = po_xstrdup(json_string_value(v));
	if ((v = json_object_get(j, "model")) && json_is_string(v))
		out->model = po_xstrdup(json_string_value(v));
	u = json_object_get(j, "usage");
	if (json_is_object(u)) {
		v = json_object_get(u, "input_tokens");
		out->input_tokens = json_is_integer(v) ? (long)json_integer_value(v) : 0;
		v = json_object_get(u, "output_tokens");
		out->output_tokens = json_is_integer(v) ? (long)json_integer_value(v) : 0;
	}
	return 0;
}
