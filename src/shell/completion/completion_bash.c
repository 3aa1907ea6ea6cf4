/*
 * completion_bash.c - the bash completion script (`smtpsh --completion
 * bash`, installed as smtpsh.bash in bash-completion's completionsdir):
 * every option of the table, long and short; after an option, its
 * argument as completion_args.c says (a file name, a profile, one of a
 * table's values, or nothing); where the host goes, the profiles (asked
 * of the smtpsh being completed: `--completion profiles`) and host names.
 * Plain bash: it works with bash-completion loaded or without.
 */
#include <stdbool.h>
#include <string.h>

#include "completion_int.h"

/* The option list's lines stay about this wide. */
#define BASH_WIDTH 80

static const char bash_head[] =
    "# smtpsh.bash - bash completion for smtpsh: its options, their values, and the\n"
    "# profiles of ~/.config/smtpsh/config where the host goes.  Source it, or let\n"
    "# bash-completion load it from its completionsdir.  Written by\n"
    "# `smtpsh --completion bash` from smtpsh's option table: do not edit.\n"
    "\n"
    "# _smtpsh_add PREFIX CUR WORD...: each WORD that starts with CUR, into COMPREPLY.\n"
    "_smtpsh_add()\n"
    "{\n"
    "\tlocal prefix=$1 cur=$2 w\n"
    "\tshift 2\n"
    "\tfor w in \"$@\"; do\n"
    "\t\t[[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$prefix$w\")\n"
    "\tdone\n"
    "}\n"
    "\n"
    "# _smtpsh_files PREFIX CUR: the file names that start with CUR.\n"
    "_smtpsh_files()\n"
    "{\n"
    "\tlocal prefix=$1 cur=$2 f\n"
    "\t[[ -z $prefix ]] && compopt -o filenames 2>/dev/null\n"
    "\twhile IFS= read -r f; do\n"
    "\t\tCOMPREPLY+=(\"$prefix$f\")\n"
    "\tdone < <(compgen -f -- \"$cur\")\n"
    "}\n"
    "\n"
    "# _smtpsh_profiles COMMAND: the profiles, as the smtpsh being completed finds them.\n"
    "_smtpsh_profiles()\n"
    "{\n"
    "\tlocal cmd=$1\n"
    "\t[[ $cmd == \"~/\"* ]] && cmd=$HOME/${cmd#\"~/\"}\n"
    "\ttype -P -- \"$cmd\" >/dev/null 2>&1 || cmd=smtpsh\n"
    "\tcommand \"$cmd\" --completion profiles 2>/dev/null\n"
    "}\n"
    "\n"
    "_smtpsh()\n"
    "{\n"
    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= prefix=\n"
    "\tlocal -a names\n"
    "\tCOMPREPLY=()\n"
    "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
    "\tif [[ $cur == = && $prev == --* ]]; then\n"
    "\t\tcur=                                 # --opt=<TAB>, '=' a word of its own\n"
    "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
    "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}      # --opt=VAL<TAB>\n"
    "\telif [[ $cur == --*=* ]]; then\n"
    "\t\tprev=${cur%%=*} prefix=${cur%%=*}= cur=${cur#*=}   # '=' no word break\n"
    "\tfi\n"
    "\tcase $prev in\n";

static const char bash_tail[] =
    "\t# Where the host goes: a profile, or a host name.\n"
    "\tmapfile -t names < <(_smtpsh_profiles \"${COMP_WORDS[0]}\")\n"
    "\t_smtpsh_add \"\" \"$cur\" \"${names[@]}\"\n"
    "\tmapfile -t -O \"${#COMPREPLY[@]}\" COMPREPLY < <(compgen -A hostname -- \"$cur\")\n"
    "\treturn 0\n"
    "}\n"
    "\n"
    "complete -F _smtpsh smtpsh\n";

/* "-e|--execute" or "--json". */
static void bash_names(FILE *out, const struct smtpsh_option *o)
{
	if (o->key < 256)
		fprintf(out, "-%c|", o->key);
	fprintf(out, "--%s", o->name);
}

/* What o's argument completes to; false for a flag. */
static bool bash_arg(const struct smtpsh_option *o, struct completion_arg *a)
{
	return o->arg != NULL && completion_arg_of(o, a, stderr);
}

/* One case pattern: every option whose argument completes as `kind` (and,
 * for COMPLETE_WORDS, from `word`); false, and nothing written, when no
 * option does. */
static bool bash_pattern(FILE *out, enum completion_kind kind, const char *(*word)(size_t))
{
	bool any = false;
	for (size_t i = 0; i < options_count(); i++) {
		struct completion_arg a;
		if (!bash_arg(options_at(i), &a) || a.kind != kind ||
		    (kind == COMPLETE_WORDS && a.word != word))
			continue;
		fputs(any ? "|" : "\t", out);
		bash_names(out, options_at(i));
		any = true;
	}
	if (any)
		fputs(")\n", out);
	return any;
}

/* A word in single quotes. */
static void bash_quoted(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			fputs("'\\''", out);
		else
			fputc(*s, out);
	fputc('\'', out);
}

/* A case branch for each list of values, written at the first option
 * that has it (the options sharing a list share the branch). */
static void bash_values(FILE *out)
{
	for (size_t i = 0; i < options_count(); i++) {
		struct completion_arg a, b;
		if (!bash_arg(options_at(i), &a) || a.kind != COMPLETE_WORDS)
			continue;
		size_t k = 0;
		while (k < i && !(bash_arg(options_at(k), &b) && b.kind == COMPLETE_WORDS &&
		    b.word == a.word))
			k++;
		if (k < i || !bash_pattern(out, COMPLETE_WORDS, a.word))
			continue;
		fputs("\t\t_smtpsh_add \"$prefix\" \"$cur\"", out);
		for (size_t w = 0; a.word(w) != NULL; w++) {
			fputc(' ', out);
			bash_quoted(out, a.word(w));
		}
		fputs("\n\t\treturn 0 ;;\n", out);
	}
}

void completion_bash(FILE *out)
{
	fputs(bash_head, out);
	bash_values(out);
	if (bash_pattern(out, COMPLETE_FILE, NULL))
		fputs("\t\t_smtpsh_files \"$prefix\" \"$cur\"\n\t\treturn 0 ;;\n", out);
	if (bash_pattern(out, COMPLETE_PROFILE, NULL))
		fputs("\t\tmapfile -t names < <(_smtpsh_profiles \"${COMP_WORDS[0]}\")\n"
		    "\t\t_smtpsh_add \"$prefix\" \"$cur\" \"${names[@]}\"\n\t\treturn 0 ;;\n", out);
	if (bash_pattern(out, COMPLETE_NONE, NULL))
		fputs("\t\treturn 0 ;;                          # a free value\n", out);
	fputs("\tesac\n\tif [[ $cur == -* ]]; then\n\t\t_smtpsh_add \"\" \"$cur\"", out);
	size_t column = 40;                      /* about, after the tabs */
	const char *sep = " ";
	for (size_t i = 0; i < options_count(); i++) {
		const struct smtpsh_option *o = options_at(i);
		if (column + strlen(o->name) + 8 > BASH_WIDTH) {
			fputs(" \\\n\t\t\t", out);
			column = 24;
			sep = "";
		}
		if (o->key < 256)
			column += (size_t)fprintf(out, "%s-%c", sep, o->key);
		column += (size_t)fprintf(out, "%s--%s", o->key < 256 ? " " : sep, o->name);
		sep = " ";
	}
	fputs("\n\t\treturn 0\n\tfi\n", out);
	fputs(bash_tail, out);
}
