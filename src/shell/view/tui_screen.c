/*
 * tui_screen.c - the full-screen view's windows, transcript and bars
 * (tui_int.h): the layout (windows made afresh for each size, none below
 * TUI_FIT_COLS x TUI_FIT_ROWS, where only "terminal too small" is drawn),
 * the ring of kept lines (what the shell printed, colour as marker bytes),
 * and drawing the status bar, the transcript (scrolled, search hits in
 * reverse) and the key hint.  Never a control byte to the screen: the
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

static void tui_keep_line(struct tui *t, const char *s, size_t n)
{
	char *copy = malloc(n + 1);
	if (copy == NULL)
		return;
	memcpy(copy, s, n);
	copy[n] = '\0';
	size_t at = (t->head + t->count) % TUI_KEEP_LINES;
	if (t->count == TUI_KEEP_LINES) {
		free(t->ring[t->head]);
		t->head = (t->head + 1) % TUI_KEEP_LINES;
		at = (t->head + t->count - 1) % TUI_KEEP_LINES;
	} else {
		t->count++;
	}
	t->ring[at] = copy;
}

const char *tui_line(const struct tui *t, size_t i)
{
	return t->ring[(t->head + i) % TUI_KEEP_LINES];
}

void tui_transcript_add(struct tui *t, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			tui_keep_line(t, t->partial, t->partial_len);
			t->partial_len = 0;
		} else if (t->partial_len < sizeof t->partial - 1) {
			t->partial[t->partial_len++] = text[i];
		}
	}
	t->scroll = 0;
}

void tui_transcript_import(struct tui *t, const char *text, size_t len)
{
	const struct output *o = &t->sh->out;
	const char *cols[7] = { o->col_ok, o->col_mid, o->col_warn, o->col_bad, o->col_local,
		o->col_dim, o->col_off };
	struct strbuf sb;
	strbuf_init(&sb, OUT_BACKLOG_MAX);
	for (size_t i = 0; i < len;) {
		size_t k = 0, n = 0;
		for (; k < 7; k++) {
			n = strlen(cols[k]);
			if (n > 0 && n <= len - i && memcmp(text + i, cols[k], n) == 0)
				break;
		}
		if (k < 7) {
			(void)strbuf_appendc(&sb, (char)(MK_OK + k));
			i += n;
		} else {
			(void)strbuf_appendc(&sb, text[i++]);
		}
	}
	tui_transcript_add(t, strbuf_str(&sb), sb.len);
	strbuf_free(&sb);
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

/* One kept line at row y, markers turned into attributes, cut to width. */
static void tui_put_line(WINDOW *w, int y, const char *s, int width, bool mark)
{
	int x = 0;
	wmove(w, y, 0);
	wattrset(w, mark ? A_REVERSE : A_NORMAL);
	for (const char *p = s; *p != '\0' && x < width; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= MK_OK && c <= MK_OFF) {
			if (!mark)
				wattrset(w, tui_marker_attr(c));
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			continue;              /* never a control byte to the screen */
		/* Count UTF-8 lead bytes only: one column each (the escaper has
		 * already turned anything wide or strange into ASCII). */
		if ((c & 0xc0) != 0x80)
			x++;
		waddch(w, c);
	}
	wattrset(w, A_NORMAL);
	wclrtoeol(w);
}

void tui_draw_transcript(struct tui *t)
{
	int h, width;
	getmaxyx(t->trans, h, width);
	werase(t->trans);
	size_t total = t->count;
	size_t end = total > t->scroll ? total - t->scroll : 0;
	size_t start = end > (size_t)h ? end - (size_t)h : 0;
	const char *needle = t->sh->tui.search[0] != '\0' ? t->sh->tui.search : NULL;
	for (size_t i = start; i < end; i++) {
		const char *l = tui_line(t, i);
		tui_put_line(t->trans, (int)(i - start), l, width,
		    needle != NULL && strstr(l, needle) != NULL);
	}
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
	werase(t->hint);
	wattrset(t->hint, A_DIM);
	tui_put_cols(t->hint, 0, 0, t->scroll > 0
	    ? _(" [scrolled back: PgDn / End to return]  /TEXT searches  view: line mode")
	    : _(" PgUp/PgDn scroll   /TEXT searches   Tab completes   view: line mode   Ctrl-D leaves"),
	    t->cols);
	wattrset(t->hint, A_NORMAL);
	wnoutrefresh(t->hint);
}
