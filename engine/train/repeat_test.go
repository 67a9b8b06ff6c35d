package train

import (
	"math/rand/v2"
	"testing"
)

// TestRepeatRows checks the copying curriculum: a replaced row is bos then
// one random sequence repeated, and its targets are the inputs shifted.
func TestRepeatRows(t *testing.T) {
	const B, T, V, bos = 6, 64, 2048, 0
	for _, frac := range []float64{0, 1} {
		inputs, targets := make([]int, B*T), make([]int, B*T)
		for i := range inputs {
			inputs[i], targets[i] = -1, -1
		}
		repeatRows(rand.New(rand.NewPCG(1, 2)), frac, inputs, targets, B, T, V, bos)
		for b := 0; b < B; b++ {
			in, tg := inputs[b*T:(b+1)*T], targets[b*T:(b+1)*T]
			if frac == 0 {
				if in[0] != -1 {
					t.Fatal("a row was replaced at frac 0")
				}
				continue
			}
			if in[0] != bos {
				t.Fatalf("row %d starts with %d, want bos", b, in[0])
			}
			// Find the period: the first position after 1 whose token
			// repeats in[1].
			n := 0
			for i := 2; i < T; i++ {
				if in[i] == in[1] {
					n = i - 1
					break
				}
			}
			if n < 8 || n > T/2 {
				t.Fatalf("row %d: period %d outside [8, %d]", b, n, T/2)
			}
			for i := 1; i < T; i++ {
				if in[i] < 256 || in[i] >= V {
					t.Fatalf("row %d: token %d outside the probe range", b, in[i])
				}
				if i > n && in[i] != in[i-n] {
					t.Fatalf("row %d: position %d is not a copy of %d", b, i, i-n)
				}
				if tg[i-1] != in[i] {
					t.Fatalf("row %d: targets are not the inputs shifted", b)
				}
			}
		}
	}
}
