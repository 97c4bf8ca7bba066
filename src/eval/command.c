/*
 * The command metric (see command.h): a pool of worker processes per
 * check, kept running between evaluations, each fed one case at a time by
 * its own thread. A timeout, a crash or a bad reply fails that case with a
 * message and the run goes on; a dead worker is started again for the next
 * case, until it has died too often in a row.
 */
#include "eval/command.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eval/rules.h"
#include "eval/scorer.h"
#include "util/buf.h"
#include "util/mem.h"

/* Deaths in a row (crashes, timeouts, failed starts) before a pool gives up. */
#define MAX_DEATHS 5
/* Bytes of a worker's stderr kept for messages. */
#define ERR_TAIL 400

struct worker {
	pid_t pid;          /* 0: not running */
	int in, out, errfd; /* our ends of its stdin, stdout, stderr */
	char *rbuf;         /* stdout bytes read and not yet used */
	size_t rlen, rcap;
	char tail[ERR_TAIL + 1]; /* the end of its stderr */
	size_t tlen;
};

struct pool {
	struct worker *w;
	int n;
	int deaths;         /* in a row, under the job's lock */
	char *last_death;
};

/* One scoring call: the items and the next one to take. */
struct job {
	const struct po_check *c;
	const char *dir;
	struct pool *pool;
	struct po_case_result *const *items;
	size_t n, next;
	pthread_mutex_t lock;
};

extern char **environ;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static ssize_t read_stderr(struct worker *w);

/* How a worker ended, from its wait status. */
static void describe_status(struct po_buf *b, int status)
{
	if (WIFEXITED(status))
		po_buf_addf(b, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		po_buf_addf(b, "was killed by signal %d", WTERMSIG(status));
	else
		po_buf_adds(b, "stopped");
}

/* Stops a worker: closes its stdin, gives it `grace` seconds, then kills
 * it; its end is described in b (when not NULL). */
static void worker_stop(struct worker *w, double grace, struct po_buf *b)
{
	int status = 0;
	pid_t got = 0;
	double until = now_s() + grace;

	close_fd(&w->in);
	if (w->pid > 0) {
		while ((got = waitpid(w->pid, &status, WNOHANG)) == 0 && now_s() < until)
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		if (got == 0) {
			kill(w->pid, SIGKILL);
			got = waitpid(w->pid, &status, 0);
		}
		if (b && got > 0)
			describe_status(b, status);
	}
	while (w->errfd >= 0 && read_stderr(w) > 0)
		;
	close_fd(&w->out);
	close_fd(&w->errfd);
	w->pid = 0;
	w->rlen = 0;
}

static void set_child_fds(posix_spawn_file_actions_t *fa, const int *in, const int *out,
			  const int *er, const char *dir)
{
	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_adddup2(fa, in[0], 0);
	posix_spawn_file_actions_adddup2(fa, out[1], 1);
	posix_spawn_file_actions_adddup2(fa, er[1], 2);
	if (dir)
		posix_spawn_file_actions_addchdir_np(fa, dir);
}

/* Starts the program in dir with pipes on its stdin, stdout and stderr;
 * -1 with why (new string) when it cannot start. */
static int worker_start(struct worker *w, char *const *argv, const char *dir, char **why)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 }, rc = 0;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dflt;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(er, O_CLOEXEC))
		rc = errno;
	if (!rc) {
		set_child_fds(&fa, in, out, er, dir);
		posix_spawnattr_init(&at);
		sigemptyset(&none);
		sigemptyset(&dflt);
		sigaddset(&dflt, SIGPIPE);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawnattr_setsigdefault(&at, &dflt);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
		rc = posix_spawnp(&w->pid, argv[0], &fa, &at, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&at);
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&er[1]);
	if (rc) {
		struct po_buf b = PO_BUF_INIT;

		po_buf_addf(&b, "cannot start \"%s\"%s%s: %s", argv[0], dir ? " in " : "",
			    dir ? dir : "", strerror(rc));
		*why = po_buf_detach(&b);
		close_fd(&in[1]);
		close_fd(&out[0]);
		close_fd(&er[0]);
		w->pid = 0;
		return -1;
	}
	w->in = in[1];
	w->out = out[0];
	w->errfd = er[0];
	fcntl(w->in, F_SETFL, O_NONBLOCK);
	fcntl(w->out, F_SETFL, O_NONBLOCK);
	fcntl(w->errfd, F_SETFL, O_NONBLOCK);
	w->tlen = 0;
	w->rlen = 0;
	return 0;
}

/* Keeps the last ERR_TAIL bytes the worker wrote to stderr; returns what
 * read() did (0: it closed, and so is errfd now). */
static ssize_t read_stderr(struct worker *w)
{
	char chunk[512];
	ssize_t k = read(w->errfd, chunk, sizeof(chunk));

	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		close_fd(&w->errfd);
		return 0;
	}
	for (ssize_t i = 0; i < k; i++) {
		if (w->tlen == ERR_TAIL) {
			memmove(w->tail, w->tail + 1, ERR_TAIL - 1);
			w->tlen--;
		}
		w->tail[w->tlen++] = chunk[i];
	}
	w->tail[w->tlen] = '\0';
	return k;
}

/* Reads stdout; 1 when it ended, -1 on a line past the cap, else 0. */
static int read_stdout(struct worker *w)
{
	char chunk[4096];
	ssize_t k = read(w->out, chunk, sizeof(chunk));

	if (k < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : 1;
	if (k == 0)
		return 1;
	if (w->rlen + (size_t)k > PO_COMMAND_MAX_LINE)
		return -1;
	if (w->rlen + (size_t)k + 1 > w->rcap) {
		w->rcap = (w->rlen + (size_t)k + 1) * 2;
		w->rbuf = po_xrealloc(w->rbuf, w->rcap);
	}
	memcpy(w->rbuf + w->rlen, chunk, (size_t)k);
	w->rlen += (size_t)k;
	return 0;
}

/* A pending SIGPIPE from a write to a dead worker, consumed (this thread blocks it). */
static void drain_sigpipe(void)
{
	sigset_t set;
	struct timespec zero = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
}

enum io_end { IO_LINE, IO_TIMEOUT, IO_EOF, IO_TOO_LONG };

/* Writes the request and waits for a reply line until the deadline; on
 * IO_LINE the line is rbuf[0..*len) (newline at *len). */
static enum io_end exchange(struct worker *w, const char *req, double deadline, size_t *len)
{
	size_t sent = 0, reqlen = strlen(req);

	for (;;) {
		struct pollfd p[3] = { { w->out, POLLIN, 0 }, { w->errfd, POLLIN, 0 },
				       { sent < reqlen ? w->in : -1, POLLOUT, 0 } };
		char *nl = sent == reqlen && w->rlen ? memchr(w->rbuf, '\n', w->rlen) : NULL;
		double left = deadline - now_s();
		int r;

		if (nl) {
			*len = (size_t)(nl - w->rbuf);
			return IO_LINE;
		}
		if (left <= 0)
			return IO_TIMEOUT;
		r = poll(p, 3, (int)ceil(left * 1000));
		if (r < 0 && errno != EINTR)
			return IO_EOF;
		if (p[1].revents)
			read_stderr(w);
		if (p[2].revents) {
			ssize_t k = write(w->in, req + sent, reqlen - sent);

			if (k > 0)
				sent += (size_t)k;
			else if (k < 0 && errno != EAGAIN && errno != EINTR) {
				drain_sigpipe();
				sent = reqlen; /* it is gone: its stdout's end tells how */
			}
		}
		if (p[0].revents) {
			r = read_stdout(w);
			if (r)
				return r > 0 ? IO_EOF : IO_TOO_LONG;
		}
	}
}

/* The verdict from a parsed reply. */
static void apply_reply(const struct po_check *c, struct po_case_result *item,
			struct po_command_reply *rep)
{
	double score = rep->score * 100;
	bool passed = rep->has_pass ? rep->pass :
		      rep->score >= (isnan(c->threshold) ? 1 : c->threshold);

	if (rep->error) {
		po_rule_error(item, "%s: the metric could not score the case: %s", c->label,
			      rep->error);
		return;
	}
	if (c->negate) {
		score = 100 - score;
		passed = !passed;
	}
	if (rep->feedback)
		po_rule_verdict(item, score, passed, "%s", rep->feedback);
	else
		po_rule_verdict(item, score, passed, passed ? NULL : "%s: score %g", c->label,
				rep->score);
}

/* The end of what a worker wrote to stderr, on one line, into b. */
static void add_stderr(struct po_buf *b, const struct worker *w)
{
	size_t start = w->tlen > 200 ? w->tlen - 200 : 0, end = w->tlen;

	while (end > start && (w->tail[end - 1] == '\n' || w->tail[end - 1] == ' '))
		end--;
	if (end == start)
		return;
	while (start > 0 && start < end && ((unsigned char)w->tail[start] & 0xc0) == 0x80)
		start++; /* not in the middle of a character */
	po_buf_addf(b, "; its stderr ends: \"%s", start ? "..." : "");
	po_command_add_printable(b, w->tail + start, end - start);
	po_buf_adds(b, "\"");
}

/* A worker died (msg says how): counted, and the case fails with msg. */
static void died(struct job *j, struct po_case_result *item, char *msg)
{
	pthread_mutex_lock(&j->lock);
	j->pool->deaths++;
	free(j->pool->last_death);
	j->pool->last_death = po_xstrdup(msg);
	pthread_mutex_unlock(&j->lock);
	po_rule_error(item, "%s: %s", j->c->label, msg);
	free(msg);
}

/* A running worker for the case, started when needed; -1 when it cannot be. */
static int ensure_running(struct job *j, struct worker *w, struct po_case_result *item)
{
	char *why = NULL;
	bool give_up;

	if (w->pid)
		return 0;
	pthread_mutex_lock(&j->lock);
	give_up = j->pool->deaths >= MAX_DEATHS;
	if (give_up)
		po_rule_error(item, "%s: not run: the metric failed %d times in a row (last: %s)",
			      j->c->label, j->pool->deaths, j->pool->last_death);
	pthread_mutex_unlock(&j->lock);
	if (give_up)
		return -1;
	if (worker_start(w, j->c->run, j->dir, &why) < 0) {
		died(j, item, why);
		return -1;
	}
	return 0;
}

/* The reply line rbuf[0..len) for the case; the worker keeps running. */
static void take_line(struct job *j, struct worker *w, struct po_case_result *item, size_t len)
{
	struct po_command_reply rep;
	char *why = NULL;

	if (po_command_reply_parse(w->rbuf, len, &rep, &why) < 0) {
		po_rule_error(item, "%s: %s", j->c->label, why);
		free(why);
	} else {
		apply_reply(j->c, item, &rep);
		po_command_reply_release(&rep);
		pthread_mutex_lock(&j->lock);
		j->pool->deaths = 0;
		pthread_mutex_unlock(&j->lock);
	}
	w->rlen -= len + 1;
	memmove(w->rbuf, w->rbuf + len + 1, w->rlen);
}

static void score_one(struct job *j, struct worker *w, struct po_case_result *item)
{
	struct po_buf b = PO_BUF_INIT;
	enum io_end end;
	size_t len = 0;
	char *req;

	if (ensure_running(j, w, item) < 0)
		return;
	w->rlen = 0; /* lines past the previous reply belong to no case */
	req = po_command_request(j->c, item);
	end = exchange(w, req, now_s() + j->c->timeout_s, &len);
	free(req);
	if (end == IO_LINE) {
		take_line(j, w, item, len);
		return;
	}
	if (end == IO_TIMEOUT) {
		worker_stop(w, 0, NULL);
		po_buf_addf(&b, "timed out after %gs without a reply line (the metric must print one line per case and flush it; raise \"timeout\" for a slow one)",
			    j->c->timeout_s);
	} else if (end == IO_TOO_LONG) {
		worker_stop(w, 0, NULL);
		po_buf_addf(&b, "its reply is longer than %u bytes without a newline",
			    PO_COMMAND_MAX_LINE);
	} else {
		po_buf_adds(&b, "the metric ");
		worker_stop(w, 1, &b);
		po_buf_adds(&b, " before replying");
	}
	add_stderr(&b, w);
	died(j, item, po_buf_detach(&b));
}

struct lane {
	struct job *j;
	struct worker *w;
};

static void *lane_run(void *arg)
{
	struct lane *l = arg;
	sigset_t pipe_set;

	/* a write to a dead worker fails with EPIPE here, not with a signal */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
	for (;;) {
		size_t i;

		pthread_mutex_lock(&l->j->lock);
		i = l->j->next++;
		pthread_mutex_unlock(&l->j->lock);
		if (i >= l->j->n)
			break;
		score_one(l->j, l->w, l->j->items[i]);
	}
	return NULL;
}

static void pool_free(void *data)
{
	struct pool *pool = data;
	double until = now_s() + 2;

	if (!pool)
		return;
	for (int k = 0; k < pool->n; k++)
		close_fd(&pool->w[k].in);
	for (int k = 0; k < pool->n; k++) {
		double left = until - now_s();

		worker_stop(&pool->w[k], left > 0 ? left : 0, NULL);
		free(pool->w[k].rbuf);
	}
	free(pool->w);
	free(pool->last_death);
	free(pool);
}

static struct pool *pool_get(const struct po_check *c)
{
	struct pool *pool = c->state->data;

	if (pool)
		return pool;
	pool = po_xcalloc(1, sizeof(*pool));
	pool->n = c->workers > 0 ? c->workers : 1;
	pool->w = po_xcalloc((size_t)pool->n, sizeof(*pool->w));
	for (int k = 0; k < pool->n; k++)
		pool->w[k].in = pool->w[k].out = pool->w[k].errfd = -1;
	c->state->data = pool;
	c->state->free_data = pool_free;
	return pool;
}

/* Lanes of workers over the items; the caller's thread runs one when no
 * thread can be made. */
static void run_lanes(struct job *j, size_t nl)
{
	pthread_t *t = po_xcalloc(nl, sizeof(*t));
	struct lane *l = po_xcalloc(nl, sizeof(*l));
	size_t made = 0;

	for (size_t k = 0; k < nl; k++) {
		l[k] = (struct lane){ j, &j->pool->w[k] };
		if (pthread_create(&t[k], NULL, lane_run, &l[k]))
			break;
		made++;
	}
	if (!made) {
		sigset_t old;

		pthread_sigmask(SIG_SETMASK, NULL, &old);
		lane_run(&l[0]);
		drain_sigpipe();
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	for (size_t k = 0; k < made; k++)
		pthread_join(t[k], NULL);
	free(t);
	free(l);
}

static int command_score(const struct po_scorer_ctx *ctx, struct po_case_result *const *items,
			 size_t n, struct po_err *err)
{
	const struct po_check *c = ctx->check;
	struct job j = { .c = c, .items = items, .n = n };

	(void)err;
	if (!c || !c->run || !c->state) {
		for (size_t i = 0; i < n; i++)
			po_rule_error(items[i], "a command metric needs a \"command\" check with \"run\"");
		return 0;
	}
	j.dir = ctx->project ? ctx->project->dir : NULL;
	pthread_mutex_init(&j.lock, NULL);
	pthread_mutex_lock(&c->state->lock);
	j.pool = pool_get(c);
	/* one fresh try per evaluation, even after a run of deaths */
	if (j.pool->deaths > MAX_DEATHS - 1)
		j.pool->deaths = MAX_DEATHS - 1;
	if (n)
		run_lanes(&j, n < (size_t)j.pool->n ? n : (size_t)j.pool->n);
	pthread_mutex_unlock(&c->state->lock);
	pthread_mutex_destroy(&j.lock);
	return 0;
}

const struct po_scorer_ops po_scorer_command = {
	.name = "command",
	.summary = "a metric program in any language, one JSON line in and out per case",
	.score = command_score,
	.background = true,
};
