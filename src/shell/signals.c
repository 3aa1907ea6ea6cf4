/*
 * signals.c - the self-pipe for SIGINT, SIGTERM and SIGHUP (signals.h).
 * The handler only writes one byte; everything else happens in the loop
 * that reads the pipe.
 */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int signals_pipe[2] = { -1, -1 };

static void signals_on(int sig)
{
	int saved = errno;
	char c = sig == SIGINT ? 'I' : sig == SIGTERM ? 'T' : 'H';
	if (signals_pipe[1] >= 0)
		(void)!write(signals_pipe[1], &c, 1);
	errno = saved;
}

void signals_install(void)
{
	if (signals_pipe[0] < 0 && pipe2(signals_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		signals_pipe[0] = signals_pipe[1] = -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = signals_on;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;       /* no SA_RESTART: a prompt read is interrupted */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int signals_fd(void)
{
	return signals_pipe[0];
}

int signals_take(void)
{
	int got = 0;
	char buf[64];
	ssize_t n;
	while (signals_pipe[0] >= 0 && (n = read(signals_pipe[0], buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++)
			got |= buf[i] == 'T' ? SIGNALS_TERM : buf[i] == 'H' ? SIGNALS_HUP : SIGNALS_INT;
	return got;
}

int signals_number(int bits)
{
	if (bits & SIGNALS_TERM)
		return SIGTERM;
	if (bits & SIGNALS_HUP)
		return SIGHUP;
	if (bits & SIGNALS_INT)
		return SIGINT;
	return 0;
}
