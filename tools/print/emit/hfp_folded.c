/* hfp_folded.c: folded stacks ("root;...;leaf COUNT") in exactly the grammar flamegraph.pl
 * and speedscope read, as --svg and --diff take them (-F writes the same lines without holding
 * them: hfp_folded_stream.c); anything else breaks one of them:
 * - one line per distinct stack, sorted by stack text in byte order, counts > 0, one space
 *   before an integer count, no trailing ';', no empty frame, "\n" line ends;
 * - frame names are valid UTF-8 (invalid bytes become U+FFFD; flamegraph.pl dies on them),
 *   have no control characters (they make its SVG invalid XML; they become '?'), no ';' (the
 *   separator; it becomes ':'), no leading or trailing spaces (a trailing space before the count
 *   is two spaces), and do not end in " <number>" (flamegraph.pl would read the number as a
 *   second count column: the space becomes '_'). An empty name becomes "[unknown]". */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hfp_cost.h"
#include "../core/hfp_hash.h"
#include "../core/hfp_mem.h"
#include "../symbol/hfp_stack.h"
#include "hfp_folded.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0; /* overlong, out of range, or a surrogate */
	*cp = v;
	return n;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* If s[0..len) ends in whitespace followed by a number as flamegraph.pl's count pattern reads it
 * (\s+?(\d+(?:\.\d*)?)$), returns the index of that whitespace byte, else -1. */
static long number_tail(const char *s, size_t len)
{
	size_t i = len;
	while (i > 0 && is_digit(s[i - 1]))
		i--;
	if (i > 0 && s[i - 1] == '.') {
		size_t j = i - 1;
		while (j > 0 && is_digit(s[j - 1]))
			j--;
		if (j == i - 1)
			return -1; /* "x .5": the number needs a digit before its point */
		i = j;
	} else if (i == len) {
		return -1;
	}
	if (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		return (long)(i - 1);
	return -1;
}

void hfp_folded_escape(struct hfp_buf *b, const char *name)
{
	size_t start = b->len;
	const unsigned char *s = (const unsigned char *)(name ? name : "");
	size_t len = strlen((const char *)s);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_len(s + i, len - i, &cp);
		if (n == 0) {
			hfp_buf_put(b, "\xef\xbf\xbd", 3); /* U+FFFD REPLACEMENT CHARACTER */
			i++;
			continue;
		}
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			hfp_buf_putc(b, '?'); /* C0, DEL and C1 controls */
		else if (cp == ';')
			hfp_buf_putc(b, ':');
		else
			hfp_buf_put(b, s + i, n);
		i += n;
	}
	/* Trim spaces at both ends. */
	char *p = b->p ? b->p + start : NULL;
	size_t n = b->len - start;
	size_t lead = 0;
	while (lead < n && p[lead] == ' ')
		lead++;
	while (n > lead && p[n - 1] == ' ')
		n--;
	if (lead)
		memmove(p, p + lead, n - lead);
	n -= lead;
	b->len = start + n;
	if (n == 0) {
		hfp_buf_puts(b, "[unknown]");
		return;
	}
	long sp = number_tail(b->p + start, n);
	if (sp >= 0)
		b->p[start + (size_t)sp] = '_';
}

/* ---- building and writing ------------------------------------------------------------------- */

struct line {
	char *text;
	uint64_t count;
};

static int cmp_line(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: byte order, as the output promises. */
	return strcmp(((const struct line *)a)->text, ((const struct line *)b)->text);
}

/* Stacks that differ only in what the text does not show (source lines, allocator, cut frames)
 * have the same line: lines merge as they are made, through an index of their text, so memory
 * follows the distinct lines, not the display stacks (a million stacks of one recursion make
 * one line, not a million strings to sort). */
struct lines {
	struct line *l;
	size_t n, cap;
	struct hfp_hash index; /* text -> l[i] */
};

struct line_ent {
	uint64_t hash; /* owned by the table */
	size_t i;
};

static int line_same(const void *entry, const void *key, size_t len, void *ctx)
{
	const struct lines *ls = ctx;
	const char *text = ls->l[((const struct line_ent *)entry)->i].text;
	return strncmp(text, key, len) == 0 && text[len] == 0;
}

static const struct hfp_hash_type line_type = {
	.entry_size = sizeof(struct line_ent),
	.key_size = 0,
	.same = line_same,
	.min_cap = 256,
	.max_load = 50,
};

static void add_line(struct lines *ls, const char *text, size_t len, uint64_t count)
{
	int added;
	struct line_ent *e = hfp_hash_put(&ls->index, text, len, &added);
	if (!added) {
		ls->l[e->i].count += count;
		return;
	}
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 256;
		ls->l = hfp_reallocarray(ls->l, ls->cap, sizeof *ls->l);
	}
	ls->l[ls->n] = (struct line){ hfp_strndup(text, len), count };
	e->i = ls->n++;
}

void hfp_folded_build(const struct hfp_stacks *s, int cost, struct hfp_folded *out)
{
	memset(out, 0, sizeof *out);
	/* Each frame name is escaped once; stacks then only concatenate. */
	char **esc = hfp_calloc(s->nframe ? s->nframe : 1, sizeof *esc);
	struct lines ls = { 0 };
	hfp_hash_init(&ls.index, &line_type, &ls);
	struct hfp_buf b = { 0 };
	struct hfp_framebuf fb = { 0 };
	for (size_t i = 0; i < s->nd; i++) {
		struct hfp_dstack dv = hfp_stacks_get(s, i);
		const struct hfp_dstack *d = &dv;
		uint64_t c = hfp_cost_get(&d->c, cost);
		if (!c)
			continue;
		b.len = 0;
		const uint32_t *frames = hfp_dstack_frames(s, d, &fb);
		for (uint32_t k = 0; k < d->depth; k++) {
			uint32_t f = frames[k];
			if (!esc[f]) {
				struct hfp_buf e = { 0 };
				hfp_folded_escape(&e, s->frame[f].name);
				esc[f] = hfp_buf_take(&e);
			}
			if (k)
				hfp_buf_putc(&b, ';');
			hfp_buf_puts(&b, esc[f]);
		}
		add_line(&ls, hfp_buf_str(&b), b.len, c);
		out->total += c;
	}
	hfp_hash_free(&ls.index);
	hfp_buf_free(&b);
	hfp_framebuf_free(&fb);
	for (size_t i = 0; i < s->nframe; i++)
		free(esc[i]);
	free(esc);
	if (ls.n) /* ls.l is NULL when no stack has the cost */
		qsort(ls.l, ls.n, sizeof *ls.l, cmp_line);
	out->stack = hfp_calloc(ls.n ? ls.n : 1, sizeof *out->stack);
	out->count = hfp_calloc(ls.n ? ls.n : 1, sizeof *out->count);
	for (size_t i = 0; i < ls.n; i++) {
		out->stack[i] = ls.l[i].text;
		out->count[i] = ls.l[i].count;
	}
	out->n = ls.n;
	free(ls.l);
}

int hfp_folded_write(FILE *f, const struct hfp_folded *fo)
{
	for (size_t i = 0; i < fo->n; i++)
		if (fprintf(f, "%s %" PRIu64 "\n", fo->stack[i], fo->count[i]) < 0)
			return -1;
	return ferror(f) ? -1 : 0;
}

void hfp_folded_free(struct hfp_folded *fo)
{
	for (size_t i = 0; i < fo->n; i++)
		free(fo->stack[i]);
	free(fo->stack);
	free(fo->count);
	memset(fo, 0, sizeof *fo);
}

/* ---- the grammar checker -------------------------------------------------------------------- */

static const char *check_frame(const char *s, size_t n)
{
	if (n == 0)
		return "empty frame";
	if (s[0] == ' ' || s[n - 1] == ' ')
		return "frame with a leading or trailing space";
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_len((const unsigned char *)s + i, n - i, &cp);
		if (!k)
			return "invalid UTF-8";
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			return "control character";
		i += k;
	}
	if (number_tail(s, n) >= 0)
		return "frame ending in \" <number>\"";
	return NULL;
}

const char *hfp_folded_check(const char *text, size_t len, size_t *line_no)
{
	const char *prev = NULL;
	size_t prev_len = 0;
	*line_no = 0;
	for (size_t pos = 0; pos < len;) {
		++*line_no;
		const char *l = text + pos;
		const char *nl = memchr(l, '\n', len - pos);
		if (!nl)
			return "last line does not end in a newline";
		size_t n = (size_t)(nl - l);
		pos += n + 1;
		if (memchr(l, '\r', n))
			return "carriage return";
		const char *sp = NULL;
		for (size_t i = n; i > 0; i--)
			if (l[i - 1] == ' ') {
				sp = l + i - 1;
				break;
			}
		if (!sp)
			return "no space before the count";
		const char *c = sp + 1;
		size_t cn = (size_t)(nl - c);
		if (cn == 0 || c[0] < '1' || c[0] > '9')
			return "count is not a positive integer without leading zeros";
		for (size_t i = 0; i < cn; i++)
			if (!is_digit(c[i]))
				return "count is not an integer";
		size_t sn = (size_t)(sp - l);
		if (sn == 0)
			return "empty stack";
		for (size_t a = 0; a <= sn;) {
			const char *semi = memchr(l + a, ';', sn - a);
			size_t b = semi ? (size_t)(semi - l) : sn;
			const char *err = check_frame(l + a, b - a);
			if (err)
				return err;
			a = b + 1;
			if (!semi)
				break;
		}
		if (prev) {
			size_t m = prev_len < sn ? prev_len : sn;
			int r = memcmp(prev, l, m);
			if (r > 0 || (r == 0 && prev_len >= sn))
				return "lines not sorted by stack, or a stack repeated";
		}
		prev = l;
		prev_len = sn;
	}
	return NULL;
}
