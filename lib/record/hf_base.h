/* hf_base.h: the recorder's ground floor: compiler and atomic helpers, sizes, the real
 * allocator's table, the process-wide state every hook reads, the options, allocation-free
 * formatting and the operating system primitives. Every recorder file includes it; it includes
 * no other recorder header. */
/* Nothing in the recorder's headers is exported from libheapfold.so: the build hides every symbol
 * (-fvisibility=hidden) except the malloc family that hf_preload.c marks HF_EXPORT.
 *
 * The recorder runs inside someone else's malloc. Its rules, which every file follows:
 * - never allocate through the interposed functions: internal memory comes from mmap
 *   (hf_os_alloc) or from the real allocator (hf_real), and a thread-local mode word sends
 *   nested calls (libc-internal, libunwind, zlib) straight to the real allocator, unrecorded;
 * - no lock and no atomic read-modify-write per event, except the one fetch-and-add a free
 *   needs for ordering (format.md section 3); locks are taken on slow paths only;
 * - no stdio: warnings go through hf_fmt.c, which formats into a stack buffer and write(2)s;
 * - errno is what the real allocator left, whatever the recorder did afterwards. */
#ifndef HF_BASE_H
#define HF_BASE_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hf_codec.h"
#include "hf_family.h"

#define HF_EXPORT __attribute__((visibility("default")))
#define HF_NOINLINE __attribute__((noinline))
#define HF_INLINE static inline __attribute__((always_inline))
#define HF_COLD __attribute__((noinline, cold))
#define hf_likely(x) __builtin_expect(!!(x), 1)
#define hf_unlikely(x) __builtin_expect(!!(x), 0)
#define hf_compiler_barrier() __asm__ __volatile__("" ::: "memory")

#define hf_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define hf_load_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define hf_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define hf_store_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* Sizes, chosen by measurement (docs/performance.md and the commit messages that changed them). */
#define HF_EVENT_RECORDS 8      /* records one event may append: 2 TIME + EPOCH + REALLOC +
				 * FREE_LAST, rounded up */
#define HF_CACHE_N 1024         /* per-thread stack cache entries (power of two) */
#define HF_UNW_KNOWN 8          /* stacks known by the unwinder's number: libunwind's HF_MEMO_K */
#define HF_HELD_N 32            /* frees a thread holds back (hf_hooks.c, free_slow) */
#define HF_HELD_MAX 4096        /* ... of blocks of at most this usable size */
#define HF_DEPTH_LIMIT 1024     /* largest HEAPFOLD_MAX_DEPTH */
#define HF_SKIP_MAX 16          /* recorder frames unwound before the program's first frame */
#define HF_IPS_MAX (HF_DEPTH_LIMIT + HF_SKIP_MAX + 1)

/* --- the real allocator (hf_preload.c; the static build's hf_wrap.c) ------------------------ */

/* One slot per member of the malloc family (hf_family.h). */
#define HF_REAL_SLOT(RET, NAME, PARAMS, ...) RET(*NAME) PARAMS;
struct hf_real {
	HF_FAMILY(HF_REAL_SLOT)
};
#undef HF_REAL_SLOT
extern struct hf_real hf_real;

/* hf_family_emu.c: emu_NAME for each EMULATED member, made from the REQUIRED ones. */
#define HF_EMU_PROTO(RET, NAME, PARAMS, ARGS, TAKES, FALLBACK, LIBC) HF_IF_##FALLBACK(RET emu_##NAME PARAMS;)
HF_FAMILY(HF_EMU_PROTO)
#undef HF_EMU_PROTO

/* --- process-wide state (hf_init.c) --------------------------------------------------------- */

enum hf_state {
	HF_STATE_IDLE = 0,   /* before the constructor, or the trace could not be opened */
	HF_STATE_ON = 1,     /* recording (hf_g.enabled may still be 0 after a write error) */
	HF_STATE_CLOSED = 2, /* CLOSE written */
	HF_STATE_CHILD = 3,  /* a forked child that does not record (HEAPFOLD_FOLLOW=0) */
};

/* Read on every event: keep it to one cache line, written rarely. */
struct hf_global {
	uint64_t clock;     /* coarse ns since the trace's start; the background thread's tick */
	int enabled;        /* 1 while events are recorded */
	unsigned gen;       /* the current (or last) trace's number, 1, 2, ... (hf_start after
			     * hf_stop makes a new one); a thread whose stream belongs to an older
			     * one starts a new stream before it records (hf_thread_regen) */
	int membarrier;     /* 1: flush protocol with membarrier(2); 0: seq_cst exchange */
	int unwind_fp;      /* HEAPFOLD_UNWIND=fp */
	int unwind_check;   /* HEAPFOLD_UNWIND=libunwind-check */
	unsigned max_depth; /* HEAPFOLD_MAX_DEPTH */
	int state;          /* enum hf_state */
	int follow;         /* HEAPFOLD_FOLLOW */
	unsigned link_mode; /* enum hf_link_mode */
	pid_t pid;
	uint64_t flush_ns;  /* HEAPFOLD_FLUSH_MS */
	uint64_t tick_ns;   /* HEAPFOLD_TICK_MS */
	uint64_t start_mono;
	uint64_t start_real;
} __attribute__((aligned(64)));
extern struct hf_global hf_g;

/* The free epoch E of format.md section 3, alone in its cache line: every free that is not a
 * FREE_LAST increments it from whichever thread frees. */
struct hf_epoch {
	uint64_t v;
	char pad[56];
} __attribute__((aligned(64)));
extern struct hf_epoch hf_E;

/* Stops recording for good after an error already reported on stderr (the writer's, too: a
 * store to the global, not a call back into hf_init.c). */
static inline void hf_rec_disable(void)
{
	__atomic_store_n(&hf_g.enabled, 0, __ATOMIC_SEQ_CST);
}
/* --- spin locks ------------------------------------------------------------------------------ */

/* For the short critical sections of slow paths (the early table, the sampled set, the live
 * profile, the statistics' thread list): no system call, nothing to initialise, nothing a fork
 * child must repair but setting the word to 0. */
static inline void hf_spin_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(l, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void hf_spin_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

/* --- options (hf_options.c) ----------------------------------------------------------------- */

enum hf_opt {
	HF_OPT_OUTPUT,    /* string: trace path pattern (%p pid, %e exe name, %% percent) */
	HF_OPT_UNWIND,    /* an enum hf_unwind_mode */
	HF_OPT_MAX_DEPTH, /* frames kept per stack, 1..1024 */
	HF_OPT_FLUSH_MS,  /* longest time data waits in a buffer */
	HF_OPT_TICK_MS,   /* RSS sample and clock tick interval (old name SAMPLE_MS) */
	HF_OPT_FOLLOW,    /* 0/1: trace forked and exec'd children */
	HF_OPT_QUIET,     /* 0/1: no warnings at all on stderr */
	HF_OPT_DISABLE,   /* 0/1: do not start recording at program start */
	HF_OPT_PEAK,      /* -1 (unset): decided by hf_stats_init; 0/1: peak tracked or not */
	HF_OPT_METRICS,   /* string: Prometheus textfile to keep up to date (hf_metrics.c) */
	HF_OPT_METRICS_INTERVAL, /* ms between rewrites of that file */
	HF_OPT_SAMPLE_BYTES, /* mean bytes between sampled allocations; 0: all (hf_sample.c) */
	HF_OPT_SAMPLE_SEED,  /* 0: from the clock; else the samplers' fixed seed (tests) */
	HF_OPT_RUN,          /* string: the launcher's run file (hf_run.c) */
	HF_OPT_EXEC,         /* execs of traced images before this one (hf_run.c; set by us) */
	HF_OPT_PPROF_DIR,    /* string: where pprof snapshots go (hf_pprof.c) */
	HF_OPT_PPROF_INTERVAL, /* ms between snapshots; 0: at exit only */
	HF_OPT_PPROF,        /* 0/1: keep the live profile for hf_pprof_write without a directory */
	HF_OPT_COUNT
};
/* Reads HEAPFOLD_* once; warns once per bad value or unknown name. */
void hf_options_init(void);
long hf_opt(enum hf_opt o);
void hf_opt_set(enum hf_opt o, long v); /* a value set through the API (hf_set_sample_bytes) */
const char *hf_opt_str(enum hf_opt o); /* HF_OPT_OUTPUT's text (the default if unset or empty) */
/* Whether the variable was set to the empty string (HEAPFOLD_OUTPUT= disables auto-start). */
int hf_opt_set_empty(enum hf_opt o);
const char *hf_opt_name(enum hf_opt o); /* "OUTPUT" */
/* The value as used, as text, for the HEADER record. Returns its length. */
size_t hf_opt_text(enum hf_opt o, char *buf, size_t cap);
/* Whether the environment entry "NAME=value" is one of ours (HEAPFOLD_...). */
int hf_opt_is_ours(const char *entry);

/* --- formatting without allocation (hf_fmt.c) ----------------------------------------------- */

/* printf subset: %s %c %d %i %u %x %% with l, ll, z modifiers. Always NUL-terminates (cap > 0);
 * returns the length written, truncating at cap - 1. */
size_t hf_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);
size_t hf_fmt(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "heapfold: MESSAGE\n" on stderr in one write(2), unless HEAPFOLD_QUIET. Keeps errno. */
void hf_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Set by whoever reads HEAPFOLD_QUIET (hf_options.c): 1 silences hf_warn. */
extern int hf_fmt_quiet;
/* Called at start: hf_warn writes only while descriptor 2 is the file it is now (silent if it
 * is closed now, or is closed or replaced later). */
void hf_fmt_claim_stderr(void);

/* --- operating system primitives (hf_os.c) -------------------------------------------------- */

void *hf_os_alloc(size_t n);                        /* zeroed pages, NULL on failure */
/* The same, every page made present by the one call: for memory about to be written all over
 * (a table being re-filled), where a page fault each would cost more. */
void *hf_os_alloc_present(size_t n);
/* Makes the pages of [p, p + n) present now, p page-aligned (nothing on kernels before 5.14). */
void hf_os_make_present(void *p, size_t n);
void hf_os_free(void *p, size_t n);
void *hf_os_grow(void *p, size_t old_n, size_t n);  /* mremap; NULL on failure (p intact) */
/* A mapping of at least n bytes at *p (*cap bytes), replacing a smaller one whose contents are
 * not kept; by whole MiBs. 0, or -1 on failure (*p intact). */
int hf_os_fit(uint8_t **p, size_t *cap, size_t n);
int hf_os_write_all(int fd, const void *p, size_t n); /* 0, or the errno of the failure */
uint64_t hf_os_mono_ns(void);
uint64_t hf_os_real_ns(void);
long hf_os_gettid(void);
/* Reads a whole small file into buf (NUL-terminated); returns its length, or -1. */
ssize_t hf_os_read_file(const char *path, char *buf, size_t cap);
int hf_os_membarrier_init(void); /* 1 if MEMBARRIER_CMD_PRIVATE_EXPEDITED is usable */
/* A full barrier on every running thread of the process. 0, or -1 if the kernel refused (the
 * caller must then not rely on it). Registration does not survive fork: the child re-runs
 * hf_os_membarrier_init. */
int hf_os_membarrier(void);
size_t hf_os_page_size(void);
/* fd moved out of the program's way (hf_os.c): close-on-exec, high. Returns the descriptor. */
int hf_os_fd_high(int fd);

#endif
