/* A thread chunk's body in columns (lib/format/hf_columns.c, docs/format.md 2.4): what the
 * recorder's encoders write (hf_events.h), gathered, is what the decoders read back field for
 * field; the split that test tools use makes the same body of the same records; the writer's
 * room check holds; a body whose columns do not fit it is refused with a reason (the reader's
 * record-level checks are in test_reader_corruption.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hf_columns.h"
#include "hf_events.h"

struct cols {
	uint8_t *buf; /* the writer's regions */
	struct hf_colw w;
	uint32_t records;
};

static void cols_new(struct cols *c)
{
	c->buf = calloc(1, HF_COLS_BUFFER);
	assert_non_null(c->buf);
	hf_colw_reset(&c->w, c->buf);
	c->records = 0;
}

/* Gathers the columns: the body (*blen bytes), which the caller frees. */
static uint8_t *gather(const struct cols *c, size_t *blen)
{
	size_t len = hf_colw_body_len(&c->w, c->buf);
	uint8_t *body = malloc(len);
	assert_non_null(body);
	*blen = hf_cols_gather(&c->w, c->buf, body);
	assert_int_equal(*blen, len);
	return body;
}

static void test_every_record_written_in_columns_reads_back(void **state)
{
	(void)state;
	struct cols c;
	cols_new(&c);
	const struct hf_ev_realloc rr = { 7, 1u << 20, -48, INT64_MIN, 3, UINT64_MAX };
	static const uint8_t body[] = { 9, 0, 4, 'm', 'a', 'i', 'n' };
	hf_enc_sized(&c.w, HF_TAG_THREAD_START, body, sizeof body);
	hf_enc_alloc(&c.w, 3, 100, -4096);
	hf_enc_free_last(&c.w);
	hf_enc_alloc_at(&c.w, UINT32_MAX, UINT64_MAX, HF_PLACE_CLASS);
	hf_enc_free_at(&c.w, HF_RECENT_N - 1);
	hf_enc_free(&c.w, INT64_MAX, 0);
	hf_enc_realloc(&c.w, &rr);
	hf_enc_realloc_last(&c.w, 8, 0);
	hf_enc_failed(&c.w, 9, 1ull << 40);
	hf_enc_epoch(&c.w, 77);
	hf_enc_time(&c.w, 1000000);
	hf_enc_mark(&c.w, "phase", 5);
	hf_enc_sized(&c.w, HF_TAG_THREAD_END, NULL, 0);
	c.records = 13;
	assert_int_equal(c.w.p[HF_COL_TAG] - c.buf, 13);

	size_t blen;
	uint8_t *cols = gather(&c, &blen);
	struct hf_colr r;
	const char *why = "";
	assert_int_equal(hf_colr_columns(&r, cols, blen, c.records, &why), 0);
	struct hf_colrd *tag = r.c_[HF_COL_TAG], *o = r.c_[HF_COL_OTHER];
	struct hf_ev_alloc a;
	struct hf_ev_free f;
	struct hf_ev_realloc rr2;
	struct hf_ev_failed fl;
	struct hf_ev_realloc_last rl;
	uint64_t d = 0, len = 0;
	const uint8_t *p;

	assert_int_equal(*tag->p++, HF_TAG_THREAD_START);
	assert_int_equal(hf_get_varint(&o->p, o->end, &len), 0);
	assert_int_equal(len, sizeof body);
	assert_memory_equal(o->p, body, sizeof body);
	o->p += len;
	assert_int_equal(*tag->p++, HF_TAG_ALLOC);
	assert_int_equal(hf_dec_alloc(r.col, 1, &a), 0);
	assert_true(a.node == 3 && a.size == 100 && a.dptr == -4096);
	assert_int_equal(*tag->p++, HF_TAG_FREE_LAST);
	assert_int_equal(*tag->p++, HF_TAG_ALLOC_AT_LAST); /* the place in the tag */
	assert_int_equal(hf_dec_alloc_at(r.col, 1, &a), 0);
	assert_true(a.node == UINT32_MAX && a.size == UINT64_MAX);
	assert_int_equal(*tag->p++, HF_TAG_FREE_AT_LAST);
	assert_int_equal(*tag->p++, HF_TAG_FREE);
	assert_int_equal(hf_dec_free(r.col, 1, &f), 0);
	assert_true(f.dptr == INT64_MAX && f.depoch == 0);
	assert_int_equal(*tag->p++, HF_TAG_REALLOC);
	assert_int_equal(hf_dec_realloc(r.col, 1, &rr2), 0);
	assert_true(rr2.node == rr.node && rr2.size == rr.size && rr2.dold == rr.dold && rr2.dnew == rr.dnew &&
		    rr2.depoch == rr.depoch && rr2.dr == rr.dr);
	assert_int_equal(*tag->p++, HF_TAG_REALLOC_LAST);
	assert_int_equal(hf_dec_realloc_last(r.col, 1, &rl), 0);
	assert_true(rl.node == 8 && rl.size == 0);
	assert_int_equal(*tag->p++, HF_TAG_ALLOC_FAILED);
	assert_int_equal(hf_dec_failed(r.col, 1, &fl), 0);
	assert_true(fl.node == 9 && fl.size == 1ull << 40);
	assert_int_equal(*tag->p++, HF_TAG_EPOCH);
	assert_int_equal(hf_dec_epoch(r.col, 1, &d), 0);
	assert_int_equal(d, 77);
	assert_int_equal(*tag->p++, HF_TAG_TIME);
	assert_int_equal(hf_dec_time(r.col, 1, &d), 0);
	assert_int_equal(d, 1000000);
	assert_int_equal(*tag->p++, HF_TAG_MARK);
	assert_int_equal(hf_get_varint(&o->p, o->end, &len), 0);
	const uint8_t *label = NULL;
	size_t llen = 0;
	p = o->p;
	o->p += len;
	assert_int_equal(hf_dec_mark_body(&p, o->p, &label, &llen), 0);
	assert_true(llen == 5 && memcmp(label, "phase", 5) == 0);
	assert_int_equal(*tag->p++, HF_TAG_THREAD_END);
	assert_int_equal(hf_get_varint(&o->p, o->end, &len), 0);
	assert_int_equal(len, 0);
	assert_false(hf_colr_left(&r));

	/* The records, one after the other, split: the same body. */
	uint8_t rows[256], *q = rows;
	const uint8_t want[] = { HF_TAG_THREAD_START, sizeof body, 9, 0, 4, 'm', 'a', 'i', 'n', HF_TAG_ALLOC, 3, 100, 0xff, 0x3f };
	memcpy(q, want, sizeof want);
	q += sizeof want;
	*q++ = HF_TAG_FREE_LAST;
	const uint8_t at[] = { HF_TAG_ALLOC_AT + 3, 5, 7, HF_TAG_FREE_AT, HF_TAG_FREE_RECENT, 2, 0,
			       HF_TAG_ALLOC_RECENT, 5, 9, 16 };
	memcpy(q, at, sizeof at);
	q += sizeof at;
	size_t nrows = (size_t)(q - rows);
	struct cols c2;
	cols_new(&c2);
	hf_enc_sized(&c2.w, HF_TAG_THREAD_START, body, sizeof body);
	hf_enc_alloc(&c2.w, 3, 100, -4096);
	hf_enc_free_last(&c2.w);
	hf_enc_alloc_at(&c2.w, 5, 7, 3);
	hf_enc_free_at(&c2.w, 0);
	/* Formats 4 and 5 (no encoder now): their records' fields still split into columns. */
	*c2.w.p[HF_COL_TAG]++ = HF_TAG_FREE_RECENT;
	*c2.w.p[HF_COL_PLACE]++ = 2;
	*c2.w.p[HF_COL_EPOCH]++ = 0;
	*c2.w.p[HF_COL_TAG]++ = HF_TAG_ALLOC_RECENT;
	*c2.w.p[HF_COL_NODE]++ = 5;
	*c2.w.p[HF_COL_SIZE]++ = 9;
	*c2.w.p[HF_COL_PLACE]++ = 16;
	size_t blen2;
	uint8_t *cols2 = gather(&c2, &blen2);
	uint8_t *scratch = malloc(HF_COLS_N * nrows), *again = malloc(nrows + HF_COLS_N * HF_VARINT_MAX);
	assert_int_equal(hf_cols_split(rows, nrows, scratch, again), blen2);
	assert_memory_equal(again, cols2, blen2);
	free(scratch);
	free(again);
	free(cols2);
	free(c2.buf);
	free(cols);
	free(c.buf);
}

/* The limit the recorder sets from hf_colw_fit never lets a column run over its region nor the
 * body over HF_COLS_CHUNK, whatever the records: here the widest REALLOCs, then TIMEs, until the
 * fit says stop. */
static void test_fit_keeps_every_column_inside_its_region(void **state)
{
	(void)state;
	struct cols c;
	cols_new(&c);
	const struct hf_ev_realloc rr = { UINT32_MAX, UINT64_MAX, INT64_MIN, INT64_MIN, UINT64_MAX, UINT64_MAX };
	size_t fit, written = 0;
	while ((fit = hf_colw_fit(&c.w, c.buf, HF_COLS_SIZED_ROOM)) > 0) {
		hf_enc_realloc(&c.w, &rr);
		written++;
	}
	assert_int_equal(written, HF_COLS_CHUNK / HF_COLS_REC_MAX); /* the body's cap comes first */
	assert_true(hf_colw_len(&c.w, c.buf, HF_COL_EPOCH) <= HF_COLS_REGION);
	assert_true(hf_colw_body_len(&c.w, c.buf) <= HF_COLS_CHUNK + HF_COLS_N * HF_VARINT_MAX);
	hf_colw_reset(&c.w, c.buf);
	while (hf_colw_fit(&c.w, c.buf, HF_COLS_SIZED_ROOM) > 0)
		hf_enc_time(&c.w, UINT64_MAX);
	assert_true(hf_colw_len(&c.w, c.buf, HF_COL_OTHER) <= HF_COLS_REGION);
	assert_true(hf_colw_body_len(&c.w, c.buf) <= HF_COLS_BODY_MAX);
	free(c.buf);
}

static void expect_open_error(const uint8_t *body, size_t n, uint32_t records, const char *want)
{
	struct hf_colr r;
	const char *why = NULL;
	assert_int_equal(hf_colr_columns(&r, body, n, records, &why), -1);
	assert_non_null(why);
	if (!strstr(why, want))
		fail_msg("\"%s\", want \"%s\"", why, want);
}

/* The lengths must describe the body exactly; what a column holds is the decoders' to check (a
 * record whose field is not in its column: test_reader_corruption.c). */
static void test_column_lengths_must_fit_the_body(void **state)
{
	(void)state;
	/* lengths of columns 1-7, tags, then the columns */
	const uint8_t ok[] = { 1, 1, 1, 0, 0, 0, 0, HF_TAG_ALLOC, 3, 100, 2 };
	struct hf_colr r;
	const char *why = NULL;
	assert_int_equal(hf_colr_columns(&r, ok, sizeof ok, 1, &why), 0);
	struct hf_ev_alloc a;
	assert_int_equal(*r.c_[HF_COL_TAG]->p++, HF_TAG_ALLOC);
	assert_int_equal(hf_dec_alloc(r.col, 1, &a), 0);
	assert_true(a.node == 3 && a.size == 100 && a.dptr == 1);
	assert_false(hf_colr_left(&r));

	expect_open_error(ok, 5, 1, "the column lengths run past the end of the body");
	expect_open_error(ok, sizeof ok - 1, 1, "a column runs past the end of the body");
	expect_open_error(ok, sizeof ok, 2, "a column runs past the end of the body"); /* tags */
	const uint8_t extra[] = { 1, 1, 1, 0, 0, 0, 0, HF_TAG_ALLOC, 3, 100, 2, 0 };
	expect_open_error(extra, sizeof extra, 1, "bytes after the last column");

	/* A field is read inside its column only. */
	const uint8_t short_field[] = { 1, 1, 0, 0, 0, 0, 0, HF_TAG_ALLOC, 3, 100 };
	assert_int_equal(hf_colr_columns(&r, short_field, sizeof short_field, 1, &why), 0);
	r.c_[HF_COL_TAG]->p++;
	assert_int_equal(hf_dec_alloc(r.col, 1, &a), -1);
	const uint8_t left[] = { 2, 1, 1, 0, 0, 0, 0, HF_TAG_ALLOC, 3, 4, 100, 2 };
	assert_int_equal(hf_colr_columns(&r, left, sizeof left, 1, &why), 0);
	r.c_[HF_COL_TAG]->p++;
	assert_int_equal(hf_dec_alloc(r.col, 1, &a), 0);
	assert_true(hf_colr_left(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_record_written_in_columns_reads_back),
		cmocka_unit_test(test_fit_keeps_every_column_inside_its_region),
		cmocka_unit_test(test_column_lengths_must_fit_the_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
