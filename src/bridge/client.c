/*
 * The client side of the file bridge, the `bridge` provider: a whole batch
 * of requests is written at once under <dir>/llm_requests/, then the client
 * waits for all responses in <dir>/llm_responses/, woken by inotify
 * (polling as the fallback).
 */
#include "bridge/bridge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
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

#include "bridge/spares.h"
#include "llm/providers/provider.h"
#include "sim/sim.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/timeutil.h"

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

/* The largest id in dir up to PO_BRIDGE_ID_MAX (a file above it is a stale
 * leftover no client allocates again); on the way, deletes the spares of
 * processes that died (a client killed mid-run leaves a few). */
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
		if (po_bridge_any_id(de->d_name, &id) && id > max && id <= PO_BRIDGE_ID_MAX) {
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
 * share an id with this run. A counter past PO_BRIDGE_ID_MAX (edited, or
 * left by an older version) is stale: the ids restart above the folders'.
 */
static int alloc_ids(struct bridge *b, size_t n, uint64_t *base, struct po_err *err)
{
	char txt[32];
	uint64_t next = 0, m;
	ssize_t k;
	int len, ret = 0;

	while (flock(b->counter_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return po_error(err, PO_EIO, "cannot lock '%s/next_request_id': %s", b->dir,
					strerror(errno));
	k = pread(b->counter_fd, txt, sizeof(txt) - 1, 0);
	if (k > 0) {
		const char *p = txt;
		txt[k] = '\0';
		if (!po_bridge_parse_digits(&p, &next))
			next = 0;
	}
	if (next > PO_BRIDGE_ID_MAX - n) {
		next = 0;
		b->scanned = false;
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
	if (next > PO_BRIDGE_ID_MAX - n) {
		ret = po_error(err, PO_EIO,
			       "no request id left in '%s' (files up to id %" PRIu64 " are there); remove the old files in %s/ and %s/",
			       b->dir, next - 1, PO_BRIDGE_REQUESTS, PO_BRIDGE_RESPONSES);
		goto out_unlock;
	}
	*base = next;
	len = snprintf(txt, sizeof(txt), "%" PRIu64 "\n", next + n);
	if (pwrite(b->counter_fd, txt, (size_t)len, 0) != len ||
	    ftruncate(b->counter_fd, len) < 0)
		ret = po_error(err, PO_EIO, "cannot write '%s/next_request_id': %s", b->dir,
			       strerror(errno));
out_unlock:
	flock(b->counter_fd, LOCK_UN);
	return ret;
}

struct wait {
	struct bridge *b;
	const struct po_provider *p;   /* told of each call done */
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
	po_provider_call_done(w->p);
}

/* A request still there once its response is: answered by hand without
 * claiming it (a responder renames it away). Removed, or a later responder
 * would answer it again. */
static void drop_request(struct wait *w, uint64_t id)
{
	struct po_buf rq = PO_BUF_INIT;

	po_bridge_path(&rq, w->b->dir, PO_BRIDGE_REQUESTS, "request", id, NULL);
	unlink(rq.data);
	po_buf_release(&rq);
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
	po_provider_call_done(w->p);
	po_bridge_spares_take(b->spares, w->path.data, &f.st);
	drop_request(w, id);
	return;
set_aside:
	{
		/* Kept for a look, out of the way of a correct answer. */
		struct po_buf aside = PO_BUF_INIT;
		po_bridge_path(&aside, b->dir, PO_BRIDGE_RESPONSES, "response", id, ".rejected");
		rename(w->path.data, aside.data);
		po_buf_release(&aside);
	}
	drop_request(w, id);
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
	struct wait w = { .b = b, .p = p, .reqs = reqs, .out = out, .n = n, .left = n,
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
					       .noise = spec->noise,
					       .verbosity_bias = spec->verbosity_bias,
					       .catalogue = b->catalogue };
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
		cfg.verbosity_bias = spec->verbosity_bias;
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
