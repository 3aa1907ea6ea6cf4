/*
 * test_attack.c - runs the teaching server's defences (attack_*.c): memory,
 * slow clients, the error limit, TURN of a large message, HELP.  Limits are
 * set short through struct server_config, and every wait has a deadline:
 * nothing sleeps to let the server catch up.
 */
#include <check.h>
#include <stdlib.h>

#include "attack.h"

struct demo_server *start(const struct server_config *cfg)
{
	struct demo_server *srv;
	struct smtp_error err;
	ck_assert_int_eq(demo_server_create(&srv, cfg, &err), SMTP_OK);
	ck_assert_int_eq(demo_server_start_thread(srv, &err), SMTP_OK);
	return srv;
}

void greet(struct client *c, struct smtp_reply *r, const char *port, const char *src)
{
	client_open_from(c, port, src);
	ck_assert_int_eq(client_reply(c, r), 220);
}

int main(void)
{
	Suite *s = suite_create("attack");
	TCase *(*const cases[])(void) = {
		attack_memory_tcase, attack_slow_tcase, attack_errors_tcase, attack_turn_tcase,
		attack_help_tcase,
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		suite_add_tcase(s, cases[i]());
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
