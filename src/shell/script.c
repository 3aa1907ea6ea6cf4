/*
 * script.c - non-interactive input: each line of stdin is run as if typed
 * (no prompt, no colour, no readline).  Lines are read in bounded pieces; a
 * line longer than SMTP_INPUT_LINE_MAX is refused whole and nothing of it
 * is sent.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"
#include "smtp_limits.h"

int script_run_stdin(struct shell *sh)
{
	char line[SMTP_INPUT_LINE_MAX + 2];
	while (!sh->stop && fgets(line, sizeof line, stdin) != NULL) {
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
			int c;
			while ((c = getchar()) != EOF && c != '\n')
				;
			struct smtp_error err;
			smtp_error_set(&err, SMTP_ERR_REFUSED, 0,
			    "an input line is longer than %d bytes; nothing of it was sent", SMTP_INPUT_LINE_MAX);
			shell_error(sh, &err);
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		shell_run_line(sh, line, len);
	}
	if (sh->in_body) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, 0,
		    "the input ended inside a message body (no lone \".\"); the connection was closed "
		    "so that nothing half-written is delivered");
		shell_error(sh, &err);
		session_close(&sh->sess);
	}
	return sh->worst;
}
