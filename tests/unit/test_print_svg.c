/* test_print_svg.c: the SVG flame graph (emit/hfp_svg.c) is well-formed XML whatever the frame
 * names hold, follows flamegraph.pl's structure (<g><title/><rect/><text/></g> per frame) and
 * labels its cost type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_buf.h"
#include "../../tools/print/core/hfp_cost.h"
#include "../../tools/print/core/hfp_mem.h"
#include "../../tools/print/emit/hfp_folded.h"
#include "../../tools/print/emit/hfp_svg.h"

/* A small well-formedness checker: tags nest and match, attribute values are quoted, every '&'
 * starts an entity, '<' appears only as markup. Returns NULL or what is wrong. */
static const char *xml_check(const char *p)
{
	const char *stack[256];
	size_t depth = 0, nstack = 0;
	while (*p) {
		if (*p == '&') {
			static const char *const ent[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };
			size_t i;
			for (i = 0; i < 5; i++)
				if (strncmp(p, ent[i], strlen(ent[i])) == 0)
					break;
			if (i == 5)
				return "bare &";
			p += strlen(ent[i]);
			continue;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		const char *end;
		if (strncmp(p, "<?", 2) == 0)
			end = strstr(p, "?>"), end = end ? end + 2 : NULL;
		else if (strncmp(p, "<!--", 4) == 0)
			end = strstr(p, "-->"), end = end ? end + 3 : NULL;
		else if (strncmp(p, "<![CDATA[", 9) == 0)
			end = strstr(p, "]]>"), end = end ? end + 3 : NULL;
		else if (strncmp(p, "<!DOCTYPE", 9) == 0)
			end = strchr(p, '>'), end = end ? end + 1 : NULL;
		else {
			int closing = p[1] == '/';
			const char *name = p + 1 + closing;
			size_t nlen = strcspn(name, " \t\n/>");
			if (nlen == 0)
				return "tag without a name";
			const char *q = name + nlen;
			/* attributes: name="value" with no '<' and only entities after '&' */
			for (;;) {
				while (*q == ' ' || *q == '\n' || *q == '\t')
					q++;
				if (*q == '>' || (q[0] == '/' && q[1] == '>') || !*q)
					break;
				q += strcspn(q, "=> ");
				if (*q != '=' || q[1] != '"')
					return "unquoted attribute";
				q += 2;
				for (; *q && *q != '"'; q++) {
					if (*q == '<')
						return "< in an attribute";
					if (*q == '&' && strncmp(q, "&amp;", 5) && strncmp(q, "&quot;", 6) &&
					    strncmp(q, "&lt;", 4) && strncmp(q, "&gt;", 4) && strncmp(q, "&apos;", 6))
						return "bare & in an attribute";
				}
				if (!*q)
					return "unterminated attribute";
				q++;
			}
			if (!*q)
				return "unterminated tag";
			int selfclosing = *q == '/';
			end = q + (selfclosing ? 2 : 1);
			if (closing) {
				if (!nstack || strncmp(stack[nstack - 1], name, nlen) ||
				    strcspn(stack[nstack - 1], " \t\n/>") != nlen)
					return "mismatched closing tag";
				nstack--;
			} else if (!selfclosing) {
				if (nstack == 256)
					return "too deep";
				stack[nstack++] = name;
				depth++;
			}
		}
		if (!end)
			return "unterminated markup";
		p = end;
	}
	return nstack ? "unclosed tag" : NULL;
}

static void test_xml_escape_covers_the_five_characters(void **state)
{
	(void)state;
	struct hfp_buf b = { 0 };
	hfp_xml_escape(&b, "a<b>&c\"d'e caf\xc3\xa9");
	assert_string_equal(hfp_buf_str(&b), "a&lt;b&gt;&amp;c&quot;d&apos;e caf\xc3\xa9");
	hfp_buf_free(&b);
	assert_null(xml_check("<a x=\"1\"><b/>t &amp; u</a>"));
	assert_non_null(xml_check("<a>t & u</a>"));
	assert_non_null(xml_check("<a><b></a>"));
}

static char *render_sub(const char *const *stacks, const uint64_t *counts, size_t n, int cost,
			const char *subtitle)
{
	struct hfp_folded fo = { 0 };
	fo.stack = hfp_calloc(n, sizeof *fo.stack);
	fo.count = hfp_calloc(n, sizeof *fo.count);
	for (size_t i = 0; i < n; i++) {
		fo.stack[i] = hfp_strdup(stacks[i]);
		fo.count[i] = counts[i];
		fo.total += counts[i];
	}
	fo.n = n;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_int_equal(hfp_svg_write(f, &fo, NULL, cost, subtitle), 0);
	assert_int_equal(fclose(f), 0);
	hfp_folded_free(&fo);
	const char *err = xml_check(text);
	if (err)
		fail_msg("invalid XML (%s):\n%s", err, text);
	return text;
}

static char *render(const char *const *stacks, const uint64_t *counts, size_t n, int cost)
{
	return render_sub(stacks, counts, n, cost, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static void test_svg_escapes_names_and_keeps_structure(void **state)
{
	(void)state;
	const char *stacks[] = {
		"main;a<b>&c\"d'e",
		"main;operator<<(std::ostream&, int const&)",
		"main;ns::f()",
		"main;ns::f();caf\xc3\xa9 \xe2\x98\x83",
	};
	uint64_t counts[] = { 5, 3, 1, 1 };
	char *svg = render(stacks, counts, 4, HFP_COST_ALLOCATIONS);
	/* all, main, 4 leaves below it (ns::f() merged once with its child) */
	assert_int_equal(count(svg, "<g>\n<title>"), 6);
	assert_int_equal(count(svg, "<rect x="), 7); /* one more: the background */
	assert_non_null(strstr(svg, "<title>all (10 allocations, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<title>main (10 allocations, 100.00%)</title>"));
	assert_non_null(strstr(svg, "<title>a&lt;b&gt;&amp;c&quot;d&apos;e (5 allocations, 50.00%)</title>"));
	assert_non_null(strstr(svg, "<title>ns::f() (2 allocations, 20.00%)</title>"));
	assert_non_null(strstr(svg, ">Heap allocations</text>"));
	assert_non_null(strstr(svg, "width=\"1180.0\"")); /* all: the full width between the pads */
	assert_non_null(strstr(svg, "fill=\"rgb(0,")); /* the mem palette: no red */
	free(svg);
}

static void test_svg_labels_each_cost_type(void **state)
{
	(void)state;
	const char *stacks[] = { "main;f" };
	uint64_t counts[] = { 123456 };
	static const char *const title[HFP_COST_N] = { "Heap allocations", "Heap bytes allocated",
						       "Temporary allocations", "Leaked bytes",
						       "Heap bytes at peak" };
	static const char *const unit[HFP_COST_N] = { "allocations", "bytes", "allocations", "bytes", "bytes" };
	for (int c = 0; c < HFP_COST_N; c++) {
		char *svg = render(stacks, counts, 1, c);
		char want[128];
		snprintf(want, sizeof want, ">%s</text>", title[c]);
		assert_non_null(strstr(svg, want));
		snprintf(want, sizeof want, "<title>f (123,456 %s, 100.00%%)</title>", unit[c]);
		assert_non_null(strstr(svg, want));
		free(svg);
	}
}

static void test_svg_drops_frames_too_narrow_to_see(void **state)
{
	(void)state;
	const char *stacks[] = { "main;big", "main;tiny;tinier" };
	uint64_t counts[] = { 100000000, 1 };
	char *svg = render(stacks, counts, 2, HFP_COST_BYTES);
	assert_null(strstr(svg, "tiny"));
	assert_non_null(strstr(svg, "big"));
	free(svg);
	/* Empty input: still a valid picture. */
	svg = render(NULL, NULL, 0, HFP_COST_LEAKED);
	free(svg);
	/* The filters as a subtitle, escaped. */
	svg = render_sub(stacks, counts, 2, HFP_COST_BYTES, "--filter-bt-function a<b>&c");
	assert_non_null(strstr(svg, ">--filter-bt-function a&lt;b&gt;&amp;c</text>"));
	free(svg);
}

static void test_svg_truncates_long_labels_on_a_character_boundary(void **state)
{
	(void)state;
	char longname[600] = "main;";
	for (int i = 0; i < 200; i++)
		strcat(longname, "\xc3\xa9"); /* two bytes each */
	const char *stacks[] = { longname, "main;other" };
	uint64_t counts[] = { 1, 1 };
	char *svg = render(stacks, counts, 2, HFP_COST_ALLOCATIONS);
	char *t = strstr(svg, "\xc3\xa9..</text>"); /* cut after a whole character */
	assert_non_null(t);
	free(svg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_escape_covers_the_five_characters),
		cmocka_unit_test(test_svg_escapes_names_and_keeps_structure),
		cmocka_unit_test(test_svg_labels_each_cost_type),
		cmocka_unit_test(test_svg_drops_frames_too_narrow_to_see),
		cmocka_unit_test(test_svg_truncates_long_labels_on_a_character_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
