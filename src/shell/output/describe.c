/*
 * describe.c - what smtpsh calls a reply, for both renderers and the exit
 * status: its stage ("greeting", "ehlo", "body", ...) and the meaning of
 * its code for the command it answers (codes.h's per-context table: 220
 * to STARTTLS is "Ready to start TLS", not the greeting).
 */
#include "codes.h"
#include "output.h"
#include "render.h"

const char *out_reply_stage(const struct session_reply *r, char *buf, size_t cap)
{
	if (r->origin == SESSION_REPLY_GREETING)
		return "greeting";
	if (r->origin == SESSION_REPLY_UNSOLICITED)
		return NULL;
	if (r->body_end)
		return "body";
	if (r->verb == NULL)
		return "raw";
	size_t i = 0;
	for (; r->verb->name[i] != '\0' && i + 1 < cap; i++)
		buf[i] = (char)(r->verb->name[i] | 0x20);
	buf[i] = '\0';
	return buf;
}

void render_meaning(const struct session_reply *r, text_translator tr, char *buf, size_t cap)
{
	int ctx = CODE_CTX_ANY;
	if (r->origin == SESSION_REPLY_GREETING)
		ctx = CODE_CTX_GREETING;
	else if (r->origin != SESSION_REPLY_UNSOLICITED && r->verb != NULL && !r->body_end)
		ctx = (int)r->verb->id;
	else if (r->body_end)
		ctx = CODE_CTX_ANY;
	code_explain_in(r->reply.code, ctx, tr, buf, cap, NULL);
}


size_t render_message_taken(const struct out_message *m)
{
	return m->envelope_only ? m->naccepted : m->nbody_accepted;
}

const char *render_message_outcome(const struct out_message *m)
{
	if (m->nto > 0 && render_message_taken(m) == m->nto)
		return "all";
	return render_message_taken(m) > 0 ? "some" : "none";
}
