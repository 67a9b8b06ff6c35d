//go:build amd64 && !purego

#include "textflag.h"

// func nonFiniteBlockAVX2(n int, x *float32) int
//
// Each step masks 32 floats to their exponent bits and compares them with
// all ones (Y15); the four compares are ORed and tested once.
TEXT ·nonFiniteBlockAVX2(SB), NOSPLIT, $0-24
	MOVQ         n+0(FP), CX
	MOVQ         x+8(FP), SI
	MOVL         $0x7f800000, AX
	MOVL         AX, X15
	VPBROADCASTD X15, Y15
	XORQ         DX, DX
	SHRQ         $5, CX
	JZ           none

loop:
	VPAND    (SI), Y15, Y0
	VPAND    32(SI), Y15, Y1
	VPAND    64(SI), Y15, Y2
	VPAND    96(SI), Y15, Y3
	VPCMPEQD Y15, Y0, Y0
	VPCMPEQD Y15, Y1, Y1
	VPCMPEQD Y15, Y2, Y2
	VPCMPEQD Y15, Y3, Y3
	VPOR     Y1, Y0, Y0
	VPOR     Y3, Y2, Y2
	VPOR     Y2, Y0, Y0
	VPTEST   Y0, Y0
	JNZ      found
	ADDQ     $128, SI
	ADDQ     $32, DX
	DECQ     CX
	JNZ      loop

none:
	MOVQ $-1, ret+16(FP)
	VZEROUPPER
	RET

found:
	MOVQ DX, ret+16(FP)
	VZEROUPPER
	RET
