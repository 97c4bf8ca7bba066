/*
 * The responder (see responder.h): claim by rename, answer, write the
 * response atomically, remove the claim. Woken by inotify on llm_requests/;
 * a full scan every poll interval is the fallback and also takes over the
 * claims of responders that died.
 */
#include "llm/responder.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "llm/bridge.h"
#include "llm/provider.h"
#include "llm/sim.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

#define MAX_SIMS 8

struct sim_slot {
	uint64_t seed;
	double noise;
	char *catalogue;
	struct po_sim *sim;
};

struct po_responder {
	struct po_responder_options o;
	char *dir, *req_dir, *resp_dir, *provider_name, *model, *base_url, *catalogue;
	struct po_provider *prov; /* NULL: the simulator, per hint */
	struct sim_slot sims[MAX_SIMS];
	size_t nsims;
	int ino;
	long pid;
	bool deferred;
	struct po_responder_stats st;
	struct po_buf path, claim, text;
};

void po_responder_options_init(struct po_responder_options *o)
{
	memset(o, 0, sizeof(*o));
	o->provider = "sim";
	o->timeout_s = 120;
	o->max_attempts = 5;
	o->seed = 42;
	o->noise = 4;
	o->catalogue = "prfaq";
	o->interval = 0.2;
}

static char *dup_or_null(const char *s)
{
	return s ? po_xstrdup(s) : NULL;
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
	po_buf_init(&r->path);
	po_buf_init(&r->claim);
	po_buf_init(&r->text);
	po_fs_join(&b, r->dir, PO_BRIDGE_REQUESTS);
	r->req_dir = po_buf_detach(&b);
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
	if (strcmp(r->provider_name, "sim")) {
		struct po_provider_spec spec;

		po_provider_spec_init(&spec);
		spec.name = r->provider_name;
		spec.base_url = r->base_url;
		spec.timeout_s = o->timeout_s;
		spec.max_attempts = o->max_attempts;
		spec.interrupt = o->stop;
		spec.seed = o->seed;
		spec.noise = o->noise;
		spec.catalogue = r->catalogue;
		if (!strcmp(r->provider_name, "bridge")) {
			po_error(err, PO_EUSAGE, "a responder cannot forward to the bridge itself; use sim or an API provider");
			goto fail;
		}
		r->prov = po_provider_new(&spec, NULL, err);
		if (!r->prov)
			goto fail;
	}
	/* Watch before the first scan: a request written in between is not missed. */
	r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ino >= 0 && inotify_add_watch(r->ino, r->req_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		close(r->ino);
		r->ino = -1;
	}
	return 0;
fail:
	po_responder_free(r);
	*out = NULL;
	return err ? err->code : PO_EFAIL;
}

void po_responder_free(struct po_responder *r)
{
	if (!r)
		return;
	if (r->ino >= 0)
		close(r->ino);
	if (r->prov)
		r->prov->ops->free(r->prov);
	for (size_t i = 0; i < r->nsims; i++) {
		po_sim_free(r->sims[i].sim);
		free(r->sims[i].catalogue);
	}
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
	free(r);
}

const struct po_responder_stats *po_responder_stats(const struct po_responder *r)
{
	return &r->st;
}

/* The simulator for a request's hint (or the responder's settings). A few
 * are kept: runs with different seeds may share one folder. */
static struct po_sim *get_sim(struct po_responder *r, const struct po_bridge_sim_hint *h,
			      struct po_err *err)
{
	uint64_t seed = h->present ? h->seed : r->o.seed;
	double noise = h->present ? h->noise : r->o.noise;
	const char *cat = h->present && h->catalogue ? h->catalogue : r->catalogue;
	struct po_sim_config cfg;
	struct po_sim *sim;

	for (size_t i = 0; i < r->nsims; i++)
		if (r->sims[i].seed == seed && r->sims[i].noise == noise &&
		    !strcmp(r->sims[i].catalogue, cat))
			return r->sims[i].sim;
	po_sim_config_init(&cfg);
	cfg.seed = seed;
	cfg.noise = noise;
	cfg.catalogue = cat;
	sim = po_sim_new(&cfg, err);
	if (!sim)
		return NULL;
	if (r->nsims == MAX_SIMS) {
		po_sim_free(r->sims[0].sim);
		free(r->sims[0].catalogue);
		memmove(r->sims, r->sims + 1, (MAX_SIMS - 1) * sizeof(r->sims[0]));
		r->nsims--;
	}
	r->sims[r->nsims++] = (struct sim_slot){ seed, noise, po_xstrdup(cat), sim };
	return sim;
}

static void answer(struct po_responder *r, struct po_bridge_request *br,
		   struct po_llm_response *resp, struct po_err *e)
{
	if (!br->has_role)
		br->req.role = po_sim_detect_role(br->req.system, br->req.prompt);
	if (!r->prov) {
		struct po_sim *sim = get_sim(r, &br->sim, e);
		if (!sim) {
			resp->error = po_xstrdup(e->msg);
			return;
		}
		po_sim_answer(sim, &br->req, resp);
		return;
	}
	if (r->model)
		br->req.model = r->model;
	if (r->prov->ops->complete(r->prov, &br->req, resp, 1, e) < 0 && !resp->error)
		resp->error = po_xstrdup(e->msg[0] ? e->msg : "the provider failed");
	if (!resp->model && !resp->error)
		resp->model = po_xstrdup(br->req.model ? br->req.model : r->provider_name);
}

/*
 * Writes the response of a claimed request and removes the claim. A claim
 * that is not a regular file is renamed aside (it may be a folder).
 */
static int publish(struct po_responder *r, uint64_t id, const char *run_id,
		   const struct po_llm_response *resp, bool regular, struct po_err *err)
{
	json_t *j = po_bridge_response_json(id, run_id, resp);
	char *text = po_bridge_dumps(j);
	int ret;

	json_decref(j);
	po_bridge_path(&r->path, r->dir, PO_BRIDGE_RESPONSES, "response", id, NULL);
	ret = po_bridge_write(r->path.data, text, strlen(text), err);
	free(text);
	if (ret) {
		/* Give the request back: another responder may be able to write. */
		po_bridge_path(&r->path, r->dir, PO_BRIDGE_REQUESTS, "request", id, NULL);
		rename(r->claim.data, r->path.data);
		return ret;
	}
	if (!regular || unlink(r->claim.data) < 0) {
		po_bridge_path(&r->path, r->dir, PO_BRIDGE_REQUESTS, "request", id, ".rejected");
		rename(r->claim.data, r->path.data);
	}
	r->st.answered++;
	if (resp->error)
		r->st.errors++;
	return 0;
}

static void set_claim_path(struct po_responder *r, uint64_t id)
{
	char suffix[40];

	snprintf(suffix, sizeof(suffix), ".claimed.%ld", r->pid);
	po_bridge_path(&r->claim, r->dir, PO_BRIDGE_REQUESTS, "request", id, suffix);
}

/*
 * One request. `src` is its file: request_N.json, or the claim of a dead
 * responder (reclaim). Returns 0, or PO_EIO when responses cannot be
 * written (fatal for the responder).
 */
static int handle(struct po_responder *r, uint64_t id, const char *src, bool reclaim,
		  struct po_err *err)
{
	struct po_bridge_request br;
	struct po_llm_response resp = { 0 };
	struct po_err e = { 0 };
	json_error_t je;
	json_t *j = NULL;
	double age = 0, t0 = po_time_mono_ms();
	bool regular = true, valid;
	int rd, ret;
	char fname[64];

	snprintf(fname, sizeof(fname), "request_%04" PRIu64 ".json", id);
	set_claim_path(r, id);
	if (reclaim) {
		if (rename(src, r->claim.data) < 0)
			return 0; /* another responder took it over first */
		rd = po_bridge_read(r->claim.data, &r->text, &age, &e);
	} else {
		rd = po_bridge_read(src, &r->text, &age, &e);
	}
	if (rd == PO_ENOTFOUND)
		return 0; /* claimed by another responder */
	memset(&br, 0, sizeof(br));
	if (rd) {
		regular = rd != PO_EINPUT || !strstr(e.msg, "too large");
		resp.error = po_xstrdup(e.msg);
	} else if (!(j = json_loadb(r->text.data, r->text.len, 0, &je))) {
		if (!reclaim && age < PO_BRIDGE_SETTLE_S) {
			r->deferred = true; /* perhaps still being written */
			return 0;
		}
		po_error(&e, PO_EINPUT, "%s is not valid JSON: %d:%d: %s", fname, je.line,
			 je.column, je.text);
		resp.error = po_xstrdup(e.msg);
	} else if (po_bridge_request_parse(j, &br, &e) < 0) {
		resp.error = po_xstrdup(e.msg);
	} else if (br.has_id && br.request_id != id) {
		po_error(&e, PO_EINPUT, "its request_id %" PRIu64 " does not match its file name %s",
			 br.request_id, fname);
		resp.error = po_xstrdup(e.msg);
	}
	if (!reclaim && rename(src, r->claim.data) < 0) {
		/* Lost the race: another responder claimed it. */
		po_llm_response_release(&resp);
		json_decref(j);
		return 0;
	}
	valid = !resp.error;
	if (valid)
		answer(r, &br, &resp, &e);
	ret = publish(r, id, br.run_id, &resp, regular, err);
	if (!ret && r->o.on_answer) {
		struct po_responder_event ev = {
			.file = fname, .request_id = id, .run_id = br.run_id,
			.role = valid ? po_role_name(br.req.role) : NULL,
			.role_detected = valid && !br.has_role, .reclaimed = reclaim,
			.error = resp.error, .ms = po_time_mono_ms() - t0,
		};
		r->o.on_answer(&ev, r->o.userdata);
	}
	if (reclaim && !ret)
		r->st.reclaimed++;
	po_llm_response_release(&resp);
	json_decref(j);
	return ret;
}

static int handle_new(struct po_responder *r, uint64_t id, struct po_err *err)
{
	struct po_buf src = PO_BUF_INIT;
	int ret;

	po_bridge_path(&src, r->dir, PO_BRIDGE_REQUESTS, "request", id, NULL);
	ret = handle(r, id, src.data, false, err);
	po_buf_release(&src);
	return ret;
}

static bool pid_alive(long pid, long self)
{
	/* Our own pid: another responder of this process (a thread), alive. */
	if (pid == self)
		return true;
	if (pid <= 0)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* "request_N.json.claimed.PID" -> id, pid. */
static bool parse_claim(const char *name, uint64_t *id, long *pid)
{
	const char *p = strstr(name, ".json.claimed.");
	char *end;
	char head[64];
	size_t n;

	if (!p)
		return false;
	n = (size_t)(p - name) + 5;
	if (n >= sizeof(head))
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

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every request in the folder, oldest first; then claims of dead responders. */
static int full_scan(struct po_responder *r, struct po_err *err)
{
	DIR *d = opendir(r->req_dir);
	struct dirent *de;
	uint64_t *ids = NULL, id;
	char **dead = NULL;
	size_t n = 0, cap = 0, nd = 0, capd = 0;
	struct po_buf src = PO_BUF_INIT;
	int ret = 0;
	long pid;

	r->deferred = false;
	if (!d)
		return po_error(err, PO_EIO, "cannot read '%s': %s", r->req_dir, strerror(errno));
	while ((de = readdir(d))) {
		if (po_bridge_parse_name(de->d_name, "request", &id)) {
			if (n == cap)
				ids = po_xrealloc(ids, (cap = cap ? 2 * cap : 64) * sizeof(*ids));
			ids[n++] = id;
		} else if (parse_claim(de->d_name, &id, &pid) && !pid_alive(pid, r->pid)) {
			if (nd == capd)
				dead = po_xrealloc(dead, (capd = capd ? 2 * capd : 8) * sizeof(*dead));
			dead[nd++] = po_xstrdup(de->d_name);
		}
	}
	closedir(d);
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_u64);
	for (size_t i = 0; i < n && !ret; i++) {
		if (r->o.stop && *r->o.stop)
			break;
		ret = handle_new(r, ids[i], err);
	}
	for (size_t i = 0; i < nd; i++) {
		if (!ret && parse_claim(dead[i], &id, &pid)) {
			po_fs_join(&src, r->req_dir, dead[i]);
			ret = handle(r, id, src.data, true, err);
		}
		free(dead[i]);
	}
	free(ids);
	free(dead);
	po_buf_release(&src);
	return ret;
}

static int read_events(struct po_responder *r, bool *rescan, struct po_err *err)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
	int ret = 0;

	for (;;) {
		ssize_t k = read(r->ino, buf, sizeof(buf));
		if (k <= 0)
			return ret;
		for (char *p = buf; p < buf + k && !ret;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			uint64_t id;

			if (ev->mask & IN_Q_OVERFLOW)
				*rescan = true;
			else if (ev->len && po_bridge_parse_name(ev->name, "request", &id))
				ret = handle_new(r, id, err);
			p += sizeof(*ev) + ev->len;
		}
		if (ret)
			return ret;
	}
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
	int ret = full_scan(r, err);

	last_scan = po_time_mono_ms();
	while (!ret && !(r->o.stop && *r->o.stop)) {
		double wait_ms = interval_ms - (po_time_mono_ms() - last_scan);
		bool rescan = false;

		if (r->deferred && wait_ms > 50)
			wait_ms = 50;
		if (wait_ms < 0)
			wait_ms = 0;
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
