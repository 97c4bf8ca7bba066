/*
 * A metric in any language: the "command" check runs a program (say
 * ["python3", "metric.py"]) and keeps it running; each case is one JSON
 * line to its stdin and one JSON line back, {"score": 0..1, "feedback":
 * "..."}. The scorer itself is po_scorer_command (eval/scorer.h); this is
 * the part of its contract that is tested on its own: the request line and
 * the reply parser.
 *
 * Ownership: returned strings are new; the caller frees them.
 */
#ifndef PO_COMMAND_H
#define PO_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/checks.h"
#include "eval/evaluate.h"

/* Longest reply line read from a metric, in bytes. */
#define PO_COMMAND_MAX_LINE (1u << 20)

struct po_command_reply {
	double score;     /* 0-1 as the metric said it */
	bool has_pass;    /* the metric said "pass" */
	bool pass;
	char *feedback;   /* "feedback" (or "reason"), or NULL */
	char *error;      /* the metric could not score the case: its "error", or NULL */
};

/*
 * Parses one reply line (len bytes, no newline needed). Returns 0 and fills
 * *out, or -1 with why (a new string, quoting the start of the line) in
 * *why. A reply with "error" is a parse success with out->error set.
 */
int po_command_reply_parse(const char *line, size_t len, struct po_command_reply *out,
			   char **why);
void po_command_reply_release(struct po_command_reply *r);

struct po_buf;
/* Appends len bytes of s for a message: one line, quotes and backslashes
 * escaped, newlines as " | ", control bytes and broken UTF-8 as \xNN. */
void po_command_add_printable(struct po_buf *b, const char *s, size_t len);

/* The request line for one case, newline-terminated (new string):
 * {"id", "name", "inputs", "expected", "metadata", "output", "value"}. */
char *po_command_request(const struct po_check *c, const struct po_case_result *item);

#endif
