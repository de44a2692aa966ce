/* test_rec_stack.c: the recorder's stack interning (lib/record/hf_stack.c, and the per-thread cache in
 * front of it, hf_stack_node in lib/record/hf_stack.h) on its own, from one thread and from eight at once.
 * The recorder is never built with sanitizers (it replaces the allocator they replace), so this
 * is where ThreadSanitizer sees its interning logic: `make check SANITIZE=thread` builds this
 * file, and the sources it includes, with -fsanitize=thread.
 *
 * The recorder sources are compiled into the test by #include, with the rest of the recorder
 * replaced by stubs below: the meta stream (a mutex and an array of NODE records), the module
 * map and the unwinder (no-ops), the writer's failure (a counter). What is checked:
 * - the same stack always gets the same allocator node, another stack or allocator another;
 * - NODE records come in id order, each parent before its child, and read back (node by node
 *   upwards) as exactly the stack that was interned, with its truncation root;
 * - eight threads interning 3,000 stacks with shared prefixes (more than the per-thread cache
 *   holds; enough nodes to grow the table twice) agree on every node, and the trie has exactly
 *   one node per distinct prefix;
 * - when the meta stream cannot take a NODE (out of memory), interning returns 0 and the
 *   writer is told, once per failure, and nothing half-inserted is returned later. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* gcc warns that ThreadSanitizer does not model atomic_thread_fence (hf_os.c's fallback for
 * membarrier, not used here). */
#if defined(__SANITIZE_THREAD__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wtsan"
#endif
#include "../../lib/record/hf_os.c"
#include "../../lib/record/hf_stack.c"

struct hf_global hf_g;
struct hf_epoch hf_E;

/* --- stubs for the rest of the recorder ------------------------------------------------------ */

static pthread_mutex_t meta = PTHREAD_MUTEX_INITIALIZER;
static struct node *rec;        /* NODE records as written: rec[id - 1] */
static size_t nrec, cap_rec;
static size_t fail_after = SIZE_MAX; /* hf_meta_node fails once nrec reaches it */
static int writer_failed;

void hf_meta_lock(void)
{
	pthread_mutex_lock(&meta);
}

void hf_meta_unlock(void)
{
	pthread_mutex_unlock(&meta);
}

int hf_meta_node(uint32_t id, uint32_t parent, uint64_t frame, uint64_t parent_frame)
{
	if (nrec >= fail_after)
		return -1;
	if (nrec == cap_rec) {
		cap_rec = cap_rec ? 2 * cap_rec : 4096;
		rec = realloc(rec, cap_rec * sizeof *rec);
		assert_non_null(rec);
	}
	assert_true(parent <= nrec); /* a parent is written before its children */
	assert_int_equal(id, nrec + 1); /* ids are positions */
	assert_true(parent_frame == (parent ? rec[parent - 1].frame : 0));
	rec[nrec++] = (struct node){ frame, (uint32_t)parent };
	return 0;
}

void hf_modules_ensure(uintptr_t addr)
{
	(void)addr;
}

/* Addresses ending in 0xbad have no unwind information (a stack that stops there was cut). */
int hf_unwind_has_info(uintptr_t ip)
{
	return (ip & 0xfff) != 0xbad;
}

unsigned hf_unwind_info_end(const uintptr_t *ips, unsigned from, unsigned n)
{
	for (unsigned i = from; i < n; i++)
		if (!hf_unwind_has_info(ips[i]))
			return i;
	return n;
}

void hf_writer_fail(const char *why)
{
	(void)why;
	__atomic_fetch_add(&writer_failed, 1, __ATOMIC_RELAXED);
}

/* --- helpers ----------------------------------------------------------------------------------- */

static struct hf_thread *new_thread_obj(void)
{
	struct hf_thread *tb = calloc(1, sizeof *tb);
	assert_non_null(tb);
	return tb;
}

/* Reads node id upwards into out (innermost first); returns the depth. */
static unsigned read_back(uint32_t id, uint64_t *out, unsigned cap)
{
	unsigned n = 0;
	pthread_mutex_lock(&meta);
	while (id) {
		assert_true(id <= nrec);
		assert_true(n < cap);
		out[n++] = rec[id - 1].frame;
		id = rec[id - 1].parent;
	}
	pthread_mutex_unlock(&meta);
	return n;
}

static void reset(void)
{
	pthread_mutex_lock(&meta);
	if (st.tab) {
		hf_os_free(st.tab, st.cap * sizeof *st.tab);
		hf_os_free(st.nodes, st.nodes_cap * sizeof *st.nodes);
	}
	memset(&st, 0, sizeof st);
	nrec = 0;
	fail_after = SIZE_MAX;
	writer_failed = 0;
	pthread_mutex_unlock(&meta);
	assert_int_equal(hf_stack_init(), 0);
}

/* --- one thread -------------------------------------------------------------------------------- */

static void test_same_stack_same_node(void **state)
{
	(void)state;
	reset();
	struct hf_thread *tb = new_thread_obj();
	uintptr_t a[] = { 0x401010, 0x402020, 0x403030 }, b[] = { 0x404040, 0x402020, 0x403030 };
	uint32_t na = hf_stack_node(tb, a, 3, HF_FRAME_MALLOC);
	assert_true(na > 0);
	assert_int_equal(hf_stack_node(tb, a, 3, HF_FRAME_MALLOC), na); /* cached */
	memset(tb->cache, 0, sizeof tb->cache);
	assert_int_equal(hf_stack_node(tb, a, 3, HF_FRAME_MALLOC), na); /* from the table */
	uint32_t nb = hf_stack_node(tb, b, 3, HF_FRAME_MALLOC), nc = hf_stack_node(tb, a, 3, HF_FRAME_CALLOC);
	assert_true(nb != na && nc != na && nb != nc);
	/* Shared outer frames are shared nodes: a, b and calloc-a add 3 + 1 + 1 + 1 + 1. */
	assert_int_equal(hf_stack_count(), 7);
	uint64_t back[8];
	assert_int_equal(read_back(na, back, 8), 4);
	assert_int_equal(back[0], HF_FRAME_MALLOC);
	assert_int_equal(back[1], 0x401010); /* innermost first */
	assert_int_equal(back[3], 0x403030);
	assert_int_equal(read_back(nc, back, 8), 4);
	assert_int_equal(back[0], HF_FRAME_CALLOC);
	free(tb);
}

static void test_truncation_roots(void **state)
{
	(void)state;
	reset();
	struct hf_thread *tb = new_thread_obj();
	uintptr_t deep[] = { 0x401010, 0x402020 }, noinfo[] = { 0x401010, 0x405bad };
	uintptr_t low[] = { 0x401010, 0x402020, 17, 0x403030 }; /* stops before a non-address */
	uint64_t back[8];
	uint32_t n = hf_stack_node(tb, deep, 2, HF_FRAME_MALLOC | 1u << 8);
	assert_int_equal(read_back(n, back, 8), 4);
	assert_int_equal(back[3], HF_FRAME_TRUNCATED_DEPTH);
	n = hf_stack_node(tb, noinfo, 2, HF_FRAME_MALLOC);
	assert_int_equal(read_back(n, back, 8), 4);
	assert_int_equal(back[3], HF_FRAME_TRUNCATED_NOINFO);
	n = hf_stack_node(tb, low, 4, HF_FRAME_MALLOC);
	assert_int_equal(read_back(n, back, 8), 3);
	assert_int_equal(back[2], 0x402020);
	/* Truncated or not is part of the key: same frames, other nodes. */
	assert_true(hf_stack_node(tb, deep, 2, HF_FRAME_MALLOC) != hf_stack_node(tb, deep, 2, HF_FRAME_MALLOC | 1u << 8));
	free(tb);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	reset();
	struct hf_thread *tb = new_thread_obj();
	uintptr_t a[] = { 0x401010, 0x402020, 0x403030 };
	fail_after = 2; /* room for two NODE records: the stack needs four */
	assert_int_equal(hf_stack_node(tb, a, 3, HF_FRAME_MALLOC), 0);
	assert_int_equal(writer_failed, 1);
	assert_int_equal(hf_stack_node(tb, a, 3, HF_FRAME_MALLOC), 0); /* nothing cached */
	assert_int_equal(writer_failed, 2);
	assert_int_equal(hf_stack_count(), 2);
	fail_after = SIZE_MAX; /* memory is back: the rest of the stack is added, ids in order */
	uint32_t n = hf_stack_node(tb, a, 3, HF_FRAME_MALLOC);
	assert_int_equal(n, 4);
	uint64_t back[8];
	assert_int_equal(read_back(n, back, 8), 4);
	assert_int_equal(back[3], 0x403030);
	free(tb);
}

/* --- eight threads ------------------------------------------------------------------------------ */

#define STACKS 3000
#define MAXD 12
#define THREADS 8
#define ROUNDS 20000

static uintptr_t stacks[STACKS][MAXD];
static unsigned depth[STACKS];
static uint32_t leaf_of[STACKS]; /* the first answer for each stack; others must agree */
static int disagreements;

/* Stacks with shared outer parts: the k-th frame from the outside is a function of the lowest
 * k + 1 base-7 digits of s (all of s from the fifth frame on), so stacks share their outer
 * frames in a tree of fan-out 7. Depths 3 to 12. */
static void make_stacks(void)
{
	for (unsigned s = 0; s < STACKS; s++) {
		depth[s] = 3 + s % (MAXD - 2);
		unsigned mod = 1;
		for (unsigned k = 0; k < depth[s]; k++) {
			mod *= k < 5 ? 7 : 1;
			/* ips[] are innermost first */
			stacks[s][depth[s] - 1 - k] = 0x400000 + ((uintptr_t)(s % mod) << 8) + (k << 4);
		}
	}
}

static void *interner(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1;
	struct hf_thread *tb = new_thread_obj();
	for (int r = 0; r < ROUNDS; r++) {
		unsigned s = (unsigned)rand_r(&seed) % STACKS, kind = 1 + s % 9;
		uint32_t n = hf_stack_node(tb, stacks[s], depth[s], kind);
		uint32_t expected = 0;
		if (!__atomic_compare_exchange_n(&leaf_of[s], &expected, n, 0, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED) &&
		    expected != n)
			__atomic_fetch_add(&disagreements, 1, __ATOMIC_RELAXED);
	}
	free(tb);
	return NULL;
}

static int cmp_prefix(const void *a, const void *b)
{
	return memcmp(a, b, (MAXD + 1) * sizeof(uint64_t));
}

static void test_threads_agree(void **state)
{
	(void)state;
	reset();
	make_stacks();
	memset(leaf_of, 0, sizeof leaf_of);
	disagreements = 0;
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, interner, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(disagreements, 0);
	assert_int_equal(writer_failed, 0);

	/* Every stack reads back as itself; count the distinct prefixes (outermost first, with the
	 * allocator kind as the last element) to know how many nodes the trie must have. */
	uint64_t(*pre)[MAXD + 1] = calloc((size_t)STACKS * (MAXD + 1), sizeof *pre);
	assert_non_null(pre);
	size_t npre = 0, used = 0;
	for (unsigned s = 0; s < STACKS; s++) {
		if (!leaf_of[s])
			continue; /* not drawn */
		used++;
		uint64_t back[MAXD + 2];
		unsigned n = read_back(leaf_of[s], back, MAXD + 2);
		assert_int_equal(n, depth[s] + 1);
		assert_int_equal(back[0], 1 + s % 9);
		for (unsigned k = 0; k < depth[s]; k++)
			assert_int_equal(back[1 + k], stacks[s][k]);
		for (unsigned len = 1; len <= depth[s] + 1; len++) {
			uint64_t *p = pre[npre++];
			memset(p, 0xff, (MAXD + 1) * sizeof *p);
			for (unsigned k = 0; k < len; k++)
				p[k] = k < depth[s] ? stacks[s][depth[s] - 1 - k] : 1 + s % 9;
		}
		assert_true(npre <= (size_t)STACKS * (MAXD + 1));
	}
	qsort(pre, npre, sizeof *pre, cmp_prefix);
	size_t distinct = 0;
	for (size_t i = 0; i < npre; i++)
		distinct += i == 0 || cmp_prefix(pre[i - 1], pre[i]) != 0;
	assert_true(used > STACKS * 9 / 10);
	assert_int_equal(hf_stack_count(), distinct);
	assert_int_equal(nrec, distinct);
	assert_true(distinct > 8192); /* the table (16,384 slots) grew at half full */
	free(pre);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_stack_same_node),
		cmocka_unit_test(test_truncation_roots),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_threads_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
