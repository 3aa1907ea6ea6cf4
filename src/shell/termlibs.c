/*
 * termlibs.c - the terminal libraries' tables (termlibs.h): GNU Readline,
 * and ncurses with terminfo, each filled once (pthread_once) from
 * dlopen()/dlsym() by the core's loader, or an error that names the
 * library and says why it could not be loaded.
 */
#define TERMLIBS_TABLE_ONLY
#include "termlibs_curses.h"
#include "termlibs_rl.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "libs.h"
#include "smtpsh_config.h"

struct termlibs_rl_table termlibs_rl;
struct termlibs_curses_table termlibs_curses;

struct termlibs_state {
	pthread_once_t once;
	bool ok;
	char why[SMTP_ERROR_MSG_MAX];
};

static struct termlibs_state rl_state = { .once = PTHREAD_ONCE_INIT };
static struct termlibs_state curses_state = { .once = PTHREAD_ONCE_INIT };

#define TERMLIBS_NAME(f) #f,
static const char *const rl_names[] = {
	TERMLIBS_RL_FUNCS(TERMLIBS_NAME) TERMLIBS_RL_VARS(TERMLIBS_NAME)
};
static const char *const curses_names[] = {
	TERMLIBS_CURSES_FUNCS(TERMLIBS_NAME) TERMLIBS_CURSES_VARS(TERMLIBS_NAME) "setupterm",
};
#undef TERMLIBS_NAME

#define TERMLIBS_COUNT(f) +1
enum {
	RL_N = 0 TERMLIBS_RL_FUNCS(TERMLIBS_COUNT) TERMLIBS_RL_VARS(TERMLIBS_COUNT),
	CURSES_N = 1 TERMLIBS_CURSES_FUNCS(TERMLIBS_COUNT) TERMLIBS_CURSES_VARS(TERMLIBS_COUNT),
};
#undef TERMLIBS_COUNT
_Static_assert(sizeof rl_names / sizeof rl_names[0] == RL_N, "names");
_Static_assert(sizeof curses_names / sizeof curses_names[0] == CURSES_N, "names");

/* dlsym's void pointers into the typed members (ISO C has no cast between
 * a function pointer and void *: memcpy). */
#define TERMLIBS_SET(tab, f) memcpy(&tab.f, &slots[i++], sizeof slots[0]);
#define TERMLIBS_SET_RL(f) TERMLIBS_SET(termlibs_rl, f)
#define TERMLIBS_SET_CURSES(f) TERMLIBS_SET(termlibs_curses, f)

static void termlibs_load_rl(void)
{
	void *slots[RL_N] = { 0 };
	rl_state.ok = libs_open_symbols("SMTPSH_LIBREADLINE", SMTPSH_LIBREADLINE_SONAME, rl_names,
	    slots, RL_N, rl_state.why, sizeof rl_state.why);
	if (!rl_state.ok)
		return;
	size_t i = 0;
	TERMLIBS_RL_FUNCS(TERMLIBS_SET_RL)
	TERMLIBS_RL_VARS(TERMLIBS_SET_RL)
}

static void termlibs_load_curses(void)
{
	void *slots[CURSES_N] = { 0 };
	curses_state.ok = libs_open_symbols("SMTPSH_LIBCURSES", SMTPSH_LIBCURSES_SONAME,
	    curses_names, slots, CURSES_N, curses_state.why, sizeof curses_state.why);
	if (!curses_state.ok)
		return;
	size_t i = 0;
	TERMLIBS_CURSES_FUNCS(TERMLIBS_SET_CURSES)
	TERMLIBS_CURSES_VARS(TERMLIBS_SET_CURSES)
	TERMLIBS_SET_CURSES(setupterm)
}

enum smtp_errkind termlibs_need_readline(const char *what, struct smtp_error *err)
{
	(void)pthread_once(&rl_state.once, termlibs_load_rl);
	if (rl_state.ok)
		return SMTP_OK;
	return smtp_error_set(err, SMTP_ERR_STATE, 0, "%s needs GNU Readline: %s", what,
	    rl_state.why);
}

enum smtp_errkind termlibs_need_curses(const char *what, struct smtp_error *err)
{
	(void)pthread_once(&curses_state.once, termlibs_load_curses);
	if (curses_state.ok)
		return SMTP_OK;
	return smtp_error_set(err, SMTP_ERR_STATE, 0, "%s needs ncurses: %s", what,
	    curses_state.why);
}
