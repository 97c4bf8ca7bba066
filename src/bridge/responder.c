/*
 * The responder (see responder.h): claim by rename, answer, write the
 * response atomically, remove the claim. Woken by inotify on llm_requests/;
 * a full scan every poll interval is the fallback and also takes over the
 * claims of responders that died. Requests found together are claimed and
 * answered as one batch (a forwarding provider runs them concurrently).
 */
#include "bridge/responder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "bridge/sims.h"
#include "bridge/spares.h"
#include "llm/providers/provider.h"
#include "sim/sim.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"
#include "util/timeutil.h"

/* Names said once not to be served; beyond this many, no more are said. */
#define MAX_WARNED 256

/* One request found: claimed, answered and published together with the
 * others found at the same time. */
struct job {
	char *name;      /* request_<digits>.json, as found (any number of digits) */
	char *dead;      /* the claim of a responder that died, to take over; or NULL */
	uint64_t id;
	json_t *j;       /* the request; br borrows from it */
	struct po_bridge_request br;
	struct po_llm_response resp;
	bool valid;      /* answered by the provider (else resp.error says why not) */
	bool regular;    /* false: set aside as .rejected after the answer */
	struct stat st;  /* the request file's, when regular */
	double t0;
};

struct po_responder {
	struct po_responder_options o;
	char *dir, *req_dir, *resp_dir, *provider_name, *model, *base_url, *catalogue;
	struct po_provider *prov; /* NULL: the simulator, per hint */
	struct po_bridge_sims *sims; /* the simulators, per hint */
	int ino, ino_errno;
	long pid;
	bool deferred;
	bool exchange;   /* publish by RENAME_EXCHANGE (see publish()); false once unsupported */
	struct po_bridge_spares *spares; /* in llm_requests/, next to the claims */
	struct po_responder_stats st;
	struct job *jobs;
	size_t njobs, capjobs;
	char **warned;
	size_t nwarned;
	struct po_buf path, claim, text, resp_path;
};

void po_responder_options_init(struct po_responder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->provider = "sim";
	o->timeout_s = 120;
	o->max_attempts = 5;
	o->concurrency = 8;
	o->seed = 42;
	o->noise = 4;
	o->catalogue = "prfaq";
	o->interval = 0.2;
}

static char *dup_or_null(const char *s)
{
	return s ? po_xstrdup(s) : NULL;
}

static void note(struct po_responder *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct po_responder *r, const char *fmt, ...)
{
	struct po_buf b = PO_BUF_INIT;
	va_list ap;

	if (!r->o.on_notice)
		return;
	va_start(ap, fmt);
	po_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	r->o.on_notice(b.data, r->o.userdata);
	po_buf_release(&b);
}

/* The forwarding provider, built by the caller's new_provider. */
static int make_provider(struct po_responder *r, const struct po_responder_options *o,
			 struct po_err *err)
{
	struct po_provider_spec spec;

	po_provider_spec_init(&spec);
	spec.name = r->provider_name;
	spec.base_url = r->base_url;
	spec.timeout_s = o->timeout_s;
	spec.max_attempts = o->max_attempts;
	spec.concurrency = r->o.concurrency;
	spec.interrupt = o->stop;
	spec.seed = o->seed;
	spec.noise = o->noise;
	spec.catalogue = r->catalogue;
	if (!strcmp(r->provider_name, "bridge"))
		return po_error(err, PO_EUSAGE, "a responder cannot forward to the bridge itself; use sim or an API provider");
	if (!o->new_provider)
		return po_error(err, PO_EUSAGE, "the responder cannot forward to '%s': no way to build it was given; use sim",
				r->provider_name);
	r->prov = o->new_provider(&spec, err);
	return r->prov ? 0 : (err ? err->code : PO_ELLM);
}

int po_responder_new(struct po_responder **out, const struct po_responder_options *o,
		     struct po_err *err)
{
	struct po_responder *r;
	struct po_buf b = PO_BUF_INIT;

	*out = NULL;
	if (!o->dir || !*o->dir)
		return po_error(err, PO_EUSAGE, "the responder needs a bridge folder");
	r = po_xcalloc(1, sizeof(*r));
	r->o = *o;
	r->ino = -1;
	r->pid = (long)getpid();
	r->dir = po_xstrdup(o->dir);
	r->provider_name = po_xstrdup(o->provider ? o->provider : "sim");
	r->model = dup_or_null(o->model);
	r->base_url = dup_or_null(o->base_url);
	r->catalogue = po_xstrdup(o->catalogue ? o->catalogue : "prfaq");
	r->o.dir = r->dir;
	r->o.provider = r->provider_name;
	r->o.model = r->model;
	r->o.base_url = r->base_url;
	r->o.catalogue = r->catalogue;
	if (r->o.interval <= 0)
		r->o.interval = 0.2;
	if (r->o.concurrency < 1)
		r->o.concurrency = 8;
	po_buf_init(&r->path);
	po_buf_init(&r->claim);
	po_buf_init(&r->text);
	po_buf_init(&r->resp_path);
	po_fs_join(&b, r->dir, PO_BRIDGE_REQUESTS);
	r->req_dir = po_buf_detach(&b);
	r->spares = po_bridge_spares_new(r->req_dir);
	r->sims = po_bridge_sims_new();
	r->exchange = true;
	po_fs_join(&b, r->dir, PO_BRIDGE_RESPONSES);
	r->resp_dir = po_buf_detach(&b);
	*out = r;
	if (po_fs_mkdirs(r->req_dir, err) < 0 || po_fs_mkdirs(r->resp_dir, err) < 0) {
		po_error_prefix(err, "cannot set up the bridge folder '%s'", r->dir);
		goto fail;
	}
	if (access(r->req_dir, W_OK | X_OK) < 0 || access(r->resp_dir, W_OK | X_OK) < 0) {
		po_error(err, PO_EIO, "bridge folder '%s' is not writable: %s; fix its permissions",
			 r->dir, strerror(errno));
		goto fail;
	}
	if (strcmp(r->provider_name, "sim") && make_provider(r, o, err) < 0)
		goto fail;
	/* Watch before the first scan: a request written in between is not missed. */
	r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ino < 0) {
		r->ino_errno = errno;
	} else if (inotify_add_watch(r->ino, r->req_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		r->ino_errno = errno;
		close(r->ino);
		r->ino = -1;
	}
	return 0;
fail:
	po_responder_free(r);
	*out = NULL;
	return err ? err->code : PO_EFAIL;
}

static void clear_jobs(struct po_responder *r)
{
	for (size_t i = 0; i < r->njobs; i++) {
		free(r->jobs[i].name);
		free(r->jobs[i].dead);
		json_decref(r->jobs[i].j);
		po_llm_response_release(&r->jobs[i].resp);
	}
	r->njobs = 0;
}

void po_responder_free(struct po_responder *r)
{
	if (!r)
		return;
	if (r->ino >= 0)
		close(r->ino);
	if (r->prov)
		r->prov->ops->free(r->prov);
	po_bridge_sims_free(r->sims);
	clear_jobs(r);
	free(r->jobs);
	po_bridge_spares_free(r->spares);
	for (size_t i = 0; i < r->nwarned; i++)
		free(r->warned[i]);
	free(r->warned);
	free(r->dir);
	free(r->req_dir);
	free(r->resp_dir);
	free(r->provider_name);
	free(r->model);
	free(r->base_url);
	free(r->catalogue);
	po_buf_release(&r->path);
	po_buf_release(&r->claim);
	po_buf_release(&r->text);
	po_buf_release(&r->resp_path);
	free(r);
}

const struct po_responder_stats *po_responder_stats(const struct po_responder *r)
{
	return &r->st;
}

/* ---- finding requests ---- */

static bool pid_alive(long pid, long self)
{
	/* Our own pid: another responder of this process (a thread), alive. */
	if (pid == self)
		return true;
	if (pid <= 0)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* "request_N.json.claimed.PID" -> id, pid and "request_N.json" into head. */
static bool parse_claim(const char *name, uint64_t *id, long *pid, char *head, size_t size)
{
	const char *p = strstr(name, ".json.claimed.");
	char *end;
	size_t n;

	if (!p)
		return false;
	n = (size_t)(p - name) + 5;
	if (n >= size)
		return false;
	memcpy(head, name, n);
	head[n] = '\0';
	if (!po_bridge_parse_name(head, "request", id))
		return false;
	p += strlen(".json.claimed.");
	errno = 0;
	*pid = strtol(p, &end, 10);
	return *p && !*end && !errno;
}

static void queue(struct po_responder *r, const char *name, const char *dead, uint64_t id)
{
	struct job *j;

	if (r->njobs == r->capjobs) {
		r->capjobs = r->capjobs ? 2 * r->capjobs : 32;
		r->jobs = po_xrealloc(r->jobs, r->capjobs * sizeof(*r->jobs));
	}
	j = &r->jobs[r->njobs++];
	memset(j, 0, sizeof(*j));
	j->name = po_xstrdup(name);
	j->dead = dup_or_null(dead);
	j->id = id;
	j->regular = true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* A file that looks meant as a request but will never be served is said
 * once, not skipped silently. */
static void warn_once(struct po_responder *r, const char *name)
{
	for (size_t i = 0; i < r->nwarned; i++)
		if (!strcmp(r->warned[i], name))
			return;
	if (r->nwarned == MAX_WARNED)
		return;
	r->warned = po_xrealloc(r->warned, (r->nwarned + 1) * sizeof(*r->warned));
	r->warned[r->nwarned++] = po_xstrdup(name);
	note(r, "'%s' in %s/ is not served: requests are named request_<number>.json", name,
	     r->req_dir);
}

/*
 * Queues the request a directory entry names. A full scan (`scan`) also
 * takes over the claims of dead responders and says which names it will
 * not serve; events only bring new requests.
 */
static void classify(struct po_responder *r, const char *name, bool scan)
{
	char head[256];
	uint64_t id;
	long pid;

	if (po_bridge_parse_name(name, "request", &id)) {
		queue(r, name, NULL, id);
		return;
	}
	if (!scan)
		return;
	if (name[0] == '.') { /* hidden: temporary files, spares */
		if (po_bridge_parse_spare(name, &pid) && !pid_alive(pid, r->pid)) {
			po_fs_join(&r->path, r->req_dir, name);
			unlink(r->path.data);
		}
		return;
	}
	if (parse_claim(name, &id, &pid, head, sizeof(head))) {
		if (!pid_alive(pid, r->pid))
			queue(r, head, name, id);
		return;
	}
	if (!strncmp(name, "request", 7) && !ends_with(name, ".rejected") &&
	    !strstr(name, ".json.claimed."))
		warn_once(r, name);
}

static int cmp_job(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* ---- answering ---- */

/* The simulator for a request's hint (or the responder's settings). */
static struct po_sim *get_sim(struct po_responder *r, const struct po_bridge_sim_hint *h,
			      struct po_err *err)
{
	uint64_t seed = h->present ? h->seed : r->o.seed;
	double noise = h->present ? h->noise : r->o.noise;
	const char *cat = h->present && h->catalogue ? h->catalogue : r->catalogue;

	return po_bridge_sims_get(r->sims, seed, noise, h->present ? h->verbosity_bias : 0, cat,
				  err);
}

/*
 * The valid requests of a batch: with the simulator one by one, else in
 * one call of the provider, which runs them concurrently. A call that
 * failed is answered with its error; a provider that cannot be used at all
 * (a refused key) or was interrupted fails the batch (negative, err set):
 * no request is answered with the responder's own problem.
 */
static int answer_all(struct po_responder *r, struct job **jobs, size_t n, struct po_err *err)
{
	struct po_llm_request *reqs;
	struct po_llm_response *out;
	struct job **sent;
	struct po_err e = { 0 };
	size_t k = 0;
	int ret;

	for (size_t i = 0; i < n; i++)
		if (jobs[i]->valid && !jobs[i]->br.has_role)
			jobs[i]->br.req.role = po_sim_detect_role(jobs[i]->br.req.system,
								 jobs[i]->br.req.prompt);
	if (!r->prov) {
		for (size_t i = 0; i < n; i++) {
			struct po_sim *sim;

			if (!jobs[i]->valid)
				continue;
			sim = get_sim(r, &jobs[i]->br.sim, &e);
			if (!sim)
				jobs[i]->resp.error = po_xstrdup(e.msg);
			else
				po_sim_answer(sim, &jobs[i]->br.req, &jobs[i]->resp);
		}
		return 0;
	}
	reqs = po_xcalloc(n, sizeof(*reqs));
	out = po_xcalloc(n, sizeof(*out));
	sent = po_xcalloc(n, sizeof(*sent));
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i]->valid)
			continue;
		if (r->model)
			jobs[i]->br.req.model = r->model;
		reqs[k] = jobs[i]->br.req;
		sent[k++] = jobs[i];
	}
	ret = k ? r->prov->ops->complete(r->prov, reqs, out, k, &e) : 0;
	if (ret < 0)
		po_error(err, ret, "%s", e.msg[0] ? e.msg : "the provider failed");
	for (size_t i = 0; i < k; i++) {
		struct po_llm_response *resp = &sent[i]->resp;

		*resp = out[i];
		if (!resp->content && !resp->error)
			resp->error = po_xstrdup(ret < 0 && e.msg[0] ? e.msg : "the provider failed");
		if (resp->content && resp->error) {
			free(resp->content);
			resp->content = NULL;
		}
		if (!resp->model && !resp->error)
			resp->model = po_xstrdup(reqs[i].model ? reqs[i].model : r->provider_name);
	}
	free(reqs);
	free(out);
	free(sent);
	return ret < 0 ? ret : 0;
}

static void set_claim_path(struct po_responder *r, const char *name)
{
	po_buf_reset(&r->claim);
	po_buf_addf(&r->claim, "%s/%s.claimed.%ld", r->req_dir, name, r->pid);
}

/* <dir>/llm_responses/response_<the request's digits>.json into resp_path. */
static void set_response_path(struct po_responder *r, const char *name)
{
	po_buf_reset(&r->resp_path);
	po_buf_addf(&r->resp_path, "%s/response_%s", r->resp_dir, name + strlen("request_"));
}

/* Puts the claim of a job back under the request's name (the responder
 * could not answer it: another one may). */
static void give_back(struct po_responder *r, const struct job *job)
{
	set_claim_path(r, job->name);
	po_fs_join(&r->path, r->req_dir, job->name);
	rename(r->claim.data, r->path.data);
}

/* A response (no prompt; content or error; its id) rather than a request. */
static bool is_answer(const json_t *j, uint64_t id)
{
	const json_t *v = json_object_get(j, "request_id");

	return json_is_object(j) && !json_object_get(j, "prompt") &&
	       (json_object_get(j, "content") || json_object_get(j, "error")) &&
	       json_is_integer(v) && (uint64_t)json_integer_value(v) == id;
}

/*
 * Reads and claims one request. False when there is nothing to answer:
 * gone (claimed by another responder), still being written (r->deferred),
 * or a takeover whose answer was already published.
 */
static bool claim(struct po_responder *r, struct job *job)
{
	struct po_err e = { 0 };
	struct po_bridge_file f;
	json_error_t je;
	int rd;

	job->t0 = po_time_mono_ms();
	set_claim_path(r, job->name);
	set_response_path(r, job->name);
	po_fs_join(&r->path, r->req_dir, job->dead ? job->dead : job->name);
	/* Answered already: by a responder that died after publishing, before
	 * removing its claim, or by hand (a person wrote the response and left
	 * the request). Answering again would answer twice: removed instead. */
	if (!lstat(r->resp_path.data, &f.st)) {
		if (rename(r->path.data, r->claim.data) < 0)
			return false; /* another responder took it first */
		unlink(r->claim.data);
		r->st.reclaimed += job->dead != NULL;
		note(r, job->dead ? "%s: already answered by a responder that stopped ('%s' exists); its claim was removed" :
				    "%s: already answered ('%s' exists, written by hand?); the request was removed",
		     job->name, r->resp_path.data);
		return false;
	}
	if (job->dead) {
		if (rename(r->path.data, r->claim.data) < 0)
			return false; /* another responder took it over first */
		rd = po_bridge_read(r->claim.data, &r->text, &f, &e);
	} else {
		rd = po_bridge_read(r->path.data, &r->text, &f, &e);
	}
	if (rd == PO_ENOTFOUND)
		return false;
	job->st = f.st;
	if (rd) {
		job->regular = rd != PO_EINPUT || f.regular;
		job->resp.error = po_xstrdup(e.msg);
	} else if (!(job->j = json_loadb(r->text.data, r->text.len, 0, &je))) {
		if (!job->dead && f.age_s < PO_BRIDGE_SETTLE_S) {
			r->deferred = true; /* perhaps still being written */
			return false;
		}
		po_error(&e, PO_EINPUT, "%s is not valid JSON: %d:%d: %s", job->name, je.line,
			 je.column, je.text);
		job->resp.error = po_xstrdup(e.msg);
	} else if (job->dead && is_answer(job->j, job->id)) {
		/* It died between writing the answer into its claim and
		 * publishing it (see publish()): publish it. */
		if (rename(r->claim.data, r->resp_path.data) < 0) {
			/* Left under our claim: the next takeover tries again. */
			note(r, "%s: cannot publish the answer a stopped responder wrote ('%s'): %s",
			     job->name, r->claim.data, strerror(errno));
			return false;
		}
		r->st.reclaimed++;
		note(r, "%s: answered by a responder that stopped before publishing it; published",
		     job->name);
		return false;
	} else if (po_bridge_request_parse(job->j, &job->br, &e) < 0) {
		job->resp.error = po_xstrdup(e.msg);
	} else if (job->br.has_id && job->br.request_id != job->id) {
		po_error(&e, PO_EINPUT, "its request_id %" PRIu64 " does not match its file name %s",
			 job->br.request_id, job->name);
		job->resp.error = po_xstrdup(e.msg);
	}
	if (!job->dead && rename(r->path.data, r->claim.data) < 0) {
		/* Lost the race: another responder claimed it. */
		po_llm_response_release(&job->resp);
		memset(&job->resp, 0, sizeof(job->resp));
		return false;
	}
	job->valid = !job->resp.error;
	return true;
}

/*
 * Publishing in one step: the answer is written into a spare, which
 * RENAME_EXCHANGE swaps with the claim; the claim's name then holds the
 * answer, and one rename to response_N.json publishes it and removes the
 * claim at once. A responder that dies at any point leaves either the
 * request under its claim (answered by the takeover) or the answer under
 * it (published by the takeover): never both a response and a claim, so a
 * request is never answered twice. The spare keeps the request's file to
 * write the next answer into. 1 on success, 0 when the folder does not
 * support it (the caller writes the plain way), else PO_EIO.
 */
static int publish_exchange(struct po_responder *r, struct job *job, const char *text,
			    struct po_err *err)
{
	struct po_buf spare = PO_BUF_INIT;
	unsigned k;
	int ret, e;

	ret = po_bridge_spares_fill(r->spares, text, strlen(text), r->resp_path.data, &spare, &k,
				    err);
	if (ret)
		goto out;
	if (renameat2(AT_FDCWD, spare.data, AT_FDCWD, r->claim.data, RENAME_EXCHANGE) < 0) {
		/* Not on this file system (EINVAL), or not in this kernel. */
		unlink(spare.data);
		r->exchange = false;
		goto out;
	}
	if (rename(r->claim.data, r->resp_path.data) < 0) {
		e = errno;
		/* The request back under its claim, for give_back(). */
		renameat2(AT_FDCWD, spare.data, AT_FDCWD, r->claim.data, RENAME_EXCHANGE);
		unlink(spare.data);
		if (e == EXDEV) { /* llm_responses/ on another file system */
			r->exchange = false;
			goto out;
		}
		ret = po_error(err, PO_EIO, "cannot write '%s': %s", r->resp_path.data, strerror(e));
		goto out;
	}
	po_bridge_spares_keep(r->spares, k, &job->st);
	ret = 1;
out:
	po_buf_release(&spare);
	return ret;
}

/*
 * Writes the response of a claimed request and removes the claim; a claim
 * that is not a regular file (a folder, FIFO, symbolic link) is set aside
 * as .rejected. PO_EIO when the response cannot be written (the request is
 * given back).
 */
static int publish(struct po_responder *r, struct job *job, struct po_err *err)
{
	const char *text;
	int ret = 0;

	po_bridge_response_text(&r->text, job->id, job->br.run_id, &job->resp);
	text = r->text.data;
	set_response_path(r, job->name);
	set_claim_path(r, job->name);
	if (job->regular && r->exchange)
		ret = publish_exchange(r, job, text, err);
	if (!ret) {
		/* The plain way: the response, then the claim removed. A crash in
		 * between leaves both; the takeover sees the response. */
		ret = po_bridge_spares_write(r->spares, r->resp_path.data, text, strlen(text), err);
		if (!ret && !job->regular) {
			po_buf_reset(&r->path);
			po_buf_addf(&r->path, "%s/%s.rejected", r->req_dir, job->name);
			rename(r->claim.data, r->path.data);
		} else if (!ret) {
			po_bridge_spares_take(r->spares, r->claim.data, &job->st);
		}
	}
	if (ret < 0) {
		give_back(r, job);
		return ret;
	}
	return 0;
}

static void report(struct po_responder *r, const struct job *job)
{
	/* Only a kind promptopt sends: a request file may hold any text there. */
	const char *kind = job->valid ? po_json_str(job->br.req.metadata, "kind", NULL) : NULL;
	struct po_responder_event ev = {
		.file = job->name, .request_id = job->id, .run_id = job->br.run_id,
		.role = job->valid ? po_role_name(job->br.req.role) : NULL,
		.role_detected = job->valid && !job->br.has_role, .reclaimed = job->dead != NULL,
		.kind = kind && !strcmp(kind, "pairwise") ? kind : NULL,
		.error = job->resp.error, .ms = po_time_mono_ms() - job->t0,
	};

	r->st.answered++;
	if (job->resp.error)
		r->st.errors++;
	if (job->dead)
		r->st.reclaimed++;
	if (r->o.on_answer)
		r->o.on_answer(&ev, r->o.userdata);
}

/* Answers the queued requests, oldest first, in batches: one at a time
 * with the simulator, `concurrency` at a time with a provider. */
static int process(struct po_responder *r, struct po_err *err)
{
	size_t step = r->prov ? (size_t)r->o.concurrency : 1, nready;
	struct job **ready = po_xcalloc(step, sizeof(*ready));
	int ret = 0;

	if (r->njobs > 1)
		qsort(r->jobs, r->njobs, sizeof(*r->jobs), cmp_job);
	for (size_t at = 0; at < r->njobs && !ret; at += step) {
		size_t end = at + step < r->njobs ? at + step : r->njobs;

		if (r->o.stop && *r->o.stop)
			break;
		nready = 0;
		for (size_t i = at; i < end; i++)
			if (claim(r, &r->jobs[i]))
				ready[nready++] = &r->jobs[i];
		ret = answer_all(r, ready, nready, err);
		if (ret) {
			/* Given back for a responder that can answer them. */
			for (size_t i = 0; i < nready; i++)
				give_back(r, ready[i]);
			if (ret == PO_EINTR) /* stopping, not failing */
				ret = 0;
			break;
		}
		for (size_t i = 0; i < nready; i++) {
			if (ret) {
				give_back(r, ready[i]);
				continue;
			}
			ret = publish(r, ready[i], err);
			if (!ret)
				report(r, ready[i]);
		}
	}
	free(ready);
	clear_jobs(r);
	return ret;
}

/* Every request in the folder, then the claims of dead responders. */
static int full_scan(struct po_responder *r, struct po_err *err)
{
	DIR *d = opendir(r->req_dir);
	struct dirent *de;

	r->deferred = false;
	if (!d)
		return po_error(err, PO_EIO, "cannot read '%s': %s", r->req_dir, strerror(errno));
	while ((de = readdir(d)))
		classify(r, de->d_name, true);
	closedir(d);
	return process(r, err);
}

static int read_events(struct po_responder *r, bool *rescan, struct po_err *err)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t k = read(r->ino, buf, sizeof(buf));
		if (k <= 0)
			break;
		for (char *p = buf; p < buf + k;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				*rescan = true;
			else if (ev->len)
				classify(r, ev->name, false);
			p += sizeof(*ev) + ev->len;
		}
		/* Not full: the queue was empty. Later events wake poll() again. */
		if ((size_t)k < sizeof(buf) - sizeof(struct inotify_event) - NAME_MAX - 1)
			break;
	}
	return process(r, err);
}

static void sleep_ms(double ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)((long long)ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int po_responder_once(struct po_responder *r, struct po_err *err)
{
	double t0 = po_time_mono_ms();
	int ret = full_scan(r, err);

	/* Files still being written get their settling time, then an answer. */
	while (!ret && r->deferred && po_time_mono_ms() - t0 < PO_BRIDGE_SETTLE_S * 1000 + 200) {
		if (r->o.stop && *r->o.stop)
			break;
		sleep_ms(50);
		ret = full_scan(r, err);
	}
	return ret;
}

int po_responder_serve(struct po_responder *r, struct po_err *err)
{
	double interval_ms = r->o.interval * 1000.0, last_scan;
	int ret;

	if (r->ino < 0)
		note(r, "inotify is not available (%s): polling %s/ every %g s (--interval)",
		     strerror(r->ino_errno), r->req_dir, r->o.interval);
	ret = full_scan(r, err);
	last_scan = po_time_mono_ms();
	while (!ret && !(r->o.stop && *r->o.stop)) {
		double wait_ms = interval_ms - (po_time_mono_ms() - last_scan);
		bool rescan = false;

		if (r->deferred && wait_ms > 50)
			wait_ms = 50;
		if (wait_ms < 0)
			wait_ms = 0;
		if (r->o.on_idle)
			r->o.on_idle(r->o.userdata);
		if (r->ino >= 0) {
			struct pollfd pfd = { .fd = r->ino, .events = POLLIN };
			int k = poll(&pfd, 1, (int)(wait_ms + 0.999));
			if (k > 0)
				ret = read_events(r, &rescan, err);
			else if (k == 0)
				rescan = true;
		} else {
			sleep_ms(wait_ms);
			rescan = true;
		}
		/* The polling fallback, and the takeover of dead responders' claims. */
		if (!ret && (rescan || po_time_mono_ms() - last_scan >= interval_ms)) {
			ret = full_scan(r, err);
			last_scan = po_time_mono_ms();
		}
	}
	return ret;
}
