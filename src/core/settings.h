/*
 * The one settings table: per setting of a run, its key, type, range,
 * default, command-line flag, path in a project's config_<name>.json, key in
 * a batch config, where it goes in struct po_run_options, and its help line.
 * The project config's validation (core/project_config.c), the batch config's
 * (run/batch_plan.c), the run and batch flags and their --help (cli/options.c)
 * are all driven from it. Values are checked here, with the messages of
 * each file's dialect (po_settings_check_*).
 *
 * Ownership: the table is static; json_t arguments belong to the caller.
 */
#ifndef PO_SETTINGS_H
#define PO_SETTINGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/project.h"
#include "core/srcpos.h"
#include "promptopt.h"

/* The largest seed: the largest integer a JSON reader in any language keeps
 * exactly, so a run is repeatable from the seed its results record. */
#define PO_SEED_MAX UINT64_C(9007199254740991)

enum po_setting_type {
	PO_SETTING_STRING,
	PO_SETTING_BOOL,
	PO_SETTING_INT,     /* an int; a flag takes a whole number */
	PO_SETTING_LONG,    /* a long */
	PO_SETTING_NUMBER,  /* a double */
	PO_SETTING_SEED,    /* a uint64_t from 0 to PO_SEED_MAX */
	PO_SETTING_NONE,    /* only in the project config (see po_config_form) */
};

/* Names a string value must be, checked against a struct po_known_names. */
enum po_setting_names {
	PO_NAMES_ANY,
	PO_NAMES_PROJECT,   /* po_project_name_check() */
	PO_NAMES_PROVIDER,
	PO_NAMES_STRATEGY,
	PO_NAMES_NONEMPTY,  /* an experiment's "name" */
};

/* How the project's config file holds a setting. */
enum po_config_form {
	PO_CFG_NONE,             /* not in the config */
	PO_CFG_STRING,           /* a string (cfg_expect: "a string", "a prompt name") */
	PO_CFG_STRING_OR_NULL,
	PO_CFG_STRATEGY,         /* a strategy name, or an object with an optional "name" */
	PO_CFG_NUMBER_OR_OBJECT, /* a number from cfg_min (below cfg_max if set), or an object */
	PO_CFG_INT,              /* an integer of at least cfg_min */
	PO_CFG_NUMBER,           /* a number of at least (cfg_min_open: above) cfg_min */
	PO_CFG_BOOL,
	PO_CFG_CATALOGUE,        /* "prfaq", "prfaq-v1", "generic" or "ticket" */
	PO_CFG_ROLES,            /* roles: validated by core/project_config.c */
	PO_CFG_RUBRIC,           /* the rubric: validated by core/project_config.c */
	PO_CFG_SPLIT,            /* the split: validated by core/project_config.c */
	PO_CFG_ACCEPT_RULE,      /* "greedy" or "paired" */
	PO_CFG_SCORERS,          /* rule checks: validated by core/project_config.c */
	PO_CFG_ENDPOINTS,        /* a non-empty array of http(s) base URLs */
};

/* A flag's or a batch key's value is not stored in struct po_run_options. */
#define PO_SETTING_NO_FIELD ((size_t)-1)

struct po_setting {
	const char *key;            /* the setting's name, e.g. "iterations" */
	enum po_setting_type type;
	double min, max;            /* range of the flag's and the batch key's value */
	const char *dflt;           /* the built-in default, as text ("" none) */
	/* `promptopt run` flag: takes a value (metavar), or without metavar a
	 * switch that stores `false` (a bool) or flag_const (a string). */
	const char *flag, *metavar, *flag_const;
	const char *batch;          /* key of an experiment in a batch config */
	const char *config;         /* path in config_<name>.json: "sim/noise" */
	enum po_config_form cfg_form;
	const char *cfg_expect;     /* the type the config message names */
	double cfg_min, cfg_max;    /* cfg_max <= cfg_min: no maximum */
	bool cfg_min_open;
	enum po_setting_names names;
	size_t field;               /* offsetof(struct po_run_options, ...) or PO_SETTING_NO_FIELD */
	unsigned from_config;       /* PO_FROM_CONFIG_* bits a flag or a batch key clears */
	/* Help of the flag: the flag column when not "flag metavar", the text
	 * (lines split by '\n'); NULL: shown with the setting before it. */
	const char *usage, *help;
	/* The same for `promptopt batch`, when it takes the flag. */
	const char *batch_metavar, *batch_help;
};

/* The table, ended by a row whose key is NULL. */
extern const struct po_setting po_settings[];

/* The row of `key`, NULL when none. */
const struct po_setting *po_setting_find(const char *key);
/* The row whose flag is `flag` ("--iterations"), NULL when none. */
const struct po_setting *po_setting_find_flag(const char *flag);
/* The row whose batch key is `key`, NULL when none. */
const struct po_setting *po_setting_find_batch(const char *key);

/* Where the setting lives in o (NULL: PO_SETTING_NO_FIELD). */
void *po_setting_field(const struct po_setting *st, struct po_run_options *o);

/*
 * Stores a JSON value (of the setting's type, already checked) in o and
 * clears the from_config bits given in `clear` that the setting has.
 */
void po_setting_store_json(const struct po_setting *st, const json_t *v,
			   struct po_run_options *o, unsigned clear);

/* ---- checking values (core/settings_check.c) ---------------------------- */

/*
 * "unknown <what> \"key\" ...; did you mean ...? (known: ...)", at the key
 * of prefix/key. The batch dialect (where != NULL) says "unknown key \"x\"
 * <where>"; the project config's (where NULL) "unknown <what> \"x\"".
 */
int po_settings_unknown_key(struct po_err *err, const struct po_src *s, const char *jpath,
			    const char *key, const char *const *known, const char *what,
			    const char *where);

/* The config dialect's checks of obj's member `key` at prefix (absent: 0). */
int po_settings_check_keys(struct po_err *err, const struct po_src *s, const char *prefix,
			   const json_t *obj, const char *const *known, const char *what);
/* A number (integer) from min (above it when min_open), below max when max > min. */
int po_settings_check_number(struct po_err *err, const struct po_src *s, const char *prefix,
			     const json_t *obj, const char *key, bool integer, double min,
			     bool min_open, double max);
/* Of JSON type t1 or t2 (JSON_TRUE: a boolean); else "expected <expected> ...". */
int po_settings_check_type(struct po_err *err, const struct po_src *s, const char *prefix,
			   const json_t *obj, const char *key, json_type t1, json_type t2,
			   const char *expected);

/*
 * Checks the members of an experiment or of "defaults" of a batch config at
 * `prefix` (a JSON path): known batch keys, types, ranges and names. `where`
 * ("in experiment 2") goes into messages.
 */
int po_settings_check_batch(struct po_err *err, const struct po_src *s, const char *prefix,
			    const json_t *obj, const char *where, const struct po_known_names *names);

/*
 * Checks every setting of a project config object `root` held by the table
 * (unknown keys included), in table order; the roles, the rubric and the
 * scorers are left to the caller (PO_CFG_ROLES, PO_CFG_RUBRIC, PO_CFG_SCORERS
 * rows) through `check_other`,
 * called when the walk reaches them with the value (not NULL); NULL: not
 * checked.
 */
int po_settings_check_config(struct po_err *err, const struct po_src *s, const json_t *root,
			     const struct po_known_names *names,
			     int (*check_other)(const struct po_setting *st, const json_t *v,
						void *ctx),
			     void *ctx);

#endif
