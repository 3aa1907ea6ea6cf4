/*
 * repl.c - the interactive loop in line mode, with readline's editor (the
 * full-screen view, tui.c, runs readline inside curses; history.c keeps
 * the history both use).  Readline's
 * callback interface runs inside one poll() over stdin and a signal
 * self-pipe, so Ctrl-C at the prompt abandons the line, and Ctrl-C during a
 * wait for the server (the pipe is the session's cancel fd) abandons the
 * wait; neither leaves the shell.  The history (history.c) is read at the
 * start and saved on exit, Ctrl-D, SIGHUP and SIGTERM.  `rl_readline_name`
 * is "smtpsh" for ~/.inputrc conditionals.
 *
 * Process-wide state here: the shell pointer readline's line callback
 * needs.  Signals arrive through signals.c's self-pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "termlibs_rl.h"

#include "shell.h"
#include "history.h"
#include "signals.h"
#include "tui.h"

static struct shell *repl_shell;
static void repl_update_prompt(void)
{
	static char prompt[512];
	shell_prompt(repl_shell, prompt, sizeof prompt);
	rl_set_prompt(prompt);
}

/* SIGTERM or SIGHUP ended the loop: no QUIT at the end. */
static bool repl_killed;

static void repl_on_line(char *line)
{
	if (line == NULL) {               /* Ctrl-D */
		if (repl_shell->body.on) {
			out_prompt(&repl_shell->out, "\n");
			shell_run_line(repl_shell, ".", 1);
			repl_update_prompt();
			return;
		}
		/* Removed here, or readline draws the prompt once more when
		 * this handler returns (Ctrl-D showed two prompts). */
		rl_callback_handler_remove();
		repl_shell->stop = true;
		return;
	}
	size_t len = strlen(line);
	history_remember(repl_shell, line, len);
	rl_callback_handler_remove();
	(void)signals_take();
	shell_run_line(repl_shell, line, len);
	explicit_bzero(line, len);
	free(line);
	shell_auth_interactive(repl_shell);   /* a 334: answered without echo */
	if (signals_take() & (SIGNALS_TERM | SIGNALS_HUP))
		repl_shell->stop = repl_killed = true;
	if (repl_shell->tui.want_view && !repl_shell->stop) {
		repl_shell->tui.want_view = false;
		(void)tui_run(repl_shell);        /* back here after `view` */
		out_prompt(&repl_shell->out, _("line mode (view: the full-screen view)\n"));
	}
	if (!repl_shell->stop) {
		static char prompt[512];
		shell_prompt(repl_shell, prompt, sizeof prompt);
		rl_callback_handler_install(prompt, repl_on_line);
	}
}

static char *repl_complete_word(const char *text, int state)
{
	static size_t i;
	static size_t len;
	if (state == 0) {
		i = 0;
		len = strlen(text);
	}
	const char *w;
	while ((w = shell_completion_word(i++)) != NULL)
		if (strncmp(w, text, len) == 0)
			return strdup(w);
	return NULL;
}

static char **repl_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;   /* no file names unless we say so */
	if (start == 0)
		return rl_completion_matches(text, repl_complete_word);
	/* After `data ` or `open `, complete file names. */
	if (strncmp(rl_line_buffer, "data ", 5) == 0) {
		rl_attempted_completion_over = 0;
		return NULL;
	}
	return NULL;
}

/* What the server said while the user was typing: the line being typed is
 * taken off the screen, the replies shown, and the prompt (with the line)
 * drawn again below them. */
static void repl_show_arrived(struct shell *sh)
{
	rl_clear_visible_line();
	fflush(stdout);
	shell_show_arrived(sh);
	repl_update_prompt();
	rl_on_new_line();
	rl_redisplay();
}

int repl_run(struct shell *sh)
{
	struct smtp_error err;
	if (termlibs_need_readline("the interactive prompt", &err) != SMTP_OK) {
		/* Still a shell: lines read as a script reads them. */
		out_warning(&sh->out, N_("%s; reading lines without editing or history"), err.msg);
		return script_run_stdin(sh);
	}
	repl_shell = sh;
	rl_readline_name = "smtpsh";
	rl_catch_signals = 0;
	rl_attempted_completion_function = repl_complete;
	history_setup();
	if (sh->tui.want_view) {              /* --tui */
		sh->tui.want_view = false;
		if (tui_run(sh) && !sh->stop)
			out_prompt(&sh->out, _("line mode (view: the full-screen view)\n"));
	}
	char prompt[512];
	shell_prompt(sh, prompt, sizeof prompt);
	rl_callback_handler_install(prompt, repl_on_line);
	while (!sh->stop) {
		/* The socket too: a 421 or a close that comes while the user sits
		 * at the prompt is shown at once (issue 18), as nc would. */
		int sfd = session_is_open(sh->sess) ? session_watch_fd(sh->sess) : -1;
		struct pollfd p[3] = { { .fd = STDIN_FILENO, .events = POLLIN },
		    { .fd = signals_fd(), .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		int n = poll(p, sfd >= 0 ? 3 : 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			int sig = signals_take();
			if (sig & (SIGNALS_TERM | SIGNALS_HUP)) {
				repl_killed = true;
				break;
			}
			if (sig & SIGNALS_INT) {           /* Ctrl-C at the prompt */
				/* "^C" after the abandoned text, as a shell shows it:
				 * drawn before readline's cleanup takes the cursor back
				 * to the line's start (it was drawn over the prompt). */
				rl_point = rl_end;
				rl_redisplay();
				out_prompt(&sh->out, "^C\n");
				rl_free_line_state();
				rl_callback_sigcleanup();
				rl_cleanup_after_signal();
				rl_replace_line("", 0);
				rl_reset_after_signal();
				rl_on_new_line();
				if (sh->body.on)
					shell_body_abandon(sh, "body abandoned (Ctrl-C)");
				repl_update_prompt();
				rl_redisplay();
			}
		}
		if (sfd >= 0 && (p[2].revents & (POLLIN | POLLHUP | POLLERR)))
			repl_show_arrived(sh);
		if (p[0].revents & (POLLIN | POLLHUP))
			rl_callback_read_char();
	}
	rl_callback_handler_remove();
	history_save();
	/* exit and Ctrl-D leave politely (QUIT, its 221); SIGTERM and SIGHUP
	 * (the terminal is gone) just close. */
	if (!repl_killed)
		shell_leave(sh);
	if (session_is_open(sh->sess))
		session_close(sh->sess);
	return sh->outcome.worst;
}
