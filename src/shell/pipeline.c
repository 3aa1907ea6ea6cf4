/*
 * pipeline.c - the shell's `pipeline {` ... `}` (or `pipeline on` ...
 * `pipeline off`): the SMTP commands typed in between are kept, then sent
 * in one write as RFC 2920 allows, and every reply is shown credited to its
 * command (the session's owed queue matches them in order).  Only commands
 * with a plain reply can be queued; DATA may come last (RFC 2920 3.1), and
 * its body is then typed as after `data`.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "smtp_limits.h"

void pipeline_begin(struct shell *sh)
{
	if (sh->pipe.on) {
		shell_usage_error(sh, N_("a pipeline is already being typed: end it with }"));
		return;
	}
	if (!session_is_open(sh->sess)) {
		shell_usage_error(sh, N_("not connected (use `open HOST [PORT]`)"));
		return;
	}
	const struct ehlo_set *ext = session_extensions(sh->sess);
	if (!ext->valid || ehlo_find(ext, "PIPELINING") == NULL)
		out_note(&sh->out, N_("the server did not advertise PIPELINING (RFC 2920): it may lose "
		    "commands that arrive together"));
	sh->pipe.on = true;
	sh->pipe.n = 0;
	out_note(&sh->out, N_("type SMTP commands, one per line; } sends them in one write"));
}

/* Queue one verb line.  False when it was refused (reported). */
bool pipeline_add(struct shell *sh, const struct verb *v, const char *arg, size_t arglen)
{
	if (sh->pipe.n > 0 && (sh->pipe.verb[sh->pipe.n - 1]->flags & VERB_F_BODY)) {
		shell_usage_error(sh, N_("DATA must be the last command of a pipeline; end it with }"));
		return false;
	}
	if (v->flags & (VERB_F_STARTS_TLS | VERB_F_SENSITIVE | VERB_F_CHUNK | VERB_F_SWAPS_ROLES |
	    VERB_F_RESTARTS) ||
	    ((v->flags & VERB_F_BODY) && arglen > 0)) {
		shell_usage_error(sh, N_("%s cannot be pipelined here (its reply starts another "
		    "exchange); end the pipeline with } first"), v->name);
		return false;
	}
	if (sh->pipe.n == SHELL_PIPE_MAX) {
		shell_usage_error(sh, N_("at most %d commands in one pipeline"), SHELL_PIPE_MAX);
		return false;
	}
	struct smtp_error err;
	size_t wlen;
	if (verb_format_command(v, arg, arglen, sh->pipe.line[sh->pipe.n], SMTP_COMMAND_LINE_MAX,
	    &wlen, &err) != SMTP_OK) {
		shell_fail(sh, "shell", &err);
		return false;
	}
	sh->pipe.verb[sh->pipe.n++] = v;
	return true;
}

void pipeline_end(struct shell *sh)
{
	if (!sh->pipe.on) {
		shell_usage_error(sh, N_("no pipeline is being typed (pipeline { starts one)"));
		return;
	}
	sh->pipe.on = false;
	size_t n = sh->pipe.n;
	sh->pipe.n = 0;
	if (n == 0)
		return;
	struct session_line lines[SHELL_PIPE_MAX];
	for (size_t i = 0; i < n; i++)
		lines[i] = (struct session_line){ .verb = sh->pipe.verb[i],
		    .line = sh->pipe.line[i], .len = strlen(sh->pipe.line[i]) };
	if (!shell_send_group(sh, lines, n))
		return;
	struct session_reply r;
	session_reply_init(&r);
	int code = 0;
	for (size_t i = 0; i < n; i++)
		if ((code = shell_collect(sh, lines[i].seq, &r)) == 0)
			break;
	if (code == 354 && session_state(sh->sess) == SMTP_ST_DATA) {
		if (!shell_body_begin(sh))
			shell_close(sh, N_("connection closed: no temporary file for the body"));
	} else if (code != 0) {
		shell_maybe_stop(sh, &r);
	}
	session_reply_free(&r);
}
