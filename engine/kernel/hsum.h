// HSUMR reduces the 256-bit registers a, b, c, d to their four lane sums,
// in order, in the 128-bit register xr (the low half of tr), using t0, t1
// and tr; xs is scratch for the high half. All must be Y0–Y15: VHADDPS has
// no EVEX form. Shared by the AVX2 and AVX-512 dot kernels.
#define HSUMR(a, b, c, d, t0, t1, tr, xr, xs) \
	VHADDPS      b, a, t0; \
	VHADDPS      d, c, t1; \
	VHADDPS      t1, t0, tr; \
	VEXTRACTF128 $1, tr, xs; \
	VADDPS       xs, xr, xr
