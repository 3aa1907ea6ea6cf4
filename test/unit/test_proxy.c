/*
 * test_proxy.c - the PROXY protocol header (proxy.h): endpoints parsed
 * and refused, version 1's line and version 2's bytes exactly as haproxy's
 * proxy-protocol.txt lays them out, the UNKNOWN/LOCAL forms, a family
 * mismatch refused, and socket addresses taken (an IPv4-mapped IPv6
 * address as IPv4).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

static struct proxy_endpoint ep(const char *text)
{
	struct proxy_endpoint e;
	struct smtp_error err;
	ck_assert_int_eq(proxy_endpoint_parse(text, &e, &err), SMTP_OK);
	return e;
}

START_TEST(test_parse_and_format)
{
	struct proxy_endpoint e = ep("192.0.2.7:4321");
	ck_assert_int_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.port, 4321);
	ck_assert_mem_eq(e.addr, "\xc0\x00\x02\x07", 4);
	char buf[PROXY_SHOWN_MAX];
	proxy_endpoint_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "192.0.2.7:4321");
	e = ep("[2001:db8::7]:0");
	ck_assert_int_eq(e.family, AF_INET6);
	ck_assert_uint_eq(e.port, 0);
	proxy_endpoint_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "[2001:db8::7]:0");
}
END_TEST

START_TEST(test_parse_refused)
{
	static const char *const bad[] = {
		"192.0.2.7", "192.0.2.7:", ":25", "192.0.2.7:65536", "192.0.2.7:-1",
		"192.0.2.7:25x", "2001:db8::7:25", "[2001:db8::7]25", "[2001:db8::7", "mx.example:25",
		"999.0.2.7:25", "[192.0.2.7:25", "192.0.2.7:123456",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct proxy_endpoint e;
		struct smtp_error err;
		ck_assert_msg(proxy_endpoint_parse(bad[i], &e, &err) == SMTP_ERR_USAGE, "%s", bad[i]);
		ck_assert_int_eq(e.family, 0);
		ck_assert_uint_gt(strlen(err.msg), 0);
	}
}
END_TEST

START_TEST(test_v1_lines)
{
	uint8_t buf[PROXY_HEADER_MAX];
	size_t len;
	char shown[PROXY_SHOWN_MAX];
	struct smtp_error err;
	struct proxy_endpoint s = ep("192.0.2.7:4321"), d = ep("198.51.100.2:25");
	ck_assert_int_eq(proxy_header_build(1, &s, &d, buf, &len, shown, sizeof shown, &err), SMTP_OK);
	static const char want[] = "PROXY TCP4 192.0.2.7 198.51.100.2 4321 25\r\n";
	ck_assert_uint_eq(len, sizeof want - 1);
	ck_assert_mem_eq(buf, want, len);
	ck_assert_str_eq(shown, "PROXY TCP4 192.0.2.7 198.51.100.2 4321 25");
	/* The longest (proxy-protocol.txt 2.1: 107 bytes with CRLF). */
	s = ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	d = ep("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	ck_assert_int_eq(proxy_header_build(1, &s, &d, buf, &len, shown, sizeof shown, &err), SMTP_OK);
	ck_assert_uint_eq(len, 104);
	ck_assert_mem_eq(buf, "PROXY TCP6 ffff:", 16);
	ck_assert_int_eq(proxy_header_build(1, NULL, NULL, buf, &len, shown, sizeof shown, &err),
	    SMTP_OK);
	ck_assert_uint_eq(len, 15);
	ck_assert_mem_eq(buf, "PROXY UNKNOWN\r\n", 15);
}
END_TEST

START_TEST(test_v2_bytes)
{
	uint8_t buf[PROXY_HEADER_MAX];
	size_t len;
	char shown[PROXY_SHOWN_MAX];
	struct smtp_error err;
	struct proxy_endpoint s = ep("192.0.2.7:4321"), d = ep("198.51.100.2:25");
	ck_assert_int_eq(proxy_header_build(2, &s, &d, buf, &len, shown, sizeof shown, &err), SMTP_OK);
	static const uint8_t want[] = {
		0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
		0x21, 0x11, 0x00, 0x0C,
		192, 0, 2, 7, 198, 51, 100, 2, 0x10, 0xE1, 0x00, 0x19,
	};
	ck_assert_uint_eq(len, sizeof want);
	ck_assert_mem_eq(buf, want, len);
	ck_assert_str_eq(shown, "PROXY v2 TCP4 192.0.2.7 198.51.100.2 4321 25 (28 bytes)");
	s = ep("[2001:db8::7]:1");
	d = ep("[2001:db8::25]:25");
	ck_assert_int_eq(proxy_header_build(2, &s, &d, buf, &len, shown, sizeof shown, &err), SMTP_OK);
	ck_assert_uint_eq(len, 16 + 36);
	ck_assert_uint_eq(buf[13], 0x21);
	ck_assert_uint_eq(buf[15], 36);
	ck_assert_mem_eq(buf + 16, s.addr, 16);
	ck_assert_mem_eq(buf + 32, d.addr, 16);
	/* Unknown ends: the LOCAL command, no address block. */
	ck_assert_int_eq(proxy_header_build(2, NULL, NULL, buf, &len, shown, sizeof shown, &err),
	    SMTP_OK);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(buf[12], 0x20);
	ck_assert_uint_eq(buf[13], 0x00);
}
END_TEST

START_TEST(test_refused_headers)
{
	uint8_t buf[PROXY_HEADER_MAX];
	size_t len = 99;
	char shown[PROXY_SHOWN_MAX];
	struct smtp_error err;
	struct proxy_endpoint s = ep("192.0.2.7:1"), d = ep("[2001:db8::25]:25");
	ck_assert_int_eq(proxy_header_build(1, &s, &d, buf, &len, shown, sizeof shown, &err),
	    SMTP_ERR_USAGE);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(proxy_header_build(3, &s, &s, buf, &len, shown, sizeof shown, &err),
	    SMTP_ERR_USAGE);
	struct proxy_endpoint none = { 0 };
	ck_assert_int_eq(proxy_header_build(2, &none, &none, buf, &len, shown, sizeof shown, &err),
	    SMTP_ERR_USAGE);
}
END_TEST

START_TEST(test_from_sockaddr)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(2525) };
	ck_assert_int_eq(inet_pton(AF_INET6, "::ffff:192.0.2.9", &in6.sin6_addr), 1);
	struct proxy_endpoint e;
	ck_assert(proxy_endpoint_from_sockaddr(&in6, sizeof in6, &e));
	ck_assert_int_eq(e.family, AF_INET);
	ck_assert_uint_eq(e.port, 2525);
	ck_assert_mem_eq(e.addr, "\xc0\x00\x02\x09", 4);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(25) };
	in.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert(proxy_endpoint_from_sockaddr(&in, sizeof in, &e));
	ck_assert_mem_eq(e.addr, "\x7f\x00\x00\x01", 4);
	struct sockaddr un = { .sa_family = AF_UNIX };
	ck_assert(!proxy_endpoint_from_sockaddr(&un, sizeof un, &e));
	ck_assert_int_eq(e.family, 0);
}
END_TEST

static Suite *proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_and_format);
	tcase_add_test(tc, test_parse_refused);
	tcase_add_test(tc, test_v1_lines);
	tcase_add_test(tc, test_v2_bytes);
	tcase_add_test(tc, test_refused_headers);
	tcase_add_test(tc, test_from_sockaddr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(proxy_suite());
	srunner_run_all(sr, CK_ENV);   /* CK_VERBOSITY; TAP from meson */
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
