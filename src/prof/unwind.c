/*
 * A CFI unwinder on libdw's dwarf_cfi_addrframe: for each frame, the rule
 * for the CFA and where the caller's return address and bp are saved,
 * evaluated against the registers and the stack copy of the sample. The
 * DWARF expressions that x86-64 code uses in CFI (PLT entries, signal
 * frames' neighbours) are small: a stack machine of a dozen operations.
 */
#include "prof/unwind.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "prof/symbols.h"

enum { REG_BP = 6, REG_SP = 7, REG_RA = 16 };

struct regs {
	uint64_t v[17];
	unsigned valid;	/* bit per register */
};

static int mem_read(const struct unwind_state *st, uint64_t addr, uint64_t *out)
{
	if (addr < st->stack_base || addr - st->stack_base > st->stack_len ||
	    st->stack_len - (addr - st->stack_base) < 8)
		return -1;
	memcpy(out, st->stack + (addr - st->stack_base), 8);
	return 0;
}

static int reg_get(const struct regs *r, unsigned reg, uint64_t *out)
{
	if (reg > 16 || !(r->valid & (1u << reg)))
		return -1;
	*out = r->v[reg];
	return 0;
}

/*
 * Evaluates a DWARF expression; cfa is pushed by DW_OP_call_frame_cfa.
 * Sets *is_value when the result is a value (DW_OP_stack_value or a
 * register), not an address to read.
 */
static int eval(const Dwarf_Op *ops, size_t nops, const struct regs *r, uint64_t cfa,
		const struct unwind_state *st, uint64_t *out, int *is_value)
{
	uint64_t stk[16];
	int sp = 0;

	*is_value = 0;
	for (size_t i = 0; i < nops; i++) {
		uint8_t op = ops[i].atom;
		uint64_t a, b;

#define PUSH(x) do { if (sp >= 16) return -1; stk[sp++] = (x); } while (0)
#define POP(x) do { if (sp <= 0) return -1; (x) = stk[--sp]; } while (0)
		if (op >= DW_OP_breg0 && op <= DW_OP_breg16) {
			if (reg_get(r, op - DW_OP_breg0, &a) < 0)
				return -1;
			PUSH(a + ops[i].number);
		} else if (op >= DW_OP_reg0 && op <= DW_OP_reg16) {
			if (reg_get(r, op - DW_OP_reg0, &a) < 0)
				return -1;
			PUSH(a);
			*is_value = 1;
		} else if (op >= DW_OP_lit0 && op <= DW_OP_lit31) {
			PUSH((uint64_t)(op - DW_OP_lit0));
		} else {
			switch (op) {
			case DW_OP_bregx:
				if (reg_get(r, (unsigned)ops[i].number, &a) < 0)
					return -1;
				PUSH(a + ops[i].number2);
				break;
			case DW_OP_regx:
				if (reg_get(r, (unsigned)ops[i].number, &a) < 0)
					return -1;
				PUSH(a);
				*is_value = 1;
				break;
			case DW_OP_call_frame_cfa:
				PUSH(cfa);
				break;
			case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
			case DW_OP_const8u: case DW_OP_constu:
			case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
			case DW_OP_const8s: case DW_OP_consts:
				PUSH(ops[i].number);
				break;
			case DW_OP_plus_uconst:
				POP(a);
				PUSH(a + ops[i].number);
				break;
			case DW_OP_deref:
				POP(a);
				if (mem_read(st, a, &b) < 0)
					return -1;
				PUSH(b);
				break;
			case DW_OP_stack_value:
				*is_value = 1;
				break;
			case DW_OP_plus: POP(b); POP(a); PUSH(a + b); break;
			case DW_OP_minus: POP(b); POP(a); PUSH(a - b); break;
			case DW_OP_mul: POP(b); POP(a); PUSH(a * b); break;
			case DW_OP_and: POP(b); POP(a); PUSH(a & b); break;
			case DW_OP_or: POP(b); POP(a); PUSH(a | b); break;
			case DW_OP_shl: POP(b); POP(a); PUSH(b < 64 ? a << b : 0); break;
			case DW_OP_shr: POP(b); POP(a); PUSH(b < 64 ? a >> b : 0); break;
			case DW_OP_ge: POP(b); POP(a); PUSH((int64_t)a >= (int64_t)b); break;
			case DW_OP_gt: POP(b); POP(a); PUSH((int64_t)a > (int64_t)b); break;
			case DW_OP_le: POP(b); POP(a); PUSH((int64_t)a <= (int64_t)b); break;
			case DW_OP_lt: POP(b); POP(a); PUSH((int64_t)a < (int64_t)b); break;
			default:
				return -1;
			}
		}
#undef PUSH
#undef POP
	}
	if (sp < 1)
		return -1;
	*out = stk[sp - 1];
	return 0;
}

/* The caller's value of reg in frame fr: 0, or -1 when it cannot be known. */
static int caller_reg(Dwarf_Frame *fr, int reg, const struct regs *r, uint64_t cfa,
		      const struct unwind_state *st, uint64_t *out)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;
	uint64_t v;
	int is_value;

	if (dwarf_frame_register(fr, reg, mem, &ops, &nops) != 0)
		return -1;
	if (!nops)	/* same value, or undefined */
		return ops == NULL ? reg_get(r, (unsigned)reg, out) : -1;
	if (eval(ops, nops, r, cfa, st, &v, &is_value) < 0)
		return -1;
	if (is_value) {
		*out = v;
		return 0;
	}
	return mem_read(st, v, out);
}

/*
 * One step: the frame at r (pc in dso at vaddr) to its caller's registers.
 * sp_based is set when the CFA rule is sp + offset.
 */
static int step(struct dso *d, uint64_t lookup_vaddr, struct regs *r,
		const struct unwind_state *st, int *sp_based)
{
	Dwarf_CFI *cfi;
	uint64_t bias, cfa, ra, bp;
	Dwarf_Frame *fr = NULL;
	Dwarf_Op *ops;
	size_t nops;
	int is_value;

	if (symbols_cfi(d, &cfi, &bias) < 0 || dwarf_cfi_addrframe(cfi, lookup_vaddr + bias, &fr) != 0)
		return -1;
	if (dwarf_frame_cfa(fr, &ops, &nops) != 0 || !nops ||
	    eval(ops, nops, r, 0, st, &cfa, &is_value) < 0) {
		free(fr);
		return -1;
	}
	if (sp_based)
		*sp_based = (ops[0].atom == DW_OP_breg7) ||
			    (ops[0].atom == DW_OP_bregx && ops[0].number == REG_SP);
	if (caller_reg(fr, REG_RA, r, cfa, st, &ra) < 0) {
		free(fr);
		return -1;
	}
	if (caller_reg(fr, REG_BP, r, cfa, st, &bp) == 0) {
		r->v[REG_BP] = bp;
		r->valid |= 1u << REG_BP;
	} else {
		r->valid &= ~(1u << REG_BP);
	}
	free(fr);
	r->v[REG_SP] = cfa;
	r->v[REG_RA] = ra;
	r->valid |= (1u << REG_SP) | (1u << REG_RA);
	return 0;
}

static void regs_from(struct regs *r, const struct unwind_state *st)
{
	memset(r, 0, sizeof(*r));
	r->v[REG_RA] = st->ip;
	r->v[REG_SP] = st->sp;
	r->v[REG_BP] = st->bp;
	r->valid = (1u << REG_RA) | (1u << REG_SP) | (st->have_bp ? 1u << REG_BP : 0);
}

int unwind_leaf_caller(struct dso *d, uint64_t vaddr, const struct unwind_state *st, uint64_t *ra)
{
	struct regs r;
	int sp_based = 0;

	regs_from(&r, st);
	if (step(d, vaddr, &r, st, &sp_based) < 0 || !sp_based || !r.v[REG_RA])
		return -1;
	*ra = r.v[REG_RA];
	return 0;
}

size_t unwind_dwarf(const struct unwind_state *st, unwind_lookup_fn lookup, void *ctx,
		    uint64_t *ips, size_t max)
{
	struct regs r;
	size_t n = 0;

	regs_from(&r, st);
	while (n < max) {
		uint64_t pc = r.v[REG_RA], sp = r.v[REG_SP], vaddr;
		struct dso *d;

		ips[n++] = pc;
		d = lookup(ctx, pc, &vaddr);
		/* a return address points after the call: look up the call itself */
		if (!d || step(d, n > 1 ? vaddr - 1 : vaddr, &r, st, NULL) < 0)
			break;
		if (!r.v[REG_RA] || r.v[REG_SP] <= sp)
			break;	/* the outermost frame, or a loop */
	}
	return n;
}
