/*
 * libs_curl.h - libcurl's functions (the audit's MTA-STS policy fetch over
 * HTTPS, RFC 8461 3.3), through the table libs.c fills when first needed
 * (libs.h); call libs_need_curl() first.  curl.h's type-checking macros
 * are turned off: the names below are redirected to the table instead.
 */
#ifndef SMTPSH_LIBS_CURL_H
#define SMTPSH_LIBS_CURL_H

#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>

#include "libs.h"

#define LIBS_CURL_FUNCS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_getinfo) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_slist_append) \
	X(curl_slist_free_all)

struct libs_curl_table {
#define LIBS_CURL_MEMBER(f) __typeof__(f) *f;
	LIBS_CURL_FUNCS(LIBS_CURL_MEMBER)
#undef LIBS_CURL_MEMBER
};
extern struct libs_curl_table libs_curl;

/* The core's calls go through the table (libs.c fills it; it defines
 * LIBS_CURL_TABLE_ONLY to see the real declarations). */
#ifndef LIBS_CURL_TABLE_ONLY
/* curl.h's own three-argument checks for these two go first. */
#undef curl_easy_getinfo
#undef curl_easy_setopt
#define curl_easy_cleanup (libs_curl.curl_easy_cleanup)
#define curl_easy_getinfo (libs_curl.curl_easy_getinfo)
#define curl_easy_init (libs_curl.curl_easy_init)
#define curl_easy_perform (libs_curl.curl_easy_perform)
#define curl_easy_setopt (libs_curl.curl_easy_setopt)
#define curl_easy_strerror (libs_curl.curl_easy_strerror)
#define curl_slist_append (libs_curl.curl_slist_append)
#define curl_slist_free_all (libs_curl.curl_slist_free_all)
#endif

#endif
