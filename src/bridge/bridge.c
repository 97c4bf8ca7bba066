/*
 * The file bridge: request/response files under <dir>/llm_requests/ and
 * <dir>/llm_responses/ (DESIGN section 4, docs/bridge-protocol.md). This file
 * holds the helpers both sides share and the client side, the `bridge`
 * provider: a whole batch of requests is written at once, then the client
 * waits for all responses, woken by inotify (polling as the fallback).
 */
#include "bridge/bridge.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "llm/providers/provider.h"
#include "llm/sim.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* ---- names and files ---- */

static bool parse_digits(const char **s, uint64_t *id)
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
	if (!parse_digits(&p, id))
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
	return parse_digits(&p, id);
}

void po_bridge_path(struct po_buf *out, const char *dir, const char *sub, const char *prefix,
		    uint64_t id, const char *suffix)
{
	po_buf_reset(out);
	po_buf_addf(out, "%s/%s/%s_%04" PRIu64 ".json%s", dir, sub, prefix, id,
		    suffix ? suffix : "");
}

static int write_all(int fd, const char *p, size_t len)
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
	if (write_all(fd, data, len) < 0) {
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

/* ---- spares ---- */

#define SPARES_MAX 64
#define SPARE_MAX_SIZE (1 << 20)

struct po_bridge_spares {
	char *prefix;   /* "<dir>/.spare.<pid>.<n>." */
	uid_t uid;
	unsigned v[SPARES_MAX]; /* the numbers k of the spares on disk */
	size_t n;
	unsigned next;
	bool no_take;   /* a rename into the folder failed with EXDEV: delete instead */
	struct po_buf path;
};

struct po_bridge_spares *po_bridge_spares_new(const char *dir)
{
	struct po_bridge_spares *s = po_xcalloc(1, sizeof(*s));
	struct po_buf b = PO_BUF_INIT;

	/* The address tells apart the pools of one process (threads, or a
	 * client and a responder): a live pool's address is its own. */
	po_buf_addf(&b, "%s/.spare.%ld.%lx.", dir, (long)getpid(), (unsigned long)(uintptr_t)s);
	s->prefix = po_buf_detach(&b);
	s->uid = geteuid();
	po_buf_init(&s->path);
	return s;
}

static const char *spare_name(struct po_bridge_spares *s, unsigned k)
{
	po_buf_reset(&s->path);
	po_buf_addf(&s->path, "%s%u", s->prefix, k);
	return s->path.data;
}

void po_bridge_spares_free(struct po_bridge_spares *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		unlink(spare_name(s, s->v[i]));
	po_buf_release(&s->path);
	free(s->prefix);
	free(s);
}

bool po_bridge_parse_spare(const char *name, long *pid)
{
	const char *p = name;
	uint64_t v;

	if (strncmp(p, ".spare.", 7))
		return false;
	p += 7;
	if (!parse_digits(&p, &v) || *p != '.' || v > LONG_MAX)
		return false;
	*pid = (long)v;
	return true;
}

static bool reusable(const struct po_bridge_spares *s, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_nlink == 1 && st->st_uid == s->uid &&
	       (st->st_mode & 07777) == 0644 && st->st_size <= SPARE_MAX_SIZE;
}

int po_bridge_spares_fill(struct po_bridge_spares *s, const char *data, size_t len,
			  const char *what, struct po_buf *out, unsigned *k, struct po_err *err)
{
	off_t size = 0;
	int fd = -1, e;

	if (s->n) {
		struct stat st;

		*k = s->v[--s->n];
		/* No O_TRUNC: the blocks are rewritten in place, not freed and
		 * allocated again. */
		fd = open(spare_name(s, *k), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		/* Checked on the file itself: the one taken may have been
		 * swapped for another (say, a person's hard link) since. */
		if (fd >= 0 && (fstat(fd, &st) < 0 || !reusable(s, &st))) {
			close(fd);
			fd = -1;
			unlink(s->path.data);
		} else if (fd >= 0) {
			size = st.st_size;
		}
	} else {
		*k = s->next++;
	}
	if (fd < 0) {
		size = 0;
		fd = open(spare_name(s, *k), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
			  0644);
	}
	po_buf_reset(out);
	po_buf_adds(out, s->path.data);
	if (fd < 0 || write_all(fd, data, len) < 0 ||
	    (size > (off_t)len && ftruncate(fd, (off_t)len) < 0)) {
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(out->data);
		return po_error(err, PO_EIO, "cannot write '%s': %s", what, strerror(e));
	}
	close(fd);
	return 0;
}

int po_bridge_spares_write(struct po_bridge_spares *s, const char *path, const char *data,
			   size_t len, struct po_err *err)
{
	struct po_buf tmp = PO_BUF_INIT;
	unsigned k;
	int ret, e;

	if (s->no_take)
		return po_bridge_write(path, data, len, err);
	ret = po_bridge_spares_fill(s, data, len, path, &tmp, &k, err);
	if (!ret && rename(tmp.data, path) < 0) {
		e = errno;
		unlink(tmp.data);
		if (e == EXDEV) {
			s->no_take = true;
			ret = po_bridge_write(path, data, len, err);
		} else {
			ret = po_error(err, PO_EIO, "cannot write '%s': %s", path, strerror(e));
		}
	}
	po_buf_release(&tmp);
	return ret;
}

void po_bridge_spares_take(struct po_bridge_spares *s, const char *path, const struct stat *st)
{
	unsigned k;

	if (!s || s->no_take || s->n == SPARES_MAX || !reusable(s, st)) {
		unlink(path);
		return;
	}
	k = s->next++;
	if (rename(path, spare_name(s, k)) < 0) {
		if (errno == EXDEV)
			s->no_take = true;
		unlink(path);
		return;
	}
	s->v[s->n++] = k;
}

void po_bridge_spares_keep(struct po_bridge_spares *s, unsigned k, const struct stat *st)
{
	if (s->n == SPARES_MAX || !reusable(s, st)) {
		unlink(spare_name(s, k));
		return;
	}
	s->v[s->n++] = k;
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
		json_object_set_new(j, "sim", h);
	}
	return j;
}

static int field_error(struct po_err *err, const char *key, const char *want, const json_t *v)
{
	return po_error(err, PO_EINPUT, "\"%s\" must be %s, not %s", key, want,
			po_json_type_name(v));
}

int po_bridge_request_parse(const json_t *j, struct po_bridge_request *out, struct po_err *err)
{
	const json_t *v;

	memset(out, 0, sizeof(*out));
	out->req.temperature = 0;
	out->req.max_tokens = 1024;
	if (!json_is_object(j))
		return po_error(err, PO_EINPUT, "a request must be a JSON object, not %s",
				po_json_type_name(j));
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
	v = json_object_get(j, "prompt");
	if (!json_is_string(v))
		return v ? field_error(err, "prompt", "a string", v) :
			   po_error(err, PO_EINPUT, "the request has no \"prompt\"");
	out->req.prompt = json_string_value(v);
	if ((v = json_object_get(j, "system_prompt")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "system_prompt", "a string or null", v);
		out->req.system = json_string_value(v);
	}
	if ((v = json_object_get(j, "model")) && !json_is_null(v)) {
		if (!json_is_string(v))
			return field_error(err, "model", "a string or null", v);
		out->req.model = json_string_value(v);
	}
	if ((v = json_object_get(j, "temperature")) && !json_is_null(v)) {
		if (!json_is_number(v))
			return field_error(err, "temperature", "a number", v);
		out->req.temperature = json_number_value(v);
	}
	if ((v = json_object_get(j, "max_tokens")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INT_MAX)
			return field_error(err, "max_tokens", "a positive whole number", v);
		out->req.max_tokens = (int)json_integer_value(v);
	}
	if ((v = json_object_get(j, "metadata")) && !json_is_null(v)) {
		if (!json_is_object(v))
			return field_error(err, "metadata", "an object", v);
		out->req.metadata = v;
	}
	if ((v = json_object_get(j, "sample")) && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > UINT_MAX)
			return field_error(err, "sample", "a non-negative whole number", v);
		out->req.sample = (unsigned)json_integer_value(v);
	}
	if ((v = json_object_get(j, "sim")) && !json_is_null(v)) {
		const json_t *s = json_object_get(v, "seed"), *nz = json_object_get(v, "noise");
		const json_t *c = json_object_get(v, "catalogue");

		if (!json_is_object(v))
			return field_error(err, "sim", "an object", v);
		if (!json_is_integer(s) || !json_is_number(nz) || (c && !json_is_string(c)))
			return po_error(err, PO_EINPUT,
					"\"sim\" must hold \"seed\" (a whole number), \"noise\" (a number) and optionally \"catalogue\" (a string)");
		out->sim.present = true;
		out->sim.seed = (uint64_t)json_integer_value(s);
		out->sim.noise = json_number_value(nz);
		out->sim.catalogue = c ? json_string_value(c) : NULL;
	}
	return 0;
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

/* ---- the client: the `bridge` provider ---- */

struct bridge {
	char *dir, *req_dir, *resp_dir;
	char *run_id;
	double timeout_s, poll_s;
	volatile int *interrupt;
	int (*peer_alive)(void *userdata);
	void *peer_userdata;
	int ino;        /* inotify, or -1: polling only */
	int wd;         /* its watch on llm_responses/ during a batch, else -1 */
	int counter_fd; /* <dir>/next_request_id, under flock */
	bool scanned;
	struct po_bridge_sim_hint hint;
	char *catalogue;
	struct po_sim *truth; /* the peer's simulator, for the ground truth; may be NULL */
	/* Responses read, rewritten as the next requests (in llm_responses/:
	 * writing them wakes no responder). */
	struct po_bridge_spares *spares;
};

/* After an interrupt the wait goes on this long: a live responder answers
 * the batch in flight, so the iteration completes and is saved. */
#define INTERRUPT_GRACE_MS 2000.0
/* give_up() reason: the timeout (not a status; the call fails with PO_ELLM). */
#define PO_ETIMEOUT_LOCAL 1

static bool pid_gone(long pid)
{
	return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* The largest id in dir; on the way, deletes the spares of processes that
 * died (a client killed mid-run leaves a few). */
static uint64_t scan_max_id(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct po_buf p = PO_BUF_INIT;
	uint64_t max = 0, id;
	long pid;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (po_bridge_any_id(de->d_name, &id) && id > max) {
			max = id;
		} else if (po_bridge_parse_spare(de->d_name, &pid) && pid_gone(pid)) {
			po_fs_join(&p, dir, de->d_name);
			unlink(p.data);
		}
	}
	closedir(d);
	po_buf_release(&p);
	return max;
}

/*
 * Reserves n consecutive ids. The counter file, under an exclusive lock,
 * keeps concurrent runs sharing a folder apart; the first allocation also
 * starts after every id already in the folders, so leftovers of an earlier
 * or crashed run (or of a client that does not use the counter) never
 * share an id with this run.
 */
static int alloc_ids(struct bridge *b, size_t n, uint64_t *base, struct po_err *err)
{
	char txt[32];
	uint64_t next = 0, m;
	ssize_t k;
	int len;

	while (flock(b->counter_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return po_error(err, PO_EIO, "cannot lock '%s/next_request_id': %s", b->dir,
					strerror(errno));
	k = pread(b->counter_fd, txt, sizeof(txt) - 1, 0);
	if (k > 0) {
		const char *p = txt;
		txt[k] = '\0';
		if (!parse_digits(&p, &next))
			next = 0;
	}
	if (!b->scanned) {
		m = scan_max_id(b->req_dir);
		if (m + 1 > next)
			next = m + 1;
		m = scan_max_id(b->resp_dir);
		if (m + 1 > next)
			next = m + 1;
		b->scanned = true;
	}
	if (!next)
		next = 1;
	*base = next;
	len = snprintf(txt, sizeof(txt), "%" PRIu64 "\n", next + n);
	if (pwrite(b->counter_fd, txt, (size_t)len, 0) != len ||
	    ftruncate(b->counter_fd, len) < 0) {
		int e = errno;
		flock(b->counter_fd, LOCK_UN);
		return po_error(err, PO_EIO, "cannot write '%s/next_request_id': %s", b->dir,
				strerror(e));
	}
	flock(b->counter_fd, LOCK_UN);
	return 0;
}

struct wait {
	struct bridge *b;
	const struct po_llm_request *reqs;
	struct po_llm_response *out;
	size_t n, left;
	uint64_t base;
	bool *done;
	bool deferred; /* a response that does not parse yet may still be written */
	double t0;
	struct po_buf path, text;
};

static void fail_call(struct wait *w, size_t i, const char *what, const char *why)
{
	struct po_buf m = PO_BUF_INIT;

	if (*what)
		po_buf_addf(&m, "bridge response '%s' rejected: %s", what, why);
	else
		po_buf_addf(&m, "bridge response rejected: %s", why);
	w->out[i].error = po_buf_detach(&m);
	w->done[i] = true;
	w->left--;
}

/* Takes the response of call i if it is there; false when not yet. */
static void try_take(struct wait *w, size_t i)
{
	struct bridge *b = w->b;
	uint64_t id = w->base + i;
	struct po_err e = { 0 };
	json_error_t je;
	json_t *j;
	struct po_bridge_file f;
	int ret;

	if (w->done[i])
		return;
	po_bridge_path(&w->path, b->dir, PO_BRIDGE_RESPONSES, "response", id, NULL);
	ret = po_bridge_read(w->path.data, &w->text, &f, &e);
	if (ret == PO_ENOTFOUND)
		return;
	if (ret) {
		fail_call(w, i, "", e.msg);
		goto set_aside;
	}
	j = json_loadb(w->text.data, w->text.len, 0, &je);
	if (!j) {
		if (f.age_s < PO_BRIDGE_SETTLE_S) {
			w->deferred = true;
			return;
		}
		po_error(&e, PO_EINPUT, "'%s' is not valid JSON: %d:%d: %s", w->path.data, je.line,
			 je.column, je.text);
		fail_call(w, i, "", e.msg);
		goto set_aside;
	}
	ret = po_bridge_response_parse(j, id, b->run_id, &w->out[i], &e);
	json_decref(j);
	if (ret) {
		po_llm_response_release(&w->out[i]);
		memset(&w->out[i], 0, sizeof(w->out[i]));
		fail_call(w, i, w->path.data, e.msg);
		goto set_aside;
	}
	w->out[i].latency_ms = po_time_mono_ms() - w->t0;
	w->done[i] = true;
	w->left--;
	po_bridge_spares_take(b->spares, w->path.data, &f.st);
	return;
set_aside:
	{
		/* Kept for a look, out of the way of a correct answer. */
		struct po_buf aside = PO_BUF_INIT;
		po_bridge_path(&aside, b->dir, PO_BRIDGE_RESPONSES, "response", id, ".rejected");
		rename(w->path.data, aside.data);
		po_buf_release(&aside);
	}
}

static void scan_pending(struct wait *w)
{
	w->deferred = false;
	for (size_t i = 0; i < w->n && w->left; i++)
		try_take(w, i);
}

static void read_events(struct wait *w, bool *rescan)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t k = read(w->b->ino, buf, sizeof(buf));
		if (k <= 0)
			return;
		for (char *p = buf; p < buf + k;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			uint64_t id;

			if (ev->mask & IN_Q_OVERFLOW)
				*rescan = true;
			else if (ev->len && po_bridge_parse_name(ev->name, "response", &id) &&
				 id >= w->base && id - w->base < w->n)
				try_take(w, (size_t)(id - w->base));
			p += sizeof(*ev) + ev->len;
		}
		/* Not full: the queue was empty. Later events wake poll() again. */
		if ((size_t)k < sizeof(buf) - sizeof(struct inotify_event) - NAME_MAX - 1)
			return;
	}
}

/* The first unanswered call, for messages. */
static size_t first_left(const struct wait *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->done[i])
			return i;
	return 0;
}

/* What give_up() did with the requests still waiting, for its message. */
static void say_withdrawn(struct po_buf *out, size_t left, size_t withdrawn)
{
	if (withdrawn == left)
		po_buf_adds(out, left == 1 ? "the request was withdrawn" :
					     "the requests were withdrawn");
	else if (!withdrawn)
		po_buf_adds(out, left == 1 ? "a responder had claimed it" :
					     "responders had claimed them");
	else
		po_buf_addf(out, "%zu were withdrawn, %zu had been claimed by a responder",
			    withdrawn, left - withdrawn);
}

/*
 * Gives up on the calls still waiting: their requests are withdrawn (when
 * no responder has claimed them yet: nobody will read their answers) and
 * the error names the first request written and the response expected.
 */
static int give_up(struct wait *w, int code, const char *why, struct po_err *err)
{
	struct bridge *b = w->b;
	struct po_buf rq = PO_BUF_INIT, rs = PO_BUF_INIT, more = PO_BUF_INIT, fate = PO_BUF_INIT;
	size_t f = first_left(w), left = w->left, withdrawn = 0;
	int ret;

	for (size_t i = 0; i < w->n; i++) {
		if (w->done[i])
			continue;
		po_bridge_path(&rq, b->dir, PO_BRIDGE_REQUESTS, "request", w->base + i, NULL);
		if (!unlink(rq.data))
			withdrawn++;
	}
	say_withdrawn(&fate, left, withdrawn);
	po_bridge_path(&rq, b->dir, PO_BRIDGE_REQUESTS, "request", w->base + f, NULL);
	po_bridge_path(&rs, b->dir, PO_BRIDGE_RESPONSES, "response", w->base + f, NULL);
	if (left > 1)
		po_buf_addf(&more, " (and %zu more)", left - 1);
	if (code == PO_ETIMEOUT_LOCAL && b->peer_alive)
		/* The managed responder runs (it is checked while waiting) but is
		 * stopped (SIGSTOP), stuck or too slow. */
		ret = po_error(err, PO_ELLM,
			       "no response to '%s'%s within %g s: expected '%s' (%s); the responder "
			       "is running but did not answer: is it stopped or stuck? (its logs are "
			       "in '%s'); raise --timeout if it is only slow",
			       rq.data, more.data, b->timeout_s, rs.data, fate.data, b->dir);
	else if (code == PO_ETIMEOUT_LOCAL)
		ret = po_error(err, PO_ELLM,
			       "no response to '%s'%s within %g s: expected '%s' (%s); start a "
			       "responder ('promptopt respond --dir %s --continuous') or answer the "
			       "request files by hand while the run waits, or raise --timeout",
			       rq.data, more.data, b->timeout_s, rs.data, fate.data, b->dir);
	else
		ret = po_error(err, code, "%s while waiting for the response to '%s'%s: expected '%s' (%s)",
			       why, rq.data, more.data, rs.data, fate.data);
	for (size_t i = 0; i < w->n; i++)
		if (!w->done[i])
			w->out[i].error = po_xstrdup(err ? err->msg : "bridge wait failed");
	po_buf_release(&rq);
	po_buf_release(&rs);
	po_buf_release(&more);
	po_buf_release(&fate);
	return ret;
}

static int wait_all(struct wait *w, struct po_err *err)
{
	struct bridge *b = w->b;
	double deadline = w->t0 + b->timeout_s * 1000.0, poll_ms = b->poll_s * 1000.0;
	double intr_at = -1, last_scan = po_time_mono_ms(), last_peer = last_scan;

	/* With inotify, watching since before the requests were written, every
	 * response is an event: no need to look for them first. */
	if (b->wd < 0)
		scan_pending(w);
	while (w->left) {
		double now = po_time_mono_ms(), wait_ms;
		bool rescan = false;
		int r;

		if (b->interrupt && *b->interrupt) {
			if (intr_at < 0)
				intr_at = now;
			else if (now - intr_at >= INTERRUPT_GRACE_MS)
				return give_up(w, PO_EINTR, "interrupted", err);
		}
		if (now >= deadline)
			return give_up(w, PO_ETIMEOUT_LOCAL, NULL, err);
		if (b->peer_alive && now - last_peer >= poll_ms) {
			last_peer = now;
			if (!b->peer_alive(b->peer_userdata))
				return give_up(w, PO_ELLM, "the responder stopped", err);
		}
		wait_ms = poll_ms - (now - last_scan);
		if (w->deferred && wait_ms > 50)
			wait_ms = 50;
		if (wait_ms > deadline - now)
			wait_ms = deadline - now;
		if (intr_at >= 0 && wait_ms > 50)
			wait_ms = 50;
		if (wait_ms < 0)
			wait_ms = 0;
		if (b->wd >= 0) {
			struct pollfd pfd = { .fd = b->ino, .events = POLLIN };
			r = poll(&pfd, 1, (int)(wait_ms + 0.999));
			if (r > 0)
				read_events(w, &rescan);
			else if (r == 0)
				rescan = true;
		} else {
			struct timespec ts = { (time_t)(wait_ms / 1000),
					       (long)(((long long)wait_ms % 1000) * 1000000) };
			nanosleep(&ts, NULL);
			rescan = true;
		}
		/* The polling fallback: every poll interval, look at every file
		 * (inotify may be missing, or have overflowed). */
		if (rescan || w->deferred || po_time_mono_ms() - last_scan >= poll_ms) {
			last_scan = po_time_mono_ms();
			scan_pending(w);
		}
	}
	return 0;
}

static int bridge_complete(struct po_provider *p, const struct po_llm_request *reqs,
			   struct po_llm_response *out, size_t n, struct po_err *err)
{
	struct bridge *b = p->impl;
	struct wait w = { .b = b, .reqs = reqs, .out = out, .n = n, .left = n,
			  .path = PO_BUF_INIT, .text = PO_BUF_INIT };
	int ret;

	if (!n)
		return 0;
	ret = alloc_ids(b, n, &w.base, err);
	if (ret)
		return ret;
	w.done = po_xcalloc(n, sizeof(*w.done));
	w.t0 = po_time_mono_ms();
	/*
	 * Watched during the batch only: closing an inotify instance that
	 * still has (or just had) a watch waits for the kernel to free it
	 * (an SRCU grace period, 10-20 ms here), at the end of every run. A
	 * watch removed when the batch ends is freed in the background.
	 */
	if (b->ino >= 0 && b->wd < 0)
		b->wd = inotify_add_watch(b->ino, b->resp_dir, IN_MOVED_TO | IN_CLOSE_WRITE);
	for (size_t i = 0; i < n; i++) {
		po_bridge_request_text(&w.text, &reqs[i], w.base + i, b->run_id, &b->hint);
		po_bridge_path(&w.path, b->dir, PO_BRIDGE_REQUESTS, "request", w.base + i, NULL);
		ret = po_bridge_spares_write(b->spares, w.path.data, w.text.data, w.text.len, err);
		if (ret) {
			/* Withdraw what was written: nobody will wait for it. */
			for (size_t k = 0; k < i; k++) {
				po_bridge_path(&w.path, b->dir, PO_BRIDGE_REQUESTS, "request",
					       w.base + k, NULL);
				unlink(w.path.data);
			}
			goto out;
		}
	}
	ret = wait_all(&w, err);
out:
	if (b->wd >= 0) {
		inotify_rm_watch(b->ino, b->wd);
		b->wd = -1;
	}
	free(w.done);
	po_buf_release(&w.path);
	po_buf_release(&w.text);
	return ret;
}

static void bridge_free(struct po_provider *p)
{
	struct bridge *b;

	if (!p)
		return;
	b = p->impl;
	if (b->ino >= 0)
		close(b->ino);
	if (b->counter_fd >= 0)
		close(b->counter_fd);
	po_sim_free(b->truth);
	po_bridge_spares_free(b->spares);
	free(b->dir);
	free(b->req_dir);
	free(b->resp_dir);
	free(b->run_id);
	free(b->catalogue);
	free(b);
	free(p);
}

static const struct po_provider_ops bridge_ops = {
	.name = "bridge",
	.complete = bridge_complete,
	.free = bridge_free,
};

struct po_sim *po_bridge_provider_sim(struct po_provider *p)
{
	return p && p->ops == &bridge_ops ? ((struct bridge *)p->impl)->truth : NULL;
}

static char *join(const char *a, const char *b)
{
	struct po_buf out = PO_BUF_INIT;

	po_fs_join(&out, a, b);
	return po_buf_detach(&out);
}

struct po_provider *po_bridge_provider_new(const struct po_provider_spec *spec, struct po_err *err)
{
	struct bridge *b;
	struct po_provider *p;
	char *counter;
	int e;

	if (!spec->bridge_dir || !*spec->bridge_dir) {
		po_error(err, PO_EUSAGE, "the bridge provider needs a folder (--bridge-dir)");
		return NULL;
	}
	b = po_xcalloc(1, sizeof(*b));
	b->ino = b->counter_fd = b->wd = -1;
	b->dir = po_xstrdup(spec->bridge_dir);
	b->req_dir = join(b->dir, PO_BRIDGE_REQUESTS);
	b->resp_dir = join(b->dir, PO_BRIDGE_RESPONSES);
	b->run_id = po_xstrdup(spec->run_id ? spec->run_id : "");
	b->timeout_s = spec->timeout_s > 0 ? spec->timeout_s : 120;
	b->poll_s = spec->poll_interval > 0 ? spec->poll_interval : 0.2;
	b->interrupt = spec->interrupt;
	b->peer_alive = spec->peer_alive;
	b->peer_userdata = spec->peer_userdata;
	b->catalogue = spec->catalogue ? po_xstrdup(spec->catalogue) : NULL;
	b->hint = (struct po_bridge_sim_hint){ .present = true, .seed = spec->seed,
					       .noise = spec->noise, .catalogue = b->catalogue };
	b->spares = po_bridge_spares_new(b->resp_dir);
	p = po_xcalloc(1, sizeof(*p));
	p->ops = &bridge_ops;
	p->impl = b;
	if (po_fs_mkdirs(b->req_dir, err) < 0 || po_fs_mkdirs(b->resp_dir, err) < 0) {
		po_error_prefix(err, "cannot set up the bridge folder '%s'", b->dir);
		goto fail;
	}
	counter = join(b->dir, "next_request_id");
	b->counter_fd = open(counter, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	e = errno;
	free(counter);
	if (b->counter_fd < 0 || access(b->req_dir, W_OK | X_OK) < 0 ||
	    access(b->resp_dir, W_OK | X_OK) < 0) {
		if (b->counter_fd >= 0)
			e = errno;
		po_error(err, PO_EIO, "bridge folder '%s' is not writable: %s; fix its permissions or pass --bridge-dir",
			 b->dir, strerror(e));
		goto fail;
	}
	b->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC); /* -1: polling only */
	if (spec->peer_is_sim) {
		struct po_sim_config cfg;

		po_sim_config_init(&cfg);
		cfg.seed = spec->seed;
		cfg.noise = spec->noise;
		if (spec->catalogue)
			cfg.catalogue = spec->catalogue;
		b->truth = po_sim_new(&cfg, err);
		if (!b->truth)
			goto fail;
	}
	return p;
fail:
	bridge_free(p);
	return NULL;
}
