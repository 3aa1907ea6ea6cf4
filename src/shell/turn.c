/*
 * turn.c - TURN (RFC 821 4.1.1) in the shell: after a 250 to TURN the
 * session hands its connection over and smtpsh serves it as the receiving
 * side with the teaching server's engine, showing each command the peer
 * sends and our reply, and recording them in the transcript.  Refused
 * under TLS before anything is sent (verbcmd.c): the turned session would
 * have to go on inside the TLS layer, which the engine does not serve.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "shell.h"
#include "signals.h"

static void shell_turn_exchange(void *ctx, const char *cmd, size_t cmdlen,
    const char *reply, size_t replylen)
{
	struct shell *sh = ctx;
	if (transcript_is_open(&sh->transcript)) {
		if (cmd != NULL) {
			transcript_record(&sh->transcript, WIRE_IN, cmd, cmdlen);
			transcript_record(&sh->transcript, WIRE_IN, "\r\n", 2);
		}
		transcript_record(&sh->transcript, WIRE_OUT, reply, replylen);
	}
	out_turned(&sh->out, cmd, cmdlen, reply, replylen, transcript_is_open(&sh->transcript)
	    ? _("the transcript has all of it") : NULL);
}

void shell_turned(struct shell *sh)
{
	out_note(&sh->out, N_("TURN accepted: we are now the receiving server on this connection "
	    "(RFC 821 4.1.1); every command they send and our reply follow"));
	shell_transcript_note(sh, "TURN accepted: the roles are swapped (S: is now what we receive)");
	struct smtp_error err;
	char pre[16384];
	size_t pre_len = 0;
	int fd = -1;
	if (session_hand_over(sh->sess, &fd, pre, sizeof pre, &pre_len, &err) != SMTP_OK) {
		shell_fail(sh, "turn", &err);
		return;
	}
	enum smtp_errkind k = demo_server_receive_turned(fd, pre, pre_len, NULL, shell_turn_exchange,
	    sh, signals_fd(), &err);
	close(fd);
	if (k != SMTP_OK) {
		if (k == SMTP_ERR_CANCELLED)
			shell_cancelled(sh, "turn");
		shell_fail(sh, "turn", &err);
	}
	out_closed(&sh->out, N_("the turned session is over; the connection is closed"));
	shell_transcript_note(sh, "the turned session is over; the connection is closed");
}
