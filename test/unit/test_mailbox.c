/*
 * test_mailbox.c - RFC 5321 4.1.2 Mailbox syntax: what may stand between
 * < and >, so no address smtpsh builds can end its path early.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mailbox.h"

struct mailbox_case {
	const char *addr;
	unsigned flags;
	int ok;          /* 1: a mailbox */
	int quote_hint;  /* 1: quoting the local part would help */
};

static const struct mailbox_case cases[] = {
	{ "alice@example.org", 0, 1, 0 },
	{ "a.b+tag@sub.example.org", 0, 1, 0 },
	{ "!#$%&'*+-/=?^_`{|}~@x", 0, 1, 0 },
	{ "\"john doe\"@x.test", 0, 1, 0 },
	{ "\"a\\\"b\"@x.test", 0, 1, 0 },
	{ "\"a@b\"@x.test", 0, 1, 0 },
	{ "a@[127.0.0.1]", 0, 1, 0 },
	{ "a@[IPv6:::1]", 0, 1, 0 },
	{ "a@[x-tag:abc]", 0, 1, 0 },
	{ "\xd0\xb6\xd0\xb5\xd0\xbd\xd0\xb0@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example", 0, 1, 0 },
	{ "alice", MAILBOX_LOCAL_OK, 1, 0 },
	{ "Postmaster", MAILBOX_LOCAL_OK, 1, 0 },
	{ "", MAILBOX_EMPTY_OK, 1, 0 },
	/* Refused. */
	{ "alice", 0, 0, 0 },
	{ "", 0, 0, 0 },
	{ "a@x.test> SIZE=1 <y", 0, 0, 0 },
	{ "alice> NOTIFY=SUCCESS", MAILBOX_LOCAL_OK, 0, 1 },
	{ "john doe@x.test", 0, 0, 1 },
	{ "a<b@x.test", 0, 0, 1 },
	{ "a..b@x", 0, 0, 1 },
	{ ".a@x", 0, 0, 1 },
	{ "a@", 0, 0, 0 },
	{ "@x", 0, 0, 0 },
	{ "a@x..y", 0, 0, 0 },
	{ "a@-x.y", 0, 0, 0 },
	{ "a@x-.y", 0, 0, 0 },
	{ "a@x.y.", 0, 0, 0 },
	{ "a@x_y", 0, 0, 0 },
	{ "a@b@c", 0, 0, 1 },
	{ "a@[300.1.1.1]", 0, 0, 0 },
	{ "a@[IPv6:zz]", 0, 0, 0 },
	{ "a@[1.2.3.4", 0, 0, 0 },
	{ "\"open@x", 0, 0, 0 },
	{ "\"a\"b@x", 0, 0, 0 },
	{ "a\x1b[2J@x", 0, 0, 0 },
	{ "a\t@x", 0, 0, 0 },
	{ "\"a\x7f\"@x", 0, 0, 0 },
	{ "\xff@x", 0, 0, 0 },
	{ "\xc0\xaf@x", 0, 0, 0 },
	{ "a@\xed\xa0\x80.x", 0, 0, 0 },
};

START_TEST(test_mailbox_table)
{
	const struct mailbox_case *c = &cases[_i];
	const char *why = mailbox_check(c->addr, strlen(c->addr), c->flags);
	if (c->ok)
		ck_assert_msg(why == NULL, "\"%s\" refused: %s", c->addr, why);
	else
		ck_assert_msg(why != NULL && why[0] != '\0', "\"%s\" accepted", c->addr);
	ck_assert_msg(mailbox_quoting_helps(c->addr, strlen(c->addr), c->flags) == (c->quote_hint != 0),
	    "\"%s\": quoting hint wrong", c->addr);
}
END_TEST

START_TEST(test_mailbox_length_bounded)
{
	/* A label of 64 octets and a domain of 256 are past RFC 1035/5321. */
	char buf[400];
	memset(buf, 'a', sizeof buf);
	buf[0] = 'u';
	buf[1] = '@';
	ck_assert_ptr_null(mailbox_check(buf, 2 + 63, 0));
	ck_assert_ptr_nonnull(mailbox_check(buf, 2 + 64, 0));
	for (size_t i = 2 + 60; i < sizeof buf; i += 61)
		buf[i] = '.';
	ck_assert_ptr_null(mailbox_check(buf, 2 + 255, 0));
	ck_assert_ptr_nonnull(mailbox_check(buf, 2 + 256, 0));
	/* Not NUL-terminated where it ends: only len bytes are looked at. */
	ck_assert_ptr_null(mailbox_check("a@b>junk", 3, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mailbox");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_mailbox_table, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_mailbox_length_bounded);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
