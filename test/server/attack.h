/*
 * attack.h - the teaching server under attack (issue 10): the Check test
 * cases of attack_*.c, one file per defence, run by test_attack.c.
 */
#ifndef SMTPSH_ATTACK_H
#define SMTPSH_ATTACK_H

#include <check.h>

#include "server.h"
#include "strbuf.h"
#include "tclient.h"
#include "verbs.h"

#define MIB (1024u * 1024u)

/* A server with cfg, serving in a thread (asserts). */
struct demo_server *start(const struct server_config *cfg);
/* Connect (from src, NULL: any) and expect the 220 greeting. */
void greet(struct client *c, struct smtp_reply *r, const char *port, const char *src);

TCase *attack_memory_tcase(void);
TCase *attack_slow_tcase(void);
TCase *attack_errors_tcase(void);
TCase *attack_turn_tcase(void);
TCase *attack_help_tcase(void);

#endif
