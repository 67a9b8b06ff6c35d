package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// attentionRef is causal attention in float64, written directly from the
// formula: scores, mask, softmax, weighted sum.
func attentionRef(q, k, v []float32, B, Tq, Tk, NH, HS int) (out, preatt, att []float64) {
	C := NH * HS
	out = make([]float64, B*Tq*C)
	preatt = make([]float64, B*NH*Tq*Tk)
	att = make([]float64, B*NH*Tq*Tk)
	scale := 1 / math.Sqrt(float64(HS))
	for b := 0; b < B; b++ {
		for h := 0; h < NH; h++ {
			for i := 0; i < Tq; i++ {
				row := ((b*NH+h)*Tq + i) * Tk
				last := Tk - Tq + i
				mx := math.Inf(-1)
				for j := 0; j < Tk; j++ {
					if j > last {
						preatt[row+j] = math.Inf(-1)
						continue
					}
					var s float64
					for d := 0; d < HS; d++ {
						s += float64(q[(b*Tq+i)*C+h*HS+d]) * float64(k[(b*Tk+j)*C+h*HS+d])
					}
					preatt[row+j] = s * scale
					mx = max(mx, s*scale)
				}
				var sum float64
				for j := 0; j <= last; j++ {
					att[row+j] = math.Exp(preatt[row+j] - mx)
					sum += att[row+j]
				}
				for j := 0; j <= last; j++ {
					att[row+j] /= sum
					for d := 0; d < HS; d++ {
						out[(b*Tq+i)*C+h*HS+d] += att[row+j] * float64(v[(b*Tk+j)*C+h*HS+d])
					}
				}
			}
		}
	}
	return out, preatt, att
}

// TestAttention checks Pool.Attention on every kernel set against the
// float64 reference, for prompts (Tq = Tk), decode steps (Tq = 1) and
// chunks in between, on odd sizes and across the attnRows boundary.
// Scores get 1e-5 absolute error (inputs are in [−1, 1], |score| ≤ √HS),
// probabilities 1e-6, outputs 1e-5; masked cells must be exactly −Inf and 0.
func TestAttention(t *testing.T) {
	shapes := []struct{ B, Tq, Tk, NH, HS int }{
		{1, 1, 1, 1, 1}, {1, 7, 7, 3, 5}, {2, 33, 33, 2, 16}, {1, 1, 33, 4, 64},
		{1, 5, 40, 2, 8}, {1, 65, 65, 2, 64}, {2, 130, 130, 1, 24}, {1, 3, 129, 12, 64},
	}
	for _, im := range usableImpls(t) {
		for _, workers := range []int{1, 2} {
			p := newPoolImpl(workers, im)
			rng := rand.New(rand.NewPCG(30, uint64(workers)))
			for _, sh := range shapes {
				name := fmt.Sprintf("%s/w=%d/%+v", im.name, workers, sh)
				C := sh.NH * sh.HS
				q := randSlice(sh.B*sh.Tq*C, rng)
				k := randSlice(sh.B*sh.Tk*C, rng)
				v := randSlice(sh.B*sh.Tk*C, rng)
				out := randSlice(sh.B*sh.Tq*C, rng) // stale contents must be overwritten
				preatt := randSlice(sh.B*sh.NH*sh.Tq*sh.Tk, rng)
				att := randSlice(sh.B*sh.NH*sh.Tq*sh.Tk, rng)
				p.Attention(out, preatt, att, q, k, v, sh.B, sh.Tq, sh.Tk, sh.NH, sh.HS)
				wo, wp, wa := attentionRef(q, k, v, sh.B, sh.Tq, sh.Tk, sh.NH, sh.HS)
				for i := range wp {
					if math.IsInf(wp[i], -1) {
						if !math.IsInf(float64(preatt[i]), -1) || att[i] != 0 {
							t.Fatalf("%s: masked cell %d: preatt %v att %v, want -Inf and 0", name, i, preatt[i], att[i])
						}
						continue
					}
					if d := math.Abs(float64(preatt[i]) - wp[i]); !(d <= 1e-5) {
						t.Fatalf("%s: preatt[%d] = %v, want %v", name, i, preatt[i], wp[i])
					}
					if d := math.Abs(float64(att[i]) - wa[i]); !(d <= 1e-6) {
						t.Fatalf("%s: att[%d] = %v, want %v", name, i, att[i], wa[i])
					}
				}
				for i := range wo {
					if d := math.Abs(float64(out[i]) - wo[i]); !(d <= 1e-5) {
						t.Fatalf("%s: out[%d] = %v, want %v", name, i, out[i], wo[i])
					}
				}
				// Without preatt and att, the same output bit for bit.
				out2 := randSlice(sh.B*sh.Tq*C, rng)
				p.Attention(out2, nil, nil, q, k, v, sh.B, sh.Tq, sh.Tk, sh.NH, sh.HS)
				for i := range out {
					if math.Float32bits(out2[i]) != math.Float32bits(out[i]) {
						t.Fatalf("%s: without preatt and att, out[%d] = %v, want %v as with them", name, i, out2[i], out[i])
					}
				}
			}
			p.Close()
		}
	}
}
