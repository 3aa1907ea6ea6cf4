/*
 * recipe_int.h - what the connection recipe's files share (recipe.c, the
 * open, hello and STARTTLS steps; recipe_auth.c, AUTH; recipe_xclient.c,
 * XCLIENT; recipe_replay.c, all of them again): telling the observer, and
 * one command with its own reply.
 */
#ifndef SMTPSH_RECIPE_INT_H
#define SMTPSH_RECIPE_INT_H

#include "recipe.h"

void recipe_event(const struct recipe_observer *obs, const struct recipe_event *e);
void recipe_reply(const struct recipe_observer *obs, const struct session_reply *r,
    bool tentative);
/* Send one line and read its own reply into *out; replies to no command
 * (or late ones) that come first are told to the observer. */
enum smtp_errkind recipe_exchange(struct session *s, const struct verb *v, const char *line,
    size_t len, const struct recipe_observer *obs, struct session_reply *out,
    struct smtp_error *err);

#endif
