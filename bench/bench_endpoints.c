/*
 * `make bench` (several endpoints, issue 15 item 3): 10,000 calls through
 * the anthropic provider to 4 mock servers behind one --base-url list, one
 * of them killed mid-run. Checks that every call is answered, each with its
 * own answer (none lost, none answered twice), and compares the wall time
 * with the ideal for the capacity left: 4 endpoints until the kill, 3 after
 * (calls x latency / in flight). Target: within 15 % of that ideal.
 *
 * usage: bench_endpoints [CALLS [LATENCY_MS [CONCURRENCY_PER_ENDPOINT]]]
 * (default 10000 calls, 100 ms, 16 per endpoint; the kill comes at 40 % of
 * the ideal time of the whole run on 4 endpoints).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "llm/provider.h"
#include "util/buf.h"
#include "util/timeutil.h"
#include "bench_mock.h"

#define NEND 4

static volatile pid_t victim;

/* The timer's signal: the victim dies as a crashed replica would. */
static void on_alarm(int sig)
{
	(void)sig;
	if (victim > 0)
		kill(victim, SIGKILL);
	victim = 0;
}

static int check_answers(struct po_llm_request *reqs, struct po_llm_response *out, int n,
			 long *retried)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "A mock answer to: %s\n", reqs[i].prompt);
		if (!out[i].content || !strstr(out[i].content, want))
			bad++;
		if (out[i].attempts > 1)
			(*retried)++;
		po_llm_response_release(&out[i]);
	}
	return bad;
}

int main(int argc, char **argv)
{
	int calls = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 10000;
	double latency = argc > 2 ? strtod(argv[2], NULL) : 100;
	int conc = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 16;
	char script[PATH_MAX];
	struct po_buf bases = PO_BUF_INIT;
	pid_t mocks[NEND];
	int port, bad;
	long retried = 0;
	struct po_provider_spec spec;
	struct po_provider *p;
	struct po_err err = { 0 };
	struct po_llm_request *reqs;
	struct po_llm_response *out;
	char (*prompts)[32];
	double t0, wall, t_kill, done_before, ideal;
	struct itimerval it = { 0 };

	if (calls < 1 || latency <= 0 || conc < 1 || find_mock(script, sizeof(script)) < 0) {
		fprintf(stderr, "usage: bench_endpoints [CALLS [LATENCY_MS [CONCURRENCY]]] "
			"(and tests/mock/mock_llm.py, or PO_MOCK_LLM)\n");
		return 2;
	}
	for (int i = 0; i < NEND; i++) {
		mocks[i] = start_mock(script, latency, "asyncio", 1, &port);
		if (mocks[i] < 0) {
			fprintf(stderr, "bench_endpoints: a mock server did not start\n");
			return 1;
		}
		po_buf_addf(&bases, "%shttp://127.0.0.1:%d", i ? "," : "", port);
	}
	setenv("ANTHROPIC_API_KEY", KEY, 1);
	po_provider_spec_init(&spec);
	spec.name = "anthropic";
	spec.base_url = bases.data;
	spec.concurrency = conc;
	spec.timeout_s = 60;
	p = po_provider_new(&spec, NULL, &err);
	if (!p) {
		fprintf(stderr, "bench_endpoints: %s\n", err.msg);
		return 1;
	}
	reqs = calloc((size_t)calls, sizeof(*reqs));
	out = calloc((size_t)calls, sizeof(*out));
	prompts = calloc((size_t)calls, 32);
	for (int i = 0; i < calls; i++) {
		snprintf(prompts[i], 32, "bench call %d", i);
		reqs[i].prompt = prompts[i];
		reqs[i].max_tokens = 64;
	}
	/* Connections open first, as in a run: a small untimed batch. */
	p->ops->complete(p, reqs, out, (size_t)(NEND * conc), &err);
	for (int i = 0; i < NEND * conc; i++)
		po_llm_response_release(&out[i]);

	t_kill = 0.4 * calls * latency / (NEND * conc);
	victim = mocks[1];
	signal(SIGALRM, on_alarm);
	it.it_value.tv_sec = (long)(t_kill / 1000);
	it.it_value.tv_usec = (long)((t_kill - 1000.0 * (double)it.it_value.tv_sec) * 1000);
	t0 = po_time_mono_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	if (p->ops->complete(p, reqs, out, (size_t)calls, &err) < 0)
		fprintf(stderr, "bench_endpoints: %s\n", err.msg);
	wall = po_time_mono_ms() - t0;
	bad = check_answers(reqs, out, calls, &retried);
	/* Ideal: 4 x conc in flight until the kill, 3 x conc after it. */
	done_before = t_kill * NEND * conc / latency;
	ideal = done_before >= calls ? calls * latency / (NEND * conc) :
		t_kill + (calls - done_before) * latency / ((NEND - 1) * conc);
	printf("several endpoints: %d calls, %d mock servers at %g ms, %d in flight each; "
	       "one killed at %.0f ms\n", calls, NEND, latency, conc, t_kill);
	printf("  answered: %d of %d, each its own (lost or wrong: %d); calls sent again after "
	       "the kill: %ld\n", calls - bad, calls, bad, retried);
	printf("  wall %.0f ms, ideal for the capacity left %.0f ms: ratio %.3f   (target <= 1.15)\n",
	       wall, ideal, wall / ideal);
	p->ops->free(p);
	for (int i = 0; i < NEND; i++) {
		kill(mocks[i], SIGTERM);
		waitpid(mocks[i], NULL, 0);
	}
	free(reqs);
	free(out);
	free(prompts);
	po_buf_release(&bases);
	return bad ? 1 : 0;
}
