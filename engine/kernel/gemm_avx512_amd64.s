//go:build amd64 && !purego

#include "textflag.h"

// The AVX-512 micro-kernel keeps an 8×48 tile of C in Z8–Z31 (three
// 16-lane registers per row). Each step over k loads one 48-wide row of the
// B panel into Z0–Z2, broadcasts the 8 elements of A's column k one at a time
// into Z3–Z6, and issues 24 FMAs. Rows 0–3 of A are addressed from SI and
// rows 4–7 from DI, each as base, base+ai, base+2ai, base+3ai. R13 runs 8
// rows of B ahead, prefetching into L1; when far > 0, R12 runs far rows
// ahead prefetching into L2, for B read in place from L3 or DRAM.

#define FMAROW(s, c0, c1, c2) \
	VFMADD231PS Z0, s, c0; \
	VFMADD231PS Z1, s, c1; \
	VFMADD231PS Z2, s, c2

#define KSTEP \
	VMOVUPS      (BX), Z0; \
	VMOVUPS      64(BX), Z1; \
	VMOVUPS      128(BX), Z2; \
	VBROADCASTSS (SI), Z3; \
	FMAROW(Z3, Z8, Z9, Z10); \
	VBROADCASTSS (SI)(DX*1), Z4; \
	FMAROW(Z4, Z11, Z12, Z13); \
	VBROADCASTSS (SI)(DX*2), Z5; \
	FMAROW(Z5, Z14, Z15, Z16); \
	VBROADCASTSS (SI)(R8*1), Z6; \
	FMAROW(Z6, Z17, Z18, Z19); \
	VBROADCASTSS (DI), Z3; \
	FMAROW(Z3, Z20, Z21, Z22); \
	VBROADCASTSS (DI)(DX*1), Z4; \
	FMAROW(Z4, Z23, Z24, Z25); \
	VBROADCASTSS (DI)(DX*2), Z5; \
	FMAROW(Z5, Z26, Z27, Z28); \
	VBROADCASTSS (DI)(R8*1), Z6; \
	FMAROW(Z6, Z29, Z30, Z31); \
	PREFETCHT0   (R13); \
	PREFETCHT0   64(R13); \
	PREFETCHT0   128(R13); \
	ADDQ         R9, SI; \
	ADDQ         R9, DI; \
	ADDQ         R10, BX; \
	ADDQ         R10, R13

// KSTEPF is KSTEP plus a far prefetch into L2 of the B row at R12.
#define KSTEPF \
	KSTEP; \
	PREFETCHT1   (R12); \
	PREFETCHT1   64(R12); \
	PREFETCHT1   128(R12); \
	ADDQ         R10, R12

// UPDROW writes row c0..c2 of the tile to (R11) as alpha·acc + beta·C.
#define UPDROW(c0, c1, c2) \
	VMULPS      Z0, c0, c0; \
	VMULPS      Z0, c1, c1; \
	VMULPS      Z0, c2, c2; \
	VFMADD231PS (R11), Z1, c0; \
	VFMADD231PS 64(R11), Z1, c1; \
	VFMADD231PS 128(R11), Z1, c2; \
	VMOVUPS     c0, (R11); \
	VMOVUPS     c1, 64(R11); \
	VMOVUPS     c2, 128(R11); \
	ADDQ        R12, R11

// STOROW writes row c0..c2 of the tile to (R11) as alpha·acc, never reading C.
#define STOROW(c0, c1, c2) \
	VMULPS  Z0, c0, c0; \
	VMULPS  Z0, c1, c1; \
	VMULPS  Z0, c2, c2; \
	VMOVUPS c0, (R11); \
	VMOVUPS c1, 64(R11); \
	VMOVUPS c2, 128(R11); \
	ADDQ    R12, R11

// func gemmAVX512(kc int, a *float32, ai, ak int, b *float32, bk int, c *float32, ldc int, alpha, beta float32, far int)
TEXT ·gemmAVX512(SB), NOSPLIT, $0-80
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ai+16(FP), DX
	SHLQ $2, DX
	LEAQ (DX)(DX*2), R8
	LEAQ (SI)(DX*4), DI
	MOVQ ak+24(FP), R9
	SHLQ $2, R9
	MOVQ b+32(FP), BX
	MOVQ bk+40(FP), R10
	SHLQ $2, R10
	LEAQ (BX)(R10*8), R13

	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	VPXORD Z24, Z24, Z24
	VPXORD Z25, Z25, Z25
	VPXORD Z26, Z26, Z26
	VPXORD Z27, Z27, Z27
	VPXORD Z28, Z28, Z28
	VPXORD Z29, Z29, Z29
	VPXORD Z30, Z30, Z30
	VPXORD Z31, Z31, Z31

	MOVQ  far+72(FP), R12
	MOVQ  CX, AX
	SHRQ  $2, AX
	TESTQ R12, R12
	JNZ   withfar
	TESTQ AX, AX
	JZ    tail

loop4:
	KSTEP
	KSTEP
	KSTEP
	KSTEP
	DECQ AX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   update

loop1:
	KSTEP
	DECQ CX
	JNZ  loop1
	JMP  update

withfar:
	IMULQ R10, R12
	ADDQ  BX, R12
	TESTQ AX, AX
	JZ    tailf

loop4f:
	KSTEPF
	KSTEPF
	KSTEPF
	KSTEPF
	DECQ AX
	JNZ  loop4f

tailf:
	ANDQ $3, CX
	JZ   update

loop1f:
	KSTEPF
	DECQ CX
	JNZ  loop1f

update:
	MOVQ         c+48(FP), R11
	MOVQ         ldc+56(FP), R12
	SHLQ         $2, R12
	VBROADCASTSS alpha+64(FP), Z0
	MOVL         beta+68(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           store

	VBROADCASTSS beta+68(FP), Z1
	UPDROW(Z8, Z9, Z10)
	UPDROW(Z11, Z12, Z13)
	UPDROW(Z14, Z15, Z16)
	UPDROW(Z17, Z18, Z19)
	UPDROW(Z20, Z21, Z22)
	UPDROW(Z23, Z24, Z25)
	UPDROW(Z26, Z27, Z28)
	UPDROW(Z29, Z30, Z31)
	VZEROUPPER
	RET

store:
	STOROW(Z8, Z9, Z10)
	STOROW(Z11, Z12, Z13)
	STOROW(Z14, Z15, Z16)
	STOROW(Z17, Z18, Z19)
	STOROW(Z20, Z21, Z22)
	STOROW(Z23, Z24, Z25)
	STOROW(Z26, Z27, Z28)
	STOROW(Z29, Z30, Z31)
	VZEROUPPER
	RET
