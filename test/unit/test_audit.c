/*
 * test_audit.c - the pure parts of the audit (audit.h): the check table's
 * stable ids, the names of results and severities (JSON's words), which
 * software a banner names (a word, never part of a host name), what a
 * line discloses, and the fix table (Postfix's settings for Postfix, none
 * for a software the table does not know).  The checks themselves run
 * end to end against scripted servers (test/integration/test_audit.py)
 * and a real Postfix (test/servers/test_audit_postfix.py).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

START_TEST(test_check_ids_stable)
{
	const char *want[] = { "banner-disclosure", "no-starttls", "auth-before-tls", "limits",
	    "vrfy-exposes-users", "expn-exposes-lists", "open-relay", "early-talker",
	    "tls-protocols", "tls-ciphers", "tls-certificate", "reverse-dns", "dane",
	    "smtp-smuggling" };
	ck_assert_uint_eq(audit_check_count(), sizeof want / sizeof want[0]);
	for (size_t i = 0; i < audit_check_count(); i++)
		ck_assert_str_eq(audit_check_id(i), want[i]);
	ck_assert_ptr_null(audit_check_id(audit_check_count()));
	ck_assert_str_eq(audit_result_name(AUDIT_PASS), "pass");
	ck_assert_str_eq(audit_result_name(AUDIT_FINDING), "finding");
	ck_assert_str_eq(audit_result_name(AUDIT_SKIPPED), "skipped");
	ck_assert_str_eq(audit_severity_name(AUDIT_HIGH), "high");
	ck_assert_str_eq(audit_severity_name(AUDIT_INFO), "info");
}
END_TEST

START_TEST(test_fingerprint)
{
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP Postfix (Debian/GNU)", ""),
	    AUDIT_SW_POSTFIX);
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP Exim 4.96 Sun, 1 Dec 2026", ""),
	    AUDIT_SW_EXIM);
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP Sendmail 8.17.1/8.17.1; now",
	    ""), AUDIT_SW_SENDMAIL);
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP OpenSMTPD", ""),
	    AUDIT_SW_OPENSMTPD);
	ck_assert_int_eq(audit_fingerprint("220 EX01.corp.example Microsoft ESMTP MAIL Service "
	    "ready", ""), AUDIT_SW_EXCHANGE);
	/* In the EHLO reply's first line too. */
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP", "250-mx Hello (Exim)"),
	    AUDIT_SW_EXIM);
	/* A host named after the software is not the software. */
	ck_assert_int_eq(audit_fingerprint("220 postfix.example.org ESMTP",
	    "250-postfix.example.org"), AUDIT_SW_UNKNOWN);
	ck_assert_int_eq(audit_fingerprint("220 mx.example.org ESMTP ready", ""), AUDIT_SW_UNKNOWN);
}
END_TEST

START_TEST(test_discloses)
{
	char what[64];
	ck_assert(audit_discloses("mx.example.org ESMTP Postfix 3.7.11 (Debian)", what,
	    sizeof what));
	ck_assert_str_eq(what, "Postfix 3.7.11");
	ck_assert(audit_discloses("mx.example.org ESMTP Sendmail 8.17.1/8.17.1", what, sizeof what));
	ck_assert_str_eq(what, "Sendmail 8.17.1");
	ck_assert(audit_discloses("mx.example.org ESMTP server 2.4 ready", what, sizeof what));
	ck_assert_str_eq(what, "2.4");
	/* Host names, address literals and plain words disclose nothing. */
	ck_assert(!audit_discloses("mx1.example.org ESMTP", what, sizeof what));
	ck_assert_str_eq(what, "");
	ck_assert(!audit_discloses("postfix.example.org ESMTP ready", what, sizeof what));
	ck_assert(!audit_discloses("mx.example.org [192.0.2.1] ESMTP", what, sizeof what));
	ck_assert(!audit_discloses("mx.example.org at 10.0.0.1 ESMTP", what, sizeof what));
}
END_TEST

START_TEST(test_fix_table)
{
	ck_assert_ptr_nonnull(strstr(audit_fix_for("vrfy-exposes-users", AUDIT_SW_POSTFIX),
	    "disable_vrfy_command = yes"));
	ck_assert_ptr_nonnull(strstr(audit_fix_for("auth-before-tls", AUDIT_SW_POSTFIX),
	    "smtpd_tls_auth_only = yes"));
	ck_assert_ptr_nonnull(strstr(audit_fix_for("open-relay", AUDIT_SW_POSTFIX),
	    "smtpd_relay_restrictions"));
	ck_assert_ptr_nonnull(strstr(audit_fix_for("early-talker", AUDIT_SW_SENDMAIL),
	    "greet_pause"));
	/* None for unknown software: the check's generic fix is used. */
	for (size_t i = 0; i < audit_check_count(); i++)
		ck_assert_ptr_null(audit_fix_for(audit_check_id(i), AUDIT_SW_UNKNOWN));
	ck_assert_ptr_null(audit_fix_for("no-such-check", AUDIT_SW_POSTFIX));
	/* Every software the fingerprint knows has a fix for the open relay,
	 * the TLS versions and suites, and SMTP smuggling. */
	const char *every[] = { "open-relay", "tls-protocols", "tls-ciphers", "smtp-smuggling" };
	for (int sw = AUDIT_SW_POSTFIX; sw < AUDIT_SW__COUNT; sw++)
		for (size_t i = 0; i < sizeof every / sizeof every[0]; i++)
			ck_assert_msg(audit_fix_for(every[i], (enum audit_software)sw) != NULL,
			    "%s for %s", every[i], audit_software_name((enum audit_software)sw));
	ck_assert_ptr_nonnull(strstr(audit_fix_for("smtp-smuggling", AUDIT_SW_POSTFIX),
	    "smtpd_forbid_bare_newline = normalize"));
	ck_assert_ptr_nonnull(strstr(audit_fix_for("tls-ciphers", AUDIT_SW_POSTFIX),
	    "smtpd_tls_exclude_ciphers"));
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_check_ids_stable);
	tcase_add_test(tc, test_fingerprint);
	tcase_add_test(tc, test_discloses);
	tcase_add_test(tc, test_fix_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
