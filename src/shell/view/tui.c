/*
 * tui.c - the full-screen view (tui.h), after the readline-with-ncurses
 * pattern (shared/research/aesthetics-anchors.md 7): curses owns the
 * screen; readline runs in its callback form with its terminal handling,
 * signals and output taken away, fed one byte at a time from wgetch() and
 * drawn by our rl_redisplay_function; one poll() watches the terminal, the
 * signal pipe, a SIGWINCH pipe (tui_signals.c) and the session's socket
 * (what the server says unasked is shown when it comes).  Keys are read from a
 * 1x1 pad that is never drawn, so reading never refreshes a window, and
 * goes on while the terminal is too small for the windows (issue 17: then
 * only "terminal too small" is drawn, the session and the line carry on).
 *
 * Every record the shell prints arrives through output.h's sink as
 * rendered text and is kept, line by line, in a bounded ring
 * (TUI_KEEP_LINES; tui_screen.c, which also draws the bars and the
 * transcript): colour comes as marker bytes the text renderer puts where
 * terminal escapes would go (escape.h guarantees no server byte below 0x20
 * survives, so a marker can only be ours).
 *
 * Keys: PgUp/PgDn scroll the transcript by screen rows (long lines are
 * wrapped: tui_wrap.c), End (or a new record) goes back to the bottom; a
 * line starting with "/" searches the whole transcript (tui_search.c),
 * then n and N step through the matches (tui_search_key); `view` returns
 * to line mode.  For a replay (tui_replay.c) a line steps it
 * instead (Enter next, q stop) and the replay's socket is not watched:
 * the replay reads it.  The screen is given back (endwin) on every way
 * out: `view`, Ctrl-D, exit, SIGTERM/SIGHUP, and a crash (SIGSEGV, SIGBUS,
 * SIGABRT restore it before the action found before the view; not SIGSEGV
 * and SIGBUS under AddressSanitizer, whose report comes first: see
 * tui_signals.c).
 *
 * Process-wide state: the active view (readline's callbacks carry no
 * context).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "history.h"
#include "signals.h"
#include "termlibs_rl.h"
#include "tui.h"
#include "tui_int.h"

static struct tui *tui_now;
static void tui_draw(struct tui *t);

/* output.h's sink: a rendered record, kept line by line, then drawn. */
static void tui_sink(void *ctx, const char *text, size_t len, bool is_err)
{
	struct tui *t = ctx;
	(void)is_err;
	tui_transcript_add(t, text, len);
	tui_draw(t);
}

/* readline's rl_redisplay_function: the prompt and the line, cursor placed
 * by counting columns (UTF-8 lead bytes) up to rl_point. */
static void tui_redisplay(void)
{
	struct tui *t = tui_now;
	if (t == NULL || t->too_small)
		return;                /* the line lives on in readline meanwhile */
	werase(t->input);
	const char *prompt = rl_display_prompt != NULL ? rl_display_prompt : "";
	mvwaddnstr(t->input, 0, 0, prompt, t->cols - 1);
	int px = getcurx(t->input);
	const char *line = rl_line_buffer != NULL ? rl_line_buffer : "";
	/* A secret typed at an AUTH challenge is never drawn. */
	if (!session_in_auth(t->sh->sess))
		waddnstr(t->input, line, t->cols - 1 - px);
	int cx = px;
	for (int i = 0; i < rl_point && line[i] != '\0'; i++)
		if (((unsigned char)line[i] & 0xc0) != 0x80)
			cx++;
	if (session_in_auth(t->sh->sess))
		cx = px;
	wmove(t->input, 0, cx < t->cols ? cx : t->cols - 1);
	wnoutrefresh(t->input);
	doupdate();
}

static void tui_draw(struct tui *t)
{
	if (t->too_small) {
		tui_draw_too_small(t);
		return;
	}
	tui_draw_status(t);
	tui_draw_transcript(t);
	tui_diagram_draw(t->diagram, session_state(t->sh->sess));
	tui_draw_hint(t);
	tui_redisplay();
}

/* A new terminal size (SIGWINCH, or KEY_RESIZE should curses see one):
 * curses is told it (our SIGWINCH handler replaced curses' own), then the
 * windows are made afresh.  The old ones go first, so curses has none to
 * shrink or move itself; a size curses refuses leaves only the notice. */
static void tui_resize(struct tui *t)
{
	struct winsize ws;
	bool sized = true;
	tui_windows_drop(t);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		sized = resize_term(ws.ws_row, ws.ws_col) == OK;
	tui_layout(t);
	if (!sized) {
		tui_windows_drop(t);
		t->too_small = true;
	}
	(void)clearok(curscr, TRUE);
	tui_draw(t);
}

/* ---- keys ---- */

/* Feed readline a string, as if typed (for keys curses decoded). */
static void tui_feed(struct tui *t, const char *s)
{
	for (; *s != '\0'; s++) {
		t->key = (unsigned char)*s;
		t->have_key = true;
		rl_callback_read_char();
	}
}

/* Right after a search: n and N on an empty line step through the
 * matches; Esc, or any other key (then typed as usual), ends it -- an o
 * after a step takes it back and types its n: noop's. */
static bool tui_search_key(struct tui *t, int k)
{
	if (!t->searching || k == KEY_RESIZE || k == KEY_PPAGE || k == KEY_NPAGE)
		return false;
	if ((k == 'n' || k == 'N') && t->have_match && rl_end == 0) {
		tui_search_step(t, k == 'n' ? -1 : 1);
		t->stepped = k;
		tui_draw(t);
		return true;
	}
	t->searching = false;
	if ((k == 'o' || k == 'O') && t->stepped != 0) {
		tui_search_step(t, t->stepped == 'n' ? 1 : -1);
		tui_feed(t, t->stepped == 'n' ? "n" : "N");
	}
	t->stepped = 0;
	tui_draw(t);
	return k == 27;
}

static void tui_key(struct tui *t, int k)
{
	/* A page: the transcript's height less two rows of context. */
	int h = t->trans != NULL ? getmaxy(t->trans) : 0;
	size_t page = h > 2 ? (size_t)(h - 2) : 1;
	if (tui_search_key(t, k))
		return;
	switch (k) {
	case KEY_PPAGE: {
		size_t total = tui_rows_total(t);
		size_t most = total > (size_t)h ? total - (size_t)h : 0;
		t->scroll = t->scroll + page < most ? t->scroll + page : most;
		tui_draw(t);
		return;
	}
	case KEY_NPAGE:
		t->scroll = t->scroll > page ? t->scroll - page : 0;
		tui_draw(t);
		return;
	case KEY_END:
		t->scroll = 0;
		tui_draw(t);
		return;
	case KEY_RESIZE:
		tui_resize(t);
		return;
	case KEY_LEFT: tui_feed(t, "\033[D"); return;
	case KEY_RIGHT: tui_feed(t, "\033[C"); return;
	case KEY_UP: tui_feed(t, "\033[A"); return;
	case KEY_DOWN: tui_feed(t, "\033[B"); return;
	case KEY_HOME: tui_feed(t, "\001"); return;
	case KEY_DC: tui_feed(t, "\004"); return;
	case KEY_BACKSPACE: tui_feed(t, "\177"); return;
	default:
		break;
	}
	if (k >= 0 && k < 256) {
		t->key = k;
		t->have_key = true;
		rl_callback_read_char();
	}
}

static int tui_getc(FILE *f)
{
	(void)f;
	if (tui_now == NULL || !tui_now->have_key)
		return EOF;
	tui_now->have_key = false;
	return tui_now->key;
}

static int tui_input_available(void)
{
	return tui_now != NULL && tui_now->have_key;
}

void tui_prompt(struct tui *t)
{
	static char prompt[512];
	if (t->replaying == TUI_REPLAY_STEPS)
		snprintf(prompt, sizeof prompt, "%s", _("-- Enter: next command, q: stop -- "));
	else if (t->replaying == TUI_REPLAY_OVER)
		/* TRANSLATORS: the prompt once a replay in the full-screen view
		 * has played the whole file. */
		snprintf(prompt, sizeof prompt, "%s", _("-- the replay is over: q leaves -- "));
	else
		shell_prompt(t->sh, prompt, sizeof prompt);
	rl_set_prompt(prompt);
}

/* A line typed while a replay plays in the view: Enter the next command,
 * q stop (or, once it is over, leave); a search is searched. */
static void tui_replay_line(struct tui *t, const char *line)
{
	if (line[0] == '/') {
		tui_search_start(t, line + 1);
	} else if (strcmp(line, "q") == 0) {
		t->step_answer = -1;
		t->leave = true;
	} else if (line[0] == '\0' && t->replaying == TUI_REPLAY_STEPS) {
		t->step_answer = 1;
		t->leave = true;
	}
}

static void tui_on_line(char *line)
{
	struct tui *t = tui_now;
	if (line == NULL) {
		t->leave = true;
		t->sh->stop = true;
		return;
	}
	if (t->replaying != TUI_REPLAY_NONE) {
		tui_replay_line(t, line);
		free(line);
		if (!t->leave) {
			tui_prompt(t);
			tui_draw(t);
		}
		return;
	}
	size_t len = strlen(line);
	history_remember(t->sh, line, len);
	if (line[0] == '/' && !t->sh->body.on && !session_in_auth(t->sh->sess)) {
		tui_search_start(t, line + 1);
	} else {
		(void)signals_take();
		shell_run_line(t->sh, line, len);
		shell_auth_interactive(t->sh);
	}
	explicit_bzero(line, len);
	free(line);
	if (t->sh->tui.want_view) {
		t->sh->tui.want_view = false;
		t->leave = true;
	}
	if (t->sh->stop)
		t->leave = true;
	if (!t->leave) {
		tui_prompt(t);
		tui_draw(t);
	}
}

/* shell.h's suspend/resume: a question asked on the bare terminal. */
static void tui_suspend(void *ctx)
{
	(void)ctx;
	def_prog_mode();
	endwin();
}

static void tui_resume(void *ctx)
{
	struct tui *t = ctx;
	reset_prog_mode();
	clearok(curscr, TRUE);
	tui_draw(t);
}

/* ---- start and end ---- */

static bool tui_terminal_ok(struct shell *sh)
{
	const char *term = getenv("TERM");
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
		out_note(&sh->out, N_("no full-screen view with TERM=%s: line mode"),
		    term == NULL || term[0] == '\0' ? "(unset)" : term);
		return false;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		out_note(&sh->out, N_("no full-screen view without a terminal: line mode"));
		return false;
	}
	return true;
}

static void tui_colors(struct tui *t, bool on)
{
	struct output *o = &t->sh->out;
	static const char *const markers[7] = { "\001", "\002", "\003", "\004", "\005", "\006", "\007" };
	const char **cols[7] = { &o->col_ok, &o->col_mid, &o->col_warn, &o->col_bad, &o->col_local,
		&o->col_dim, &o->col_off };
	for (int i = 0; i < 7; i++) {
		if (on) {
			t->saved_col[i] = *cols[i];
			*cols[i] = markers[i];
		} else {
			*cols[i] = t->saved_col[i];
		}
	}
}

void tui_finish(struct tui *t)
{
	SCREEN *scr = t->scr;
	rl_callback_handler_remove();
	rl_redisplay_function = rl_redisplay;
	rl_getc_function = rl_getc;
	rl_input_available_hook = NULL;
	rl_prep_term_function = rl_prep_terminal;
	rl_deprep_term_function = rl_deprep_terminal;
	rl_outstream = stdout;
	tui_windows_drop(t);
	(void)delwin(t->keys);
	endwin();
	tui_signals_restore();
	delscreen(scr);
	tui_colors(t, false);
	t->sh->out.sink = NULL;
	t->sh->tui.suspend = t->sh->tui.resume = NULL;
	for (size_t i = 0; i < t->count; i++)
		free((char *)tui_line(t, i));
	free(t->ring);
	if (t->devnull != NULL)
		fclose(t->devnull);
	tui_now = NULL;
}

struct tui *tui_begin(struct shell *sh, int replaying)
{
	if (!tui_terminal_ok(sh))
		return NULL;
	struct smtp_error err;
	if (termlibs_need_curses("the full-screen view", &err) != SMTP_OK ||
	    termlibs_need_readline("the full-screen view", &err) != SMTP_OK) {
		out_note(&sh->out, N_("no full-screen view (%s): line mode"), err.msg);
		return NULL;
	}
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (scr == NULL) {
		out_note(&sh->out, N_("no full-screen view: no terminfo entry for this terminal: line mode"));
		return NULL;
	}
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS) {
		endwin();
		delscreen(scr);
		out_note(&sh->out, N_("no full-screen view below %dx%d (this is %dx%d): line mode"),
		    TUI_MIN_COLS, TUI_MIN_ROWS, cols, rows);
		return NULL;
	}
	static struct tui t;
	memset(&t, 0, sizeof t);
	t.sh = sh;
	t.scr = scr;
	t.replaying = replaying;
	t.ring = calloc(TUI_KEEP_LINES, sizeof *t.ring);
	t.keys = newpad(1, 1);
	if (t.ring == NULL || t.keys == NULL || keypad(t.keys, TRUE) == ERR ||
	    nodelay(t.keys, TRUE) == ERR || cbreak() == ERR || noecho() == ERR) {
		if (t.keys != NULL)
			(void)delwin(t.keys);
		endwin();
		delscreen(scr);
		free(t.ring);
		out_note(&sh->out, N_("no full-screen view: the terminal library failed: line mode"));
		return NULL;
	}
	tui_now = &t;
	t.winch_fd = tui_signals_install();
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_CYAN, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_RED, -1);
		init_pair(5, COLOR_MAGENTA, -1);
	}
	(void)nonl();                  /* these two fail only without a screen */
	(void)intrflush(stdscr, FALSE);
	tui_layout(&t);
	if (sh->out.backlog != NULL)          /* what line mode showed so far */
		tui_transcript_import(&t, sh->out.backlog->data != NULL ?
		    sh->out.backlog->data : "", sh->out.backlog->len);
	tui_colors(&t, true);
	sh->out.sink = tui_sink;
	sh->out.sink_ctx = &t;
	sh->tui.suspend = tui_suspend;
	sh->tui.resume = tui_resume;
	sh->tui.suspend_ctx = &t;

	t.devnull = fopen("/dev/null", "w");
	rl_outstream = t.devnull;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_prep_term_function = NULL;
	rl_deprep_term_function = NULL;
	rl_getc_function = tui_getc;
	rl_input_available_hook = tui_input_available;
	rl_redisplay_function = tui_redisplay;
	rl_callback_handler_install("", tui_on_line);
	tui_prompt(&t);
	return &t;
}

void tui_loop(struct tui *t)
{
	struct shell *sh = t->sh;
	int k;
	tui_draw(t);
	/* Keys curses read ahead of the line that ended the last loop. */
	while (!t->leave && (k = wgetch(t->keys)) != ERR)
		tui_key(t, k);
	while (!t->leave && !sh->stop) {
		/* The socket too: what the server says unasked (a 421, a close)
		 * is shown when it comes, not at the next command. */
		int sfd = session_is_open(sh->sess) && t->replaying == TUI_REPLAY_NONE ?
		    session_watch_fd(sh->sess) : -1;
		struct pollfd p[4] = { { .fd = STDIN_FILENO, .events = POLLIN },
		    { .fd = signals_fd(), .events = POLLIN }, { .fd = t->winch_fd, .events = POLLIN },
		    { .fd = sfd, .events = POLLIN } };
		int n = poll(p, sfd >= 0 ? 4 : 3, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (p[2].revents & POLLIN) {
			tui_signals_drain();       /* a storm of them: one resize */
			tui_resize(t);
		}
		if (p[1].revents & POLLIN) {
			int sig = signals_take();
			if (sig & (SIGNALS_TERM | SIGNALS_HUP)) {
				sh->stop = true;
				break;
			}
			if (sig & SIGNALS_INT) {       /* Ctrl-C: abandon the line */
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_replace_line("", 0);
				if (sh->body.on)
					shell_body_abandon(sh, N_("body abandoned (Ctrl-C)"));
				tui_prompt(t);
				tui_draw(t);
			}
		}
		if (sfd >= 0 && (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
			shell_show_arrived(sh);      /* through the sink, into the view */
			tui_prompt(t);
			tui_draw(t);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			while (!t->leave && (k = wgetch(t->keys)) != ERR)
				tui_key(t, k);
		}
	}
}

bool tui_run(struct shell *sh)
{
	struct tui *t = tui_begin(sh, TUI_REPLAY_NONE);
	if (t == NULL)
		return false;
	out_note(&sh->out, N_("full-screen view: type commands as in line mode; view goes back"));
	tui_loop(t);
	tui_finish(t);
	return true;
}
