/*
 * `make bench` (HTTP part): batches of calls through the anthropic provider
 * to the mock server (tests/mock/mock_llm.py) answering after a fixed
 * latency, at several concurrencies. Prints wall time against the ideal
 * (calls x latency / concurrency), the floor no client can beat (whole
 * rounds: ceil(calls / concurrency) x latency), CPU time per call and peak
 * memory. Targets (issue 4): within 10 % of ideal at 64 and 256, < 1 ms CPU
 * per call, < 50 MB.
 *
 * usage: bench_http [CALLS [LATENCY_MS [CONCURRENCY...]]]
 * (default 1000 calls, 200 ms, concurrency 1 16 64 256; at concurrency 1 only
 * min(CALLS, 25) calls are made, since 1000 x 200 ms would take 200 s).
 * Each concurrency starts with a new provider: its first calls open their
 * connections inside the timing. BENCH_WARM=1 opens them with an untimed
 * batch first.
 * Then the evaluation part (issue 15): po_evaluate() of BENCH_EVAL_CASES test
 * cases (default 512, so 1,024 calls fill whole rounds at every concurrency
 * and the ideal is reachable) through the engine, generate then judge,
 * pipelined (each judge call starts when its generate call returns) and in
 * two phases (every generate first), at concurrency 16, 64 and 256, plus the
 * issue's example: 100 cases at concurrency 16. Target: pipelined within 3 %
 * of the ideal (2 x cases x latency / concurrency). As in a run, where one
 * provider serves every step, an untimed evaluation first opens the
 * connections (BENCH_COLD=1: not).
 * The mock runs its asyncio transport, one process per core; BENCH_MOCK=threads
 * runs its thread-per-connection transport (8 processes) instead, whose CPU
 * time is what limited concurrency 256 on a 2-core machine (docs/providers.md).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/project.h"
#include "eval/evaluate.h"
#include "llm/llm.h"
#include "llm/provider.h"
#include "util/buf.h"
#include "bench_mock.h"
#include "util/timeutil.h"

#define SERIAL_CALLS 25

static double cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* The provider with its complete_chain hidden: the two-phase evaluation. */
static struct po_provider_ops plain_ops;
static struct po_provider *plain_inner;

static int plain_complete(struct po_provider *p, const struct po_llm_request *reqs,
			  struct po_llm_response *out, size_t n, struct po_err *err)
{
	(void)p;
	return plain_inner->ops->complete(plain_inner, reqs, out, n, err);
}

static void plain_free(struct po_provider *p)
{
	plain_inner->ops->free(plain_inner);
	free(p);
}

static struct po_project *eval_project(int cases)
{
	static const char prompts[] = "{\"main\": \"Write a press release for {input}.\"}";
	struct po_buf tc = PO_BUF_INIT;
	struct po_project *p = NULL;
	struct po_err err = { 0 };

	po_buf_adds(&tc, "{\"test_cases\": [");
	for (int i = 0; i < cases; i++)
		po_buf_addf(&tc, "%s{\"id\": \"c%d\", \"inputs\": {\"input\": \"product %d\"}}",
			    i ? "," : "", i, i);
	po_buf_adds(&tc, "]}");
	if (po_project_parse(&p, "bench", "bench", tc.data, tc.len, prompts, strlen(prompts), "{}",
			     2, NULL, &err) < 0)
		fprintf(stderr, "bench_http: %s\n", err.msg);
	po_buf_release(&tc);
	return p;
}

/* A run evaluates many times with one provider: its connections are open
 * after the first step. An untimed evaluation of `conc` cases (another
 * sample, so nothing repeats) opens them. */
static void warm_up(struct po_engine *e, const struct po_project *proj,
		    const struct po_eval_settings *st, int conc)
{
	size_t n = (size_t)conc < proj->ncases ? (size_t)conc : proj->ncases;
	struct po_caseset set = { calloc(n, sizeof(size_t)), n };
	struct po_eval_job job = { proj->prompts, &set };
	struct po_evaluation ev;
	struct po_err err = { 0 };

	for (size_t i = 0; i < n; i++)
		set.idx[i] = i;
	if (!getenv("BENCH_COLD") && po_evaluate_jobs(e, proj, st, &job, 1, 1, &ev, &err) == 0)
		po_evaluation_release(&ev);
	free(set.idx);
}

/* One evaluation of `cases` cases at a concurrency; wall ms, or -1. */
static double eval_once(const char *base, int cases, int conc, bool pipelined, int *failed)
{
	struct po_project *proj = eval_project(cases);
	struct po_provider_spec spec;
	struct po_engine_config cfg;
	struct po_engine *e = NULL;
	struct po_eval_settings st;
	struct po_evaluation ev;
	struct po_err err = { 0 };
	struct po_provider *p;
	const json_t *prompts;
	double t0, wall = -1;

	if (!proj)
		return -1;
	prompts = proj->prompts;
	po_provider_spec_init(&spec);
	spec.name = "anthropic";
	spec.base_url = base;
	spec.concurrency = conc;
	spec.timeout_s = 60;
	p = po_provider_new(&spec, NULL, &err);
	if (p && !pipelined) {
		plain_inner = p;
		plain_ops = *p->ops;
		plain_ops.complete = plain_complete;
		plain_ops.free = plain_free;
		plain_ops.complete_chain = NULL;
		p = calloc(1, sizeof(*p));
		p->ops = &plain_ops;
	}
	po_engine_config_init(&cfg);
	for (int r = 0; r < PO_ROLE_COUNT; r++)
		cfg.roles[r] = p;
	if (!p || po_engine_new(&e, &cfg, &err) < 0) {
		fprintf(stderr, "bench_http: %s\n", err.msg);
		po_project_free(proj);
		return -1;
	}
	po_eval_settings_init(&st);
	warm_up(e, proj, &st, conc);
	t0 = po_time_mono_ms();
	if (po_evaluate(e, proj, &st, &prompts, 1, 0, &ev, &err) == 0) {
		wall = po_time_mono_ms() - t0;
		*failed += (int)(ev.n - ev.n_ok);
		po_evaluation_release(&ev);
	} else {
		fprintf(stderr, "bench_http: %s\n", err.msg);
	}
	po_engine_free(e);
	po_project_free(proj);
	return wall;
}

/* The evaluation part: pipelined and two-phase, against the ideal. */
static int bench_eval(const char *base, double latency)
{
	static const int conc[] = { 16, 64, 256, 16 };
	int cases = getenv("BENCH_EVAL_CASES") ? (int)strtol(getenv("BENCH_EVAL_CASES"), NULL, 10) :
		    512;
	int failed = 0;

	if (cases < 1)
		cases = 512;
	printf("\nevaluation: generate + judge per case through the engine, %g ms per call\n",
	       latency);
	printf("%6s %6s %6s %10s %10s %10s %9s %9s\n", "conc", "cases", "calls", "ideal ms",
	       "2-phase", "pipelined", "2p ratio", "pl ratio");
	for (size_t k = 0; k < sizeof(conc) / sizeof(conc[0]); k++) {
		/* The last line: the example, 100 cases at 16. */
		int n = k == 3 ? 100 : cases;
		double ideal = 2.0 * n * latency / conc[k];
		double two = eval_once(base, n, conc[k], false, &failed);
		double pl = eval_once(base, n, conc[k], true, &failed);

		if (two < 0 || pl < 0)
			return 1;
		printf("%6d %6d %6d %10.0f %10.0f %10.0f %9.3f %9.3f%s\n", conc[k], n, 2 * n, ideal,
		       two, pl, two / ideal, pl / ideal, failed ? "  FAILED CASES" : "");
		fflush(stdout);
	}
	printf("target: pipelined within 3 %% of the ideal at 16, 64 and 256 (%d cases)\n", cases);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const int default_conc[] = { 1, 16, 64, 256 };
	int calls = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
	double latency = argc > 2 ? strtod(argv[2], NULL) : 200;
	int conc[16], nconc = 0, port = 0, failed = 0, workers;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	const char *server = getenv("BENCH_MOCK") && !strcmp(getenv("BENCH_MOCK"), "threads") ?
			     "threads" : "asyncio";
	char script[PATH_MAX], base[64];
	pid_t mock;

	for (int i = 3; i < argc && nconc < 16; i++)
		conc[nconc++] = (int)strtol(argv[i], NULL, 10);
	if (!nconc)
		for (size_t i = 0; i < sizeof(default_conc) / sizeof(int); i++)
			conc[nconc++] = default_conc[i];
	if (calls < 1 || latency < 0) {
		fprintf(stderr, "usage: bench_http [CALLS [LATENCY_MS [CONCURRENCY...]]]\n");
		return 2;
	}
	if (find_mock(script, sizeof(script)) < 0) {
		fprintf(stderr, "bench_http: cannot find tests/mock/mock_llm.py (set PO_MOCK_LLM)\n");
		return 1;
	}
	/* asyncio: one event loop per core; threads: as many processes as the
	 * tests' mock ever needed to take 256 connections at once. */
	workers = !strcmp(server, "threads") ? 8 : (int)(cores < 1 ? 1 : cores > 8 ? 8 : cores);
	mock = start_mock(script, latency, server, workers, &port);
	if (mock < 0) {
		fprintf(stderr, "bench_http: the mock server did not start\n");
		return 1;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	setenv("ANTHROPIC_API_KEY", KEY, 1);

	printf("HTTP transport: anthropic provider -> mock server (%s, %d process%s), %g ms per call\n",
	       server, workers, workers > 1 ? "es" : "", latency);
	printf("%6s %6s %10s %10s %7s %7s %12s\n", "conc", "calls", "wall ms", "ideal ms", "ratio",
	       "floor", "cpu ms/call");
	for (int k = 0; k < nconc; k++) {
		int n = conc[k] == 1 && calls > SERIAL_CALLS ? SERIAL_CALLS : calls;
		struct po_llm_request *reqs = calloc((size_t)n, sizeof(*reqs));
		struct po_llm_response *out = calloc((size_t)n, sizeof(*out));
		char (*prompts)[64] = calloc((size_t)n, 64);
		struct po_provider_spec spec;
		struct po_provider *p;
		struct po_err err = { 0 };
		double t0, c0, wall, cpu, ideal, floor_ms;
		int bad = 0;

		po_provider_spec_init(&spec);
		spec.name = "anthropic";
		spec.base_url = base;
		spec.concurrency = conc[k];
		spec.timeout_s = 60;
		p = po_provider_new(&spec, NULL, &err);
		if (!p) {
			fprintf(stderr, "bench_http: %s\n", err.msg);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			snprintf(prompts[i], 64, "bench call %d", i);
			reqs[i].prompt = prompts[i];
			reqs[i].max_tokens = 256;
		}
		if (getenv("BENCH_WARM")) {
			p->ops->complete(p, reqs, out, (size_t)(conc[k] < n ? conc[k] : n), &err);
			for (int i = 0; i < n; i++)
				po_llm_response_release(&out[i]);
		}
		t0 = po_time_mono_ms();
		c0 = cpu_ms();
		if (p->ops->complete(p, reqs, out, (size_t)n, &err) < 0) {
			fprintf(stderr, "bench_http: %s\n", err.msg);
			bad = n;
		}
		wall = po_time_mono_ms() - t0;
		cpu = cpu_ms() - c0;
		for (int i = 0; i < n; i++) {
			bad += !out[i].content;
			po_llm_response_release(&out[i]);
		}
		ideal = (double)n * latency / conc[k];
		/* Some slot makes ceil(n / conc) calls one after another. */
		floor_ms = (double)((n + conc[k] - 1) / conc[k]) * latency;
		printf("%6d %6d %10.0f %10.0f %7.3f %7.3f %12.3f%s\n", conc[k], n, wall, ideal,
		       ideal > 0 ? wall / ideal : 0, ideal > 0 ? floor_ms / ideal : 0, cpu / n,
		       bad ? "  FAILED CALLS" : "");
		fflush(stdout);
		failed += bad;
		p->ops->free(p);
		free(reqs);
		free(out);
		free(prompts);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	for (int k = 0; k < nconc; k++)
		if (conc[k] == 1 && calls > SERIAL_CALLS)
			printf("concurrency 1: %d calls, not %d (%d x %g ms would take %.0f s); "
			       "the ratio is what compares\n", SERIAL_CALLS, calls, calls, latency,
			       calls * latency / 1000);
	printf("peak memory: %.1f MB\n", (double)ru.ru_maxrss / 1024);
	if (!getenv("BENCH_NO_EVAL"))
		failed += bench_eval(base, latency);
	kill(mock, SIGTERM);
	waitpid(mock, NULL, 0);
	/* The mock shares the machine's cores with the client: its CPU time is
	 * what limits the highest concurrencies on a small machine. */
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("mock server CPU: %.2f s (%ld cores online)\n",
	       (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6, cores);
	return failed ? 1 : 0;
}
