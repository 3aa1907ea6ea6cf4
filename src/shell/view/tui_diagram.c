/*
 * tui_diagram.c - RFC 821's state diagram (RFC 821 4.3; the diagram at the
 * end of the scsh seed), drawn into a curses window for the full-screen
 * view: each state on its own row, the current one highlighted, and under
 * it the commands RFC 821's sequence allows now (from the verb table; the
 * rows are state.c's, shared with the line-mode `diagram`).
 * Knows nothing of the session but the state it is given.
 */
#include <string.h>

#include "tr.h"
#include "tui.h"

/* After our headers: curses defines macros such as `lines`. */
#include <curses.h>

#include "termlibs_curses.h"

int tui_diagram_height(void)
{
	size_t n;
	(void)smtp_diagram(&n);
	return (int)n + 4;
}

void tui_diagram_draw(WINDOW *w, enum smtp_state st)
{
	int h, width;
	getmaxyx(w, h, width);
	werase(w);
	wattron(w, A_BOLD);
	tui_put_cols(w, 0, 1, _("RFC 821 state diagram"), width - 2);
	wattroff(w, A_BOLD);
	size_t nrows;
	const struct smtp_diagram_row *rows = smtp_diagram(&nrows);
	int y = 1;
	for (size_t i = 0; i < nrows && y < h; i++, y++) {
		bool here = rows[i].state == (int)st;
		if (here)
			wattron(w, A_REVERSE | A_BOLD);
		mvwaddnstr(w, y, 0, _(rows[i].text), width);
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
		if (!verb_in_rfc821(v) || !verb_allowed_in(v, st))
			continue;         /* RFC 821's; `state` adds what goes beyond it */
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
