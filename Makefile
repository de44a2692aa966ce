# heapfold: one plain GNU Makefile. Everything it builds goes under build/.
#
#   make            build the recorder, the trace reader and heapfold_print
#   make check      install what is missing, build, run every test (summary line at the end)
#   make demo       install what is missing, build, profile an example, leave a trace, stacks, SVG
#   make bench      the benchmark suite (docs/performance.md)
#   make fuzz       the fuzzers, FUZZ_SECONDS=60 each (docs/reliability.md)
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean
# Options: V=1 (show commands), SANITIZE=address,undefined or SANITIZE=thread, O=0 (no optimisation).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib
INCDIR = $(PREFIX)/include
MANDIR = $(PREFIX)/share/man
PKGDIR = $(LIBDIR)/pkgconfig

B := build
# One spelling of the build directory, relative when it lies here: the dependency files (-MMD)
# name objects as spelled, so a make run with B=$(CURDIR)/build (tests/run.sh exports B
# absolute) would not see a changed header's dependants and keep stale objects.
override B := $(patsubst $(CURDIR)/%,%,$(abspath $(B)))
CC ?= cc
MUSL_CC ?= musl-gcc
O ?= 2
VERSION := 0.1.0

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wformat=2 -Wundef -Wvla -Wwrite-strings -Wcast-qual -Wnull-dereference -Wimplicit-fallthrough
ifeq ($(CI),true)
WARN += -Werror
endif

BASE_CFLAGS := -std=gnu11 -O$(O) -g $(WARN) -D_GNU_SOURCE -DHF_VERSION_STRING='"$(VERSION)"' \
	-Iinclude -Ilib/format -MMD -MP
CFLAGS ?=
SAN_FLAGS :=
ifneq ($(SANITIZE),)
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ALL_CFLAGS := $(BASE_CFLAGS) $(SAN_FLAGS) $(CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS := $(SAN_FLAGS) $(LDFLAGS)

# ---- sources ------------------------------------------------------------------------------------
# lib/ holds three products, one folder each (each folder's README says the rules its code
# lives by):
#   lib/format/  the trace format: chunk framing and record codec, shared by the other two
#   lib/record/  the recorder, linked into other people's programs (preloaded or linked)
#   lib/trace/   the trace reader behind include/heapfold_trace.h (libheapfold_trace.a)
CODEC_SRC := $(wildcard lib/format/*.c)
READER_SRC := $(CODEC_SRC) $(wildcard lib/trace/*.c)
# The recorder. Files ending in _preload.c are only for the dynamic library (dlsym bootstrap),
# files ending in _wrap.c only for the static archives (ld --wrap).
REC_ALL := $(wildcard lib/record/*.c)
REC_PRELOAD_SRC := $(filter-out %_wrap.c,$(REC_ALL)) $(CODEC_SRC)
REC_STATIC_SRC := $(filter-out %_preload.c,$(REC_ALL)) $(CODEC_SRC)
PRINT_SRC := $(sort $(shell find tools/print -name "*.c"))

obj = $(patsubst %.c,$(B)/$(2)/%.o,$(1))

READER_OBJ := $(call obj,$(READER_SRC),host)
PRINT_OBJ := $(call obj,$(PRINT_SRC),host)

LIB_TRACE := $(B)/lib/libheapfold_trace.a
PRINT_BIN := $(B)/bin/heapfold_print
LAUNCHER := $(B)/bin/heapfold

TARGETS := $(LIB_TRACE) $(PRINT_BIN)

# ---- the recorder (see the recorder section below) ----------------------------------------------
# libunwind, libdeflate and zlib are linked into the preload library statically and hidden
# (-Wl,--exclude-libs,ALL), so it needs only libc and never clashes with a program's own copies.
DEPS_HOST := $(B)/deps/host
DEPS_MUSL := $(B)/deps/musl
UNWIND_CFLAGS_HOST := -I$(DEPS_HOST)/include
UNWIND_LIBS_HOST := -L$(DEPS_HOST)/lib -Wl,-Bstatic -lunwind -ldeflate -lz -Wl,-Bdynamic
REC_CFLAGS := -fPIC -ftls-model=initial-exec -fvisibility=hidden -fno-omit-frame-pointer
# The recorder is never built with sanitizers: it interposes the allocator that ASan and TSan
# replace. SANITIZE builds build it plain, so the sanitized tools still read real traces.
REC_BASE_CFLAGS := $(BASE_CFLAGS) $(CFLAGS)
REC_LDLIBS := -Wl,--exclude-libs,ALL -ldl -lpthread

PRELOAD_SO := $(B)/lib/libheapfold.so
TARGETS += $(PRELOAD_SO) $(LAUNCHER)

# The same recorder for musl programs (LD_PRELOAD=... or ld-musl-x86_64.so.1 --preload ...),
# built when musl-gcc exists, against PIC musl builds of libunwind, libdeflate and zlib.
# --eh-frame-hdr: musl-gcc omits it, and libunwind then reopens the file on every cache miss.
MUSL_PRELOAD_SO := $(B)/lib/musl/libheapfold.so
HAVE_MUSL_CC := $(shell command -v $(MUSL_CC) 2>/dev/null)
UNWIND_CFLAGS_MUSL := -I$(DEPS_MUSL)/include
UNWIND_LIBS_MUSL := -L$(DEPS_MUSL)/lib -Wl,-Bstatic -lunwind -ldeflate -lz -Wl,-Bdynamic
ifneq ($(HAVE_MUSL_CC),)
ifeq ($(SANITIZE),)
TARGETS += $(MUSL_PRELOAD_SO)
endif
endif

# ---- static archives (docs/linking.md) ----------------------------------------------------------
# libheapfold.a for static glibc programs and lib/musl/libheapfold.a for static musl ones, each
# with the ld options a program links it with (heapfold.wrap: --wrap of the malloc family, the
# symbols to pull in) and the pkg-config files that name both. An archive is one object: our
# code and the libunwind, libdeflate and zlib it needs, joined by a partial link (ld -r) that gathers all
# their code into one section, hf_text (lib/record/hf_static.ld: the recorder drops frames inside it),
# after which every symbol but the API and the __wrap_ functions is made local. So a program's
# own zlib, libdeflate or libunwind never meets ours, and a link needs no further -l option.
STATIC_LIB := $(B)/lib/libheapfold.a
MUSL_STATIC_LIB := $(B)/lib/musl/libheapfold.a
STATIC_WRAP := $(B)/lib/heapfold.wrap
MUSL_STATIC_WRAP := $(B)/lib/musl/heapfold.wrap
STATIC_KEEP := -w --keep-global-symbol='__wrap_*' $(addprefix --keep-global-symbol=,hf_version \
	hf_start hf_stop hf_flush hf_mark hf_stats hf_stats_reset_peak hf_metrics_format \
	hf_set_sample_bytes hf_pprof_write)
PC_NAMES := heapfold heapfold-static heapfold-musl
ifeq ($(SANITIZE),)
TARGETS += $(STATIC_LIB) $(STATIC_WRAP)
ifneq ($(HAVE_MUSL_CC),)
TARGETS += $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP)
endif
endif

# ---- examples (examples/, docs/linking.md; run by make check) -------------------------------------
# kvd: the static service, fully static with musl (glibc when musl-gcc is missing), linked as
# examples/static-service/Makefile does with pkg-config. test_strbuf: the cmocka unit test that
# asserts with hf_stats, linked dynamically (Debian has no static cmocka), when cmocka is there.
EXAMPLE_KVD := $(B)/examples/static-service/kvd
EXAMPLE_UNIT := $(B)/examples/unit-test/test_strbuf
EXAMPLE_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude
HAVE_CMOCKA := $(wildcard /usr/include/cmocka.h)
ifneq ($(filter $(STATIC_LIB),$(TARGETS)),)
TARGETS += $(EXAMPLE_KVD)
ifneq ($(HAVE_CMOCKA),)
TARGETS += $(EXAMPLE_UNIT)
endif
endif

all: $(TARGETS)

# The examples (variables above).
ifneq ($(filter $(MUSL_STATIC_LIB),$(TARGETS)),)
$(EXAMPLE_KVD): examples/static-service/service.c $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP)
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) -static $(EXAMPLE_CFLAGS) $< $(MUSL_STATIC_LIB) -Wl,@$(MUSL_STATIC_WRAP) \
		-Wl,--eh-frame-hdr -Wl,--build-id -o $@
else
$(EXAMPLE_KVD): examples/static-service/service.c $(STATIC_LIB) $(STATIC_WRAP)
	$(call msg,CCLD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -static $(EXAMPLE_CFLAGS) $< $(STATIC_LIB) -Wl,@$(STATIC_WRAP) \
		-Wl,--eh-frame-hdr -Wl,--build-id -o $@
endif

$(EXAMPLE_UNIT): examples/unit-test/test_strbuf.c examples/unit-test/strbuf.c \
		examples/unit-test/strbuf.h $(PRELOAD_SO)
	$(call msg,CCLD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(EXAMPLE_CFLAGS) $(filter %.c,$^) -L$(B)/lib -Wl,-rpath,'$$ORIGIN/../../lib' \
		-Wl,--no-as-needed -lheapfold -lcmocka -o $@

# ---- rules --------------------------------------------------------------------------------------
$(B)/host/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# The reader inflates chunks with libdeflate (lib/trace/hf_reader_base.c), from the deps step's
# build like the recorder's: its archive carries it inside, one object from a partial link with
# libdeflate's symbols made local, so a program links the reader with -lheapfold_trace alone and
# its own libdeflate, if any, never meets ours.
$(B)/host/lib/trace/%.o: lib/trace/%.c $(DEPS_HOST)/.stamp
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(UNWIND_CFLAGS_HOST) -c $< -o $@

$(LIB_TRACE): $(READER_OBJ) $(DEPS_HOST)/.stamp
	$(call msg,AR,$@)
	@mkdir -p $(@D) $(B)/host/trace
	$(Q)$(CC) -r -nostdlib $(READER_OBJ) $(DEPS_HOST)/lib/libdeflate.a -o $(B)/host/trace/heapfold_trace.o
	$(Q)objcopy -w --localize-symbol='libdeflate_*' $(B)/host/trace/heapfold_trace.o
	$(Q)rm -f $@ && ar rcs $@ $(B)/host/trace/heapfold_trace.o

# heapfold_print inflates compressed debug sections with libdeflate too
# (tools/print/symbol/hfp_debugfile.c), and compresses --pprof's profile with it
# (tools/print/emit/hfp_pprof.c): its own copy, linked as usual.
PRINT_DEFLATE_OBJ := $(foreach d,host fuzz/obj,$(B)/$(d)/tools/print/symbol/hfp_debugfile.o \
	$(B)/$(d)/tools/print/emit/hfp_pprof.o)
$(filter $(B)/host/%,$(PRINT_DEFLATE_OBJ)): ALL_CFLAGS += -I$(DEPS_HOST)/include
$(filter $(B)/fuzz/%,$(PRINT_DEFLATE_OBJ)): FUZZ_CFLAGS += -I$(DEPS_HOST)/include
$(PRINT_DEFLATE_OBJ): $(DEPS_HOST)/.stamp
PRINT_LIBS := $(DEPS_HOST)/lib/libdeflate.a -ldw -lelf -lz -lm -liberty -pthread

$(PRINT_BIN): $(PRINT_OBJ) $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $(PRINT_OBJ) $(LIB_TRACE) $(PRINT_LIBS) -o $@

# Host (glibc) PIC libunwind + zlib for the preload library, from Debian's source packages.
# The script decides whether its last build is current (it also patches libunwind): a newer
# script makes it look again.
$(DEPS_HOST)/.stamp $(DEPS_MUSL)/.stamp: tools/dev/build-deps.sh $(wildcard tools/dev/patches/*.patch)
	$(call msg,DEPS,$(@D))
	$(Q)tools/dev/build-deps.sh $(B) $(notdir $(@D))

$(B)/rec/%.o: %.c $(DEPS_HOST)/.stamp
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(REC_BASE_CFLAGS) $(REC_CFLAGS) $(UNWIND_CFLAGS_HOST) -c $< -o $@

# The soname is what a program linked with -lheapfold records in DT_NEEDED (hf_preload.c tells
# linked from preloaded by it).
$(PRELOAD_SO): $(call obj,$(REC_PRELOAD_SRC),rec)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -shared -Wl,-soname,libheapfold.so -Wl,-z,nodelete -Wl,--build-id $(LDFLAGS) $^ \
		$(UNWIND_LIBS_HOST) $(REC_LDLIBS) -o $@

$(B)/musl/rec/%.o: %.c $(DEPS_MUSL)/.stamp
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) $(REC_BASE_CFLAGS) $(REC_CFLAGS) $(UNWIND_CFLAGS_MUSL) -c $< -o $@

$(MUSL_PRELOAD_SO): $(call obj,$(REC_PRELOAD_SRC),musl/rec)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) -shared -Wl,-soname,libheapfold.so -Wl,-z,nodelete -Wl,--build-id \
		-Wl,--eh-frame-hdr $(LDFLAGS) $^ $(UNWIND_LIBS_MUSL) -Wl,--exclude-libs,ALL -o $@

# The archives: partial link, then everything but the API and the wrappers made local.
$(STATIC_LIB): $(call obj,$(REC_STATIC_SRC),rec) lib/record/hf_static.ld
	$(call msg,AR,$@)
	@mkdir -p $(@D) $(B)/rec/static
	$(Q)$(CC) -r -nostdlib -Wl,-T,lib/record/hf_static.ld $(filter %.o,$^) \
		$(DEPS_HOST)/lib/libunwind.a $(DEPS_HOST)/lib/libdeflate.a $(DEPS_HOST)/lib/libz.a \
		-o $(B)/rec/static/heapfold.o
	$(Q)objcopy $(STATIC_KEEP) $(B)/rec/static/heapfold.o
	$(Q)rm -f $@ && ar rcs $@ $(B)/rec/static/heapfold.o

$(MUSL_STATIC_LIB): $(call obj,$(REC_STATIC_SRC),musl/rec) lib/record/hf_static.ld
	$(call msg,AR,$@)
	@mkdir -p $(@D) $(B)/musl/rec/static
	$(Q)$(MUSL_CC) -r -nostdlib -Wl,-T,lib/record/hf_static.ld $(filter %.o,$^) \
		$(DEPS_MUSL)/lib/libunwind.a $(DEPS_MUSL)/lib/libdeflate.a $(DEPS_MUSL)/lib/libz.a \
		-o $(B)/musl/rec/static/heapfold.o
	$(Q)objcopy $(STATIC_KEEP) $(B)/musl/rec/static/heapfold.o
	$(Q)rm -f $@ && ar rcs $@ $(B)/musl/rec/static/heapfold.o

# The linker options, made from the malloc family's list (lib/record/hf_family.h).
$(STATIC_WRAP) $(MUSL_STATIC_WRAP): lib/record/link/heapfold.wrap.in lib/record/hf_family.h
	$(call msg,GEN,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -E -P -x c -Ilib/record $(if $(filter $(MUSL_STATIC_WRAP),$@),-DHF_WRAP_MUSL) $< >$@.tmp
	$(Q)mv $@.tmp $@

# The launcher, in C (tools/launcher/): it execs the program in place. Built plain in SANITIZE
# builds, as the recorder is: a sanitized launcher would hand the program its runtime's process
# settings (ASan and TSan turn core dumps off) and meet a program's own LD_PRELOAD first.
LAUNCHER_OBJ := $(call obj,$(wildcard tools/launcher/*.c),launcher)
$(B)/launcher/%.o: %.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(REC_BASE_CFLAGS) -c $< -o $@
$(LAUNCHER): $(LAUNCHER_OBJ)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@

# ---- tests --------------------------------------------------------------------------------------
# tests/unit/test_*.c: cmocka unit tests, linked with the trace reader.
# tests/progs/*.c: programs with known ground truth, driven by tests/integration/*.sh.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
UNIT_HELPERS := $(call obj,$(wildcard tests/unit/util_*.c),host)
PROG_SRC := $(wildcard tests/progs/*.c)
PROG_BIN := $(patsubst tests/progs/%.c,$(B)/tests/progs/%,$(PROG_SRC))
PROG_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -fno-omit-frame-pointer -fno-inline -pthread -Itests/progs \
	-Iinclude

# test_reader_order reads the reader's internals (hf_reader_int.h, which includes libdeflate.h).
$(B)/host/tests/unit/test_reader_order.o: ALL_CFLAGS += $(UNWIND_CFLAGS_HOST)
$(B)/host/tests/unit/test_reader_order.o: $(DEPS_HOST)/.stamp

$(B)/tests/test_%: $(B)/host/tests/unit/test_%.o $(UNIT_HELPERS) $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lcmocka -lz -o $@

$(B)/tests/progs/%: tests/progs/%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) $< -o $@

# ctor_main: linked with a shared library whose constructor allocates (tests/progs/lib/).
$(B)/tests/progs/lib/libctor_lib.so: tests/progs/lib/ctor_lib.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fPIC -shared $< -o $@
$(B)/tests/progs/ctor_main: tests/progs/ctor_main.c $(B)/tests/progs/lib/libctor_lib.so
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) $< -L$(B)/tests/progs/lib -lctor_lib -Wl,-rpath,'$$ORIGIN/lib' -o $@

# tests/unit/test_print_*.c test the analyser: they also link its objects (all but its main) and
# libdw. tests/progs/inl_*.c are its inlining ground truth, so they are built optimised.
PRINT_LIB_OBJ := $(filter-out %/hfp_main.o,$(PRINT_OBJ))
$(B)/tests/test_print_%: $(B)/host/tests/unit/test_print_%.o $(PRINT_LIB_OBJ) $(UNIT_HELPERS) $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lcmocka $(PRINT_LIBS) -o $@

$(B)/tests/progs/inl_%: tests/progs/inl_%.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(filter-out -O1 -fno-inline,$(PROG_CFLAGS)) -O2 $< -o $@

CXX_PROG_SRC := $(wildcard tests/progs/*.cpp)
PROG_BIN += $(patsubst tests/progs/%.cpp,$(B)/tests/progs/%,$(CXX_PROG_SRC))
$(B)/tests/progs/%: tests/progs/%.cpp
	$(call msg,CXX,$@)
	@mkdir -p $(@D)
	$(Q)$(CXX) $(filter-out -std=gnu11,$(PROG_CFLAGS)) $< -o $@

# The ground-truth programs built for musl (dynamically linked), when musl-gcc is there.
ifneq ($(HAVE_MUSL_CC),)
PROG_BIN += $(patsubst tests/progs/%.c,$(B)/tests/progs-musl/%,$(wildcard tests/progs/gt_*.c))
endif
$(B)/tests/progs-musl/%: tests/progs/%.c
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) $(PROG_CFLAGS) $< -o $@

# Programs linked with heapfold (tests/integration/link_*.sh): tests/link/*.c, and the
# ground-truth programs gt_family, gt_threads, gt_sample, gt_metrics and gt_pprof, each built statically
# with glibc, statically with musl, and dynamically against libheapfold.so (no LD_PRELOAD), with
# the options the pkg-config files give (tests/integration/link_pkgconfig.sh checks those files
# themselves).
LINK_SRC := $(wildcard tests/link/*.c) tests/progs/gt_family.c tests/progs/gt_threads.c \
	tests/progs/gt_sample.c tests/progs/gt_metrics.c tests/progs/gt_pprof.c
LINK_NAMES := $(basename $(notdir $(LINK_SRC)))
LINK_CFLAGS := $(PROG_CFLAGS) -Iinclude
LINK_STATIC_OPTS = -Wl,@$(STATIC_WRAP) -Wl,--eh-frame-hdr -Wl,--build-id
LINK_MUSL_OPTS = -Wl,@$(MUSL_STATIC_WRAP) -Wl,--eh-frame-hdr -Wl,--build-id
ifneq ($(filter $(STATIC_LIB),$(TARGETS)),)
LINK_BIN := $(addprefix $(B)/tests/link/static/,$(LINK_NAMES)) \
	$(addprefix $(B)/tests/link/dynamic/,$(LINK_NAMES))
ifneq ($(filter $(MUSL_STATIC_LIB),$(TARGETS)),)
LINK_BIN += $(addprefix $(B)/tests/link/musl/,$(LINK_NAMES))
endif
endif
PROG_BIN += $(LINK_BIN) $(B)/tests/link/none/link_weak
link_src = $(filter %/$(notdir $(1)).c,$(LINK_SRC))

# The x86 decoder's unit test reads the linked test programs' unwind tables with libdw.
$(B)/tests/test_rec_x86: $(B)/host/tests/unit/test_rec_x86.o $(UNIT_HELPERS) $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lcmocka $(PRINT_LIBS) -o $@

# The weak-reference program without heapfold at all.
$(B)/tests/link/none/link_weak: tests/link/link_weak.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LINK_CFLAGS) $< -o $@

.SECONDEXPANSION:
$(B)/tests/link/static/%: $$(call link_src,$$*) $(STATIC_LIB) $(STATIC_WRAP)
	$(call msg,CCLD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -static $(LINK_CFLAGS) $< $(STATIC_LIB) $(LINK_STATIC_OPTS) -o $@

$(B)/tests/link/musl/%: $$(call link_src,$$*) $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP)
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) -static $(LINK_CFLAGS) $< $(MUSL_STATIC_LIB) $(LINK_MUSL_OPTS) -o $@

$(B)/tests/link/dynamic/%: $$(call link_src,$$*) $(PRELOAD_SO)
	$(call msg,CCLD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LINK_CFLAGS) $< -L$(B)/lib -Wl,-rpath,'$$ORIGIN/../../../lib' \
		-Wl,--no-as-needed -lheapfold -o $@

# The trace dump tool: the integration tests' oracle (exact counts, minimal symbolization).
HF_DUMP := $(B)/tests/tools/hf_dump
$(HF_DUMP): $(B)/host/tests/tools/hf_dump.o $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lelf -lz -o $@

tests: $(UNIT_BIN) $(PROG_BIN) $(HF_DUMP)

# ---- top-level targets --------------------------------------------------------------------------
deps:
	$(Q)tools/dev/deps.sh

check:
	$(Q)tools/dev/deps.sh
	$(Q)$(MAKE) --no-print-directory all tests
	$(Q)B=$(B) SANITIZE=$(SANITIZE) tests/run.sh

demo:
	$(Q)tools/dev/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)B=$(B) examples/demo.sh

# ---- bench section (tests/bench/, docs/performance.md) ------------------------------------------
# make bench [REPS=5]: the benchmark suite, not part of make check. It builds what it can; what
# cannot be built or run yet shows as n/a in build/bench/results.md instead of failing the run.
bench:
	$(Q)tools/dev/deps.sh || true
	$(Q)$(MAKE) --no-print-directory -k all $(HF_DUMP) || echo "heapfold: bench: part of the build failed; it shows as n/a"
	$(Q)B=$(B) REPS=$(or $(REPS),5) tests/bench/run.sh
# ---- end of bench section -----------------------------------------------------------------------

# ---- fuzz section (tests/fuzz/, docs/reliability.md) --------------------------------------------
# make fuzz [FUZZ_SECONDS=60] [FUZZ_FLAGS=more libFuzzer options]: builds the libFuzzer targets
# (the trace reader; heapfold_print's options and pipeline) with clang under $(B)/fuzz and runs
# each for FUZZ_SECONDS, one job at a time; crashing inputs go to $(B)/fuzz/artifacts/. Not part
# of make check, except a short run in tests/integration/fuzz_short.sh. tests/unit/
# test_fuzz_regress.c replays the corpus and the regression files without libFuzzer.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=gnu11 -O1 -g -D_GNU_SOURCE -DHF_VERSION_STRING='"$(VERSION)"' -Iinclude -Ilib/format \
	-MMD -MP $(FUZZ_SAN)
FUZZ_READER_OBJ := $(call obj,$(READER_SRC),fuzz/obj)
FUZZ_PRINT_OBJ := $(call obj,$(filter-out %/hfp_main.c,$(PRINT_SRC)),fuzz/obj)

$(B)/fuzz/obj/%.o: %.c
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(B)/fuzz/obj/lib/trace/%.o: lib/trace/%.c $(DEPS_HOST)/.stamp
	$(call msg,FUZZCC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(UNWIND_CFLAGS_HOST) -fsanitize=fuzzer-no-link -c $< -o $@

$(B)/fuzz/fuzz_reader: $(B)/fuzz/obj/tests/fuzz/fuzz_reader.o $(FUZZ_READER_OBJ)
	$(call msg,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(DEPS_HOST)/lib/libdeflate.a -lz -o $@

$(B)/fuzz/fuzz_print: $(B)/fuzz/obj/tests/fuzz/fuzz_print.o $(FUZZ_PRINT_OBJ) $(FUZZ_READER_OBJ)
	$(call msg,LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ $(DEPS_HOST)/lib/libdeflate.a -ldw -lelf -lz -lm -liberty -o $@

fuzz: $(B)/fuzz/fuzz_reader $(B)/fuzz/fuzz_print
	$(Q)B=$(B) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_FLAGS='$(FUZZ_FLAGS)' tests/fuzz/run.sh reader print

# The replay test links heapfold_print's objects too.
$(B)/tests/test_fuzz_regress: $(B)/host/tests/unit/test_fuzz_regress.o $(PRINT_LIB_OBJ) $(UNIT_HELPERS) $(LIB_TRACE)
	$(call msg,LD,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) $^ -lcmocka $(PRINT_LIBS) -o $@
# ---- end of fuzz section ------------------------------------------------------------------------

# ---- mimalloc section (docs/linking.md) ---------------------------------------------------------
# Static musl services often link mimalloc instead of musl's allocator. mimalloc for musl comes
# from Debian's source package, built once under $(B)/deps/mimalloc (tools/dev/build-deps.sh);
# the static-service example's mimalloc variant and a few linked test programs
# (tests/integration/link_mimalloc.sh) are linked with it and heapfold's musl archive, which
# must come first: its __real_ references then take mimalloc's malloc and the rest.
DEPS_MIMALLOC := $(B)/deps/mimalloc
MIMALLOC_LIB := $(DEPS_MIMALLOC)/lib/libmimalloc.a
EXAMPLE_KVD_MI := $(B)/examples/static-service/kvd-mimalloc
MI_LINK_BIN := $(addprefix $(B)/tests/link/mimalloc/,link_libc link_api gt_threads)
ifneq ($(filter $(MUSL_STATIC_LIB),$(TARGETS)),)
all: $(EXAMPLE_KVD_MI)
tests: $(MI_LINK_BIN)
endif

$(DEPS_MIMALLOC)/.stamp: tools/dev/build-deps.sh
	$(call msg,DEPS,$(@D))
	$(Q)tools/dev/build-deps.sh $(B) mimalloc

$(EXAMPLE_KVD_MI): examples/static-service/service.c $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP) \
		$(DEPS_MIMALLOC)/.stamp
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) -static $(EXAMPLE_CFLAGS) $< $(MUSL_STATIC_LIB) $(MIMALLOC_LIB) \
		-Wl,@$(MUSL_STATIC_WRAP) -Wl,--eh-frame-hdr -Wl,--build-id -o $@

$(B)/tests/link/mimalloc/%: $$(call link_src,$$*) $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP) \
		$(DEPS_MIMALLOC)/.stamp
	$(call msg,MUSLCC,$@)
	@mkdir -p $(@D)
	$(Q)$(MUSL_CC) -static $(LINK_CFLAGS) $< $(MUSL_STATIC_LIB) $(MIMALLOC_LIB) $(LINK_MUSL_OPTS) -o $@
# ---- end of mimalloc section --------------------------------------------------------------------

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PKGDIR)
	install -m 644 include/heapfold_trace.h $(DESTDIR)$(INCDIR)/
	install -m 644 $(LIB_TRACE) $(DESTDIR)$(LIBDIR)/
	install -m 644 include/heapfold.h $(DESTDIR)$(INCDIR)/
	install -m 755 $(PRELOAD_SO) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LAUNCHER) $(PRINT_BIN) $(DESTDIR)$(BINDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' lib/pkgconfig/heapfold-trace.pc.in \
		> $(DESTDIR)$(PKGDIR)/heapfold-trace.pc
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(if $(filter $(MUSL_PRELOAD_SO),$(TARGETS)),install -d $(DESTDIR)$(LIBDIR)/musl && \
		install -m 755 $(MUSL_PRELOAD_SO) $(DESTDIR)$(LIBDIR)/musl/)
	$(if $(filter $(STATIC_LIB),$(TARGETS)),install -m 644 $(STATIC_LIB) $(STATIC_WRAP) $(DESTDIR)$(LIBDIR)/)
	$(if $(filter $(MUSL_STATIC_LIB),$(TARGETS)),install -d $(DESTDIR)$(LIBDIR)/musl && \
		install -m 644 $(MUSL_STATIC_LIB) $(MUSL_STATIC_WRAP) $(DESTDIR)$(LIBDIR)/musl/)
	for pc in $(PC_NAMES); do \
		sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' lib/pkgconfig/$$pc.pc.in \
			> $(DESTDIR)$(PKGDIR)/$$pc.pc || exit 1; \
	done

clean:
	rm -rf $(B)

.PHONY: all deps check demo bench install clean tests fuzz
.DELETE_ON_ERROR:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
