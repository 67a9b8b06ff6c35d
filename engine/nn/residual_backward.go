package nn

// ResidualBackward is the backward pass of ResidualForward, out = a + b:
// the gradient flows unchanged to both summands, da (N) += dout and
// db (N) += dout. This is why the residual stream carries gradients to
// early layers undiminished.
func ResidualBackward(da, db, dout []float32, N int) {
	_ = da[N-1]
	_ = db[N-1]
	for i, g := range dout[:N] {
		da[i] += g
		db[i] += g
	}
}
