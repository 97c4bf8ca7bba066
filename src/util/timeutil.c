/*
 * Time helpers (see timeutil.h). UTC only: gmtime_r, never localtime.
 */
#include "util/timeutil.h"

#include <stdio.h>

double po_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int64_t po_time_unix(void)
{
	return (int64_t)time(NULL);
}

void po_time_iso8601(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", (long long)t);
}
