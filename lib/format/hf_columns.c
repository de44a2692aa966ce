/* hf_columns.c: a thread chunk's body in columns: gathered by the recorder, opened by the
 * reader, split from records by test tools (hf_columns.h). */
#include "hf_columns.h"

#include <string.h>

/* The columns of each fixed record's fields, in the record's order, 0-terminated (column 0, the
 * tag, is never a field). Sized records (0x40-0x7f) go whole to HF_COL_OTHER. */
static const uint8_t fields[HF_TAG_FREE_AT_LAST + 1][7] = {
	[HF_TAG_ALLOC] = { HF_COL_NODE, HF_COL_SIZE, HF_COL_APTR },
	[HF_TAG_FREE] = { HF_COL_FPTR, HF_COL_EPOCH },
	[HF_TAG_FREE_LAST] = { 0 },
	[HF_TAG_REALLOC] = { HF_COL_NODE, HF_COL_SIZE, HF_COL_FPTR, HF_COL_APTR, HF_COL_EPOCH, HF_COL_EPOCH },
	[HF_TAG_ALLOC_FAILED] = { HF_COL_NODE, HF_COL_SIZE },
	[HF_TAG_EPOCH] = { HF_COL_EPOCH },
	[HF_TAG_TIME] = { HF_COL_OTHER },
	[HF_TAG_REALLOC_LAST] = { HF_COL_NODE, HF_COL_SIZE },
	[HF_TAG_ALLOC_RECENT] = { HF_COL_NODE, HF_COL_SIZE, HF_COL_PLACE },
	[HF_TAG_FREE_RECENT] = { HF_COL_PLACE, HF_COL_EPOCH },
	[HF_TAG_ALLOC_AT ... HF_TAG_ALLOC_AT_LAST] = { HF_COL_NODE, HF_COL_SIZE },
	[HF_TAG_FREE_AT ... HF_TAG_FREE_AT_LAST] = { 0 },
};

static int is_fixed(unsigned tag)
{
	return (tag >= HF_TAG_ALLOC && tag <= HF_TAG_FREE_RECENT) ||
	       (tag >= HF_TAG_ALLOC_AT && tag <= HF_TAG_FREE_AT_LAST);
}

static int is_sized(unsigned tag)
{
	return tag >= 0x40 && tag <= 0x7f;
}

/* --- gather (the recorder) -------------------------------------------------------------------- */

size_t hf_cols_gather(const struct hf_colw *w, const uint8_t *buf, uint8_t *out)
{
	uint8_t *q = out;
	for (unsigned c = 1; c < HF_COLS_N; c++)
		q = hf_put_varint(q, hf_colw_len(w, buf, c));
	for (unsigned c = 0; c < HF_COLS_N; c++) {
		size_t len = hf_colw_len(w, buf, c);
		memcpy(q, buf + hf_cols_offset(c), len);
		q += len;
	}
	return (size_t)(q - out);
}

/* --- split (tools and tests: well-formed records) ---------------------------------------------- */

static void copy_varint(const uint8_t **p, uint8_t **q)
{
	const uint8_t *s = *p;
	uint8_t *d = *q;
	while (*s & 0x80)
		*d++ = *s++;
	*d++ = *s++;
	*p = s;
	*q = d;
}

size_t hf_cols_split(const uint8_t *in, size_t n, uint8_t *scratch, uint8_t *out)
{
	uint8_t *col[HF_COLS_N];
	for (unsigned i = 0; i < HF_COLS_N; i++)
		col[i] = scratch + (size_t)i * n;
	const uint8_t *p = in, *end = in + n;
	while (p < end) {
		unsigned tag = *p++;
		*col[HF_COL_TAG]++ = (uint8_t)tag;
		if (is_fixed(tag)) {
			for (const uint8_t *f = fields[tag]; *f; f++)
				copy_varint(&p, &col[*f]);
		} else if (is_sized(tag)) {
			uint64_t len = 0;
			const uint8_t *l = p;
			if (hf_get_varint(&l, end, &len) < 0 || len > (uint64_t)(end - l))
				return 0;
			copy_varint(&p, &col[HF_COL_OTHER]);
			memcpy(col[HF_COL_OTHER], p, (size_t)len);
			col[HF_COL_OTHER] += len;
			p += len;
		} else {
			return 0;
		}
	}
	uint8_t *q = out;
	for (unsigned i = 1; i < HF_COLS_N; i++)
		q = hf_put_varint(q, (uint64_t)(col[i] - (scratch + (size_t)i * n)));
	for (unsigned i = 0; i < HF_COLS_N; i++) {
		size_t len = (size_t)(col[i] - (scratch + (size_t)i * n));
		memcpy(q, scratch + (size_t)i * n, len);
		q += len;
	}
	return (size_t)(q - out);
}

/* --- the reader (untrusted input) -------------------------------------------------------------- */

void hf_colr_records(struct hf_colr *r, const uint8_t *body, size_t n)
{
	r->base = body;
	r->col[0] = (struct hf_colrd){ body, body + n };
	for (unsigned c = 0; c < HF_COLS_N; c++)
		r->c_[c] = &r->col[0];
}

int hf_colr_columns(struct hf_colr *r, const uint8_t *body, size_t n, uint32_t records, const char **why)
{
	const uint8_t *p = body, *end = body + n;
	uint64_t len[HF_COLS_N];
	len[HF_COL_TAG] = records;
	for (unsigned c = 1; c < HF_COLS_N; c++)
		if (hf_get_varint(&p, end, &len[c]) < 0) {
			*why = "the column lengths run past the end of the body";
			return -1;
		}
	r->base = body;
	for (unsigned c = 0; c < HF_COLS_N; c++) {
		if (len[c] > (uint64_t)(end - p)) {
			*why = "a column runs past the end of the body";
			return -1;
		}
		r->col[c] = (struct hf_colrd){ p, p + len[c] };
		r->c_[c] = &r->col[c];
		p += len[c];
	}
	if (p != end) {
		*why = "bytes after the last column";
		return -1;
	}
	return 0;
}

int hf_colr_left(const struct hf_colr *r)
{
	for (unsigned c = 0; c < HF_COLS_N; c++)
		if (r->c_[c]->p != r->c_[c]->end)
			return 1;
	return 0;
}
