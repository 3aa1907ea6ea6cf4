/*
 * manpage.c - `smtpsh --man-page TEMPLATE`: the man page, made at build
 * time from docs/smtpsh.1.in, with its OPTIONS, SMTP VERBS and SHELL
 * COMMANDS sections written from the very tables the shell uses (options.c,
 * the core's verbs.c, shellcmd.c).  A test compares the result with the
 * checked-in docs/smtpsh.1, so the page cannot drift from the program.
 *
 * A template line that is exactly @OPTIONS@, @VERBS@, @COMMANDS@ or
 * @VERDICTS@ (the lookup verdicts, from the core's lookup_verdict.c, the
 * table `explain VERDICT` reads too) is replaced by that section's entries;
 * every other line is copied.
 */
#include <stdio.h>
#include <string.h>

#include "exit_status.h"
#include "lookup.h"
#include "manpage.h"
#include "options.h"
#include "shell.h"
#include "verbs.h"

/* Text for troff: backslash and hyphen escaped, no line starting a request. */
static void man_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

static void man_options(FILE *out)
{
	for (size_t i = 0; i < options_count(); i++) {
		const struct smtpsh_option *o = options_at(i);
		fputs(".TP\n", out);
		if (o->key < 256)
			fprintf(out, "\\fB\\-%c\\fR, ", o->key);
		fputs("\\fB\\-\\-", out);
		man_text(out, o->name);
		fputs("\\fR", out);
		if (o->arg != NULL) {
			fputs(" \\fI", out);
			man_text(out, o->arg);
			fputs("\\fR", out);
		}
		fputc('\n', out);
		man_text(out, o->help);
		fputs(".\n", out);
	}
}

static void man_row(FILE *out, const char *usage, const char *summary, const char *rfc)
{
	fputs(".TP\n\\fB", out);
	man_text(out, usage);
	fputs("\\fR\n", out);
	man_text(out, summary);
	if (rfc != NULL) {
		fputs(" (", out);
		man_text(out, rfc);
		fputc(')', out);
	}
	fputs(".\n", out);
}

int manpage_write(const char *template_path, FILE *out, FILE *err)
{
	FILE *in = fopen(template_path, "r");
	if (in == NULL) {
		fprintf(err, "smtpsh: cannot read %s\n", template_path);
		return 3;
	}
	char line[4096];
	while (fgets(line, sizeof line, in) != NULL) {
		if (strcmp(line, "@OPTIONS@\n") == 0) {
			man_options(out);
		} else if (strcmp(line, "@VERBS@\n") == 0) {
			for (size_t i = 0; i < verb_count(); i++)
				man_row(out, verb_at(i)->usage, verb_at(i)->summary, verb_at(i)->rfc);
		} else if (strcmp(line, "@VERDICTS@\n") == 0) {
			for (int v = 0; v < LOOKUP_VERDICT__COUNT; v++)
				man_row(out, lookup_verdict_name((enum lookup_verdict)v),
				    lookup_verdict_meaning((enum lookup_verdict)v), NULL);
		} else if (strcmp(line, "@EXITSTATUS@\n") == 0) {
			for (size_t i = 0; i < exit_status_count(); i++) {
				char code[16];
				snprintf(code, sizeof code, "%d", exit_status_at(i)->code);
				man_row(out, code, exit_status_at(i)->detail, NULL);
			}
		} else if (strcmp(line, "@STAGESTATUS@\n") == 0) {
			for (size_t i = 0; i < exit_stage_count(); i++) {
				char code[16];
				snprintf(code, sizeof code, "%d", exit_stage_at(i)->code);
				man_row(out, code, exit_stage_at(i)->detail, NULL);
			}
		} else if (strcmp(line, "@COMMANDS@\n") == 0) {
			for (size_t i = 0; i < shell_command_count(); i++) {
				const char *name, *usage, *summary;
				shell_command_at(i, &name, &usage, &summary);
				man_row(out, usage, summary, NULL);
			}
		} else {
			fputs(line, out);
		}
	}
	fclose(in);
	return ferror(out) ? 3 : 0;
}
