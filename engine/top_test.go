package engine

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestTop compares Top with a full stable sort, the obvious reference.
func TestTop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 200; trial++ {
		n := r.IntN(300)
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(r.IntN(20)) // many ties
		}
		k := r.IntN(12)
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] > x[idx[b]] })
		want := idx[:min(k, n)]
		if got := Top(x, k); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("n=%d k=%d: got %v, want %v", n, k, got, want)
		}
	}
}
