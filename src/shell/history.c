/*
 * history.c - the line history the shell keeps (readline's history list):
 * $XDG_STATE_HOME/smtpsh/history (default ~/.local/state/smtpsh/history),
 * mode 0600, read once at the start and saved at the end; lines typed in
 * a body, and AUTH lines and responses (shell_line_sensitive), never enter
 * it.  The line editor (repl.c) and the full-screen view (tui.c) both
 * remember what is typed through history_remember.
 *
 * Process-wide state here: the history file's path.
 */
#include "history.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "termlibs_rl.h"

static char history_path[4200];

void history_setup(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4096];
	if (state != NULL && state[0] == '/')
		snprintf(dir, sizeof dir, "%s/smtpsh", state);
	else if (home != NULL && home[0] == '/')
		snprintf(dir, sizeof dir, "%s/.local/state/smtpsh", home);
	else
		return;
	/* mkdir -p, 0700 for what we create. */
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(dir, 0700);
			*p = '/';
		}
	}
	mkdir(dir, 0700);
	snprintf(history_path, sizeof history_path, "%s/history", dir);
	read_history(history_path);
}

void history_save(void)
{
	if (history_path[0] == '\0')
		return;
	int fd = open(history_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (write_history(history_path) != 0)
		fprintf(stderr, "smtpsh: could not save history to %s\n", history_path);
	chmod(history_path, 0600);       /* readline does not promise a mode */
}

void history_remember(struct shell *sh, const char *line, size_t len)
{
	if (len == 0 || sh->body.on || shell_line_sensitive(sh, line, len))
		return;
	HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (last == NULL || strcmp(last->line, line) != 0)
		add_history(line);
}
