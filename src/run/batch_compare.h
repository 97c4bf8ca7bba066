/*
 * The comparison of a batch's experiments, the "comparison" object of
 * batch_results_<id>.json (docs/batch.md): groups of experiments by
 * setting, each metric as a mean with a 95 % t interval.
 *
 * Ownership: the records are only read; the result is a new reference.
 */
#ifndef PO_BATCH_COMPARE_H
#define PO_BATCH_COMPARE_H

#include <jansson.h>
#include <stddef.h>

/*
 * {"confidence": 0.95, "experiments": [a row of figures per successful
 * experiment], "groups": [the group "all", then for every setting whose
 * value differs between experiments (name and seed aside) one group per
 * value, in the order values first appear; settings in name order]}.
 * recs: the n records of experiments[], in plan order.
 */
json_t *po_batch_comparison(json_t *const *recs, size_t n);

#endif
