package nn

// EncoderBackward is the backward pass of the input embedding of B
// sequences of T tokens, x[b,t] = wte[ids[b,t]] + wpe[t]. Given dout
// (B, T, C) it accumulates (+=) each position's gradient into the row of its
// token, dwte (V, C), and of its position, dwpe (T, C):
//
//	dwte[ids[b,t]] += dout[b,t]
//	dwpe[t]        += dout[b,t]
//
// A token that occurs several times collects the sum of its gradients.
func EncoderBackward(dwte, dwpe, dout []float32, ids []int, B, T, C int) {
	_ = dout[B*T*C-1]
	_ = dwpe[T*C-1]
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			dout_bt := dout[(b*T+t)*C : (b*T+t+1)*C]
			ix := ids[b*T+t]
			dwte_ix := dwte[ix*C : (ix+1)*C]
			dwpe_t := dwpe[t*C : (t+1)*C]
			for i, g := range dout_bt {
				dwte_ix[i] += g
				dwpe_t[i] += g
			}
		}
	}
}
