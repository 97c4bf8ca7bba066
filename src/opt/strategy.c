/*
 * The strategy table (one line per strategy) and the check of a strategy's
 * parameters.
 */
#include "opt/strategy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static const struct po_strategy_ops *const strategies[] = {
	&po_strategy_hillclimb,
	&po_strategy_reflect,
	&po_strategy_opro,
	&po_strategy_ga,
	&po_strategy_demos,
};

const struct po_strategy_ops *po_strategy_find(const char *name)
{
	for (size_t i = 0; i < PO_ARRAY_SIZE(strategies); i++)
		if (name && !strcmp(strategies[i]->name, name))
			return strategies[i];
	return NULL;
}

static char all_names[256];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void build_names(void)
{
	size_t at = 0;

	for (size_t i = 0; i < PO_ARRAY_SIZE(strategies) && at < sizeof(all_names); i++)
		at += (size_t)snprintf(all_names + at, sizeof(all_names) - at, "%s%s", i ? ", " : "",
				       strategies[i]->name);
}

/* Built once from the table (batches ask from several threads): a new line
 * there is a new name here. */
const char *po_strategy_names(void)
{
	pthread_once(&names_once, build_names);
	return all_names;
}

/* The closest parameter name to key, for "did you mean" (or NULL). */
static const char *closest(const char *const *names, const char *key)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; names && names[i]; i++) {
		size_t d = po_edit_distance(names[i], key);
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return best;
}

int po_strategy_check_params(const json_t *value, struct po_err *err)
{
	const char *name = json_is_string(value) ? json_string_value(value) :
			   json_string_value(json_object_get(value, "name"));
	const struct po_strategy_ops *ops = po_strategy_find(name);
	const char *key;
	const json_t *v;

	if (!ops)
		return po_error(err, PO_EINPUT, "unknown strategy '%s'; available: %s",
				name ? name : "", po_strategy_names());
	if (!json_is_object(value))
		return 0;
	json_object_foreach((json_t *)value, key, v) {
		bool known = !strcmp(key, "name");
		for (size_t i = 0; !known && ops->params && ops->params[i]; i++)
			known = !strcmp(ops->params[i], key);
		if (!known) {
			const char *near = closest(ops->params, key);
			return po_error(err, PO_EINPUT,
					"strategy %s has no parameter '%s'%s%s%s", ops->name, key,
					near ? " (did you mean '" : "", near ? near : "",
					near ? "'?)" : "");
		}
	}
	return ops->check ? ops->check(value, err) : 0;
}

/* A spec's value as JSON: an integer, a number, a boolean, else a string. */
static json_t *spec_value(const char *v)
{
	char *end;
	long long i;
	double d;

	if (!strcmp(v, "true") || !strcmp(v, "false"))
		return json_boolean(!strcmp(v, "true"));
	i = strtoll(v, &end, 10);
	if (*v && !*end)
		return json_integer(i);
	d = strtod(v, &end);
	if (*v && !*end)
		return json_real(d);
	return json_string(v);
}

int po_strategy_parse_spec(const char *spec, char **name, json_t **params, struct po_err *err)
{
	const char *colon = strchr(spec ? spec : "", ':');
	char *copy, *item, *next;
	json_t *obj;
	int ret;

	*params = NULL;
	*name = po_xstrndup(spec ? spec : "", colon ? (size_t)(colon - spec) : strlen(spec ? spec : ""));
	if (!colon) {
		json_t *n = json_string(*name);
		ret = po_strategy_check_params(n, err);
		json_decref(n);
		return ret;
	}
	obj = json_pack("{s:s}", "name", *name);
	copy = po_xstrdup(colon + 1);
	for (item = copy; item; item = next) {
		char *eq = strchr(item, '=');
		next = strchr(item, ':');
		if (next)
			*next++ = '\0';
		if (!eq || eq == item) {
			ret = po_error(err, PO_EINPUT, "strategy '%s': '%s' is not KEY=VALUE (e.g. "
				       "%s:minibatch=4)", spec, item, *name);
			goto out;
		}
		*eq = '\0';
		json_object_set_new(obj, item, spec_value(eq + 1));
	}
	ret = po_strategy_check_params(obj, err);
out:
	free(copy);
	if (ret)
		json_decref(obj);
	else
		*params = obj;
	return ret;
}

int po_strategy_check_spec(const char *spec, struct po_err *err)
{
	char *name;
	json_t *params;
	int ret = po_strategy_parse_spec(spec, &name, &params, err);

	free(name);
	json_decref(params);
	return ret;
}
