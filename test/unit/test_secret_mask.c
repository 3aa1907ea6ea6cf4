/*
 * test_secret_mask.c - masking the secrets smtpsh holds in server text
 * (secret_mask.h): a table of named rows (forms, input, want), each fed
 * whole and, for the streaming form, split at every offset with the held
 * tail fed again in front of the rest; short forms are not kept; the
 * placeholder does not tell the length; the list is bounded.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "libs.h"
#include "secret_mask.h"

struct row {
	const char *name;
	const char *forms[3];
	bool with_base64;
	const char *in;
	const char *want;
	size_t replaced;
};

static const struct row rows[] = {
	{ "none", { "hunter2" }, false, "535 no", "535 no", 0 },
	{ "one", { "hunter2" }, false, "alice/hunter2", "alice/<secret>", 1 },
	{ "every", { "hunter2" }, false, "hunter2 hunter2hunter2", "<secret> <secret><secret>", 3 },
	{ "base64 too", { "hunter2" }, true, "you sent aHVudGVyMg==", "you sent <secret>", 1 },
	{ "longest wins", { "hunt", "hunter2" }, false, "hunter2 hunt", "<secret> <secret>", 2 },
	{ "prefix only", { "hunter2" }, false, "hunter hunte", "hunter hunte", 0 },
	{ "short not kept", { "abc" }, false, "abc abc", "abc abc", 0 },
	{ "length hidden", { "a-much-longer-secret" }, false, "x a-much-longer-secret",
	  "x <secret>", 1 },
	{ "binary", { "pa\001ss" }, false, "n,a=pa\001ss,", "n,a=<secret>,", 1 },
};

static void load(struct secret_mask *m, const struct row *r)
{
	struct smtp_error err = { 0 };
	secret_mask_init(m);
	for (size_t i = 0; i < 3 && r->forms[i] != NULL; i++)
		ck_assert_int_eq(secret_mask_add(m, r->forms[i], strlen(r->forms[i]), r->with_base64,
		    &err), SMTP_OK);
}

/* Wiping nothing is fine: a transcript that held a whole read back (a
 * secret split across reads) wiped an empty buffer, NULL, and UBSan
 * stopped the run (explicit_bzero's pointer is declared non-null). */
START_TEST(test_wipe_of_nothing)
{
	libs_wipe(NULL, 0);
	char buf[4] = "abc";
	libs_wipe(buf, sizeof buf);
	ck_assert_int_eq(buf[0] | buf[1] | buf[2] | buf[3], 0);
	ck_assert_int_eq(libs_ct_compare("abcd", "abcd", 4), 0);
	ck_assert_int_ne(libs_ct_compare("abcd", "abce", 4), 0);
}
END_TEST

START_TEST(test_rows_whole)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		struct secret_mask m;
		struct strbuf out;
		size_t used = 0, replaced = 0;
		load(&m, r);
		strbuf_init(&out, 4096);
		ck_assert_int_eq(secret_mask_feed(&m, r->in, strlen(r->in), true, &out, &used,
		    &replaced), SMTP_OK);
		ck_assert_msg(used == strlen(r->in), "%s: used %zu", r->name, used);
		ck_assert_msg(strcmp(strbuf_str(&out), r->want) == 0, "%s: got \"%s\", want \"%s\"",
		    r->name, strbuf_str(&out), r->want);
		ck_assert_msg(replaced == r->replaced, "%s: replaced %zu, want %zu", r->name,
		    replaced, r->replaced);
		strbuf_free(&out);
		secret_mask_clear(&m);
	}
}
END_TEST

/* Streaming: split at every offset, the held tail fed again in front. */
START_TEST(test_rows_split_everywhere)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *r = &rows[i];
		size_t n = strlen(r->in);
		for (size_t cut = 0; cut <= n; cut++) {
			struct secret_mask m;
			struct strbuf out;
			char joined[256];
			size_t used = 0;
			load(&m, r);
			strbuf_init(&out, 4096);
			ck_assert_int_eq(secret_mask_feed(&m, r->in, cut, false, &out, &used, NULL),
			    SMTP_OK);
			ck_assert(used <= cut);
			size_t held = cut - used;
			memcpy(joined, r->in + used, n - used);
			ck_assert_int_eq(secret_mask_feed(&m, joined, n - used, true, &out, &used, NULL),
			    SMTP_OK);
			ck_assert_msg(strcmp(strbuf_str(&out), r->want) == 0,
			    "%s cut %zu (held %zu): got \"%s\"", r->name, cut, held, strbuf_str(&out));
			strbuf_free(&out);
			secret_mask_clear(&m);
		}
	}
}
END_TEST

START_TEST(test_bounded_and_cleared)
{
	struct secret_mask m;
	struct smtp_error err = { 0 };
	char form[16];
	secret_mask_init(&m);
	ck_assert(secret_mask_empty(&m));
	for (int i = 0; i < SECRET_MASK_FORMS; i++) {
		snprintf(form, sizeof form, "secret-%02d", i);
		ck_assert_int_eq(secret_mask_add(&m, form, strlen(form), false, &err), SMTP_OK);
	}
	ck_assert_int_eq(secret_mask_add(&m, "one-too-many", 12, false, &err), SMTP_ERR_LIMIT);
	/* A form already kept is not a new one. */
	ck_assert_int_eq(secret_mask_add(&m, "secret-00", 9, false, &err), SMTP_OK);
	static char huge[SECRET_MASK_FORM_MAX + 2];
	memset(huge, 'x', sizeof huge - 1);
	secret_mask_clear(&m);
	ck_assert(secret_mask_empty(&m));
	ck_assert_int_eq(secret_mask_add(&m, huge, sizeof huge - 1, false, &err), SMTP_ERR_LIMIT);
	/* Nothing to mask: everything passes, nothing held. */
	struct strbuf out;
	size_t used = 0;
	strbuf_init(&out, 64);
	ck_assert_int_eq(secret_mask_feed(NULL, "secret-0", 8, false, &out, &used, NULL), SMTP_OK);
	ck_assert_uint_eq(used, 8);
	ck_assert_str_eq(strbuf_str(&out), "secret-0");
	strbuf_free(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("secret_mask");
	TCase *tc = tcase_create("mask");
	tcase_add_test(tc, test_wipe_of_nothing);
	tcase_add_test(tc, test_rows_whole);
	tcase_add_test(tc, test_rows_split_everywhere);
	tcase_add_test(tc, test_bounded_and_cleared);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
