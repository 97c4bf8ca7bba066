/*
 * Rule checks as configured: the project config's "scorers" and a test
 * case's "assert" (promptfoo's name), each {"type": "contains", "value":
 * "ticket", "weight": 1, "required": false, ...}, any type also negated by
 * promptfoo's "not-" prefix ("not-regex"), validated up front with
 * file:line:col messages (unknown types with did-you-mean, a regex that does
 * not compile with PCRE2's message and offset). The rule scorers that run
 * them are eval/rules_*.c; the type names here are theirs (a unit test keeps
 * the two lists equal).
 *
 * Ownership: a struct po_checks owns its checks and what they point to;
 * po_checks_release() frees them.
 */
#ifndef PO_CHECKS_H
#define PO_CHECKS_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/srcpos.h"
#include "promptopt.h"

/*
 * What a scorer keeps running between evaluations for one check (the
 * command metric's worker processes, eval/command.c): created empty with
 * the check, filled by the scorer under `lock`, and released with the check
 * through free_data.
 */
struct po_check_state {
	pthread_mutex_t lock;
	void *data;
	void (*free_data)(void *data);
};

struct po_check {
	char *name;         /* the type as written, e.g. "not-regex" */
	char *type;         /* a rule scorer's name, e.g. "regex" */
	bool negate;        /* written with promptfoo's "not-" prefix: passes when the type fails */
	json_t *value;      /* "value" as written, or NULL when not given */
	char *path;         /* json-path-equals: "$.fields.name"; else NULL */
	double weight;      /* >= 0, default 1 */
	bool required;      /* failing it makes the case score 0 */
	double threshold;   /* NAN when not given */
	long min, max;      /* length: bounds, -1 when not given */
	char *unit;         /* length: "chars" (default), "words" or "lines" */
	char *label;        /* how messages name it: contains "ticket" */
	char **run;         /* command: the program and its arguments, NULL-ended */
	double timeout_s;   /* command: seconds a reply may take, default 30 */
	int workers;        /* command: processes kept running, default 2 */
	struct po_check_state *state; /* command: its workers (see above); else NULL */
};

struct po_checks {
	struct po_check *v;
	size_t n;
};

/*
 * Validates arr (the value at jpath of s: an array of check objects) into
 * *out (appended to what it holds); on failure *out is as it was.
 */
int po_checks_parse(const struct po_src *s, const char *jpath, const json_t *arr,
		    struct po_checks *out, struct po_err *err);
void po_checks_release(struct po_checks *c);

/* True when the check compares with the test case's "expected" (no value of its own). */
bool po_check_needs_expected(const struct po_check *c);

/* The check types, NULL-ended (static), and as "equals, contains, ..." */
const char *const *po_check_types(void);
const char *po_check_type_list(void);

#endif
