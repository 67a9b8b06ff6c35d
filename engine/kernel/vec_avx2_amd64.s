//go:build amd64 && !purego

#include "textflag.h"
#include "hsum.h"

// Vector kernels for AVX2+FMA. dot, axpy and dot4 process a multiple of 8
// elements and axpy4 a multiple of 16; the Go wrappers in impl_amd64.go
// finish the rest in Go.

// func dotAVX2(n int, x, y *float32) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	MOVQ   y+16(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ   CX, AX
	SHRQ   $5, AX
	JZ     dtail

dloop32:
	VMOVUPS     (SI), Y4
	VMOVUPS     32(SI), Y5
	VMOVUPS     64(SI), Y6
	VMOVUPS     96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        AX
	JNZ         dloop32

dtail:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ   dreduce

dloop8:
	VMOVUPS     (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         dloop8

dreduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X1, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VMOVSS       X0, ret+24(FP)
	VZEROUPPER
	RET

// func axpyAVX2(n int, alpha float32, x, y *float32)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	VBROADCASTSS alpha+8(FP), Y0
	MOVQ         x+16(FP), SI
	MOVQ         y+24(FP), DI
	MOVQ         CX, AX
	SHRQ         $5, AX
	JZ           atail

aloop32:
	VMOVUPS     (SI), Y1
	VMOVUPS     32(SI), Y2
	VMOVUPS     64(SI), Y3
	VMOVUPS     96(SI), Y4
	VFMADD213PS (DI), Y0, Y1
	VFMADD213PS 32(DI), Y0, Y2
	VFMADD213PS 64(DI), Y0, Y3
	VFMADD213PS 96(DI), Y0, Y4
	VMOVUPS     Y1, (DI)
	VMOVUPS     Y2, 32(DI)
	VMOVUPS     Y3, 64(DI)
	VMOVUPS     Y4, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        AX
	JNZ         aloop32

atail:
	ANDQ $31, CX
	SHRQ $3, CX
	JZ   adone

aloop8:
	VMOVUPS     (SI), Y1
	VFMADD213PS (DI), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         aloop8

adone:
	VZEROUPPER
	RET

// func dot4AVX2(n int, x *float32, w *float32, ldw int, out *[4]float32)
//
// Four dot products of x with the rows w, w+ldw, w+2ldw, w+3ldw, two
// accumulators per row (Y0–Y3 and Y4–Y7).
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	MOVQ   w+16(FP), BX
	MOVQ   ldw+24(FP), DX
	SHLQ   $2, DX
	LEAQ   (DX)(DX*2), R8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   CX, AX
	SHRQ   $4, AX
	JZ     ftail

floop16:
	VMOVUPS     (SI), Y8
	VMOVUPS     32(SI), Y9
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS 32(BX), Y9, Y4
	VFMADD231PS (BX)(DX*1), Y8, Y1
	VFMADD231PS 32(BX)(DX*1), Y9, Y5
	VFMADD231PS (BX)(DX*2), Y8, Y2
	VFMADD231PS 32(BX)(DX*2), Y9, Y6
	VFMADD231PS (BX)(R8*1), Y8, Y3
	VFMADD231PS 32(BX)(R8*1), Y9, Y7
	ADDQ        $64, SI
	ADDQ        $64, BX
	DECQ        AX
	JNZ         floop16

ftail:
	ANDQ $8, CX
	JZ   freduce
	VMOVUPS     (SI), Y8
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS (BX)(DX*1), Y8, Y1
	VFMADD231PS (BX)(DX*2), Y8, Y2
	VFMADD231PS (BX)(R8*1), Y8, Y3

freduce:
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	HSUMR(Y0, Y1, Y2, Y3, Y8, Y9, Y10, X10, X11)
	MOVQ         out+32(FP), DI
	VMOVUPS      X10, (DI)
	VZEROUPPER
	RET

// AXROW adds the row's four coefficients (at o0…o3 from SI) times the x rows
// in Y0–Y7 to the 16 floats at addr0 and addr1 (= addr0+32).
#define AXROW(addr0, addr1, o0, o1, o2, o3) \
	VBROADCASTSS o0(SI), Y8; \
	VBROADCASTSS o1(SI), Y9; \
	VBROADCASTSS o2(SI), Y10; \
	VBROADCASTSS o3(SI), Y11; \
	VMOVUPS      addr0, Y12; \
	VMOVUPS      addr1, Y13; \
	VFMADD231PS  Y0, Y8, Y12; \
	VFMADD231PS  Y1, Y8, Y13; \
	VFMADD231PS  Y2, Y9, Y12; \
	VFMADD231PS  Y3, Y9, Y13; \
	VFMADD231PS  Y4, Y10, Y12; \
	VFMADD231PS  Y5, Y10, Y13; \
	VFMADD231PS  Y6, Y11, Y12; \
	VFMADD231PS  Y7, Y11, Y13; \
	VMOVUPS      Y12, addr0; \
	VMOVUPS      Y13, addr1

// func axpy4AVX2(n int, y *float32, ldy int, m int, coef *float32, x *float32, ldx int, quads int)
//
// As axpy4AVX512, 16 columns at a time (two registers per row of x in
// Y0–Y7), with each row's four coefficients broadcast from SI as needed.
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-64
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
	MOVQ y+8(FP), DI
	MOVQ R13, BX
	MOVQ AX, CX

xloop:
	VMOVUPS (BX), Y0
	VMOVUPS 32(BX), Y1
	VMOVUPS (BX)(DX*1), Y2
	VMOVUPS 32(BX)(DX*1), Y3
	VMOVUPS (BX)(DX*2), Y4
	VMOVUPS 32(BX)(DX*2), Y5
	VMOVUPS (BX)(R8*1), Y6
	VMOVUPS 32(BX)(R8*1), Y7
	AXROW((DI), 32(DI), 0, 4, 8, 12)
	CMPQ    R10, $1
	JEQ     xnext
	AXROW((DI)(R9*1), 32(DI)(R9*1), 16, 20, 24, 28)
	CMPQ    R10, $2
	JEQ     xnext
	AXROW((DI)(R9*2), 32(DI)(R9*2), 32, 36, 40, 44)
	CMPQ    R10, $3
	JEQ     xnext
	AXROW((DI)(R11*1), 32(DI)(R11*1), 48, 52, 56, 60)

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

// func dot2x4AVX2(n int, x *float32, ldx int, w *float32, ldw int, out *[8]float32)
//
// Eight dot products: the rows x and x+ldx with each of the rows w,
// w+ldw, w+2ldw, w+3ldw, out[4i+r] = x_i·w_r, one accumulator per pair
// (Y0–Y3 for x, Y4–Y7 for x+ldx). Every 8 columns load the four rows of w
// (Y8–Y11) and the two of x (Y12, Y13) for eight FMAs, and prefetch the
// same columns of w's rows 8–11, as dot4x4AVX512 does. Sixteen YMM
// registers leave no room for four rows of x: dot4x4AVX2Go calls this
// twice, the second time reading w from L1.
TEXT ·dot2x4AVX2(SB), NOSPLIT, $0-48
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	MOVQ   ldx+16(FP), R9
	SHLQ   $2, R9
	MOVQ   w+24(FP), BX
	MOVQ   ldw+32(FP), DX
	SHLQ   $2, DX
	LEAQ   (DX)(DX*2), R8
	LEAQ   (BX)(DX*8), R12
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	SHRQ   $3, CX
	JZ     preduce

ploop:
	PREFETCHT0  (R12)
	PREFETCHT0  (R12)(DX*1)
	PREFETCHT0  (R12)(DX*2)
	PREFETCHT0  (R12)(R8*1)
	VMOVUPS     (BX), Y8
	VMOVUPS     (BX)(DX*1), Y9
	VMOVUPS     (BX)(DX*2), Y10
	VMOVUPS     (BX)(R8*1), Y11
	VMOVUPS     (SI), Y12
	VMOVUPS     (SI)(R9*1), Y13
	VFMADD231PS Y8, Y12, Y0
	VFMADD231PS Y9, Y12, Y1
	VFMADD231PS Y10, Y12, Y2
	VFMADD231PS Y11, Y12, Y3
	VFMADD231PS Y8, Y13, Y4
	VFMADD231PS Y9, Y13, Y5
	VFMADD231PS Y10, Y13, Y6
	VFMADD231PS Y11, Y13, Y7
	ADDQ        $32, SI
	ADDQ        $32, BX
	ADDQ        $32, R12
	DECQ        CX
	JNZ         ploop

preduce:
	MOVQ         out+40(FP), DI
	HSUMR(Y0, Y1, Y2, Y3, Y8, Y9, Y10, X10, X11)
	VMOVUPS      X10, (DI)
	HSUMR(Y4, Y5, Y6, Y7, Y8, Y9, Y10, X10, X11)
	VMOVUPS      X10, 16(DI)
	VZEROUPPER
	RET
