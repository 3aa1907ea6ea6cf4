/*
 * tui_screen.c - the full-screen view's windows, transcript and bars
 * (tui_int.h): the layout (windows made afresh for each size, none below
 * TUI_FIT_COLS x TUI_FIT_ROWS, where only "terminal too small" is drawn),
 * and drawing the status bar, the transcript (lines wrapped into rows by
 * tui_wrap.c, scrolled by rows; the search's match shown in reverse, the
 * other lines holding the search underlined) and the key hint (or, right
 * after a search, what it found).  Never a control byte to the screen: the
 * escaper has made server text safe, and the drawing drops what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tui.h"
#include "tui_int.h"

void tui_windows_drop(struct tui *t)
{
	WINDOW **all[] = { &t->status, &t->trans, &t->diagram, &t->hint, &t->input };
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
		if (*all[i] != NULL)
			(void)delwin(*all[i]);  /* ERR only for a window with subwindows */
		*all[i] = NULL;
	}
}

void tui_layout(struct tui *t)
{
	tui_windows_drop(t);
	getmaxyx(stdscr, t->rows, t->cols);
	t->too_small = true;
	if (t->rows < TUI_FIT_ROWS || t->cols < TUI_FIT_COLS)
		return;
	int dcols = t->cols >= 100 ? TUI_DIAGRAM_COLS + 4 : TUI_DIAGRAM_COLS;
	int body = t->rows - TUI_BAR_ROWS;
	t->status = newwin(1, t->cols, 0, 0);
	t->trans = newwin(body, t->cols - dcols - 1, 1, 0);
	t->diagram = newwin(body, dcols, 1, t->cols - dcols);
	t->hint = newwin(1, t->cols, t->rows - 2, 0);
	t->input = newwin(1, t->cols, t->rows - 1, 0);
	if (t->status == NULL || t->trans == NULL || t->diagram == NULL || t->hint == NULL ||
	    t->input == NULL) {
		tui_windows_drop(t);
		return;
	}
	/* Nothing of the notice may stay in the gap between the windows. */
	(void)werase(stdscr);
	(void)wnoutrefresh(stdscr);
	t->too_small = false;
}

void tui_draw_too_small(struct tui *t)
{
	char need[64];
	(void)werase(stdscr);
	/* TRANSLATORS: the whole screen when the terminal is too small for the
	 * full-screen view: at most 20 columns. */
	tui_put_cols(stdscr, 0, 0, _("terminal too small"), t->cols);
	/* TRANSLATORS: under "terminal too small": columns x rows. */
	if (t->rows > 1 && snprintf(need, sizeof need, _("need %dx%d"), TUI_FIT_COLS, TUI_FIT_ROWS) > 0)
		tui_put_cols(stdscr, 1, 0, need, t->cols);
	(void)wnoutrefresh(stdscr);
	(void)doupdate();
}

static attr_t tui_marker_attr(int mk)
{
	switch (mk) {
	case MK_OK: return COLOR_PAIR(1);
	case MK_MID: return COLOR_PAIR(2);
	case MK_WARN: return COLOR_PAIR(3);
	case MK_BAD: return COLOR_PAIR(4) | A_BOLD;
	case MK_LOCAL: return COLOR_PAIR(5);
	case MK_DIM: return A_DIM;
	default: return A_NORMAL;
	}
}

/* Columns of a UTF-8 string: its lead bytes (the escaper leaves nothing
 * wide in what is shown; the translations are Latin and Cyrillic). */
static int tui_columns(const char *s)
{
	int n = 0;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

void tui_put_cols(WINDOW *w, int y, int x, const char *s, int cols)
{
	int n = 0, used = 0;
	for (; s[n] != '\0'; n++) {
		if (((unsigned char)s[n] & 0xc0) != 0x80 && used++ == cols)
			break;
	}
	mvwaddnstr(w, y, x, s, n);
}

/* The attribute a line's markers leave in force at byte `upto`. */
static attr_t tui_attr_at(const char *s, size_t upto)
{
	attr_t a = A_NORMAL;
	for (size_t i = 0; i < upto && s[i] != '\0'; i++)
		if ((unsigned char)s[i] >= MK_OK && (unsigned char)s[i] <= MK_OFF)
			a = tui_marker_attr((unsigned char)s[i]);
	return a;
}

/* Bytes [from, end) of a kept line at row y, a continuation row after
 * the mark; markers turned into attributes unless `mark` (the search's
 * attribute) is given. */
static void tui_put_row(WINDOW *w, int y, const char *s, size_t from, size_t end, attr_t mark)
{
	wmove(w, y, 0);
	if (from > 0) {
		wattrset(w, A_DIM);
		waddstr(w, tui_cont_mark());
	}
	wattrset(w, mark != A_NORMAL ? mark : tui_attr_at(s, from));
	for (size_t i = from; i < end && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= MK_OK && c <= MK_OFF) {
			if (mark == A_NORMAL)
				wattrset(w, tui_marker_attr(c));
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;              /* never a control byte to the screen */
		waddch(w, c);
	}
	wattrset(w, A_NORMAL);
	wclrtoeol(w);
}

/* Line i's rows, those `back` rows up from the bottom row (0 the bottom)
 * that fall in the pane, `lift` rows higher; false once the line is above
 * the pane. */
static bool tui_put_line(struct tui *t, size_t i, size_t *back, int h, int width, int lift)
{
	const char *s = tui_line(t, i);
	size_t rows = (size_t)tui_wrap_count(s, width);
	attr_t mark = A_NORMAL;
	if (t->have_match && t->match == i)
		mark = A_REVERSE;
	else if (t->needle[0] != '\0' && tui_search_hit(t, s))
		mark = A_UNDERLINE;
	size_t from = 0, next;
	for (size_t r = 0; r < rows; r++) {
		size_t end = tui_wrap_row(s, from, r == 0 ? width : width - TUI_CONT_COLS, &next);
		size_t b = *back + rows - 1 - r;        /* this row, up from the bottom */
		if (b >= t->scroll && b < t->scroll + (size_t)h)
			tui_put_row(t->trans, h - 1 - lift - (int)(b - t->scroll), s, from, end, mark);
		from = next;
	}
	*back += rows;
	return *back < t->scroll + (size_t)h;
}

void tui_draw_transcript(struct tui *t)
{
	int h, width;
	getmaxyx(t->trans, h, width);
	werase(t->trans);
	/* Fewer rows than the pane holds start at its top, as on a terminal. */
	size_t rows = 0, back = 0;
	for (size_t i = t->count; i > 0 && rows < t->scroll + (size_t)h; i--)
		rows += (size_t)tui_wrap_count(tui_line(t, i - 1), width);
	int lift = rows < t->scroll + (size_t)h && rows > t->scroll ?
	    h - (int)(rows - t->scroll) : 0;
	for (size_t i = t->count; i > 0; i--)
		if (!tui_put_line(t, i - 1, &back, h, width, lift))
			break;
	wnoutrefresh(t->trans);
}

void tui_draw_status(struct tui *t)
{
	struct shell *sh = t->sh;
	char buf[2048];
	struct strbuf host;
	strbuf_init(&host, 200);
	if (session_is_open(sh->sess))
		(void)escape_terminal(&host, session_host(sh->sess), strlen(session_host(sh->sess)));
	const struct tls_info *ti = &sh->tls.info;
	bool tls = session_is_open(sh->sess) && session_tls_active(sh->sess);
	bool open = session_is_open(sh->sess);
	snprintf(buf, sizeof buf, _(" %s | %s%s%s%s%s | %s%s%s | from: %s | rcpts: %u | auth: %s | "
	    "rtt %.1f ms"), smtp_state_name(session_state(sh->sess)),
	    open ? strbuf_str(&host) : _("not connected"), open ? ":" : "",
	    open ? session_port(sh->sess) : "", open ? " " : "", open ? session_peer_address(sh->sess) : "",
	    tls ? ti->version : _("plain"), tls ? " " : "", tls ? ti->cipher : "",
	    sh->seen.sender[0] != '\0' ? sh->seen.sender : "-", session_recipients(sh->sess),
	    sh->auth.user[0] != '\0' ? sh->auth.user : "-", sh->seen.last_rtt_ms);
	strbuf_free(&host);
	werase(t->status);
	wattrset(t->status, A_REVERSE);
	tui_put_cols(t->status, 0, 0, buf, t->cols);
	for (int x = tui_columns(buf); x < t->cols; x++)
		waddch(t->status, ' ');
	wattrset(t->status, A_NORMAL);
	wnoutrefresh(t->status);
}

void tui_draw_hint(struct tui *t)
{
	char found[SHELL_SEARCH_MAX + 200];
	werase(t->hint);
	if (t->searching) {
		tui_search_hint(t, found, sizeof found);
		wattrset(t->hint, A_BOLD);
		tui_put_cols(t->hint, 0, 0, found, t->cols);
		wattrset(t->hint, A_NORMAL);
		wnoutrefresh(t->hint);
		return;
	}
	wattrset(t->hint, A_DIM);
	/* TRANSLATORS: the hint row while a replay plays in the full-screen
	 * view (the prompt says what Enter does). */
	tui_put_cols(t->hint, 0, 0, t->replaying != TUI_REPLAY_NONE
	    ? _(" PgUp/PgDn/End scroll   /TEXT searches   q: stop   Ctrl-D leaves")
	    : t->scroll > 0
	    ? _(" [scrolled back: PgDn / End to return]  /TEXT searches  view: line mode")
	    : _(" PgUp/PgDn scroll   /TEXT searches   Tab completes   view: line mode   Ctrl-D leaves"),
	    t->cols);
	wattrset(t->hint, A_NORMAL);
	wnoutrefresh(t->hint);
}
