/* test_reader_records.c: every record type written by the builder comes back through the
 * public reader API with the same values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hf_codec.h"
#include "hf_events.h"
#include "util_tracegen.h"

/* Allocator nodes used by most tests: main -> work -> malloc / realloc / calloc. */
struct stack {
	uint32_t main_, work, malloc_, realloc_, calloc_;
};

static struct stack basic_stack(struct tg *g)
{
	struct stack s;
	s.main_ = tg_node(g, 0, 0x401000);
	s.work = tg_node(g, s.main_, 0x401200);
	s.malloc_ = tg_node(g, s.work, HF_FRAME_MALLOC);
	s.realloc_ = tg_node(g, s.work, HF_FRAME_REALLOC);
	s.calloc_ = tg_node(g, s.work, HF_FRAME_CALLOC);
	return s;
}

static char *write_trace(struct tg *g, const char *name)
{
	char *path = tg_tmp_path(name);
	tg_write(g, path);
	return path;
}

static void test_header_fields_round_trip(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	tg_close(g, NULL);
	char *path = write_trace(g, "header.gz");
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	const struct hf_trace_info *in = hf_trace_info(t);
	assert_int_equal(in->major, HF_FORMAT_MAJOR);
	assert_int_equal(in->minor, HF_FORMAT_MINOR);
	assert_int_equal(in->pid, 4242);
	assert_int_equal(in->ppid, 1);
	assert_true(in->start_realtime_ns == UINT64_C(1700000000000000000));
	assert_int_equal(in->page_size, 4096);
	assert_int_equal(in->pointer_size, 8);
	assert_int_equal(in->link_mode, HF_LINK_PRELOAD);
	assert_string_equal(in->exe, "/usr/bin/app");
	assert_int_equal(in->argc, 3);
	assert_string_equal(in->argv[0], "./app");
	assert_string_equal(in->argv[2], "8080");
	assert_string_equal(in->libc, "glibc 2.36");
	assert_string_equal(in->recorder, "heapfold 0.1.0");
	assert_int_equal(in->nopt, 2);
	assert_string_equal(in->opt_name[1], "HEAPFOLD_DEPTH");
	assert_string_equal(in->opt_value[1], "64");
	assert_int_equal(in->complete, 1);
	assert_int_equal(in->truncated_bytes, 0);
	assert_int_equal(in->chunks, 1); /* HEADER and CLOSE share the only chunk */
	assert_int_equal(in->streams, 0);
	assert_null(hf_trace_warning(t, 0));
	struct hf_event ev;
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_END);
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_END);
	assert_string_equal(hf_trace_error(t), "");
	hf_trace_close(t);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void expect(const struct hf_event *ev, int type, uint32_t flags, uint64_t key, uint64_t ptr,
		   uint64_t size, uint32_t node)
{
	assert_int_equal(ev->type, type);
	assert_int_equal(ev->flags, flags);
	assert_true(ev->key == key);
	assert_true(ev->ptr == ptr);
	assert_true(ev->size == size);
	assert_int_equal(ev->node, node);
}

static void every_event_record_round_trips(int columns)
{
	struct tg *g = tg_new(NULL);
	tg_set_columns(g, columns);
	struct stack s = basic_stack(g);
	const uint64_t big = (uint64_t)1 << 63;

	tg_set_start_epoch(g, 1, 3);
	tg_thread_start(g, 1, 777, 0, "main");                /* key 6 */
	tg_alloc(g, 1, s.malloc_, 0, 0x7f0000001000);          /* 6 */
	tg_alloc(g, 1, s.malloc_, 127, 0x10);                  /* 6, big negative delta */
	tg_alloc(g, 1, s.calloc_, 128, UINT64_MAX);            /* 6, delta wraps */
	tg_time(g, 1, 1000);
	tg_alloc(g, 1, s.malloc_, big, 0);                     /* 6 */
	tg_free_last(g, 1);                                    /* unit */
	tg_alloc(g, 1, s.malloc_, UINT64_MAX, 0x5000);         /* 6 */
	tg_free(g, 1, 0x10, 3);                                /* key 7, C = 4 */
	tg_epoch(g, 1, 10);                                    /* C = 10 */
	tg_realloc(g, 1, s.realloc_, 300, 0x5000, 0x9000, 12, 15); /* free 25, alloc 30 */
	tg_realloc(g, 1, s.realloc_, 40, 0x9000, 0x8000, 15, 16);  /* free 31, alloc 32 unit */
	tg_free_last(g, 1);
	tg_alloc_failed(g, 1, s.malloc_, UINT64_MAX - 1);      /* 32 */
	tg_time(g, 1, 5);
	tg_mark(g, 1, "phase two");                            /* 32 */
	tg_thread_end(g, 1);                                   /* 32 */
	tg_close(g, NULL);
	char *path = write_trace(g, "events.gz");

	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_string_equal(r.error, "");
	assert_int_equal(r.nev, 14);
	const struct hf_event *e = r.ev;
	assert_int_equal(e[0].type, HF_EV_THREAD_START);
	assert_int_equal(e[0].tid, 777);
	assert_string_equal(e[0].text, "main");
	assert_int_equal(e[0].thread, 1);
	assert_int_equal(e[0].key, 6);
	expect(&e[1], HF_EV_ALLOC, 0, 6, 0x7f0000001000, 0, s.malloc_);
	expect(&e[2], HF_EV_ALLOC, 0, 6, 0x10, 127, s.malloc_);
	expect(&e[3], HF_EV_ALLOC, 0, 6, UINT64_MAX, 128, s.calloc_);
	assert_int_equal(e[3].time_ns, 0);
	expect(&e[4], HF_EV_ALLOC, HF_EVF_UNIT, 6, 0, big, s.malloc_);
	assert_int_equal(e[4].time_ns, 1000);
	expect(&e[5], HF_EV_ALLOC, 0, 6, 0x5000, UINT64_MAX, s.malloc_);
	expect(&e[6], HF_EV_FREE, 0, 7, 0x10, 0, 0);
	expect(&e[7], HF_EV_FREE, HF_EVF_REALLOC, 25, 0x5000, 0, 0);
	expect(&e[8], HF_EV_ALLOC, HF_EVF_REALLOC, 30, 0x9000, 300, s.realloc_);
	assert_true(e[8].old_ptr == 0x5000);
	expect(&e[9], HF_EV_FREE, HF_EVF_REALLOC, 31, 0x9000, 0, 0);
	expect(&e[10], HF_EV_ALLOC, HF_EVF_REALLOC | HF_EVF_UNIT, 32, 0x8000, 40, s.realloc_);
	assert_true(e[10].old_ptr == 0x9000);
	expect(&e[11], HF_EV_ALLOC_FAILED, 0, 32, 0, UINT64_MAX - 1, s.malloc_);
	assert_int_equal(e[12].type, HF_EV_MARK);
	assert_string_equal(e[12].text, "phase two");
	assert_int_equal(e[12].time_ns, 1005);
	assert_int_equal(e[13].type, HF_EV_THREAD_END);
	for (size_t i = 0; i < r.nev; i++)
		assert_int_equal(r.ev[i].thread, 1);
	assert_int_equal(r.info.streams, 1);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_every_event_record_round_trips(void **state)
{
	(void)state;
	every_event_record_round_trips(0);
}

/* The same records in a body of columns (format 4, as the recorder writes them). */
static void test_every_event_record_round_trips_in_columns(void **state)
{
	(void)state;
	every_event_record_round_trips(1);
}

/* Reallocs in place of the block just allocated (format 2): no epoch, no address; every block
 * before the last of a chain is a unit (realloc frees it), the chain keeps its key. */
static void test_realloc_last_chains(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct stack s = basic_stack(g);

	tg_alloc(g, 1, s.calloc_, 10, 0x1000);            /* key 0, unit: a realloc follows */
	tg_realloc_last(g, 1, s.realloc_, 20);            /* unit */
	tg_realloc_last(g, 1, s.realloc_, 40);            /* stays */
	tg_alloc(g, 1, s.malloc_, 5, 0x2000);             /* unit */
	tg_realloc_last(g, 1, s.realloc_, 8);             /* unit: FREE_LAST follows */
	tg_free_last(g, 1);
	tg_realloc(g, 1, s.realloc_, 100, 0x1000, 0x3000, 0, 1); /* free 1, alloc 2, unit */
	tg_realloc_last(g, 1, s.realloc_, 200);           /* key 2, stays */
	tg_free(g, 1, 0x3000, 1);                         /* key 3 */
	tg_close(g, NULL);
	char *path = write_trace(g, "realloc_last.gz");

	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_string_equal(r.error, "");
	assert_int_equal(r.next_rc, HF_TRACE_END); /* CLOSE's totals agree: 8 allocations, 7 frees */
	assert_int_equal(r.nev, 9);
	const struct hf_event *e = r.ev;
	expect(&e[0], HF_EV_ALLOC, HF_EVF_UNIT, 0, 0x1000, 10, s.calloc_);
	expect(&e[1], HF_EV_ALLOC, HF_EVF_REALLOC | HF_EVF_UNIT, 0, 0x1000, 20, s.realloc_);
	assert_true(e[1].old_ptr == 0x1000);
	expect(&e[2], HF_EV_ALLOC, HF_EVF_REALLOC, 0, 0x1000, 40, s.realloc_);
	expect(&e[3], HF_EV_ALLOC, HF_EVF_UNIT, 0, 0x2000, 5, s.malloc_);
	expect(&e[4], HF_EV_ALLOC, HF_EVF_REALLOC | HF_EVF_UNIT, 0, 0x2000, 8, s.realloc_);
	expect(&e[5], HF_EV_FREE, HF_EVF_REALLOC, 1, 0x1000, 0, 0);
	expect(&e[6], HF_EV_ALLOC, HF_EVF_REALLOC | HF_EVF_UNIT, 2, 0x3000, 100, s.realloc_);
	expect(&e[7], HF_EV_ALLOC, HF_EVF_REALLOC, 2, 0x3000, 200, s.realloc_);
	assert_true(e[7].old_ptr == 0x3000);
	expect(&e[8], HF_EV_FREE, 0, 3, 0x3000, 0, 0);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* Format 4: addresses named by their place in the chunk's last frees (ALLOC_RECENT) or
 * allocations (FREE_RECENT); every kind of free and allocation pushes, REALLOC_LAST does not, a
 * new chunk starts empty, and P moves with ALLOC_RECENT but not with FREE_RECENT. */
static void test_recent_addresses_name_the_rings_places(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	tg_set_columns(g, 1);
	struct stack s = basic_stack(g);
	tg_alloc(g, 1, s.malloc_, 8, 0x1000);                   /* A: 1000 */
	tg_alloc(g, 1, s.malloc_, 8, 0x2000);                   /* A: 2000 1000 */
	tg_free_recent(g, 1, 1, 0);                             /* 1000; F: 1000 */
	tg_alloc_recent(g, 1, s.malloc_, 16, 0, 0x1000);        /* 1000; A: 1000 2000 1000 */
	tg_realloc_last(g, 1, s.realloc_, 24);                  /* in place: no push */
	tg_free_last(g, 1);                                     /* 1000; F: 1000 1000 */
	tg_free(g, 1, 0x2000, 1);                               /* F: 2000 1000 1000; P 2000 */
	tg_alloc(g, 1, s.malloc_, 8, 0x3000);                   /* A: 3000 1000 2000 1000 */
	tg_realloc(g, 1, s.realloc_, 32, 0x3000, 0x4000, 2, 3); /* F: 3000 ...; A: 4000 3000 ... */
	tg_alloc_recent(g, 1, s.malloc_, 8, 3, 0x1000);         /* F: 3000 2000 1000 1000 */
	tg_free_recent(g, 1, 1, 4);                             /* A: 1000 4000: 4000 */
	tg_alloc(g, 1, s.malloc_, 8, 0x1010);                   /* delta from P 1000, not 4000 */
	for (unsigned i = 0; i < 20; i++)                       /* the ring keeps the last 16 */
		tg_alloc(g, 1, s.malloc_, 8, 0x10000 + 16 * i);
	tg_free_recent(g, 1, 15, 5);                            /* the 5th of the 20 */
	tg_flush(g, 1);
	tg_alloc(g, 1, s.malloc_, 8, 0x5000);                   /* a new chunk: empty rings */
	tg_free_recent(g, 1, 0, 6);
	tg_close(g, NULL);
	char *path = write_trace(g, "recent.gz");

	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_string_equal(r.error, "");
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	const uint64_t want[] = { 0x1000, 0x2000, 0x1000, 0x1000, 0x1000, 0x2000,
				  0x3000, 0x3000, 0x4000, 0x1000, 0x4000, 0x1010 };
	const size_t nw = sizeof want / sizeof want[0];
	assert_int_equal(r.nev, nw + 20 + 1 + 2);
	for (size_t i = 0; i < nw; i++)
		assert_true(r.ev[i].ptr == want[i]);
	assert_int_equal(r.ev[2].type, HF_EV_FREE);
	assert_int_equal(r.ev[3].type, HF_EV_ALLOC);
	assert_int_equal(r.ev[3].size, 16);
	assert_int_equal(r.ev[3].flags, HF_EVF_UNIT);
	assert_int_equal(r.ev[4].flags, HF_EVF_REALLOC | HF_EVF_UNIT);
	assert_int_equal(r.ev[10].type, HF_EV_FREE);
	assert_true(r.ev[nw + 20].ptr == 0x10000 + 16 * 4);
	assert_true(r.ev[nw + 22].ptr == 0x5000);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* Format 5: ALLOC_RECENT's place 16 names the address of the chunk's last ALLOC or
 * ALLOC_RECENT whose size was in the same 16-byte class (slot: class % 64); REALLOC and frees do
 * not set it, classes 64 apart share a slot, and a new chunk starts with empty slots. */
static void test_class_slot_names_the_last_allocation_of_a_size_class(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	tg_set_columns(g, 1);
	struct stack s = basic_stack(g);
	/* Classes, (size + 23) >> 4: 90 to 104 are 7, 105 to 120 are 8, 1124 is 71 (slot 7 again). */
	tg_alloc(g, 1, s.malloc_, 100, 0x1000);                    /* K7 1000 */
	tg_alloc(g, 1, s.malloc_, 109, 0x2000);                    /* K8 2000 */
	tg_alloc_recent(g, 1, s.malloc_, 104, HF_PLACE_CLASS, 0x1000); /* K7: 1000 */
	tg_alloc_recent(g, 1, s.malloc_, 109, HF_PLACE_CLASS, 0x2000); /* K8, set by ALLOC */
	tg_realloc(g, 1, s.realloc_, 100, 0x2000, 0x3000, 0, 1);  /* K7 stays 1000 */
	tg_alloc_recent(g, 1, s.malloc_, 100, HF_PLACE_CLASS, 0x1000);
	tg_alloc(g, 1, s.malloc_, 1124, 0x4000);                   /* slot 7: 4000 */
	tg_alloc_recent(g, 1, s.malloc_, 90, HF_PLACE_CLASS, 0x4000);
	tg_alloc_recent(g, 1, s.malloc_, 91, 0, 0x2000);           /* F's place 0: realloc's old */
	tg_flush(g, 1);
	tg_alloc(g, 1, s.malloc_, 100, 0x5000);
	tg_close(g, NULL);
	char *path = write_trace(g, "classes.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_string_equal(r.error, "");
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	const uint64_t want[] = { 0x1000, 0x2000, 0x1000, 0x2000, 0x2000, 0x3000, /* realloc: free, alloc */
				  0x1000, 0x4000, 0x4000, 0x2000, 0x5000 };
	const size_t nw = sizeof want / sizeof want[0];
	assert_int_equal(r.nev, nw);
	for (size_t i = 0; i < nw; i++)
		assert_true(r.ev[i].ptr == want[i]);
	assert_int_equal(r.ev[2].size, 104);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* Format 6: ALLOC_AT and FREE_AT are ALLOC_RECENT and FREE_RECENT with the place in the tag,
 * places 0 to 16 and 0 to 15; FREE_AT frees at the stream's epoch C, which an EPOCH before it
 * moves; FREE_LAST follows ALLOC_AT as any allocation. */
static void test_places_in_the_tag_name_the_same_addresses(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	tg_set_columns(g, 1);
	struct stack s = basic_stack(g);
	tg_alloc(g, 1, s.malloc_, 8, 0x1000);                       /* A: 1000 */
	tg_alloc(g, 1, s.malloc_, 8, 0x2000);                       /* A: 2000 1000 */
	tg_free_at(g, 1, 1);                                        /* 1000 at C 0; F: 1000 */
	tg_alloc_at(g, 1, s.malloc_, 16, 0, 0x1000);                /* F's place 0 */
	tg_epoch(g, 1, 5);
	tg_free_at(g, 1, 1);                                        /* A: 1000 2000 ..: 2000 at 5 */
	tg_alloc(g, 1, s.malloc_, 100, 0x3000);                     /* class 7: K7 3000 */
	tg_free_last(g, 1);                                         /* one event with it */
	tg_alloc_at(g, 1, s.malloc_, 104, HF_PLACE_CLASS, 0x3000); /* class 7 again */
	for (unsigned i = 0; i < 20; i++)
		tg_alloc(g, 1, s.malloc_, 8, 0x10000 + 16 * i);
	tg_free_at(g, 1, HF_RECENT_N - 1);                          /* the 5th of the 20 */
	tg_close(g, NULL);
	char *path = write_trace(g, "at.gz");

	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_string_equal(r.error, "");
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	const struct {
		int type;
		uint64_t ptr, key;
	} want[] = { { HF_EV_ALLOC, 0x1000, 0 }, { HF_EV_ALLOC, 0x2000, 0 }, { HF_EV_FREE, 0x1000, 1 },
		     { HF_EV_ALLOC, 0x1000, 2 }, { HF_EV_FREE, 0x2000, 11 }, { HF_EV_ALLOC, 0x3000, 12 },
		     { HF_EV_ALLOC, 0x3000, 12 } };
	const size_t nw = sizeof want / sizeof want[0];
	assert_int_equal(r.nev, nw + 20 + 1);
	for (size_t i = 0; i < nw; i++) {
		assert_int_equal(r.ev[i].type, want[i].type);
		assert_true(r.ev[i].ptr == want[i].ptr);
		assert_int_equal(r.ev[i].key, want[i].key);
	}
	assert_int_equal(r.ev[3].size, 16);
	assert_int_equal(r.ev[5].flags, HF_EVF_UNIT); /* freed by the FREE_LAST after it */
	assert_int_equal(r.ev[6].size, 104);
	assert_true(r.ev[nw + 20].ptr == 0x10000 + 16 * 4);
	assert_int_equal(r.ev[nw + 20].key, 2 * 6 + 1);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* Format 4's size codes: a size is written as its difference from the last one in its node's
 * slot when that slot holds the same node. Nodes 64 apart share a slot and take turns; sizes
 * wrap around 2^64 and back; a new chunk starts with empty slots. */
static void test_size_codes_follow_each_nodes_last_size(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	tg_set_columns(g, 1);
	uint32_t main_ = tg_node(g, 0, 0x401000), node[70];
	for (unsigned i = 0; i < 70; i++)
		node[i] = tg_node(g, main_, HF_FRAME_MALLOC);
	assert_int_equal(node[64] - node[0], 64);
	const struct {
		unsigned n;
		uint64_t size;
	} seq[] = { { 0, 100 }, { 0, 101 }, { 64, 7 }, { 0, 99 }, { 64, 7 }, { 1, UINT64_MAX },
		    { 1, 0 }, { 1, UINT64_MAX }, { 65, 1 }, { 1, 5 }, { 0, 99 } };
	const size_t n = sizeof seq / sizeof seq[0];
	for (size_t i = 0; i < n; i++) {
		tg_alloc(g, 1, node[seq[i].n], seq[i].size, 0x10000 + 0x100 * i);
		if (i == 6)
			tg_flush(g, 1);
	}
	tg_close(g, NULL);
	char *path = write_trace(g, "sizes.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_string_equal(r.error, "");
	assert_int_equal(r.nev, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(r.ev[i].size == seq[i].size);
		assert_int_equal(r.ev[i].node, node[seq[i].n]);
	}
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_modules_resolve_node_frames_at_definition_time(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	const struct hf_segment exe_seg[] = { { 0, 0x1000, 4 }, { 0x1000, 0x5000, 5 }, { 0x7000, 0x2000, 6 } };
	const struct hf_segment lib_seg[] = { { 0, 0x20000, 5 } };
	const uint8_t bid[] = { 0xde, 0xad, 0xbe, 0xef };
	tg_module(g, 1, "/usr/bin/app", bid, sizeof bid, 0x555555554000, 3, exe_seg);
	tg_module(g, 7, "/lib/libc.so.6", NULL, 0, 0x7f0000000000, 1, lib_seg);
	tg_module(g, 9, "", NULL, 0, 0x7fff00000000, 1, lib_seg); /* the vdso */
	uint32_t n_exe = tg_node(g, 0, 0x555555555100);
	uint32_t n_gap = tg_node(g, n_exe, 0x555555554000 + 0x6800); /* between segments */
	uint32_t n_lib = tg_node(g, n_gap, 0x7f0000010000);
	uint32_t n_none = tg_node(g, 0, 0x1000);
	tg_module_unload(g, 7);
	uint32_t n_after = tg_node(g, 0, 0x7f0000010000);
	tg_module(g, 8, "/opt/plugin.so", NULL, 0, 0x7f0000000000, 1, lib_seg); /* same address */
	uint32_t n_plugin = tg_node(g, 0, 0x7f0000010000);
	uint32_t n_end = tg_node(g, 0, 0x555555554000 + 0x9000);      /* one past the last segment */
	uint32_t n_pseudo = tg_node(g, n_plugin, HF_FRAME_MALLOC);
	const struct hf_symbol syms[] = { { 0x1100, 0x40, "main" }, { 0x1200, 0x10, "work" } };
	tg_symbols(g, 1, 2, syms);
	tg_close(g, NULL);
	char *path = write_trace(g, "modules.gz");

	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	assert_int_equal(hf_trace_node_count(t), 8);
	assert_int_equal(hf_trace_node(t, n_exe).module, 1);
	assert_int_equal(hf_trace_node(t, n_gap).module, 0);
	assert_int_equal(hf_trace_node(t, n_gap).parent, n_exe);
	assert_int_equal(hf_trace_node(t, n_lib).module, 7);
	assert_int_equal(hf_trace_node(t, n_none).module, 0);
	assert_int_equal(hf_trace_node(t, n_after).module, 0);
	assert_int_equal(hf_trace_node(t, n_plugin).module, 8);
	assert_int_equal(hf_trace_node(t, n_end).module, 0);
	assert_int_equal(hf_trace_node(t, n_pseudo).module, 0);
	assert_true(hf_trace_node(t, n_pseudo).frame == HF_FRAME_MALLOC);
	assert_true(hf_trace_node(t, 0).frame == 0);
	assert_true(hf_trace_node(t, 9).frame == 0);

	assert_int_equal(hf_trace_module_count(t), 4);
	const struct hf_module *m = hf_trace_module(t, 1);
	assert_non_null(m);
	assert_string_equal(m->path, "/usr/bin/app");
	assert_int_equal(m->build_id_len, 4);
	assert_memory_equal(m->build_id, bid, 4);
	assert_true(m->bias == 0x555555554000);
	assert_int_equal(m->nseg, 3);
	assert_true(m->seg[2].vaddr == 0x7000 && m->seg[2].memsz == 0x2000 && m->seg[2].flags == 6);
	assert_int_equal(m->unloaded, 0);
	assert_int_equal(hf_trace_module(t, 7)->unloaded, 1);
	assert_null(hf_trace_module(t, 7)->build_id);
	assert_string_equal(hf_trace_module(t, 9)->path, "");
	assert_null(hf_trace_module(t, 2));
	assert_ptr_equal(hf_trace_module_at(t, 3), hf_trace_module(t, 8));
	assert_null(hf_trace_module_at(t, 4));

	size_t n;
	const struct hf_symbol *sym = hf_trace_symbols(t, 1, &n);
	assert_int_equal(n, 2);
	assert_string_equal(sym[0].name, "main");
	assert_true(sym[1].start == 0x1200 && sym[1].size == 0x10);
	assert_null(hf_trace_symbols(t, 7, &n));
	assert_int_equal(n, 0);
	hf_trace_close(t);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_symbols_from_several_records_are_sorted(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	const struct hf_segment seg[] = { { 0, 0x10000, 5 } };
	tg_module(g, 3, "/bin/static", NULL, 0, 0, 1, seg);
	const struct hf_symbol a[] = { { 0x500, 8, "e" }, { 0x600, 8, "f" } };
	const struct hf_symbol b[] = { { 0x100, 8, "a" }, { 0x550, 8, "e2" } };
	tg_symbols(g, 3, 2, a);
	tg_symbols(g, 3, 2, b);
	tg_close(g, NULL);
	char *path = write_trace(g, "symbols.gz");
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	size_t n;
	const struct hf_symbol *s = hf_trace_symbols(t, 3, &n);
	assert_int_equal(n, 4);
	assert_string_equal(s[0].name, "a");
	assert_string_equal(s[1].name, "e");
	assert_string_equal(s[2].name, "e2");
	assert_string_equal(s[3].name, "f");
	hf_trace_close(t);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_samples_merge_with_thread_events_by_key(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct stack s = basic_stack(g);
	tg_sample(g, 0, 10, 1000);          /* key 0 */
	tg_flush(g, 0);
	tg_alloc(g, 1, s.malloc_, 8, 0x1000); /* key 0 */
	tg_free(g, 1, 0x1000, 2);             /* key 5 */
	tg_epoch(g, 1, 9);
	tg_alloc(g, 1, s.malloc_, 8, 0x2000); /* key 18 */
	tg_flush(g, 1);
	tg_sample(g, 3, 10, 2000);          /* key 6 */
	tg_sample(g, 20, 10, 3000);         /* key 40 */
	tg_close(g, NULL);
	char *path = write_trace(g, "samples.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.nev, 6);
	assert_int_equal(r.ev[0].type, HF_EV_SAMPLE); /* equal keys: stream 0 first */
	assert_int_equal(r.ev[0].thread, 0);
	assert_int_equal(r.ev[0].rss, 1000);
	assert_int_equal(r.ev[0].time_ns, 10);
	assert_int_equal(r.ev[1].type, HF_EV_ALLOC);
	assert_int_equal(r.ev[2].type, HF_EV_FREE);
	assert_int_equal(r.ev[3].type, HF_EV_SAMPLE);
	assert_int_equal(r.ev[3].rss, 2000);
	assert_int_equal(r.ev[3].time_ns, 20);
	assert_int_equal(r.ev[4].type, HF_EV_ALLOC);
	assert_int_equal(r.ev[5].type, HF_EV_SAMPLE);
	assert_int_equal(r.ev[5].key, 40);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* A 10,000-deep stack reads back whole; hf_trace_drop_nodes then frees the nodes. */
static void test_deep_stack_of_10000_nodes_reads_back(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	uint32_t id = 0;
	for (int i = 0; i < 10000; i++)
		id = tg_node(g, id, 0x400000 + 16 * (uint64_t)i);
	uint32_t leaf = tg_node(g, id, HF_FRAME_MALLOC);
	tg_alloc(g, 1, leaf, 1, 0x1000);
	tg_close(g, NULL);
	char *path = write_trace(g, "deep.gz");
	hf_trace *t;
	assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
	assert_int_equal(hf_trace_node_count(t), 10001);
	size_t depth = 0;
	for (uint32_t n = leaf; n; n = hf_trace_node(t, n).parent)
		depth++;
	assert_int_equal(depth, 10001);
	assert_true(hf_trace_node(t, 1).frame == 0x400000);
	struct hf_event ev;
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_OK);
	assert_int_equal(ev.node, leaf);
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_END);
	/* Done with the nodes: they go, the count and the rest of the trace stay. */
	hf_trace_drop_nodes(t);
	assert_true(hf_trace_node(t, 1).frame == 0);
	assert_true(hf_trace_node(t, leaf).frame == 0);
	assert_int_equal(hf_trace_node_count(t), 10001);
	assert_int_equal(hf_trace_info(t)->close.nodes, 10001);
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_END);
	hf_trace_drop_nodes(t); /* twice is harmless */
	hf_trace_close(t);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* A tree with every shape NODE's format 3 encoding distinguishes, written as format 2 (absolute
 * fields) and 3 (relative to the node's id and its parent's frame): both read back the same. */
static void test_nodes_of_formats_2_and_3_read_the_same(void **state)
{
	(void)state;
	const struct {
		uint32_t parent;
		uint64_t frame;
	} tree[] = {
		{ 0, 0x7f0000401000 },                  /* 1: a root frame */
		{ 1, 0x7f0000401020 },                  /* 2: just after its parent's frame */
		{ 2, 0x401000 },                        /* 3: far below it (negative difference) */
		{ 3, HF_FRAME_MALLOC },                 /* 4: allocator leaf */
		{ 0, HF_FRAME_TRUNCATED_DEPTH },        /* 5: a truncated stack's root */
		{ 5, 0x402000 },                        /* 6: under a pseudo-frame: absolute */
		{ 1, 0xffffffffffff0000 },              /* 7: far above, distance 6 up */
		{ 7, HF_FRAME_CALLOC },                 /* 8 */
		{ 6, UINT64_MAX },                      /* 9: the largest address */
		{ 9, HF_FRAME_MALLOC },                 /* 10 */
	};
	const size_t n = sizeof tree / sizeof tree[0];
	for (unsigned major = 2; major <= 3; major++) {
		struct tg_header h;
		tg_header_defaults(&h);
		h.major = major;
		struct tg *g = tg_new(&h);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(tg_node(g, tree[i].parent, tree[i].frame), i + 1);
		tg_alloc(g, 1, 10, 8, 0x1000);
		tg_close(g, NULL);
		char *path = write_trace(g, "nodes.gz");
		hf_trace *t;
		assert_int_equal(hf_trace_open(path, &t), HF_TRACE_OK);
		assert_int_equal(hf_trace_info(t)->major, major);
		assert_int_equal(hf_trace_node_count(t), n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(hf_trace_node(t, (uint32_t)i + 1).parent, tree[i].parent);
			assert_true(hf_trace_node(t, (uint32_t)i + 1).frame == tree[i].frame);
		}
		hf_trace_close(t);
		tg_destroy(g);
		unlink(path);
		free(path);
	}
}

static void test_unknown_sized_records_and_newer_minor_are_read(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct stack s = basic_stack(g);
	const uint8_t unknown_meta[] = { 0x6f, 3, 1, 2, 3 };
	const uint8_t unknown_event[] = { 0x7f, 0 };
	tg_raw(g, 0, unknown_meta, sizeof unknown_meta, 1);
	tg_alloc(g, 1, s.malloc_, 5, 0x1000);
	tg_raw(g, 1, unknown_event, sizeof unknown_event, 1);
	tg_free(g, 1, 0x1000, 0);
	tg_close(g, NULL);
	for (size_t i = 0; i < tg_member_count(g); i++) {
		tg_patch_u8(g, i, 1, 9);     /* minor 9 */
		tg_patch_u8(g, i, 3, 0xfe);  /* unknown flags (bit 0 says columns) */
	}
	char *path = write_trace(g, "minor.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.nev, 2);
	assert_int_equal(r.ev[1].type, HF_EV_FREE);
	assert_int_equal(r.ev[1].ptr, 0x1000);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_known_sized_record_with_extra_bytes_is_read(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct stack s = basic_stack(g);
	/* A MARK with two bytes a newer minor version appended: the label, then ignored bytes. */
	const uint8_t mark[] = { HF_TAG_MARK, 5, 2, 'h', 'i', 0xaa, 0xbb };
	tg_alloc(g, 1, s.malloc_, 5, 0x1000);
	tg_raw(g, 1, mark, sizeof mark, 1);
	tg_close(g, NULL);
	char *path = write_trace(g, "extra.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_int_equal(r.nev, 2);
	assert_int_equal(r.ev[1].type, HF_EV_MARK);
	assert_string_equal(r.ev[1].text, "hi");
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_empty_chunks_are_valid(void **state)
{
	(void)state;
	struct tg *g = tg_new(NULL);
	struct stack s = basic_stack(g);
	tg_flush(g, 0);
	tg_flush_empty(g, 1);
	tg_alloc(g, 1, s.malloc_, 5, 0x1000);
	tg_flush(g, 1);
	tg_flush_empty(g, 1);
	tg_flush_empty(g, 0);
	tg_close(g, NULL);
	char *path = write_trace(g, "empty.gz");
	struct tg_read r;
	tg_read_all(path, &r, 100);
	assert_int_equal(r.next_rc, HF_TRACE_END);
	assert_string_equal(r.error, "");
	assert_int_equal(r.nev, 1);
	tg_read_free(&r);
	tg_destroy(g);
	unlink(path);
	free(path);
}

/* The sampling rate of HEADER (format 1.2 and 2), and of an older trace's options (1.1). */
static void sampled_header(unsigned major, unsigned minor, uint64_t sample_bytes, const char *opt, int drop_field,
			   struct tg_read *r)
{
	struct tg_header h;
	tg_header_defaults(&h);
	const char *const on[] = { "OUTPUT", "SAMPLE_BYTES" };
	const char *const ov[] = { "trace.gz", opt };
	h.major = major;
	h.minor = minor;
	h.sample_bytes = sample_bytes;
	h.opt_name = on;
	h.opt_value = ov;
	h.no_sample_bytes = drop_field;
	struct tg *g = tg_new(&h);
	tg_close(g, NULL);
	char *path = write_trace(g, "sampled.gz");
	tg_read_all(path, r, 100);
	tg_destroy(g);
	unlink(path);
	free(path);
}

static void test_sampling_rate_in_header(void **state)
{
	(void)state;
	struct tg_read r;
	sampled_header(HF_FORMAT_MAJOR, HF_FORMAT_MINOR, 4096, "0", 0, &r); /* format 2: the field */
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_true(r.info.sample_bytes == 4096);
	tg_read_free(&r);
	sampled_header(1, 2, 524288, "0", 0, &r); /* the field decides, not the option */
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_int_equal(r.info.minor, 2);
	assert_true(r.info.sample_bytes == 524288);
	tg_read_free(&r);
	sampled_header(1, 2, 0, "4096", 0, &r);
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_true(r.info.sample_bytes == 0);
	tg_read_free(&r);
	sampled_header(1, 1, 0, "4096", 0, &r); /* minor 1: from the option */
	assert_int_equal(r.open_rc, HF_TRACE_OK);
	assert_true(r.info.sample_bytes == 4096);
	tg_read_free(&r);
	sampled_header(1, 1, 0, "0", 0, &r);
	assert_true(r.info.sample_bytes == 0);
	tg_read_free(&r);
	sampled_header(1, 2, 4096, "0", 1, &r); /* minor 2 without the field */
	assert_int_equal(r.open_rc, HF_TRACE_ERR_CORRUPT);
	assert_non_null(strstr(r.error, "truncated or invalid field"));
	tg_read_free(&r);
	sampled_header(1, 2, HF_SAMPLE_BYTES_MAX + 1, "0", 0, &r);
	assert_int_equal(r.open_rc, HF_TRACE_ERR_CORRUPT);
	assert_non_null(strstr(r.error, "sampling rate out of range"));
	tg_read_free(&r);
}

static void test_api_tolerates_null_arguments(void **state)
{
	(void)state;
	hf_trace *t = NULL;
	struct hf_event ev;
	assert_int_equal(hf_trace_open("x", NULL), HF_TRACE_ERR_ARG);
	assert_int_equal(hf_trace_open(NULL, &t), HF_TRACE_ERR_ARG);
	assert_non_null(t);
	assert_string_not_equal(hf_trace_error(t), "");
	hf_trace_close(t);
	assert_int_equal(hf_trace_next(NULL, &ev), HF_TRACE_ERR_ARG);
	assert_null(hf_trace_info(NULL));
	assert_null(hf_trace_warning(NULL, 0));
	assert_int_equal(hf_trace_node_count(NULL), 0);
	hf_trace_drop_nodes(NULL);
	hf_trace_close(NULL);
	assert_int_equal(hf_trace_open("/nonexistent/heapfold/trace.gz", &t), HF_TRACE_ERR_IO);
	assert_non_null(strstr(hf_trace_error(t), "cannot open /nonexistent/heapfold/trace.gz"));
	assert_int_equal(hf_trace_next(t, &ev), HF_TRACE_ERR_IO);
	hf_trace_close(t);
	assert_int_equal(hf_trace_open("/", &t), HF_TRACE_ERR_ARG);
	hf_trace_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_fields_round_trip),
		cmocka_unit_test(test_every_event_record_round_trips),
		cmocka_unit_test(test_every_event_record_round_trips_in_columns),
		cmocka_unit_test(test_realloc_last_chains),
		cmocka_unit_test(test_recent_addresses_name_the_rings_places),
		cmocka_unit_test(test_class_slot_names_the_last_allocation_of_a_size_class),
		cmocka_unit_test(test_places_in_the_tag_name_the_same_addresses),
		cmocka_unit_test(test_size_codes_follow_each_nodes_last_size),
		cmocka_unit_test(test_modules_resolve_node_frames_at_definition_time),
		cmocka_unit_test(test_symbols_from_several_records_are_sorted),
		cmocka_unit_test(test_samples_merge_with_thread_events_by_key),
		cmocka_unit_test(test_deep_stack_of_10000_nodes_reads_back),
		cmocka_unit_test(test_nodes_of_formats_2_and_3_read_the_same),
		cmocka_unit_test(test_unknown_sized_records_and_newer_minor_are_read),
		cmocka_unit_test(test_known_sized_record_with_extra_bytes_is_read),
		cmocka_unit_test(test_empty_chunks_are_valid),
		cmocka_unit_test(test_sampling_rate_in_header),
		cmocka_unit_test(test_api_tolerates_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
