/* heapfold.h: control the heapfold recorder from the program it profiles, and read live heap
 * statistics.
 *
 * Link with heapfold (docs/linking.md):
 *     cc app.c $(pkg-config --libs heapfold)                                  dynamic
 *     cc -static app.c $(pkg-config --static --libs heapfold-static)           static glibc
 *     musl-gcc -static app.c $(pkg-config --static --libs heapfold-musl)       static musl
 * The same calls work when the program runs under LD_PRELOAD=libheapfold.so.
 *
 * A program that may run without heapfold can call the API through weak references: define
 * HF_WEAK before including this header, and every call returns HF_ENOTAVAIL (hf_version()
 * returns 0) when no heapfold is linked or preloaded, instead of crashing:
 *     #define HF_WEAK
 *     #include <heapfold.h>
 *
 * All functions are thread-safe, allocate nothing through the program's allocator, and may be
 * called before main (from constructors) and after it (from atexit handlers). */
#ifndef HEAPFOLD_H
#define HEAPFOLD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HF_VERSION_MAJOR 0
#define HF_VERSION_MINOR 1
#define HF_VERSION_PATCH 0
/* One number for compile-time comparisons: 0xMMmmpp. */
#define HF_VERSION_NUM ((HF_VERSION_MAJOR << 16) | (HF_VERSION_MINOR << 8) | HF_VERSION_PATCH)

/* Return codes. */
#define HF_OK 0           /* done */
#define HF_ENOTAVAIL (-1) /* heapfold is not linked or preloaded (weak references, stub) */
#define HF_EINVAL (-2)    /* bad argument: NULL, or a struct whose size field is wrong */
#define HF_EBUSY (-3)     /* hf_start: already recording; hf_stop: not recording */
#define HF_EIO (-4)       /* the trace file cannot be created or written (errno says why) */
#define HF_EFORK (-5)     /* in a forked child that does not follow: recording is off for good */
#define HF_ENOPROFILE (-6) /* hf_pprof_write: no live profile is kept (HEAPFOLD_PPROF=1 keeps one) */

#ifdef HF_WEAK
#define HF_DECL __attribute__((weak))
#else
#define HF_DECL
#endif

/* The library's version as HF_VERSION_NUM, to compare with the header's; 0 when heapfold is not
 * there (weak references only). */
HF_DECL unsigned hf_version(void);

/* Starts recording into a new trace file. path is a pattern as HEAPFOLD_OUTPUT (%p pid, %e
 * executable name); NULL uses HEAPFOLD_OUTPUT or its default (heapfold.%e.%p.gz). The file is
 * created without following symlinks and never overwrites an existing file. Each call after an
 * hf_stop makes a new, complete trace of its own.
 * Returns HF_OK, HF_EBUSY (already recording, or the process is exiting), HF_EIO (errno set),
 * HF_EFORK, HF_ENOTAVAIL (also when called before heapfold's constructor ran).
 * Recording also starts by itself at program start, linked or preloaded, into HEAPFOLD_OUTPUT
 * or its default, unless HEAPFOLD_DISABLE=1 or HEAPFOLD_OUTPUT is set to the empty string. */
HF_DECL int hf_start(const char *path);

/* Stops recording: flushes every thread's data, writes the clean-exit record and closes the
 * trace, which is then complete. Allocations after it are not recorded (the statistics below
 * keep counting). Returns HF_OK, HF_EBUSY (not recording), HF_EIO, HF_ENOTAVAIL. */
HF_DECL int hf_stop(void);

/* Writes everything recorded so far to the trace file (every thread's buffer), so that a crash
 * after it loses nothing before it. Returns HF_OK (also when not recording), HF_EIO,
 * HF_ENOTAVAIL. */
HF_DECL int hf_flush(void);

/* Records a named phase marker in the calling thread's stream (heapfold_print lists marks with
 * their time). label: at most 255 bytes are kept. Returns HF_OK (also when not recording),
 * HF_EINVAL (NULL label), HF_ENOTAVAIL. */
HF_DECL int hf_mark(const char *label);

/* Live heap statistics, counted from program start whether or not a trace is being written.
 * current_bytes and peak_bytes count live blocks at the size the allocator gives them
 * (malloc_usable_size: the request rounded up to the allocator's granule), because the
 * size a program asked for is not known when it frees a block; total_bytes counts the sizes
 * asked for, as traces do.
 *
 * The peak costs every allocating thread a write to one shared cache line, so heapfold tracks
 * it only where it can be read: in static programs, and in dynamic ones where the program or a
 * library loaded at start calls hf_stats or hf_stats_reset_peak (linked, or through HF_WEAK
 * references). A program that finds hf_stats another way (dlsym, a library loaded later) sets
 * HEAPFOLD_PEAK=1 in its environment; HEAPFOLD_PEAK=0 turns the peak off anywhere. When it is
 * not tracked, peak_bytes and peak_blocks read HF_STATS_NO_PEAK. */
#define HF_STATS_NO_PEAK UINT64_MAX

typedef struct hf_stats {
	size_t size;             /* set to sizeof(hf_stats_t) before the call */
	uint64_t current_bytes;  /* live now (usable size) */
	uint64_t current_blocks;
	uint64_t peak_bytes;     /* the highest current_bytes so far (since start or hf_stats_reset_peak) */
	uint64_t peak_blocks;    /* current_blocks at that moment */
	uint64_t total_allocs;   /* allocations that returned memory */
	uint64_t total_bytes;    /* sizes asked for */
	uint64_t total_frees;
	uint64_t temporary;      /* allocations freed by their thread before it allocated again */
	uint64_t failed;         /* allocation calls that returned NULL */
} hf_stats_t;

/* Fills *out. Cheap (no system call, no lock; it sums one small record per thread): a service
 * may export it as metrics. Values are exact at any point where no other thread is allocating.
 * Returns HF_OK, HF_EINVAL (NULL or wrong out->size), HF_ENOTAVAIL. */
HF_DECL int hf_stats(hf_stats_t *out);

/* Sets peak_bytes and peak_blocks to the current values, so a test can bound the peak of one
 * code path. Returns HF_OK or HF_ENOTAVAIL. */
HF_DECL int hf_stats_reset_peak(void);

/* Writes the statistics above in Prometheus's text exposition format (HELP and TYPE lines;
 * heapfold_heap_bytes, heapfold_heap_peak_bytes, heapfold_heap_blocks,
 * heapfold_allocations_total, heapfold_frees_total, heapfold_allocated_bytes_total, each with
 * labels exe and pid) into buf, at most len bytes with the terminating NUL, for a service that
 * serves /metrics itself. Returns the length of the whole text (as snprintf: a result >= len
 * means it was cut), or HF_EINVAL (buf NULL with len > 0) or HF_ENOTAVAIL. The peak line is left
 * out where the peak is not tracked (see hf_stats). docs/production.md. */
HF_DECL int hf_metrics_format(char *buf, size_t len);

/* Sampling for the traces started after this call (hf_start), as HEAPFOLD_SAMPLE_BYTES sets it
 * for the trace started at program start: about one allocation per mean_bytes bytes allocated
 * is recorded, with its stack (a Poisson process over the bytes: an allocation of s bytes with
 * probability 1 - exp(-s / mean_bytes)), and the frees of the blocks recorded; heapfold_print
 * scales every figure back and says they are estimates. 0 records every allocation again. An
 * allocation that is not recorded costs its thread a subtraction and a branch. The statistics
 * above (hf_stats, hf_metrics_format) stay exact at any rate. To sample from the very start, run
 * with HEAPFOLD_SAMPLE_BYTES; or with HEAPFOLD_DISABLE=1, then call this and hf_start.
 * Returns HF_OK, HF_EBUSY (a trace is being recorded: hf_stop first), HF_EINVAL (mean_bytes
 * above 2^31 - 1), HF_EIO (no memory for the sampler; errno ENOMEM), HF_EFORK, HF_ENOTAVAIL
 * (also when called before heapfold's constructor ran). docs/production.md. */
HF_DECL int hf_set_sample_bytes(uint64_t mean_bytes);

/* Writes a heap profile of the process now, in pprof's format (gzip'd profile.proto), to path,
 * through a temporary file and rename(2): for a service that serves /debug/pprof/heap itself,
 * or a test that keeps a profile of one moment. Sample types alloc_objects and alloc_space
 * (since the previous profile, written by this call or by HEAPFOLD_PPROF_DIR), inuse_objects
 * and inuse_space (now); stacks as addresses in mappings with their build-ids, which go tool
 * pprof, Pyroscope and Parca symbolize. Estimated, as pprof's heap profiles are, when the trace
 * samples (HEAPFOLD_SAMPLE_BYTES); exact otherwise. Needs the live profile, which heapfold keeps
 * with HEAPFOLD_PPROF_DIR set or HEAPFOLD_PPROF=1, for what the trace records (from hf_start to
 * hf_stop). Returns HF_OK, HF_EINVAL (path NULL or empty), HF_ENOPROFILE, HF_EIO (errno set),
 * HF_ENOTAVAIL. docs/production.md. */
HF_DECL int hf_pprof_write(const char *path);

#ifdef HF_WEAK
/* Wrappers that make weak references safe to call: hf_version() is 0 and the others return
 * HF_ENOTAVAIL when the symbol is absent. */
#define hf_version() (hf_version ? (hf_version)() : 0u)
#define hf_start(p) (hf_start ? (hf_start)(p) : HF_ENOTAVAIL)
#define hf_stop() (hf_stop ? (hf_stop)() : HF_ENOTAVAIL)
#define hf_flush() (hf_flush ? (hf_flush)() : HF_ENOTAVAIL)
#define hf_mark(l) (hf_mark ? (hf_mark)(l) : HF_ENOTAVAIL)
#define hf_stats(o) (hf_stats ? (hf_stats)(o) : HF_ENOTAVAIL)
#define hf_stats_reset_peak() (hf_stats_reset_peak ? (hf_stats_reset_peak)() : HF_ENOTAVAIL)
#define hf_metrics_format(b, l) (hf_metrics_format ? (hf_metrics_format)(b, l) : HF_ENOTAVAIL)
#define hf_set_sample_bytes(n) (hf_set_sample_bytes ? (hf_set_sample_bytes)(n) : HF_ENOTAVAIL)
#define hf_pprof_write(p) (hf_pprof_write ? (hf_pprof_write)(p) : HF_ENOTAVAIL)
#endif

#ifdef __cplusplus
}
#endif
#endif
