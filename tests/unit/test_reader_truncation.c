/* test_reader_truncation.c: a trace cut anywhere (a process killed mid-write) is read up to its
 * last complete chunk, with a warning saying how much was lost, never an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf_codec.h"
#include "util_tracegen.h"

/* Two threads, three chunks each, samples, a realloc, units, marks: 11 members. */
static struct tg *small_trace(void)
{
	struct tg *g = tg_new(NULL);
	const struct hf_segment seg[] = { { 0, 0x10000, 5 } };
	tg_module(g, 1, "/usr/bin/app", "\x01\x02", 2, 0x400000, 1, seg);
	uint32_t main_ = tg_node(g, 0, 0x401000);
	uint32_t m = tg_node(g, main_, HF_FRAME_MALLOC), re = tg_node(g, main_, HF_FRAME_REALLOC);
	tg_sample(g, 0, 1, 100);
	tg_thread_start(g, 1, 100, 0, "main");
	tg_alloc(g, 1, m, 10, 0x1000);
	tg_alloc(g, 1, m, 11, 0x1100);
	tg_free_last(g, 1);
	tg_flush(g, 1);
	tg_thread_start(g, 2, 101, 1, "worker");
	tg_alloc(g, 2, m, 20, 0x2000);
	tg_flush(g, 2);
	tg_free(g, 1, 0x2000, 0);
	tg_realloc(g, 1, re, 30, 0x1000, 0x3000, 1, 2);
	tg_flush(g, 1);
	tg_sample(g, 2, 1, 200);
	tg_flush(g, 0);
	tg_epoch(g, 2, 3);
	tg_alloc(g, 2, m, 40, 0x4000);
	tg_mark(g, 2, "half");
	tg_free(g, 2, 0x4000, 3);
	tg_flush(g, 2);
	tg_mark(g, 1, "done");
	tg_thread_end(g, 1);
	tg_flush(g, 1);
	tg_thread_end(g, 2);
	tg_close(g, NULL);
	return g;
}

static int same_event(const struct hf_event *a, const struct hf_event *b)
{
	return a->type == b->type && a->flags == b->flags && a->thread == b->thread &&
	       a->key == b->key && a->time_ns == b->time_ns && a->ptr == b->ptr &&
	       a->old_ptr == b->old_ptr && a->size == b->size && a->node == b->node &&
	       a->rss == b->rss && a->tid == b->tid;
}

/* The events of stream s, in order. */
static size_t of_stream(const struct tg_read *r, uint32_t s, const struct hf_event **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].thread == s && n < max)
			out[n++] = &r->ev[i];
	return n;
}

static void test_truncated_prefix_reads_complete_chunks(void **state)
{
	(void)state;
	struct tg *g = small_trace();
	size_t size, nm = tg_member_count(g);
	const uint8_t *file = tg_file(g, &size);
	char *path = tg_tmp_path("prefix.gz");
	struct tg_read full;
	tg_write(g, path);
	tg_read_all(path, &full, SIZE_MAX);
	assert_int_equal(full.open_rc, HF_TRACE_OK);
	assert_int_equal(full.next_rc, HF_TRACE_END);
	assert_int_equal(full.info.complete, 1);
	assert_true(nm >= 8);

	for (size_t len = 0; len <= size; len++) {
		assert_int_equal(tg_write_bytes(path, file, len), 0);
		struct tg_read r;
		tg_read_all(path, &r, SIZE_MAX);
		if (r.open_rc != HF_TRACE_OK || r.next_rc != HF_TRACE_END)
			fail_msg("prefix of %zu bytes: %s", len, r.error);

		/* Members lie in the file in index order: the complete ones are a prefix. */
		size_t last_end = 0, want[3] = { 0, 0, 0 };
		for (size_t i = 0; i < nm && tg_member_end(g, i) <= len; i++) {
			last_end = tg_member_end(g, i);
			want[tg_member_stream(g, i)] += tg_member_events(g, i);
		}
		assert_int_equal(r.info.truncated_bytes, len - last_end);
		assert_int_equal(r.info.complete, len == size);
		if (len > last_end) {
			char w[128];
			snprintf(w, sizeof w, "trace truncated: %zu bytes from offset %zu,", len - last_end,
				 last_end);
			assert_non_null(strstr(r.warn[0], w));
		}
		if (len < size)
			assert_non_null(strstr(r.warn[r.nwarn - 1], "trace incomplete: no clean-exit record"));
		else
			assert_int_equal(r.nwarn, 0);

		/* Exactly the events of the complete chunks: each stream's events are the first
		 * ones of the full read, and the merged order holds. */
		for (uint32_t s = 0; s < 3; s++) {
			const struct hf_event *a[64], *b[64];
			size_t na = of_stream(&r, s, a, 64), nb = of_stream(&full, s, b, 64);
			assert_int_equal(na, want[s]);
			assert_true(na <= nb);
			for (size_t i = 0; i < na; i++)
				assert_true(same_event(a[i], b[i]));
		}
		for (size_t i = 1; i < r.nev; i++)
			assert_true(r.ev[i - 1].key <= r.ev[i].key);
		tg_read_free(&r);
	}
	tg_read_free(&full);
	unlink(path);
	free(path);
	tg_destroy(g);
}

static void test_empty_file_is_an_empty_incomplete_trace(void **state)
{
	(void)state;
	char *path = tg_tmp_path("empty.gz");
	assert_int_equal(tg_write_bytes(path, "", 0), 0);
	struct tg_read r;
	tg_read_all(path, &r, SIZE_MAX);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.nev, 0);
	assert_int_equal(r.info.complete, 0);
	assert_int_equal(r.info.chunks, 0);
	assert_int_equal(r.nwarn, 2);
	assert_string_equal(r.warn[0], "trace holds no complete chunk");
	tg_read_free(&r);
	unlink(path);
	free(path);
}

static void test_zero_tail_counts_as_truncation(void **state)
{
	(void)state;
	struct tg *g = small_trace();
	size_t size;
	const uint8_t *file = tg_file(g, &size);
	uint8_t *buf = calloc(1, size + 5000);
	memcpy(buf, file, size);
	char *path = tg_tmp_path("zeros.gz");
	assert_int_equal(tg_write_bytes(path, buf, size + 5000), 0);
	struct tg_read r;
	tg_read_all(path, &r, SIZE_MAX);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.info.truncated_bytes, 5000);
	assert_int_equal(r.info.complete, 1);
	assert_non_null(strstr(r.warn[0], "trace truncated: 5000 bytes"));
	tg_read_free(&r);

	/* Anything else after the last chunk is damage, not truncation. */
	buf[size + 100] = 7;
	assert_int_equal(tg_write_bytes(path, buf, size + 5000), 0);
	tg_read_all(path, &r, SIZE_MAX);
	assert_int_equal(r.open_rc, HF_TRACE_ERR_CORRUPT);
	char want[128];
	snprintf(want, sizeof want, "corrupt trace at offset %zu: no chunk starts there", size);
	assert_non_null(strstr(r.error, want));
	tg_read_free(&r);
	free(buf);
	unlink(path);
	free(path);
	tg_destroy(g);
}

static void test_trace_without_close_warns_incomplete(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t m = tg_node(g, tg_node(g, 0, 0x401000), HF_FRAME_MALLOC);
	tg_alloc(g, 1, m, 10, 0x1000);
	tg_flush(g, 1);
	char *path = tg_tmp_path("noclose.gz");
	tg_write(g, path);
	struct tg_read r;
	tg_read_all(path, &r, SIZE_MAX);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.nev, 1);
	assert_int_equal(r.info.truncated_bytes, 0);
	assert_int_equal(r.nwarn, 1);
	assert_string_equal(r.warn[0],
			    "trace incomplete: no clean-exit record (the process may still be running, "
			    "or it was killed or crashed)");
	tg_read_free(&r);
	unlink(path);
	free(path);
	tg_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_prefix_reads_complete_chunks),
		cmocka_unit_test(test_empty_file_is_an_empty_incomplete_trace),
		cmocka_unit_test(test_zero_tail_counts_as_truncation),
		cmocka_unit_test(test_trace_without_close_warns_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
