/*
 * completion_args.c - what each option's argument completes to, by the
 * argument's name in the option table (options.c): FILE and RESULTS are
 * file names, PROFILE a profile, METHOD, STAGE, MECH, VERSION, VERB, WHEN
 * FULL|HDRS and 1|2 (the PROXY versions) one of the values they accept (the lookup
 * methods, the --quit-after stages, the AUTH mechanisms, the TLS versions,
 * the verbs, the DSN keywords); the rest are free values.  An argument
 * name missing here stops the build (completion_write), so every option
 * added to the table gets a decision.
 */
#include <string.h>

#include "auth.h"
#include "completion_int.h"
#include "dsn.h"
#include "lookup.h"
#include "tls.h"
#include "verbs.h"

static const char *word_method(size_t i)
{
	return i < LOOKUP_METHOD__COUNT ? lookup_method_name((enum lookup_method)i) : NULL;
}

static const char *word_stage(size_t i)
{
	/* STAGE_NONE is no stage to stop after. */
	return i + 1 < STAGE__COUNT ? seq_stage_name((enum seq_stage)(i + 1)) : NULL;
}

static const char *word_mech(size_t i)
{
	return i < AUTH_MECH__COUNT ? auth_mech_name((enum auth_mech)i) : NULL;
}

static const char *word_verb(size_t i)
{
	return i < verb_count() ? verb_at(i)->name : NULL;
}

static const char *word_proxy(size_t i)
{
	static const char *const versions[] = { "1", "2" };
	return i < 2 ? versions[i] : NULL;
}

static const struct {
	const char *arg;               /* as the option table names it */
	struct completion_arg what;
} completion_args[] = {
	{ "FILE", { COMPLETE_FILE, NULL } },
	{ "RESULTS", { COMPLETE_FILE, NULL } },
	{ "PROFILE", { COMPLETE_PROFILE, NULL } },
	{ "METHOD", { COMPLETE_WORDS, word_method } },
	{ "STAGE", { COMPLETE_WORDS, word_stage } },
	{ "MECH", { COMPLETE_WORDS, word_mech } },
	{ "VERSION", { COMPLETE_WORDS, tls_version_name_at } },
	{ "VERB", { COMPLETE_WORDS, word_verb } },
	{ "WHEN", { COMPLETE_WORDS, dsn_notify_word } },
	{ "FULL|HDRS", { COMPLETE_WORDS, dsn_ret_word } },
	{ "1|2", { COMPLETE_WORDS, word_proxy } },
	/* Free values: a command, numbers, addresses, names, text. */
	{ "CMD", { COMPLETE_NONE, NULL } },
	{ "SECS", { COMPLETE_NONE, NULL } },
	{ "ADDR", { COMPLETE_NONE, NULL } },
	{ "NAME", { COMPLETE_NONE, NULL } },
	{ "LIST", { COMPLETE_NONE, NULL } },
	{ "USER", { COMPLETE_NONE, NULL } },
	{ "TEXT", { COMPLETE_NONE, NULL } },
	{ "'NAME: VALUE'", { COMPLETE_NONE, NULL } },
	{ "ID", { COMPLETE_NONE, NULL } },
	{ "DOMAIN", { COMPLETE_NONE, NULL } },
	{ "N[/s|/m]", { COMPLETE_NONE, NULL } },
	{ "N", { COMPLETE_NONE, NULL } },
	{ "[ADDR:]PORT", { COMPLETE_NONE, NULL } },
	{ "ADDR:PORT", { COMPLETE_NONE, NULL } },
	{ "'ATTR=VALUE ...'", { COMPLETE_NONE, NULL } },
};

bool completion_arg_of(const struct smtpsh_option *o, struct completion_arg *out, FILE *err)
{
	for (size_t i = 0; i < sizeof completion_args / sizeof completion_args[0]; i++)
		if (strcmp(o->arg, completion_args[i].arg) == 0) {
			*out = completion_args[i].what;
			return true;
		}
	fprintf(err, "smtpsh: --completion: what does --%s's argument %s complete to? "
	    "(src/shell/completion/completion_args.c)\n", o->name, o->arg);
	return false;
}

bool completion_args_check(FILE *err)
{
	struct completion_arg a;
	for (size_t i = 0; i < options_count(); i++)
		if (options_at(i)->arg != NULL && !completion_arg_of(options_at(i), &a, err))
			return false;
	return true;
}
