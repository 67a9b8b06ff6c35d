package nn

// ResidualForward adds two (N) tensors, out = a + b; out may alias a or b.
// The residual stream is the sum every block writes into: x + attn(x), then
// x + mlp(x). Taught by the lesson on the residual stream.
func ResidualForward(out, a, b []float32, N int) {
	_ = out[N-1]
	a, b = a[:N], b[:N]
	for i := range a {
		out[i] = a[i] + b[i]
	}
}
