/* test_size.c: what the encoding costs for the commonest pattern, p = malloc(n); free(p), and
 * that it reads back exactly. The figures it prints are those of docs/format.md section 5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf_codec.h"
#include "util_tracegen.h"

enum { ITERATIONS = 1000000 };

/* Sizes and the pointers glibc returns for them, recorded once: the loop of format.md 5
 * (n = i % 1000 + 1, periodic), and the same with n drawn at random from 1..1000, whose
 * records repeat less and so compress less. */
static uint64_t *ptrs, *sizes, *rptrs, *rsizes;

static void run_loop(uint64_t *p_out, uint64_t *n_out, int random)
{
	uint64_t x = 0x2545f4914f6cdd1d;
	for (size_t i = 0; i < ITERATIONS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = random ? x % 1000 + 1 : i % 1000 + 1;
		void *volatile p = malloc(n);
		p_out[i] = (uint64_t)(uintptr_t)p;
		n_out[i] = n;
		free(p);
	}
}

static int record_pointers(void **state)
{
	(void)state;
	ptrs = malloc(ITERATIONS * sizeof *ptrs);
	sizes = malloc(ITERATIONS * sizeof *sizes);
	rptrs = malloc(ITERATIONS * sizeof *rptrs);
	rsizes = malloc(ITERATIONS * sizeof *rsizes);
	if (!ptrs || !sizes || !rptrs || !rsizes)
		return -1;
	run_loop(ptrs, sizes, 0);
	run_loop(rptrs, rsizes, 1);
	return 0;
}

static int drop_pointers(void **state)
{
	(void)state;
	free(ptrs);
	free(sizes);
	free(rptrs);
	free(rsizes);
	return 0;
}

/* Encodes the loop the way the recorder does (ALLOC + FREE_LAST, chunks of chunk_size bytes)
 * and returns the bytes per event (one malloc or one free) before and after compression. */
static void measure(const uint64_t *ptr, const uint64_t *size, int level, size_t chunk_size,
		    double *raw_per_ev, double *z_per_ev)
{
	struct tg *g = tg_new(NULL);
	tg_set_level(g, level);
	tg_set_chunk_size(g, chunk_size);
	uint32_t m = tg_node(g, tg_node(g, 0, 0x401000), HF_FRAME_MALLOC);
	tg_flush(g, 0);
	uint64_t raw0, z0;
	tg_sizes(g, &raw0, &z0);
	for (size_t i = 0; i < ITERATIONS; i++) {
		tg_alloc(g, 1, m, size[i], ptr[i]);
		tg_free_last(g, 1);
	}
	tg_flush(g, 1);
	uint64_t raw, z;
	tg_sizes(g, &raw, &z);
	*raw_per_ev = (double)(raw - raw0) / (2.0 * ITERATIONS);
	*z_per_ev = (double)(z - z0) / (2.0 * ITERATIONS);

	/* And it reads back: one unit per iteration, with its size and pointer. */
	tg_close(g, NULL);
	char *path = tg_tmp_path("size.gz");
	tg_write(g, path);
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	struct hf_event ev;
	size_t n = 0;
	int rc;
	while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK) {
		assert_true(ev.type == HF_EV_ALLOC && ev.flags == HF_EVF_UNIT);
		assert_true(ev.size == size[n] && ev.ptr == ptr[n]);
		n++;
	}
	assert_int_equal(rc, HF_TRACE_END);
	assert_int_equal(n, ITERATIONS);
	hf_trace_close(t);
	unlink(path);
	free(path);
	tg_destroy(g);
}

static void test_malloc_free_loop_costs_few_bytes_per_event(void **state)
{
	(void)state;
	double raw, z1, z6, raw64, z1_64, rraw, rz1, rz6;
	measure(ptrs, sizes, 1, 1 << 20, &raw, &z1);
	measure(ptrs, sizes, 6, 1 << 20, &raw, &z6);
	measure(ptrs, sizes, 1, 64 << 10, &raw64, &z1_64);
	measure(rptrs, rsizes, 1, 1 << 20, &rraw, &rz1);
	measure(rptrs, rsizes, 6, 1 << 20, &rraw, &rz6);
	print_message("malloc/free loop, %d iterations, n = i %% 1000 + 1: %.3f bytes/event raw; "
		      "1 MiB chunks: %.3f at zlib level 1, %.3f at level 6; 64 KiB chunks: %.3f at level 1\n",
		      ITERATIONS, raw, z1, z6, z1_64);
	print_message("same with n random in 1..1000: %.3f bytes/event raw; 1 MiB chunks: %.3f at "
		      "level 1, %.3f at level 6\n", rraw, rz1, rz6);
	/* ALLOC is 1 + 1 + 2 + (1..3) bytes, FREE_LAST 1: at most 4 per event with glibc's
	 * addresses. The sanitizers' allocators spread blocks further apart. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	const double limit = 6.0;
#else
	const double limit = 4.0;
#endif
	assert_true(raw <= limit && rraw <= limit);
	assert_true(z1 < raw && z6 <= z1 && rz1 < rraw && rz6 <= rz1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malloc_free_loop_costs_few_bytes_per_event),
	};
	return cmocka_run_group_tests(tests, record_pointers, drop_pointers);
}
