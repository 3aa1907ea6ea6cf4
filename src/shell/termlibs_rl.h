/*
 * termlibs_rl.h - GNU Readline's functions and variables the shell uses,
 * through the table termlibs.c fills (termlibs.h).  Include it after
 * <readline/readline.h> and <readline/history.h>.
 */
#ifndef SMTPSH_TERMLIBS_RL_H
#define SMTPSH_TERMLIBS_RL_H

#include <stdio.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "termlibs.h"

#define TERMLIBS_RL_FUNCS(X) \
	X(add_history) \
	X(history_get) \
	X(read_history) \
	X(rl_callback_handler_install) \
	X(rl_callback_handler_remove) \
	X(rl_callback_read_char) \
	X(rl_callback_sigcleanup) \
	X(rl_cleanup_after_signal) \
	X(rl_clear_visible_line) \
	X(rl_completion_matches) \
	X(rl_deprep_terminal) \
	X(rl_free_line_state) \
	X(rl_getc) \
	X(rl_on_new_line) \
	X(rl_prep_terminal) \
	X(rl_redisplay) \
	X(rl_replace_line) \
	X(rl_reset_after_signal) \
	X(rl_set_prompt) \
	X(write_history)

#define TERMLIBS_RL_VARS(X) \
	X(history_base) \
	X(history_length) \
	X(rl_attempted_completion_function) \
	X(rl_attempted_completion_over) \
	X(rl_catch_signals) \
	X(rl_catch_sigwinch) \
	X(rl_change_environment) \
	X(rl_deprep_term_function) \
	X(rl_display_prompt) \
	X(rl_end) \
	X(rl_getc_function) \
	X(rl_input_available_hook) \
	X(rl_line_buffer) \
	X(rl_outstream) \
	X(rl_point) \
	X(rl_prep_term_function) \
	X(rl_readline_name) \
	X(rl_redisplay_function)

struct termlibs_rl_table {
#define TERMLIBS_MEMBER(f) __typeof__(f) *f;
	TERMLIBS_RL_FUNCS(TERMLIBS_MEMBER)
	TERMLIBS_RL_VARS(TERMLIBS_MEMBER)
#undef TERMLIBS_MEMBER
};
extern struct termlibs_rl_table termlibs_rl;

#ifndef TERMLIBS_TABLE_ONLY
#define add_history (termlibs_rl.add_history)
#define history_get (termlibs_rl.history_get)
#define read_history (termlibs_rl.read_history)
#define rl_callback_handler_install (termlibs_rl.rl_callback_handler_install)
#define rl_callback_handler_remove (termlibs_rl.rl_callback_handler_remove)
#define rl_callback_read_char (termlibs_rl.rl_callback_read_char)
#define rl_callback_sigcleanup (termlibs_rl.rl_callback_sigcleanup)
#define rl_cleanup_after_signal (termlibs_rl.rl_cleanup_after_signal)
#define rl_clear_visible_line (termlibs_rl.rl_clear_visible_line)
#define rl_completion_matches (termlibs_rl.rl_completion_matches)
#define rl_deprep_terminal (termlibs_rl.rl_deprep_terminal)
#define rl_free_line_state (termlibs_rl.rl_free_line_state)
#define rl_getc (termlibs_rl.rl_getc)
#define rl_on_new_line (termlibs_rl.rl_on_new_line)
#define rl_prep_terminal (termlibs_rl.rl_prep_terminal)
#define rl_redisplay (termlibs_rl.rl_redisplay)
#define rl_replace_line (termlibs_rl.rl_replace_line)
#define rl_reset_after_signal (termlibs_rl.rl_reset_after_signal)
#define rl_set_prompt (termlibs_rl.rl_set_prompt)
#define write_history (termlibs_rl.write_history)
/* Variables: the library's own, through their addresses. */
#define history_base (*termlibs_rl.history_base)
#define history_length (*termlibs_rl.history_length)
#define rl_attempted_completion_function (*termlibs_rl.rl_attempted_completion_function)
#define rl_attempted_completion_over (*termlibs_rl.rl_attempted_completion_over)
#define rl_catch_signals (*termlibs_rl.rl_catch_signals)
#define rl_catch_sigwinch (*termlibs_rl.rl_catch_sigwinch)
#define rl_change_environment (*termlibs_rl.rl_change_environment)
#define rl_deprep_term_function (*termlibs_rl.rl_deprep_term_function)
#define rl_display_prompt (*termlibs_rl.rl_display_prompt)
#define rl_end (*termlibs_rl.rl_end)
#define rl_getc_function (*termlibs_rl.rl_getc_function)
#define rl_input_available_hook (*termlibs_rl.rl_input_available_hook)
#define rl_line_buffer (*termlibs_rl.rl_line_buffer)
#define rl_outstream (*termlibs_rl.rl_outstream)
#define rl_point (*termlibs_rl.rl_point)
#define rl_prep_term_function (*termlibs_rl.rl_prep_term_function)
#define rl_readline_name (*termlibs_rl.rl_readline_name)
#define rl_redisplay_function (*termlibs_rl.rl_redisplay_function)
#endif

#endif
