/* hf_writer.c: the trace file, the meta stream (stream 0) and the background thread.
 *
 * Locks, always taken in this order (after hf_thread.c's flush_lock when that is held):
 *   file lock   the descriptor, the meta stream's seq and the totals of what was written; held
 *               from "pending meta is written" to "the event chunk is written", which is how
 *               NODE records always precede the events that use them (format.md 4)
 *   meta lock   the meta buffer being appended to; also guards hf_stack.c's table and
 *               hf_modules.c's list, so a NODE's id is its position in the meta stream
 *   pool lock   the compressors
 * An event chunk is compressed before the file lock is taken (threads compress in parallel);
 * meta chunks are compressed under it (they are small: nodes, modules, samples).
 *
 * Compression runs in the thread whose buffer filled (measured against handing raw buffers to
 * the background thread: see the commit message), with a compressor taken from a pool that
 * grows to the number of threads compressing at once (two pools: one per level, the thread's
 * last chunk choosing; HF_DEFLATE_LEVEL_POOR). The compressor is libdeflate's: the
 * recorder only ever compresses whole buffers, which libdeflate does 3 to 4 times faster than
 * zlib, at a smaller size, with a CRC-32 that uses the processor's carry-less multiply; its
 * output is plain deflate, which readers inflate with zlib. Its memory comes from the real
 * allocator, output buffers from mmap. */
#include <libdeflate.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hf_base.h"
#include "hf_columns.h"
#include "hf_meta.h"
#include "hf_thread.h"
#include "hf_writer.h"

/* libdeflate's level. Measured first on the records of the seed benchmark (shallow, one thread,
 * 2M pairs; callgrind): against zlib at level 5, level 4 saved 196 instructions a malloc/free
 * pair and wrote a trace 13% smaller; level 1 saved 263 but wrote one 20% larger. Since the
 * records are in columns (format 4), lazy matching (levels 6 and up) finds what level 4 misses
 * in them. On format 5's event chunks of one run each, levels 4, 6, 7 and 8: redis-server 1040,
 * 816, 736 and 702 KB; sqlite3 278, 239, 209 and 191 KB; the seed loop 16 KB at each. Level 7
 * costs sqlite3 0.7% more instructions than 6 (callgrind, the whole run) and the
 * producer/consumer loop, whose addresses compress poorly at any level, 2.9%; level 8 took
 * twice level 6's time on sqlite3's records (15 ns a byte). */
#define HF_DEFLATE_LEVEL 7
/* Event chunks whose records compress poorly: where the last chunk of a thread came out larger
 * than a tenth of its body (the addresses of a static program on mimalloc that moves every
 * grown block, of blocks freed by another thread), lazy matching finds little more than level 4
 * does and takes most of the recorder's time: mimalloc's realloc loop 43% of its samples in
 * deflate_compress_lazy, its 28.8 MB of columns 10.6 ns a byte at level 7 for 6.80 MB, 5.8 ns at
 * level 4 for 7.10 MB; producer/consumer's 5.8 and 3.9 ns for 3.54 and 3.74 MB. Chunks that
 * compress well (redis-server's to 1.4%, sqlite3's 4.6%, the seed loop's 0.2%) stay at 7. */
#define HF_DEFLATE_LEVEL_POOR 4
#define HF_POOR_RATIO 10 /* compressed above 1/HF_POOR_RATIO of the body: poorly */
/* Only a body this large decides: a small one (an idle thread's, flushed by the background
 * thread, or the last at exit) compresses poorly whatever its records. */
#define HF_POOR_MIN_BODY (64u << 10)
/* Meta chunks (nodes, modules, samples) stay at level 4: on a million distinct stacks, level 6
 * wrote them no smaller (0.04%) and recorded them 1.6% slower, compressing under the file lock. */
#define HF_DEFLATE_LEVEL_META 4
#define HF_META_PIECE (1u << 20)      /* meta chunks are cut at record boundaries past this */
#define HF_META_CHUNK_MAX (4u << 20)  /* largest meta chunk (a HEADER is capped at 2 MiB) */

struct zbuf {
	struct hf_deflater d; /* its ctx: the libdeflate compressor */
	uint8_t *out;
	size_t cap;
	uint8_t *cols;           /* an event chunk's columns gathered into one body */
	size_t cols_cap;
	int poor;                /* which pool: HF_DEFLATE_LEVEL_POOR's */
	struct zbuf *next;
};

struct mbuf {
	uint8_t *p;
	size_t len, cap;
	uint64_t c0, t0; /* the meta registers C and T at p[0] */
};

static struct {
	pthread_mutex_t file_lock;
	int fd;
	dev_t dev;
	ino_t ino;
	int dead; /* failed or closed: nothing more is written */
	char path[4096];
	char abspath[4096]; /* path from the root, to reopen it after a chdir */
	uint32_t meta_seq;
	uint64_t chunks, threads;
	struct hf_counts tot;
	struct zbuf *meta_z;

	pthread_mutex_t meta_lock;
	struct mbuf cur, out; /* cur: appended to (meta lock); out: being written (file lock) */
	uint64_t meta_C, meta_T;
	uint64_t meta_first_t; /* clock when cur got its first record */

	pthread_mutex_t pool_lock;
	struct zbuf *pool[2]; /* event compressors: [0] HF_DEFLATE_LEVEL, [1] HF_DEFLATE_LEVEL_POOR */
} w = {
	.file_lock = PTHREAD_MUTEX_INITIALIZER,
	.meta_lock = PTHREAD_MUTEX_INITIALIZER,
	.pool_lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
	.dead = 1,
};

/* --- compressors ---------------------------------------------------------------------------- */

/* libdeflate's memory (a compressor's tables, a few hundred KiB each) in mappings of our own, not
 * the program's heap: the background thread is often the first to compress, and a thread that
 * allocates through the C library gets an arena of its own there, which glibc may then hand to
 * a program thread that finds its own full (tests/integration/crash_oom.sh: a thread's first
 * allocation with memory exhausted failed under the recorder, at some margins, for that
 * reason). Each block carries its mapping's length in front. */
static void *ld_alloc(size_t n)
{
	size_t *p = hf_os_alloc(n + 16);
	if (!p)
		return NULL;
	p[0] = n + 16;
	return p + 2;
}

static void ld_free(void *p)
{
	if (p) {
		size_t *q = (size_t *)p - 2;
		hf_os_free(q, q[0]);
	}
}

/* libdeflate allocates through one global pair, set before its first compressor. */
static void deflate_init(void)
{
	libdeflate_set_memory_allocator(ld_alloc, ld_free);
}

static size_t ld_compress(void *ctx, const void *in, size_t n, void *out, size_t room)
{
	return libdeflate_deflate_compress(ctx, in, n, out, room);
}

static uint32_t ld_crc32(uint32_t crc, const void *in, size_t n)
{
	return libdeflate_crc32(crc, in, n);
}

/* A compressor, with an output buffer for bodies of body_max bytes (0: none yet). Event
 * compressors' buffers are mapped for the bodies at hand (hf_os_fit), not for the largest a
 * chunk may have (HF_COLS_BODY_MAX, 8 MiB): address space is what a program under `ulimit -v`
 * runs out of. */
static struct zbuf *zbuf_new(size_t body_max, int level)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, deflate_init);
	struct zbuf *z = hf_os_alloc(sizeof *z);
	if (!z)
		return NULL;
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	if (!c || (body_max && hf_os_fit(&z->out, &z->cap, hf_chunk_bound(body_max)) < 0)) {
		if (c)
			libdeflate_free_compressor(c);
		hf_os_free(z, sizeof *z);
		return NULL;
	}
	z->d = (struct hf_deflater){ ld_compress, ld_crc32, c };
	return z;
}

static struct zbuf *pool_get(int poor)
{
	pthread_mutex_lock(&w.pool_lock);
	struct zbuf *z = w.pool[poor];
	if (z)
		w.pool[poor] = z->next;
	pthread_mutex_unlock(&w.pool_lock);
	if (!z && (z = zbuf_new(0, poor ? HF_DEFLATE_LEVEL_POOR : HF_DEFLATE_LEVEL)))
		z->poor = poor;
	return z;
}

static void pool_put(struct zbuf *z)
{
	pthread_mutex_lock(&w.pool_lock);
	z->next = w.pool[z->poor];
	w.pool[z->poor] = z;
	pthread_mutex_unlock(&w.pool_lock);
}

/* --- the file ------------------------------------------------------------------------------- */

/* One line on stderr, then nothing more is written or recorded. Usually with the file lock
 * held; the flag is taken atomically so that hf_writer_fail may run without it (with the meta
 * lock, which comes after the file lock); a chunk being written meanwhile still ends whole. */
static void fail(const char *why)
{
	if (__atomic_exchange_n(&w.dead, 1, __ATOMIC_SEQ_CST))
		return;
	hf_warn("cannot write trace %s: %s; recording stopped (what was written stays readable)",
		w.path, why);
	hf_rec_disable();
}

/* The recorder ran out of memory where it cannot go on without it (the HEADER, a new thread's
 * buffer, a new stack's nodes): as after a write error, one line and nothing more is written,
 * so the trace holds what was written before, without holes. Any locks may be held. */
void hf_writer_fail(const char *why)
{
	fail(why);
}

/* A new file: a trace never overwrites one. /dev/null keeps no trace while the recorder runs
 * for what it feeds besides (pprof profiles, hf_profile.c; the production setting). */
static int create(const char *path)
{
	if (!strcmp(path, "/dev/null"))
		return open(path, O_WRONLY | O_CLOEXEC);
	return open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
}

int hf_writer_open(const char *path, int alternatives)
{
	hf_fmt(w.path, sizeof w.path, "%s", path);
	int fd = create(path);
	/* A followed process that execs keeps its pid: its next image finds its own trace there.
	 * NAME.gz -> NAME.1.gz, NAME.2.gz, ... (never an existing file). */
	size_t len = strlen(path);
	int gz = len > 3 && !strcmp(path + len - 3, ".gz");
	for (int i = 1; fd < 0 && errno == EEXIST && alternatives && i < 1000; i++) {
		hf_fmt(w.path, sizeof w.path, "%s", path);
		hf_fmt(w.path + len - (gz ? 3 : 0), sizeof w.path - len, ".%d%s", i, gz ? ".gz" : "");
		fd = create(w.path);
	}
	if (fd < 0) {
		hf_warn("cannot create trace %s: %s; not recording", w.path, strerror(errno));
		return -1;
	}
	fd = hf_os_fd_high(fd);
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hf_warn("cannot use trace %s: %s; not recording", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!w.meta_z && !(w.meta_z = zbuf_new(HF_META_CHUNK_MAX, HF_DEFLATE_LEVEL_META))) {
		hf_warn("out of memory for %s; not recording", path);
		close(fd);
		return -1;
	}
	w.fd = fd;
	w.dev = st.st_dev;
	w.ino = st.st_ino;
	char cwd[4096];
	if (w.path[0] == '/' || !getcwd(cwd, sizeof cwd))
		hf_fmt(w.abspath, sizeof w.abspath, "%s", w.path);
	else
		hf_fmt(w.abspath, sizeof w.abspath, "%s/%s", cwd, w.path);
	w.dead = 0;
	w.meta_seq = 0;
	w.chunks = w.threads = 0;
	memset(&w.tot, 0, sizeof w.tot);
	w.meta_C = hf_load(&hf_E.v);
	w.meta_T = 0;
	w.cur.len = w.out.len = 0;
	w.cur.c0 = w.meta_C;
	w.cur.t0 = 0;
	return 0;
}

const char *hf_writer_path(void)
{
	return w.abspath;
}

void hf_writer_lock(void)
{
	pthread_mutex_lock(&w.file_lock);
}

void hf_writer_unlock(void)
{
	pthread_mutex_unlock(&w.file_lock);
}

/* Whether w.fd still refers to the trace. A program may close it (closefrom, daemons) or dup2
 * over it, and then own the number: its file must never get our chunks, nor be closed by us
 * (at exit, stdio still flushes into it; a forked child may dup2 it before exec). */
static int fd_is_ours(void)
{
	struct stat st;
	return w.fd >= 0 && fstat(w.fd, &st) == 0 && st.st_dev == w.dev && st.st_ino == w.ino;
}

/* The program closed our descriptor (closefrom, close_range, a daemon closing everything) or
 * dup2'ed over it: open the trace again by its path, without following a symlink and without
 * creating anything, and go on only if it is the same file (same device and inode), at its end.
 * The old number is the program's now: never written to or closed. 0 or -1. */
static int reopen(void)
{
	int fd = open(w.abspath, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_dev != w.dev || st.st_ino != w.ino) {
		close(fd);
		return -1;
	}
	fd = hf_os_fd_high(fd);
	w.fd = fd;
	hf_warn("the program closed or replaced the descriptor of trace %s; reopened it", w.path);
	return 0;
}

/* File lock held. The descriptor is checked first (see fd_is_ours). */
static int write_member(const void *p, size_t n)
{
	if (w.dead)
		return -1;
	if (!fd_is_ours() && reopen() < 0) {
		fail("the program closed or replaced its file descriptor, and the file cannot be "
		     "opened again as the same file");
		return -1;
	}
	int err = hf_os_write_all(w.fd, p, n);
	if (err) {
		fail(strerror(err));
		return -1;
	}
	w.chunks++;
	return 0;
}

/* --- the meta stream ------------------------------------------------------------------------ */

void hf_meta_lock(void)
{
	pthread_mutex_lock(&w.meta_lock);
}

void hf_meta_unlock(void)
{
	pthread_mutex_unlock(&w.meta_lock);
}

static int mbuf_reserve(struct mbuf *m, size_t n)
{
	if (m->len + n <= m->cap)
		return 0;
	size_t cap = m->cap ? m->cap : 64 << 10;
	while (cap < m->len + n)
		cap *= 2;
	uint8_t *p = hf_os_grow(m->p, m->cap, cap);
	if (!p)
		return -1;
	m->p = p;
	m->cap = cap;
	return 0;
}

int hf_meta_record(uint8_t tag, const void *body, size_t len)
{
	if (mbuf_reserve(&w.cur, 1 + HF_VARINT_MAX + len) < 0)
		return -1;
	if (w.cur.len == 0)
		w.meta_first_t = hf_load(&hf_g.clock);
	uint8_t *q = w.cur.p + w.cur.len;
	*q++ = tag;
	q = hf_put_varint(q, len);
	memcpy(q, body, len);
	w.cur.len = (size_t)(q + len - w.cur.p);
	return 0;
}

int hf_meta_node(uint32_t id, uint32_t parent, uint64_t frame, uint64_t parent_frame)
{
	uint8_t body[HF_MAX_NODE_BODY];
	uint8_t *q = hf_enc_node(body, id, parent, frame, parent_frame);
	return hf_meta_record(HF_TAG_NODE, body, (size_t)(q - body));
}

/* Meta lock held. SAMPLE carries its key through the meta registers: C = E as loaded. */
static void meta_sample(uint64_t e, uint64_t t, uint64_t rss)
{
	if (e < w.meta_C)
		e = w.meta_C;
	if (t < w.meta_T)
		t = w.meta_T;
	uint8_t body[HF_MAX_SAMPLE_BODY];
	const struct hf_rec_sample rec = { e - w.meta_C, t - w.meta_T, rss };
	uint8_t *q = hf_enc_sample(body, &rec);
	if (hf_meta_record(HF_TAG_SAMPLE, body, (size_t)(q - body)) == 0) {
		w.meta_C = e;
		w.meta_T = t;
	}
}

static int meta_piece(const uint8_t *p, size_t n, uint32_t records, uint64_t c0, uint64_t c1,
		      uint64_t t0)
{
	struct hf_chunk_hdr h = { 0 };
	h.kind = HF_CHUNK_META;
	h.stream = 0;
	h.seq = w.meta_seq;
	h.records = records;
	h.epoch_start = c0;
	h.epoch_end = c1;
	h.time_start = t0;
	size_t m = hf_chunk_encode(&w.meta_z->d, &h, p, n, w.meta_z->out, w.meta_z->cap);
	if (m == 0) {
		fail("compression failed");
		return -1;
	}
	if (write_member(w.meta_z->out, m) < 0)
		return -1;
	w.meta_seq++;
	return 0;
}

/* File lock held: writes m as chunks of about HF_META_PIECE bytes, cut at record boundaries
 * (meta records are all sized, so a walk finds them; SAMPLE moves the registers). split = 0:
 * one chunk, whatever its size (the last chunk, whose size CLOSE has already counted). */
static void write_meta(const struct mbuf *m, int split)
{
	const uint8_t *p = m->p, *end = m->p + m->len, *start = p;
	uint64_t C = m->c0, T = m->t0, c_start = C, t_start = T;
	uint32_t records = 0;
	while (p < end) {
		const uint8_t *rec = p++, *body;
		uint64_t len = 0, dc = 0, dt = 0;
		if (hf_get_varint(&p, end, &len) < 0 || len > (uint64_t)(end - p))
			break; /* cannot happen: we wrote it */
		body = p;
		p += len;
		if (split && rec > start && (size_t)(p - start) > HF_META_PIECE) {
			if (meta_piece(start, (size_t)(rec - start), records, c_start, C, t_start) < 0)
				return;
			start = rec;
			c_start = C;
			t_start = T;
			records = 0;
		}
		if (*rec == HF_TAG_SAMPLE && hf_get_varint(&body, p, &dc) == 0 &&
		    hf_get_varint(&body, p, &dt) == 0) {
			C += dc;
			T += dt;
		}
		records++;
	}
	if (p > start)
		meta_piece(start, (size_t)(p - start), records, c_start, C, t_start);
}

/* File lock held: moves the pending meta records out from under the meta lock, writes them. */
static void flush_meta_locked(int split)
{
	hf_meta_lock();
	if (w.cur.len == 0) {
		hf_meta_unlock();
		return;
	}
	struct mbuf tmp = w.out;
	w.out = w.cur;
	w.cur = tmp;
	w.cur.len = 0;
	w.cur.c0 = w.meta_C;
	w.cur.t0 = w.meta_T;
	hf_meta_unlock();
	if (!w.dead)
		write_meta(&w.out, split);
	w.out.len = 0;
}

void hf_writer_flush_meta(int locked)
{
	if (!locked)
		hf_writer_lock();
	flush_meta_locked(1);
	if (!locked)
		hf_writer_unlock();
}

/* Compresses an event chunk's body (in columns, gathered) with z and writes it after the pending
 * meta records; gives z back to the pool. *poor (if not NULL): whether it compressed poorly. */
static int events_write(struct zbuf *z, struct hf_chunk_hdr *hdr, const void *body, size_t n,
			const struct hf_counts *c, int locked, int *poor)
{
	size_t m = 0;
	hdr->kind = HF_CHUNK_EVENTS;
	hdr->flags = HF_CHUNK_COLUMNS;
	if (z && hf_os_fit(&z->out, &z->cap, hf_chunk_bound(n)) < 0) {
		pool_put(z);
		z = NULL;
	}
	if (z)
		m = hf_chunk_encode(&z->d, hdr, body, n, z->out, z->cap);
	if (poor && m && n >= HF_POOR_MIN_BODY)
		*poor = m > n / HF_POOR_RATIO;
	if (!locked)
		hf_writer_lock();
	int rc = -1;
	if (!z) {
		fail(strerror(ENOMEM));
	} else if (m == 0) {
		fail("compression failed");
	} else if (!w.dead) {
		flush_meta_locked(1);
		if (write_member(z->out, m) == 0) {
			w.tot.allocs += c->allocs;
			w.tot.frees += c->frees;
			w.tot.failed += c->failed;
			w.tot.bytes += c->bytes;
			w.threads += hdr->seq == 0;
			rc = 0;
		}
	}
	if (!locked)
		hf_writer_unlock();
	if (z)
		pool_put(z);
	return rc;
}

int hf_writer_events(struct hf_chunk_hdr *hdr, const void *body, size_t n, const struct hf_counts *c, int locked,
		     int poor)
{
	if (hf_load(&w.dead))
		return -1;
	return events_write(pool_get(poor != 0), hdr, body, n, c, locked, NULL);
}

int hf_writer_events_cols(struct hf_chunk_hdr *hdr, const struct hf_colw *cols, const uint8_t *buf,
			  const struct hf_counts *c, int *poor)
{
	if (hf_load(&w.dead))
		return -1;
	struct zbuf *z = pool_get(*poor != 0);
	if (z && hf_os_fit(&z->cols, &z->cols_cap, hf_colw_body_len(cols, buf)) < 0) {
		pool_put(z);
		z = NULL;
	}
	if (!z)
		return events_write(NULL, hdr, NULL, 0, c, 0, NULL);
	size_t n = hf_cols_gather(cols, buf, z->cols);
	return events_write(z, hdr, z->cols, n, c, 0, poor);
}

int hf_writer_failed(void)
{
	return hf_load(&w.dead) && w.fd >= 0;
}

void hf_writer_close(uint64_t exit_status, uint32_t nodes, void (*last_meta)(void))
{
	hf_writer_lock();
	if (!w.dead) {
		flush_meta_locked(1);
		if (last_meta) {
			/* In chunks of their own, so that CLOSE's chunk is the one CLOSE counts. */
			hf_meta_lock();
			last_meta();
			hf_meta_unlock();
			flush_meta_locked(1);
		}
		hf_meta_lock();
		uint8_t body[HF_MAX_CLOSE_BODY];
		const struct hf_rec_close rec = {
			w.tot.allocs, w.tot.frees, w.tot.failed, w.tot.bytes, w.threads, nodes,
			w.chunks + 1, /* this last chunk included */
			hf_os_mono_ns() - hf_g.start_mono, exit_status,
		};
		uint8_t *q = hf_enc_close(body, &rec);
		int ok = hf_meta_record(HF_TAG_CLOSE, body, (size_t)(q - body)) == 0;
		struct mbuf tmp = w.out;
		w.out = w.cur;
		w.cur = tmp;
		w.cur.len = 0;
		hf_meta_unlock();
		if (ok)
			write_meta(&w.out, 0);
		w.out.len = 0;
		w.dead = 1;
	}
	if (fd_is_ours())
		close(w.fd);
	w.fd = -1;
	hf_writer_unlock();
}

/* --- fork ----------------------------------------------------------------------------------- */

/* The child's copies of the locks: possibly held by a thread that does not exist here (without
 * follow; with follow, every thread was parked and no lock held). They start over unlocked. */
void hf_writer_fork_reinit(void)
{
	pthread_mutex_init(&w.file_lock, NULL);
	pthread_mutex_init(&w.meta_lock, NULL);
	pthread_mutex_init(&w.pool_lock, NULL);
}

void hf_writer_fork_child(void)
{
	if (fd_is_ours())
		close(w.fd);
	w.fd = -1;
	w.dead = 1;
	w.cur.len = w.out.len = 0;
}

/* --- for the background thread (hf_bg.c) ----------------------------------------------------- */

int hf_writer_dead(void)
{
	return hf_load(&w.dead);
}

void hf_writer_sample(uint64_t epoch, uint64_t t, uint64_t rss)
{
	hf_meta_lock();
	meta_sample(epoch, t, rss);
	hf_meta_unlock();
}

int hf_writer_meta_older(uint64_t now, uint64_t age)
{
	hf_meta_lock();
	int old = w.cur.len && now - w.meta_first_t >= age;
	hf_meta_unlock();
	return old;
}
