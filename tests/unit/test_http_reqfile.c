/*
 * Tests of the --requests-file parser (src/http/reqfile.c) and of the URL
 * parser's https:// handling (src/http/url.c): the entries and messages for
 * files written out by hand, the default ports of both schemes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "http/reqfile.h"
#include "http/url.h"
#include "util/error.h"

static int parse(const char *text, struct reqfile *rf)
{
	return reqfile_parse(text, strlen(text), "r.txt", rf);
}

static void test_entries(void **state)
{
	struct reqfile rf;
	const char *text = "# a comment\n\nGET http://h/a\r\n  POST\t/b   body.json\n#GET /c\n\tHEAD /d";

	(void)state;
	assert_int_equal(parse(text, &rf), 0);
	assert_int_equal(rf.n, 3);
	assert_string_equal(rf.v[0].method, "GET");
	assert_string_equal(rf.v[0].url, "http://h/a");	/* the CR of CRLF is not in it */
	assert_null(rf.v[0].body);
	assert_int_equal(rf.v[0].line, 3);
	assert_string_equal(rf.v[1].method, "POST");
	assert_string_equal(rf.v[1].url, "/b");
	assert_string_equal(rf.v[1].body, "body.json");
	assert_int_equal(rf.v[1].line, 4);
	assert_string_equal(rf.v[2].method, "HEAD");
	assert_int_equal(rf.v[2].line, 6);	/* the last line has no newline */
	reqfile_release(&rf);
	assert_null(rf.v);
	assert_int_equal(rf.n, 0);
}

static void expect_error(const char *text, const char *msg)
{
	struct reqfile rf;

	assert_int_equal(parse(text, &rf), -1);
	assert_string_equal(pe_errmsg(), msg);
	assert_int_equal(rf.n, 0);
	assert_null(rf.v);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("GET /a\nGET\n", "r.txt:2: 'GET': expected METHOD URL [BODY_FILE]");
	expect_error("Get /a\n", "r.txt:1: 'Get /a': the method is not an HTTP method in capitals (GET, POST, HEAD, ...)");
	expect_error("GET /a b c\n", "r.txt:1: 'GET /a b c': more than METHOD URL [BODY_FILE]");
	expect_error("", "r.txt: no request in it (one a line: METHOD URL [BODY_FILE])");
	expect_error("# only\n   \n", "r.txt: no request in it (one a line: METHOD URL [BODY_FILE])");
}

static void test_quote(void **state)
{
	struct reqfile rf;
	char text[200];

	(void)state;
	/* a long bad line is quoted up to 80 characters, control characters as '?' */
	memset(text, 'X', sizeof(text));	/* one field: a method without a URL */
	text[199] = '\0';
	assert_int_equal(parse("G\x01T /\n", &rf), -1);
	assert_string_equal(pe_errmsg(), "r.txt:1: 'G?T /': the method is not an HTTP method in capitals (GET, POST, HEAD, ...)");
	assert_int_equal(parse(text, &rf), -1);
	assert_int_equal(strlen(strchr(pe_errmsg(), '\'')), 1 + 80 + 3 + 1 + strlen(": expected METHOD URL [BODY_FILE]"));
	assert_int_equal(reqfile_parse("GET /\0x\n", 8, "r.txt", &rf), -1);
	assert_string_equal(pe_errmsg(), "r.txt:1: 'GET /?x': a NUL byte in the line");
}

static void test_https_url(void **state)
{
	struct http_url u;

	(void)state;
	assert_int_equal(http_url_parse("https://example.com/a?b", &u), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.port, "443");
	assert_string_equal(u.host_header, "example.com");
	assert_string_equal(u.path, "/a?b");
	assert_int_equal(http_url_parse("https://[::1]:8443", &u), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "8443");
	assert_string_equal(u.host_header, "[::1]:8443");
	assert_string_equal(u.path, "/");
	assert_int_equal(http_url_parse("http://h", &u), 0);
	assert_string_equal(u.port, "80");
	assert_int_equal(http_url_parse("ftp://h/", &u), -1);
	assert_string_equal(pe_errmsg(), "'ftp://h/' is not an http:// or https:// URL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_https_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
