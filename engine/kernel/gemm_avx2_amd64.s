//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 micro-kernel keeps a 4×24 tile of C in Y4–Y15 (three 8-lane
// registers per row). Each step over k loads one 24-wide row of the B panel
// into Y0–Y2, broadcasts the 4 elements of A's column k in turn into Y3 and
// issues 12 FMAs; all 16 YMM registers are in use. Rows of A are addressed
// as SI, SI+ai, SI+2ai, SI+3ai. R13 runs 8 rows of B ahead, prefetching
// into L1; when far > 0, R12 runs far rows ahead prefetching into L2.

#define FMAROW(c0, c1, c2) \
	VFMADD231PS Y0, Y3, c0; \
	VFMADD231PS Y1, Y3, c1; \
	VFMADD231PS Y2, Y3, c2

#define KSTEP \
	VMOVUPS      (BX), Y0; \
	VMOVUPS      32(BX), Y1; \
	VMOVUPS      64(BX), Y2; \
	PREFETCHT0   (R13); \
	PREFETCHT0   64(R13); \
	VBROADCASTSS (SI), Y3; \
	FMAROW(Y4, Y5, Y6); \
	VBROADCASTSS (SI)(DX*1), Y3; \
	FMAROW(Y7, Y8, Y9); \
	VBROADCASTSS (SI)(DX*2), Y3; \
	FMAROW(Y10, Y11, Y12); \
	VBROADCASTSS (SI)(R8*1), Y3; \
	FMAROW(Y13, Y14, Y15); \
	ADDQ         R9, SI; \
	ADDQ         R10, BX; \
	ADDQ         R10, R13

// KSTEPF is KSTEP plus a far prefetch into L2 of the B row at R12.
#define KSTEPF \
	KSTEP; \
	PREFETCHT1   (R12); \
	PREFETCHT1   64(R12); \
	ADDQ         R10, R12

// UPDROW writes one row of the tile to (R11) as alpha·acc + beta·C.
#define UPDROW(c0, c1, c2) \
	VMULPS      Y0, c0, c0; \
	VMULPS      Y0, c1, c1; \
	VMULPS      Y0, c2, c2; \
	VFMADD231PS (R11), Y1, c0; \
	VFMADD231PS 32(R11), Y1, c1; \
	VFMADD231PS 64(R11), Y1, c2; \
	VMOVUPS     c0, (R11); \
	VMOVUPS     c1, 32(R11); \
	VMOVUPS     c2, 64(R11); \
	ADDQ        R12, R11

// STOROW writes one row of the tile to (R11) as alpha·acc, never reading C.
#define STOROW(c0, c1, c2) \
	VMULPS  Y0, c0, c0; \
	VMULPS  Y0, c1, c1; \
	VMULPS  Y0, c2, c2; \
	VMOVUPS c0, (R11); \
	VMOVUPS c1, 32(R11); \
	VMOVUPS c2, 64(R11); \
	ADDQ    R12, R11

// func gemmAVX2(kc int, a *float32, ai, ak int, b *float32, bk int, c *float32, ldc int, alpha, beta float32, far int)
TEXT ·gemmAVX2(SB), NOSPLIT, $0-80
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ ai+16(FP), DX
	SHLQ $2, DX
	LEAQ (DX)(DX*2), R8
	MOVQ ak+24(FP), R9
	SHLQ $2, R9
	MOVQ b+32(FP), BX
	MOVQ bk+40(FP), R10
	SHLQ $2, R10
	LEAQ (BX)(R10*8), R13

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

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
	VBROADCASTSS alpha+64(FP), Y0
	MOVL         beta+68(FP), AX
	TESTL        $0x7fffffff, AX
	JZ           store

	VBROADCASTSS beta+68(FP), Y1
	UPDROW(Y4, Y5, Y6)
	UPDROW(Y7, Y8, Y9)
	UPDROW(Y10, Y11, Y12)
	UPDROW(Y13, Y14, Y15)
	VZEROUPPER
	RET

store:
	STOROW(Y4, Y5, Y6)
	STOROW(Y7, Y8, Y9)
	STOROW(Y10, Y11, Y12)
	STOROW(Y13, Y14, Y15)
	VZEROUPPER
	RET
