//go:build amd64 && !purego

#include "textflag.h"

// Peak-throughput loops for the benchmarks: n iterations of 12 independent
// FMAs on registers only, the best case the micro-kernels are measured
// against (12 chains cover the 4-cycle FMA latency on two FMA ports).

// func fmaPeakAVX512(n int)
TEXT ·fmaPeakAVX512(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VPXORD Z0, Z0, Z0

ploop512:
	VFMADD231PS Z0, Z0, Z8
	VFMADD231PS Z0, Z0, Z9
	VFMADD231PS Z0, Z0, Z10
	VFMADD231PS Z0, Z0, Z11
	VFMADD231PS Z0, Z0, Z12
	VFMADD231PS Z0, Z0, Z13
	VFMADD231PS Z0, Z0, Z14
	VFMADD231PS Z0, Z0, Z15
	VFMADD231PS Z0, Z0, Z16
	VFMADD231PS Z0, Z0, Z17
	VFMADD231PS Z0, Z0, Z18
	VFMADD231PS Z0, Z0, Z19
	DECQ        CX
	JNZ         ploop512
	VZEROUPPER
	RET

// func fmaPeakAVX2(n int)
TEXT ·fmaPeakAVX2(SB), NOSPLIT, $0-8
	MOVQ   n+0(FP), CX
	VXORPS Y0, Y0, Y0

ploop256:
	VFMADD231PS Y0, Y0, Y4
	VFMADD231PS Y0, Y0, Y5
	VFMADD231PS Y0, Y0, Y6
	VFMADD231PS Y0, Y0, Y7
	VFMADD231PS Y0, Y0, Y8
	VFMADD231PS Y0, Y0, Y9
	VFMADD231PS Y0, Y0, Y10
	VFMADD231PS Y0, Y0, Y11
	VFMADD231PS Y0, Y0, Y12
	VFMADD231PS Y0, Y0, Y13
	VFMADD231PS Y0, Y0, Y14
	VFMADD231PS Y0, Y0, Y15
	DECQ        CX
	JNZ         ploop256
	VZEROUPPER
	RET
