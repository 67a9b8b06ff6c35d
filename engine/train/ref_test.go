package train

import (
	"math"

	"github.com/transformer-explorer/explorer/engine"
)

// refLoss is an independent float64 GPT-2 forward pass written from the
// formulas, used as the reference for the gradient checks: the mean
// cross-entropy of targets (B, T) after inputs (B, T) under the weights w.
// Weights are read through Tensors in checkpoint order, as float64.
func refLoss(cfg engine.Config, w map[string][]float64, inputs, targets []int, B, T int) float64 {
	C, F, V, NH := cfg.NEmbd, cfg.Inner(), cfg.VocabSize, cfg.NHead
	HS := C / NH
	eps := cfg.LayerNormEpsilon
	layerNorm := func(x []float64, g, b []float64) []float64 {
		var m, v float64
		for _, xi := range x {
			m += xi
		}
		m /= float64(len(x))
		for _, xi := range x {
			v += (xi - m) * (xi - m)
		}
		v /= float64(len(x))
		out := make([]float64, len(x))
		for i, xi := range x {
			out[i] = (xi-m)/math.Sqrt(v+eps)*g[i] + b[i]
		}
		return out
	}
	linear := func(x, wt, b []float64, in, out int) []float64 { // x (in) · wt (in, out) + b
		y := make([]float64, out)
		for o := 0; o < out; o++ {
			s := b[o]
			for i := 0; i < in; i++ {
				s += x[i] * wt[i*out+o]
			}
			y[o] = s
		}
		return y
	}
	gelu := func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	}
	var total float64
	for b := 0; b < B; b++ {
		xs := make([][]float64, T)
		for t := 0; t < T; t++ {
			xs[t] = make([]float64, C)
			for c := 0; c < C; c++ {
				xs[t][c] = w["wte.weight"][inputs[b*T+t]*C+c] + w["wpe.weight"][t*C+c]
			}
		}
		for l := 0; l < cfg.NLayer; l++ {
			p := func(name string) []float64 { return w["h."+itoa(l)+"."+name] }
			qkv := make([][]float64, T)
			for t := 0; t < T; t++ {
				qkv[t] = linear(layerNorm(xs[t], p("ln_1.weight"), p("ln_1.bias")), p("attn.c_attn.weight"), p("attn.c_attn.bias"), C, 3*C)
			}
			for t := 0; t < T; t++ {
				y := make([]float64, C)
				for h := 0; h < NH; h++ {
					scores := make([]float64, t+1)
					maxs := math.Inf(-1)
					for j := 0; j <= t; j++ {
						var s float64
						for d := 0; d < HS; d++ {
							s += qkv[t][h*HS+d] * qkv[j][C+h*HS+d]
						}
						scores[j] = s / math.Sqrt(float64(HS))
						maxs = math.Max(maxs, scores[j])
					}
					var z float64
					for j := range scores {
						scores[j] = math.Exp(scores[j] - maxs)
						z += scores[j]
					}
					for j := range scores {
						for d := 0; d < HS; d++ {
							y[h*HS+d] += scores[j] / z * qkv[j][2*C+h*HS+d]
						}
					}
				}
				proj := linear(y, p("attn.c_proj.weight"), p("attn.c_proj.bias"), C, C)
				for c := range proj {
					xs[t][c] += proj[c]
				}
			}
			for t := 0; t < T; t++ {
				h := linear(layerNorm(xs[t], p("ln_2.weight"), p("ln_2.bias")), p("mlp.c_fc.weight"), p("mlp.c_fc.bias"), C, F)
				for i := range h {
					h[i] = gelu(h[i])
				}
				out := linear(h, p("mlp.c_proj.weight"), p("mlp.c_proj.bias"), F, C)
				for c := range out {
					xs[t][c] += out[c]
				}
			}
		}
		for t := 0; t < T; t++ {
			x := layerNorm(xs[t], w["ln_f.weight"], w["ln_f.bias"])
			logits := make([]float64, V)
			maxz := math.Inf(-1)
			for v := 0; v < V; v++ {
				for c := 0; c < C; c++ {
					logits[v] += x[c] * w["wte.weight"][v*C+c]
				}
				maxz = math.Max(maxz, logits[v])
			}
			var z float64
			for _, lg := range logits {
				z += math.Exp(lg - maxz)
			}
			total += maxz + math.Log(z) - logits[targets[b*T+t]]
		}
	}
	return total / float64(B*T)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
