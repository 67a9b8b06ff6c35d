//go:build amd64 && !purego

#include "textflag.h"

// Panel-row kernels: one row of A against one packed kb×nr panel of B,
// out[j] = Σ_{k<kb} a[k·ak]·b[k·nr + j]. Two k steps run per iteration into
// separate accumulators (so six resp. three FMA chains are in flight) that
// are added at the end. Per k step they issue nr/16 resp. nr/8 loads of B
// and one broadcast of A, so they run at the core's load rate; streaming
// a packed weight from memory (decoding one token) is far slower still.

// func panelRowAVX512(kb int, a *float32, ak int, b *float32, out *float32)
// nr = 48.
TEXT ·panelRowAVX512(SB), NOSPLIT, $0-40
	MOVQ   kb+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   ak+16(FP), R8
	SHLQ   $2, R8
	MOVQ   b+24(FP), DI
	MOVQ   out+32(FP), DX
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	MOVQ   CX, AX
	SHRQ   $1, AX
	JZ     p512tail

p512loop:
	VBROADCASTSS (SI), Z6
	ADDQ         R8, SI
	VBROADCASTSS (SI), Z7
	ADDQ         R8, SI
	VFMADD231PS  (DI), Z6, Z0
	VFMADD231PS  64(DI), Z6, Z1
	VFMADD231PS  128(DI), Z6, Z2
	VFMADD231PS  192(DI), Z7, Z3
	VFMADD231PS  256(DI), Z7, Z4
	VFMADD231PS  320(DI), Z7, Z5
	ADDQ         $384, DI
	DECQ         AX
	JNZ          p512loop

p512tail:
	ANDQ         $1, CX
	JZ           p512done
	VBROADCASTSS (SI), Z6
	VFMADD231PS  (DI), Z6, Z0
	VFMADD231PS  64(DI), Z6, Z1
	VFMADD231PS  128(DI), Z6, Z2

p512done:
	VADDPS     Z3, Z0, Z0
	VADDPS     Z4, Z1, Z1
	VADDPS     Z5, Z2, Z2
	VMOVUPS    Z0, (DX)
	VMOVUPS    Z1, 64(DX)
	VMOVUPS    Z2, 128(DX)
	VZEROUPPER
	RET

// func panelRowAVX2(kb int, a *float32, ak int, b *float32, out *float32)
// nr = 24.
TEXT ·panelRowAVX2(SB), NOSPLIT, $0-40
	MOVQ   kb+0(FP), CX
	MOVQ   a+8(FP), SI
	MOVQ   ak+16(FP), R8
	SHLQ   $2, R8
	MOVQ   b+24(FP), DI
	MOVQ   out+32(FP), DX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	MOVQ   CX, AX
	SHRQ   $1, AX
	JZ     p2tail

p2loop:
	VBROADCASTSS (SI), Y6
	ADDQ         R8, SI
	VBROADCASTSS (SI), Y7
	ADDQ         R8, SI
	VFMADD231PS  (DI), Y6, Y0
	VFMADD231PS  32(DI), Y6, Y1
	VFMADD231PS  64(DI), Y6, Y2
	VFMADD231PS  96(DI), Y7, Y3
	VFMADD231PS  128(DI), Y7, Y4
	VFMADD231PS  160(DI), Y7, Y5
	ADDQ         $192, DI
	DECQ         AX
	JNZ          p2loop

p2tail:
	ANDQ         $1, CX
	JZ           p2done
	VBROADCASTSS (SI), Y6
	VFMADD231PS  (DI), Y6, Y0
	VFMADD231PS  32(DI), Y6, Y1
	VFMADD231PS  64(DI), Y6, Y2

p2done:
	VADDPS     Y3, Y0, Y0
	VADDPS     Y4, Y1, Y1
	VADDPS     Y5, Y2, Y2
	VMOVUPS    Y0, (DX)
	VMOVUPS    Y1, 32(DX)
	VMOVUPS    Y2, 64(DX)
	VZEROUPPER
	RET
