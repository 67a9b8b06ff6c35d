package train

import (
	"math/rand/v2"
	"testing"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// BenchmarkTrainStep measures one training step (forward, backward, AdamW)
// at the default model's size: 4 layers, 4 heads, width 128, context 256,
// a 2,048-token vocabulary, batches of 8 sequences. It reports tokens/s.
func BenchmarkTrainStep(b *testing.B) {
	pool := kernel.NewPool(0)
	defer pool.Close()
	cfg := tinyConfig(2048, 256, 128, 4, 4)
	const B, T = 8, 256
	g, err := NewGPT(pool, cfg, B, T)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	g.Init(r)
	opt := NewAdamW(cfg, 0.1)
	inputs, targets := make([]int, B*T), make([]int, B*T)
	for i := range inputs {
		inputs[i], targets[i] = r.IntN(cfg.VocabSize), r.IntN(cfg.VocabSize)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.ZeroGrad()
		g.Forward(inputs, targets)
		g.Backward()
		ClipGrads(g.Grads, GradNorm(g.Grads), 1)
		opt.Step(pool, g.Params, g.Grads, 1e-3, i+1)
	}
	b.ReportMetric(float64(b.N*B*T)/b.Elapsed().Seconds(), "tokens/s")
}
