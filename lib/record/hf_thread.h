/* hf_thread.h: thread state, event buffers and the flush protocol (hf_thread.c), with the
 * inline pieces of the hooks' fast path that belong to them. */
#ifndef HF_THREAD_H
#define HF_THREAD_H

#include "hf_base.h"
#include "hf_events.h"
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
	/* hf_stats.c: this thread's counters, and its last allocation (for "temporary") with the
	 * usable size counted for it. */
	struct hf_tstat *ts;
	uintptr_t last_ptr;
	size_t last_usable;
};
extern __thread struct hf_tls hf_tls __attribute__((tls_model("initial-exec")));

/* A stack the unwinder numbered (hf_unwind_capture): what the hook made of its frames. */
struct hf_known {
	uint32_t node; /* the allocator node */
	uint32_t kind; /* the allocator kind it was made for */
};

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
	struct hf_colw w;  /* the chunk's columns (hf_columns.h); w.p[HF_COL_TAG], a byte a record,
			    * is where the stream is: the "position" the tests below compare */
	uint8_t *lim;      /* in the tag column: past it, the room left is worked out again and the
			    * chunk cut if a column is full (hf_thread_full) */
	uint8_t *last_end; /* the tag cursor right after the last ALLOC/REALLOC of this chunk,
			    * NULL if none */
	uint64_t last_ptr; /* its pointer: a free of it at the tag cursor == last_end is a FREE_LAST */
	uint64_t C, T, P;  /* the decoder's registers (format.md 2), as of pos */
	struct hf_recent recent; /* and its rings of the chunk's last frees and allocations */
	int64_t sample_left;  /* HEAPFOLD_SAMPLE_BYTES: bytes until the next sample (hf_sample.h) */
	uint64_t sample_rng;
	unsigned nheld;    /* frees held back (hf_hooks.c, free_slow): held[0..nheld) */
	int busy;          /* owner: 1 while inside a hook (see hf_thread.c: flush protocol) */
	int flush_req;     /* another thread wants, or holds, this buffer (HF_REQ_*) */
	uint32_t sized;    /* bytes of its sized records' lengths and bodies (HF_COLS_SIZED_ROOM) */
	uint32_t n_alloc, n_free, n_failed;
	uint64_t bytes;
	/* Registers of the current chunk's header. */
	uint64_t epoch_start, time_start;
	uint32_t stream, seq;
	int poor;          /* its last chunk compressed poorly: the next at the faster level */
	uint8_t *buf;      /* the columns' regions (HF_COLS_BUFFER bytes; the tag column first) */
	/* Identity and registry. */
	int state; /* enum hf_tb_state */
	int late;  /* attached after the thread's key destructor ran */
	unsigned gen; /* the trace generation its stream belongs to (hf_g.gen) */
	long tid;
	struct hf_thread *next;      /* all objects, newest first; set once */
	struct hf_thread *next_free;
	uintptr_t stack_lo, stack_hi; /* HEAPFOLD_UNWIND=fp: the thread's stack, 0 if unknown */
	struct hf_fp_memo *fp_memo;   /* and the walker's last walks (hf_unwind.c), NULL if none */
	void *held[HF_HELD_N];
	/* The stacks of the thread's last unwinds by the unwinder's number for them (0: none;
	 * libunwind's are 2^40 and up, the walker's below): the number at known_id[number %
	 * HF_UNW_KNOWN], the node at known[] beside it. Like cache, emptied with node ids of an
	 * older trace. */
	unsigned long known_id[HF_UNW_KNOWN];
	struct hf_known known[HF_UNW_KNOWN];
	struct hf_cache_ent cache[HF_CACHE_N];
	uintptr_t ips[HF_IPS_MAX];
};

/* Owner, inside the recorder (mode INSIDE): the frees held back reach the allocator, after E is
 * raised to the thread's C, above every held free's epoch (hf_hooks.c: free_slow). */
void hf_thread_release_held(struct hf_thread *tb);
static inline void hf_thread_release(struct hf_thread *tb)
{
	if (hf_unlikely(tb->nheld))
		hf_thread_release_held(tb);
}

int hf_thread_init(void);
/* The tag cursor: one byte a record, so it tells whether anything was written since a point. */
static inline uint8_t *hf_thread_pos(const struct hf_thread *tb)
{
	return tb->w.p[HF_COL_TAG];
}

/* Slow path of a fresh thread's first hook: returns its object, or NULL (record nothing). */
struct hf_thread *hf_thread_attach(struct hf_tls *t);
/* Owner, inside a hook: the tag cursor passed lim. Sets lim again from the room the columns
 * have, or cuts the chunk if one has room for less than 2 * HF_EVENT_RECORDS more records. */
void hf_thread_full(struct hf_thread *tb);
/* The same without the cut: sets lim again from the room left and returns 1, or returns 0 if the
 * chunk must be cut first. */
int hf_thread_relim(struct hf_thread *tb);
/* Owner, inside a hook: cuts the chunk now (a long MARK label needs the room). */
void hf_thread_cut(struct hf_thread *tb);
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

#endif
