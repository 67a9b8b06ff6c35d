package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/transformer-explorer/explorer/engine/kernel"
	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

func randSlice(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func TestLayerNormForward(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const N, C = 5, 37
	inp := randSlice(r, N*C, 3)
	for i := range inp[:C] {
		inp[i] += 1000 // a row with a large mean tests the two-pass variance
	}
	w, b := randSlice(r, C, 1), randSlice(r, C, 1)
	out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
	LayerNormForward(out, mean, rstd, inp, w, b, N, C, 1e-5)
	want := make([]float64, N*C)
	for n := 0; n < N; n++ {
		var m, v float64
		for c := 0; c < C; c++ {
			m += float64(inp[n*C+c])
		}
		m /= C
		for c := 0; c < C; c++ {
			d := float64(inp[n*C+c]) - m
			v += d * d
		}
		v /= C
		for c := 0; c < C; c++ {
			want[n*C+c] = (float64(inp[n*C+c])-m)/math.Sqrt(v+1e-5)*float64(w[c]) + float64(b[c])
		}
		if d := math.Abs(float64(rstd[n]) - 1/math.Sqrt(v+1e-5)); !(d <= 1e-6/math.Sqrt(v+1e-5)) {
			t.Errorf("rstd[%d] = %v, want %v", n, rstd[n], 1/math.Sqrt(v+1e-5))
		}
	}
	tracetest.Check(t, "LayerNormForward", out, want, trace.Tolerance{Abs: 2e-4})
}

// GELU values computed with Python's math.tanh and math.erf.
func TestGeluForward(t *testing.T) {
	tests := []struct{ x, tanhForm, erfForm float64 }{
		{0, 0, 0},
		{1, 0.8411919906082768, 0.8413447460685429},
		{-1, -0.15880800939172324, -0.15865525393145707},
		{3, 2.996362607918227, 2.99595030590511},
		{-3, -0.0036373920817729943, -0.00404969409489031},
		{0.5, 0.34571400982514394, 0.34573123063700656},
		{-10, 0, 0},
		{10, 10, 10},
	}
	in := make([]float32, len(tests))
	for i, tt := range tests {
		in[i] = float32(tt.x)
	}
	got, exact := make([]float32, len(in)), make([]float32, len(in))
	GeluForward(got, in, len(in))
	GeluExactForward(exact, in, len(in))
	for i, tt := range tests {
		if d := math.Abs(float64(got[i]) - tt.tanhForm); !(d <= 1e-6) {
			t.Errorf("GeluForward(%v) = %v, want %v", tt.x, got[i], tt.tanhForm)
		}
		if d := math.Abs(float64(exact[i]) - tt.erfForm); !(d <= 1e-6) {
			t.Errorf("GeluExactForward(%v) = %v, want %v", tt.x, exact[i], tt.erfForm)
		}
	}
}

// refAttention is causal attention in float64, written from the formula.
func refAttention(q, k, v []float32, Tq, Tk, NH, HS int) (out, att []float64) {
	C := NH * HS
	out = make([]float64, Tq*C)
	att = make([]float64, NH*Tq*Tk)
	for h := 0; h < NH; h++ {
		for i := 0; i < Tq; i++ {
			pos := Tk - Tq + i
			scores := make([]float64, pos+1)
			maxv := math.Inf(-1)
			for j := 0; j <= pos; j++ {
				var s float64
				for d := 0; d < HS; d++ {
					s += float64(q[i*C+h*HS+d]) * float64(k[j*C+h*HS+d])
				}
				scores[j] = s / math.Sqrt(float64(HS))
				maxv = math.Max(maxv, scores[j])
			}
			var sum float64
			for j := range scores {
				scores[j] = math.Exp(scores[j] - maxv)
				sum += scores[j]
			}
			for j := range scores {
				a := scores[j] / sum
				att[(h*Tq+i)*Tk+j] = a
				for d := 0; d < HS; d++ {
					out[i*C+h*HS+d] += a * float64(v[j*C+h*HS+d])
				}
			}
		}
	}
	return out, att
}

func TestAttentionForward(t *testing.T) {
	p := kernel.NewPool(2)
	defer p.Close()
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ Tq, Tk, NH, HS int }{
		{1, 1, 1, 4}, {5, 5, 2, 8}, {1, 9, 3, 16}, {3, 7, 4, 5}, {17, 17, 12, 64},
	} {
		C := tc.NH * tc.HS
		q, k, v := randSlice(r, tc.Tq*C, 1), randSlice(r, tc.Tk*C, 1), randSlice(r, tc.Tk*C, 1)
		out := make([]float32, tc.Tq*C)
		preatt, att := make([]float32, tc.NH*tc.Tq*tc.Tk), make([]float32, tc.NH*tc.Tq*tc.Tk)
		AttentionForward(p, out, preatt, att, q, k, v, 1, tc.Tq, tc.Tk, tc.NH, tc.HS)
		wantOut, wantAtt := refAttention(q, k, v, tc.Tq, tc.Tk, tc.NH, tc.HS)
		tracetest.Check(t, fmt.Sprintf("%+v: att", tc), att, wantAtt, trace.Tolerance{Abs: 1e-6})
		tracetest.Check(t, fmt.Sprintf("%+v: out", tc), out, wantOut, trace.Tolerance{Abs: 1e-5})
		for h := 0; h < tc.NH; h++ {
			for i := 0; i < tc.Tq; i++ {
				for j := tc.Tk - tc.Tq + i + 1; j < tc.Tk; j++ {
					cell := (h*tc.Tq+i)*tc.Tk + j
					if !math.IsInf(float64(preatt[cell]), -1) || att[cell] != 0 {
						t.Fatalf("%+v: masked cell (%d,%d,%d) = %v, %v; want -Inf, 0", tc, h, i, j, preatt[cell], att[cell])
					}
				}
			}
		}
	}
}

func TestSoftmaxAndLogSumExp(t *testing.T) {
	z := []float32{1000, 1001, 999, -5}
	p := make([]float32, 4)
	SoftmaxForward(p, z, 1, 4)
	e := []float64{math.Exp(-1), 1, math.Exp(-2), math.Exp(-1006)}
	sum := e[0] + e[1] + e[2] + e[3]
	for i := range e {
		if d := math.Abs(float64(p[i]) - e[i]/sum); !(d <= 1e-7) {
			t.Errorf("softmax[%d] = %v, want %v", i, p[i], e[i]/sum)
		}
	}
	// The exponentials are float32 (2 ulp), so log Σ is good to ~2.4e-7.
	if got, want := LogSumExp(z), 1001+math.Log(sum); !(math.Abs(got-want) <= 2.4e-7) {
		t.Errorf("LogSumExp = %v, want %v", got, want)
	}
}
