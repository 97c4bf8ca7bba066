/*
 * libFuzzer target for eval/render: the bytes are a template (a prompt that
 * a mutating LLM may have mangled). Rendering must never crash, and it must
 * agree with po_template_placeholders(): every collected name renders when
 * it is an input, and a template renders without error exactly when all its
 * names are inputs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/render.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t = po_xstrndup((const char *)data, size);
	json_t *names = json_array(), *in = json_object();
	struct po_buf out = PO_BUF_INIT;
	struct po_err err = { 0 };
	size_t i;
	int ret;

	po_template_placeholders(t, names);
	ret = po_render(&out, t, in, "fuzz", "case", &err);
	if ((ret == 0) != (json_array_size(names) == 0))
		abort();
	if (ret && (ret != PO_ETEMPLATE || !strstr(err.msg, "placeholder {")))
		abort();
	for (i = 0; i < json_array_size(names); i++)
		json_object_set_new(in, json_string_value(json_array_get(names, i)),
				    json_string("v"));
	po_buf_reset(&out);
	if (po_render(&out, t, in, "fuzz", "case", &err) != 0)
		abort();
	if (out.len > size * 2 + 1) /* "v" never lengthens a "{name}" */
		abort();
	po_buf_release(&out);
	json_decref(names);
	json_decref(in);
	free(t);
	return 0;
}
