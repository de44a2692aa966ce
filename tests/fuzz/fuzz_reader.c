/* fuzz_reader.c: libFuzzer target for the trace reader (include/heapfold_trace.h).
 *
 * The input is a trace file. It goes into a memfd (the reader opens paths, and a memfd reached
 * through /proc/self/fd/N is a regular, seekable file), then the whole public API runs over it:
 * open, warnings, the header, every module (by index and by id), its segments and symbols, every
 * stack node, every event in restored order, and close. Besides the sanitizers (no crash, no
 * leak, no read outside the trace's memory), it checks the promises of heapfold_trace.h that a
 * caller relies on and aborts when one is broken:
 *   - an open that fails leaves an error message; hf_trace_next repeats an error, never recovers;
 *   - node parents are defined before their children; a node's module is a known module;
 *   - module ids are non-zero and found by hf_trace_module; symbols come sorted by start;
 *   - allocation events name allocator nodes; events come in non-decreasing key order;
 *   - thread-start and mark events carry text;
 *   - hf_trace_each, on the trace opened again, hands over the same events (every field and
 *     text), then ends with the same status and message.
 * Memory and time limits are libFuzzer's: make fuzz runs it with -rss_limit_mb=2048 -timeout=10.
 * Inputs are mutated by fuzz_mutate.h, which reaches the records inside the deflate data.
 *
 * Built by `make fuzz` (clang, -fsanitize=fuzzer,address,undefined) as $(B)/fuzz/fuzz_reader,
 * and included by tests/unit/test_fuzz_regress.c with HF_FUZZ_REPLAY defined, which replays
 * tests/fuzz/corpus/reader and tests/fuzz/regress/reader through hf_fuzz_reader(). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_mutate.h"
#include "heapfold_trace.h"

int hf_fuzz_reader(const uint8_t *data, size_t size);

static void fzr_fail(const char *what)
{
	fprintf(stderr, "fuzz_reader: broken promise: %s\n", what);
	abort();
}

#define FZR_CHECK(cond) \
	do { \
		if (!(cond)) \
			fzr_fail(#cond); \
	} while (0)

/* Reads every byte of a string the API hands out, so that ASan sees any overrun. */
static size_t fzr_touch(const char *s)
{
	FZR_CHECK(s != NULL);
	return strlen(s);
}

/* The input as a path the reader can open. One memfd serves every run. */
static const char *fzr_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("hf_fuzz_reader", MFD_CLOEXEC);
		if (fd < 0) {
			perror("fuzz_reader: memfd_create");
			abort();
		}
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0) {
		perror("fuzz_reader: ftruncate");
		abort();
	}
	size_t done = 0;
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
		if (n <= 0) {
			perror("fuzz_reader: pwrite");
			abort();
		}
		done += (size_t)n;
	}
	return path;
}

/* opened: the open succeeded (after a failed one the metadata read so far may be queried, but
 * symbols are only sorted by a successful open). */
static void fzr_metadata(const hf_trace *t, int opened)
{
	size_t sink = 0;
	for (size_t i = 0; hf_trace_warning(t, i); i++)
		sink += fzr_touch(hf_trace_warning(t, i));

	const struct hf_trace_info *in = hf_trace_info(t);
	FZR_CHECK(in != NULL);
	sink += fzr_touch(in->exe) + fzr_touch(in->libc) + fzr_touch(in->recorder);
	for (size_t i = 0; i < in->argc; i++)
		sink += fzr_touch(in->argv[i]);
	for (size_t i = 0; i < in->nopt; i++)
		sink += fzr_touch(in->opt_name[i]) + fzr_touch(in->opt_value[i]);

	size_t nmod = hf_trace_module_count(t);
	for (size_t i = 0; i < nmod; i++) {
		const struct hf_module *m = hf_trace_module_at(t, i);
		FZR_CHECK(m != NULL && m->id != 0);
		FZR_CHECK(hf_trace_module(t, m->id) == m);
		sink += fzr_touch(m->path);
		FZR_CHECK((m->build_id == NULL) == (m->build_id_len == 0));
		for (size_t k = 0; k < m->build_id_len; k++)
			sink += m->build_id[k];
		for (size_t k = 0; k < m->nseg; k++)
			sink += (size_t)(m->seg[k].vaddr + m->seg[k].memsz + m->seg[k].flags);
		size_t nsym = 99;
		const struct hf_symbol *sym = hf_trace_symbols(t, m->id, &nsym);
		FZR_CHECK((sym == NULL) == (nsym == 0));
		for (size_t k = 0; k < nsym; k++) {
			sink += fzr_touch(sym[k].name);
			FZR_CHECK(!opened || k == 0 || sym[k - 1].start <= sym[k].start);
		}
	}
	FZR_CHECK(hf_trace_module_at(t, nmod) == NULL);
	FZR_CHECK(hf_trace_module(t, 0) == NULL);

	size_t nnode = hf_trace_node_count(t);
	FZR_CHECK(hf_trace_node(t, 0).frame == 0);
	FZR_CHECK(nnode >= UINT32_MAX || hf_trace_node(t, (uint32_t)nnode + 1).frame == 0);
	for (size_t id = 1; id <= nnode; id++) {
		struct hf_node n = hf_trace_node(t, (uint32_t)id);
		FZR_CHECK(n.frame != 0);
		FZR_CHECK(n.parent < id);
		FZR_CHECK(n.module == 0 || hf_trace_module(t, n.module) != NULL);
		sink += (size_t)n.frame;
	}
	/* Keep the reads. */
	__asm__ volatile("" : : "r"(sink));
}

static int fzr_allocator_node(const hf_trace *t, uint32_t id)
{
	struct hf_node n = hf_trace_node(t, id);
	return n.frame >= HF_FRAME_MALLOC && n.frame <= HF_FRAME_PVALLOC;
}

/* Events folded into one number (every field and the text), and counted. */
struct fzr_digest {
	uint64_t h, n;
};

static void fzr_fold(struct fzr_digest *d, const struct hf_event *ev)
{
	uint64_t f[] = { (uint64_t)ev->type, ev->flags, ev->thread, ev->key, ev->time_ns, ev->ptr,
			 ev->old_ptr, ev->size, ev->node, ev->parent, ev->tid, ev->rss };
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		d->h = (d->h ^ f[i]) * 0x100000001b3ull;
	for (const char *c = ev->text; c && *c; c++)
		d->h = (d->h ^ (unsigned char)*c) * 0x100000001b3ull;
	d->h = (d->h ^ (ev->text != NULL)) * 0x100000001b3ull;
	d->n++;
}

static int fzr_each_one(void *ctx, const struct hf_event *ev)
{
	fzr_fold(ctx, ev);
	return 0;
}

/* The same trace through hf_trace_each: the digest and end of hf_trace_next's reading. */
static void fzr_each(const char *path, const struct fzr_digest *want, int want_rc, const char *want_err)
{
	hf_trace *t = NULL;
	FZR_CHECK(hf_trace_open(path, &t) == HF_TRACE_OK);
	struct fzr_digest d = { 0, 0 };
	int rc = hf_trace_each(t, fzr_each_one, &d);
	FZR_CHECK(rc == want_rc);
	FZR_CHECK(d.n == want->n && d.h == want->h);
	FZR_CHECK(strcmp(hf_trace_error(t), want_err) == 0);
	hf_trace_close(t);
}

static void fzr_events(hf_trace *t, const char *path)
{
	struct hf_event ev;
	struct fzr_digest d = { 0, 0 };
	uint64_t last_key = 0;
	int rc;
	while ((rc = hf_trace_next(t, &ev)) == HF_TRACE_OK) {
		fzr_fold(&d, &ev);
		FZR_CHECK(ev.key >= last_key);
		last_key = ev.key;
		switch (ev.type) {
		case HF_EV_ALLOC:
		case HF_EV_ALLOC_FAILED:
			FZR_CHECK(fzr_allocator_node(t, ev.node));
			break;
		case HF_EV_THREAD_START:
		case HF_EV_MARK:
			fzr_touch(ev.text);
			break;
		case HF_EV_FREE:
		case HF_EV_THREAD_END:
		case HF_EV_SAMPLE:
			break;
		default:
			fzr_fail("unknown event type");
		}
	}
	char err[1024];
	snprintf(err, sizeof err, "%s", hf_trace_error(t));
	fzr_each(path, &d, rc, err);
	if (rc < 0) {
		FZR_CHECK(*hf_trace_error(t) != 0);
		FZR_CHECK(hf_trace_next(t, &ev) == rc); /* errors stick */
	} else {
		FZR_CHECK(rc == HF_TRACE_END);
		rc = hf_trace_next(t, &ev); /* the end is final, though a totals check may fail at it */
		FZR_CHECK(rc == HF_TRACE_END || rc < 0);
	}
}

int hf_fuzz_reader(const uint8_t *data, size_t size)
{
	hf_trace *t = NULL;
	const char *path = fzr_file(data, size);
	int rc = hf_trace_open(path, &t);
	FZR_CHECK(t != NULL); /* only NULL when calloc of the handle failed */
	if (rc < 0) {
		FZR_CHECK(rc >= HF_TRACE_ERR_ARG);
		FZR_CHECK(*hf_trace_error(t) != 0);
		struct hf_event ev;
		FZR_CHECK(hf_trace_next(t, &ev) < 0);
	} else {
		FZR_CHECK(rc == HF_TRACE_OK);
		FZR_CHECK(*hf_trace_error(t) == 0);
	}
	/* What the open read is valid even when it failed later on: query it either way. */
	fzr_metadata(t, rc == HF_TRACE_OK);
	if (rc == HF_TRACE_OK)
		fzr_events(t, path);
	hf_trace_close(t);
	return 0;
}

#ifndef HF_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return hf_fuzz_reader(data, size);
}

/* Structure-aware mutations (fuzz_mutate.h): records inside valid deflate data and CRCs. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return fzm_mutate_trace(data, size, max_size, seed);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t n1, const uint8_t *d2, size_t n2,
				 uint8_t *out, size_t max_out, unsigned int seed)
{
	return fzm_cross_traces(d1, n1, d2, n2, out, max_out, seed);
}
#endif
