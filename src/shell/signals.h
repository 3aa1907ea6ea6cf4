/*
 * signals.h - SIGINT, SIGTERM and SIGHUP as bytes on a self-pipe.  The read
 * end is the session's cancel fd (transport.h), so a signal abandons any
 * wait for the server, even while data is flowing; the shell then asks
 * signals_take() what happened and decides: an interactive Ctrl-C abandons
 * the wait, anything else ends the script (SIGPIPE is ignored).
 *
 * Process-wide state: the pipe, which a signal handler must reach.
 */
#ifndef SMTPSH_SIGNALS_H
#define SMTPSH_SIGNALS_H

enum {
	SIGNALS_INT = 1,
	SIGNALS_TERM = 2,
	SIGNALS_HUP = 4,
};

/* Install the handlers and the pipe (once). */
void signals_install(void);
/* The read end: readable while a signal is pending. */
int signals_fd(void);
/* Drain the pipe: the SIGNALS_* bits received since the last call. */
int signals_take(void);
/* The signal number for the most serious bit (TERM, then HUP, then INT),
 * 0 for none. */
int signals_number(int bits);

#endif
