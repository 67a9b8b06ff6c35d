//go:build amd64 && !purego

#include "textflag.h"

// Element-wise kernels with an exponential, for AVX2+FMA (they also run on
// the AVX-512 machines: these loops are bound by the exponential's latency
// chain and by memory, not by vector width). Each processes a multiple of
// 8 elements; the Go wrappers in vecmath_amd64.go finish the rest with the
// same float32 arithmetic in Go (expGo).
//
// exp(x), as in expGo: clamp x to [expLo, expHi], n = round(x·log₂e),
// r = x − n·ln2 (ln2 split in two parts so r is exact), then
// exp(r) ≈ 1 + r + r²·P(r) with the degree-5 minimax polynomial P of
// Cephes' expf, and 2ⁿ is built in the exponent bits. Relative error
// ≤ 2 ulp over the whole range.

DATA expc<>+0(SB)/4, $0x42b00000   // expHi = 88
DATA expc<>+4(SB)/4, $0xc2aeac50   // expLo = −87.33655
DATA expc<>+8(SB)/4, $0x3fb8aa3b   // log₂e
DATA expc<>+12(SB)/4, $0x3f318000  // ln2 high part 0.693359375
DATA expc<>+16(SB)/4, $0xb95e8083  // ln2 low part −2.12194440e−4
DATA expc<>+20(SB)/4, $0x39506967  // P0 1.9875691500e−4
DATA expc<>+24(SB)/4, $0x3ab743ce  // P1 1.3981999507e−3
DATA expc<>+28(SB)/4, $0x3c088908  // P2 8.3334519073e−3
DATA expc<>+32(SB)/4, $0x3d2aa9c1  // P3 4.1665795894e−2
DATA expc<>+36(SB)/4, $0x3e2aaaaa  // P4 1.6666665459e−1
DATA expc<>+40(SB)/4, $0x3f000000  // P5 5.0000001201e−1
DATA expc<>+44(SB)/4, $0x3f800000  // 1
DATA expc<>+48(SB)/4, $0x0000007f  // exponent bias 127 (integer)
DATA expc<>+52(SB)/4, $0xbfcc422a  // GELU: −2·√(2/π)
DATA expc<>+56(SB)/4, $0xbd922279  // GELU: −2·√(2/π)·0.044715
GLOBL expc<>(SB), RODATA|NOPTR, $60

// LOADEXPC broadcasts the constants of EXP into Y4–Y13 and Y15.
#define LOADEXPC \
	VBROADCASTSS expc<>+0(SB), Y4; \
	VBROADCASTSS expc<>+4(SB), Y5; \
	VBROADCASTSS expc<>+8(SB), Y6; \
	VBROADCASTSS expc<>+12(SB), Y7; \
	VBROADCASTSS expc<>+20(SB), Y9; \
	VBROADCASTSS expc<>+24(SB), Y10; \
	VBROADCASTSS expc<>+28(SB), Y11; \
	VBROADCASTSS expc<>+32(SB), Y12; \
	VBROADCASTSS expc<>+36(SB), Y13; \
	VBROADCASTSS expc<>+44(SB), Y15

// EXP sets Y0 = exp(Y0), using Y1–Y3 as temporaries.
#define EXP \
	VMINPS          Y4, Y0, Y0; \
	VMAXPS          Y5, Y0, Y0; \
	VMULPS          Y6, Y0, Y1; \
	VROUNDPS        $0, Y1, Y1; \
	VFNMADD231PS    Y7, Y1, Y0; \
	VBROADCASTSS    expc<>+16(SB), Y2; \
	VFNMADD231PS    Y2, Y1, Y0; \
	VMOVAPS         Y9, Y2; \
	VFMADD213PS     Y10, Y0, Y2; \
	VFMADD213PS     Y11, Y0, Y2; \
	VFMADD213PS     Y12, Y0, Y2; \
	VFMADD213PS     Y13, Y0, Y2; \
	VBROADCASTSS    expc<>+40(SB), Y3; \
	VFMADD213PS     Y3, Y0, Y2; \
	VMULPS          Y0, Y0, Y3; \
	VFMADD213PS     Y0, Y3, Y2; \
	VADDPS          Y15, Y2, Y2; \
	VCVTPS2DQ       Y1, Y1; \
	VPBROADCASTD    expc<>+48(SB), Y3; \
	VPADDD          Y3, Y1, Y1; \
	VPSLLD          $23, Y1, Y1; \
	VMULPS          Y1, Y2, Y0

// func geluAVX2(n int, dst, src *float32)
//
// dst[i] = x·sigmoid(2u) = x / (1 + exp(−2u)), u = √(2/π)·(x + 0.044715·x³),
// which equals ½·x·(1 + tanh u).
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ n+0(FP), CX
	MOVQ dst+8(FP), DI
	MOVQ src+16(FP), SI
	SHRQ $3, CX
	JZ   gdone
	LOADEXPC
	VBROADCASTSS expc<>+52(SB), Y8
	VBROADCASTSS expc<>+56(SB), Y14

gloop:
	VMOVUPS     (SI), Y0
	VMULPS      Y0, Y0, Y1
	VMOVAPS     Y14, Y2
	VFMADD213PS Y8, Y1, Y2 // Y2 = x²·b + a
	VMULPS      Y2, Y0, Y0 // −2u
	EXP
	VADDPS      Y15, Y0, Y0
	VMOVUPS     (SI), Y1
	VDIVPS      Y0, Y1, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         gloop

gdone:
	VZEROUPPER
	RET

// func expSumAVX2(n int, dst, src *float32, shift float32) float64
//
// dst[i] = exp(src[i] − shift); returns Σ dst[i], summed in float64 in
// 4 lanes.
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         dst+8(FP), DI
	MOVQ         src+16(FP), SI
	VXORPS       Y8, Y8, Y8
	SHRQ         $3, CX
	JZ           edone
	LOADEXPC
	VBROADCASTSS shift+24(FP), Y14

eloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0
	EXP
	VMOVUPS Y0, (DI)
	VCVTPS2PD    X0, Y1
	VADDPD       Y1, Y8, Y8
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2
	VADDPD       Y2, Y8, Y8
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     eloop

edone:
	VEXTRACTF128 $1, Y8, X1
	VADDPD       X1, X8, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+32(FP)
	VZEROUPPER
	RET

// func maxAVX2(n int, x *float32) float32
//
// Returns the largest of x[0:n], n a positive multiple of 8 (NaNs are not
// propagated reliably).
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ    n+0(FP), CX
	MOVQ    x+8(FP), SI
	VMOVUPS (SI), Y0
	VMOVAPS Y0, Y1
	ADDQ    $32, SI
	SUBQ    $8, CX
	MOVQ    CX, AX
	SHRQ    $4, AX
	JZ      mtail

mloop16:
	VMAXPS (SI), Y0, Y0
	VMAXPS 32(SI), Y1, Y1
	ADDQ   $64, SI
	DECQ   AX
	JNZ    mloop16

mtail:
	ANDQ $15, CX
	JZ   mreduce
	VMAXPS (SI), Y0, Y0

mreduce:
	VMAXPS       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X1, X1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VMAXSS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func sumExpAVX2(n int, src *float32, shift float32) float64
//
// Returns Σ exp(src[i] − shift), summed in float64 in 4 lanes, storing
// nothing.
TEXT ·sumExpAVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         src+8(FP), SI
	VXORPS       Y8, Y8, Y8
	SHRQ         $3, CX
	JZ           sdone
	LOADEXPC
	VBROADCASTSS shift+16(FP), Y14

sloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y14, Y0, Y0
	EXP
	VCVTPS2PD    X0, Y1
	VADDPD       Y1, Y8, Y8
	VEXTRACTF128 $1, Y0, X2
	VCVTPS2PD    X2, Y2
	VADDPD       Y2, Y8, Y8
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sloop

sdone:
	VEXTRACTF128 $1, Y8, X1
	VADDPD       X1, X8, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+24(FP)
	VZEROUPPER
	RET

// func sumF64AVX2(n int, x *float32) float64
//
// Returns Σ x[i] accumulated in float64 (two 4-lane accumulators).
TEXT ·sumF64AVX2(SB), NOSPLIT, $0-24
	MOVQ   n+0(FP), CX
	MOVQ   x+8(FP), SI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	SHRQ   $3, CX
	JZ     f64done

f64loop:
	VCVTPS2PD (SI), Y2
	VCVTPS2PD 16(SI), Y3
	VADDPD    Y2, Y0, Y0
	VADDPD    Y3, Y1, Y1
	ADDQ      $32, SI
	DECQ      CX
	JNZ       f64loop

f64done:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+16(FP)
	VZEROUPPER
	RET

// func sqDevF64AVX2(n int, x *float32, m float64) float64
//
// Returns Σ (x[i] − m)² with the differences and the sum in float64.
TEXT ·sqDevF64AVX2(SB), NOSPLIT, $0-32
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	VBROADCASTSD m+16(FP), Y4
	VXORPD       Y0, Y0, Y0
	VXORPD       Y1, Y1, Y1
	SHRQ         $3, CX
	JZ           sqdone

sqloop:
	VCVTPS2PD   (SI), Y2
	VCVTPS2PD   16(SI), Y3
	VSUBPD      Y4, Y2, Y2
	VSUBPD      Y4, Y3, Y3
	VFMADD231PD Y2, Y2, Y0
	VFMADD231PD Y3, Y3, Y1
	ADDQ        $32, SI
	DECQ        CX
	JNZ         sqloop

sqdone:
	VADDPD       Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VUNPCKHPD    X0, X0, X1
	VADDSD       X1, X0, X0
	VMOVSD       X0, ret+24(FP)
	VZEROUPPER
	RET

// func normAVX2(n int, out, x, w, b *float32, m, s float32)
//
// out[i] = (x[i] − m)·s·w[i] + b[i], the affine step of LayerNorm.
TEXT ·normAVX2(SB), NOSPLIT, $0-48
	MOVQ         n+0(FP), CX
	MOVQ         out+8(FP), DI
	MOVQ         x+16(FP), SI
	MOVQ         w+24(FP), R8
	MOVQ         b+32(FP), R9
	VBROADCASTSS m+40(FP), Y4
	VBROADCASTSS s+44(FP), Y5
	SHRQ         $3, CX
	JZ           ndone

nloop:
	VMOVUPS     (SI), Y0
	VSUBPS      Y4, Y0, Y0
	VMULPS      Y5, Y0, Y0
	VMOVUPS     (R9), Y1
	VFMADD231PS (R8), Y0, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         nloop

ndone:
	VZEROUPPER
	RET
