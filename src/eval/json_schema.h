/*
 * A JSON Schema validator for what LLM output checks need (draft 7 keywords
 * type, properties, required, additionalProperties, enum, const, items,
 * minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
 * maxLength, minItems, maxItems, pattern and patternProperties (PCRE2);
 * boolean schemas; annotations such as title and description are ignored).
 * Run against the official JSON Schema Test Suite by
 * tests/unit/test_json_schema.c.
 *
 * Ownership: schema and instance are borrowed; *msg is the caller's to free.
 */
#ifndef PO_JSON_SCHEMA_H
#define PO_JSON_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Returns 1 when instance is valid, 0 when not (*msg: the first fault, e.g.
 * "$.fields.name: expected a string, found an integer"), -1 when the schema
 * itself is unusable (*msg says why, e.g. a pattern that does not compile).
 * msg may be NULL. Keywords the validator does not know are ignored.
 */
int po_json_schema_validate(const json_t *schema, const json_t *instance, char **msg);

/* Equality as JSON Schema means it: deep, numbers by value (1 equals 1.0). */
bool po_json_same(const json_t *a, const json_t *b);

/* The first keyword of schema (its subschemas included) that the validator
 * does not implement, or NULL when it implements them all. */
const char *po_json_schema_unsupported(const json_t *schema);

#endif
