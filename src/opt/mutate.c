/*
 * Mutation by an LLM (see mutate.h): the request for one focused improvement
 * of a template, guided by the judge's feedback, and the extraction of the
 * new template from the reply.
 */
#include "opt/mutate.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/mem.h"

/* A template is a few KiB; anything past this in a reply is not read. */
#define MUTATE_MAX_REPLY ((size_t)1024 * 1024)

const char *po_mutate_system_prompt(void)
{
	return "You are an expert prompt engineer. You improve prompt templates one focused "
	       "change at a time, keep every placeholder intact, and reply with the complete "
	       "new template between <prompt> and </prompt>.";
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims s[0..*len) in place of the pointer: returns the new start, updates *len. */
static const char *trim(const char *s, size_t *len)
{
	while (*len && is_space(*s)) {
		s++;
		(*len)--;
	}
	while (*len && is_space(s[*len - 1]))
		(*len)--;
	return s;
}

/*
 * One feedback item as one line: judges sometimes put newlines inside an
 * item, which would split it into several "improvements" for the reader.
 */
static char *feedback_line(const char *s, size_t len)
{
	struct po_buf b = PO_BUF_INIT;
	bool space = false;
	size_t i;

	s = trim(s, &len);
	for (i = 0; i < len; i++) {
		if (is_space(s[i])) {
			space = true;
			continue;
		}
		if (space && b.len)
			po_buf_addch(&b, ' ');
		space = false;
		po_buf_addch(&b, s[i]);
	}
	return po_buf_detach(&b);
}

void po_mutate_add_feedback(struct po_buf *out, const json_t *feedback)
{
	char **seen = NULL;
	size_t nseen = 0, i, j;
	json_t *item;

	if (!json_is_array(feedback))
		return;
	seen = po_xcalloc(json_array_size(feedback) + 1, sizeof(*seen));
	json_array_foreach(feedback, i, item) {
		char *line;
		bool dup = false;

		if (!json_is_string(item))
			continue;
		line = feedback_line(json_string_value(item), strlen(json_string_value(item)));
		/* Several test cases often report the same gap; say it once. */
		for (j = 0; j < nseen && !dup; j++)
			dup = !strcasecmp(seen[j], line);
		if (!*line || dup) {
			free(line);
			continue;
		}
		po_buf_addf(out, "%s\n", line);
		seen[nseen++] = line;
	}
	for (j = 0; j < nseen; j++)
		free(seen[j]);
	free(seen);
}

void po_mutate_add_placeholders(struct po_buf *out, const json_t *placeholders)
{
	size_t i, n = 0;
	json_t *item;

	po_buf_adds(out, "Placeholders:");
	json_array_foreach(placeholders, i, item) {
		if (!json_is_string(item))
			continue;
		po_buf_addf(out, " {%s}", json_string_value(item));
		n++;
	}
	if (n)
		po_buf_adds(out, "\nEvery placeholder above must stay in the new template, written "
				 "exactly the same way: each one is replaced by a test case's input.\n\n");
	else
		po_buf_adds(out, " (none)\n\n");
}

void po_mutate_build_prompt(struct po_buf *out, const char *prompt_name, const char *template,
			    double score, const json_t *feedback, const json_t *placeholders)
{
	if (!template)
		template = "";
	po_buf_addf(out,
		    "You are an expert prompt engineer. Improve the prompt template named \"%s\". "
		    "Its outputs currently score %.1f/100 when judged against the project's rubric.\n\n",
		    prompt_name ? prompt_name : "prompt", score);
	po_buf_adds(out, "The current template:\n" PO_MUTATE_PROMPT_BEGIN "\n");
	po_buf_adds(out, template);
	if (*template && template[strlen(template) - 1] != '\n')
		po_buf_addch(out, '\n');
	po_buf_adds(out, PO_MUTATE_PROMPT_END "\n\n");

	po_buf_adds(out, "What the judge found missing or weak in its outputs:\n"
			 PO_MUTATE_FEEDBACK_BEGIN "\n");
	po_mutate_add_feedback(out, feedback);
	po_buf_adds(out, PO_MUTATE_FEEDBACK_END "\n\n");

	po_mutate_add_placeholders(out, placeholders);
	po_buf_adds(out,
		    "Instructions:\n"
		    "- Make one focused change that addresses the most important point of the "
		    "feedback (add, sharpen or remove one instruction).\n"
		    "- Keep everything else that already works.\n"
		    "- Reply with the full new template between " PO_MUTATE_REPLY_BEGIN " and "
		    PO_MUTATE_REPLY_END ", and nothing else.\n");
}

/*
 * The content of the ``` fenced block starting at s. The opening line may
 * carry a language tag; the block ends at the first ``` that starts a line
 * (a template may quote ``` inside a line), or at the end of the text.
 */
static const char *fence_content(const char *s, size_t len, size_t *out_len)
{
	const char *nl, *close;
	size_t skip;

	nl = memchr(s, '\n', len);
	if (!nl) {
		/* all on one line: ```text``` */
		s += 3;
		len -= 3;
		close = memmem(s, len, "```", 3);
		*out_len = close ? (size_t)(close - s) : len;
		return s;
	}
	skip = (size_t)(nl - s) + 1;
	s += skip;
	len -= skip;
	if (len >= 3 && !memcmp(s, "```", 3)) {
		*out_len = 0;
		return s;
	}
	close = memmem(s, len, "\n```", 4);
	*out_len = close ? (size_t)(close - s) : len;
	return s;
}

/* Between the tags: the whole of a fence some models put there too. */
static const char *unfence(const char *s, size_t *len)
{
	const char *nl;

	if (*len < 6 || memcmp(s, "```", 3) || memcmp(s + *len - 3, "```", 3))
		return s;
	nl = memchr(s, '\n', *len - 3);
	if (!nl)
		return s;
	*len = (size_t)(s + *len - 3 - (nl + 1));
	return nl + 1;
}

char *po_mutate_parse_reply(const char *reply, struct po_err *err)
{
	const char *s, *open, *close, *fence;
	size_t len, n;

	if (!reply)
		reply = "";
	len = strnlen(reply, MUTATE_MAX_REPLY);
	s = reply;
	n = len;
	open = memmem(reply, len, PO_MUTATE_REPLY_BEGIN, strlen(PO_MUTATE_REPLY_BEGIN));
	if (open) {
		open += strlen(PO_MUTATE_REPLY_BEGIN);
		close = memmem(open, len - (size_t)(open - reply), PO_MUTATE_REPLY_END,
			       strlen(PO_MUTATE_REPLY_END));
		/* Without the closing tag the reply was most likely cut by the token
		 * limit: using it would silently drop the end of the template. */
		if (!close) {
			po_error(err, PO_EEVAL, "mutation reply has " PO_MUTATE_REPLY_BEGIN
				 " but no " PO_MUTATE_REPLY_END " (the reply was probably cut "
				 "short); raise max_tokens of the mutate role");
			return NULL;
		}
		n = (size_t)(close - open);
		s = trim(open, &n);
		s = unfence(s, &n);
	} else {
		fence = memmem(reply, len, "```", 3);
		if (fence)
			s = fence_content(fence, len - (size_t)(fence - reply), &n);
	}
	s = trim(s, &n);
	if (!n) {
		if (open)
			po_error(err, PO_EEVAL, "mutation reply has an empty template between "
				 PO_MUTATE_REPLY_BEGIN " and " PO_MUTATE_REPLY_END "; the mutate "
				 "model must reply with the full new template");
		else
			po_error(err, PO_EEVAL, "mutation reply holds no template; the mutate "
				 "model must reply with the full new template between "
				 PO_MUTATE_REPLY_BEGIN " and " PO_MUTATE_REPLY_END);
		return NULL;
	}
	return po_xstrndup(s, n);
}
