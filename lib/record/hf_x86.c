/* hf_x86.c: the stack height at a call instruction of an x86-64 function, from its machine code
 * (hf_recover.c uses it for musl's libc, which has no unwind tables).
 *
 * From the function's first instruction, instructions are decoded along every path (both ways
 * at a conditional branch, to the target of a jump) until the call that ends at the return
 * address asked about. Each path keeps the height (bytes pushed or subtracted from rsp since
 * entry) and where rbp was pushed, if it was. The answer rests on what compilers guarantee and
 * unwind tables describe: the height at an instruction is the same on every path that reaches
 * it (locals are addressed at fixed offsets from rsp), so one fully decoded path is enough.
 * Everything a path cannot account for ends that path, never the answer: an instruction outside
 * the subset below, one that writes rsp other than push, pop, and add or sub of a constant
 * (alloca, leave, realignment), rbp written before it was pushed (the caller's rbp would be
 * lost), paths that reach one instruction with two heights (then there is no answer at all).
 *
 * The decoder knows instruction lengths for the general-purpose and SSE instructions compilers
 * emit for baseline x86-64 (no VEX or EVEX), and which general register each writes. */
#include <string.h>

#include "hf_base.h"
#include "hf_recover.h"

#define MAX_INSNS 4096 /* decoded instructions per question, all paths together */
#define MAX_SEEN 1024  /* distinct instruction addresses remembered */
#define RSP 4
#define RBP 5

struct insn {
	unsigned len;
	int dest1, dest2;  /* general registers written (-1: none) */
	int push, pop;     /* rsp -= 8 / rsp += 8 */
	int64_t rsp_add;   /* add (positive) or sub (negative) of a constant to rsp */
	int branch;        /* 1 conditional, 2 unconditional jump, 3 call, 4 end of path */
	uint64_t target;   /* direct branch target, 0 if indirect */
	int stop;          /* not decoded, or writes rsp in a way not followed */
	int push_reg;      /* the register pushed, -1 */
};

static int32_t rd32(const uint8_t *p)
{
	int32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* The bytes of a ModRM operand after the ModRM byte (SIB, displacement). */
static unsigned modrm_extra(const uint8_t *p, const uint8_t *end, int *ok)
{
	if (p >= end) {
		*ok = 0;
		return 0;
	}
	unsigned mod = p[0] >> 6, rm = p[0] & 7, n = 0;
	if (mod == 3)
		return 0;
	if (rm == 4) {
		if (p + 1 >= end) {
			*ok = 0;
			return 0;
		}
		n = 1;
		if (mod == 0 && (p[1] & 7) == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n = 4; /* rip-relative */
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/* Decodes the instruction at p (address a). */
static void decode(const uint8_t *p, const uint8_t *end, uint64_t a, struct insn *in)
{
	const uint8_t *s = p;
	int rex = 0, opsize16 = 0, rep = 0, ok = 1;
	memset(in, 0, sizeof *in);
	in->dest1 = in->dest2 = in->push_reg = -1;
	in->stop = 1;
	for (; p < end; p++) { /* legacy prefixes */
		uint8_t b = *p;
		if (b == 0x66)
			opsize16 = 1;
		else if (b == 0xf2 || b == 0xf3)
			rep = b;
		else if (b != 0x67 && b != 0xf0 && b != 0x2e && b != 0x3e && b != 0x26 && b != 0x36 &&
			 b != 0x64 && b != 0x65)
			break;
	}
	if (p < end && (*p & 0xf0) == 0x40)
		rex = *p++;
	if (p >= end)
		return;
	int w = (rex >> 3) & 1, r = (rex >> 2) & 1, bx = rex & 1;
	uint8_t op = *p++;
	int has_modrm = 0, imm = 0, reg_dest = 0, rm_dest = 0, both = 0;
	unsigned ext = 0;
	uint8_t m = 0;
#define MODRM()                                                                                   \
	do {                                                                                      \
		has_modrm = 1;                                                                    \
		if (p >= end)                                                                     \
			return;                                                                   \
		m = *p;                                                                           \
		ext = (m >> 3) & 7;                                                               \
	} while (0)
	int z = opsize16 ? 2 : 4; /* "z"-sized immediate */

	if (op == 0x0f) {
		if (p >= end)
			return;
		uint8_t o2 = *p++;
		if (o2 == 0x38) { /* three-byte: SSSE3/SSE4 with ModRM, xmm destinations */
			if (p >= end)
				return;
			uint8_t o3 = *p++;
			if (o3 >= 0xf0)
				return; /* movbe, crc32: general registers, not followed */
			MODRM();
		} else if (o2 == 0x3a) {
			if (p >= end)
				return;
			uint8_t o3 = *p++;
			MODRM();
			imm = 1;
			if (o3 == 0x14 || o3 == 0x16 || o3 == 0x17)
				rm_dest = 1; /* pextrb/d/q, extractps: to r/m */
		} else if (o2 == 0x05 || o2 == 0xa2 || o2 == 0x31) {
			/* syscall, cpuid, rdtsc: fixed registers, never rsp or rbp */
		} else if (o2 == 0x0b) {
			in->branch = 4; /* ud2 */
		} else if (o2 >= 0x80 && o2 <= 0x8f) {
			in->len = (unsigned)(p - s) + 4;
			if (p + 4 > end)
				return;
			in->branch = 1;
			in->target = a + in->len + (uint64_t)(int64_t)rd32(p);
			in->stop = 0;
			return;
		} else if (o2 >= 0x40 && o2 <= 0x4f) {
			MODRM();
			reg_dest = 1; /* cmov */
		} else if (o2 >= 0x90 && o2 <= 0x9f) {
			MODRM();
			rm_dest = 1; /* setcc */
		} else if (o2 >= 0xc8 && o2 <= 0xcf) {
			in->dest1 = (o2 & 7) | bx << 3; /* bswap */
		} else if (o2 == 0x1e || o2 == 0x1f || o2 == 0x18 || o2 == 0x0d) {
			MODRM(); /* endbr64 (f3 0f 1e fa), multi-byte nops, prefetch */
		} else if (o2 == 0xaf || o2 == 0xb6 || o2 == 0xb7 || o2 == 0xbe || o2 == 0xbf ||
			   o2 == 0xbc || o2 == 0xbd || o2 == 0xb8 || o2 == 0x50 || o2 == 0xd7 ||
			   ((o2 == 0x2c || o2 == 0x2d) && rep)) {
			MODRM();
			reg_dest = 1;
		} else if (o2 == 0xa3) {
			MODRM(); /* bt */
		} else if (o2 == 0xab || o2 == 0xb3 || o2 == 0xbb || o2 == 0xa5 || o2 == 0xad ||
			   o2 == 0xb0 || o2 == 0xb1) {
			MODRM();
			rm_dest = 1;
		} else if (o2 == 0xa4 || o2 == 0xac) {
			MODRM();
			rm_dest = 1;
			imm = 1;
		} else if (o2 == 0xba) {
			MODRM();
			imm = 1;
			rm_dest = ext >= 5;
		} else if (o2 == 0xc0 || o2 == 0xc1) {
			MODRM();
			both = 1; /* xadd */
		} else if (o2 == 0xc5) {
			MODRM();
			imm = 1;
			reg_dest = 1; /* pextrw */
		} else if (o2 == 0x7e && !rep) {
			MODRM();
			rm_dest = 1; /* movd/movq xmm or mm to r/m */
		} else if (o2 == 0x70 || o2 == 0x71 || o2 == 0x72 || o2 == 0x73 || o2 == 0xc2 ||
			   o2 == 0xc4 || o2 == 0xc6) {
			MODRM();
			imm = 1; /* pshufd, shifts by immediate, cmpps, pinsrw, shufps: xmm dest */
		} else if ((o2 >= 0x10 && o2 <= 0x17) || (o2 >= 0x28 && o2 <= 0x2f) ||
			   (o2 >= 0x51 && o2 <= 0x6f) || (o2 >= 0x74 && o2 <= 0x7f) ||
			   (o2 >= 0xd0 && o2 <= 0xfe)) {
			MODRM(); /* SSE: xmm (or memory) destinations */
		} else {
			return;
		}
	} else if (op < 0x40 && (op & 7) < 4 && op != 0x0f) { /* ALU r/m, reg forms */
		MODRM();
		if ((op & 0xf8) != 0x38) { /* cmp writes nothing */
			if (op & 2)
				reg_dest = 1;
			else
				rm_dest = 1;
		}
	} else if (op < 0x40 && ((op & 7) == 4 || (op & 7) == 5)) {
		imm = (op & 7) == 4 ? 1 : z; /* ALU al/eax, imm: rax only */
	} else if (op >= 0x50 && op <= 0x57) {
		in->push = 1;
		in->push_reg = (op & 7) | bx << 3;
	} else if (op >= 0x58 && op <= 0x5f) {
		in->pop = 1;
		in->dest1 = (op & 7) | bx << 3;
	} else if (op == 0x63 || op == 0x8b || op == 0x8a || op == 0x8d) {
		MODRM();
		reg_dest = 1;
	} else if (op == 0x69 || op == 0x6b) {
		MODRM();
		reg_dest = 1;
		imm = op == 0x69 ? z : 1;
	} else if (op == 0x68 || op == 0x6a) {
		in->push = 1;
		imm = op == 0x68 ? 4 : 1;
	} else if (op >= 0x70 && op <= 0x7f) {
		in->len = (unsigned)(p - s) + 1;
		if (p + 1 > end)
			return;
		in->branch = 1;
		in->target = a + in->len + (uint64_t)(int64_t)(int8_t)*p;
		in->stop = 0;
		return;
	} else if (op == 0x80 || op == 0x81 || op == 0x83) {
		MODRM();
		imm = op == 0x81 ? z : 1;
		rm_dest = ext != 7;
	} else if (op == 0x84 || op == 0x85) {
		MODRM(); /* test */
	} else if (op == 0x86 || op == 0x87) {
		MODRM();
		both = 1;
	} else if (op == 0x88 || op == 0x89) {
		MODRM();
		rm_dest = 1;
	} else if (op >= 0x90 && op <= 0x97) {
		if (op != 0x90 || bx) {
			in->dest1 = (op & 7) | bx << 3; /* xchg eax, reg */
			in->dest2 = 0;
		}
	} else if (op == 0x98 || op == 0x99 || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf)) {
		/* cdqe, cqo, string instructions: rax, rdx, rsi, rdi, rcx only */
	} else if (op == 0xa8 || op == 0xa9) {
		imm = op == 0xa8 ? 1 : z;
	} else if (op >= 0xb0 && op <= 0xb7) {
		imm = 1;
		in->dest1 = (op & 7) | bx << 3;
	} else if (op >= 0xb8 && op <= 0xbf) {
		imm = w ? 8 : z;
		in->dest1 = (op & 7) | bx << 3;
	} else if (op == 0xc0 || op == 0xc1 || op == 0xc6 || op == 0xc7) {
		MODRM();
		imm = op == 0xc7 ? z : 1;
		rm_dest = 1;
	} else if (op >= 0xd0 && op <= 0xd3) {
		MODRM();
		rm_dest = 1;
	} else if (op == 0xc3 || op == 0xc2) {
		in->branch = 4;
		imm = op == 0xc2 ? 2 : 0;
	} else if (op == 0xcc || op == 0xf4) {
		in->branch = 4;
	} else if (op == 0xe8 || op == 0xe9) {
		in->len = (unsigned)(p - s) + 4;
		if (p + 4 > end)
			return;
		in->branch = op == 0xe8 ? 3 : 2;
		in->target = a + in->len + (uint64_t)(int64_t)rd32(p);
		in->stop = 0;
		return;
	} else if (op == 0xeb) {
		in->len = (unsigned)(p - s) + 1;
		if (p + 1 > end)
			return;
		in->branch = 2;
		in->target = a + in->len + (uint64_t)(int64_t)(int8_t)*p;
		in->stop = 0;
		return;
	} else if (op == 0xf6 || op == 0xf7) {
		MODRM();
		if (ext < 2)
			imm = op == 0xf6 ? 1 : z; /* test */
		rm_dest = ext == 2 || ext == 3; /* not, neg; mul and div write rax, rdx */
	} else if (op == 0xfe || op == 0xff) {
		MODRM();
		if (ext < 2) {
			rm_dest = 1;
		} else if (op == 0xff && ext == 2) {
			in->branch = 3; /* indirect call */
		} else if (op == 0xff && ext == 4) {
			in->branch = 4; /* indirect jump: the path ends (tail call or switch) */
		} else if (op == 0xff && ext == 6) {
			in->push = 1;
		} else {
			return;
		}
	} else {
		return; /* enter, leave, pushf, far transfers, x87, VEX, ...: not followed */
	}
	if (has_modrm) {
		unsigned extra = modrm_extra(p, end, &ok);
		if (!ok)
			return;
		p += 1 + extra;
		int is_reg = (m >> 6) == 3;
		int rreg = (int)(ext | (unsigned)r << 3), rmreg = (int)((m & 7) | (unsigned)bx << 3);
		if (reg_dest || both)
			in->dest1 = rreg;
		if ((rm_dest || both) && is_reg)
			in->dest2 = rmreg;
		/* add or sub of a constant to rsp: followed; anything else writing rsp ends the path */
		if ((op == 0x81 || op == 0x83) && is_reg && rmreg == RSP && w && (ext == 0 || ext == 5)) {
			if (p + (op == 0x81 ? 4 : 1) > end)
				return;
			int64_t v = op == 0x81 ? rd32(p) : (int8_t)*p;
			in->rsp_add = ext == 0 ? v : -v;
			in->dest2 = -1;
		}
	}
	p += imm;
	if (p > end)
		return;
	in->len = (unsigned)(p - s);
	if (in->len > 15)
		return;
	in->stop = 0;
#undef MODRM
}

int hf_x86_is_entry(const char *name)
{
	/* GCC's "foo.cold" symbols are the cold blocks of foo, moved away: not entered by a call,
	 * they start with foo's frame already built. */
	return !strstr(name, ".cold");
}

struct path {
	uint64_t a;
	int32_t h;     /* height: bytes below the entry rsp */
	int32_t rbp_h; /* rbp was pushed when the height became rbp_h; -1 if not (yet) */
};

struct seen {
	uint64_t a;
	int32_t h;
};

int hf_x86_call_height(const uint8_t *code, uint64_t start, uint64_t size, uint64_t ret,
		       int32_t *height, int32_t *rbp_h)
{
	static struct path work[MAX_SEEN];
	static struct seen seen[MAX_SEEN];
	size_t nw = 0, ns = 0, steps = 0;
	int found = 0;
	if (ret <= start || ret > start + size)
		return -1;
	work[nw++] = (struct path){ start, 0, -1 };
	while (nw > 0 && steps < MAX_INSNS) {
		struct path pt = work[--nw];
		for (;;) {
			if (pt.a < start || pt.a >= start + size || ++steps > MAX_INSNS)
				break;
			/* Visited: the same height again ends the path; another height, no answer. */
			size_t i;
			for (i = 0; i < ns && seen[i].a != pt.a; i++)
				;
			if (i < ns) {
				if (seen[i].h != pt.h)
					return -1;
				break;
			}
			if (ns == MAX_SEEN)
				return -1;
			seen[ns++] = (struct seen){ pt.a, pt.h };
			struct insn in;
			const uint8_t *p = code + (pt.a - start);
			decode(p, code + size, pt.a, &in);
			if (in.stop || (in.dest1 == RSP || in.dest2 == RSP) ||
			    ((in.dest1 == RBP || in.dest2 == RBP) && pt.rbp_h < 0 && !in.pop))
				break;
			if (in.branch == 3 && pt.a + in.len == ret) {
				if (found && (*height != pt.h || *rbp_h != pt.rbp_h))
					return -1;
				*height = pt.h;
				*rbp_h = pt.rbp_h;
				found = 1;
				break; /* a call returns with the height it was made at */
			}
			if (in.push) {
				pt.h += 8;
				if (in.push_reg == RBP && pt.rbp_h < 0)
					pt.rbp_h = pt.h;
			}
			if (in.pop) {
				if (in.dest1 == RBP) {
					if (pt.rbp_h != pt.h)
						break; /* rbp from anywhere but its own push: not followed */
					pt.rbp_h = -1;
				}
				pt.h -= 8;
			}
			pt.h -= (int32_t)in.rsp_add;
			if (pt.h < 0 || pt.h > (1 << 20))
				break; /* below the entry rsp: an epilogue ahead of a tail call */
			if (in.branch == 4)
				break;
			uint64_t next = pt.a + in.len;
			if (in.branch == 1 && in.target) {
				if (nw == MAX_SEEN)
					return -1;
				work[nw++] = (struct path){ in.target, pt.h, pt.rbp_h };
			} else if (in.branch == 2) {
				if (!in.target)
					break;
				next = in.target;
			}
			pt.a = next;
		}
	}
	return found ? 0 : -1;
}
