/*
 * `make bench`: the file bridge. Round-trip latency per request (median and
 * p99), one request at a time and in batches of 14 (a run's evaluation
 * batch), against a responder serving the folder from another thread; then
 * the wall time of the default 20-iteration `promptopt run` with its
 * managed auto-responder (the binary given as argv[1]), median of 5.
 * Targets (issue 3): under 1 ms median per request; the run under 0.25 s.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench_tmp.h"
#include "llm/provider.h"
#include "bridge/responder.h"
#include "util/timeutil.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct serve {
	const char *dir;
	volatile int stop;
};

static void *serve_thread(void *arg)
{
	struct serve *s = arg;
	struct po_responder_options o;
	struct po_responder *r;
	struct po_err err = { 0 };

	po_responder_options_init(&o);
	o.dir = s->dir;
	o.stop = &s->stop;
	if (po_responder_new(&r, &o, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return NULL;
	}
	po_responder_serve(r, &err);
	po_responder_free(r);
	return NULL;
}

/* n rounds of `batch` requests; per-request latencies (round time / batch). */
static int round_trips(struct po_provider *p, int n, size_t batch, double *lat)
{
	struct po_llm_request reqs[14];
	struct po_llm_response out[14];
	struct po_err err = { 0 };

	for (size_t i = 0; i < batch; i++)
		reqs[i] = (struct po_llm_request){ .role = PO_ROLE_GENERATE,
						   .prompt = "Write a PR-FAQ for a solar kettle.",
						   .max_tokens = 1024, .sample = (unsigned)i };
	for (int k = 0; k < n; k++) {
		double t0 = po_time_mono_ms();

		memset(out, 0, sizeof(out));
		if (p->ops->complete(p, reqs, out, batch, &err) < 0) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return -1;
		}
		lat[k] = (po_time_mono_ms() - t0) / (double)batch;
		for (size_t i = 0; i < batch; i++)
			po_llm_response_release(&out[i]);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
	return 0;
}

static double run_once(const char *po, const char *dir)
{
	double t0 = po_time_mono_ms();
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (chdir(dir) < 0)
			_exit(127);
		dup2(null, 1);
		execl(po, po, "run", "--project", "pr-faq-validator", "--iterations", "20",
		      "--no-report", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return po_time_mono_ms() - t0;
}

int main(int argc, char **argv)
{
	char tmpl[4200];
	const char *root = bench_tmp_enter("bridge", 0);
	enum { N = 2000, NB = 200 };
	static double lat[N];
	struct serve s = { .dir = tmpl };
	struct po_provider_spec spec;
	struct po_err err = { 0 };
	struct po_provider *p;
	double runs[5];
	pthread_t th;
	char *po = argc > 1 ? realpath(argv[1], NULL) : NULL;

	if (root)
		snprintf(tmpl, sizeof(tmpl), "%s/bridge", root);
	if (!root || mkdir(tmpl, 0755) < 0) {
		perror("bench: temp folder");
		return 1;
	}
	po_provider_spec_init(&spec);
	spec.name = "bridge";
	spec.bridge_dir = tmpl;
	spec.run_id = "bench";
	spec.timeout_s = 10;
	p = po_provider_new(&spec, NULL, &err);
	if (!p) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	pthread_create(&th, NULL, serve_thread, &s);
	if (round_trips(p, N, 1, lat) < 0)
		return 1;
	printf("bridge round trip, 1 request at a time (%d): median %.3f ms, p99 %.3f ms per request\n",
	       N, lat[N / 2], lat[N * 99 / 100]);
	if (round_trips(p, NB, 14, lat) < 0)
		return 1;
	printf("bridge round trip, batches of 14 (%d): median %.3f ms, p99 %.3f ms per request\n",
	       NB, lat[NB / 2], lat[NB * 99 / 100]);
	s.stop = 1;
	pthread_join(th, NULL);
	p->ops->free(p);
	po_fs_remove_tree(tmpl);
	if (!po)
		return 0;
	for (int r = 0; r < 5; r++) {
		char dir[4200];

		snprintf(dir, sizeof(dir), "%s/run%d", root, r);
		if (mkdir(dir, 0755) < 0 || (runs[r] = run_once(po, dir)) < 0) {
			fprintf(stderr, "bench: '%s run' failed\n", po);
			return 1;
		}
		po_fs_remove_tree(dir);
	}
	qsort(runs, 5, sizeof(*runs), cmp_double);
	printf("promptopt run --project pr-faq-validator --iterations 20 (bridge + managed auto-responder): "
	       "median %.3f s (min %.3f, max %.3f) of 5\n", runs[2] / 1000, runs[0] / 1000, runs[4] / 1000);
	free(po);
	return 0;
}
