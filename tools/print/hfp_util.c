/* hfp_util.c: small helpers of heapfold_print: allocation, number parsing and formatting,
 * growable buffers, string interning, warnings and checked outputs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hfp.h"

static void out_of_memory(void)
{
	/* Nothing to free or write: the pipeline holds only derived data. */
	fputs(HFP_NAME ": out of memory\n", stderr);
	exit(HFP_EXIT_DATA);
}

void *hfp_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *hfp_reallocarray(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		out_of_memory();
	return hfp_realloc(p, n * size);
}

char *hfp_strdup(const char *s)
{
	return hfp_strndup(s, strlen(s));
}

char *hfp_strndup(const char *s, size_t n)
{
	char *p = hfp_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

/* ---- numbers ---------------------------------------------------------------------------------- */

int hfp_parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int hfp_parse_size(const char *s, uint64_t *out)
{
	/* Integer part and an optional fraction of up to 9 digits, exact in integer arithmetic
	 * (1.5K = 1536): a size filter must not depend on floating-point rounding. */
	uint64_t ip = 0, frac = 0, fscale = 1;
	const char *p = s;
	if (!p || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (ip > (UINT64_MAX - d) / 10)
			return -1;
		ip = ip * 10 + d;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (fscale >= 1000000000)
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
			fscale *= 10;
		}
	}
	unsigned shift = 0;
	switch (*p) {
	case 'k': case 'K': shift = 10; p++; break;
	case 'm': case 'M': shift = 20; p++; break;
	case 'g': case 'G': shift = 30; p++; break;
	case 't': case 'T': shift = 40; p++; break;
	default: break;
	}
	if (shift && *p == 'i')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -1;
	uint64_t mul = (uint64_t)1 << shift;
	if (ip > UINT64_MAX / mul)
		return -1;
	uint64_t v = ip * mul;
	if (frac) {
		if (!shift)
			return -1; /* "1.5" bytes makes no sense */
		uint64_t f = frac * mul / fscale; /* frac < 1e9, mul <= 2^40: fits */
		if (v > UINT64_MAX - f)
			return -1;
		v += f;
	}
	*out = v;
	return 0;
}

char *hfp_human_bytes(uint64_t v, char *buf, size_t cap)
{
	static const char unit[] = "KMGTPE";
	if (v < 1024) {
		snprintf(buf, cap, "%" PRIu64 "B", v);
		return buf;
	}
	/* Two decimals, rounded half up, in integer arithmetic so output never depends on libm. */
	int u = 0;
	uint64_t div = 1024;
	while (u < 5 && v / div >= 1024) {
		div <<= 10;
		u++;
	}
	uint64_t whole = v / div;
	uint64_t rest = v % div;
	uint64_t cents = (uint64_t)(((unsigned __int128)rest * 100 + div / 2) / div);
	if (cents >= 100) {
		whole++;
		cents -= 100;
	}
	snprintf(buf, cap, "%" PRIu64 ".%02" PRIu64 "%c", whole, cents, unit[u]);
	return buf;
}

char *hfp_group_digits(uint64_t v, char *buf, size_t cap)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	size_t o = 0;
	for (int i = 0; i < n && o + 1 < cap; i++) {
		if (i && (n - i) % 3 == 0 && o + 2 < cap)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

/* ---- buffers ----------------------------------------------------------------------------------- */

void hfp_buf_put(struct hfp_buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (b->len + n + 1 > cap)
			cap *= 2;
		b->p = hfp_realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void hfp_buf_puts(struct hfp_buf *b, const char *s)
{
	hfp_buf_put(b, s, strlen(s));
}

void hfp_buf_putc(struct hfp_buf *b, char c)
{
	hfp_buf_put(b, &c, 1);
}

void hfp_buf_printf(struct hfp_buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		hfp_buf_put(b, tmp, (size_t)n);
		return;
	}
	char *big = hfp_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	hfp_buf_put(b, big, (size_t)n);
	free(big);
}

const char *hfp_buf_str(struct hfp_buf *b)
{
	hfp_buf_put(b, "", 0);
	b->p[b->len] = 0;
	return b->p;
}

char *hfp_buf_take(struct hfp_buf *b)
{
	hfp_buf_str(b);
	char *p = b->p;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

void hfp_buf_free(struct hfp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- string interning -------------------------------------------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

const char *hfp_intern_n(struct hfp_strtab *t, const char *s, size_t len)
{
	if (t->n * 2 >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **slot = hfp_calloc(cap, sizeof *slot);
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->slot[i])
				continue;
			size_t j = hash_bytes(t->slot[i], strlen(t->slot[i])) & (cap - 1);
			while (slot[j])
				j = (j + 1) & (cap - 1);
			slot[j] = t->slot[i];
		}
		free(t->slot);
		t->slot = slot;
		t->cap = cap;
	}
	size_t j = hash_bytes(s, len) & (t->cap - 1);
	while (t->slot[j]) {
		if (strncmp(t->slot[j], s, len) == 0 && t->slot[j][len] == 0)
			return t->slot[j];
		j = (j + 1) & (t->cap - 1);
	}
	t->slot[j] = hfp_strndup(s, len);
	t->n++;
	return t->slot[j];
}

const char *hfp_intern(struct hfp_strtab *t, const char *s)
{
	return hfp_intern_n(t, s, strlen(s));
}

void hfp_strtab_free(struct hfp_strtab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	t->slot = NULL;
	t->cap = t->n = 0;
}

/* ---- warnings ---------------------------------------------------------------------------------- */

void hfp_warn(struct hfp_warnings *w, const char *fmt, ...)
{
	struct hfp_buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	hfp_buf_puts(&b, tmp);
	if (!w->quiet)
		fprintf(stderr, HFP_NAME ": warning: %s\n", hfp_buf_str(&b));
	w->msg = hfp_reallocarray(w->msg, w->n + 1, sizeof *w->msg);
	w->msg[w->n++] = hfp_buf_take(&b);
}

void hfp_warnings_free(struct hfp_warnings *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->msg[i]);
	free(w->msg);
	w->msg = NULL;
	w->n = 0;
}

/* ---- outputs ----------------------------------------------------------------------------------- */

FILE *hfp_stdout;

int hfp_out_open(struct hfp_out *o, const char *path)
{
	memset(o, 0, sizeof *o);
	/* A closed pipe must be an error we can report, not a silent death by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (!path || strcmp(path, "-") == 0) {
		o->f = hfp_stdout ? hfp_stdout : stdout;
		o->name = "standard output";
		o->is_stdout = 1;
		return HFP_EXIT_OK;
	}
	o->name = path;
	/* Only a file this run created is removed when the run fails (hfp_out_discard): an
	 * existing file, /dev/null above all, is truncated at most, never unlinked. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0)
		o->created = 1;
	else if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, HFP_NAME ": cannot create %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (o->created)
			unlink(path);
		o->created = 0;
		return HFP_EXIT_OUTPUT;
	}
	return HFP_EXIT_OK;
}

int hfp_out_close(struct hfp_out *o)
{
	if (!o->f)
		return HFP_EXIT_OK;
	/* errno of the write that failed first is the best description; fflush retries the
	 * write, so it usually sets the same one again. */
	int err = 0, saved = errno;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : saved ? saved : EIO;
	/* stdout is closed too: only fclose reports errors of the final write(2). A stream set in
	 * hfp_stdout belongs to whoever set it: checked and flushed, left open for the next run. */
	if (o->is_stdout && hfp_stdout)
		clearerr(o->f);
	else if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (err) {
		fprintf(stderr, HFP_NAME ": write error on %s: %s\n", o->name, strerror(err));
		return HFP_EXIT_OUTPUT;
	}
	return HFP_EXIT_OK;
}

void hfp_out_discard(struct hfp_out *o)
{
	if (!o->f)
		return;
	if (o->is_stdout) {
		fflush(o->f);
		o->f = NULL;
		return;
	}
	fclose(o->f);
	o->f = NULL;
	if (o->created)
		unlink(o->name);
}
