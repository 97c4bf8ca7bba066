/*
 * The word diff of two prompts in the reports: a longest common
 * subsequence over words (whitespace kept as it was), rendered as HTML
 * with <ins>/<del> or as text in git's --word-diff style
 * ("[-removed-]{+added+}"). Bounded: past PO_DIFF_MAX_CELLS cells of the
 * LCS table the differing middle is shown as removed, then added.
 *
 * Ownership: the strings are only read; output goes to the caller's buffer.
 */
#ifndef PO_DIFF_H
#define PO_DIFF_H

#include <stddef.h>

#include "util/buf.h"

/* Largest LCS table (words of a times words of b, after the common start
 * and end are taken off) computed; 4M cells, 16 MB. */
#define PO_DIFF_MAX_CELLS 4000000u

enum po_diff_format {
	PO_DIFF_HTML,   /* escaped text, <ins>added</ins>, <del>removed</del> */
	PO_DIFF_TEXT,   /* plain text, [-removed-] and {+added+} */
};

struct po_diff_stats {
	size_t inserted, deleted, kept;   /* words */
};

/*
 * Appends the word diff of a (old) against b (new); NULL is "". Fills
 * *stats when not NULL.
 */
void po_diff_words(struct po_buf *out, const char *a, const char *b, enum po_diff_format fmt,
		   struct po_diff_stats *stats);

#endif
