/*
 * The markers shared by the prompts the roles build (eval/judge, opt/mutate)
 * and the simulator, which finds the parts of a request by them and detects
 * the role of a seed-style request from them. Data only: string literals.
 */
#ifndef PO_TAGS_H
#define PO_TAGS_H

/* Judge prompt: around the output under evaluation. */
#define PO_JUDGE_OUTPUT_BEGIN "<output_to_evaluate>"
#define PO_JUDGE_OUTPUT_END "</output_to_evaluate>"

/*
 * Pairwise judge prompt: around the two outputs compared, shown as A and B
 * (eval/pairwise.c writes them, the simulator reads them).
 */
#define PO_PAIR_A_BEGIN "<output_a>"
#define PO_PAIR_A_END "</output_a>"
#define PO_PAIR_B_BEGIN "<output_b>"
#define PO_PAIR_B_END "</output_b>"

/*
 * Mutation prompt: around the current template (twice for a crossover, one
 * per parent) and around the judge's feedback (one improvement per line).
 * Mutation reply: the new template between PO_MUTATE_REPLY_BEGIN and _END.
 */
#define PO_MUTATE_PROMPT_BEGIN "<current_prompt>"
#define PO_MUTATE_PROMPT_END "</current_prompt>"
#define PO_MUTATE_FEEDBACK_BEGIN "<feedback>"
#define PO_MUTATE_FEEDBACK_END "</feedback>"
#define PO_MUTATE_REPLY_BEGIN "<prompt>"
#define PO_MUTATE_REPLY_END "</prompt>"

/*
 * Reflective mutation: the outputs of the current template on a few test
 * cases with their scores and the judge's feedback, worst first, between
 * PO_MUTATE_TRACES_BEGIN and _END; the request asks for a rewrite that fixes
 * what they show (the simulator edits more than once for it).
 * History (OPRO): earlier templates with their scores, ascending, each
 * between PO_MUTATE_PROMPT_BEGIN and _END after a line starting
 * PO_MUTATE_SCORE_LINE; the best is the last.
 */
#define PO_MUTATE_TRACES_BEGIN "<case_traces>"
#define PO_MUTATE_TRACES_END "</case_traces>"
#define PO_MUTATE_HISTORY_BEGIN "<earlier_prompts>"
#define PO_MUTATE_HISTORY_END "</earlier_prompts>"
#define PO_MUTATE_SCORE_LINE "Score: "

/*
 * Few-shot examples in a prompt template (opt/demos writes them, the
 * simulator reads them): one block of examples, each the inputs of a case
 * and the output a good answer gave for it.
 *
 *   <examples>
 *   (a line saying what they are)
 *   <example>
 *   <example_input>
 *   name: value (one line per input)
 *   </example_input>
 *   <example_output>
 *   the output
 *   </example_output>
 *   </example>
 *   </examples>
 *
 * No marker is a prefix of another, so a plain search finds each one.
 */
#define PO_DEMOS_BEGIN "<examples>"
#define PO_DEMOS_END "</examples>"
#define PO_DEMO_BEGIN "<example>"
#define PO_DEMO_END "</example>"
#define PO_DEMO_INPUT_BEGIN "<example_input>"
#define PO_DEMO_INPUT_END "</example_input>"
#define PO_DEMO_OUTPUT_BEGIN "<example_output>"
#define PO_DEMO_OUTPUT_END "</example_output>"

#endif
