/*
 * libFuzzer target for the bridge file parsers: any bytes, read as a request
 * or a response file, must give a parsed value or PO_EINPUT with a message;
 * a request that parses survives a write/read round trip unchanged. The
 * bytes are also tried as a file name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct po_bridge_request br, back;
	struct po_llm_response resp = { 0 };
	struct po_err err = { 0 };
	char *name = malloc(size + 1);
	uint64_t id;
	json_t *j;

	memcpy(name, data, size);
	name[size] = '\0';
	po_bridge_parse_name(name, "request", &id);
	po_bridge_any_id(name, &id);
	free(name);

	j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	/* The bridge's JSON writer gives JSON for anything parsed. */
	{
		char *text = po_bridge_dumps(j);
		json_t *again = json_loads(text, JSON_DECODE_ANY, NULL);

		if (!again || json_typeof(again) != json_typeof(j))
			abort();
		json_decref(again);
		free(text);
	}
	if (po_bridge_request_parse(j, &br, &err) == 0) {
		json_t *out = po_bridge_request_json(&br.req, br.request_id, br.run_id, &br.sim);
		char *text = po_bridge_dumps(out);
		json_t *again = json_loads(text, 0, NULL);
		struct po_buf direct = PO_BUF_INIT;
		json_t *again2;

		if (!again || po_bridge_request_parse(again, &back, &err) != 0 ||
		    strcmp(back.req.prompt, br.req.prompt) || back.req.role != br.req.role ||
		    back.req.sample != br.req.sample)
			abort();
		/* written straight as text: the same request */
		po_bridge_request_text(&direct, &br.req, br.request_id, br.run_id, &br.sim);
		again2 = json_loads(direct.data, 0, NULL);
		if (!again2 || po_bridge_request_parse(again2, &back, &err) != 0 ||
		    strcmp(back.req.prompt, br.req.prompt) || back.req.role != br.req.role ||
		    back.req.sample != br.req.sample)
			abort();
		json_decref(again2);
		po_buf_release(&direct);
		json_decref(again);
		json_decref(out);
		free(text);
	} else if (!err.msg[0]) {
		abort();
	}
	if (po_bridge_response_parse(j, 1, "r", &resp, &err) == 0) {
		if (!resp.content == !resp.error)
			abort();
	} else if (!err.msg[0] || resp.content) {
		abort();
	}
	po_llm_response_release(&resp);
	json_decref(j);
	return 0;
}
