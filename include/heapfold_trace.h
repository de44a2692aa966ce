/* heapfold_trace.h: read heapfold traces (the streaming reader of docs/format.md).
 *
 * Link with -lheapfold_trace -lz. A trace is opened, its events are taken one by one in their
 * restored global order (format.md section 3), and it is closed. Memory is proportional to the
 * trace's modules, stack nodes, chunks and concurrently active threads, never to its events.
 *
 *     hf_trace *t;
 *     int rc = hf_trace_open("heapfold.app.123.gz", &t);
 *     if (rc < 0) { fprintf(stderr, "%s\n", hf_trace_error(t)); hf_trace_close(t); return 1; }
 *     struct hf_event ev;
 *     while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK) { ... }
 *     if (rc < 0) fprintf(stderr, "%s\n", hf_trace_error(t));
 *     hf_trace_close(t);
 *
 * Every field of the file is treated as hostile: a damaged trace gives an error code and a
 * message, never a crash, a hang or an unbounded allocation. */
#ifndef HEAPFOLD_TRACE_H
#define HEAPFOLD_TRACE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. Negative values are errors; hf_trace_error() describes the last one. */
enum hf_trace_status {
	HF_TRACE_OK = 0,
	HF_TRACE_END = 1,              /* hf_trace_next: no more events */
	HF_TRACE_ERR_IO = -1,          /* the file cannot be opened or read (message names errno) */
	HF_TRACE_ERR_NOT_TRACE = -2,   /* not gzip, or gzip but not written by heapfold */
	HF_TRACE_ERR_VERSION = -3,     /* unknown major version (message names both) */
	HF_TRACE_ERR_CORRUPT = -4,     /* damaged data (message names the byte offset) */
	HF_TRACE_ERR_NOMEM = -5,       /* out of memory */
	HF_TRACE_ERR_ARG = -6,         /* bad argument (NULL pointer, unseekable input) */
};

typedef struct hf_trace hf_trace;

struct hf_segment {
	uint64_t vaddr; /* virtual address in the object, before the bias */
	uint64_t memsz;
	uint32_t flags; /* PF_R = 4, PF_W = 2, PF_X = 1 */
};

struct hf_module {
	uint32_t id;
	const char *path;        /* "" for the vdso */
	const uint8_t *build_id; /* NULL when build_id_len is 0 */
	size_t build_id_len;
	uint64_t bias;
	size_t nseg;
	const struct hf_segment *seg;
	int unloaded; /* a MODULE_UNLOAD record named it */
};

/* A node of the stack tree. frame >= HF_FRAME_MIN_ADDR (4096) is a return address (look up
 * frame - 1 to symbolize the call); smaller values are the pseudo-frame codes below. */
#define HF_FRAME_MIN_ADDR 4096u
struct hf_node {
	uint32_t parent; /* 0 for the outermost frame */
	uint32_t module; /* id of the module holding frame at definition time, 0 if none */
	uint64_t frame;
};

enum hf_frame_pseudo {
	HF_FRAME_MALLOC = 1, HF_FRAME_CALLOC, HF_FRAME_REALLOC, HF_FRAME_REALLOCARRAY,
	HF_FRAME_POSIX_MEMALIGN, HF_FRAME_ALIGNED_ALLOC, HF_FRAME_MEMALIGN, HF_FRAME_VALLOC,
	HF_FRAME_PVALLOC,
	HF_FRAME_LAST_ALLOCATOR = HF_FRAME_PVALLOC, /* codes 1 to this one name an allocator */
	HF_FRAME_TRUNCATED_DEPTH = 16,  /* max depth reached */
	HF_FRAME_TRUNCATED_NOINFO = 17, /* unwinding stopped in code without unwind tables */
	HF_FRAME_BEFORE_START = 18,     /* allocated before the recorder started: callers unknown */
};

struct hf_symbol {
	uint64_t start; /* module-relative address */
	uint64_t size;
	const char *name;
};

struct hf_trace_info {
	unsigned major, minor;
	uint64_t pid, ppid;
	uint64_t start_realtime_ns;
	uint64_t clock_resolution_ns;
	uint64_t page_size, pointer_size;
	unsigned link_mode; /* 0 LD_PRELOAD, 1 dynamically linked, 2 statically linked */
	const char *exe;
	size_t argc;
	const char *const *argv;
	const char *libc;
	const char *recorder;
	size_t nopt;
	const char *const *opt_name;
	const char *const *opt_value;

	/* What the scan of the file found. */
	uint64_t file_size;
	uint64_t chunks;          /* complete chunks */
	uint32_t streams;         /* event streams (threads) */
	uint64_t truncated_bytes; /* bytes after the last complete chunk (0: ends cleanly) */
	int complete;             /* a CLOSE record was found */
	struct {                  /* valid when complete */
		uint64_t allocations, frees, failed, bytes, threads, nodes, chunks;
		uint64_t end_time_ns, exit_status;
	} close;
	/* A sampled trace (HEAPFOLD_SAMPLE_BYTES): the mean bytes allocated between two recorded
	 * allocations; an allocation of s bytes was recorded with probability 1 - exp(-s / this),
	 * and frees only of recorded blocks. 0: every allocation and free is recorded. */
	uint64_t sample_bytes;
};

enum hf_event_type {
	HF_EV_ALLOC = 1,        /* ptr, size, node (flags: HF_EVF_UNIT, HF_EVF_REALLOC) */
	HF_EV_FREE = 2,         /* ptr (flags: HF_EVF_REALLOC for the free half of a realloc) */
	HF_EV_ALLOC_FAILED = 3, /* size, node */
	HF_EV_THREAD_START = 4, /* tid, parent (thread index), text = name */
	HF_EV_THREAD_END = 5,
	HF_EV_MARK = 6,         /* text = label */
	HF_EV_SAMPLE = 7,       /* rss (thread is 0) */
};

/* HF_EV_ALLOC immediately freed by its thread (format.md "unit"): there is no separate
 * HF_EV_FREE; the pointer never becomes live. A unit is a temporary allocation. */
#define HF_EVF_UNIT 1u
/* The event is one half of a realloc: the HF_EV_FREE of the old block (which comes first), or
 * the HF_EV_ALLOC of the new block (old_ptr holds the old block). */
#define HF_EVF_REALLOC 2u

struct hf_event {
	int type;
	uint32_t flags;
	uint32_t thread;   /* stream number: 1.. for threads, 0 for the meta stream */
	uint64_t key;      /* ordering key (format.md section 3) */
	uint64_t time_ns;  /* since the start of the trace */
	uint64_t ptr;
	uint64_t old_ptr;
	uint64_t size;
	uint32_t node;     /* leaf (allocator pseudo-frame) node of the stack */
	uint32_t parent;   /* HF_EV_THREAD_START */
	uint64_t tid;      /* HF_EV_THREAD_START */
	uint64_t rss;      /* HF_EV_SAMPLE */
	const char *text;  /* thread name or mark label; valid until the next hf_trace_next call */
};

/* Opens a trace, reads its chunk index and all metadata (header, modules, stack nodes, symbols,
 * totals). *out is set whenever memory allows, even on failure, so that hf_trace_error() can say
 * what went wrong; pass it to hf_trace_close() in every case.
 * Returns HF_TRACE_OK, or HF_TRACE_ERR_IO, _NOT_TRACE, _VERSION, _CORRUPT, _NOMEM, _ARG.
 * A truncated file is not an error: see info->truncated_bytes and hf_trace_warning(). */
int hf_trace_open(const char *path, hf_trace **out);

/* Takes the next event in restored order into *ev. Returns HF_TRACE_OK, HF_TRACE_END after the
 * last event, or a negative error (the events before it were valid). */
int hf_trace_next(hf_trace *t, struct hf_event *ev);

/* The events hf_trace_next would take, handed to fn(ctx, ev) one after the other without a copy:
 * *ev (and its text) is valid during the call only. Stops after an event for which fn returns
 * non-zero (then returns HF_TRACE_OK; hf_trace_next or hf_trace_each goes on after it), at the
 * end (HF_TRACE_END) or at an error (negative, as hf_trace_next's). Faster than a loop of
 * hf_trace_next on a trace of many small events. */
int hf_trace_each(hf_trace *t, int (*fn)(void *ctx, const struct hf_event *ev), void *ctx);

/* Reading one trace on several threads. Each thread opens the trace (hf_trace_open) and, before
 * its first event, takes part k of n (0 <= k < n): the events of some of the thread streams,
 * whole streams, about the same number of bytes in each part (every reader of the trace makes
 * the same parts), and part 0 the RSS samples too. Within a part events come in the restored
 * order as usual; between parts there is none, so a free in one part may be of a block that
 * another part allocated. The end of a part checks the clean-exit record's counts of threads,
 * nodes and chunks, not those of the events: add the parts' hf_trace_seen and compare with
 * info->close. Returns HF_TRACE_OK, or HF_TRACE_ERR_ARG
 * (k >= n, or events were taken already). */
int hf_trace_split(hf_trace *t, unsigned k, unsigned n);

/* What the events taken so far hold, as the clean-exit totals count it: allocations (the
 * allocation halves of reallocs included), frees (those of units included), failed allocations,
 * bytes allocated. */
struct hf_trace_seen {
	uint64_t allocations, frees, failed, bytes;
};
void hf_trace_seen(const hf_trace *t, struct hf_trace_seen *out);

/* The description of the last error, or "" if none. Never NULL for a non-NULL t. */
const char *hf_trace_error(const hf_trace *t);

/* Warnings (truncated tail, incomplete trace), i = 0, 1, ... until NULL. Complete after
 * hf_trace_open; hf_trace_next may append (for example a totals mismatch is an error, not a warning). */
const char *hf_trace_warning(const hf_trace *t, size_t i);

const struct hf_trace_info *hf_trace_info(const hf_trace *t);

/* Modules, stack nodes and symbols were all decoded by hf_trace_open; the functions below only
 * read them, so another thread may call them while one thread calls hf_trace_next. */

/* Modules by index 0 .. hf_trace_module_count()-1, and by id (NULL if unknown). */
size_t hf_trace_module_count(const hf_trace *t);
const struct hf_module *hf_trace_module_at(const hf_trace *t, size_t index);
const struct hf_module *hf_trace_module(const hf_trace *t, uint32_t id);

/* Stack nodes: ids 1 .. hf_trace_node_count(). hf_trace_node gives node id; for an id out of
 * range, and for every id after hf_trace_drop_nodes, a node whose frame is 0. */
size_t hf_trace_node_count(const hf_trace *t);
struct hf_node hf_trace_node(const hf_trace *t, uint32_t id);

/* How the reader keeps the nodes, for a program that walks many of them (hf_nodes_get): a node
 * is its parent and the index of its frame among the trace's distinct frames, 8 bytes where a
 * struct hf_node takes 16 (a trace of 5 million nodes holds a few thousand distinct frames).
 * Frame indexes below HF_NODE_PSEUDO_FRAMES are the pseudo-frame codes themselves. */
#define HF_NODE_PSEUDO_FRAMES 32u
struct hf_node_ref {
	uint32_t parent;
	uint32_t frame; /* index in struct hf_nodes.frame */
};
struct hf_nodes {
	const struct hf_node_ref *ref; /* node id is ref[id - 1]; NULL after hf_trace_drop_nodes */
	const struct hf_node *frame;   /* the distinct frames, with their modules (parent 0) */
	uint32_t count;                /* of nodes */
	uint32_t nframe;               /* of frames, the pseudo-frame codes' included */
};
/* Valid until hf_trace_drop_nodes or hf_trace_close. */
struct hf_nodes hf_trace_nodes(const hf_trace *t);
static inline struct hf_node hf_nodes_get(const struct hf_nodes *n, uint32_t id)
{
	if (!n->ref || id < 1 || id > n->count)
		return (struct hf_node){ 0, 0, 0 };
	struct hf_node_ref r = n->ref[id - 1];
	struct hf_node x = n->frame[r.frame];
	x.parent = r.parent;
	return x;
}
/* Frees the stack nodes (80 MB for a trace of 10 million) for a program that is done with them,
 * after the last event (hf_trace_next checks each allocation's node). Everything else of the
 * trace stays readable; the node count stays what the trace holds. */
void hf_trace_drop_nodes(hf_trace *t);

/* Symbols recorded for a module (SYMBOLS records), sorted by start; NULL and *n = 0 if none. */
const struct hf_symbol *hf_trace_symbols(const hf_trace *t, uint32_t module, size_t *n);

/* Releases everything; t may be NULL. */
void hf_trace_close(hf_trace *t);

#ifdef __cplusplus
}
#endif
#endif
