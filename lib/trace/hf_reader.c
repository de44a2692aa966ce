/* hf_reader.c: opening a trace and the public API. Pass 1 walks the gzip member headers without
 * inflating and builds the chunk index (format.md 1); then the meta stream is decoded
 * (hf_reader_meta.c) and the event streams are merged on demand (hf_reader_merge.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hf_reader_int.h"

/* ---- pass 1: the chunk index ---------------------------------------------------------------- */

static int bad_member(hf_trace *t, uint64_t off, const uint8_t *hb, size_t n)
{
	if (off == 0) {
		if ((n >= 1 && hb[0] != 0x1f) || (n >= 2 && hb[1] != 0x8b))
			return hf__fail(t, HF_TRACE_ERR_NOT_TRACE, "not a gzip file");
		return hf__fail(t, HF_TRACE_ERR_NOT_TRACE, "gzip file, but not a heapfold trace");
	}
	return hf__fail(t, HF_TRACE_ERR_CORRUPT,
			"corrupt trace at offset %llu: no chunk starts there (not a gzip member with the HF field)",
			(unsigned long long)off);
}

/* Limits of format.md 1, before anything is read from the body. */
static int check_header(hf_trace *t, const struct hf_chunk_ref *c)
{
	const struct hf_chunk_hdr *h = &c->h;

	if (t->nchunks == 0) {
		if (h->major < HF_FORMAT_MAJOR_OLDEST || h->major > HF_FORMAT_MAJOR)
			return hf__fail(t, HF_TRACE_ERR_VERSION,
					"trace format %u.%u is %s than this reader (%d.%d)", h->major, h->minor,
					h->major > HF_FORMAT_MAJOR ? "newer" : "older", HF_FORMAT_MAJOR,
					HF_FORMAT_MINOR);
		if (h->kind != HF_CHUNK_META || h->stream != 0 || h->seq != 0)
			return hf__chunk_fail(t, c, "the first chunk must be chunk 0 of the meta stream");
	} else if (h->major != t->chunks[0].h.major) {
		return hf__chunk_fail(t, c, "format version %u.%u differs from the trace's %u.%u",
				      h->major, h->minor, t->chunks[0].h.major, t->chunks[0].h.minor);
	}
	if (h->kind > HF_CHUNK_EVENTS)
		return hf__chunk_fail(t, c, "unknown chunk kind %u", h->kind);
	if ((h->kind == HF_CHUNK_META) != (h->stream == 0))
		return hf__chunk_fail(t, c, "a %s chunk cannot belong to stream %u",
				      h->kind == HF_CHUNK_META ? "meta" : "thread event", h->stream);
	if (h->ulen > HF_CHUNK_MAX_ULEN)
		return hf__chunk_fail(t, c, "ulen %u exceeds the limit of %u bytes", h->ulen,
				      HF_CHUNK_MAX_ULEN);
	if (h->clen > hf_chunk_clen_max(h->ulen))
		return hf__chunk_fail(t, c, "clen %u is too large for ulen %u", h->clen, h->ulen);
	if (h->records > h->ulen)
		return hf__chunk_fail(t, c, "%u records cannot fit in ulen %u bytes", h->records,
				      h->ulen);
	if (h->epoch_start > h->epoch_end || h->epoch_end > HF_EPOCH_MAX)
		return hf__chunk_fail(t, c, "bad epoch range %llu..%llu",
				      (unsigned long long)h->epoch_start, (unsigned long long)h->epoch_end);
	return 0;
}

/* A tail of zero bytes is what a machine crash (not a process kill) leaves behind a file being
 * appended to: count it as truncation, not damage. */
static int all_zero(hf_trace *t, uint64_t off)
{
	uint8_t buf[4096];
	while (off < t->file_size) {
		size_t n = t->file_size - off < sizeof buf ? (size_t)(t->file_size - off) : sizeof buf;
		if (hf__read_at(t, buf, n, off) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (buf[i])
				return 0;
		off += n;
	}
	return 1;
}

static int add_chunk(hf_trace *t, uint64_t off, const struct hf_chunk_hdr *h, size_t *cap)
{
	if (t->nchunks == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct hf_chunk_ref *c = realloc(t->chunks, ncap * sizeof *c);
		if (!c)
			return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
		t->chunks = c;
		*cap = ncap;
	}
	struct hf_chunk_ref *c = &t->chunks[t->nchunks++];
	c->offset = off;
	c->h = *h;
	c->samples = 0;
	return 0;
}

static int scan(hf_trace *t)
{
	uint64_t off = 0, size = t->file_size;
	size_t cap = 0;
	uint8_t hb[HF_MEMBER_HDR_SIZE];
	int rc;

	while (off < size) {
		uint64_t avail = size - off;
		size_t n = avail < sizeof hb ? (size_t)avail : sizeof hb;
		if ((rc = hf__read_at(t, hb, n, off)) < 0)
			return rc;
		struct hf_chunk_ref c = { .offset = off };
		if (n < sizeof hb ? !hf_chunk_prefix_match(hb, n) : hf_chunk_parse(hb, &c.h) < 0) {
			if (off > 0 && hb[0] == 0 && (rc = all_zero(t, off)) != 0) {
				if (rc < 0)
					return t->err;
				break;
			}
			return bad_member(t, off, hb, n);
		}
		if (n < sizeof hb)
			break;
		if ((rc = check_header(t, &c)) < 0)
			return rc;
		uint64_t len = HF_MEMBER_HDR_SIZE + (uint64_t)c.h.clen + HF_MEMBER_TRAILER_SIZE;
		if (avail < len)
			break;
		if (t->nchunks >= UINT32_MAX)
			return hf__fail(t, HF_TRACE_ERR_CORRUPT, "corrupt trace: too many chunks");
		if ((rc = add_chunk(t, off, &c.h, &cap)) < 0)
			return rc;
		off += len;
	}
	t->info.chunks = t->nchunks;
	if (off < size) {
		t->info.truncated_bytes = size - off;
		if ((rc = hf__warn(t,
				   "trace truncated: %llu bytes from offset %llu, after the last complete chunk, were ignored (the process did not finish writing)",
				   (unsigned long long)(size - off), (unsigned long long)off)) < 0)
			return rc;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Orders the chunks by (stream, file position) and checks each stream's seq continuity. */
static int index_streams(hf_trace *t)
{
	if (!t->nchunks)
		return 0;
	/* Sort keys (stream << 32 | file index) need no comparison context. */
	uint64_t *keys = malloc(t->nchunks * sizeof *keys);
	if (!keys || !(t->order = malloc(t->nchunks * sizeof *t->order))) {
		free(keys);
		return hf__fail(t, HF_TRACE_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < t->nchunks; i++)
		keys[i] = (uint64_t)t->chunks[i].h.stream << 32 | i;
	qsort(keys, t->nchunks, sizeof *keys, cmp_u64);
	for (size_t i = 0; i < t->nchunks; i++)
		t->order[i] = (uint32_t)keys[i];
	free(keys);

	uint32_t streams = 0;
	for (size_t i = 0; i < t->nchunks; i++) {
		const struct hf_chunk_ref *c = &t->chunks[t->order[i]];
		const struct hf_chunk_ref *prev = i ? &t->chunks[t->order[i - 1]] : NULL;
		int first = !prev || prev->h.stream != c->h.stream;
		uint32_t want = first ? 0 : prev->h.seq + 1;
		if (c->h.seq != want)
			return hf__chunk_fail(t, c, "expected seq %u of stream %u (a chunk is missing)",
					      want, c->h.stream);
		if (!first && c->h.epoch_start < prev->h.epoch_end)
			return hf__chunk_fail(t, c,
					      "epoch_start %llu is below epoch_end %llu of the stream's previous chunk",
					      (unsigned long long)c->h.epoch_start,
					      (unsigned long long)prev->h.epoch_end);
		if (c->h.stream == 0)
			t->nmeta++;
		else if (first)
			streams++;
	}
	t->info.streams = streams;
	return 0;
}

/* ---- the public API ------------------------------------------------------------------------- */

int hf_trace_open(const char *path, hf_trace **out)
{
	if (!out)
		return HF_TRACE_ERR_ARG;
	hf_trace *t = calloc(1, sizeof *t);
	*out = t;
	if (!t)
		return HF_TRACE_ERR_NOMEM;
	t->fd = -1;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->seed = (uint64_t)(uintptr_t)t ^ (uint64_t)ts.tv_nsec << 17 ^ (uint64_t)ts.tv_sec;
	t->info.exe = t->info.libc = t->info.recorder = "";
	if (!path)
		return hf__fail(t, HF_TRACE_ERR_ARG, "no trace file given");

	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->fd < 0)
		return hf__fail(t, HF_TRACE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(t->fd, &st) < 0)
		return hf__fail(t, HF_TRACE_ERR_IO, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return hf__fail(t, HF_TRACE_ERR_ARG,
				"%s is not a regular file (the reader needs to seek in it)", path);
	t->file_size = t->info.file_size = (uint64_t)st.st_size;

	int rc;
	if ((rc = scan(t)) < 0 || (rc = index_streams(t)) < 0 || (rc = hf__read_meta(t)) < 0)
		return rc;
	if (!t->nchunks && (rc = hf__warn(t, "trace holds no complete chunk")) < 0)
		return rc;
	if (!t->info.complete &&
	    (rc = hf__warn(t, "trace incomplete: no clean-exit record (the process may still be "
			      "running, or it was killed or crashed)")) < 0)
		return rc;
	return HF_TRACE_OK;
}

const char *hf_trace_error(const hf_trace *t)
{
	return t ? t->errmsg : "out of memory";
}

const char *hf_trace_warning(const hf_trace *t, size_t i)
{
	return t && i < t->nwarn ? t->warn[i] : NULL;
}

const struct hf_trace_info *hf_trace_info(const hf_trace *t)
{
	return t ? &t->info : NULL;
}

size_t hf_trace_module_count(const hf_trace *t)
{
	return t ? t->nmods : 0;
}

const struct hf_module *hf_trace_module_at(const hf_trace *t, size_t index)
{
	return t && index < t->nmods ? &t->mods[index] : NULL;
}

void hf_trace_close(hf_trace *t)
{
	if (!t)
		return;
	hf__merge_free(t);
	hf__meta_free(t);
	for (size_t i = 0; i < t->nwarn; i++)
		free(t->warn[i]);
	free(t->warn);
	free(t->chunks);
	free(t->order);
	free(t->zbuf);
	for (size_t i = 0; i < 4; i++)
		free(t->pool[i]);
	libdeflate_free_decompressor(t->dz);
	hf__arena_free(&t->arena);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}
