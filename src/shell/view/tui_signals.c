/*
 * tui_signals.c - the full-screen view's signal handlers (tui_int.h):
 * SIGWINCH written to a pipe that tui.c's poll() watches (curses' own
 * handler is replaced, so tui.c tells curses the new size itself), and the
 * crash handlers that give the terminal back (endwin) before the process
 * dies as it would have.  tui_signals_restore() puts back every action
 * that was there before the view.
 *
 * Process-wide state, as signal handlers need: the SIGWINCH pipe (made
 * once, kept for the next view) and the actions found before the view.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <unistd.h>

#include "tui_int.h"
#include "unused.h"

/*
 * AddressSanitizer catches SIGSEGV and SIGBUS itself, and its report is
 * the point of a sanitizer build.  A handler of ours would stand in front
 * of it: endwin() is not async-signal-safe, and in a process whose memory
 * ASan has just found broken it can fault again inside our handler, where
 * the kernel kills the process outright (the signal is blocked there) and
 * no report appears at all.  So under ASan the view installs no handler
 * for those two: ASan reports, and the terminal may need `reset` after.
 * SIGABRT keeps ours (ASan's abort_on_error ends with abort() after the
 * report is written, and the terminal is then given back).
 * Without ASan, the handler for a fault puts back the action found before
 * the view, gives the terminal back and returns: the faulting instruction
 * runs again under that action (a core dump with the real fault address,
 * or whatever handler was there).  A signal sent by kill() or abort()
 * would not come back by returning, so it is raised again instead.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TUI_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TUI_UNDER_ASAN 1
#endif
#endif

#ifdef TUI_UNDER_ASAN
static const int tui_crash_signals[] = { SIGABRT };
#else
static const int tui_crash_signals[] = { SIGSEGV, SIGBUS, SIGABRT };
#endif
#define TUI_CRASH_SIGNALS (sizeof tui_crash_signals / sizeof tui_crash_signals[0])

static struct sigaction tui_crash_before[TUI_CRASH_SIGNALS];
static bool tui_crash_installed[TUI_CRASH_SIGNALS];
static struct sigaction tui_winch_before;
static bool tui_winch_installed;
static int tui_winch_pipe[2] = { -1, -1 };

static void tui_on_winch(SMTPSH_UNUSED int sig)
{
	int saved = errno;
	if (tui_winch_pipe[1] >= 0)
		(void)!write(tui_winch_pipe[1], "W", 1);
	errno = saved;
}

static void tui_on_crash(int sig, siginfo_t *info, SMTPSH_UNUSED void *uctx)
{
	for (size_t i = 0; i < TUI_CRASH_SIGNALS; i++)
		if (tui_crash_signals[i] == sig && tui_crash_installed[i])
			(void)sigaction(sig, &tui_crash_before[i], NULL);
	if (!isendwin())
		(void)endwin();        /* give the terminal back, then die as asked */
	if (info == NULL || info->si_code <= 0)
		(void)raise(sig);      /* sent, not a fault: delivered on return */
}

int tui_signals_install(void)
{
	if (tui_winch_pipe[0] < 0 && pipe2(tui_winch_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		tui_winch_pipe[0] = tui_winch_pipe[1] = -1;
	struct sigaction sa = { .sa_handler = tui_on_winch, .sa_flags = SA_RESTART };
	(void)sigemptyset(&sa.sa_mask);
	tui_winch_installed = tui_winch_pipe[0] >= 0 && sigaction(SIGWINCH, &sa, &tui_winch_before) == 0;

	struct sigaction crash = { .sa_sigaction = tui_on_crash, .sa_flags = SA_SIGINFO };
	(void)sigemptyset(&crash.sa_mask);
	for (size_t i = 0; i < TUI_CRASH_SIGNALS; i++)
		tui_crash_installed[i] = sigaction(tui_crash_signals[i], &crash, &tui_crash_before[i]) == 0;
	return tui_winch_installed ? tui_winch_pipe[0] : -1;
}

void tui_signals_drain(void)
{
	char buf[16];
	while (tui_winch_pipe[0] >= 0 && read(tui_winch_pipe[0], buf, sizeof buf) > 0)
		;
}

void tui_signals_restore(void)
{
	if (tui_winch_installed)
		(void)sigaction(SIGWINCH, &tui_winch_before, NULL);
	tui_winch_installed = false;
	for (size_t i = 0; i < TUI_CRASH_SIGNALS; i++) {
		if (tui_crash_installed[i])
			(void)sigaction(tui_crash_signals[i], &tui_crash_before[i], NULL);
		tui_crash_installed[i] = false;
	}
}
