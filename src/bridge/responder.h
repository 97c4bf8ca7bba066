/*
 * The responder side of the file bridge (`promptopt respond`): finds
 * request files, claims each one by an atomic rename so that any number of
 * responders can serve one folder and every request is answered once,
 * answers with the simulator (default) or any provider, and writes the
 * response file atomically. See docs/bridge-protocol.md.
 *
 * Ownership: options are copied by po_responder_new(); event fields and
 * notice texts are valid during the callback only.
 */
#ifndef PO_RESPONDER_H
#define PO_RESPONDER_H

#include <stdbool.h>
#include <stdint.h>

#include "promptopt.h"

struct po_responder_event {
	const char *file;      /* the request file's name, without the folder */
	uint64_t request_id;
	const char *run_id;    /* NULL for seed-style requests */
	const char *role;      /* NULL when the request could not be read */
	bool role_detected;    /* the request had no role: guessed from its text */
	const char *kind;      /* its metadata's "kind" when known ("pairwise"), or NULL */
	bool reclaimed;        /* taken over from a responder that died */
	const char *error;     /* NULL: answered with content; else the error answered */
	double ms;             /* time to answer, claim to response written */
};

struct po_provider;
struct po_provider_spec;

struct po_responder_options {
	const char *dir;        /* required: the folder holding llm_requests/, llm_responses/ */
	const char *provider;   /* default "sim" */
	/*
	 * Builds the forwarding provider named by `provider` when it is not
	 * "sim" (the caller's provider table: the responder knows no API);
	 * returns a new provider, which the responder owns, or NULL with err
	 * set. Called once by po_responder_new(), after the folders are set
	 * up. NULL: only "sim" can answer.
	 */
	struct po_provider *(*new_provider)(const struct po_provider_spec *spec,
					    struct po_err *err);
	const char *model;      /* forwarding providers: NULL = the request's model */
	const char *base_url;   /* forwarding providers; NULL = their default */
	double timeout_s;       /* forwarding providers, per call; default 120 */
	int max_attempts;       /* forwarding providers; default 5 */
	/* Forwarding providers: the requests found at once are claimed and sent
	 * in batches of this many, in flight together; default 8. */
	int concurrency;
	/* The simulator for requests without a "sim" hint: seed 42, noise 4, "prfaq". */
	uint64_t seed;
	double noise;
	const char *catalogue;
	double interval;        /* polling fallback, seconds; default 0.2 */
	volatile int *stop;     /* non-zero: po_responder_serve() returns (may be NULL) */
	void (*on_answer)(const struct po_responder_event *ev, void *userdata);
	/* Things worth a line in the log that are not answers: polling without
	 * inotify, a file that will not be served, a takeover that found the
	 * answer already written. May be NULL. */
	void (*on_notice)(const char *text, void *userdata);
	/* Called before the responder sleeps (a good time to flush a log). */
	void (*on_idle)(void *userdata);
	void *userdata;
};

struct po_responder_stats {
	long answered;  /* response files written, errors included */
	long errors;    /* of which error responses */
	long reclaimed; /* claims of dead responders taken over */
};

struct po_responder;

void po_responder_options_init(struct po_responder_options *o);

/*
 * Creates the folders if needed, starts watching llm_requests/ (inotify;
 * polling when it is not available) and builds the provider (new_provider).
 * PO_EIO when the folder cannot be created or written, PO_EUSAGE/PO_ELLM
 * from the provider.
 */
int po_responder_new(struct po_responder **out, const struct po_responder_options *o,
		     struct po_err *err);
void po_responder_free(struct po_responder *r);

/*
 * Answers every request there now, including claims of dead responders;
 * a file that does not parse yet gets PO_BRIDGE_SETTLE_S to be completed.
 * Fails (PO_EIO) only when responses cannot be written.
 */
int po_responder_once(struct po_responder *r, struct po_err *err);
/* Answers requests as they come until *o->stop is set. */
int po_responder_serve(struct po_responder *r, struct po_err *err);

const struct po_responder_stats *po_responder_stats(const struct po_responder *r);

#endif
