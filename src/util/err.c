/*
 * Error buffers and status names (see promptopt.h for the status codes).
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int po_error(struct po_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void po_error_prefix(struct po_err *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is acceptable for a message; keep the newest context first. */
	size_t n = strlen(prefix);
	if (n > sizeof(err->msg) - 3)
		n = sizeof(err->msg) - 3;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, ": ", 2);
	size_t rest = sizeof(err->msg) - n - 3;
	size_t olen = strnlen(old, rest);
	memcpy(err->msg + n + 2, old, olen);
	err->msg[n + 2 + olen] = '\0';
}

const char *po_strstatus(int status)
{
	switch (status) {
	case PO_OK: return "success";
	case PO_EUSAGE: return "usage error";
	case PO_ENAME: return "invalid project name";
	case PO_ESYNTAX: return "invalid JSON";
	case PO_EINPUT: return "invalid input";
	case PO_ETEMPLATE: return "template error";
	case PO_EIO: return "input/output error";
	case PO_ELLM: return "LLM provider error";
	case PO_EEVAL: return "evaluation failed";
	case PO_ENOTFOUND: return "not found";
	case PO_EINTR: return "interrupted";
	case PO_EBUDGET: return "budget reached";
	case PO_EBUSY: return "results folder in use";
	default: return "failure";
	}
}

size_t po_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev[33], cur[33];

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(prev));
	}
	return prev[lb];
}
