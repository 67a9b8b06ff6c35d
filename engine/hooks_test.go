package engine

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
)

// TestHookFormulas records every hook of a prompt read in two passes (the
// second against the key/value cache) and checks each hook, in float64,
// against its formula applied to the recorded hooks it is computed from and
// to the weights. The conformance references cover only some hooks; this
// covers the rest, and catches a hook overwritten after it was recorded
// (the engine computes hooks in memory the recorder lends).
func TestHookFormulas(t *testing.T) {
	for _, mode := range recorderModes {
		t.Run(mode.name, func(t *testing.T) {
			m, tok, err := LoadDir(context.Background(), filepath.Join(conformanceDir, "tiny-gpt2"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			ids := []int{464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13}
			tr, err := NewTrace(m, tok, "", ids)
			if err != nil {
				t.Fatal(err)
			}
			rec := mode.wrap(tr)
			s := m.NewState(len(ids))
			for _, part := range [][]int{ids[:6], ids[6:]} {
				if _, err := s.Append(context.Background(), part, rec); err != nil {
					t.Fatal(err)
				}
			}
			checkHookFormulas(t, m, tr, ids)
		})
	}
}

func checkHookFormulas(t *testing.T, m *Model, tr *trace.Trace, ids []int) {
	cfg := m.Config
	T, C, F, V, NH, HS := len(ids), cfg.NEmbd, cfg.Inner(), cfg.VocabSize, cfg.NHead, cfg.HeadSize()
	eps := cfg.LayerNormEpsilon
	if cfg.ActivationFunction != "gelu_new" {
		t.Fatalf("the MLP check below is gelu_new's, the model has %q", cfg.ActivationFunction)
	}
	hook := func(name string) []float32 {
		t.Helper()
		x, ok := tr.Tensor(name)
		if !ok {
			t.Fatalf("hook %q not recorded", name)
		}
		return x.Data
	}
	check := func(name string, want []float64) {
		t.Helper()
		got := hook(name)
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
		}
		for i, w := range want {
			g := float64(got[i])
			if math.IsInf(w, -1) {
				if !math.IsInf(g, -1) {
					t.Fatalf("%s[%d] = %v, want -Inf", name, i, g)
				}
				continue
			}
			if d := math.Abs(g-w) / math.Max(1, math.Abs(w)); !(d <= 1e-4) {
				t.Fatalf("%s[%d] = %v, want %v", name, i, g, w)
			}
		}
	}
	w := m.Params()

	embed := make([]float64, T*C)
	for i, id := range ids {
		for c := 0; c < C; c++ {
			embed[i*C+c] = float64(w.WTE[id*C+c])
		}
	}
	check(trace.Embed, embed)
	check(trace.PosEmbed, widen(w.WPE[:T*C]))
	check(trace.Block(0, trace.ResidPre), add(hook(trace.Embed), hook(trace.PosEmbed)))

	for l := 0; l < cfg.NLayer; l++ {
		b := &w.Blocks[l]
		name := func(point string) string { return trace.Block(l, point) }
		if l > 0 {
			check(name(trace.ResidPre), widen(hook(trace.Block(l-1, trace.ResidPost))))
		}
		ln1, scale1 := layerNorm64(hook(name(trace.ResidPre)), b.Ln1W, b.Ln1B, T, C, eps)
		check(name(trace.LN1Scale), scale1)
		check(name(trace.LN1Normalized), ln1)
		qkv := affine64(hook(name(trace.LN1Normalized)), b.AttnW, b.AttnB, T, C, 3*C)
		for j, point := range []string{trace.AttnQ, trace.AttnK, trace.AttnV} {
			part := make([]float64, T*C)
			for i := 0; i < T; i++ {
				copy(part[i*C:(i+1)*C], qkv[i*3*C+j*C:i*3*C+(j+1)*C])
			}
			check(name(point), part)
		}
		q, k, v := hook(name(trace.AttnQ)), hook(name(trace.AttnK)), hook(name(trace.AttnV))
		scores := make([]float64, NH*T*T)
		for h := 0; h < NH; h++ {
			for i := 0; i < T; i++ {
				for j := 0; j < T; j++ {
					at := (h*T+i)*T + j
					if j > i {
						scores[at] = math.Inf(-1)
						continue
					}
					var dot float64
					for d := 0; d < HS; d++ {
						dot += float64(q[i*C+h*HS+d]) * float64(k[j*C+h*HS+d])
					}
					scores[at] = dot / math.Sqrt(float64(HS))
				}
			}
		}
		check(name(trace.AttnScores), scores)
		recScores := hook(name(trace.AttnScores))
		pattern := make([]float64, NH*T*T)
		for r := 0; r < NH*T; r++ {
			i := r % T
			row := recScores[r*T : r*T+i+1]
			top := math.Inf(-1)
			for _, x := range row {
				top = math.Max(top, float64(x))
			}
			var sum float64
			for j, x := range row {
				pattern[r*T+j] = math.Exp(float64(x) - top)
				sum += pattern[r*T+j]
			}
			for j := range row {
				pattern[r*T+j] /= sum
			}
		}
		check(name(trace.AttnPattern), pattern)
		pat := hook(name(trace.AttnPattern))
		z := make([]float64, T*C)
		for h := 0; h < NH; h++ {
			for i := 0; i < T; i++ {
				for j := 0; j <= i; j++ {
					p := float64(pat[(h*T+i)*T+j])
					for d := 0; d < HS; d++ {
						z[i*C+h*HS+d] += p * float64(v[j*C+h*HS+d])
					}
				}
			}
		}
		check(name(trace.AttnZ), z)
		check(name(trace.AttnOut), affine64(hook(name(trace.AttnZ)), b.AttnProjW, b.AttnProjB, T, C, C))
		check(name(trace.ResidMid), add(hook(name(trace.ResidPre)), hook(name(trace.AttnOut))))

		ln2, scale2 := layerNorm64(hook(name(trace.ResidMid)), b.Ln2W, b.Ln2B, T, C, eps)
		check(name(trace.LN2Scale), scale2)
		check(name(trace.LN2Normalized), ln2)
		check(name(trace.MLPPre), affine64(hook(name(trace.LN2Normalized)), b.FcW, b.FcB, T, C, F))
		post := widen(hook(name(trace.MLPPre)))
		for i, x := range post {
			post[i] = 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}
		check(name(trace.MLPPost), post)
		check(name(trace.MLPOut), affine64(hook(name(trace.MLPPost)), b.FcProjW, b.FcProjB, T, F, C))
		check(name(trace.ResidPost), add(hook(name(trace.ResidMid)), hook(name(trace.MLPOut))))
	}

	lnf, scalef := layerNorm64(hook(trace.Block(cfg.NLayer-1, trace.ResidPost)), w.LnFW, w.LnFB, T, C, eps)
	check(trace.LNFinalScale, scalef)
	check(trace.LNFinalNormalized, lnf)
	final := hook(trace.LNFinalNormalized)
	logits := make([]float64, T*V)
	for i := 0; i < T; i++ {
		for j := 0; j < V; j++ {
			var dot float64
			for c := 0; c < C; c++ {
				dot += float64(final[i*C+c]) * float64(w.LMHead[j*C+c])
			}
			logits[i*V+j] = dot
		}
	}
	check(trace.Logits, logits)
}

func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func add(a, b []float32) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = float64(a[i]) + float64(b[i])
	}
	return out
}

// layerNorm64 returns LayerNorm(x) = (x − μ)/√(σ² + ε)·γ + β of each of the
// N rows of x (N, C), and √(σ² + ε) of each row.
func layerNorm64(x, gamma, beta []float32, N, C int, eps float64) (out, scale []float64) {
	out, scale = make([]float64, N*C), make([]float64, N)
	for n := 0; n < N; n++ {
		row := x[n*C : (n+1)*C]
		var mean, variance float64
		for _, v := range row {
			mean += float64(v)
		}
		mean /= float64(C)
		for _, v := range row {
			variance += (float64(v) - mean) * (float64(v) - mean)
		}
		scale[n] = math.Sqrt(variance/float64(C) + eps)
		for c, v := range row {
			out[n*C+c] = (float64(v)-mean)/scale[n]*float64(gamma[c]) + float64(beta[c])
		}
	}
	return out, scale
}

// affine64 returns x·W + b for x (N, in) and W (in, out), Conv1D layout.
func affine64(x, W, b []float32, N, in, out int) []float64 {
	y := make([]float64, N*out)
	for n := 0; n < N; n++ {
		for o := 0; o < out; o++ {
			acc := float64(b[o])
			for i := 0; i < in; i++ {
				acc += float64(x[n*in+i]) * float64(W[i*out+o])
			}
			y[n*out+o] = acc
		}
	}
	return y
}
