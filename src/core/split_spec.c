/*
 * The split's spec from a flag or the project config (see split_spec.h).
 */
#include "core/split_spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void po_split_config_init(struct po_split_config *c)
{
	memset(c, 0, sizeof(*c));
	c->train = 1;
}

void po_split_config_default(struct po_split_config *c, size_t ncases)
{
	po_split_config_init(c);
	if (ncases < PO_SPLIT_DEFAULT_MIN_CASES)
		return;
	c->enabled = true;
	c->train = 0.25;
	c->val = 0.5;
	c->test = 0.25;
}

/* A test share alone: the rest is validation and train, two to one (as
 * the default: acceptance needs the validation cases more than a strategy
 * needs train cases for its feedback). */
static void from_test_share(struct po_split_config *c, double test)
{
	po_split_config_init(c);
	if (test == 0)
		return;
	c->enabled = true;
	c->test = test;
	c->train = (1 - test) / 3;
	c->val = 1 - test - c->train;
}

/* What is wrong with three fractions, or NULL. */
static const char *bad_fractions(double train, double val, double test)
{
	if (!(train > 0 && train < 1) || !(val > 0 && val < 1) || !(test > 0 && test < 1))
		return "each fraction must be above 0 and below 1";
	if (fabs(train + val + test - 1) > 1e-6)
		return "the fractions must add up to 1";
	return NULL;
}

int po_split_spec_parse(const char *spec, struct po_split_config *c, struct po_err *err)
{
	double f[3];
	int n = 0;
	const char *p = spec;
	const char *why;

	po_split_config_init(c);
	if (!strcmp(spec, "none"))
		return 0;
	while (n < 3) {
		char *end;
		f[n++] = strtod(p, &end);
		if (end == p || (*end && *end != ','))
			return po_error(err, PO_EUSAGE,
					"--split '%s': expected none, a test share such as 0.25, or train,validation,test fractions such as 0.5,0.25,0.25",
					spec);
		p = end;
		if (!*p)
			break;
		p++;
	}
	if (*p || n == 2)
		return po_error(err, PO_EUSAGE,
				"--split '%s': give one number (the test share) or three (train,validation,test)",
				spec);
	if (n == 1) {
		if (!(f[0] >= 0 && f[0] < 1))
			return po_error(err, PO_EUSAGE,
					"--split '%s': the test share must be at least 0 and below 1", spec);
		from_test_share(c, f[0]);
		return 0;
	}
	why = bad_fractions(f[0], f[1], f[2]);
	if (why)
		return po_error(err, PO_EUSAGE, "--split '%s': %s", spec, why);
	c->enabled = true;
	c->train = f[0];
	c->val = f[1];
	c->test = f[2];
	return 0;
}

/* One fraction of the object form: a number in (0, 1). */
static int fraction(const struct po_src *s, const json_t *v, const char *key, double *out,
		    struct po_err *err)
{
	const json_t *x = json_object_get(v, key);
	char at[64];

	snprintf(at, sizeof(at), "/split/%s", key);
	if (!x)
		return po_src_fail(err, PO_EINPUT, s, "/split", false,
				   "the split has no \"%s\"; give train, validation and test fractions (e.g. 0.5, 0.25, 0.25)",
				   key);
	if (!json_is_number(x) || !(json_number_value(x) > 0 && json_number_value(x) < 1))
		return po_src_fail(err, PO_EINPUT, s, at, false,
				   "expected a fraction above 0 and below 1 for \"%s\"", key);
	*out = json_number_value(x);
	return 0;
}

int po_split_config_parse(const struct po_src *s, const json_t *v, struct po_split_config *c,
			  struct po_err *err)
{
	static const char *const keys[] = { "train", "validation", "test", "stratify", NULL };
	const char *key;
	json_t *x;
	int ret = 0;

	po_split_config_init(c);
	if (json_is_number(v)) {
		double t = json_number_value(v);
		if (!(t >= 0 && t < 1))
			return po_src_fail(err, PO_EINPUT, s, "/split", false,
					   "expected 0 (no split) or a test share below 1, found %g", t);
		from_test_share(c, t);
		return 0;
	}
	if (!json_is_object(v))
		return po_src_fail(err, PO_EINPUT, s, "/split", false,
				   "expected 0, a test share or an object of train, validation and test fractions");
	json_object_foreach((json_t *)v, key, x) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known |= !strcmp(keys[i], key);
		if (!known)
			return po_src_fail(err, PO_EINPUT, s, "/split", false,
					   "unknown key \"%s\" in the split; use train, validation, test and stratify",
					   key);
	}
	ret = fraction(s, v, "train", &c->train, err);
	if (!ret)
		ret = fraction(s, v, "validation", &c->val, err);
	if (!ret)
		ret = fraction(s, v, "test", &c->test, err);
	if (!ret && fabs(c->train + c->val + c->test - 1) > 1e-6)
		ret = po_src_fail(err, PO_EINPUT, s, "/split", false,
				  "the split's fractions add up to %g; they must add up to 1",
				  c->train + c->val + c->test);
	if (!ret && json_object_get(v, "stratify")) {
		if (!json_is_string(json_object_get(v, "stratify")))
			ret = po_src_fail(err, PO_EINPUT, s, "/split/stratify", false,
					  "expected the name of a test case field (e.g. \"industry\")");
		else
			c->stratify = json_string_value(json_object_get(v, "stratify"));
	}
	c->enabled = !ret;
	return ret;
}

void po_split_describe(const struct po_split_config *c, char *out, size_t size)
{
	if (!c->enabled)
		snprintf(out, size, "none");
	else
		snprintf(out, size, "%g/%g/%g%s%s", c->train, c->val, c->test,
			 c->stratify ? " by " : "", c->stratify ? c->stratify : "");
}
