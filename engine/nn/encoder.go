package nn

// EmbedForward gathers the token embeddings of ids (T) from wte (V, C) into
// out (T, C): out[t] = wte[ids[t]]. Ids must already be checked against V.
// Taught by the lesson on token embeddings.
func EmbedForward(out []float32, ids []int, wte []float32, T, C int) {
	_ = out[T*C-1]
	for t, id := range ids[:T] {
		copy(out[t*C:(t+1)*C], wte[id*C:(id+1)*C])
	}
}
