/*
 * Starting tests/mock/mock_llm.py from a unit test: a child process on a
 * free 127.0.0.1 port, control calls (queue a misbehaviour, read counters)
 * and a stop that kills only that child. Header-only: each test includes it.
 */
#ifndef PO_TEST_MOCK_SERVER_H
#define PO_TEST_MOCK_SERVER_H

#include <curl/curl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct mock {
	pid_t pid;
	int port;
	char base[64];       /* http://127.0.0.1:PORT */
	char port_file[64];
};

/* The mock script: $PO_MOCK_LLM, else found above the test binary. */
static inline int mock_script(char *out, size_t size)
{
	char exe[PATH_MAX];
	const char *env = getenv("PO_MOCK_LLM");
	ssize_t n;

	if (env) {
		snprintf(out, size, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (char *slash = strrchr(exe, '/'); slash; slash = strrchr(exe, '/')) {
		*slash = '\0';
		if ((size_t)snprintf(out, size, "%.*s/tests/mock/mock_llm.py", (int)(size - 32),
				     exe) < size && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* Starts the mock with extra arguments (NULL-terminated, may be NULL). */
static inline int mock_start(struct mock *m, const char *const *extra)
{
	char script[PATH_MAX];
	const char *argv[32];
	int argc = 0;

	memset(m, 0, sizeof(*m));
	if (mock_script(script, sizeof(script)) < 0)
		return -1;
	snprintf(m->port_file, sizeof(m->port_file), "/tmp/po-mock-%ld-%ld", (long)getpid(),
		 (long)time(NULL) ^ (long)(size_t)m);
	unlink(m->port_file);
	argv[argc++] = "python3";
	argv[argc++] = script;
	argv[argc++] = "--port-file";
	argv[argc++] = m->port_file;
	for (int i = 0; extra && extra[i] && argc < 30; i++)
		argv[argc++] = extra[i];
	argv[argc] = NULL;
	m->pid = fork();
	if (m->pid < 0)
		return -1;
	if (m->pid == 0) {
		FILE *devnull = freopen("/dev/null", "w", stdout);
		(void)devnull;
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {  /* up to 10 s */
		FILE *f = fopen(m->port_file, "r");
		if (f) {
			int ok = fscanf(f, "%d", &m->port) == 1;
			fclose(f);
			if (ok && m->port > 0) {
				snprintf(m->base, sizeof(m->base), "http://127.0.0.1:%d", m->port);
				unlink(m->port_file);
				return 0;
			}
		}
		usleep(20000);
	}
	kill(m->pid, SIGTERM);
	waitpid(m->pid, NULL, 0);
	return -1;
}

static inline void mock_stop(struct mock *m)
{
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
	}
	unlink(m->port_file);
}

static inline size_t mock_sink(char *d, size_t s, size_t n, void *ud)
{
	struct { char *p; size_t len; } *b = ud;
	char *q = realloc(b->p, b->len + s * n + 1);

	if (!q)
		return 0;
	memcpy(q + b->len, d, s * n);
	b->p = q;
	b->len += s * n;
	b->p[b->len] = '\0';
	return s * n;
}

/* A control call; returns the parsed JSON answer (caller decrefs) or NULL. */
static inline json_t *mock_control(struct mock *m, const char *path, const char *post)
{
	struct { char *p; size_t len; } b = { NULL, 0 };
	char url[256];
	CURL *c = curl_easy_init();
	json_t *j = NULL;

	snprintf(url, sizeof(url), "%s%s", m->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mock_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (curl_easy_perform(c) == CURLE_OK && b.p)
		j = json_loads(b.p, 0, NULL);
	curl_easy_cleanup(c);
	free(b.p);
	return j;
}

/* Queues one behaviour for the next API request. */
static inline void mock_queue(struct mock *m, const char *behavior)
{
	json_t *req = json_pack("{s:[s]}", "behaviors", behavior);
	char *s = json_dumps(req, JSON_COMPACT);
	json_decref(mock_control(m, "/_mock/queue", s));
	free(s);
	json_decref(req);
}

static inline void mock_reset(struct mock *m)
{
	json_decref(mock_control(m, "/_mock/reset", "{}"));
}

/* An integer counter of /_mock/stats ("requests", "max_in_flight", ...). */
static inline long mock_stat(struct mock *m, const char *key)
{
	json_t *j = mock_control(m, "/_mock/stats", NULL);
	long v = (long)json_integer_value(json_object_get(j, key));

	json_decref(j);
	return v;
}

#endif
