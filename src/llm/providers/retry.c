/*
 * Retry policy and rate-limit pacing (see retry.h). Nothing here reads a
 * clock or a random source: callers pass them in, so tests pin every rule.
 */
#include "llm/providers/retry.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

/* Quota and billing errors are decided from the start of the body. */
#define QUOTA_SCAN_MAX 65536

static bool contains_ci(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	if (n > len)
		return false;
	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(hay + i, needle, n))
			return true;
	return false;
}

/* Quota and spend-limit phrases of OpenAI, Anthropic and compatible
 * gateways. Not "billing" alone: OpenAI's ordinary per-minute rate-limit
 * message links to the billing page. */
static bool quota_phrase(const char *text, size_t len)
{
	static const char *const phrases[] = {
		"insufficient_quota", "exceeded your current quota", "credit balance",
		"billing_hard_limit", "billing_not_active", "spend limit", "spending limit",
		"budget exceeded", "api usage limits", "usage limit reached",
	};

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (contains_ci(text, len, phrases[i]))
			return true;
	return false;
}

static bool is_rate_limit_code(const char *s)
{
	return s && (!strcmp(s, "rate_limit_exceeded") || !strcmp(s, "rate_limit_error") ||
		     !strcmp(s, "requests") || !strcmp(s, "tokens"));
}

bool po_retry_is_quota_error(const char *body, size_t len)
{
	const char *fields[3];
	json_t *root, *e;
	bool quota = false, rate = false;

	if (!body)
		return false;
	if (len > QUOTA_SCAN_MAX)
		len = QUOTA_SCAN_MAX;
	root = json_loadb(body, len, 0, NULL);
	if (!root)
		return quota_phrase(body, len);
	/* A JSON error: decided from its code, type and message only, never from
	 * other text a server may echo (such as the prompt). */
	e = json_object_get(root, "error");
	if (!json_is_object(e))
		e = root;
	fields[0] = json_string_value(json_object_get(e, "code"));
	fields[1] = json_string_value(json_object_get(e, "type"));
	fields[2] = json_string_value(json_object_get(e, "message"));
	if (!fields[2])
		fields[2] = json_string_value(json_object_get(root, "error"));
	rate = is_rate_limit_code(fields[0]) || is_rate_limit_code(fields[1]);
	for (int i = 0; i < 3 && !rate && !quota; i++)
		quota = fields[i] && quota_phrase(fields[i], strlen(fields[i]));
	json_decref(root);
	return quota;
}

enum po_retry_class po_retry_classify(long status, const char *body, size_t len)
{
	if (status >= 200 && status < 300)
		return PO_RETRY_OK;
	if (status == 0)
		return PO_RETRY_AGAIN;
	if (status == 401 || status == 402 || status == 403)
		return PO_RETRY_FATAL;
	if (po_retry_is_quota_error(body, len))
		return PO_RETRY_FATAL;
	if (status == 408 || status == 409 || status == 425 || status == 429 || status >= 500)
		return PO_RETRY_AGAIN;
	return PO_RETRY_FINAL;
}

double po_retry_backoff_ms(int attempt, double base_ms, double cap_ms, double r01)
{
	double d = base_ms;

	if (attempt < 1)
		attempt = 1;
	for (int i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	if (!(r01 >= 0) || r01 >= 1)
		r01 = 0.5;
	return d / 2 + d / 2 * r01;
}

/* A non-negative decimal number, nothing else but surrounding blanks. */
static bool parse_number(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s) && *s != '.')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || !isfinite(v) || v < 0)
		return false;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end)
		return false;
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): no timegm, no time zone, no locale. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool valid_time(int y, int mo, int d, int h, int mi, int s)
{
	return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 &&
	       h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 60;
}

static int64_t to_unix(int y, int mo, int d, int h, int mi, int s)
{
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

int64_t po_retry_parse_http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char wday[4], mon[4], zone[4];
	int d, y, h, mi, sec, n = 0;
	const char *p;

	if (!s || sscanf(s, " %3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", wday, &d, mon,
			 &y, &h, &mi, &sec, zone, &n) != 8 || !n)
		return -1;
	if (strcmp(zone, "GMT") || strlen(mon) != 3)
		return -1;
	p = strstr(months, mon);
	if (!p || (p - months) % 3)
		return -1;
	if (!valid_time(y, (int)(p - months) / 3 + 1, d, h, mi, sec))
		return -1;
	return to_unix(y, (int)(p - months) / 3 + 1, d, h, mi, sec);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int64_t po_retry_parse_rfc3339(const char *s)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || strlen(s) < 20)
		return -1;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -1;
		p += 6;
	} else {
		return -1;
	}
	if (*p || !valid_time(y, mo, d, h, mi, sec))
		return -1;
	return to_unix(y, mo, d, h, mi, sec) - sign * (oh * 3600 + om * 60);
}

double po_retry_parse_duration_ms(const char *s)
{
	double total = 0, v;
	const char *p = s;
	char *end;
	int parts = 0;

	if (!s)
		return -1;
	if (parse_number(s, &v))
		return v * 1000;  /* a bare number is seconds */
	while (*p) {
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -1;
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno || !isfinite(v))
			return -1;
		p = end;
		if (!strncmp(p, "ms", 2)) {
			total += v;
			p += 2;
		} else if (!strncmp(p, "us", 2)) {
			total += v / 1000;
			p += 2;
		} else if (!strncmp(p, "ns", 2)) {
			total += v / 1e6;
			p += 2;
		} else if (*p == 'h') {
			total += v * 3600e3;
			p++;
		} else if (*p == 'm') {
			total += v * 60e3;
			p++;
		} else if (*p == 's') {
			total += v * 1e3;
			p++;
		} else {
			return -1;
		}
		parts++;
	}
	return parts && isfinite(total) ? total : -1;
}

double po_retry_after_ms(const char *retry_after, const char *retry_after_ms, int64_t now_unix)
{
	double v;
	int64_t t;

	if (retry_after_ms && parse_number(retry_after_ms, &v))
		return v;
	if (!retry_after)
		return -1;
	/* Seconds; a value too large to be milliseconds is "a very long time"
	 * (the caller caps every wait). */
	if (parse_number(retry_after, &v))
		return v < 1e300 ? v * 1000 : 1e303;
	t = po_retry_parse_http_date(retry_after);
	if (t < 0)
		return -1;
	return t > now_unix ? (double)(t - now_unix) * 1000 : 0;
}

double po_retry_delay_ms(double backoff_ms, double server_ms, double limit_ms)
{
	double d = server_ms > backoff_ms ? server_ms : backoff_ms;

	if (d > limit_ms)
		d = limit_ms;
	return d < 0 ? 0 : d;
}

void po_ratelimit_init(struct po_ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	for (int i = 0; i < PO_RL_KINDS; i++)
		rl->w[i].limit = rl->w[i].remaining = -1;
	rl->last_start_ms = -1;
}

static bool parse_count(const char *s, long *out)
{
	char *end;
	long v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || (*end && *end != ' '))
		return false;
	*out = v;
	return true;
}

/* Sets one field (limit / remaining / reset) of a window from a header. */
static bool set_field(struct po_ratelimit_window *w, const char *field, const char *value,
		      double now_ms, int64_t now_unix)
{
	long n;

	if (!strcasecmp(field, "limit")) {
		if (parse_count(value, &n))
			w->limit = n;
		return true;
	}
	if (!strcasecmp(field, "remaining")) {
		if (parse_count(value, &n))
			w->remaining = n;
		return true;
	}
	if (!strcasecmp(field, "reset")) {
		/* Anthropic sends an RFC 3339 instant, OpenAI a duration. */
		int64_t t = po_retry_parse_rfc3339(value);
		double d;

		if (t >= 0) {
			w->reset_ms = now_ms + (double)(t - now_unix) * 1000;
			return true;
		}
		d = po_retry_parse_duration_ms(value);
		if (d >= 0)
			w->reset_ms = now_ms + d;
		return true;
	}
	return false;
}

static int kind_of(const char *s, size_t n)
{
	static const char *const names[PO_RL_KINDS] = {
		"requests", "tokens", "input-tokens", "output-tokens"
	};

	for (int i = 0; i < PO_RL_KINDS; i++)
		if (strlen(names[i]) == n && !strncasecmp(s, names[i], n))
			return i;
	return -1;
}

bool po_ratelimit_header(struct po_ratelimit *rl, const char *name, const char *value,
			 double now_ms, int64_t now_unix)
{
	static const char anth[] = "anthropic-ratelimit-";
	static const char oai[] = "x-ratelimit-";
	const char *rest, *dash;
	int k;

	if (!name || !value)
		return false;
	if (!strncasecmp(name, anth, sizeof(anth) - 1)) {
		/* anthropic-ratelimit-<kind>-<field> */
		rest = name + sizeof(anth) - 1;
		dash = strrchr(rest, '-');
		if (!dash)
			return false;
		k = kind_of(rest, (size_t)(dash - rest));
		return k >= 0 && set_field(&rl->w[k], dash + 1, value, now_ms, now_unix);
	}
	if (!strncasecmp(name, oai, sizeof(oai) - 1)) {
		/* x-ratelimit-<field>-<kind> */
		char field[16];

		rest = name + sizeof(oai) - 1;
		dash = strchr(rest, '-');
		if (!dash || (size_t)(dash - rest) >= sizeof(field))
			return false;
		memcpy(field, rest, (size_t)(dash - rest));
		field[dash - rest] = '\0';
		k = kind_of(dash + 1, strlen(dash + 1));
		return k >= 0 && set_field(&rl->w[k], field, value, now_ms, now_unix);
	}
	return false;
}

void po_ratelimit_pause(struct po_ratelimit *rl, double now_ms, double delay_ms)
{
	if (delay_ms > 0 && now_ms + delay_ms > rl->paused_until_ms)
		rl->paused_until_ms = now_ms + delay_ms;
}

double po_ratelimit_next_start(const struct po_ratelimit *rl, double now_ms)
{
	double t = now_ms;

	if (rl->paused_until_ms > t)
		t = rl->paused_until_ms;
	for (int i = 0; i < PO_RL_KINDS; i++) {
		const struct po_ratelimit_window *w = &rl->w[i];
		double left, interval;
		bool low;

		/* A window without a future reset says nothing about now. */
		if (w->remaining < 0 || w->reset_ms <= now_ms)
			continue;
		/* Requests started since the last answer were already taken off
		 * (po_ratelimit_started); a token window is read as calls. */
		if (i == PO_RL_REQUESTS)
			left = (double)w->remaining;
		else
			left = (double)w->remaining / PO_RATELIMIT_TOKENS_PER_CALL;
		if (left < 1) {
			if (w->reset_ms > t)
				t = w->reset_ms;
			continue;
		}
		low = w->limit > 0 && (double)w->remaining < (double)w->limit * PO_RATELIMIT_LOW_FRACTION;
		if (!low || rl->last_start_ms < 0)
			continue;
		/* Spread what is left evenly up to the reset. */
		interval = (w->reset_ms - now_ms) / left;
		if (rl->last_start_ms + interval > t)
			t = rl->last_start_ms + interval;
	}
	return t;
}

void po_ratelimit_started(struct po_ratelimit *rl, double now_ms)
{
	struct po_ratelimit_window *w = &rl->w[PO_RL_REQUESTS];

	rl->last_start_ms = now_ms;
	/* Until the next answer says otherwise, one request fewer is left. */
	if (w->remaining > 0 && w->reset_ms > now_ms)
		w->remaining--;
}
