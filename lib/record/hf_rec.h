/* hf_rec.h: the recorder's internal interface, one section per defining file (as mimalloc's
 * internal.h). Nothing here is exported from libheapfold.so: the build hides every symbol
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
#ifndef HF_REC_H
#define HF_REC_H

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
#define HF_BUF_SIZE (1u << 20)  /* raw event bytes per thread before a chunk is cut */
#define HF_EVENT_RESERVE 128    /* free bytes needed to append any one event: TIME + EPOCH +
				 * REALLOC (83 bytes) + FREE_LAST (1 byte), rounded up */
#define HF_CACHE_N 1024         /* per-thread stack cache entries (power of two) */
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
	uint64_t sample_ns; /* HEAPFOLD_SAMPLE_MS */
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

/* Called once by the constructor of hf_preload.c or hf_wrap.c: reads the options, and starts
 * recording unless HEAPFOLD_DISABLE=1 or HEAPFOLD_OUTPUT is set empty. */
void hf_rec_start(unsigned link_mode);
/* Starts a new trace (hf_start): pattern as HEAPFOLD_OUTPUT, NULL for the option's value.
 * Returns HF_OK or a negative HF_E* code of heapfold.h (errno set for HF_EIO). */
int hf_rec_open(const char *pattern);
/* Ends the current trace (hf_stop): flushes every thread, writes CLOSE, closes the file.
 * Returns HF_OK or HF_EBUSY (not recording). Recording can start again with hf_rec_open. */
int hf_rec_stop(void);
/* Clean exit: flushes every thread, writes CLOSE, stops recording for good. Idempotent. */
void hf_rec_exit(int status);
/* Flushes every thread's buffer and the meta stream (hf_flush in the public API). */
void hf_rec_flush(void);
/* Stops recording for good after an error already reported on stderr (the writer's, too: a
 * store to the global, not a call back into hf_init.c). */
static inline void hf_rec_disable(void)
{
	__atomic_store_n(&hf_g.enabled, 0, __ATOMIC_SEQ_CST);
}
/* Forked child with HEAPFOLD_FOLLOW=1: starts a trace of its own. Returns 0 or -1. */
int hf_rec_restart_child(void);
/* The executable's resolved path (readlink /proc/self/exe), "" if unknown. */
const char *hf_exe_path(void); /* hf_modules.c */

/* --- options (hf_options.c) ----------------------------------------------------------------- */

enum hf_opt {
	HF_OPT_OUTPUT,    /* string: trace path pattern (%p pid, %e exe name, %% percent) */
	HF_OPT_UNWIND,    /* an enum hf_unwind_mode */
	HF_OPT_MAX_DEPTH, /* frames kept per stack, 1..1024 */
	HF_OPT_FLUSH_MS,  /* longest time data waits in a buffer */
	HF_OPT_SAMPLE_MS, /* RSS sample and clock tick interval */
	HF_OPT_FOLLOW,    /* 0/1: trace forked and exec'd children */
	HF_OPT_QUIET,     /* 0/1: no warnings at all on stderr */
	HF_OPT_DISABLE,   /* 0/1: do not start recording at program start */
	HF_OPT_PEAK,      /* -1 (unset): decided by hf_stats_init; 0/1: peak tracked or not */
	HF_OPT_COUNT
};
/* Reads HEAPFOLD_* once; warns once per bad value or unknown name. */
void hf_options_init(void);
long hf_opt(enum hf_opt o);
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

/* --- operating system primitives (hf_os.c) -------------------------------------------------- */

void *hf_os_alloc(size_t n);                        /* zeroed pages, NULL on failure */
void hf_os_free(void *p, size_t n);
void *hf_os_grow(void *p, size_t old_n, size_t n);  /* mremap; NULL on failure (p intact) */
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

/* --- thread state, buffers and the flush protocol (hf_thread.c) ----------------------------- */

enum hf_mode {
	HF_MODE_FRESH = 0,  /* no thread object yet: the next hook attaches one (TLS starts here) */
	HF_MODE_ON = 1,     /* recording; hf_tls.tb is live */
	HF_MODE_INSIDE = 2, /* inside the recorder: nested calls go straight to the real allocator */
	HF_MODE_OFF = 3,    /* never record in this thread (background thread, forked child) */
};

struct hf_tstat;
struct hf_tls {
	int mode;       /* enum hf_mode: the one test on the fast path covers fresh, nested, off */
	int resolving;  /* hf_preload.c: inside dlsym; allocations come from the static arena */
	int late;       /* the thread's key destructor has run once already */
	struct hf_thread *tb;
	/* hf_stats.c: this thread's counters, and its last allocation (for "temporary"). */
	struct hf_tstat *ts;
	uintptr_t last_ptr;
};
extern __thread struct hf_tls hf_tls __attribute__((tls_model("initial-exec")));

struct hf_cache_ent {
	uint64_t hash; /* hf_stack_hash of (frames, allocator kind); 0 = empty (hashes are odd) */
	uint32_t node; /* the allocator node of that stack */
	uint32_t depth;
};

struct hf_counts {
	uint64_t allocs, frees, failed, bytes;
};

enum hf_tb_state { HF_TB_FREE = 0, HF_TB_LIVE = 1 };
/* flush_req values: a flusher takes the buffer, or a fork keeps the thread out of hooks. */
enum hf_req { HF_REQ_NONE = 0, HF_REQ_FLUSH = 1, HF_REQ_FORK = 2 };

/* One per thread that recorded something; recycled after the thread exits, never unmapped, so
 * the background thread may walk the list of all objects without a lock. */
struct hf_thread {
	/* Owner-hot: every event reads and writes these. */
	uint8_t *pos;      /* next free byte of buf */
	uint8_t *lim;      /* buf + cap - HF_EVENT_RESERVE: past it, the chunk is cut first */
	uint8_t *last_end; /* pos right after the last ALLOC/REALLOC of this chunk, NULL if none */
	uint64_t last_ptr; /* its pointer: a free of it at pos == last_end is a FREE_LAST */
	uint64_t C, T, P;  /* the decoder's registers (format.md 2), as of pos */
	int busy;          /* owner: 1 while inside a hook (see hf_thread.c: flush protocol) */
	int flush_req;     /* another thread wants, or holds, this buffer (HF_REQ_*) */
	uint32_t records;  /* records in the current chunk */
	uint32_t n_alloc, n_free, n_failed;
	uint64_t bytes;
	/* Registers of the current chunk's header. */
	uint64_t epoch_start, time_start;
	uint32_t stream, seq;
	uint8_t *buf;
	size_t cap;
	/* Identity and registry. */
	int state; /* enum hf_tb_state */
	int late;  /* attached after the thread's key destructor ran */
	unsigned gen; /* the trace generation its stream belongs to (hf_g.gen) */
	long tid;
	struct hf_thread *next;      /* all objects, newest first; set once */
	struct hf_thread *next_free;
	uintptr_t stack_lo, stack_hi; /* HEAPFOLD_UNWIND=fp: the thread's stack, 0 if unknown */
	struct hf_cache_ent cache[HF_CACHE_N];
	uintptr_t ips[HF_IPS_MAX];
};

int hf_thread_init(void);
/* Slow path of a fresh thread's first hook: returns its object, or NULL (record nothing). */
struct hf_thread *hf_thread_attach(struct hf_tls *t);
/* Owner, inside a hook: the buffer has less than HF_EVENT_RESERVE bytes left. */
void hf_thread_full(struct hf_thread *tb);
/* Owner, inside a hook: the coarse clock moved; appends TIME, cuts an old chunk first. */
void hf_thread_tick(struct hf_thread *tb, uint64_t now);
/* Owner: another thread set flush_req; wait until it is done with the buffer. */
void hf_thread_wait_flush(struct hf_thread *tb);
/* The background thread holds this around each tick's work (so a fork can keep it out). */
void hf_thread_bg_begin(void);
void hf_thread_bg_end(void);
/* Background thread, inside bg_begin/end: flushes buffers older than 3/4 of the flush
 * interval, reaps dead late threads. */
void hf_thread_flush_idle(uint64_t now);
/* Flushes every live buffer, waiting for threads inside hooks (bounded). */
void hf_thread_flush_all(void);
/* fork with HEAPFOLD_FOLLOW=1: keep every other thread out of the recorder across the fork,
 * holding no lock a hook may need. */
void hf_thread_fork_prepare(void);
void hf_thread_fork_parent(void);
/* The child: forget other threads; with follow (and every thread parked at the fork), give the
 * caller a fresh stream 1 and return 1; otherwise stop recording in this thread, return 0. */
int hf_thread_fork_child(int follow);
/* Owner outside a hook (fork, exec): flush this thread's own buffer now. */
void hf_thread_flush_self(void);
/* Owner, inside a hook: recording restarted (hf_start after hf_stop) since this thread's stream
 * began; starts a stream in the new trace (new number, THREAD_START, empty stack cache). Always
 * returns 1. */
int hf_thread_regen(struct hf_thread *tb, unsigned gen);
/* hf_rec_open: a new trace numbers its streams from 1 again. */
void hf_thread_new_trace(void);

/* Whether tb records now: recording is on and tb's stream belongs to the current trace (two
 * loads from one cache line on the fast path; the stream is renewed on a mismatch). */
static inline int hf_rec_on(struct hf_thread *tb)
{
	if (hf_unlikely(!hf_load(&hf_g.enabled)))
		return 0;
	unsigned gen = hf_load(&hf_g.gen);
	return hf_likely(tb->gen == gen) || hf_thread_regen(tb, gen);
}

/* Enter and leave a hook (see the protocol comment in hf_thread.c). About 3 plain memory
 * operations with membarrier, one locked exchange without it. */
static inline void hf_busy_enter(struct hf_thread *tb)
{
	if (hf_likely(hf_g.membarrier)) {
		hf_store(&tb->busy, 1);
		hf_compiler_barrier();
	} else {
		__atomic_exchange_n(&tb->busy, 1, __ATOMIC_SEQ_CST);
	}
	if (hf_unlikely(hf_load_acq(&tb->flush_req)))
		hf_thread_wait_flush(tb);
}

static inline void hf_busy_leave(struct hf_thread *tb)
{
	hf_store_rel(&tb->busy, 0);
}

/* --- stack capture (hf_unwind.c) ------------------------------------------------------------ */

/* HEAPFOLD_UNWIND's values (hf_options.c spells them as tools/heapfold does). */
enum hf_unwind_mode {
	HF_UNWIND_LIBUNWIND = 0, /* unw_backtrace with the memo of each thread's last stacks */
	HF_UNWIND_FP = 1,        /* the frame-pointer walker */
	HF_UNWIND_PLAIN = 2,     /* unw_backtrace without the memo */
	HF_UNWIND_CHECK = 3,     /* as HF_UNWIND_LIBUNWIND, each stack checked against unw_step */
};

/* Per thread (fp mode): the stack bounds the walker checks every frame pointer against. */
void hf_unwind_thread_init(struct hf_thread *tb);
/* The frame-pointer walker: up to want return addresses into tb->ips, innermost first. */
unsigned hf_unwind_fp(struct hf_thread *tb, unsigned want);
/* Slow path: whether ip has unwind information (a stack ending there without it was cut). */
int hf_unwind_has_info(uintptr_t ip);
/* The recorder's own code, libunwind and zlib included: [hf_rec_lo, hf_rec_hi). In the shared
 * library, its executable segment; in a static executable, the hf_text section that the
 * archive's partial link gathers all of it into (lib/record/hf_static.ld). */
extern uintptr_t hf_rec_lo, hf_rec_hi;
/* Sets hf_rec_lo and hf_rec_hi (idempotent, allocation-free); -1 if not found. */
int hf_unwind_range_init(void);
/* HEAPFOLD_UNWIND=libunwind-check: unwinds again with a plain unw_step loop, which neither the
 * memo nor unw_backtrace's fast path takes part in, and counts (and reports the first few of)
 * the stacks whose program frames differ from got[0..n) (unw_backtrace's, recorder frames
 * included). Slow: for tests and for a stack that looks wrong. */
void hf_unwind_check(const uintptr_t *got, unsigned n, unsigned want);
/* At exit, in check mode: one line with how many stacks were checked and how many differed. */
void hf_unwind_check_report(void);
/* libunwind's (declared here so that hooks call it directly; see hf_unwind_capture). */
int unw_backtrace(void **buffer, int size);
/* Our libunwind's (tools/dev/patches/libunwind-trace-memo.patch): 1 turns the memo of each
 * thread's last stack off. */
extern int hf_unw_memo_off;

/* hf_recover.c: in static musl programs, the callers of libc functions without unwind tables.
 * hf_recover_on is set once at start. hf_recover takes the program's frames (ips[0] first), the
 * hook's frame, and room for want frames; returns the new count and in *trusted how many
 * leading frames have a caller found this way (hf_stack.c does not cut the stack there). */
extern int hf_recover_on;
void hf_recover_init(void);
unsigned hf_recover(const void *frame, uintptr_t *ips, unsigned n, unsigned want, unsigned *trusted);
/* hf_x86.c: rsp's distance below the entry of the function [start, start + size) (its code at
 * code) at the call that returns to ret, and the height at which it pushed rbp (-1: not).
 * 0, or -1 if it cannot be told for certain. */
int hf_x86_call_height(const uint8_t *code, uint64_t start, uint64_t size, uint64_t ret,
		       int32_t *height, int32_t *rbp_h);
/* Whether a function symbol of this name starts where the function is entered (not a
 * compiler's split-off cold part). */
int hf_x86_is_entry(const char *name);

/* Captures the caller's stack into tb->ips, innermost first, recorder frames dropped, at most
 * max_depth frames. *out points at the first program frame; *truncated is set when deeper
 * frames were cut; *trusted as hf_recover's. Returns the number of frames. Inlined into each
 * hook, so that unw_backtrace has one recorder frame (the hook's) to walk before the
 * program's: each frame costs it about 4 ns even when cached. */
HF_INLINE unsigned hf_unwind_capture(struct hf_thread *tb, const uintptr_t **out, int *truncated,
				     unsigned *trusted)
{
	unsigned max = hf_g.max_depth, want = max + HF_SKIP_MAX + 1, n, skip = 0;
	uintptr_t *raw = tb->ips;
	if (hf_g.unwind_fp && tb->stack_hi) {
		n = hf_unwind_fp(tb, want);
	} else {
		int r = unw_backtrace((void **)raw, (int)want);
		n = r > 0 ? (unsigned)r : 0;
		if (hf_unlikely(hf_g.unwind_check))
			hf_unwind_check(raw, n, want);
	}
	while (skip < n && raw[skip] - hf_rec_lo < hf_rec_hi - hf_rec_lo)
		skip++;
	n -= skip;
	*trusted = 0;
#ifndef __GLIBC__
	if (hf_unlikely(hf_recover_on) && n > 0)
		n = hf_recover(__builtin_frame_address(0), raw + skip, n, want - skip, trusted);
#endif
	*truncated = n > max;
	*out = raw + skip;
	return n > max ? max : n;
}

/* --- stack interning (hf_stack.c) ----------------------------------------------------------- */

int hf_stack_init(void);
/* Slow path of hf_stack_node: takes the meta lock, inserts missing trie nodes (appending their
 * NODE records), fills the cache entry. Returns the allocator node, 0 if out of memory. */
uint32_t hf_stack_intern(struct hf_cache_ent *e, uint64_t h, const uintptr_t *ips, unsigned n,
			 unsigned key);
/* Under the meta lock: the number of NODE records so far. */
uint32_t hf_stack_count(void);
/* Under the meta lock, in a followed child: append every known node again, same ids. */
void hf_stack_replay(void);
/* Under the meta lock, for a new trace (hf_start after hf_stop): forget every node. */
void hf_stack_reset(void);
/* Under the meta lock: calls fn for every node's frame address (pseudo-frames skipped). */
void hf_stack_frames(void (*fn)(uint64_t frame, void *arg), void *arg);

/* key = allocator kind (HF_FRAME_MALLOC to HF_FRAME_LAST_ALLOCATOR) | truncated << 8 |
 * trusted << 16 (hf_unwind_capture's). Two independent multiply lanes keep the dependency chain
 * at half the frames: about 1 ns per 2 frames. Always odd (0 = empty slot). */
static inline uint64_t hf_stack_hash(const uintptr_t *ips, unsigned n, unsigned key)
{
	uint64_t a = 0x9e3779b97f4a7c15ull * (key + 1), b = 0x6a09e667f3bcc909ull ^ n;
	unsigned i = 0;
	for (; i + 1 < n; i += 2) {
		a = (a ^ ips[i]) * 0xff51afd7ed558ccdull;
		b = (b ^ ips[i + 1]) * 0xc4ceb9fe1a85ec53ull;
	}
	if (i < n)
		a = (a ^ ips[i]) * 0xff51afd7ed558ccdull;
	uint64_t h = a ^ (b >> 31) ^ (b << 33);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 29;
	return h | 1;
}

/* The allocator node for this stack: a per-thread direct-mapped cache of 64-bit hashes (no
 * lock; a hit costs the hash and one compare), the shared table behind it on a miss. */
static inline uint32_t hf_stack_node(struct hf_thread *tb, const uintptr_t *ips, unsigned n,
				     unsigned key)
{
	uint64_t h = hf_stack_hash(ips, n, key);
	struct hf_cache_ent *e = &tb->cache[(h >> 1) & (HF_CACHE_N - 1)];
	if (hf_likely(e->hash == h && e->depth == n))
		return e->node;
	return hf_stack_intern(e, h, ips, n, key);
}

/* --- module map (hf_modules.c) -------------------------------------------------------------- */

/* Under the meta lock: emits MODULE / MODULE_UNLOAD for what changed since the last scan. */
void hf_modules_scan(void);
/* At start: resolves the executable's path, which hf_exe_path returns from then on. */
void hf_modules_find_exe(void);
/* Under the meta lock, before a NODE with address addr: rescan if addr is in no known module
 * and the loader's object list changed (a dlopen whose MODULE is not written yet). */
void hf_modules_ensure(uintptr_t addr);
/* Takes the meta lock; rescans if the loader's object list changed (dlopen, dlclose). */
void hf_modules_poll(void);
/* Under the meta lock, in a followed child: appends the MODULE records of loaded objects again. */
void hf_modules_replay(void);
/* Under the meta lock: the executable's module id (0 if none), its load bias and build-id. */
uint32_t hf_modules_exe(uint64_t *bias, const uint8_t **build_id, size_t *build_id_len);

/* --- SYMBOLS for static executables (hf_symbols.c) ------------------------------------------ */

/* Under the meta lock, before CLOSE in a statically linked program: appends a SYMBOLS record of
 * the executable's functions that hold a stack frame of this trace, read from its .symtab. */
void hf_symbols_write(void);

/* --- the trace file, meta stream and background thread (hf_writer.c) ------------------------ */

/* Creates the trace file (never overwrites, never follows a symlink); alternatives: if it
 * exists, try NAME.1.gz, NAME.2.gz, ... instead. 0, or -1 after one line on stderr. */
int hf_writer_open(const char *path, int alternatives);
/* Stops writing after an error other than a write's (out of memory): one line on stderr.
 * Callable with any of the recorder's locks held. */
void hf_writer_fail(const char *why);
void hf_writer_lock(void);
void hf_writer_unlock(void);
/* Compresses and writes one event chunk, after any pending meta records (format.md 4: NODEs
 * before their use). locked: the caller holds hf_writer_lock. Returns 0 or -1. */
int hf_writer_events(struct hf_chunk_hdr *hdr, const void *body, size_t n,
		     const struct hf_counts *c, int locked);
/* Writes pending meta records now. */
void hf_writer_flush_meta(int locked);
/* Flushes meta, appends CLOSE with the totals of what was written (nodes: how many stack nodes
 * the trace holds), closes the file. last_meta, if not NULL, is called with the meta lock held
 * to append the records that must come last, in chunks of their own before CLOSE's. */
void hf_writer_close(uint64_t exit_status, uint32_t nodes, void (*last_meta)(void));
/* Forked child: drop the file (close the inherited descriptor) without writing anything. */
void hf_writer_fork_child(void);
/* A child's copies of the writer's locks start over unlocked. */
void hf_writer_fork_reinit(void);
/* Meta stream: the meta lock also guards hf_stack.c's table and hf_modules.c's list. */
void hf_meta_lock(void);
void hf_meta_unlock(void);
int hf_meta_record(uint8_t tag, const void *body, size_t len); /* meta lock held; 0 or -1 */
int hf_meta_node(uint64_t parent, uint64_t frame);             /* meta lock held */
/* Whether the trace file failed (nothing more is written). */
int hf_writer_failed(void);
/* For the background thread: whether nothing more is written; a SAMPLE record (the free epoch,
 * the time, the RSS); whether meta records have waited at least age ns at time now. */
int hf_writer_dead(void);
void hf_writer_sample(uint64_t epoch, uint64_t t, uint64_t rss);
int hf_writer_meta_older(uint64_t now, uint64_t age);

/* --- the background thread (hf_bg.c) -------------------------------------------------------- */

/* Starts (or, in a followed child, restarts) the background thread. */
int hf_bg_start(void);

/* --- hooks (hf_hooks.c): the libc-independent recording logic ------------------------------- */

/* hf_NAME for each member of the malloc family (hf_family.h): what the exported function (the
 * preload library's NAME, the static archive's __wrap_NAME) calls. */
#define HF_HOOK_PROTO(RET, NAME, PARAMS, ...) RET hf_##NAME PARAMS;
HF_FAMILY(HF_HOOK_PROTO)
#undef HF_HOOK_PROTO
/* hf_mark: a MARK record in the calling thread's stream (if it records). */
void hf_hooks_mark(const char *label, size_t len);
/* hf_rec_open, first trace only: the blocks allocated before the recorder's constructor (kept
 * by hf_early.c) become ALLOC records of the starting thread. */
void hf_hooks_replay_early(void);

/* --- allocations before the constructor (hf_early.c) ---------------------------------------- */

/* Static glibc allocates before any constructor runs, and unwinding there would corrupt
 * libunwind's cache: until the recorder starts, live blocks are kept in a small table with
 * their immediate caller (found through the hooks' own frame pointers), to be replayed into
 * the first trace with a one-frame stack marked truncated. */
struct hf_early_block {
	uintptr_t ptr, caller;
	size_t size;
	unsigned kind;
};
/* Whether the table still takes blocks (before the first start, or its discard). */
extern int hf_early_open;
void hf_early_alloc(void *p, size_t size, unsigned kind, uintptr_t caller);
void hf_early_free(void *p);
/* The table's blocks; closes it. */
size_t hf_early_take(const struct hf_early_block **out);
/* The first return address outside the recorder, from the hook's frame (frame pointers: every
 * recorder function keeps one). 0 if none is found. */
uintptr_t hf_early_caller(const void *frame);

/* --- live heap statistics (hf_stats.c) ------------------------------------------------------ */

/* Counted on every call of the malloc family from program start (recording or not), except
 * nested ones, in per-thread counters summed when read. The peak needs the order of every
 * thread's allocations: while it is tracked (hf_peak_on), current bytes also go through one
 * global atomic (hf_stats.c: why, the cost, and when the peak is tracked). */
struct hf_live {
	uint64_t bytes, blocks; /* hf_live: bytes only; hf_peak: both */
	char pad[48];
} __attribute__((aligned(64)));
extern struct hf_live hf_live, hf_peak;
/* 1 while the peak is tracked; from program start until the constructor decides, and for good
 * when something in the process can read it (hf_stats_init). Read-mostly. */
extern int hf_peak_on;

#define HF_OWED_MAX (64u << 10) /* freed bytes a thread may hold back from hf_live.bytes */

struct hf_tstat {
	uint64_t allocs, bytes, frees, temporary, failed; /* owner writes, anyone reads */
	uint64_t ualloc, ufree; /* usable bytes allocated and freed: current bytes are the sum */
	uint64_t owed; /* bytes freed but not yet taken off hf_live.bytes (hf_stats.c) */
	struct hf_tstat *next;                            /* registry: all blocks, set once */
	struct hf_tstat *next_free;
	int live;
} __attribute__((aligned(64)));

/* Once, from the constructor: the thread-exit key (recycles blocks), and whether the peak stays
 * tracked. */
void hf_stats_init(void);
/* A thread's first counted call: its block (never NULL). */
struct hf_tstat *hf_stats_attach(struct hf_tls *t);
/* hf_live.bytes passed the peak (g: its value after this thread's update): the true total,
 * without what other threads owe, may be a new peak; raise it and note the blocks live. */
void hf_stats_peak(struct hf_tstat *self, uint64_t g);
/* Fork child: the registry lock starts over. */
void hf_stats_fork_child(void);
/* hf_dynamic.c. Whether an object loaded in the process imports one of names (a NULL-terminated
 * list) from its dynamic symbol table. */
int hf_imports_any(const char *const *names);
/* A loaded object's dynamic section (ElfW(Dyn) entries), NULL if it has none; and an address
 * read from it, made absolute (glibc's loader relocates them in place, musl's does not). */
struct dl_phdr_info;
const void *hf_dyn_section(const struct dl_phdr_info *info);
uintptr_t hf_dyn_addr(const struct dl_phdr_info *info, uintptr_t v);

HF_INLINE struct hf_tstat *hf_stat_block(struct hf_tls *t)
{
	struct hf_tstat *s = t->ts;
	return hf_likely(s != NULL) ? s : hf_stats_attach(t);
}

HF_INLINE void hf_stat_inc(uint64_t *c, uint64_t d)
{
	hf_store(c, hf_load(c) + d); /* owner only: a plain add, readable by hf_stats */
}

/* After an allocation call: p what it returned (NULL: failed), req the size asked for. With the
 * peak tracked, one atomic add carries this block's size and what the thread's frees since its
 * last allocation owe. */
HF_INLINE void hf_stat_alloc(struct hf_tls *t, void *p, size_t req)
{
	struct hf_tstat *s = hf_stat_block(t);
	if (hf_unlikely(!p)) {
		hf_stat_inc(&s->failed, 1);
		return;
	}
	size_t u = hf_real.malloc_usable_size(p);
	hf_stat_inc(&s->allocs, 1);
	hf_stat_inc(&s->bytes, req);
	hf_stat_inc(&s->ualloc, u);
	t->last_ptr = (uintptr_t)p;
	if (hf_unlikely(hf_load(&hf_peak_on))) {
		uint64_t owed = hf_load(&s->owed);
		uint64_t g = __atomic_add_fetch(&hf_live.bytes, u - owed, __ATOMIC_RELAXED);
		if (owed)
			hf_store(&s->owed, 0);
		if (hf_unlikely(g > hf_load(&hf_peak.bytes)))
			hf_stats_peak(s, g);
	}
}

/* The usable size of p, which is about to be freed (before the real call). Always asked of the
 * allocator: the same address as this thread's last allocation may be another thread's block by
 * now, of another size (freed there and handed back; tests/progs/gt_pingpong.c). */
HF_INLINE size_t hf_stat_usable(struct hf_tls *t, void *p)
{
	(void)t;
	return hf_real.malloc_usable_size(p);
}

/* A free of p (not NULL) whose usable size is u (hf_stat_usable before the real call). With the
 * peak tracked, u is owed until the thread's next allocation, or until it owes more than
 * HF_OWED_MAX. */
HF_INLINE void hf_stat_free(struct hf_tls *t, void *p, size_t u)
{
	struct hf_tstat *s = hf_stat_block(t);
	if ((uintptr_t)p == t->last_ptr) { /* freed before this thread allocated again */
		hf_stat_inc(&s->temporary, 1);
		t->last_ptr = 0;
	}
	hf_stat_inc(&s->frees, 1);
	hf_stat_inc(&s->ufree, u);
	if (hf_unlikely(hf_load(&hf_peak_on))) {
		uint64_t owed = hf_load(&s->owed) + u;
		if (hf_likely(owed <= HF_OWED_MAX)) {
			hf_store(&s->owed, owed);
		} else {
			__atomic_sub_fetch(&hf_live.bytes, owed, __ATOMIC_RELAXED);
			hf_store(&s->owed, 0);
		}
	}
}

/* Fills the public struct (hf_api.c). */
struct hf_stats;
void hf_stats_read(struct hf_stats *out);
void hf_stats_reset(void);

/* --- fork (hf_fork.c) ----------------------------------------------------------------------- */

/* The one pthread_atfork registration. In a forked child, reinit runs first (locks and state of
 * the caller's that another thread may have held at the fork); with HEAPFOLD_FOLLOW=1, restart
 * then starts the child's own trace (0, or -1: the child does not record). */
int hf_fork_init(void (*reinit)(void), int (*restart)(void));

#endif
