/*
 * Clocks: monotonic milliseconds for durations, wall-clock seconds for
 * timestamps in file names and results.
 */
#ifndef PO_TIMEUTIL_H
#define PO_TIMEUTIL_H

#include <stdint.h>
#include <time.h>

double po_time_mono_ms(void);
int64_t po_time_unix(void);
/* Formats t as UTC "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void po_time_iso8601(int64_t t, char *out, size_t size);

#endif
