/* Ground truth for the unwinder's memo where rbp is an ordinary register (code built without
 * frame pointers): a saved rbp that no later step reads need not match the kept trace, but the
 * value the ordinary steps go on with must be the one on the stack, not the kept trace's.
 *
 * The frames below are written in assembly so that their unwind rules are exactly these
 * (innermost first):
 *   f1   saves rbp and puts a count in it, calls malloc       (the step out reloads rbp)
 *   f2   leaves rbp alone, CFA from rsp                       (rbp passes through)
 *   z1   saves rbp and puts a count in it, CFA from rsp       (reloads rbp, never reads it)
 *   z2   keeps a frame pointer: CFA from rbp                  (reads the rbp that f1 saved)
 * z1 and z2 take the same 16 bytes of stack, so f2 and f1 lie at the same addresses under
 * either. Each round calls z1 then z2 at the same depth of rec, which changes every round
 * (i % 12), so no kept trace can be replayed whole: the unwinder walks each stack and takes
 * from the last one (via z1) the frames they share. There the word f1 saved differs (z2's frame
 * pointer, not z1's count) and the next step, z2's, reads it. 2,000 rounds:
 *   main -> rec x (d + 1) -> z1 -> f2 -> f1 -> malloc(40 + d)      2,000 blocks
 *   main -> rec x (d + 1) -> z2 -> f2 -> f1 -> malloc(1040 + d)    2,000 blocks
 * 167 rounds at depths 0 to 7, 166 at 8 to 11. Every block is freed at once. */
#include "gt.h"

void *z1(size_t n), *z2(size_t n);

__asm__(".text\n"
	".globl f1\n.type f1, @function\nf1:\n"
	".cfi_startproc\n"
	"	push %rbp\n"
	".cfi_def_cfa_offset 16\n.cfi_offset %rbp, -16\n"
	"	incq f1_count(%rip)\n"
	"	mov f1_count(%rip), %rbp\n"
	"	call malloc@PLT\n"
	"	pop %rbp\n"
	".cfi_def_cfa_offset 8\n"
	"	ret\n"
	".cfi_endproc\n.size f1, .-f1\n"

	".globl f2\n.type f2, @function\nf2:\n"
	".cfi_startproc\n"
	"	sub $8, %rsp\n"
	".cfi_def_cfa_offset 16\n"
	"	call f1\n"
	"	add $8, %rsp\n"
	".cfi_def_cfa_offset 8\n"
	"	ret\n"
	".cfi_endproc\n.size f2, .-f2\n"

	".globl z1\n.type z1, @function\nz1:\n"
	".cfi_startproc\n"
	"	push %rbp\n"
	".cfi_def_cfa_offset 16\n.cfi_offset %rbp, -16\n"
	"	call f2\n"
	"	pop %rbp\n"
	".cfi_def_cfa_offset 8\n"
	"	ret\n"
	".cfi_endproc\n.size z1, .-z1\n"

	".globl z2\n.type z2, @function\nz2:\n"
	".cfi_startproc\n"
	"	push %rbp\n"
	".cfi_def_cfa_offset 16\n.cfi_offset %rbp, -16\n"
	"	mov %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"	call f2\n"
	"	pop %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	".cfi_endproc\n.size z2, .-z2\n"

	".data\n.p2align 3\nf1_count: .quad 0\n.text\n");

/* Calls z at d + 1 levels of recursion. */
__attribute__((noinline)) static void rec(int d, void *(*z)(size_t), size_t n)
{
	if (d > 0)
		rec(d - 1, z, n);
	else
		free(z(n));
	gt_keep(NULL);
}

int main(void)
{
	for (int i = 0; i < 2000; i++) {
		int d = i % 12;
		rec(d, z1, 40 + (size_t)d);
		rec(d, z2, 1040 + (size_t)d);
	}
	gt_say("gt_rbp: ok\n");
	return 0;
}
