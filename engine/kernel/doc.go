// Package kernel provides the float32 compute kernels of the GPT-2 engine:
// matrix multiplication (Gemm, MatMul, MatMulT), causal multi-head
// attention (Attention), the element-wise kernels Gelu, ExpSum, SumExp and
// Max (GELU and softmax, vectorised with a float32 exponential), the
// vector helpers Dot and Axpy, and the persistent worker Pool they run on.
//
// # Paths
//
// On amd64 the kernels are Go assembly, chosen when a Pool is made from the
// CPU's features (golang.org/x/sys/cpu): AVX-512 (an 8×48 register tile),
// else AVX2 with FMA (4×24), else pure Go (4×4). Other architectures and the
// purego build tag get the pure-Go kernels only. Every path computes the
// same function; results differ only in float32 rounding order.
//
// A product with M > 16 (M > 4 when B is not transposed) runs a BLIS-style
// cache-blocked loop around the register-tile micro-kernel: B is packed on
// the fly into panels, A is read in place, and the work is split into
// column blocks that the Pool's workers claim dynamically. For fewer rows
// (decoding a token, M = 1) Gemm streams B exactly once instead: rows of B
// axpy'd into C for MatMul (each worker taking a contiguous run of rows of
// B and summing into its own partial C, added up at the end), dot products
// of contiguous rows for MatMulT. The comments on avx512Impl, avx2Impl and
// goImpl state each path's blocking and why; Attention's states its own
// (one task per head and 64 query rows, two products on the calling
// worker).
//
// Fixed weights can be packed once instead (Pack, then GemmPacked or
// MatMulPacked), as the inference engine does when it loads a model: every
// product then reads its weight as contiguous panels and packs nothing, and
// for tiles of at most mr/2 rows (decoding) a panel-row kernel replaces the
// micro-kernel so that no arithmetic is spent on padding rows.
//
// The element-wise kernels are AVX2+FMA assembly on both amd64 paths: they
// are bound by the exponential's dependency chain and by memory, where
// 512-bit vectors gain little. Their exponential (Cephes' expf polynomial,
// under 2 ulp) is also used, in Go, by the pure-Go path and for the tails,
// so every path computes the same approximation, up to rounding.
//
// # Errors
//
// The kernels check that slices are long enough for the shapes and strides
// they are given and panic with a "kernel: ..." message if not, as gonum's
// blas does: a mismatch is a programmer error in the engine, never a result
// of user input, which the engine validates before calling.
//
// # Layout
//
// All matrices are row-major with explicit row strides, as in BLAS:
// element (i, j) of a matrix with stride ld is at index i·ld + j.
package kernel
