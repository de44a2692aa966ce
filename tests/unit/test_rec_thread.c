/* test_rec_thread.c: the recorder's per-thread buffers and flush protocol (lib/record/hf_thread.c) on
 * their own: owner threads append records the way the malloc hooks do, while a background-like
 * thread takes idle buffers (hf_thread_flush_idle) and another flushes everything over and over
 * (hf_thread_flush_all, as hf_flush and exit do); owners come and go, and their objects are
 * recycled. Under `make check SANITIZE=thread` this file and the sources it includes are built
 * with ThreadSanitizer (the recorder library itself never is: it replaces the allocator).
 *
 * The recorder sources are compiled in by #include; the writer is a stub that keeps every chunk
 * it is given. Checked, for both variants of the protocol (membarrier(2), and the locked
 * exchange used where membarrier is refused):
 * - every stream's chunks arrive with seq 0, 1, 2, ... and each chunk holds the number of
 *   records its header says, with the totals it says;
 * - a stream starts with THREAD_START and ends with THREAD_END, and between them holds exactly
 *   its owner's allocations, in order: nothing lost, duplicated or reordered by a handoff;
 * - TIME records only move forward, from each chunk's time_start;
 * - the background thread retires an object (ends its stream, frees it) only when the thread
 *   holding it now is a late one that has exited: it decides on late and tid read without the
 *   protocol, which may be those of an earlier user of the object, and must confirm them under
 *   the protocol (flush_other is called directly, on a live thread and on a dead late one).
 *
 * ThreadSanitizer and the protocol: the owner's side is "busy = 1 (relaxed store), compiler
 * barrier, load flush_req", the flusher's "flush_req = 1, membarrier(), load busy": the
 * membarrier system call is the fence that makes it a Dekker handshake, which TSan does not
 * model. It does not need to: in any run, the buffer accesses of owner and flusher are ordered
 * by the release/acquire pairs on busy and flush_req that the handshake let through, and TSan
 * checks exactly that. What it cannot see as ordered are hf_thread_flush_idle's hints (it reads
 * an owner's pos and time_start without the protocol, to skip young or empty buffers, and
 * confirms under the protocol before touching anything): those reads are suppressed below,
 * and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* gcc warns that ThreadSanitizer does not model atomic_thread_fence, which the protocol's
 * fallback (no membarrier) uses: see the note above on what TSan checks here. */
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wtsan"
#endif
#include "../../lib/record/hf_os.c"
#include "../../lib/record/hf_thread.c"

struct hf_global hf_g;
struct hf_epoch hf_E;
struct hf_real hf_real; /* hf_thread_release_held: no test holds frees back */

/* Only read by ThreadSanitizer (gcc and clang look this function up at start). */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race_top:hf_thread_flush_idle\n";
}

/* --- the writer: keeps every chunk ------------------------------------------------------------- */

struct chunk {
	struct hf_chunk_hdr h;
	struct hf_counts c;
	uint8_t *body;
	size_t n;
};

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
static size_t nchunks, cap_chunks;

void hf_writer_lock(void)
{
	pthread_mutex_lock(&file_lock);
}

void hf_writer_unlock(void)
{
	pthread_mutex_unlock(&file_lock);
}

/* One varint from column cursor d to q. */
static uint8_t *copy_field(struct hf_colrd *d, uint8_t *q)
{
	do {
		assert_true(d->p < d->end);
		*q = *d->p++;
	} while (*q++ & 0x80);
	return q;
}

/* The writer's two entries: bodies come in columns, kept here as records for check_chunks (the
 * records these owners write: ALLOC, TIME, THREAD_START, THREAD_END). */
int hf_writer_events(struct hf_chunk_hdr *hdr, const void *cols, size_t ncols, const struct hf_counts *c,
		     int locked, int poor)
{
	(void)poor;
	uint8_t *body = malloc(ncols + 1);
	assert_non_null(body);
	struct hf_colr r;
	const char *why = NULL;
	if (hf_colr_columns(&r, cols, ncols, hdr->records, &why) < 0)
		fail_msg("columns: %s", why);
	uint8_t *q = body;
	for (uint32_t i = 0; i < hdr->records; i++) {
		uint8_t tag = *r.c_[HF_COL_TAG]->p++;
		*q++ = tag;
		if (tag == HF_TAG_ALLOC) {
			q = copy_field(r.c_[HF_COL_NODE], q);
			q = copy_field(r.c_[HF_COL_SIZE], q);
			q = copy_field(r.c_[HF_COL_APTR], q);
		} else if (tag == HF_TAG_TIME) {
			q = copy_field(r.c_[HF_COL_OTHER], q);
		} else {
			struct hf_colrd *o = r.c_[HF_COL_OTHER];
			const uint8_t *l = o->p;
			uint64_t len = 0;
			assert_int_equal(hf_get_varint(&l, o->end, &len), 0);
			size_t whole = (size_t)(l - o->p) + (size_t)len;
			memcpy(q, o->p, whole);
			q += whole;
			o->p += whole;
		}
	}
	assert_false(hf_colr_left(&r));
	size_t n = (size_t)(q - body);
	if (!locked)
		hf_writer_lock();
	if (nchunks == cap_chunks) {
		cap_chunks = cap_chunks ? 2 * cap_chunks : 256;
		chunks = realloc(chunks, cap_chunks * sizeof *chunks);
		assert_non_null(chunks);
	}
	struct chunk *k = &chunks[nchunks++];
	k->h = *hdr;
	k->c = *c;
	k->n = (size_t)n;
	k->body = body;
	if (!locked)
		hf_writer_unlock();
	return 0;
}

int hf_writer_events_cols(struct hf_chunk_hdr *hdr, const struct hf_colw *w, const uint8_t *buf,
			  const struct hf_counts *c, int *poor)
{
	(void)poor;
	uint8_t *cols = malloc(HF_COLS_BODY_MAX);
	assert_non_null(cols);
	int rc = hf_writer_events(hdr, cols, hf_cols_gather(w, buf, cols), c, 0, 0);
	free(cols);
	return rc;
}

void hf_writer_fail(const char *why)
{
	(void)why;
	fail_msg("hf_writer_fail: %s", why);
}

void hf_unwind_thread_init(struct hf_thread *tb)
{
	tb->stack_lo = tb->stack_hi = 0;
}

void hf_sample_thread_init(struct hf_thread *tb)
{
	(void)tb; /* this test records every event */
}

/* --- owners: append like the hooks ------------------------------------------------------------- */

#define OWNERS 8
#define WAVES 3
#define ALLOCS 60000

static uint64_t start_ns;

static void hook(struct hf_thread *tb, uint32_t owner, uint64_t i)
{
	struct hf_tls *t = &hf_tls;
	t->mode = HF_MODE_INSIDE;
	hf_busy_enter(tb);
	if (hf_thread_pos(tb) > tb->lim)
		hf_thread_full(tb);
	uint64_t now = hf_load(&hf_g.clock);
	if (now != tb->T)
		hf_thread_tick(tb, now);
	hf_enc_alloc(&tb->w, owner, i, 0);
	tb->n_alloc++;
	tb->bytes += i;
	hf_busy_leave(tb);
	t->mode = HF_MODE_ON;
}

static void *owner_main(void *arg)
{
	uint32_t owner = (uint32_t)(uintptr_t)arg;
	struct hf_tls *t = &hf_tls;
	t->mode = HF_MODE_INSIDE;
	struct hf_thread *tb = hf_thread_attach(t);
	assert_non_null(tb);
	t->mode = HF_MODE_ON;
	unsigned seed = owner;
	for (uint64_t i = 0; i < ALLOCS; i++) {
		hook(tb, owner, i);
		if (rand_r(&seed) % 4096 == 0) { /* idle for a while: the flusher takes the buffer */
			struct timespec ts = { 0, 3000000 };
			nanosleep(&ts, NULL);
		}
	}
	return NULL; /* the key destructor appends THREAD_END and writes the rest */
}

static int flushers_stop;

static void *bg_main_test(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&flushers_stop, __ATOMIC_ACQUIRE)) {
		hf_thread_bg_begin();
		uint64_t now = hf_os_mono_ns() - start_ns;
		hf_store(&hf_g.clock, now);
		hf_thread_flush_idle(now);
		hf_thread_bg_end();
		struct timespec ts = { 0, 200000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *flush_all_main(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&flushers_stop, __ATOMIC_ACQUIRE)) {
		hf_thread_flush_all();
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* --- checking what was written ----------------------------------------------------------------- */

static int by_stream_seq(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;
	if (x->h.stream != y->h.stream)
		return x->h.stream < y->h.stream ? -1 : 1;
	return x->h.seq < y->h.seq ? -1 : x->h.seq > y->h.seq;
}

static uint64_t get(const uint8_t **p, const uint8_t *end)
{
	uint64_t v;
	assert_int_equal(hf_get_varint(p, end, &v), 0);
	return v;
}

static void check_chunks(void)
{
	qsort(chunks, nchunks, sizeof *chunks, by_stream_seq);
	unsigned streams = 0, owners_seen[OWNERS] = { 0 };
	for (size_t i = 0; i < nchunks;) {
		uint32_t stream = chunks[i].h.stream;
		uint64_t next = 0, allocs = 0;
		int owner = -1, started = 0, ended = 0;
		streams++;
		for (uint32_t seq = 0; i < nchunks && chunks[i].h.stream == stream; i++, seq++) {
			const struct chunk *k = &chunks[i];
			assert_int_equal(k->h.seq, seq);
			assert_int_equal(k->h.epoch_start, k->h.epoch_end);
			const uint8_t *p = k->body, *end = k->body + k->n;
			uint32_t records = 0;
			uint64_t T = k->h.time_start, bytes = 0, n_alloc = 0;
			while (p < end) {
				uint8_t tag = *p++;
				records++;
				assert_false(ended);
				switch (tag) {
				case HF_TAG_ALLOC: {
					uint64_t o = get(&p, end), size = get(&p, end);
					get(&p, end);
					assert_true(started);
					if (owner < 0)
						owner = (int)o;
					assert_int_equal(o, owner);
					assert_int_equal(size, next); /* in order, nothing lost or doubled */
					next++;
					n_alloc++;
					bytes += size;
					break;
				}
				case HF_TAG_TIME:
					T += get(&p, end);
					break;
				case HF_TAG_THREAD_START:
				case HF_TAG_THREAD_END: {
					uint64_t len = get(&p, end);
					assert_true(len <= (uint64_t)(end - p));
					p += len;
					if (tag == HF_TAG_THREAD_START) {
						assert_false(started);
						assert_int_equal(records, 1);
						started = 1;
					} else {
						ended = 1;
					}
					break;
				}
				default:
					fail_msg("unexpected tag 0x%02x", tag);
				}
			}
			assert_int_equal(records, k->h.records);
			assert_int_equal(n_alloc, k->c.allocs);
			assert_int_equal(bytes, k->c.bytes);
			allocs += n_alloc;
			(void)T;
		}
		assert_true(started);
		assert_true(ended);
		assert_int_equal(allocs, ALLOCS);
		assert_true(owner >= 0 && owner < OWNERS);
		owners_seen[owner]++;
	}
	assert_int_equal(streams, OWNERS * WAVES);
	for (int o = 0; o < OWNERS; o++)
		assert_int_equal(owners_seen[o], WAVES);
}

static void run(int membarrier)
{
	hf_g.membarrier = membarrier ? hf_os_membarrier_init() : 0;
	if (membarrier && !hf_g.membarrier)
		print_message("membarrier(2) refused here: the exchange variant runs twice\n");
	hf_g.flush_ns = 2000000; /* buffers older than 1.5 ms are taken */
	hf_g.state = HF_STATE_ON;
	hf_g.gen = 1;           /* the first trace (hf_init.c: open_trace) */
	hf_g.enabled = hf_g.gen; /* recording, into that trace */
	start_ns = hf_os_mono_ns();
	nchunks = 0;
	assert_int_equal(hf_thread_init(), 0);
	__atomic_store_n(&flushers_stop, 0, __ATOMIC_RELEASE);
	pthread_t bg, fa, t[OWNERS];
	assert_int_equal(pthread_create(&bg, NULL, bg_main_test, NULL), 0);
	assert_int_equal(pthread_create(&fa, NULL, flush_all_main, NULL), 0);
	for (int w = 0; w < WAVES; w++) { /* later waves recycle the objects of earlier ones */
		for (uintptr_t o = 0; o < OWNERS; o++)
			assert_int_equal(pthread_create(&t[o], NULL, owner_main, (void *)o), 0);
		for (int o = 0; o < OWNERS; o++)
			pthread_join(t[o], NULL);
	}
	__atomic_store_n(&flushers_stop, 1, __ATOMIC_RELEASE);
	pthread_join(bg, NULL);
	pthread_join(fa, NULL);
	hf_thread_flush_all();
	check_chunks();
	for (size_t i = 0; i < nchunks; i++)
		free(chunks[i].body);
	size_t taken = 0;
	for (size_t i = 0; i < nchunks; i++)
		taken += chunks[i].h.records > 0;
	print_message("%zu chunks for %d streams\n", taken, OWNERS * WAVES);
}

/* --- retiring objects ----------------------------------------------------------------------- */

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_step;
static struct hf_thread *gate_tb;

static void gate_wait(int step)
{
	pthread_mutex_lock(&gate);
	while (gate_step < step)
		pthread_cond_wait(&gate_cond, &gate);
	pthread_mutex_unlock(&gate);
}

static void gate_set(int step)
{
	pthread_mutex_lock(&gate);
	gate_step = step;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate);
}

/* Attaches (as a late thread if arg is set: one whose key destructor ran), records once, hands
 * its object over and waits. A late one then drops its key destructor and exits, leaving its
 * object live: what the background thread reaps. */
static void *holder_main(void *arg)
{
	struct hf_tls *t = &hf_tls;
	t->late = arg != NULL;
	t->mode = HF_MODE_INSIDE;
	struct hf_thread *tb = hf_thread_attach(t);
	assert_non_null(tb);
	t->mode = HF_MODE_ON;
	hook(tb, 0, 0);
	gate_tb = tb;
	gate_set(1);
	if (arg) {
		pthread_setspecific(reg.key, NULL);
		return NULL;
	}
	gate_wait(2);
	return NULL;
}

/* The kernel clears a thread's id word (what pthread_join waits for) before it removes the
 * thread from its tables, so tgkill can still find a joined thread for a moment: 2 joins in
 * 20,000 on a 2-core machine. The recorder then says "not yet" and retires it in a later round;
 * the test waits for the condition the recorder uses (at most 5 s) instead of assuming it. */
static void wait_until_gone(pid_t tid)
{
	for (int i = 0; i < 5000; i++) {
		if (syscall(SYS_tgkill, hf_g.pid, tid, 0) < 0 && errno == ESRCH)
			return;
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
	fail_msg("thread %d still there 5 s after pthread_join", (int)tid);
}

static void test_retire_only_the_gone(void **state)
{
	(void)state;
	hf_g.membarrier = hf_os_membarrier_init();
	hf_g.pid = getpid();
	hf_g.gen = 1;
	hf_g.enabled = hf_g.gen;
	hf_g.state = HF_STATE_ON;
	assert_int_equal(hf_thread_init(), 0);
	nchunks = 0;

	/* A live thread that is not late: whatever a stale hint said, its object stays. */
	pthread_t t;
	gate_step = 0;
	assert_int_equal(pthread_create(&t, NULL, holder_main, NULL), 0);
	gate_wait(1);
	hf_thread_bg_begin();
	assert_int_equal(flush_other(gate_tb, 0, 1), 0);
	hf_thread_bg_end();
	assert_int_equal(hf_load(&gate_tb->state), HF_TB_LIVE);
	assert_int_equal(nchunks, 0);
	gate_set(2);
	pthread_join(t, NULL); /* its key destructor ends the stream */
	assert_int_equal(hf_load(&gate_tb->state), HF_TB_FREE);

	/* A late thread that exited: retired, its stream ended. */
	size_t before = nchunks;
	gate_step = 0;
	assert_int_equal(pthread_create(&t, NULL, holder_main, (void *)1), 0);
	gate_wait(1);
	pthread_join(t, NULL);
	assert_int_equal(hf_load(&gate_tb->state), HF_TB_LIVE);
	wait_until_gone(gate_tb->tid);
	hf_thread_bg_begin();
	assert_int_equal(flush_other(gate_tb, 0, 1), 1);
	hf_thread_bg_end();
	assert_int_equal(hf_load(&gate_tb->state), HF_TB_FREE);
	assert_int_equal(nchunks, before + 1);
	const struct chunk *k = &chunks[nchunks - 1];
	assert_int_equal(k->body[k->n - 2], HF_TAG_THREAD_END);
	for (size_t i = 0; i < nchunks; i++)
		free(chunks[i].body);
	nchunks = 0;
}

static void test_protocol_membarrier(void **state)
{
	(void)state;
	run(1);
}

static void test_protocol_exchange(void **state)
{
	(void)state;
	run(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol_membarrier),
		cmocka_unit_test(test_protocol_exchange),
		cmocka_unit_test(test_retire_only_the_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
