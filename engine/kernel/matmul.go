package kernel

// MatMul computes out = in·w + bias, the forward pass of a GPT-2 Conv1D
// layer: out is [M,N], in is [M,K], w is [K,N] row-major (the Hugging Face
// Conv1D layout, so checkpoint weights are used as stored) and bias is [N]
// or nil. All slices are dense: row strides are K, N and N. out may hold
// anything on entry; it is overwritten.
//
// For M ≤ 4 (decoding one token) MatMul streams w once, four rows at a
// time into the rows of out, split by rows of w across the workers (each
// streams one contiguous part of w into partial sums, which are added at
// the end); otherwise it runs the blocked Gemm. MatMul allocates nothing in the
// steady state. It panics with a
// "kernel: ..." message if a slice is shorter than its shape requires.
func (p *Pool) MatMul(out, in, w, bias []float32, M, K, N int) {
	beta := p.fillBias(out, bias, M, N)
	p.Gemm(false, false, M, N, K, 1, in, max(K, 1), w, max(N, 1), beta, out, max(N, 1))
}

// MatMulT computes out = in·wᵀ + bias: out is [M,N], in is [M,K], w is [N,K]
// row-major (the nn.Linear layout, and the tied unembedding with wte [V,C])
// and bias is [N] or nil. As for MatMul, slices are dense and out is
// overwritten. For M ≤ 64 on amd64 (≤ 16 in pure Go) every output is a
// dot product of two contiguous rows and w is streamed once, four rows at
// a time, split by rows of w across the workers.
func (p *Pool) MatMulT(out, in, w, bias []float32, M, K, N int) {
	beta := p.fillBias(out, bias, M, N)
	p.Gemm(false, true, M, N, K, 1, in, max(K, 1), w, max(K, 1), beta, out, max(N, 1))
}

// fillBias copies bias into every row of out and returns the beta that makes
// Gemm add to it, or returns 0 (overwrite) when bias is nil.
func (p *Pool) fillBias(out, bias []float32, M, N int) float32 {
	if bias == nil || M <= 0 || N <= 0 {
		return 0
	}
	if len(bias) < N {
		panic(errShortBias)
	}
	if len(out) < M*N {
		panic(errShortC)
	}
	for i := 0; i < M; i++ {
		copy(out[i*N:(i+1)*N], bias[:N])
	}
	return 1
}
