/*
 * sequence.c - the command line's automatic sequence (issue 12, as swaks
 * has it): with --from/--to or --quit-after, smtpsh connects, shows the
 * banner, sends EHLO (LHLO with --lmtp), STARTTLS with --starttls, AUTH
 * with --auth, the test message (sendcmd.c), then QUIT -- stopping after
 * the stage --quit-after names (connect: close without a word; the others:
 * QUIT).
 */
#include <stdio.h>
#include <string.h>

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
	if (!session_is_open(sh->sess))
		return;                        /* the connect failed (reported) */
	if (mo->quit_after == STAGE_CONNECT) {
		shell_close(sh, N_("--quit-after connect: closed without a word"));
		return;
	}
	bool go = !seq_stop(sh, mo, STAGE_BANNER);
	if (go) {
		shell_run_verb(sh, verb_by_id(sh->conn.lmtp ? VERB_LHLO : VERB_EHLO), "", 0);
		go = session_state(sh->sess) == SMTP_ST_READY && !seq_stop(sh, mo, STAGE_EHLO);
	}
	if (go && mo->starttls) {
		shell_starttls(sh);
		go = session_tls_active(sh->sess) && session_state(sh->sess) == SMTP_ST_READY;
	}
	go = go && !seq_stop(sh, mo, STAGE_TLS);
	if (go && mo->auth_mech != NULL) {
		char arg[600];
		int n = snprintf(arg, sizeof arg, "%s %s", mo->auth_mech,
		    mo->auth_user != NULL ? mo->auth_user : "");
		go = shell_auth(sh, arg, (size_t)n);
	}
	go = go && !seq_stop(sh, mo, STAGE_AUTH);
	if (go && mo->from != NULL)
		shell_message(sh, mo);
	if (session_is_open(sh->sess))
		(void)shell_exchange(sh, verb_by_id(VERB_QUIT), "QUIT", 4, NULL);
}
