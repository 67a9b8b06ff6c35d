//go:build amd64 && !purego

#include "textflag.h"
#include "hsum.h"

// Vector kernels for AVX-512. Each processes a multiple of 16 elements; the
// Go wrappers in impl_amd64.go finish the last n%16 in Go.


// func dotAVX512(n int, x, y *float32) float32
TEXT ·dotAVX512(SB), NOSPLIT, $0-28
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	MOVQ   y+16(FP), DI
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ   CX, AX
	SHRQ   $6, AX
	JZ     dtail

dloop64:
	VMOVUPS     (SI), Z4
	VMOVUPS     64(SI), Z5
	VMOVUPS     128(SI), Z6
	VMOVUPS     192(SI), Z7
	VFMADD231PS (DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        AX
	JNZ         dloop64

dtail:
	ANDQ $63, CX
	SHRQ $4, CX
	JZ   dreduce

dloop16:
	VMOVUPS     (SI), Z4
	VFMADD231PS (DI), Z4, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         dloop16

dreduce:
	VADDPS        Z1, Z0, Z0
	VADDPS        Z3, Z2, Z2
	VADDPS        Z2, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X1, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VMOVSS        X0, ret+24(FP)
	VZEROUPPER
	RET

// func axpyAVX512(n int, alpha float32, x, y *float32)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	VBROADCASTSS alpha+8(FP), Z0
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	MOVQ         CX, AX
	SHRQ         $6, AX
	JZ           atail

aloop64:
	VMOVUPS     (SI), Z1
	VMOVUPS     64(SI), Z2
	VMOVUPS     128(SI), Z3
	VMOVUPS     192(SI), Z4
	VFMADD213PS (DI), Z0, Z1
	VFMADD213PS 64(DI), Z0, Z2
	VFMADD213PS 128(DI), Z0, Z3
	VFMADD213PS 192(DI), Z0, Z4
	VMOVUPS     Z1, (DI)
	VMOVUPS     Z2, 64(DI)
	VMOVUPS     Z3, 128(DI)
	VMOVUPS     Z4, 192(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	DECQ        AX
	JNZ         aloop64

atail:
	ANDQ $63, CX
	SHRQ $4, CX
	JZ   adone

aloop16:
	VMOVUPS     (SI), Z1
	VFMADD213PS (DI), Z0, Z1
	VMOVUPS     Z1, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        CX
	JNZ         aloop16

adone:
	VZEROUPPER
	RET

// func dot4AVX512(n int, x *float32, w *float32, ldw int, out *[4]float32)
//
// Four dot products of x with the rows w, w+ldw, w+2ldw, w+3ldw, two
// accumulators per row (Z0–Z3 and Z4–Z7) so the FMA chains overlap.
TEXT ·dot4AVX512(SB), NOSPLIT, $0-40
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	MOVQ   w+16(FP), BX
	MOVQ   ldw+24(FP), DX
	SHLQ   $2, DX
	LEAQ   (DX)(DX*2), R8
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	MOVQ   CX, AX
	SHRQ   $5, AX
	JZ     ftail

floop32:
	VMOVUPS     (SI), Z8
	VMOVUPS     64(SI), Z9
	VFMADD231PS (BX), Z8, Z0
	VFMADD231PS 64(BX), Z9, Z4
	VFMADD231PS (BX)(DX*1), Z8, Z1
	VFMADD231PS 64(BX)(DX*1), Z9, Z5
	VFMADD231PS (BX)(DX*2), Z8, Z2
	VFMADD231PS 64(BX)(DX*2), Z9, Z6
	VFMADD231PS (BX)(R8*1), Z8, Z3
	VFMADD231PS 64(BX)(R8*1), Z9, Z7
	ADDQ        $128, SI
	ADDQ        $128, BX
	DECQ        AX
	JNZ         floop32

ftail:
	ANDQ $16, CX
	JZ   freduce
	VMOVUPS     (SI), Z8
	VFMADD231PS (BX), Z8, Z0
	VFMADD231PS (BX)(DX*1), Z8, Z1
	VFMADD231PS (BX)(DX*2), Z8, Z2
	VFMADD231PS (BX)(R8*1), Z8, Z3

freduce:
	VADDPS        Z4, Z0, Z0
	VADDPS        Z5, Z1, Z1
	VADDPS        Z6, Z2, Z2
	VADDPS        Z7, Z3, Z3
	VEXTRACTF64X4 $1, Z0, Y4
	VEXTRACTF64X4 $1, Z1, Y5
	VEXTRACTF64X4 $1, Z2, Y6
	VEXTRACTF64X4 $1, Z3, Y7
	VADDPS        Y4, Y0, Y0
	VADDPS        Y5, Y1, Y1
	VADDPS        Y6, Y2, Y2
	VADDPS        Y7, Y3, Y3
	HSUMR(Y0, Y1, Y2, Y3, Y8, Y9, Y10, X10, X11)
	MOVQ          out+32(FP), DI
	VMOVUPS       X10, (DI)
	VZEROUPPER
	RET

// AXROW adds c0·Z0 + c1·Z1 + c2·Z2 + c3·Z3 to the 16 floats at addr.
#define AXROW(addr, c0, c1, c2, c3) \
	VMOVUPS     addr, Z4; \
	VFMADD231PS Z0, c0, Z4; \
	VFMADD231PS Z1, c1, Z4; \
	VFMADD231PS Z2, c2, Z4; \
	VFMADD231PS Z3, c3, Z4; \
	VMOVUPS     Z4, addr

// func axpy4AVX512(n int, y *float32, ldy int, m int, coef *float32, x *float32, ldx int, quads int)
//
// For each group ("quad") of four rows of x: broadcast the quad's 16
// coefficients into Z16–Z31, then for each 16 columns load the four rows of
// x into Z0–Z3 once and update the m rows of y. R13 is the quad's first row
// of x; n is a multiple of 16.
TEXT ·axpy4AVX512(SB), NOSPLIT, $0-64
	MOVQ n+0(FP), AX
	SHRQ $4, AX
	JZ   xdone
	MOVQ ldy+16(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R11
	MOVQ m+24(FP), R10
	MOVQ coef+32(FP), SI
	MOVQ x+40(FP), R13
	MOVQ ldx+48(FP), DX
	SHLQ $2, DX
	LEAQ (DX)(DX*2), R8
	MOVQ quads+56(FP), R12

qloop:
	VBROADCASTSS (SI), Z16
	VBROADCASTSS 4(SI), Z17
	VBROADCASTSS 8(SI), Z18
	VBROADCASTSS 12(SI), Z19
	VBROADCASTSS 16(SI), Z20
	VBROADCASTSS 20(SI), Z21
	VBROADCASTSS 24(SI), Z22
	VBROADCASTSS 28(SI), Z23
	VBROADCASTSS 32(SI), Z24
	VBROADCASTSS 36(SI), Z25
	VBROADCASTSS 40(SI), Z26
	VBROADCASTSS 44(SI), Z27
	VBROADCASTSS 48(SI), Z28
	VBROADCASTSS 52(SI), Z29
	VBROADCASTSS 56(SI), Z30
	VBROADCASTSS 60(SI), Z31
	MOVQ         y+8(FP), DI
	MOVQ         R13, BX
	MOVQ         AX, CX

xloop:
	VMOVUPS (BX), Z0
	VMOVUPS (BX)(DX*1), Z1
	VMOVUPS (BX)(DX*2), Z2
	VMOVUPS (BX)(R8*1), Z3
	AXROW((DI), Z16, Z17, Z18, Z19)
	CMPQ    R10, $1
	JEQ     xnext
	AXROW((DI)(R9*1), Z20, Z21, Z22, Z23)
	CMPQ    R10, $2
	JEQ     xnext
	AXROW((DI)(R9*2), Z24, Z25, Z26, Z27)
	CMPQ    R10, $3
	JEQ     xnext
	AXROW((DI)(R11*1), Z28, Z29, Z30, Z31)

xnext:
	ADDQ $64, BX
	ADDQ $64, DI
	DECQ CX
	JNZ  xloop

	ADDQ $64, SI
	LEAQ (R13)(DX*4), R13
	DECQ R12
	JNZ  qloop

xdone:
	VZEROUPPER
	RET

// FOLD adds the high 256 bits of accumulator z into its low half y.
#define FOLD(z, y) \
	VEXTRACTF64X4 $1, z, Y24; \
	VADDPS        Y24, y, y

// func dot4x4AVX512(n int, x *float32, ldx int, w *float32, ldw int, out *[16]float32)
//
// Sixteen dot products: each of the rows x, x+ldx, x+2ldx, x+3ldx with
// each of the rows w, w+ldw, w+2ldw, w+3ldw, out[4i+r] = x_i·w_r. One
// accumulator per pair (Z0–Z15, Z(4i+r)); every 16 columns load the four
// rows of w into Z16–Z19 and those of x into Z20–Z23 and run 16 FMAs, so
// the FMA units, not the loads, set the pace (dot4, one row of x against
// four of w, loads five registers for four FMAs). Each step also
// prefetches the same columns of w's rows 8–11 (R12), the rows a caller
// walking down w in fours reads two calls later: the hardware prefetchers
// alone left the FMAs waiting on memory (BenchmarkMatMulT, M = 16: 8.8 ms
// with no prefetch, 7.3 one group of four rows ahead, 5.9–6.5 two groups
// ahead, 6.7 three).
TEXT ·dot4x4AVX512(SB), NOSPLIT, $0-48
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), SI
	MOVQ ldx+16(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	MOVQ w+24(FP), BX
	MOVQ ldw+32(FP), DX
	SHLQ $2, DX
	LEAQ (DX)(DX*2), R8
	LEAQ (BX)(DX*8), R12
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	SHRQ   $4, CX
	JZ     qreduce

qloop:
	PREFETCHT0  (R12)
	PREFETCHT0  (R12)(DX*1)
	PREFETCHT0  (R12)(DX*2)
	PREFETCHT0  (R12)(R8*1)
	VMOVUPS     (BX), Z16
	VMOVUPS     (BX)(DX*1), Z17
	VMOVUPS     (BX)(DX*2), Z18
	VMOVUPS     (BX)(R8*1), Z19
	VMOVUPS     (SI), Z20
	VMOVUPS     (SI)(R9*1), Z21
	VMOVUPS     (SI)(R9*2), Z22
	VMOVUPS     (SI)(R10*1), Z23
	VFMADD231PS Z16, Z20, Z0
	VFMADD231PS Z17, Z20, Z1
	VFMADD231PS Z18, Z20, Z2
	VFMADD231PS Z19, Z20, Z3
	VFMADD231PS Z16, Z21, Z4
	VFMADD231PS Z17, Z21, Z5
	VFMADD231PS Z18, Z21, Z6
	VFMADD231PS Z19, Z21, Z7
	VFMADD231PS Z16, Z22, Z8
	VFMADD231PS Z17, Z22, Z9
	VFMADD231PS Z18, Z22, Z10
	VFMADD231PS Z19, Z22, Z11
	VFMADD231PS Z16, Z23, Z12
	VFMADD231PS Z17, Z23, Z13
	VFMADD231PS Z18, Z23, Z14
	VFMADD231PS Z19, Z23, Z15
	ADDQ        $64, SI
	ADDQ        $64, BX
	ADDQ        $64, R12
	DECQ        CX
	JNZ         qloop

qreduce:
	FOLD(Z0, Y0)
	FOLD(Z1, Y1)
	FOLD(Z2, Y2)
	FOLD(Z3, Y3)
	FOLD(Z4, Y4)
	FOLD(Z5, Y5)
	FOLD(Z6, Y6)
	FOLD(Z7, Y7)
	FOLD(Z8, Y8)
	FOLD(Z9, Y9)
	FOLD(Z10, Y10)
	FOLD(Z11, Y11)
	FOLD(Z12, Y12)
	FOLD(Z13, Y13)
	FOLD(Z14, Y14)
	FOLD(Z15, Y15)
	MOVQ    out+40(FP), DI
	// Row 3's sums wait in Y20–Y23 while Y12–Y15 serve as scratch.
	VMOVAPS Y12, Y20
	VMOVAPS Y13, Y21
	VMOVAPS Y14, Y22
	VMOVAPS Y15, Y23
	HSUMR(Y0, Y1, Y2, Y3, Y12, Y13, Y14, X14, X15)
	VMOVUPS X14, (DI)
	HSUMR(Y4, Y5, Y6, Y7, Y0, Y1, Y2, X2, X3)
	VMOVUPS X2, 16(DI)
	HSUMR(Y8, Y9, Y10, Y11, Y0, Y1, Y2, X2, X3)
	VMOVUPS X2, 32(DI)
	VMOVAPS Y20, Y4
	VMOVAPS Y21, Y5
	VMOVAPS Y22, Y6
	VMOVAPS Y23, Y7
	HSUMR(Y4, Y5, Y6, Y7, Y0, Y1, Y2, X2, X3)
	VMOVUPS X2, 48(DI)
	VZEROUPPER
	RET
