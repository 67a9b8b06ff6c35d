package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/kernel"
)

func tinyConfig(V, P, C, L, NH int) engine.Config {
	return engine.Config{ModelType: "gpt2", VocabSize: V, NPositions: P, NEmbd: C, NLayer: L, NHead: NH,
		ActivationFunction: "gelu_new", LayerNormEpsilon: 1e-5}
}

// TestGradientCheck compares Backward's gradient of every element of every
// parameter tensor with central finite differences of the independent
// float64 reference loss (refLoss), on a tiny 2-layer model.
func TestGradientCheck(t *testing.T) {
	pool := kernel.NewPool(2)
	defer pool.Close()
	cfg := tinyConfig(11, 6, 8, 2, 2)
	const B, T = 2, 5
	g, err := NewGPT(pool, cfg, B, T)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	g.Init(r)
	// Perturb every weight (also biases and LayerNorm gains, which start at
	// 0 and 1) so that no gradient is trivially zero.
	for i := range g.Params.Flat() {
		g.Params.Flat()[i] += float32(r.NormFloat64() * 0.3)
	}
	inputs, targets := make([]int, B*T), make([]int, B*T)
	for i := range inputs {
		inputs[i], targets[i] = r.IntN(cfg.VocabSize), r.IntN(cfg.VocabSize)
	}
	g.ZeroGrad()
	loss := g.Forward(inputs, targets)
	g.Backward()

	w := map[string][]float64{}
	for _, pt := range g.Params.Tensors(cfg) {
		d := make([]float64, len(*pt.Data))
		for i, x := range *pt.Data {
			d[i] = float64(x)
		}
		w[pt.Key] = d
	}
	if ref := refLoss(cfg, w, inputs, targets, B, T); !(math.Abs(ref-loss) <= 1e-5*math.Max(1, ref)) {
		t.Fatalf("Forward loss = %v, float64 reference %v", loss, ref)
	}
	grads := g.Grads.Tensors(cfg)
	for ti, pt := range g.Params.Tensors(cfg) {
		x := w[pt.Key]
		got := *grads[ti].Data
		var num2, diff2, worst float64
		for i := range x {
			const h = 1e-5
			orig := x[i]
			x[i] = orig + h
			up := refLoss(cfg, w, inputs, targets, B, T)
			x[i] = orig - h
			down := refLoss(cfg, w, inputs, targets, B, T)
			x[i] = orig
			num := (up - down) / (2 * h)
			d := math.Abs(float64(got[i]) - num)
			num2 += num * num
			diff2 += d * d
			worst = max(worst, d) // a NaN stays NaN
		}
		// float32 analytic gradients against float64 numeric ones: the
		// error is float32 rounding, about 1e-6 relative.
		rel := math.Sqrt(diff2 / max(num2, 1e-30))
		if !(rel <= 1e-4) || !(worst <= 1e-5) {
			t.Errorf("d%s: relative error %.2g, max abs error %.2g (|grad| = %.3g)", pt.Key, rel, worst, math.Sqrt(num2))
		} else {
			t.Logf("d%s: relative error %.2g, max abs error %.2g (|grad| = %.3g)", pt.Key, rel, worst, math.Sqrt(num2))
		}
	}
}
