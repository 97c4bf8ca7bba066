/*
 * Convergence detection (the seed's ConvergenceDetector): counts consecutive
 * iterations without a significant gain, declares convergence after
 * no_improvement_threshold of them, and summarises the plateau the run is on.
 */
#include "promptopt.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opt/accept.h"
#include "util/mem.h"

struct po_conv_point {
	int iteration;
	double score;
	bool significant;
	double gain;            /* points over the previous best, when significant */
};

struct po_convergence {
	struct po_convergence_config cfg;
	struct po_conv_point *pts;
	size_t n, alloc;
	double best;
	int no_improvement;
	int last_improvement_iteration;
	int last_skipped;       /* the last iteration po_convergence_skip saw */
	size_t plateau_start;   /* index of the last significant gain (or first point) */
	bool converged;
	int convergence_iteration;
	size_t convergence_index;
};

void po_convergence_config_init(struct po_convergence_config *cfg)
{
	cfg->no_improvement_threshold = 5;
	cfg->min_improvement_percent = 0.1;
	cfg->enable_early_stop = true;
	cfg->track_plateau_variance = true;
}

struct po_convergence *po_convergence_new(const struct po_convergence_config *cfg)
{
	struct po_convergence *c = po_xcalloc(1, sizeof(*c));

	if (cfg)
		c->cfg = *cfg;
	else
		po_convergence_config_init(&c->cfg);
	/* A threshold below 1 would converge before any evidence; treat it as 1. */
	if (c->cfg.no_improvement_threshold < 1)
		c->cfg.no_improvement_threshold = 1;
	if (!(c->cfg.min_improvement_percent >= 0))
		c->cfg.min_improvement_percent = 0;
	return c;
}

void po_convergence_free(struct po_convergence *c)
{
	if (!c)
		return;
	free(c->pts);
	free(c);
}

/* Significance is acceptance's (opt/accept.h): one definition of "better". */
static bool is_significant(const struct po_convergence *c, double score)
{
	return po_accept_significant(score, c->best, c->cfg.min_improvement_percent);
}

void po_convergence_skip(struct po_convergence *c, int iteration)
{
	if (iteration > c->last_skipped)
		c->last_skipped = iteration;
}

bool po_convergence_update(struct po_convergence *c, int iteration, double score)
{
	struct po_conv_point *p;
	bool sig = false;

	if (c->n == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 32;
		c->pts = po_xrealloc(c->pts, c->alloc * sizeof(*c->pts));
	}
	p = &c->pts[c->n];
	p->iteration = iteration;
	p->score = score;
	p->significant = false;
	p->gain = 0;

	if (c->n == 0) {
		/* The baseline sets the reference; it is not an improvement itself. */
		c->best = score;
		c->last_improvement_iteration = iteration;
		c->plateau_start = 0;
		c->n++;
		return false;
	}

	sig = is_significant(c, score);
	if (sig) {
		p->significant = true;
		p->gain = score - c->best;
		c->best = score;
		c->no_improvement = 0;
		c->last_improvement_iteration = iteration;
		c->plateau_start = c->n;
	} else {
		/* Small gains still move the best, or the reported best would lag. */
		if (score > c->best)
			c->best = score;
		c->no_improvement++;
		if (!c->converged && c->no_improvement >= c->cfg.no_improvement_threshold) {
			c->converged = true;
			c->convergence_iteration = iteration;
			c->convergence_index = c->n;
		}
	}
	c->n++;
	return sig;
}

bool po_convergence_should_stop(const struct po_convergence *c)
{
	return c->converged && c->cfg.enable_early_stop;
}

void po_convergence_get_status(const struct po_convergence *c,
			       struct po_convergence_status *st)
{
	size_t i, len;
	double lo, hi, sum, mean, ss;

	memset(st, 0, sizeof(*st));
	st->converged = c->converged;
	st->convergence_iteration = c->converged ? c->convergence_iteration : 0;
	st->wasted_iterations = c->converged ? (int)(c->n - 1 - c->convergence_index) : 0;
	st->total_iterations = (int)c->n;
	st->no_improvement_count = c->no_improvement;
	st->last_improvement_iteration = c->last_improvement_iteration;
	st->best_score = c->n ? c->best : 0;
	if (!c->n)
		return;

	len = c->n - c->plateau_start;
	st->plateau_length = (int)len;
	if (!c->cfg.track_plateau_variance)
		return;
	lo = hi = c->pts[c->plateau_start].score;
	sum = 0;
	for (i = c->plateau_start; i < c->n; i++) {
		double s = c->pts[i].score;

		if (s < lo)
			lo = s;
		if (s > hi)
			hi = s;
		sum += s;
	}
	mean = sum / (double)len;
	ss = 0;
	for (i = c->plateau_start; i < c->n; i++)
		ss += (c->pts[i].score - mean) * (c->pts[i].score - mean);
	st->plateau_variance = hi - lo;
	st->plateau_average = mean;
	st->plateau_stddev = len > 1 ? sqrt(ss / (double)(len - 1)) : 0;
}

/* Appends one line to buf without overflowing it; truncation keeps a NUL. */
static void add_line(char *buf, size_t size, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add_line(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || !size || *used + 1 >= size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (*used + (size_t)n + 1 < size) {
		*used += (size_t)n;
		buf[(*used)++] = '\n';
		buf[*used] = '\0';
	} else {
		*used = size - 1; /* truncated; vsnprintf left a NUL at the end */
	}
}

/*
 * The seed's three recommendations. Its exact rule for diminishing returns is
 * not known; ours: at least two significant improvements were seen and the
 * latest gain (in score points over the best before it) is less than half the
 * first one. The seed said "could have stopped" even after an early stop; we
 * say what the stop saved then, and keep its words for a run that went on.
 * When nothing applies and the run did not converge, we suggest more
 * iterations, naming how many were run, or --resume for a run that ended
 * before its limit (interrupted, or stopped by a limit).
 */
int po_convergence_recommendations(const struct po_convergence *c, int max_iterations,
				   char *buf, size_t size)
{
	struct po_convergence_status st;
	double first_gain = 0, last_gain = 0;
	size_t i, used = 0;
	int nsig = 0, count = 0, last;

	if (buf && size)
		buf[0] = '\0';
	if (!c->n)
		return 0;
	po_convergence_get_status(c, &st);
	last = c->pts[c->n - 1].iteration;
	if (c->last_skipped > last)
		last = c->last_skipped;

	if (c->converged && last > c->convergence_iteration) {
		add_line(buf, size, &used,
			 "Convergence detected at iteration %d. Could have stopped %d iterations earlier.",
			 c->convergence_iteration, last - c->convergence_iteration);
		count++;
	} else if (c->converged && max_iterations - c->convergence_iteration > 0) {
		add_line(buf, size, &used,
			 "Convergence detected at iteration %d; stopping early saved %d of %d iterations.",
			 c->convergence_iteration, max_iterations - c->convergence_iteration,
			 max_iterations);
		count++;
	}
	if (c->cfg.track_plateau_variance && st.plateau_variance > 5) {
		add_line(buf, size, &used,
			 "High plateau variance (\xc2\xb1%.2f) suggests mutations are too aggressive.",
			 st.plateau_variance);
		count++;
	}
	for (i = 0; i < c->n; i++) {
		if (!c->pts[i].significant)
			continue;
		if (!nsig++)
			first_gain = c->pts[i].gain;
		last_gain = c->pts[i].gain;
	}
	if (nsig >= 2 && last_gain < first_gain / 2) {
		add_line(buf, size, &used,
			 "Diminishing returns: the last improvement (+%.2f points) was less than half the first (+%.2f points); consider stopping earlier or changing the mutation strategy.",
			 last_gain, first_gain);
		count++;
	}
	if (!count && !c->converged && last < max_iterations) {
		add_line(buf, size, &used,
			 "The run ended after %d of %d iterations, before converging; to go on, run it again with --resume.",
			 last, max_iterations);
		count++;
	} else if (!count && !c->converged) {
		add_line(buf, size, &used,
			 "No convergence within %d iterations; consider more iterations.", last);
		count++;
	}
	return count;
}
