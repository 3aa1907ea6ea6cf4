/*
 * script.c - non-interactive input: each line of stdin (or each -e
 * command) is run as if typed -- no prompt, no colour, no readline.
 *
 * stdin is read with read(2) into a fixed buffer, so every line keeps its
 * real length: a line holding a NUL byte is refused whole (and only it), a
 * line longer than SMTP_INPUT_LINE_MAX is refused whole, and nothing of
 * either is sent.  The wait for input watches the signal pipe too: SIGINT,
 * SIGTERM or SIGHUP ends the script -- no further command is sent, one QUIT
 * is, what arrives before a short deadline is shown, and the exit status is
 * 128 + the signal (exchange.c's shell_quit_on_signal).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "shell.h"
#include "signals.h"
#include "smtp_limits.h"

struct script_input {
	char buf[SMTP_INPUT_LINE_MAX + 2];
	size_t len;               /* bytes held */
	bool skipping;            /* inside an over-long line: drop to its LF */
	bool eof;
};

/* Wait for stdin or a signal.  False when a signal ended the script. */
static bool script_wait(struct shell *sh)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (clock_wait(&p, 1, CLOCK_FOREVER, signals_fd()) == CLOCK_CANCELLED) {
		sh->stop = true;
		sh->signal = signals_number(signals_take());
		return false;
	}
	return true;
}

/* A signal that came while a command ran (and was not met by a wait). */
static bool script_signalled(struct shell *sh)
{
	int sig = signals_take();
	if (sig == 0)
		return sh->stop;
	sh->stop = true;
	if (sh->signal == 0)
		sh->signal = signals_number(sig);
	return true;
}

static void script_refuse(struct shell *sh, const char *why)
{
	struct smtp_error err;
	smtp_error_set(&err, SMTP_ERR_REFUSED, 0, "%s; nothing of it was sent", why);
	shell_fail(sh, "input", &err);
}

/* Run every complete line in the buffer. */
static void script_run_lines(struct shell *sh, struct script_input *in)
{
	size_t start = 0;
	while (!sh->stop) {
		char *lf = memchr(in->buf + start, '\n', in->len - start);
		if (lf == NULL)
			break;
		size_t n = (size_t)(lf - (in->buf + start));
		const char *line = in->buf + start;
		start += n + 1;
		if (in->skipping) {
			in->skipping = false;
			continue;
		}
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (memchr(line, '\0', n) != NULL) {
			script_refuse(sh, "an input line holds a NUL byte");
			continue;
		}
		shell_run_line(sh, line, n);
		(void)script_signalled(sh);
	}
	memmove(in->buf, in->buf + start, in->len - start);
	in->len -= start;
	if (in->len == sizeof in->buf) {          /* a line with no end in sight */
		if (!in->skipping)
			script_refuse(sh, "an input line is longer than 8192 bytes");
		in->skipping = true;
		in->len = 0;
	}
}

/* The script is over: a body left open is not delivered; a signal QUITs. */
static void script_end(struct shell *sh, const char *what)
{
	if (sh->signal != 0) {
		if (sh->body.on)
			shell_body_abandon(sh, "the script was stopped inside a message body");
		shell_quit_on_signal(sh);
		return;
	}
	if (sh->body.on) {
		struct smtp_error err;
		smtp_error_set(&err, SMTP_ERR_USAGE, 0, "the %s ended inside a message body (no lone "
		    "\".\")", what);
		shell_fail(sh, "body", &err);
		shell_body_abandon(sh, "the body was abandoned");
	}
}

int script_run_stdin(struct shell *sh)
{
	struct script_input in;
	memset(&in, 0, sizeof in);
	while (!sh->stop && !in.eof) {
		if (!script_wait(sh))
			break;
		ssize_t n = read(STDIN_FILENO, in.buf + in.len, sizeof in.buf - in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			in.eof = true;
			if (in.len > 0 && !in.skipping && in.len < sizeof in.buf)
				in.buf[in.len++] = '\n';       /* a last line with no LF */
		} else {
			in.len += (size_t)n;
		}
		script_run_lines(sh, &in);
	}
	script_end(sh, "input");
	return sh->outcome.worst;
}

void script_run_commands(struct shell *sh, const char *const *cmds, size_t n)
{
	for (size_t i = 0; i < n && !script_signalled(sh); i++)
		shell_run_line(sh, cmds[i], strlen(cmds[i]));
	script_end(sh, "commands");
}
