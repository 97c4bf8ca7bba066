/*
 * Starting tests/mock/mock_llm.py from a benchmark: where the script is,
 * and a child process on a free 127.0.0.1 port (bench_http, bench_endpoints).
 * Header-only; the caller kills the child by its pid.
 */
#ifndef PO_BENCH_MOCK_H
#define PO_BENCH_MOCK_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "sk-ant-bench-key"

/* The mock script, next to this source tree: $PO_MOCK_LLM, else found
 * above the benchmark binary. */
static inline int find_mock(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (getenv("PO_MOCK_LLM")) {
		snprintf(out, size, "%s", getenv("PO_MOCK_LLM"));
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (char *s = strrchr(exe, '/'); s; s = strrchr(exe, '/')) {
		*s = '\0';
		if ((size_t)snprintf(out, size, "%.*s/tests/mock/mock_llm.py", (int)(size - 32), exe) <
		    size && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

static inline pid_t start_mock(const char *script, double latency_ms, const char *server,
			int workers, int *port)
{
	char pf[64], lat[32], nw[16];
	pid_t pid;

	snprintf(pf, sizeof(pf), "/tmp/po-bench-mock-%ld", (long)getpid());
	snprintf(lat, sizeof(lat), "%g", latency_ms);
	snprintf(nw, sizeof(nw), "%d", workers);
	unlink(pf);
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execlp("python3", "python3", script, "--port-file", pf, "--latency-ms", lat,
		       "--api-key", KEY, "--server", server, "--workers", nw, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && pid > 0; i++) {
		FILE *f = fopen(pf, "r");
		if (f) {
			int ok = fscanf(f, "%d", port) == 1;
			fclose(f);
			if (ok) {
				unlink(pf);
				return pid;
			}
		}
		usleep(20000);
	}
	return -1;
}

#endif
