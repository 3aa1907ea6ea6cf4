/*
 * test_state.c - every state has a distinct short name and a description;
 * out-of-range values are safe.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

START_TEST(test_names)
{
	for (int i = 0; i < SMTP_ST__COUNT; i++) {
		const char *n = smtp_state_name((enum smtp_state)i);
		ck_assert_msg(n != NULL && n[0] != '\0', "state %d has no name", i);
		ck_assert_msg(strlen(smtp_state_describe((enum smtp_state)i)) > 10,
		    "state %d has no description", i);
		for (int j = 0; j < i; j++)
			ck_assert_msg(strcmp(n, smtp_state_name((enum smtp_state)j)) != 0,
			    "states %d and %d share the name %s", i, j, n);
	}
	ck_assert_str_eq(smtp_state_name(SMTP_ST_READY), "ready");
	ck_assert_str_eq(smtp_state_name(SMTP_ST__COUNT), "unknown");
	ck_assert_str_eq(smtp_state_name((enum smtp_state)-1), "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
