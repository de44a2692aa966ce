/* test_print_symbol.c: offline symbolization (symbol/hfp_symbol.c) of return addresses taken in
 * this very binary, described to the symbolizer the way a trace's module map describes it:
 * static functions, inlined frames in caller-to-callee order with their lines, a build-id
 * mismatch that is refused with one warning, a moved binary found through --debug-path, debug
 * sections stored compressed, addresses symbolized ahead by the prefetch thread, SYMBOLS
 * records when no binary is found, and demangling. */
#include <inttypes.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/print/core/hfp_warn.h"
#include "../../tools/print/symbol/hfp_demangle.h"
#include "../../tools/print/symbol/hfp_symbol.h"

/* ---- code whose return addresses we symbolize ---- */

static __attribute__((noinline)) uintptr_t ret_addr(void)
{
	return (uintptr_t)__builtin_return_address(0);
}

/* volatile keeps the call from becoming a tail call (the return address would then be in the
 * caller's caller). */
enum { STATIC_CALL_LINE = __LINE__ + 3 };
static __attribute__((noinline)) uintptr_t static_function(void)
{
	volatile uintptr_t r = ret_addr();
	return r;
}

enum { INLINED_CALL_LINE = __LINE__ + 3 };
static inline __attribute__((always_inline)) uintptr_t inlined_leaf(void)
{
	volatile uintptr_t r = ret_addr();
	return r;
}

enum { OUTER_CALL_LINE = __LINE__ + 3 };
static __attribute__((noinline)) uintptr_t outer_function(void)
{
	volatile uintptr_t r = inlined_leaf();
	return r;
}

/* ---- the module map of this process, as the recorder would write it ---- */

static char exe[4096];
static uint64_t exe_bias;
static uint8_t exe_id[64];
static size_t exe_id_len;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	exe_bias = info->dlpi_addr; /* the first object is the executable */
	return 1;
}

static int setup(void **state)
{
	(void)state;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	assert_true(n > 0);
	exe[n] = 0;
	dl_iterate_phdr(first_object, NULL);
	long k = hfp_file_build_id(exe, exe_id, sizeof exe_id);
	assert_true(k > 0); /* the Makefile links with a build-id (gcc's default on Debian) */
	exe_id_len = (size_t)k;
	return 0;
}

struct fake_trace {
	struct hf_module mod[4];
	size_t nmod;
	const struct hf_symbol *syms;
	size_t nsyms;
};

static const struct hf_module *fake_module(void *ctx, uint32_t id)
{
	struct fake_trace *t = ctx;
	for (size_t i = 0; i < t->nmod; i++)
		if (t->mod[i].id == id)
			return &t->mod[i];
	return NULL;
}

static const struct hf_symbol *fake_symbols(void *ctx, uint32_t id, size_t *n)
{
	struct fake_trace *t = ctx;
	*n = id == 1 ? t->nsyms : 0;
	return id == 1 ? t->syms : NULL;
}

static struct hfp_symbolizer *symbolizer(struct fake_trace *t, const char *path, const uint8_t *id,
					 size_t idlen, const char *const *dirs, size_t ndirs,
					 struct hfp_warnings *w)
{
	memset(t->mod, 0, sizeof t->mod);
	t->mod[0] = (struct hf_module){ .id = 1, .path = path, .build_id = id, .build_id_len = idlen,
				        .bias = exe_bias };
	t->nmod = 1;
	struct hfp_modsrc src = { fake_module, fake_symbols, t };
	w->quiet = 1;
	return hfp_symbolizer_new(&src, dirs, ndirs, NULL, w);
}

static const char *base(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p;
}

/* The frames of this binary's two probes, module 1 recorded at path module: a static function;
 * then, innermost first, the inlined function at its call of ret_addr and the function it was
 * inlined into, at the line where it was inlined. */
static void expect_this_binary_frames(struct hfp_symbolizer *s, const char *module)
{
	struct hfp_srcframe f[HFP_MAX_INLINE];
	size_t n = hfp_symbolize(s, 1, static_function(), f, HFP_MAX_INLINE);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "static_function");
	assert_string_equal(base(f[0].file), "test_print_symbol.c");
	assert_int_equal(f[0].line, STATIC_CALL_LINE);
	assert_string_equal(f[0].module, module);
	n = hfp_symbolize(s, 1, outer_function(), f, HFP_MAX_INLINE);
	assert_int_equal(n, 2);
	assert_string_equal(f[0].name, "inlined_leaf");
	assert_int_equal(f[0].line, INLINED_CALL_LINE);
	assert_string_equal(f[1].name, "outer_function");
	assert_string_equal(base(f[1].file), "test_print_symbol.c");
	assert_int_equal(f[1].line, OUTER_CALL_LINE);
}

static void test_static_and_inlined_functions_resolve(void **state)
{
	(void)state;
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	struct hfp_symbolizer *s = symbolizer(&t, exe, exe_id, exe_id_len, NULL, 0, &w);
	expect_this_binary_frames(s, exe);
	assert_int_equal(w.n, 0);

	/* An address in no module, and a module the trace does not know. */
	struct hfp_srcframe f[HFP_MAX_INLINE];
	size_t n = hfp_symbolize(s, 0, 0x1234567, f, HFP_MAX_INLINE);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "[unknown+0x1234567]");
	n = hfp_symbolize(s, 77, 0x1234567, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "[unknown+0x1234567]");
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
}

static void test_build_id_mismatch_is_refused_with_one_warning(void **state)
{
	(void)state;
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	uint8_t wrong[20];
	memcpy(wrong, exe_id, sizeof wrong);
	wrong[0] ^= 0xff;
	struct hfp_symbolizer *s = symbolizer(&t, exe, wrong, sizeof wrong, NULL, 0, &w);
	struct hfp_srcframe f[HFP_MAX_INLINE];
	uintptr_t a = static_function(), b = outer_function();
	char want[4400];
	size_t n = hfp_symbolize(s, 1, a, f, HFP_MAX_INLINE);
	assert_int_equal(n, 1);
	snprintf(want, sizeof want, "[%s+0x%" PRIx64 "]", base(exe), (uint64_t)a - exe_bias);
	assert_string_equal(f[0].name, want);
	hfp_symbolize(s, 1, b, f, HFP_MAX_INLINE);
	snprintf(want, sizeof want, "[%s+0x%" PRIx64 "]", base(exe), (uint64_t)b - exe_bias);
	assert_string_equal(f[0].name, want);
	assert_int_equal(w.n, 1); /* once per module */
	assert_non_null(strstr(w.msg[0], "build-id does not match"));
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
}

/* hfp_symbolizer_prefetch opens the modules on a second thread: the same answers, and its
 * warnings reach the caller's list only when the first lookup joins the thread. */
static void test_prefetched_modules_answer_the_same_and_warn_once_joined(void **state)
{
	(void)state;
	struct fake_trace t = { 0 }, t2 = { 0 };
	struct hfp_warnings w = { 0 }, w2 = { 0 };
	const uint32_t ids[] = { 1 };
	struct hfp_symbolizer *s = symbolizer(&t, exe, exe_id, exe_id_len, NULL, 0, &w);
	hfp_symbolizer_prefetch(s, ids, 1, NULL);
	expect_this_binary_frames(s, exe);
	assert_int_equal(w.n, 0);
	hfp_symbolizer_free(s);

	uint8_t wrong[20];
	memcpy(wrong, exe_id, sizeof wrong);
	wrong[0] ^= 0xff;
	s = symbolizer(&t2, exe, wrong, sizeof wrong, NULL, 0, &w2);
	hfp_symbolizer_prefetch(s, ids, 1, NULL);
	assert_int_equal(w2.n, 0); /* kept by the thread until joined */
	struct hfp_srcframe f[HFP_MAX_INLINE];
	hfp_symbolize(s, 1, static_function(), f, HFP_MAX_INLINE);
	assert_int_equal(w2.n, 1);
	assert_non_null(strstr(w2.msg[0], "build-id does not match"));
	hfp_symbolize(s, 1, outer_function(), f, HFP_MAX_INLINE);
	assert_int_equal(w2.n, 1);
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
	hfp_warnings_free(&w2);
}

static void test_moved_binary_is_found_through_debug_path(void **state)
{
	(void)state;
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	char moved[4200], dir[4096];
	snprintf(moved, sizeof moved, "/nonexistent/place/%s", base(exe));
	snprintf(dir, sizeof dir, "%s", exe);
	*strrchr(dir, '/') = 0;
	const char *dirs[] = { "/nonexistent/first", dir };
	struct hfp_symbolizer *s = symbolizer(&t, moved, exe_id, exe_id_len, dirs, 2, &w);
	struct hfp_srcframe f[HFP_MAX_INLINE];
	size_t n = hfp_symbolize(s, 1, static_function(), f, HFP_MAX_INLINE);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].name, "static_function");
	assert_int_equal(w.n, 0);
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);

	/* Without the directory: not found, said once, and shown as [name+0xOFFSET]. */
	s = symbolizer(&t, moved, exe_id, exe_id_len, NULL, 0, &w);
	hfp_symbolize(s, 1, static_function(), f, HFP_MAX_INLINE);
	assert_int_equal(f[0].name[0], '[');
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.msg[0], "not found"));
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void test_sysroot_prefixes_the_recorded_path(void **state)
{
	(void)state;
	const char *tmp = getenv("HF_TEST_TMP");
	char root[4096], dir[4200], copy[4400], recorded[256];
	snprintf(root, sizeof root, "%s/sysroot-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	snprintf(dir, sizeof dir, "%s/opt", root);
	snprintf(copy, sizeof copy, "%s/app", dir);
	snprintf(recorded, sizeof recorded, "/opt/app");
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	copy_file(exe, copy);

	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	memset(t.mod, 0, sizeof t.mod);
	t.mod[0] = (struct hf_module){ .id = 1, .path = recorded, .build_id = exe_id,
				       .build_id_len = exe_id_len, .bias = exe_bias };
	t.nmod = 1;
	struct hfp_modsrc src = { fake_module, fake_symbols, &t };
	w.quiet = 1;
	struct hfp_symbolizer *s = hfp_symbolizer_new(&src, NULL, 0, root, &w);
	struct hfp_srcframe f[HFP_MAX_INLINE];
	hfp_symbolize(s, 1, static_function(), f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "static_function");
	assert_string_equal(f[0].module, "/opt/app"); /* reports say where it ran */
	assert_int_equal(w.n, 0);
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
	unlink(copy);
	rmdir(dir);
	rmdir(root);
}

/* Debug sections stored compressed (objcopy --compress-debug-sections=zlib, as Debian's debug
 * files and gcc -gz have them) resolve as the plain binary does, in the binary itself and in a
 * separate debug file found through --debug-path beside a stripped binary. */
static void test_compressed_debug_sections_resolve_the_same(void **state)
{
	(void)state;
	const char *tmp = getenv("HF_TEST_TMP");
	char dir[4096], packed[4200], stripped[4200], debug[4200], cmd[32768];
	snprintf(dir, sizeof dir, "%s/compressed-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	snprintf(packed, sizeof packed, "%s/packed", dir);
	snprintf(stripped, sizeof stripped, "%s/app", dir);
	snprintf(debug, sizeof debug, "%s/app.debug", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(cmd, sizeof cmd,
		 "objcopy --compress-debug-sections=zlib '%s' '%s' && "
		 "objcopy --only-keep-debug --compress-debug-sections=zlib '%s' '%s' && "
		 "objcopy --strip-debug '%s' '%s'", exe, packed, exe, debug, exe, stripped);
	assert_int_equal(system(cmd), 0); /* binutils: the build needs them too */
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	struct hfp_symbolizer *s = symbolizer(&t, packed, exe_id, exe_id_len, NULL, 0, &w);
	expect_this_binary_frames(s, packed);
	assert_int_equal(w.n, 0);
	hfp_symbolizer_free(s);

	const char *dirs[] = { dir };
	s = symbolizer(&t, stripped, exe_id, exe_id_len, dirs, 1, &w);
	expect_this_binary_frames(s, stripped);
	assert_int_equal(w.n, 0);
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
	unlink(packed);
	unlink(debug);
	unlink(stripped);
	rmdir(dir);
}

/* The prefetch thread symbolizes every node's address ahead (the memo): the same answers as on
 * demand, whether it finished (joined late) or was stopped at once (a long node list). */
static uintptr_t node_frames[2];

static struct hf_node fake_node(void *ctx, uint32_t id)
{
	(void)ctx;
	return (struct hf_node){ .parent = id > 1 ? id - 1 : 0, .module = 1, .frame = node_frames[id % 2] };
}

static void test_addresses_symbolized_ahead_answer_the_same(void **state)
{
	(void)state;
	node_frames[0] = static_function();
	node_frames[1] = outer_function();
	const uint32_t ids[] = { 1 };
	for (int stopped = 0; stopped < 2; stopped++) {
		struct fake_trace t = { 0 };
		struct hfp_warnings w = { 0 };
		struct hfp_symbolizer *s = symbolizer(&t, exe, exe_id, exe_id_len, NULL, 0, &w);
		/* 2 nodes, time to finish; or 50 million, stopped by the first lookup */
		struct hfp_nodesrc nodes = { fake_node, NULL, stopped ? 50000000u : 2u, { 0 } };
		hfp_symbolizer_prefetch(s, ids, 1, &nodes);
		if (!stopped)
			usleep(200000);
		expect_this_binary_frames(s, exe);
		expect_this_binary_frames(s, exe);
		assert_int_equal(w.n, 0);
		hfp_symbolizer_free(s);
		hfp_warnings_free(&w);
	}
}

static void test_symbols_records_name_frames_without_a_binary(void **state)
{
	(void)state;
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	static const struct hf_symbol syms[] = {
		{ 0x1000, 0x100, "first" },
		{ 0x1100, 0x80, "_Z6secondi" },
		{ 0x2000, 0, "sizeless" },
	};
	t.syms = syms;
	t.nsyms = 3;
	struct hfp_symbolizer *s = symbolizer(&t, "/nonexistent/static-prog", NULL, 0, NULL, 0, &w);
	t.mod[0].bias = 0x400000;
	struct hfp_srcframe f[HFP_MAX_INLINE];
	/* frame - 1 - bias is the looked-up offset */
	hfp_symbolize(s, 1, 0x400000 + 0x1000 + 1, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "first");
	hfp_symbolize(s, 1, 0x400000 + 0x1100 + 0x7f + 1, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "second(int)");
	hfp_symbolize(s, 1, 0x400000 + 0x1180 + 1, f, HFP_MAX_INLINE); /* a gap: no wrong name */
	assert_string_equal(f[0].name, "[static-prog+0x1181]");
	hfp_symbolize(s, 1, 0x400000 + 0x2000 + 1, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "sizeless");
	hfp_symbolize(s, 1, 0x400000 + 0x2001 + 1, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "[static-prog+0x2002]");
	hfp_symbolize(s, 1, 0x400000 + 0x10 + 1, f, HFP_MAX_INLINE);
	assert_string_equal(f[0].name, "[static-prog+0x11]");
	assert_int_equal(w.n, 0); /* the records stand in for the binary: nothing to warn about */
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
}

/* A trace names files: one that is a FIFO (or a terminal, a directory) is not an ELF and must not
 * be waited on. Before the fix, opening a FIFO without a writer blocked heapfold_print forever. */
static void test_special_files_in_the_trace_are_skipped_without_blocking(void **state)
{
	(void)state;
	const char *tmp = getenv("HF_TEST_TMP");
	char fifo[4200];
	snprintf(fifo, sizeof fifo, "%s/fifo-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20); /* a regression fails by SIGALRM rather than hanging the suite */
	uint8_t id[64];
	assert_int_equal(hfp_file_build_id(fifo, id, sizeof id), -1);
	assert_int_equal(hfp_file_build_id("/dev/null", id, sizeof id), -1);
	assert_int_equal(hfp_file_build_id("/", id, sizeof id), -1);
	struct fake_trace t = { 0 };
	struct hfp_warnings w = { 0 };
	struct hfp_symbolizer *s = symbolizer(&t, fifo, NULL, 0, NULL, 0, &w);
	struct hfp_srcframe f[HFP_MAX_INLINE];
	hfp_symbolize(s, 1, exe_bias + 0x1234 + 1, f, HFP_MAX_INLINE);
	assert_non_null(strstr(f[0].name, "+0x1235]")); /* unresolved: [fifo-N+0x1235] */
	alarm(0);
	hfp_symbolizer_free(s);
	hfp_warnings_free(&w);
	unlink(fifo);
}

/* hfp_demangle: C++, and Rust in both its manglings, through libiberty; Rust's legacy names
 * without their ::h<hash> suffix (as rustfilt prints them). */
static void expect_demangled(const char *mangled, const char *want)
{
	char *d = hfp_demangle(mangled);
	assert_non_null(d);
	assert_string_equal(d, want);
	free(d);
}

static void test_demangling_reads_cxx_and_both_rust_manglings(void **state)
{
	(void)state;
	expect_demangled("_ZN2ns4makeIiEEPT_m", "int* ns::make<int>(unsigned long)");
	/* Rust legacy: escapes decoded, hash dropped */
	expect_demangled("_ZN7gt_rust5boxes17h0123456789abcdefE", "gt_rust::boxes");
	expect_demangled("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h79a9464497fdd789E",
			 "std::rt::lang_start::{{closure}}");
	expect_demangled("_ZN60_$LT$alloc..string..String$u20$as$u20$core..fmt..Display$GT$3fmt"
			 "17h0123456789abcdefE",
			 "<alloc::string::String as core::fmt::Display>::fmt");
	/* Rust v0 (std is v0-mangled even in legacy builds): crate hashes dropped */
	expect_demangled("_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal",
			 "std::rt::lang_start_internal");
	expect_demangled("_RNCNvCs1234_7gt_rust4main0B3_", "gt_rust::main::{closure#0}");
	/* an array type puts a ';' in the name: the folded output turns it into ':' */
	expect_demangled("_RNvMNtCs1234_5alloc3vecINtB2_3VecAhj4_E3new",
			 "<alloc::vec::Vec<[u8; 4]>>::new");
	assert_null(hfp_demangle("main"));
	assert_null(hfp_demangle("_Zjunk"));
	assert_null(hfp_demangle("_Rjunk"));
	assert_null(hfp_demangle("_ZN7gt_rust5boxes17h0123456789abcdef")); /* cut short */
	assert_null(hfp_demangle(""));
	assert_null(hfp_demangle(NULL));
}

static void expect_shortened(const char *in, const char *want)
{
	char *got = hfp_shorten_templates(in);
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_shorten_templates_drops_arguments_and_keeps_operators(void **state)
{
	(void)state;
	expect_shortened("std::vector<int, std::allocator<int> >::push_back(int const&)",
			 "std::vector<>::push_back(int const&)");
	expect_shortened("int* ns::make<int>(unsigned long)", "int* ns::make<>(unsigned long)");
	expect_shortened("std::map<std::basic_string<char>, std::vector<int> >::operator[](key&&)",
			 "std::map<>::operator[](key&&)");
	expect_shortened("std::ostream& operator<< <char>(std::ostream&, char const*)",
			 "std::ostream& operator<< <>(std::ostream&, char const*)");
	expect_shortened("bool operator<=<foo>(a, b)", "bool operator<=<>(a, b)");
	expect_shortened("a::b<c>::operator->()", "a::b<>::operator->()");
	expect_shortened("<alloc::vec::Vec<[u8; 4]>>::new", "<>::new");
	expect_shortened("main", NULL);                      /* nothing to drop */
	expect_shortened("bool operator<(a, b)", NULL);      /* an operator only */
	expect_shortened("f<>()", NULL);                     /* already empty */
	expect_shortened("broken<int(", NULL);               /* unbalanced: whole */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_and_inlined_functions_resolve),
		cmocka_unit_test(test_build_id_mismatch_is_refused_with_one_warning),
		cmocka_unit_test(test_prefetched_modules_answer_the_same_and_warn_once_joined),
		cmocka_unit_test(test_moved_binary_is_found_through_debug_path),
		cmocka_unit_test(test_sysroot_prefixes_the_recorded_path),
		cmocka_unit_test(test_compressed_debug_sections_resolve_the_same),
		cmocka_unit_test(test_addresses_symbolized_ahead_answer_the_same),
		cmocka_unit_test(test_symbols_records_name_frames_without_a_binary),
		cmocka_unit_test(test_special_files_in_the_trace_are_skipped_without_blocking),
		cmocka_unit_test(test_demangling_reads_cxx_and_both_rust_manglings),
		cmocka_unit_test(test_shorten_templates_drops_arguments_and_keeps_operators),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
