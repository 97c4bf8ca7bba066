/*
 * Retry policy and rate-limit state for the HTTP providers: which failures
 * are worth another attempt, how long to wait (exponential backoff with
 * jitter, the server's retry-after), and how fast to start new calls given
 * the rate-limit headers seen so far. Pure functions of their inputs (time
 * and randomness are passed in), so every rule is unit tested.
 */
#ifndef PO_RETRY_H
#define PO_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum po_retry_class {
	PO_RETRY_OK,        /* 2xx: done */
	PO_RETRY_AGAIN,     /* transient: 408, 409, 429, 5xx, 529, transport errors */
	PO_RETRY_FINAL,     /* this call failed for good: 400, 404, 413, 422, ... */
	PO_RETRY_FATAL,     /* every call will fail the same way: 401, 403, quota, spend limit */
};

/*
 * Classifies an HTTP answer. status 0 means no HTTP answer (a transport
 * error: refused, reset, timed out), which is transient. The body (may be
 * NULL) is only searched for quota and billing errors, which arrive as 429
 * or 400 but must not be retried.
 */
enum po_retry_class po_retry_classify(long status, const char *body, size_t len);

/* True when the body reports an exhausted quota, credit or spend limit. */
bool po_retry_is_quota_error(const char *body, size_t len);

/*
 * Delay before attempt number `attempt` + 1 (attempt counts the attempts made,
 * from 1): base * 2^(attempt-1), capped at cap, with "equal jitter" (half
 * fixed, half drawn from r01 in [0, 1)), so retries of a batch spread out.
 */
double po_retry_backoff_ms(int attempt, double base_ms, double cap_ms, double r01);

/*
 * The server's requested delay in milliseconds from a `retry-after-ms`
 * value (milliseconds) or a `retry-after` value (seconds, or an HTTP date
 * compared with now_unix); either may be NULL. Returns -1 when neither is
 * usable. retry-after-ms wins when both are present.
 */
double po_retry_after_ms(const char *retry_after, const char *retry_after_ms, int64_t now_unix);

/*
 * The wait before the next attempt: the backoff, or the server's delay when
 * it asks for longer, never above limit_ms (a server asking for an hour gets
 * limit_ms; the caller decides whether that is worth it).
 */
double po_retry_delay_ms(double backoff_ms, double server_ms, double limit_ms);

/* Parsers exposed for the tests and the fuzz targets; -1 when not parsable. */
int64_t po_retry_parse_http_date(const char *s);     /* IMF-fixdate -> unix seconds */
int64_t po_retry_parse_rfc3339(const char *s);       /* 2024-05-01T10:00:00Z -> unix */
double po_retry_parse_duration_ms(const char *s);    /* "1s", "6m0s", "20ms", "0.5" -> ms */

/*
 * Rate-limit state fed by the headers of every answer (anthropic-ratelimit-*,
 * x-ratelimit-*). It keeps, for requests and tokens, the smallest "remaining"
 * reported and when it resets, and a pause set by a 429's retry-after. The
 * transport asks it when the next call may start: immediately while there is
 * room, spread out over the time to the reset when little is left, not at all
 * (until the reset) when nothing is left.
 */
struct po_ratelimit_window {
	long limit;          /* -1 unknown */
	long remaining;      /* -1 unknown */
	double reset_ms;     /* monotonic time of the reset; 0 unknown */
};

enum po_ratelimit_kind {
	PO_RL_REQUESTS, PO_RL_TOKENS, PO_RL_INPUT_TOKENS, PO_RL_OUTPUT_TOKENS, PO_RL_KINDS
};

/* Tokens a call is assumed to use when pacing on a token window (the
 * transport does not read usage). */
#define PO_RATELIMIT_TOKENS_PER_CALL 2000

/* Below this fraction of the limit, calls are spread over the time left. */
#define PO_RATELIMIT_LOW_FRACTION 0.1

struct po_ratelimit {
	struct po_ratelimit_window w[PO_RL_KINDS];
	double paused_until_ms;  /* monotonic; 0 none */
	double last_start_ms;    /* -1 none yet */
};

void po_ratelimit_init(struct po_ratelimit *rl);

/*
 * Feeds one response header (name case-insensitive, value without CRLF).
 * now_ms is the monotonic clock, now_unix the wall clock (for the absolute
 * reset times Anthropic sends). Returns true when the header was a
 * rate-limit header.
 */
bool po_ratelimit_header(struct po_ratelimit *rl, const char *name, const char *value,
			 double now_ms, int64_t now_unix);

/* Pauses every new call until now_ms + delay_ms (a 429 with retry-after). */
void po_ratelimit_pause(struct po_ratelimit *rl, double now_ms, double delay_ms);

/* The monotonic time at which the next call may start (<= now_ms: now). */
double po_ratelimit_next_start(const struct po_ratelimit *rl, double now_ms);

/* Records that a call started at now_ms: one request fewer remains until an
 * answer reports the server's count. */
void po_ratelimit_started(struct po_ratelimit *rl, double now_ms);

#endif
