/* hf_options.c: the HEAPFOLD_* environment options, one table row each (mimalloc's options.c).
 *
 *   HEAPFOLD_OUTPUT     trace file; %p pid, %e executable name, %% percent (ignored in a
 *                       setuid or setgid program: the default is used)
 *                       (default heapfold.%e.%p.gz, in the current directory)
 *   HEAPFOLD_UNWIND     libunwind (default) or fp (frame pointers: -fno-omit-frame-pointer code);
 *                       libunwind-plain: libunwind without the memo of the thread's last stack
 *                       (tools/dev/patches/libunwind-trace-memo.patch), to compare;
 *                       libunwind-check: each stack also unwound with unw_step, differences
 *                       counted and reported at exit (slow; for tests)
 *   HEAPFOLD_MAX_DEPTH  frames kept per stack, 1 to 1024 (default 128); deeper stacks are cut
 *                       and marked truncated
 *   HEAPFOLD_FLUSH_MS   longest time recorded data waits before it is written (default 1000)
 *   HEAPFOLD_TICK_MS    the background thread's tick: RSS is sampled and the clock events are
 *                       stamped with moves every tick (default 10); HEAPFOLD_SAMPLE_MS, its
 *                       old name, still works (the new name wins when both are set)
 *   HEAPFOLD_FOLLOW     1: forked children write traces of their own, and our variables stay
 *                       in the environment for what they run (default 0: forked children are
 *                       not traced, and the program's environment is cleaned of our variables;
 *                       a program the traced process execs is traced either way,
 *                       hf_follow_preload.c)
 *   HEAPFOLD_QUIET      1: nothing on stderr, not even warnings (default 0: warnings and errors
 *                       only; nothing is printed when all goes well)
 *   HEAPFOLD_DISABLE    1: do not start recording at program start (hf_start still can); the
 *                       same as HEAPFOLD_OUTPUT set to the empty string
 *   HEAPFOLD_PEAK       1: track the heap's peak for hf_stats, 0: do not (default: tracked
 *                       when the program can call hf_stats; hf_stats.c)
 *   HEAPFOLD_METRICS    a file kept up to date with the heap's statistics in Prometheus's text
 *                       format, for node_exporter's textfile collector (hf_metrics.c; ignored
 *                       in a setuid or setgid program)
 *   HEAPFOLD_METRICS_INTERVAL  seconds between rewrites of that file (default 15; "500ms")
 *   HEAPFOLD_SAMPLE_BYTES  record about one allocation per this many bytes allocated (K, M, G
 *                       suffixes; hf_sample.c); 0, the default: every allocation
 *   HEAPFOLD_SAMPLE_SEED   the samplers' seed, for reproducible runs (default 0: from the clock)
 *   HEAPFOLD_PPROF_DIR  a directory where pprof heap profiles of the running process are
 *                       written: heapfold.<exe>.<pid>.<n>.pb.gz every HEAPFOLD_PPROF_INTERVAL
 *                       and at exit (hf_pprof.c; ignored in a setuid or setgid program)
 *   HEAPFOLD_PPROF_INTERVAL  seconds between those profiles (default 60; 0: at exit only)
 *   HEAPFOLD_PPROF      1: keep the live profile for hf_pprof_write without writing any
 *                       profile by ourselves (default 0; implied by HEAPFOLD_PPROF_DIR)
 *   HEAPFOLD_RUN        set by the launcher: the file where each trace of the run is noted, for
 *                       the listing at its end (hf_run.c; ignored in a setuid or setgid program)
 *   HEAPFOLD_EXEC       set by the recorder in the environment of an image it follows across
 *                       exec: how many traced images came before it (hf_run.c)
 *
 * Read once, in the constructor. Parsing is lenient (spaces, case, 1/true/yes/on, "2s" for a
 * time); a bad value gives one warning naming the value and the default used instead. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>

#include "hf_base.h"
#include "hf_unwind.h"

extern char **environ;

/* K_SEC: a time, bare numbers in seconds; K_SIZE: bytes, with K, M or G (1024-based) */
enum kind { K_STR, K_UINT, K_MS, K_SEC, K_SIZE, K_BOOL, K_ENUM };

struct desc {
	const char *name;
	enum kind kind;
	long def, min, max;
	const char *def_str;
	const char *old_name; /* read when the name itself is not set (a renamed option) */
};

static const struct desc table[HF_OPT_COUNT] = {
	[HF_OPT_OUTPUT] = { "OUTPUT", K_STR, 0, 0, 0, "heapfold.%e.%p.gz" },
	[HF_OPT_UNWIND] = { "UNWIND", K_ENUM, HF_UNWIND_LIBUNWIND, 0, HF_UNWIND_CHECK, NULL },
	[HF_OPT_MAX_DEPTH] = { "MAX_DEPTH", K_UINT, 128, 1, HF_DEPTH_LIMIT, NULL },
	[HF_OPT_FLUSH_MS] = { "FLUSH_MS", K_MS, 1000, 10, 3600000, NULL },
	[HF_OPT_TICK_MS] = { "TICK_MS", K_MS, 10, 1, 60000, NULL, "SAMPLE_MS" },
	[HF_OPT_FOLLOW] = { "FOLLOW", K_BOOL, 0, 0, 1, NULL },
	[HF_OPT_QUIET] = { "QUIET", K_BOOL, 0, 0, 1, NULL },
	[HF_OPT_DISABLE] = { "DISABLE", K_BOOL, 0, 0, 1, NULL },
	[HF_OPT_PEAK] = { "PEAK", K_BOOL, -1, 0, 1, NULL }, /* -1: automatic */
	[HF_OPT_METRICS] = { "METRICS", K_STR, 0, 0, 0, NULL },
	[HF_OPT_METRICS_INTERVAL] = { "METRICS_INTERVAL", K_SEC, 15000, 100, 86400000, NULL },
	[HF_OPT_SAMPLE_BYTES] = { "SAMPLE_BYTES", K_SIZE, 0, 0, 0x7fffffff, NULL },
	[HF_OPT_SAMPLE_SEED] = { "SAMPLE_SEED", K_UINT, 0, 0, 0x7fffffff, NULL },
	[HF_OPT_RUN] = { "RUN", K_STR, 0, 0, 0, NULL },
	[HF_OPT_EXEC] = { "EXEC", K_UINT, 0, 0, 0x7fffffff, NULL },
	[HF_OPT_PPROF_DIR] = { "PPROF_DIR", K_STR, 0, 0, 0, NULL },
	[HF_OPT_PPROF_INTERVAL] = { "PPROF_INTERVAL", K_SEC, 60000, 0, 86400000, NULL },
	[HF_OPT_PPROF] = { "PPROF", K_BOOL, 0, 0, 1, NULL },
};

/* Values before hf_options_init are the defaults that matter early: QUIET 0. */
static long value[HF_OPT_COUNT];
static const char *str_value[HF_OPT_COUNT];
static char set_empty[HF_OPT_COUNT];

static const char *trim(const char *s, size_t *len)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n'))
		n--;
	*len = n;
	return s;
}

static int word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* Returns 0 and sets *out, or -1 if the text is not a value of this kind. */
static int parse(const struct desc *d, const char *s, size_t n, long *out)
{
	switch (d->kind) {
	case K_BOOL:
		if (word_is(s, n, "1") || word_is(s, n, "true") || word_is(s, n, "yes") ||
		    word_is(s, n, "on")) {
			*out = 1;
			return 0;
		}
		if (word_is(s, n, "0") || word_is(s, n, "false") || word_is(s, n, "no") ||
		    word_is(s, n, "off")) {
			*out = 0;
			return 0;
		}
		return -1;
	case K_ENUM: /* UNWIND, the only one */
		if (word_is(s, n, "libunwind") || word_is(s, n, "unw") || word_is(s, n, "dwarf")) {
			*out = HF_UNWIND_LIBUNWIND;
			return 0;
		}
		if (word_is(s, n, "libunwind-plain")) {
			*out = HF_UNWIND_PLAIN;
			return 0;
		}
		if (word_is(s, n, "libunwind-check")) {
			*out = HF_UNWIND_CHECK;
			return 0;
		}
		if (word_is(s, n, "fp") || word_is(s, n, "frame-pointer") ||
		    word_is(s, n, "frame-pointers") || word_is(s, n, "framepointer")) {
			*out = HF_UNWIND_FP;
			return 0;
		}
		return -1;
	case K_UINT:
	case K_MS:
	case K_SEC:
	case K_SIZE: {
		unsigned long long v = 0;
		size_t i = 0;
		if (n == 0)
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 1000000000000ull)
				return -1;
		}
		if (i == 0)
			return -1;
		if (d->kind == K_SIZE && i < n) {
			unsigned shift = 0;
			if (word_is(s + i, n - i, "k") || word_is(s + i, n - i, "kb") || word_is(s + i, n - i, "kib"))
				shift = 10;
			else if (word_is(s + i, n - i, "m") || word_is(s + i, n - i, "mb") || word_is(s + i, n - i, "mib"))
				shift = 20;
			else if (word_is(s + i, n - i, "g") || word_is(s + i, n - i, "gb") || word_is(s + i, n - i, "gib"))
				shift = 30;
			else
				return -1;
			v <<= shift;
		} else if (d->kind != K_UINT && d->kind != K_SIZE && i < n) {
			if (word_is(s + i, n - i, "s"))
				v *= 1000;
			else if (!word_is(s + i, n - i, "ms"))
				return -1;
		} else if (d->kind == K_SEC) {
			v *= 1000;
		} else if (i < n) {
			return -1;
		}
		*out = v > 0x7fffffffull ? 0x7fffffff : (long)v;
		return 0;
	}
	case K_STR:
		break;
	}
	return -1;
}

/* getenv may be the program's own (bash defines one that ignores environ before its init). */
static const char *env_get(const char *name)
{
	size_t n = strlen(name);
	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static void init_one(enum hf_opt o)
{
	const struct desc *d = &table[o];
	char env[32];
	hf_fmt(env, sizeof env, "HEAPFOLD_%s", d->name);
	const char *raw = env_get(env);
	if (!raw && d->old_name) {
		hf_fmt(env, sizeof env, "HEAPFOLD_%s", d->old_name);
		raw = env_get(env);
	}
	value[o] = d->def;
	str_value[o] = d->def_str;
	if (!raw)
		return;
	size_t n;
	const char *s = trim(raw, &n);
	if (n == 0) {
		set_empty[o] = 1; /* the default; for OUTPUT, also "do not start by yourself" */
		return;
	}
	if (d->kind == K_STR) {
		/* A setuid or setgid program (secure execution) must not create files where its
		 * caller says: the path from the environment is refused, the default used. */
		if ((o == HF_OPT_OUTPUT || o == HF_OPT_METRICS || o == HF_OPT_RUN || o == HF_OPT_PPROF_DIR) &&
		    getauxval(AT_SECURE)) {
			if (d->def_str)
				hf_warn("%s ignored in a setuid/setgid program; writing %s instead", env,
					d->def_str);
			else
				hf_warn("%s ignored in a setuid/setgid program", env);
			return;
		}
		str_value[o] = raw;
		return;
	}
	long v;
	if (parse(d, s, n, &v) < 0) {
		char def[32];
		hf_opt_text(o, def, sizeof def);
		hf_warn("%s=%s is not valid; using %s", env, raw, def);
		return;
	}
	if (v < d->min || v > d->max) {
		long c = v < d->min ? d->min : d->max;
		hf_warn("%s=%s is out of range (%ld to %ld); using %ld", env, raw, d->min, d->max, c);
		v = c;
	}
	value[o] = v;
}

void hf_options_init(void)
{
	init_one(HF_OPT_QUIET); /* first: it decides whether the others may warn */
	hf_fmt_quiet = (int)value[HF_OPT_QUIET];
	for (int o = 0; o < HF_OPT_COUNT; o++)
		if (o != HF_OPT_QUIET)
			init_one((enum hf_opt)o);
	for (char **e = environ; e && *e; e++) {
		if (!hf_opt_is_ours(*e))
			continue;
		const char *name = *e + 9;
		size_t len = strcspn(name, "=");
		int known = 0;
		for (int o = 0; o < HF_OPT_COUNT; o++) {
			const char *old = table[o].old_name;
			known |= strlen(table[o].name) == len && !strncmp(table[o].name, name, len);
			known |= old && strlen(old) == len && !strncmp(old, name, len);
		}
		if (!known) {
			/* The known names from the table itself: a new option cannot be left out. */
			char nm[64], names[256];
			size_t k = 0;
			hf_fmt(nm, len + 1 < sizeof nm ? len + 1 : sizeof nm, "%s", name);
			for (int o = 0; o < HF_OPT_COUNT; o++)
				k += hf_fmt(names + k, sizeof names - k, "%s%s", o ? ", " : "", table[o].name);
			hf_warn("unknown option HEAPFOLD_%s ignored (known: %s)", nm, names);
		}
	}
}

long hf_opt(enum hf_opt o)
{
	return value[o];
}

void hf_opt_set(enum hf_opt o, long v)
{
	value[o] = v;
}

const char *hf_opt_str(enum hf_opt o)
{
	return str_value[o] ? str_value[o] : "";
}

int hf_opt_set_empty(enum hf_opt o)
{
	return set_empty[o];
}

const char *hf_opt_name(enum hf_opt o)
{
	return table[o].name;
}

size_t hf_opt_text(enum hf_opt o, char *buf, size_t cap)
{
	switch (table[o].kind) {
	case K_STR:
		return hf_fmt(buf, cap, "%s", hf_opt_str(o));
	case K_ENUM:
		return hf_fmt(buf, cap, "%s", value[o] == HF_UNWIND_FP ? "fp" : value[o] == HF_UNWIND_PLAIN ? "libunwind-plain"
					: value[o] == HF_UNWIND_CHECK ? "libunwind-check" : "libunwind");
	case K_BOOL:
		return hf_fmt(buf, cap, "%s", value[o] < 0 ? "auto" : value[o] ? "1" : "0");
	case K_SEC:
		return hf_fmt(buf, cap, "%ldms", value[o]);
	default:
		return hf_fmt(buf, cap, "%ld", value[o]);
	}
}

int hf_opt_is_ours(const char *entry)
{
	return strncmp(entry, "HEAPFOLD_", 9) == 0;
}
