/*
 * What a batch's experiments will use, known before anything runs: the
 * provider of each role (the plan's, else the project's config), the
 * bridge folder, and the preflight that checks every provider can start.
 */
#include "run/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "llm/provider.h"
#include "run/roles.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

/* The "roles" of a project's config file, or NULL (none, or no such file:
 * the experiment says what is wrong with it when it runs). New reference. */
static json_t *project_roles(const char *project)
{
	struct po_buf path = PO_BUF_INIT;
	json_t *cfg = NULL, *roles = NULL;

	po_buf_addf(&path, "prompt_tuning_results_%s/config_%s.json", project, project);
	if (po_fs_exists(path.data) && !po_json_load_file(path.data, &cfg, NULL))
		roles = json_incref(json_object_get(cfg, "roles"));
	json_decref(cfg);
	po_buf_release(&path);
	return json_is_object(roles) ? roles : (json_decref(roles), NULL);
}

char *po_batch_role_provider(const struct po_batch *b, size_t i, enum po_role r)
{
	struct po_run_options o;
	char *out;
	json_t *roles;

	po_batch_options(b, i, &o);
	roles = o.role_provider[r] ? NULL : project_roles(o.project);
	out = po_xstrdup(po_roles_provider(&o, roles, r));
	json_decref(roles);
	return out;
}

bool po_batch_bridge_dir(const struct po_batch *b, size_t i, struct po_buf *out,
			 double *interval)
{
	struct po_run_options o;
	bool uses = false;

	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		char *p = po_batch_role_provider(b, i, (enum po_role)r);
		uses |= !strcmp(p, "bridge");
		free(p);
	}
	if (!uses)
		return false;
	po_batch_options(b, i, &o);
	po_bridge_default_dir(out, o.bridge_dir, o.project);
	if (interval)
		*interval = o.poll_interval;
	return true;
}

/* The experiments one preflight problem stops. */
struct problem {
	char msg[sizeof(((struct po_err *)0)->msg)];
	size_t *who;
	size_t n;
};

/* Appends `experiment 3 "Name"` or `experiments 3 "A", 4 "B" and 5 more`. */
static void add_who(struct po_buf *out, const struct po_batch *b, const struct problem *p)
{
	size_t shown = p->n > 3 ? 3 : p->n;

	po_buf_addf(out, "experiment%s ", p->n > 1 ? "s" : "");
	for (size_t k = 0; k < shown; k++) {
		if (k)
			po_buf_adds(out, k + 1 == shown && p->n == shown ? " and " : ", ");
		po_buf_addf(out, "%zu \"%s\"", p->who[k] + 1,
			    po_json_str(po_batch_config(b, p->who[k]), "name", ""));
	}
	if (p->n > shown)
		po_buf_addf(out, " and %zu more", p->n - shown);
}

/* Notes that experiment i meets problem msg (once per experiment). */
static void note_problem(struct problem **ps, size_t *nps, const char *msg, size_t i)
{
	struct problem *p = NULL;

	for (size_t k = 0; k < *nps && !p; k++)
		if (!strcmp((*ps)[k].msg, msg))
			p = &(*ps)[k];
	if (!p) {
		*ps = po_xrealloc(*ps, (*nps + 1) * sizeof(**ps));
		p = &(*ps)[(*nps)++];
		memset(p, 0, sizeof(*p));
		snprintf(p->msg, sizeof(p->msg), "%s", msg);
	}
	if (p->n && p->who[p->n - 1] == i)
		return;
	p->who = po_xrealloc(p->who, (p->n + 1) * sizeof(*p->who));
	p->who[p->n++] = i;
}

/* Notes each provider of experiment i that cannot start. */
static void experiment_problems(const struct po_batch *b, size_t i, struct problem **ps,
				size_t *nps)
{
	struct po_run_options o;
	char *eps = NULL;

	po_batch_options(b, i, &o);
	for (int r = 0; r < PO_ROLE_COUNT; r++) {
		struct po_provider_spec spec;
		struct po_err perr = { 0 };
		char *name = po_batch_role_provider(b, i, (enum po_role)r);

		/* An unknown one in a project's config: the experiment says
		 * where it is when it loads the file. */
		if (!po_provider_known(name)) {
			free(name);
			continue;
		}
		po_provider_spec_init(&spec);
		spec.name = name;
		spec.base_url = o.base_url;
		/* Unusable endpoints: the experiment says where when it loads. */
		if (!o.base_url && (o.from_config & PO_FROM_CONFIG_ENDPOINTS) &&
		    po_roles_project_endpoints(o.project, &eps) < 0) {
			free(name);
			continue;
		}
		if (eps)
			spec.base_url = eps;
		if (po_provider_preflight(&spec, &perr))
			note_problem(ps, nps, perr.msg[0] ? perr.msg : po_strstatus(perr.code), i);
		free(name);
		free(eps);
		eps = NULL;
	}
}

json_t *po_batch_blocked(const struct po_batch *b, int index, int count)
{
	json_t *out = json_array();

	for (size_t i = 0; i < po_batch_size(b); i++) {
		struct problem *ps = NULL;
		struct po_buf msg = PO_BUF_INIT;
		size_t nps = 0;

		if (po_batch_in_shard(i, index, count))
			experiment_problems(b, i, &ps, &nps);
		for (size_t k = 0; k < nps; k++) {
			po_buf_addf(&msg, "%s%s", k ? "; " : "", ps[k].msg);
			free(ps[k].who);
		}
		json_array_append_new(out, nps ? json_string(msg.data) : json_null());
		free(ps);
		po_buf_release(&msg);
	}
	return out;
}

size_t po_batch_blocked_count(const json_t *blocked)
{
	size_t n = 0, i;
	const json_t *v;

	json_array_foreach(blocked, i, v)
		n += json_is_string(v);
	return n;
}

int po_batch_preflight(const struct po_batch *b, int index, int count, struct po_err *err)
{
	struct problem *ps = NULL;
	struct po_buf msg = PO_BUF_INIT;
	size_t nps = 0;
	int ret = 0;

	for (size_t i = 0; i < po_batch_size(b); i++)
		if (po_batch_in_shard(i, index, count))
			experiment_problems(b, i, &ps, &nps);
	for (size_t k = 0; k < nps; k++) {
		po_buf_addf(&msg, "%s%s (needed by ", k ? "; " : "", ps[k].msg);
		add_who(&msg, b, &ps[k]);
		po_buf_addch(&msg, ')');
		free(ps[k].who);
	}
	if (nps)
		ret = po_error(err, PO_ELLM, "%s; nothing was run", msg.data);
	free(ps);
	po_buf_release(&msg);
	return ret;
}
