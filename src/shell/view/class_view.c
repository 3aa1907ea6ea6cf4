/*
 * class_view.c - the class view's screen and loop (class_view.h): curses
 * on this thread only, one poll() over the keys, the queue's pipe (the
 * server's events, class_table.c), the SIGWINCH pipe (tui_signals.c) and
 * the shell's signal pipe (Ctrl-C, SIGTERM); redrawn on every event and
 * once a second (the ages).  Every column is cut to its width with an
 * ellipsis, so 80x24 shows all of them; a student's HELO name and command
 * are escaped (escape.h) before they reach the screen.
 */
#include <langinfo.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "class_int.h"
#include "class_view.h"
#include "escape.h"
#include "strbuf.h"
#include "tui_int.h"

#define CLASS_HEAD_ROWS 3             /* the two header lines, the titles */

/* The columns, in order; width 0: the last command, given what is left. */
enum { COL_NUM, COL_PEER, COL_HELO, COL_STATE, COL_LAST, COL_CODE, COL_ERR, COL_TLS,
	COL_AUTH, COL_AGE, COL__COUNT };
static const struct { const char *title; int width; } class_cols[COL__COUNT] = {
	[COL_NUM] = { N_("#"), 4 }, [COL_PEER] = { N_("client"), 15 },
	[COL_HELO] = { N_("HELO"), 12 }, [COL_STATE] = { N_("state"), 9 },
	[COL_LAST] = { N_("last command"), 0 }, [COL_CODE] = { N_("code"), 4 },
	[COL_ERR] = { N_("err"), 3 }, [COL_TLS] = { N_("TLS"), 3 },
	[COL_AUTH] = { N_("AUTH"), 4 }, [COL_AGE] = { N_("age"), 5 },
};
#define CLASS_LAST_MIN 8

static const char *class_ellipsis = "~";

/* s at (y, x) in at most width columns; longer: cut, the last column an
 * ellipsis.  Columns are UTF-8 lead bytes (escaped text: nothing wide). */
static void class_cell(int y, int x, const char *s, int width)
{
	if (width <= 0)
		return;
	int n = 0;
	size_t cut = 0;
	for (size_t i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (n == width - 1)
			cut = i;
		if (n == width) {
			(void)mvaddnstr(y, x, s, (int)cut);
			(void)addstr(class_ellipsis);
			return;
		}
		n++;
	}
	(void)mvaddstr(y, x, s);
}

/* The widths at this many columns: the last command takes what is left. */
static void class_widths(int cols, int w[COL__COUNT])
{
	int fixed = COL__COUNT - 1;       /* the gaps */
	for (int i = 0; i < COL__COUNT; i++)
		fixed += w[i] = class_cols[i].width;
	w[COL_LAST] = cols - fixed > CLASS_LAST_MIN ? cols - fixed : CLASS_LAST_MIN;
}

static void class_age(time_t secs, char *out, size_t cap)
{
	if (secs < 0)
		secs = 0;
	if (secs < 60)
		snprintf(out, cap, "%ds", (int)secs);
	else if (secs < 3600)
		snprintf(out, cap, "%dm%02d", (int)(secs / 60), (int)(secs % 60));
	else
		snprintf(out, cap, "%dh%02d", (int)(secs / 3600 % 100), (int)(secs / 60 % 60));
}

static void class_draw_row(int y, const int w[COL__COUNT], const struct class_row *r, time_t now)
{
	char cell[COL__COUNT][64];
	snprintf(cell[COL_NUM], sizeof cell[0], "%lu", r->session);
	snprintf(cell[COL_PEER], sizeof cell[0], "%s", r->peer);
	snprintf(cell[COL_STATE], sizeof cell[0], "%s", smtp_state_name(r->state));
	snprintf(cell[COL_CODE], sizeof cell[0], r->code > 0 ? "%03d" : "-", r->code);
	snprintf(cell[COL_ERR], sizeof cell[0], "%u", r->errors);
	snprintf(cell[COL_TLS], sizeof cell[0], "%s", r->tls ? _("yes") : _("no"));
	snprintf(cell[COL_AUTH], sizeof cell[0], "%s", r->auth ? _("yes") : _("no"));
	class_age(now - r->started, cell[COL_AGE], sizeof cell[0]);
	/* A student's bytes: escaped before the screen. */
	struct strbuf helo, last;
	strbuf_init(&helo, 4 * CLASS_HELO_MAX);
	strbuf_init(&last, 4 * CLASS_LINE_MAX);
	(void)escape_terminal(&helo, r->helo, strlen(r->helo));
	(void)escape_terminal(&last, r->last, r->last_len);
	attr_t a = r->closed ? A_DIM : r->code >= 400 ? COLOR_PAIR(1) : A_NORMAL;
	(void)attrset(a);
	int x = 0;
	for (int i = 0; i < COL__COUNT; i++) {
		const char *s = i == COL_HELO ? (helo.data != NULL ? helo.data : "") :
		    i == COL_LAST ? (last.data != NULL ? last.data : "") : cell[i];
		if (i == COL_HELO && s[0] == '\0')
			s = "-";
		class_cell(y, x, s, w[i]);
		x += w[i] + 1;
	}
	(void)attrset(A_NORMAL);
	strbuf_free(&helo);
	strbuf_free(&last);
}

static void class_draw(const struct class_view *v, const char *listening, const char *cert,
    time_t now)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	(void)erase();
	char head[512];
	snprintf(head, sizeof head, _("%s | sessions: %zu now, %lu in all | q quits"), listening,
	    class_table_open(v), v->total);
	(void)attrset(A_REVERSE);
	(void)mvhline(0, 0, ' ', cols);
	class_cell(0, 0, head, cols);
	(void)attrset(A_NORMAL);
	if (rows > 1)
		class_cell(1, 0, cert, cols);
	int w[COL__COUNT];
	class_widths(cols, w);
	if (rows > 2) {
		(void)attrset(A_BOLD);
		for (int i = 0, x = 0; i < COL__COUNT; x += w[i] + 1, i++)
			class_cell(2, x, _(class_cols[i].title), w[i]);
		(void)attrset(A_NORMAL);
	}
	int room = rows - CLASS_HEAD_ROWS;
	size_t shown = 0;
	for (; shown < v->nrows && (int)shown < room; shown++) {
		if ((int)shown == room - 1 && v->nrows > shown + 1)
			break;                 /* the last row says how many more */
		class_draw_row(CLASS_HEAD_ROWS + (int)shown, w, &v->rows[shown], now);
	}
	if (shown < v->nrows) {
		char more[64];
		snprintf(more, sizeof more, _("... %zu more"), v->nrows - shown);
		class_cell(CLASS_HEAD_ROWS + (int)shown, 0, more, cols);
	}
	if (v->nrows == 0 && room > 0)
		class_cell(CLASS_HEAD_ROWS, 0, _("no student has connected yet"), cols);
	(void)move(rows - 1, cols - 1);
	(void)refresh();
}

static void class_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		(void)resize_term(ws.ws_row, ws.ws_col);
	(void)clearok(curscr, TRUE);
}

bool class_view_terminal_ok(void)
{
	if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO)) {
		fprintf(stderr, _("smtpsh: --serve --tui needs a terminal; without one, --serve "
		    "logs a line per event\n"));
		return false;
	}
	const char *term = getenv("TERM");
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
		fprintf(stderr, _("smtpsh: --serve --tui needs a full-screen terminal (TERM is "
		    "\"%s\")\n"), term != NULL ? term : "");
		return false;
	}
	return true;
}

bool class_view_run(struct class_view *v, struct demo_server *srv, int stop_fd,
    const char *listening, const char *cert)
{
	struct smtp_error lerr;
	if (termlibs_need_curses("--serve --tui", &lerr) != SMTP_OK) {
		fprintf(stderr, "smtpsh: %s\n", lerr.msg);
		return false;
	}
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		fprintf(stderr, _("smtpsh: --serve --tui: no terminfo entry for this terminal\n"));
		return false;
	}
	(void)cbreak();
	(void)noecho();
	(void)nonl();
	(void)keypad(stdscr, TRUE);
	(void)nodelay(stdscr, TRUE);
	(void)curs_set(0);
	if (has_colors()) {
		(void)start_color();
		(void)use_default_colors();
		(void)init_pair(1, COLOR_RED, -1);
	}
	const char *cs = nl_langinfo(CODESET);
	class_ellipsis = cs != NULL && strcmp(cs, "UTF-8") == 0 ? "\u2026" : "~";
	int winch = tui_signals_install();
	struct smtp_error err;
	if (demo_server_start_thread(srv, &err) != SMTP_OK) {
		(void)endwin();
		delscreen(scr);
		tui_signals_restore();
		fprintf(stderr, "smtpsh: %s\n", err.msg);
		return false;
	}
	for (bool quit = false; !quit;) {
		time_t now = time(NULL);
		(void)class_table_drain(v, now);
		class_table_tidy(v, now);
		class_draw(v, listening, cert, now);
		struct pollfd p[4] = {
			{ .fd = STDIN_FILENO, .events = POLLIN }, { .fd = class_view_wake_fd(v), .events = POLLIN },
			{ .fd = winch, .events = POLLIN }, { .fd = stop_fd, .events = POLLIN },
		};
		if (poll(p, 4, 1000) < 0)
			continue;              /* EINTR: a signal, seen through its pipe */
		if (p[3].revents != 0)
			quit = true;
		if (p[2].revents != 0) {
			tui_signals_drain();
			class_resize();
		}
		if (p[0].revents & (POLLHUP | POLLERR))
			quit = true;
		for (int k; (k = getch()) != ERR;) {
			if (k == 'q' || k == 'Q')
				quit = true;
			else if (k == KEY_RESIZE)
				class_resize();
		}
	}
	demo_server_stop_thread(srv);
	(void)endwin();
	delscreen(scr);
	tui_signals_restore();
	return true;
}
