/* hfp.h: heapfold_print's internal interfaces, grouped by the file that defines them.
 *
 * The analyser is a pipeline: read (hfp_run.c) -> accumulate (hfp_accum.c) -> symbolize
 * (hfp_symbol.c, behind the stack layer hfp_stack.c) -> emit (hfp_report.c, hfp_folded.c,
 * hfp_svg.c, hfp_histogram.c). Each stage sees the previous one only through the types below,
 * so unit tests can feed any stage synthetic input: the accumulator takes plain struct hf_event
 * values, the stack layer takes node and resolver callbacks, the emitters take merged stacks. */
#ifndef HFP_H
#define HFP_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heapfold_trace.h"

#define HFP_NAME "heapfold_print"

#ifndef HF_FRAME_MIN_ADDR
#define HF_FRAME_MIN_ADDR 4096u /* frames below are pseudo-frame codes (format.md 2.2) */
#endif

/* Exit codes (documented in the man page). */
enum hfp_exit {
	HFP_EXIT_OK = 0,
	HFP_EXIT_DATA = 1,   /* missing, unreadable, corrupt trace; unknown version */
	HFP_EXIT_USAGE = 2,  /* bad option or argument */
	HFP_EXIT_OUTPUT = 3, /* an output could not be created or written */
};

/* Cost types (DESIGN.md, "The analyser"). */
enum hfp_cost {
	HFP_COST_ALLOCATIONS,
	HFP_COST_BYTES,
	HFP_COST_TEMPORARY,
	HFP_COST_LEAKED,
	HFP_COST_PEAK,
	HFP_COST_N
};

/* ---- hfp_options.c --------------------------------------------------------------------------- */

struct hfp_options {
	const char *trace;
	const char *output;     /* -o: the report; NULL = stdout */
	const char *folded;     /* -F: folded stacks; "-" = stdout */
	const char *svg;        /* --svg; "-" = stdout */
	const char *histogram;  /* -H */
	int cost;               /* enum hfp_cost for -F / --svg */
	int cost_given;
	int print_allocators, print_peaks, print_temporary, print_leaks;
	unsigned long peak_limit, sub_peak_limit;
	int temporary_only;     /* --temporary */
	uint64_t temporary_threshold;
	uint64_t min_size, max_size;
	const char **functions; /* --filter-bt-function (any of them) */
	size_t nfunctions;
	const char **debug_paths;
	size_t ndebug_paths;
	const char *sysroot;
	int above_main;         /* --print-above-main */
	int show_allocator;     /* --show-allocator */
	int progress;           /* -1 auto (stderr is a terminal), 0 off, 1 on */
	int help, version;
};

/* Parses argv into *o. Returns HFP_EXIT_OK, or HFP_EXIT_USAGE after printing one line on stderr.
 * o->help / o->version ask the caller to print usage or version and exit 0. */
int hfp_options_parse(struct hfp_options *o, int argc, char **argv);
void hfp_options_free(struct hfp_options *o);
void hfp_usage(FILE *f);
/* 1 when any option narrows the set of allocations (the report says so at the top). */
int hfp_options_filtered(const struct hfp_options *o);
/* "--min-size 1K --temporary ..." describing the active filters, in buf. */
void hfp_options_describe_filters(const struct hfp_options *o, char *buf, size_t cap);
extern const char *const hfp_cost_names[HFP_COST_N];

/* ---- hfp_util.c ------------------------------------------------------------------------------ */

/* Allocation that cannot fail: on exhaustion prints one line and exits with HFP_EXIT_DATA (the
 * trace is too big for this machine; nothing useful can be written). */
void *hfp_malloc(size_t n);
void *hfp_calloc(size_t n, size_t size);
void *hfp_realloc(void *p, size_t n);
void *hfp_reallocarray(void *p, size_t n, size_t size);
char *hfp_strdup(const char *s);
char *hfp_strndup(const char *s, size_t n);

/* Parses "123", "4K", "1.5M", "2G" (binary units: 1K = 1024; an optional trailing B or iB).
 * Returns 0, or -1 for anything else (empty, junk, unknown suffix, overflow). */
int hfp_parse_size(const char *s, uint64_t *out);
/* Parses a plain unsigned decimal integer. Returns 0 or -1. */
int hfp_parse_uint(const char *s, uint64_t *out);
/* Human-readable bytes as heaptrack prints them: "838B", "1.68K", "4.66M" (1K = 1024). */
char *hfp_human_bytes(uint64_t v, char *buf, size_t cap);
/* Integer with thousands separators: "1,234,567". */
char *hfp_group_digits(uint64_t v, char *buf, size_t cap);

/* A growable byte buffer. */
struct hfp_buf {
	char *p;
	size_t len, cap;
};
void hfp_buf_put(struct hfp_buf *b, const void *s, size_t n);
void hfp_buf_puts(struct hfp_buf *b, const char *s);
void hfp_buf_putc(struct hfp_buf *b, char c);
void hfp_buf_printf(struct hfp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminates and returns the content (still owned by b). */
const char *hfp_buf_str(struct hfp_buf *b);
/* NUL-terminates and hands the content over to the caller (free it); b is empty after. */
char *hfp_buf_take(struct hfp_buf *b);
void hfp_buf_free(struct hfp_buf *b);

/* String interning: equal strings get the same pointer, alive until hfp_strtab_free. */
struct hfp_strtab {
	char **slot;
	size_t cap, n;
};
const char *hfp_intern(struct hfp_strtab *t, const char *s);
const char *hfp_intern_n(struct hfp_strtab *t, const char *s, size_t len);
void hfp_strtab_free(struct hfp_strtab *t);

/* Warnings: printed on stderr once when raised, kept for the top of the report. */
struct hfp_warnings {
	char **msg;
	size_t n;
	int quiet; /* tests: keep, do not print */
};
void hfp_warn(struct hfp_warnings *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hfp_warnings_free(struct hfp_warnings *w);

/* Outputs: a named file or stdout ("-" or NULL with allow_stdout). Closing checks every error
 * (ferror, fflush, fclose, EPIPE) and prints one line naming the output. */
struct hfp_out {
	FILE *f;
	const char *name; /* for messages: the path, or "standard output" */
	int is_stdout;
	int created;      /* we created the file: remove it if the run fails */
};
int hfp_out_open(struct hfp_out *o, const char *path);
/* The stream behind "standard output": NULL (the default) means stdout, which hfp_out_close
 * closes, as the tool's last write to it. A caller that runs hfp_main more than once (tests, the
 * fuzzer) sets its own stream here; hfp_out_close then flushes it but leaves it open. */
extern FILE *hfp_stdout;
/* Returns HFP_EXIT_OK or HFP_EXIT_OUTPUT (message printed). */
int hfp_out_close(struct hfp_out *o);
/* Closes and removes a file this run created (used when the run fails before writing it). */
void hfp_out_discard(struct hfp_out *o);

/* ---- hfp_accum.c: events -> per-stack costs -------------------------------------------------- */

/* Costs of one stack (one allocator leaf node). */
struct hfp_costs {
	uint64_t allocations; /* allocations counted (all, or the temporary ones with --temporary) */
	uint64_t bytes;       /* their requested bytes */
	uint64_t temporary;   /* temporary allocations among them */
	uint64_t leaked;      /* bytes still live at the end */
	uint64_t leaked_count;
	uint64_t peak;        /* bytes live at the moment of the global peak */
};
uint64_t hfp_cost_get(const struct hfp_costs *c, int cost);
void hfp_costs_add(struct hfp_costs *to, const struct hfp_costs *c);

struct hfp_stat {
	uint32_t node;      /* allocator leaf node */
	struct hfp_costs c;
	uint64_t live;      /* bytes live now */
	uint64_t live_count;
	uint64_t last_tick; /* tick of the last change of live (see hfp_accum.c, peak) */
};

struct hfp_live; /* the live-block table, private to hfp_accum.c */

struct hfp_mark {
	uint64_t time_ns;
	char *label;
};

/* Decides once per stack whether it passes --filter-bt-function. */
typedef int (*hfp_keep_fn)(void *ctx, uint32_t node);

struct hfp_accum {
	/* configuration, set before the first event */
	uint64_t min_size, max_size; /* inclusive range of sizes counted */
	uint64_t threshold;          /* --temporary-threshold */
	int temporary_only;          /* --temporary */
	int classify_only;           /* pre-pass: only build tempmap */
	const uint8_t *tempmap;      /* from a pre-pass: bit i = allocation i is temporary */
	size_t tempmap_bits;
	hfp_keep_fn keep;
	void *keep_ctx;
	int want_histogram;

	/* per stack */
	uint32_t *stat_of_node; /* node id -> stat index + 1; 0 unseen; UINT32_MAX filtered out */
	size_t node_cap;
	struct hfp_stat *stats;
	size_t nstats, stats_cap;

	/* live blocks and per-thread allocation counters; threads are dense slots (thread_slot in
	 * hfp_accum.c), not the stream numbers of the trace */
	struct hfp_live *live;
	uint64_t *tseq;            /* slot -> allocations made by the thread */
	uint32_t *thread_of_slot;  /* slot -> stream number */
	size_t nthreads, tseq_cap;
	uint32_t *thread_hash;     /* open addressing: stream number -> slot + 1 (0: empty) */
	size_t thread_hash_cap;
	uint64_t thread_seed;
	uint32_t last_thread, last_slot;

	/* pre-pass output */
	uint8_t *map;
	size_t map_bytes;

	/* histogram: size -> count (open addressing) */
	uint64_t *hist_key, *hist_count;
	size_t hist_cap, hist_n;

	/* totals over the counted allocations */
	uint64_t allocations, bytes, temporary, failed;
	uint64_t live_bytes, live_count;
	uint64_t peak_bytes, peak_time_ns;
	uint64_t tick, peak_tick;
	uint64_t alloc_index; /* every allocation event, counted or not */
	uint64_t frees, unmatched_frees, duplicates;
	uint64_t peak_rss;
	uint64_t last_time_ns;
	uint64_t events;

	struct hfp_mark *marks;
	size_t nmarks;
};

void hfp_accum_init(struct hfp_accum *a);
/* Feeds one event in restored order. */
void hfp_accum_event(struct hfp_accum *a, const struct hf_event *ev);
/* Ends the stream: snapshots peak bytes of stacks untouched since the peak, fills leaked. */
void hfp_accum_finish(struct hfp_accum *a);
void hfp_accum_free(struct hfp_accum *a);
/* After a classify_only pass: hands over the temporary bitmap (caller frees it). */
uint8_t *hfp_accum_take_tempmap(struct hfp_accum *a, size_t *bits);

/* ---- hfp_symbol.c: addresses -> source frames (libdwfl) -------------------------------------- */

/* One source-level frame of an address. Strings live until the next resolve call. */
struct hfp_srcframe {
	const char *name;   /* never NULL: unresolved frames are "[module+0xOFFSET]" */
	const char *file;   /* NULL if unknown */
	unsigned line;
	const char *module; /* path of the module (as recorded), NULL if none */
};
#define HFP_MAX_INLINE 64

/* Resolves the return address frame of module (0 = none) into frames, innermost first
 * (the function containing frame - 1, then the functions it was inlined into). Returns the
 * count, at least 1, at most max. */
typedef size_t (*hfp_resolve_fn)(void *ctx, uint32_t module, uint64_t frame,
				 struct hfp_srcframe *out, size_t max);

/* Where modules come from: the trace, or a test's arrays. */
struct hfp_modsrc {
	const struct hf_module *(*module)(void *ctx, uint32_t id);
	const struct hf_symbol *(*symbols)(void *ctx, uint32_t id, size_t *n);
	void *ctx;
};

struct hfp_symbolizer;
struct hfp_symbolizer *hfp_symbolizer_new(const struct hfp_modsrc *src, const char *const *debug_paths,
					  size_t ndebug_paths, const char *sysroot,
					  struct hfp_warnings *w);
size_t hfp_symbolize(void *symbolizer, uint32_t module, uint64_t frame, struct hfp_srcframe *out,
		     size_t max);
/* Opens the modules ids[0..n) and their DWARF on a second thread, started now; the first
 * hfp_symbolize (or hfp_symbolizer_free) waits for it. The module source must stay readable
 * from any thread until then. */
void hfp_symbolizer_prefetch(struct hfp_symbolizer *s, const uint32_t *ids, size_t n);
void hfp_symbolizer_free(struct hfp_symbolizer *s);
/* Reads the GNU build-id of an ELF file. Returns its length (0 if none), -1 if unreadable. */
long hfp_file_build_id(const char *path, uint8_t *out, size_t cap);

/* ---- hfp_demangle.c -------------------------------------------------------------------------- */

/* Demangles an Itanium C++ name ("_Z..."), or returns NULL (not mangled, or no demangler).
 * The result is malloc'ed. */
char *hfp_demangle(const char *name);

/* ---- hfp_stack.c: nodes -> display stacks ---------------------------------------------------- */

/* An interned source frame; frames are compared by id. */
struct hfp_frame {
	const char *name, *file, *module;
	unsigned line;
};

/* A displayed stack with merged costs. frames[0] is the root (outermost), frames[depth-1] the
 * leaf (the allocation site, or the allocator with --show-allocator). */
struct hfp_dstack {
	uint32_t *frames;
	uint32_t depth;
	struct hfp_costs c;
};

struct hfp_nodesrc {
	const struct hf_node *(*node)(void *ctx, uint32_t id);
	void *ctx;
};

struct hfp_stacks {
	/* configuration */
	struct hfp_nodesrc nodes;
	hfp_resolve_fn resolve;
	void *resolve_ctx;
	int above_main, show_allocator;

	struct hfp_strtab strings;
	struct hfp_frame *frame;   /* by frame id */
	size_t nframe, frame_cap;
	void *frame_index;         /* private: frame tuple -> id */
	void *addr_index;          /* private: (module, address) -> frame id range */
	uint32_t *addr_frames;     /* the ranges */
	size_t naddr_frames, addr_frames_cap;

	struct hfp_dstack *d;      /* merged display stacks */
	size_t nd, d_cap;
	void *d_index;             /* private: frame sequence -> dstack */
};

void hfp_stacks_init(struct hfp_stacks *s);
/* Adds the costs of the stack ending at leaf node to its display stack. */
void hfp_stacks_add(struct hfp_stacks *s, uint32_t leaf, const struct hfp_costs *c);
/* 1 if any frame of the whole stack (above main too, inlined frames included) is one of names;
 * a C++ name matches with or without its parameter list. */
int hfp_stacks_has_function(struct hfp_stacks *s, uint32_t leaf, const char *const *names, size_t n);
/* Interns a frame (also used by tests). */
uint32_t hfp_stacks_frame(struct hfp_stacks *s, const char *name, const char *file, unsigned line,
			  const char *module);
/* Adds a display stack given by frame ids, root first (tests and hfp_stacks_add). */
void hfp_stacks_add_frames(struct hfp_stacks *s, const uint32_t *frames, uint32_t depth,
			   const struct hfp_costs *c);
void hfp_stacks_free(struct hfp_stacks *s);
/* The name shown for an allocator or truncation pseudo-frame code, or NULL. */
const char *hfp_pseudo_name(uint64_t code);

/* ---- hfp_folded.c ---------------------------------------------------------------------------- */

/* Makes a frame name safe for flamegraph.pl's grammar (see hfp_folded.c). Appends to b. */
void hfp_folded_escape(struct hfp_buf *b, const char *name);

/* Merged folded lines: stack text (root first, escaped) and count, sorted by text, counts > 0. */
struct hfp_folded {
	char **stack;
	uint64_t *count;
	size_t n;
	uint64_t total;
};
void hfp_folded_build(const struct hfp_stacks *s, int cost, struct hfp_folded *out);
/* Writes "stack count\n" lines. Returns 0, or -1 on a write error (see ferror). */
int hfp_folded_write(FILE *f, const struct hfp_folded *fo);
void hfp_folded_free(struct hfp_folded *fo);
/* Checks text against flamegraph.pl's grammar (every folded output in the tests goes through
 * it). Returns NULL if valid, else a static description of the first problem; *line_no gets
 * its 1-based line. */
const char *hfp_folded_check(const char *text, size_t len, size_t *line_no);

/* ---- hfp_svg.c ------------------------------------------------------------------------------- */

/* Renders folded lines as a flame graph in flamegraph.pl's SVG structure; subtitle (the active
 * filters) may be NULL or "". Returns 0 or -1. */
int hfp_svg_write(FILE *f, const struct hfp_folded *fo, int cost, const char *subtitle);
/* XML-escapes s (&<>"') into b. */
void hfp_xml_escape(struct hfp_buf *b, const char *s);

/* ---- hfp_report.c ---------------------------------------------------------------------------- */

struct hfp_report_in {
	const struct hfp_options *opt;
	const struct hf_trace_info *info; /* may be NULL in tests */
	const struct hfp_accum *acc;
	const struct hfp_stacks *stacks;
	const struct hfp_warnings *warnings;
	int peak_valid; /* 0 when --temporary ran without the pre-pass */
};
int hfp_report_write(FILE *f, const struct hfp_report_in *in);

/* ---- hfp_histogram.c ------------------------------------------------------------------------- */

/* Writes "size<TAB>count" lines, sizes ascending (heaptrack's -H format). */
int hfp_histogram_write(FILE *f, const struct hfp_accum *a);

/* ---- hfp_run.c ------------------------------------------------------------------------------- */

/* Runs the whole pipeline for parsed options. Returns an enum hfp_exit value. */
int hfp_run(const struct hfp_options *o);
/* The whole tool: parses argv, then prints help or the version, or runs the pipeline. Returns
 * the exit status (enum hfp_exit); never exits (short of running out of memory, see hfp_malloc)
 * and frees what it allocated, so it can be called again (tests, tests/fuzz/fuzz_print.c).
 * getopt permutes argv. */
int hfp_main(int argc, char **argv);

#endif
