/*
 * The file bridge (DESIGN section 4, docs/bridge-protocol.md), the contract
 * of both sides: the folder layout, file names, atomic file writes and the
 * request/response JSON (protocol.c), and the client, the `bridge` provider
 * (client.c). The responder is responder.h; reused files are spares.h.
 *
 * Ownership: json_t results are new references the caller releases; strings
 * in a parsed struct po_bridge_request are borrowed from the json_t it was
 * parsed from.
 */
#ifndef PO_BRIDGE_H
#define PO_BRIDGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "llm/providers/provider.h"
#include "util/buf.h"

#define PO_BRIDGE_PROTOCOL 1
#define PO_BRIDGE_REQUESTS "llm_requests"
#define PO_BRIDGE_RESPONSES "llm_responses"
/* The largest request id a client allocates: 2^53 - 1, so that every JSON
 * reader (one that holds numbers as doubles too) reads it exactly. A counter
 * file or a leftover above it is stale: ids restart above what is in the
 * folders. */
#define PO_BRIDGE_ID_MAX ((UINT64_C(1) << 53) - 1)
/* Largest request or response file read (a bigger one is refused). */
#define PO_BRIDGE_MAX_FILE (16u << 20)
/* A file that does not parse yet may still be being written by a writer
 * that does not rename (a person, the seed's client): it gets this long. */
#define PO_BRIDGE_SETTLE_S 0.5

/*
 * True when name is exactly "<prefix>_<digits>.json" (prefix "request" or
 * "response"), with *id set. Other names (temporary files, claims) are not
 * requests or responses.
 */
bool po_bridge_parse_name(const char *name, const char *prefix, uint64_t *id);
/* The id of any bridge file of either kind, temporary, claimed or rejected:
 * the number after a leading "request_"/"response_" (one leading '.' skipped). */
bool po_bridge_any_id(const char *name, uint64_t *id);
/* True when name is a spare (spares.h) of any process, with the pid that
 * keeps it. */
bool po_bridge_parse_spare(const char *name, long *pid);
/* Reads the decimal digits at *s into *id and moves *s past them; false
 * when there are none or they overflow. */
bool po_bridge_parse_digits(const char **s, uint64_t *id);
/* Appends the bridge folder to out: dir when not NULL, else the project's
 * default, ".<project>" in the working folder. */
void po_bridge_default_dir(struct po_buf *out, const char *dir, const char *project);
/* "<dir>/<sub>/<prefix>_%04llu.json<suffix>" into out (reset first). */
void po_bridge_path(struct po_buf *out, const char *dir, const char *sub, const char *prefix,
		    uint64_t id, const char *suffix);

/*
 * Writes data to path atomically but not durably: a hidden temporary name
 * in the same folder, then rename(). Readers never see half a file. No
 * fsync: bridge files live for milliseconds and a crash loses the run that
 * wrote them anyway.
 */
int po_bridge_write(const char *path, const char *data, size_t len, struct po_err *err);
/* Writes all of data to fd (EINTR retried): 0, or -1 with errno set. */
int po_bridge_write_fd(int fd, const char *data, size_t len);

/* What po_bridge_read() found at a path. */
struct po_bridge_file {
	bool regular;   /* false: a folder, FIFO, symbolic link... (not read) */
	double age_s;   /* seconds since its last change (0 when not a regular file) */
	struct stat st; /* valid when regular */
};

/*
 * Reads a bridge file (at most PO_BRIDGE_MAX_FILE bytes) into out (reset
 * first) and what it is into *f (may be NULL). PO_ENOTFOUND when it is
 * gone; PO_EINPUT when it is not a regular file (f->regular false) or too
 * large; PO_EIO otherwise.
 */
int po_bridge_read(const char *path, struct po_buf *out, struct po_bridge_file *f,
		   struct po_err *err);

/* The sim settings a request may carry: a responder answering with the
 * simulator uses them, so a bridged run is the same as an in-process one. */
struct po_bridge_sim_hint {
	bool present;
	uint64_t seed;
	double noise;
	double verbosity_bias; /* 0: none (then not written) */
	const char *catalogue; /* NULL: the responder's */
};

/* A new request object (protocol v1). hint may be NULL. */
json_t *po_bridge_request_json(const struct po_llm_request *req, uint64_t id, const char *run_id,
			       const struct po_bridge_sim_hint *hint);

struct po_bridge_request {
	bool has_id;
	uint64_t request_id;
	const char *run_id;  /* NULL for seed-style requests */
	bool has_role;       /* false: the caller guesses it (po_sim_detect_role) */
	struct po_bridge_sim_hint sim;
	struct po_llm_request req;
};

/*
 * Reads a parsed request object. Fields of the wrong type, an unknown role
 * or a missing prompt are PO_EINPUT with a message naming the field.
 */
int po_bridge_request_parse(const json_t *j, struct po_bridge_request *out, struct po_err *err);

/* A new response object: content, model and usage, or error. run_id may be NULL. */
json_t *po_bridge_response_json(uint64_t id, const char *run_id, const struct po_llm_response *r);

/*
 * Reads a response object into out (zeroed by the caller): content or error.
 * A request_id or run_id that is present and differs from want_id/run_id
 * is PO_EINPUT (the response is rejected, not used); missing ones are
 * accepted (the file name pairs it), so a person can answer with just
 * {"content": "..."}.
 */
int po_bridge_response_parse(const json_t *j, uint64_t want_id, const char *run_id,
			     struct po_llm_response *out, struct po_err *err);

/* JSON text of a bridge file: indented by 2, keys sorted, reals with 15
 * significant digits, newline-terminated. Returns a new string; the caller
 * frees it. */
char *po_bridge_dumps(const json_t *j);
/* The text of po_bridge_dumps(po_bridge_request_json(...)) (timestamp
 * aside), written straight into out (reset first): no json_t on the way. */
void po_bridge_request_text(struct po_buf *out, const struct po_llm_request *req, uint64_t id,
			    const char *run_id, const struct po_bridge_sim_hint *hint);
/* The text of po_bridge_dumps(po_bridge_response_json(...)), into out. */
void po_bridge_response_text(struct po_buf *out, uint64_t id, const char *run_id,
			     const struct po_llm_response *r);

/*
 * The simulator a bridge provider keeps for the ground truth when its spec
 * says the peer answers with sim (peer_is_sim), else NULL. Owned by p.
 */
struct po_sim;
struct po_sim *po_bridge_provider_sim(struct po_provider *p);

/* The `bridge` provider: a new one, or NULL with err set (PO_EIO: the
 * folder cannot be set up). */
struct po_provider *po_bridge_provider_new(const struct po_provider_spec *spec,
					   struct po_err *err);

#endif
