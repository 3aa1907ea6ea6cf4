/*
 * completion_zsh.c - the zsh completion function (`smtpsh --completion
 * zsh`, installed as _smtpsh in zsh's site-functions): one _arguments
 * spec per option name, long and short, with its help line as the
 * description; its argument as completion_args.c says (_files, the
 * profiles, one of a table's values, or nothing); where the host goes,
 * the profiles (asked of the smtpsh being completed: `--completion
 * profiles`) and host names.  Every option may be given again, as smtpsh
 * allows.
 */
#include <stdbool.h>
#include <string.h>

#include "completion_int.h"

static const char zsh_head[] =
    "#compdef smtpsh\n"
    "# _smtpsh - zsh completion for smtpsh: its options, their values, and the\n"
    "# profiles of ~/.config/smtpsh/config where the host goes.  For a directory\n"
    "# of $fpath (zsh's site-functions).  Written by `smtpsh --completion zsh`\n"
    "# from smtpsh's option table: do not edit.\n"
    "\n"
    "# The profiles, as the smtpsh being completed finds them.\n"
    "_smtpsh_profiles() {\n"
    "\tlocal -a names expl\n"
    "\tnames=(${(f)\"$(_call_program profiles $words[1] --completion profiles 2>/dev/null)\"})\n"
    "\t_wanted profiles expl profile compadd -a names\n"
    "}\n"
    "\n"
    "# Where the host goes: a profile, or a host name.\n"
    "_smtpsh_host() {\n"
    "\t_alternative 'profiles:profile:_smtpsh_profiles' 'hosts:host:_hosts'\n"
    "}\n"
    "\n"
    "_smtpsh() {\n"
    "\t_arguments -s -S \\\n";

static const char zsh_tail[] =
    "\t\t'1:host or profile:_smtpsh_host' \\\n"
    "\t\t'2:port: '\n"
    "}\n"
    "\n"
    "_smtpsh \"$@\"\n";

/* s inside a single-quoted _arguments spec: ' closes and reopens the
 * quotes, and `specials` (the spec's own syntax there) get a backslash. */
static void zsh_text(FILE *out, const char *s, const char *specials)
{
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", out);
		else if (strchr(specials, *s) != NULL)
			fprintf(out, "\\%c", *s);
		else
			fputc(*s, out);
	}
}

/* The action after the argument's message. */
static void zsh_action(FILE *out, const struct completion_arg *a)
{
	switch (a->kind) {
	case COMPLETE_FILE:
		fputs("_files", out);
		break;
	case COMPLETE_PROFILE:
		fputs("_smtpsh_profiles", out);
		break;
	case COMPLETE_WORDS:
		fputc('(', out);
		for (size_t w = 0; a->word(w) != NULL; w++) {
			if (w > 0)
				fputc(' ', out);
			zsh_text(out, a->word(w), " ()\\:[]");
		}
		fputc(')', out);
		break;
	case COMPLETE_NONE:
		fputc(' ', out);                 /* the message alone */
		break;
	}
}

/* One spec: '*--name=[help]:ARG:action' (or -x+ for a short name). */
static void zsh_spec(FILE *out, const struct smtpsh_option *o, const char *name, bool shortname)
{
	struct completion_arg a;
	fprintf(out, "\t\t'*%s%s%s[", shortname ? "-" : "--", name,
	    o->arg == NULL ? "" : shortname ? "+" : "=");
	zsh_text(out, o->help, "\\[]");
	fputc(']', out);
	if (o->arg != NULL && completion_arg_of(o, &a, stderr)) {
		fputc(':', out);
		zsh_text(out, o->arg, "\\:");
		fputc(':', out);
		zsh_action(out, &a);
	}
	fputs("' \\\n", out);
}

void completion_zsh(FILE *out)
{
	fputs(zsh_head, out);
	for (size_t i = 0; i < options_count(); i++) {
		const struct smtpsh_option *o = options_at(i);
		if (o->key < 256) {
			char letter[2] = { (char)o->key, '\0' };
			zsh_spec(out, o, letter, true);
		}
		zsh_spec(out, o, o->name, false);
	}
	fputs(zsh_tail, out);
}
