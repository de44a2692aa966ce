/* test_rec_x86.c: lib/record/hf_x86.c, the stack height at a call instruction found from machine code,
 * against the compiler's own unwind tables. hf_recover.c trusts it for musl's libc, which has
 * no tables; here it answers for code that has them, every call site of every function of two
 * statically linked test programs (glibc's libc.a, compiled by GCC like musl's; and a musl
 * program's own code, heapfold's recorder, libunwind and zlib included), and each answer must
 * be what the .eh_frame entry for that call says: the CFA is rsp + height + 8, and rbp is
 * saved at the slot the decoder found (or not saved at all). An answer that differs fails the
 * test; "cannot tell" is allowed, but most call sites must get an answer.
 *
 * The programs are build/tests/link/{static,musl}/link_callers (B from tests/run.sh); the call
 * sites are found by a linear sweep of each function with the same decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include "../../lib/record/hf_x86.c"

struct counts {
	size_t sites, rsp_cfa, answered, wrong;
};

/* The CFI rule for rbp at addr: 1 saved at CFA + *off, 0 same value, -1 other. */
static int rbp_rule(Dwarf_Frame *fr, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	if (dwarf_frame_register(fr, 6, mem, &ops, &nops) != 0)
		return -1;
	if (nops == 0)
		return ops ? -1 : 0; /* NULL: same value; else undefined */
	if (nops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst) {
		*off = (int64_t)ops[1].number;
		return 1;
	}
	if (nops == 3 && ops[0].atom == DW_OP_call_frame_cfa &&
	    (ops[1].atom == DW_OP_consts || ops[1].atom == DW_OP_const1s ||
	     ops[1].atom == DW_OP_const2s || ops[1].atom == DW_OP_const4s) &&
	    ops[2].atom == DW_OP_plus) {
		*off = (int64_t)ops[1].number;
		return 1;
	}
	if (nops == 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		*off = 0;
		return 1;
	}
	return -1;
}

static void check_site(Dwarf_CFI *cfi, const uint8_t *code, uint64_t start, uint64_t size,
		       uint64_t ret, struct counts *c, const char *name)
{
	Dwarf_Frame *fr = NULL;
	c->sites++;
	if (dwarf_cfi_addrframe(cfi, ret - 1, &fr) != 0)
		return;
	Dwarf_Op *ops;
	size_t nops;
	int64_t cfa_off;
	if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_bregx &&
	    ops[0].number == 7) {
		cfa_off = (int64_t)ops[0].number2;
	} else if (dwarf_frame_cfa(fr, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_breg7) {
		cfa_off = (int64_t)ops[0].number;
	} else {
		free(fr); /* rbp-based or an expression: the rsp height is not stated */
		return;
	}
	c->rsp_cfa++;
	int64_t want_h = cfa_off - 8, rbp_off = 0;
	int rule = rbp_rule(fr, &rbp_off);
	int32_t h, rbp_h;
	if (hf_x86_call_height(code, start, size, ret, &h, &rbp_h) == 0) {
		c->answered++;
		int ok = h == want_h;
		if (rule == 1)
			ok &= rbp_h >= 0 && rbp_off == -8 - (int64_t)rbp_h;
		else if (rule == 0)
			ok &= rbp_h < 0;
		if (!ok) {
			c->wrong++;
			fprintf(stderr, "WRONG %s+0x%llx: height %d rbp at %d; CFI: height %lld, rbp rule %d at CFA%+lld\n",
				name, (unsigned long long)(ret - start), h, rbp_h, (long long)want_h, rule,
				(long long)rbp_off);
		}
	}
	free(fr);
}

static void check_binary(const char *path, struct counts *c)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "%s: not built, skipped\n", path);
		return;
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	assert_non_null(cfi);
	Elf_Scn *scn = NULL, *symscn = NULL;
	GElf_Shdr sh, symsh = { 0 };
	while ((scn = elf_nextscn(elf, scn))) {
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_SYMTAB) {
			symscn = scn;
			symsh = sh;
		}
	}
	assert_non_null(symscn);
	Elf_Data *syms = elf_getdata(symscn, NULL);
	size_t nsym = symsh.sh_size / symsh.sh_entsize;
	for (size_t i = 0; i < nsym; i++) {
		GElf_Sym y;
		gelf_getsym(syms, (int)i, &y);
		if (GELF_ST_TYPE(y.st_info) != STT_FUNC || !y.st_size || y.st_shndx == SHN_UNDEF)
			continue;
		Elf_Scn *fs = elf_getscn(elf, y.st_shndx);
		GElf_Shdr fsh;
		gelf_getshdr(fs, &fsh);
		if (!(fsh.sh_flags & SHF_EXECINSTR) || y.st_value < fsh.sh_addr ||
		    y.st_value + y.st_size > fsh.sh_addr + fsh.sh_size)
			continue;
		Elf_Data *d = elf_getdata(fs, NULL);
		const uint8_t *code = (const uint8_t *)d->d_buf + (y.st_value - fsh.sh_addr);
		const char *name = elf_strptr(elf, symsh.sh_link, y.st_name);
		if (!name || !hf_x86_is_entry(name))
			continue; /* hf_recover.c does not decode those either */
		/* Linear sweep: every call instruction until the first one not decoded. */
		for (uint64_t a = y.st_value; a < y.st_value + y.st_size;) {
			struct insn in;
			decode(code + (a - y.st_value), code + y.st_size, a, &in);
			if (in.stop || !in.len)
				break;
			if (in.branch == 3)
				check_site(cfi, code, y.st_value, y.st_size, a + in.len, c, name);
			a += in.len;
		}
	}
	elf_end(elf);
	close(fd);
}

static void test_against_cfi(void **state)
{
	(void)state;
	const char *b = getenv("B");
	char path[4096];
	struct counts all = { 0 };
	for (int k = 0; k < 2; k++) {
		struct counts c = { 0 };
		snprintf(path, sizeof path, "%s/tests/link/%s/link_callers", b ? b : "build",
			 k ? "musl" : "static");
		check_binary(path, &c);
		fprintf(stderr, "%s: %zu call sites, %zu with an rsp-based CFA, %zu answered, %zu wrong\n",
			path, c.sites, c.rsp_cfa, c.answered, c.wrong);
		all.sites += c.sites;
		all.rsp_cfa += c.rsp_cfa;
		all.answered += c.answered;
		all.wrong += c.wrong;
	}
	if (!all.sites)
		skip();
	assert_int_equal(all.wrong, 0);
	/* The decoder must do real work: most call sites answered. */
	assert_true(all.answered * 10 >= all.rsp_cfa * 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_cfi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
