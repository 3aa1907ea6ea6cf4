/*
 * test_strbuf.c - strbuf: hard maximum, all-or-nothing appends, NUL
 * termination, embedded NULs, formatted appends; also error.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "strbuf.h"

START_TEST(test_empty_is_empty_string)
{
	struct strbuf sb;
	strbuf_init(&sb, 10);
	ck_assert_ptr_nonnull(strbuf_str(&sb));
	ck_assert_str_eq(strbuf_str(&sb), "");
	ck_assert_uint_eq(sb.len, 0);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_append_within_max)
{
	struct strbuf sb;
	strbuf_init(&sb, 10);
	ck_assert_int_eq(strbuf_append(&sb, "hello", 5), SMTP_OK);
	ck_assert_int_eq(strbuf_appendc(&sb, ' '), SMTP_OK);
	ck_assert_int_eq(strbuf_append(&sb, "wor", 3), SMTP_OK);
	ck_assert_str_eq(strbuf_str(&sb), "hello wor");
	ck_assert_uint_eq(sb.len, 9);
	/* exactly max is fine */
	ck_assert_int_eq(strbuf_appendc(&sb, 'l'), SMTP_OK);
	ck_assert_uint_eq(sb.len, 10);
	ck_assert_uint_le(sb.cap, 11);
	/* one past max fails and leaves contents as they were */
	ck_assert_int_eq(strbuf_appendc(&sb, 'd'), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&sb), "hello worl");
	ck_assert_uint_eq(sb.len, 10);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_append_all_or_nothing)
{
	struct strbuf sb;
	strbuf_init(&sb, 8);
	ck_assert_int_eq(strbuf_append(&sb, "abcdef", 6), SMTP_OK);
	ck_assert_int_eq(strbuf_append(&sb, "XYZ", 3), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&sb), "abcdef");
	ck_assert_int_eq(strbuf_appendf(&sb, "%d", 12345), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&sb), "abcdef");
	ck_assert_uint_eq(sb.len, 6);
	/* SIZE_MAX-sized request must not wrap around */
	ck_assert_int_eq(strbuf_append(&sb, "x", (size_t)-1), SMTP_ERR_NOMEM);
	ck_assert_uint_eq(sb.len, 6);
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_embedded_nul)
{
	struct strbuf sb;
	strbuf_init(&sb, 100);
	ck_assert_int_eq(strbuf_append(&sb, "a\0b", 3), SMTP_OK);
	ck_assert_uint_eq(sb.len, 3);
	ck_assert_int_eq(memcmp(sb.data, "a\0b", 4), 0);  /* incl. final NUL */
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_appendf_and_growth)
{
	struct strbuf sb;
	strbuf_init(&sb, 100000);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(strbuf_appendf(&sb, "%d,", i % 10), SMTP_OK);
	ck_assert_uint_eq(sb.len, 20000);
	ck_assert_int_eq(sb.data[sb.len], '\0');
	ck_assert_int_eq(strncmp(sb.data, "0,1,2,", 6), 0);
	ck_assert_int_eq(strcmp(sb.data + sb.len - 4, "8,9,"), 0);
	strbuf_reset(&sb);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(strbuf_str(&sb), "");
	ck_assert_uint_ge(sb.cap, 20001);   /* reset keeps memory */
	strbuf_free(&sb);
	ck_assert_ptr_null(sb.data);
}
END_TEST

START_TEST(test_zero_max)
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	ck_assert_int_eq(strbuf_append(&sb, "", 0), SMTP_OK);
	ck_assert_int_eq(strbuf_appendc(&sb, 'a'), SMTP_ERR_NOMEM);
	ck_assert_str_eq(strbuf_str(&sb), "");
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_error_set_one_line)
{
	struct smtp_error e;
	smtp_error_clear(&e);
	ck_assert_int_eq(e.kind, SMTP_OK);
	enum smtp_errkind k = smtp_error_set(&e, SMTP_ERR_IO, 32,
	    "write: %s\r\nforged line", "broken pipe");
	ck_assert_int_eq(k, SMTP_ERR_IO);
	ck_assert_int_eq(e.kind, SMTP_ERR_IO);
	ck_assert_int_eq(e.sys_errno, 32);
	ck_assert_ptr_null(strchr(e.msg, '\n'));
	ck_assert_ptr_null(strchr(e.msg, '\r'));
	ck_assert_str_eq(e.msg, "write: broken pipe  forged line");
	/* NULL error is allowed and still returns the kind */
	ck_assert_int_eq(smtp_error_set(NULL, SMTP_ERR_TIMEOUT, 0, "x"),
	    SMTP_ERR_TIMEOUT);
	/* over-long messages are truncated, still terminated */
	char big[600];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	smtp_error_set(&e, SMTP_ERR_USAGE, 0, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), SMTP_ERROR_MSG_MAX - 1);
}
END_TEST

START_TEST(test_errkind_names)
{
	for (int k = 0; k < SMTP_ERR__COUNT; k++) {
		const char *n = smtp_errkind_name((enum smtp_errkind)k);
		ck_assert_msg(n != NULL && strcmp(n, "unknown") != 0,
		    "kind %d has no name", k);
		for (int j = 0; j < k; j++)
			ck_assert_msg(strcmp(n, smtp_errkind_name((enum smtp_errkind)j)) != 0,
			    "kinds %d and %d share the name %s", j, k, n);
	}
	ck_assert_str_eq(smtp_errkind_name(SMTP_ERR_TIMEOUT), "timeout");
	ck_assert_str_eq(smtp_errkind_name(SMTP_ERR_CLOSED), "closed");
	ck_assert_str_eq(smtp_errkind_name(SMTP_ERR__COUNT), "unknown");
}
END_TEST

static Suite *strbuf_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_empty_is_empty_string);
	tcase_add_test(tc, test_append_within_max);
	tcase_add_test(tc, test_append_all_or_nothing);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_appendf_and_growth);
	tcase_add_test(tc, test_zero_max);
	tcase_add_test(tc, test_error_set_one_line);
	tcase_add_test(tc, test_errkind_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(strbuf_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
