/*
 * test_mtasts.c - the pure parts of MTA-STS (mtasts.h, RFC 8461): a policy
 * parsed (3.2) -- CRLF or LF lines, the mode, every mx: line, max_age --
 * or refused with the reason; and an MX host matched against its patterns
 * (4.1: exact, or "*." standing for one leftmost label).  The fetch runs
 * end to end in test/integration/test_audit_domain.py.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts.h"

static const struct {
	const char *name, *text;
	bool ok;
	enum mtasts_mode mode;
	size_t nmx;
	long max_age;
	const char *why;                   /* a word of the reason when !ok */
} parse_rows[] = {
	{ "enforce, CRLF", "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	  "mx: *.example.net\r\nmax_age: 604800\r\n", true, MTASTS_ENFORCE, 2, 604800, NULL },
	{ "testing, LF, spaces", "version:STSv1\nmode:   testing  \nmx: a.example\nmax_age: 0",
	  true, MTASTS_TESTING, 1, 0, NULL },
	{ "none needs no mx", "version: STSv1\nmode: none\nmax_age: 86400\n", true, MTASTS_NONE,
	  0, 86400, NULL },
	{ "unknown keys ignored", "version: STSv1\nmode: enforce\nfoo: bar\nmx: a.example\n"
	  "max_age: 1\n", true, MTASTS_ENFORCE, 1, 1, NULL },
	{ "no version", "mode: enforce\nmx: a.example\nmax_age: 1\n", false, 0, 0, 0, "version" },
	{ "STSv2", "version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", false, 0, 0, 0,
	  "version" },
	{ "bad mode", "version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", false, 0, 0,
	  0, "mode" },
	{ "enforce without mx", "version: STSv1\nmode: enforce\nmax_age: 1\n", false, 0, 0, 0,
	  "mx" },
	{ "no max_age", "version: STSv1\nmode: enforce\nmx: a.example\n", false, 0, 0, 0,
	  "max_age" },
	{ "max_age past a year", "version: STSv1\nmode: enforce\nmx: a.example\n"
	  "max_age: 31557601\n", false, 0, 0, 0, "max_age" },
	{ "max_age not a number", "version: STSv1\nmode: enforce\nmx: a.example\n"
	  "max_age: 1d\n", false, 0, 0, 0, "max_age" },
};

START_TEST(test_parse)
{
	struct mtasts_policy p;
	char why[128];
	for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
		why[0] = '\0';
		bool ok = mtasts_parse(parse_rows[i].text, strlen(parse_rows[i].text), &p, why,
		    sizeof why);
		ck_assert_msg(ok == parse_rows[i].ok, "%s: got %d (%s), want %d",
		    parse_rows[i].name, ok, why, parse_rows[i].ok);
		if (!ok) {
			ck_assert_msg(strstr(why, parse_rows[i].why) != NULL, "%s: reason \"%s\" "
			    "lacks \"%s\"", parse_rows[i].name, why, parse_rows[i].why);
			continue;
		}
		ck_assert_msg(p.mode == parse_rows[i].mode, "%s: mode %d", parse_rows[i].name,
		    p.mode);
		ck_assert_msg(p.nmx == parse_rows[i].nmx, "%s: %zu mx", parse_rows[i].name, p.nmx);
		ck_assert_msg(p.max_age == parse_rows[i].max_age, "%s: max_age %ld",
		    parse_rows[i].name, p.max_age);
	}
}
END_TEST

START_TEST(test_mx_matches)
{
	static const char policy[] = "version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmax_age: 1\n";
	static const struct { const char *host; bool want; } rows[] = {
		{ "mail.example.com", true },
		{ "MAIL.Example.COM", true },
		{ "mail2.example.com", false },
		{ "mx1.example.net", true },
		{ "example.net", false },              /* "*." needs a label */
		{ ".example.net", false },             /* an empty one is none */
		{ "a.b.example.net", false },          /* one label only (RFC 8461 4.1) */
		{ "mx1.example.net.evil", false },
	};
	struct mtasts_policy p;
	char why[128];
	ck_assert(mtasts_parse(policy, strlen(policy), &p, why, sizeof why));
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		ck_assert_msg(mtasts_mx_matches(&p, rows[i].host) == rows[i].want, "%s: got %d",
		    rows[i].host, !rows[i].want);
}
END_TEST

START_TEST(test_mode_names)
{
	ck_assert_str_eq(mtasts_mode_name(MTASTS_ENFORCE), "enforce");
	ck_assert_str_eq(mtasts_mode_name(MTASTS_TESTING), "testing");
	ck_assert_str_eq(mtasts_mode_name(MTASTS_NONE), "none");
}
END_TEST

static Suite *mtasts_suite(void)
{
	Suite *s = suite_create("mtasts");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_mx_matches);
	tcase_add_test(tc, test_mode_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mtasts_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
