/*
 * tui_diagram.c - RFC 821's state diagram (RFC 821 4.3; the diagram at the
 * end of the scsh seed), drawn into a curses window for the full-screen
 * view: each state on its own row, the current one highlighted, and under
 * it the commands RFC 821's sequence allows now (from the verb table).
 * Knows nothing of the session but the state it is given.
 */
#include <string.h>

#include "tr.h"
#include "tui.h"

/* After our headers: curses defines macros such as `lines`. */
#include <curses.h>

struct diagram_row {
	const char *text;          /* the row as drawn */
	int state;                 /* the state it names, or -1 for an arrow */
};

static const struct diagram_row diagram_rows[] = {
	{ "  connected", SMTP_ST_CONNECTED },
	{ "      | 220 greeting", -1 },
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
	{ "  turned   (250 to TURN)", SMTP_ST_TURNED },
	{ "  closed   (221, 421, EOF)", SMTP_ST_CLOSED },
};

#define DIAGRAM_ROWS (int)(sizeof diagram_rows / sizeof diagram_rows[0])

int tui_diagram_height(void)
{
	return DIAGRAM_ROWS + 4;
}

void tui_diagram_draw(WINDOW *w, enum smtp_state st)
{
	int h, width;
	getmaxyx(w, h, width);
	werase(w);
	wattron(w, A_BOLD);
	tui_put_cols(w, 0, 1, _("RFC 821 state diagram"), width - 2);
	wattroff(w, A_BOLD);
	int y = 1;
	for (int i = 0; i < DIAGRAM_ROWS && y < h; i++, y++) {
		bool here = diagram_rows[i].state == (int)st;
		if (here)
			wattron(w, A_REVERSE | A_BOLD);
		mvwaddnstr(w, y, 0, diagram_rows[i].text, width);
		if (here)
			wattroff(w, A_REVERSE | A_BOLD);
	}
	if (st == SMTP_ST_DISCONNECTED && y < h)
		tui_put_cols(w, y++, 0, _("  (not connected)"), width);
	if (y + 1 < h) {
		wattron(w, A_BOLD);
		tui_put_cols(w, ++y, 1, _("allowed next:"), width - 1);
		wattroff(w, A_BOLD);
		y++;
	}
	/* The verbs, wrapped to the window. */
	int x = 2;
	for (size_t i = 0; i < verb_count() && y < h; i++) {
		const struct verb *v = verb_at(i);
		if (!verb_allowed_in(v, st))
			continue;
		int len = (int)strlen(v->name);
		if (x + len >= width) {
			y++;
			x = 2;
			if (y >= h)
				break;
		}
		mvwaddnstr(w, y, x, v->name, width - x);
		x += len + 1;
	}
	wnoutrefresh(w);
}
