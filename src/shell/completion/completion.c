/*
 * completion.c - `smtpsh --completion bash|zsh|profiles` (completion.h):
 * the scripts, once every option's argument is known to the completion
 * (completion_args.c), and the profiles' names for them.
 */
#include "completion.h"

#include <string.h>

#include "completion_int.h"
#include "profile.h"

/* The config file's profiles, one a line, as `smtpsh NAME` would find
 * them ([default] is no host to go to).  A config file with a bad line
 * lists nothing: its error is on err, which the scripts discard. */
static int completion_profiles(FILE *out, FILE *err)
{
	static struct profiles p;
	if (!profiles_load(&p, err))
		return 2;
	for (size_t i = 0; i < p.nnames; i++)
		if (strcmp(p.names[i], "default") != 0)
			fprintf(out, "%s\n", p.names[i]);
	profiles_free(&p);
	return 0;
}

int completion_write(const char *what, FILE *out, FILE *err)
{
	if (strcmp(what, "profiles") == 0)
		return completion_profiles(out, err);
	if (strcmp(what, "bash") != 0 && strcmp(what, "zsh") != 0) {
		fprintf(err, "smtpsh: --completion wants bash, zsh or profiles, not \"%.40s\"\n", what);
		return 2;
	}
	if (!completion_args_check(err))
		return 3;
	if (strcmp(what, "bash") == 0)
		completion_bash(out);
	else
		completion_zsh(out);
	return ferror(out) || fflush(out) != 0 ? 3 : 0;
}
