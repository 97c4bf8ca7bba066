/*
 * What a run prints: one line per iteration as it goes (in the seed's words),
 * the convergence notice, and the CONVERGENCE ANALYSIS block, which is read
 * back from optimization_final_results.json so `status` prints the same.
 * The text is made by report/console.c, which a batch shares.
 */
#include <jansson.h>
#include <stdio.h>

#include "cli/cli.h"
#include "report/console.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"

void cli_progress_event(const struct po_event *ev, void *userdata)
{
	struct po_buf text = PO_BUF_INIT;

	(void)userdata;
	if (ev->kind == PO_EV_WARNING) {
		cli_warning("%s", ev->message);
		return;
	}
	po_console_event(&text, ev);
	fputs(text.data, stdout);
	fflush(stdout);
	po_buf_release(&text);
}

void cli_print_convergence_analysis(const char *results_dir)
{
	struct po_buf path = PO_BUF_INIT, text = PO_BUF_INIT;
	struct po_err err = { 0 };
	json_t *f = NULL;

	po_fs_join(&path, results_dir, "optimization_final_results.json");
	if (po_json_load_file(path.data, &f, &err) < 0) {
		cli_warning("%s", err.msg);
		po_buf_release(&path);
		return;
	}
	po_console_analysis(&text, f, results_dir);
	fputs(text.data, stdout);
	json_decref(f);
	po_buf_release(&text);
	po_buf_release(&path);
}
