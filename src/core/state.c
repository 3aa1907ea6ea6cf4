/*
 * state.c - names and learner descriptions of the session states (state.h),
 * and the diagram itself as rows of text, after RFC 821's state diagram (RFC 821 4.3; RFC 5321 4.1.4 for ordering).
 * Pure data; no allocation, no errors.
 */
#include "state.h"
#include "i18n.h"

static const struct {
	const char *name;
	const char *describe;
} state_text[] = {
	[SMTP_ST_DISCONNECTED] = { "not connected",
		N_("No connection: use `open HOST [PORT]` to connect.") },
	[SMTP_ST_CONNECTED] = { "connected",
		N_("Connected; the server has not sent its 220 greeting yet.") },
	[SMTP_ST_GREETED] = { "greeted",
		N_("The server greeted us (220): it expects HELO or EHLO first (RFC 5321 4.1.4).") },
	[SMTP_ST_READY] = { "ready",
		N_("HELO/EHLO accepted, no mail transaction: MAIL (or SEND/SOML/SAML) starts one.") },
	[SMTP_ST_MAIL] = { "mail",
		N_("MAIL accepted: give at least one RCPT before DATA.") },
	[SMTP_ST_RCPT] = { "rcpt",
		N_("At least one recipient accepted: more RCPT, or DATA to send the message.") },
	[SMTP_ST_DATA] = { "data",
		N_("DATA accepted (354): the server reads the message until a line with a lone \".\".") },
	[SMTP_ST_TURNED] = { "turned",
		N_("TURN accepted: the roles are swapped, the server now sends mail to us.") },
	[SMTP_ST_CLOSED] = { "closed",
		N_("The connection is closed (221, 421 or the server went away).") },
};
_Static_assert(sizeof state_text / sizeof state_text[0] == SMTP_ST__COUNT,
    "a name and a description for every state");

const char *smtp_state_name(enum smtp_state st)
{
	if ((unsigned)st >= SMTP_ST__COUNT)
		return "unknown";
	return state_text[st].name;
}

const char *smtp_state_describe(enum smtp_state st)
{
	if ((unsigned)st >= SMTP_ST__COUNT)
		return "Unknown state.";
	return state_text[st].describe;
}

/* RFC 821 4.3's diagram (the one at the end of the scsh seed), one row per
 * line: the full-screen view draws it, `diagram` prints it, each with the
 * current state's row marked. */
static const struct smtp_diagram_row diagram_rows[] = {
	{ "  connected", SMTP_ST_CONNECTED },
	{ N_("      | 220 greeting"), -1 },      /* the labels are translated where drawn */
	{ "  greeted", SMTP_ST_GREETED },
	{ "      | HELO / EHLO", -1 },
	{ "  ready  <------------+", SMTP_ST_READY },
	{ "      | MAIL SEND     |", -1 },
	{ "      | SOML SAML     | RSET", -1 },
	{ "  mail                |", SMTP_ST_MAIL },
	{ "      | RCPT          |", -1 },
	{ "  rcpt  <-- RCPT      |", SMTP_ST_RCPT },
	{ "      | DATA (354)    |", -1 },
	{ "  data  --- . 250 ----+", SMTP_ST_DATA },
	{ "", -1 },
	{ N_("  turned   (250 to TURN)"), SMTP_ST_TURNED },
	{ "  closed   (221, 421, EOF)", SMTP_ST_CLOSED },
};

const struct smtp_diagram_row *smtp_diagram(size_t *n)
{
	*n = sizeof diagram_rows / sizeof diagram_rows[0];
	return diagram_rows;
}
