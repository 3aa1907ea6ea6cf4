/*
 * sequence.c - the command line's automatic sequence (issue 12, as swaks
 * has it): with --from/--to, --quit-after, --starttls, --auth or --xclient,
 * smtpsh connects, shows the banner, sends EHLO (LHLO with --lmtp),
 * STARTTLS with --starttls, each --xclient (then the hello again), AUTH
 * with --auth, the test message (sendcmd.c), then QUIT -- stopping after
 * the stage --quit-after names (connect: close without a word; the others:
 * QUIT).  The first stage that fails is noted for --stage-status
 * (exit_status.h's stage table, swaks' numbers).
 */
#include <stdio.h>
#include <string.h>

#include "exit_status.h"
#include "options.h"
#include "shell.h"

/* Stop here?  Then QUIT (or, after connect, just close). */
static bool seq_stop(struct shell *sh, const struct message_opts *mo, enum seq_stage now)
{
	if (sh->stop || !session_is_open(sh->sess))
		return true;
	if (mo->quit_after != now)
		return false;
	out_note(&sh->out, N_("--quit-after %s: stopping here"), seq_stage_name(now));
	return true;
}

/* A stage went wrong: its number, unless the server dropped the
 * connection without a reply (swaks' 6). */
static bool seq_failed(struct shell *sh, int stage)
{
	bool dropped = !session_is_open(sh->sess) && session_end(sh->sess) == SESSION_END_DROPPED;
	shell_stage_failed(sh, dropped ? STAGE_EXIT_CLOSED : stage);
	return false;
}

/* The connect and the banner. */
static bool seq_connected(struct shell *sh)
{
	if (!session_is_open(sh->sess)) {
		if (sh->outcome.worst == SHELL_EXIT_USAGE)
			return false;          /* refused before connecting: the options' 1 */
		const char *st = sh->outcome.failed_stage;
		bool connect = strcmp(st, "connect") == 0 || strcmp(st, "mx") == 0;
		shell_stage_failed(sh, connect ? STAGE_EXIT_CONNECT : STAGE_EXIT_BANNER);
		return false;
	}
	if (!sh->recipe.greeted)
		shell_stage_failed(sh, STAGE_EXIT_BANNER);
	return true;
}

static bool seq_xclient(struct shell *sh, const struct smtpsh_args *a)
{
	for (size_t i = 0; i < a->nxclient; i++) {
		enum shell_xclient_end end = shell_xclient(sh, a->xclient[i], strlen(a->xclient[i]));
		if (end == SHELL_XCLIENT_REFUSED)
			return seq_failed(sh, STAGE_EXIT_XCLIENT);
		if (end == SHELL_XCLIENT_HELLO_FAILED)
			return seq_failed(sh, STAGE_EXIT_XCLIENT_HELLO);
	}
	return true;
}

void shell_sequence(struct shell *sh, const struct smtpsh_args *a)
{
	const struct message_opts *mo = &a->msg;
	if (mo->quit_after >= STAGE_MAIL && (mo->from == NULL || mo->nto == 0)) {
		shell_usage_error(sh, N_("--quit-after %s needs --from and --to"), seq_stage_name(mo->quit_after));
		return;
	}
	if (mo->quit_after < STAGE_MAIL && mo->quit_after != STAGE_NONE &&
	    (mo->from != NULL || mo->nto > 0))
		out_note(&sh->out, N_("--quit-after %s: the message is not sent"), seq_stage_name(mo->quit_after));
	if (!seq_connected(sh))
		return;                        /* the connect failed (reported) */
	if (mo->quit_after == STAGE_CONNECT) {
		shell_close(sh, N_("--quit-after connect: closed without a word"));
		return;
	}
	bool go = !seq_stop(sh, mo, STAGE_BANNER);
	if (go) {
		shell_run_verb(sh, verb_by_id(sh->conn.lmtp ? VERB_LHLO : VERB_EHLO), "", 0);
		go = session_state(sh->sess) == SMTP_ST_READY || seq_failed(sh, STAGE_EXIT_HELLO);
		go = go && !seq_stop(sh, mo, STAGE_EHLO);
	}
	if (go && mo->starttls) {
		shell_starttls(sh);
		go = session_tls_active(sh->sess) || seq_failed(sh, STAGE_EXIT_TLS);
		go = go && (session_state(sh->sess) == SMTP_ST_READY ||
		    seq_failed(sh, STAGE_EXIT_TLS_HELLO));
	}
	go = go && !seq_stop(sh, mo, STAGE_TLS);
	go = go && seq_xclient(sh, a) && !seq_stop(sh, mo, STAGE_XCLIENT);
	if (go && mo->auth_mech != NULL) {
		char arg[600];
		int n = snprintf(arg, sizeof arg, "%s %s", mo->auth_mech,
		    mo->auth_user != NULL ? mo->auth_user : "");
		go = shell_auth(sh, arg, (size_t)n) || seq_failed(sh, STAGE_EXIT_AUTH);
	}
	go = go && !seq_stop(sh, mo, STAGE_AUTH);
	if (go && mo->from != NULL)
		shell_message(sh, mo);
	if (session_is_open(sh->sess) &&
	    shell_exchange(sh, verb_by_id(VERB_QUIT), "QUIT", 4, NULL) != 221)
		seq_failed(sh, STAGE_EXIT_QUIT);
}
