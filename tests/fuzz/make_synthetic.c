/* make_synthetic.c: writes the seed tests/fuzz/corpus/reader/synthetic_all_records.gz, a trace
 * holding every record type of format.md, several of each kind of chunk, which real recordings of
 * the test programs lack (SYMBOLS, MODULE_UNLOAD, a module loaded late, MARK, ALLOC_FAILED,
 * REALLOC, ALLOC_RECENT, FREE_RECENT, ALLOC_AT, FREE_AT, frees across threads, truncation pseudo-frames, an unknown
 * sized record), its thread chunks in columns. Built and
 * run by tests/fuzz/make_corpus.sh with the test trace builder (tests/unit/util_tracegen.c).
 *   make_synthetic OUTPUT */
#include <stdio.h>

#include "hf_codec.h"
#include "util_tracegen.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_synthetic OUTPUT\n");
		return 2;
	}
	struct tg_header h;
	tg_header_defaults(&h);
	const char *args[] = { "./app", "--serve", "8080" };
	const char *names[] = { "MAX_DEPTH", "UNWIND" }, *values[] = { "64", "fp" };
	h.exe = "/usr/local/bin/app";
	h.argc = 3;
	h.argv = args;
	h.nopt = 2;
	h.opt_name = names;
	h.opt_value = values;
	struct tg *g = tg_new(&h);
	tg_set_columns(g, 1); /* thread chunks as the recorder writes them */

	const struct hf_segment exe_seg[] = { { 0, 0x1000, 4 }, { 0x1000, 0x5000, 5 }, { 0x7000, 0x2000, 6 } };
	const struct hf_segment lib_seg[] = { { 0, 0x20000, 5 } };
	const uint8_t bid[] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04 };
	tg_module(g, 1, "/usr/local/bin/app", bid, sizeof bid, 0x555555554000, 3, exe_seg);
	tg_module(g, 7, "/lib/libc.so.6", NULL, 0, 0x7f0000000000, 1, lib_seg);
	tg_module(g, 9, "", NULL, 0, 0x7fff00000000, 1, lib_seg); /* the vdso */
	/* Frames are return addresses: the symbol holding frame - 1 names them. */
	uint32_t main_ = tg_node(g, 0, 0x555555555141);
	uint32_t work = tg_node(g, main_, 0x555555555231);
	uint32_t in_libc = tg_node(g, work, 0x7f0000010040);
	uint32_t malloc_ = tg_node(g, work, HF_FRAME_MALLOC);
	uint32_t calloc_ = tg_node(g, in_libc, HF_FRAME_CALLOC);
	uint32_t realloc_ = tg_node(g, work, HF_FRAME_REALLOC);
	uint32_t deep = tg_node(g, tg_node(g, 0, HF_FRAME_TRUNCATED_DEPTH), 0x555555555301);
	uint32_t memalign_ = tg_node(g, deep, HF_FRAME_MEMALIGN);
	uint32_t noinfo = tg_node(g, tg_node(g, 0, HF_FRAME_TRUNCATED_NOINFO), 0x7f0000010100);
	uint32_t valloc_ = tg_node(g, noinfo, HF_FRAME_VALLOC);
	/* Ascending within a record (starts are deltas), not across records: the reader sorts. */
	const struct hf_symbol syms[] = { { 0x1230, 0x40, "work" }, { 0x1300, 0x10, "_ZN2ns4deepEv" } };
	const struct hf_symbol more[] = { { 0x1100, 0x60, "main" }, { 0x1100, 0, "main_alias" } };
	/* Names the folded output must escape (hfp_folded.c): UTF-8, invalid UTF-8, controls, ';',
	 * a trailing " <number>", spaces. */
	const struct hf_symbol odd[] = {
		{ 0x2000, 0x10, "na\xc3\xafve_\xe2\x82\xac_\xf0\x9f\x94\xa5" },
		{ 0x2010, 0x10, "bad\xff\xfe\xc3utf8\xed\xa0\x80" },
		{ 0x2020, 0x10, "tab\there\x7f\xc2\x85" },
		{ 0x2030, 0x10, "has;semi;colons" },
		{ 0x2040, 0x10, "  ends 123" },
		{ 0x2050, 0x10, "operator<< <std::string> 1.5" },
	};
	tg_symbols(g, 1, 2, syms);
	tg_symbols(g, 1, 2, more);
	tg_symbols(g, 1, sizeof odd / sizeof odd[0], odd);
	uint32_t odd_leaf = main_;
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
		odd_leaf = tg_node(g, odd_leaf, 0x555555554000 + odd[i].start + 1);
	uint32_t odd_malloc = tg_node(g, odd_leaf, HF_FRAME_MALLOC);
	tg_sample(g, 0, 1000, 1 << 20);
	tg_flush(g, 0);

	tg_thread_start(g, 1, 4242, 0, "main");
	tg_alloc(g, 1, malloc_, 100, 0x5000);
	tg_alloc(g, 1, calloc_, 400, 0x6000);
	tg_free_last(g, 1);
	tg_time(g, 1, 5000);
	tg_mark(g, 1, "startup done");
	tg_alloc(g, 1, realloc_, 64, 0x7000);
	tg_realloc(g, 1, realloc_, 128, 0x7000, 0x7100, 0, 1);
	tg_realloc_last(g, 1, realloc_, 160); /* in place: 0x7100 stays */
	tg_alloc(g, 1, calloc_, 8, 0x7400);
	tg_realloc_last(g, 1, realloc_, 24);
	tg_free_last(g, 1);
	tg_alloc_failed(g, 1, malloc_, UINT64_MAX / 2);
	tg_alloc(g, 1, memalign_, 4096, 0x10000);
	tg_alloc(g, 1, odd_malloc, 24, 0x11000);
	tg_free_recent(g, 1, 0, tg_epoch_of(g, 1));     /* 0x11000, the newest allocation */
	tg_alloc_recent(g, 1, malloc_, 24, 0, 0x11000); /* the newest free, again */
	tg_free_recent(g, 1, 0, tg_epoch_of(g, 1));
	tg_alloc_recent(g, 1, malloc_, 20, 16, 0x11000); /* its size class's last (format 5) */
	tg_free_at(g, 1, 0);                              /* format 6: the place in the tag */
	tg_alloc_at(g, 1, malloc_, 24, 0, 0x11000);
	tg_free_last(g, 1);
	tg_alloc_at(g, 1, malloc_, 22, 16, 0x11000);
	tg_epoch(g, 1, tg_epoch_of(g, 1) + 3);
	tg_free_at(g, 1, 0);
	const uint8_t unknown[] = { 0x7e, 0x02, 0xaa, 0xbb }; /* a sized record of a newer minor */
	tg_raw(g, 1, unknown, sizeof unknown, 1);
	tg_flush(g, 1);

	tg_thread_start(g, 2, 4243, 1, "worker");
	tg_epoch(g, 2, 2);
	tg_alloc(g, 2, valloc_, 8192, 0x20000);
	tg_free(g, 2, 0x5000, 2); /* allocated by thread 1 */
	tg_time(g, 2, 100);
	tg_realloc(g, 2, realloc_, 256, 0x7100, 0x7200, 3, 4); /* thread 1's block */
	tg_free_last(g, 2);
	tg_flush(g, 2);

	tg_module_unload(g, 7);
	tg_module(g, 8, "/opt/plugin.so", bid, 4, 0x7f0000000000, 1, lib_seg); /* dlopen, same place */
	uint32_t plugin = tg_node(g, tg_node(g, main_, 0x7f0000000400), HF_FRAME_ALIGNED_ALLOC);
	tg_sample(g, 5, 2000, 2 << 20);
	tg_flush(g, 0);

	tg_alloc(g, 2, plugin, 48, 0x30000);
	tg_free(g, 2, 0x10000, 6);
	tg_thread_end(g, 2);
	tg_alloc(g, 1, plugin, 16, 0x40000);
	tg_free(g, 1, 0x6000 + 0x1000000, 8); /* never allocated: an unmatched free */
	tg_mark(g, 1, "shutdown");
	tg_thread_end(g, 1);
	tg_close(g, NULL);
	tg_write(g, argv[1]);
	tg_destroy(g);
	return 0;
}
