/*
 * libFuzzer target for reading a damaged checkpoint (run/checkpoint.c): the
 * bytes before the first 0xff byte (without one: the first half) are
 * checkpoint.json, the rest checkpoint_log.jsonl, of a run of a fixed small
 * project. Reading must never crash, leak or hang: it gives PO_EINPUT (or
 * PO_ESYNTAX, PO_EIO) with a message and a released checkpoint, or a
 * checkpoint that holds what the contract promises, whose split and archive
 * entries are then restored as --resume does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/split.h"
#include "opt/archive.h"
#include "run/checkpoint.h"
#include "util/buf.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/po-fuzz-checkpoint-XXXXXX";
static struct po_project *project;

static void cleanup(void)
{
	po_checkpoint_remove(dir);
	rmdir(dir);
	po_project_free(project);
}

/* Two cases, as the seeds in tests/fuzz/corpus/fuzz_checkpoint/ have. */
static void setup(void)
{
	static const char tc[] =
		"{\"test_cases\": [{\"id\": \"prfaq-001\", \"inputs\": {\"input\": \"a\"}},"
		" {\"id\": \"prfaq-002\", \"inputs\": {\"input\": \"b\"}}]}";
	static const char prompts[] = "{\"main\": \"Answer: {input}\"}";
	struct po_err err = { 0 };

	if (!mkdtemp(dir) ||
	    po_project_parse(&project, "pr-faq-validator", dir, tc, strlen(tc), prompts,
			     strlen(prompts), "{}", 2, NULL, &err) < 0) {
		fprintf(stderr, "fuzz_checkpoint: setup: %s\n", err.msg);
		abort();
	}
	atexit(cleanup);
}

static void put(const char *name, const uint8_t *data, size_t size)
{
	struct po_buf path = PO_BUF_INIT;
	FILE *f;

	po_fs_join(&path, dir, name);
	f = fopen(path.data, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	po_buf_release(&path);
}

/* What --resume does next with the split and the archive entries. */
static void restore(const struct po_checkpoint *ck)
{
	struct po_archive *a = po_archive_new(project->ncases);
	struct po_split s;
	struct po_err err = { 0 };
	size_t i;
	json_t *v;

	if (po_split_from_json(&s, ck->split, project, &err) == 0)
		po_split_release(&s);
	else if (!err.msg[0])
		abort();
	json_array_foreach(ck->archive, i, v) {
		err.msg[0] = '\0';
		if (po_archive_load_json(a, v, project, &err) && !err.msg[0])
			abort();
	}
	po_archive_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, 0xff, size);
	size_t cut = ff ? (size_t)(ff - data) : size / 2;
	struct po_checkpoint ck;
	struct po_err err = { 0 };
	int rc;

	if (!project)
		setup();
	put(PO_CHECKPOINT_FILE, data, cut);
	put(PO_CHECKPOINT_LOG, data + cut + (ff != NULL), size - cut - (ff != NULL));
	rc = po_checkpoint_read(dir, project, &ck, &err);
	if (rc) {
		if (!err.msg[0] || ck.history || ck.best_eval.cases)
			abort();
		return 0;
	}
	if (ck.iteration < 0 || json_array_size(ck.history) != (size_t)ck.iteration + 1 ||
	    /* the best's evaluation is on the validation cases: some or all */
	    ck.best_eval.n > project->ncases || !json_is_object(ck.best_prompts) ||
	    !json_is_object(ck.baseline_prompts) || strcmp(ck.project, project->name))
		abort();
	restore(&ck);
	po_checkpoint_release(&ck);
	return 0;
}
