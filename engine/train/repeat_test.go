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
		lo, hi := probeRange(V, T/4)
		repeatRows(rand.New(rand.NewPCG(1, 2)), frac, 0, inputs, targets, B, T, 0, lo, hi, bos)
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

// TestRepeatRowsLengths checks the curriculum's sequence lengths: within
// [8, maxLen], and 2 for the share of rows that repeat pairs.
func TestRepeatRowsLengths(t *testing.T) {
	const B, T, V, bos = 400, 64, 2048, 0
	cases := []struct {
		maxLen   int
		pairs    float64
		lo, hi   int // lengths of the non-pair rows
		minPairs int // rows of length 2, out of B
		maxPairs int
	}{
		{0, 0, 8, T / 2, 0, 0},
		{16, 0, 8, 16, 0, 0},
		{5, 0, 5, 5, 0, 0},
		{16, 0.5, 8, 16, 150, 250},
		{0, 1, 0, 0, B, B},
	}
	for _, c := range cases {
		inputs, targets := make([]int, B*T), make([]int, B*T)
		lo, hi := probeRange(V, T/4)
		repeatRows(rand.New(rand.NewPCG(3, 4)), 1, c.pairs, inputs, targets, B, T, c.maxLen, lo, hi, bos)
		pairs := 0
		for b := 0; b < B; b++ {
			in := inputs[b*T : (b+1)*T]
			// The period is the smallest n with in[i] == in[i-n] for all i.
			n := 1
			for ; n < T; n++ {
				ok := true
				for i := 1 + n; i < T; i++ {
					if in[i] != in[i-n] {
						ok = false
						break
					}
				}
				if ok {
					break
				}
			}
			if n == 2 {
				pairs++
				continue
			}
			// A drawn sequence may itself repeat by chance; it does not
			// at these sizes.
			if n < c.lo || n > c.hi {
				t.Fatalf("maxLen %d, pairs %v: row %d has period %d, want 2 or within [%d, %d]", c.maxLen, c.pairs, b, n, c.lo, c.hi)
			}
		}
		if pairs < c.minPairs || pairs > c.maxPairs {
			t.Errorf("maxLen %d, pairs %v: %d of %d rows repeat pairs, want %d..%d", c.maxLen, c.pairs, pairs, B, c.minPairs, c.maxPairs)
		}
	}
}
