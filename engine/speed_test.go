package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// gpt2SmallConfig is GPT-2 small's shape: 12 layers, 12 heads, 768
// channels, a 50257-token vocabulary and 1024 positions.
func gpt2SmallConfig() Config {
	return Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 1024, NEmbd: 768, NLayer: 12, NHead: 12,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
}

// randomParams returns weights of shape cfg, seeded and random: matrices,
// biases and embeddings N(0, 0.02²), LayerNorm gains 1 + N(0, 0.02²), so
// activations stay in the range of a trained model.
func randomParams(cfg Config, seed uint64) *Params {
	p := NewParams(cfg)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, t := range p.Tensors(cfg) {
		d := *t.Data
		for i := range d {
			d[i] = float32(0.02 * rng.NormFloat64())
		}
		if t.Kind == "norm" && len(t.Key) > 7 && t.Key[len(t.Key)-7:] == ".weight" {
			for i := range d {
				d[i]++
			}
		}
	}
	return p
}

// randomModel returns a model of shape cfg with randomParams' weights.
func randomModel(cfg Config, seed uint64) (*Model, error) {
	return New(cfg, *randomParams(cfg, seed))
}

// benchModels are one random GPT-2-small-shaped checkpoint loaded twice,
// as it is mapped (the one-shot commands' model) and with its matrices
// packed (a server's, see PackWeights).
type benchModels struct {
	mapped, packed *Model
}

// weights names the model of a benchmark: "mapped" or "packed".
func (bm benchModels) weights(name string) *Model {
	if name == "packed" {
		return bm.packed
	}
	return bm.mapped
}

// gpt2Small are the models shared by the benchmarks of a test binary,
// loaded the way users load a checkpoint: written as an F32 safetensors
// file and memory-mapped, so their weights lie outside the Go heap, as a
// real checkpoint's do. Building them takes a few seconds; the checkpoint
// is removed once mapped, and the models are never closed, the process
// ends first.
var gpt2Small = sync.OnceValues(func() (benchModels, error) {
	dir, err := os.MkdirTemp("", "explorer-bench-")
	if err != nil {
		return benchModels{}, err
	}
	defer os.RemoveAll(dir)
	if err := writeParamsCheckpoint(dir, gpt2SmallConfig(), randomParams(gpt2SmallConfig(), 1)); err != nil {
		return benchModels{}, err
	}
	var bm benchModels
	if bm.mapped, _, err = LoadDir(context.Background(), dir); err != nil {
		return bm, err
	}
	if bm.packed, _, err = LoadDir(context.Background(), dir); err != nil {
		return bm, err
	}
	return bm, bm.packed.PackWeights(context.Background())
})

// writeParamsCheckpoint writes p as a Hugging Face checkpoint in dir: config.json,
// an F32 model.safetensors, and the tokenizer files of the conformance
// model.
func writeParamsCheckpoint(dir string, cfg Config, p *Params) error {
	var ts []safetensors.Tensor
	for _, spec := range p.Tensors(cfg) {
		ts = append(ts, safetensors.Tensor{Name: spec.Key, DType: safetensors.F32, Shape: spec.Shape, Data: safetensors.EncodeFloat32(*spec.Data)})
	}
	f, err := os.Create(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return err
	}
	if err := safetensors.Write(f, ts, nil); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(cfg) // Config carries config.json's keys
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644); err != nil {
		return err
	}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		raw, err := os.ReadFile(filepath.Join(tinyDir, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// benchModel returns gpt2Small's models or fails b.
func benchModel(b *testing.B) benchModels {
	bm, err := gpt2Small()
	if err != nil {
		b.Fatal(err)
	}
	return bm
}

// randomIDs returns n token ids below V.
func randomIDs(n, V int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 1))
	ids := make([]int, n)
	for i := range ids {
		ids[i] = rng.IntN(V)
	}
	return ids
}

// fullTrace selects every hook except the logit lens, the same
// intermediates PyTorch's reference copies out in its trace mode (plus the
// derived next-token hooks, which are cheap next to the logits).
func fullTrace(nLayer int) trace.Selection {
	sel, err := trace.Select(nLayer, "hook_embed", "hook_pos_embed", "blocks.**", "ln_final.**", "logits", "next.**")
	if err != nil {
		panic(err)
	}
	return sel
}

// logitsOnly selects the logits alone, which the unembedding then computes
// for every position: explorer trace --hooks logits.
func logitsOnly(nLayer int) trace.Selection {
	sel, err := trace.Select(nLayer, "logits")
	if err != nil {
		panic(err)
	}
	return sel
}

// BenchmarkForward times a prompt pass of GPT-2 small (random weights) at
// T = 16, 128 and 512 tokens: with no recorder (last-position logits only),
// recording the logits of every position, recording every hook but the
// logit lens, and with the logit lens added; each with the weights as mapped and packed. The state
// is reused across iterations (Truncate), as the explorer reuses one per
// session, so the steady state is timed.
func BenchmarkForward(b *testing.B) {
	bm := benchModel(b)
	ctx := context.Background()
	for _, T := range []int{16, 128, 512} {
		ids := randomIDs(T, bm.mapped.Config.VocabSize, uint64(T))
		for _, mode := range []string{"none", "logits", "full", "lens"} {
			for _, weights := range []string{"mapped", "packed"} {
				m := bm.weights(weights)
				b.Run(fmt.Sprintf("T=%d/trace=%s/weights=%s", T, mode, weights), func(b *testing.B) {
					if mode == "lens" && T > 128 {
						b.Skip("the lens at T=512 is 13 unembeddings of 512 rows; timed at T ≤ 128")
					}
					s := m.NewState(T)
					cpu := processCPU()
					for b.Loop() {
						var rec trace.Recorder
						switch mode {
						case "full":
							rec = trace.Only(fullTrace(m.Config.NLayer), trace.New(m.Info(), "", ids, nil, nil))
						case "lens":
							rec = trace.New(m.Info(), "", ids, nil, nil)
						}
						s.Truncate(0)
						if _, err := s.Append(ctx, ids, rec); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(T)*float64(b.N)/b.Elapsed().Seconds(), "tok/s")
					b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/op")
				})
			}
		}
	}
}

// BenchmarkGenerate times greedy generation of 64 tokens after a 32-token
// prompt with the key/value cache: one prompt pass, then 63 single-token
// passes, as PyTorch's reference does. It also reports the rate at which
// a decode step streams the weights (all matrices plus the tied
// unembedding, ≈ 0.5 GB per token).
func BenchmarkGenerate(b *testing.B) {
	bm := benchModel(b)
	for _, weights := range []string{"mapped", "packed"} {
		b.Run("weights="+weights, func(b *testing.B) { benchGenerate(b, bm.weights(weights)) })
	}
}

func benchGenerate(b *testing.B, m *Model) {
	ctx := context.Background()
	const prompt, gen = 32, 64
	ids := randomIDs(prompt, m.Config.VocabSize, 99)
	s := m.NewState(prompt + gen)
	for b.Loop() {
		s.Truncate(0)
		logits, err := s.Append(ctx, ids, nil)
		if err != nil {
			b.Fatal(err)
		}
		for n := 1; n < gen; n++ {
			if logits, err = s.Append(ctx, []int{argmax(logits)}, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(gen/sec, "tok/s")
}

// BenchmarkDecodeStep times one single-token pass against a 64-position
// cache and reports the weight bytes streamed per second.
func BenchmarkDecodeStep(b *testing.B) {
	bm := benchModel(b)
	for _, weights := range []string{"mapped", "packed"} {
		b.Run("weights="+weights, func(b *testing.B) { benchDecodeStep(b, bm.weights(weights)) })
	}
}

func benchDecodeStep(b *testing.B, m *Model) {
	ctx := context.Background()
	ids := randomIDs(64, m.Config.VocabSize, 5)
	s := m.NewState(65)
	if _, err := s.Append(ctx, ids, nil); err != nil {
		b.Fatal(err)
	}
	next := []int{ids[0]}
	for b.Loop() {
		s.Truncate(64)
		if _, err := s.Append(ctx, next, nil); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(weightBytes(m.Config))/sec/1e9, "GB/s")
	b.ReportMetric(1/sec, "tok/s")
}

// weightBytes is the float32 weight traffic of one decode step: every
// block's four matrices and the unembedding (biases and gains are noise).
func weightBytes(c Config) int {
	C, F := c.NEmbd, c.Inner()
	return 4 * (c.NLayer*(3*C*C+C*C+2*C*F) + c.VocabSize*C)
}

// TestSteadyStateAllocs checks that once a State has served a pass of a
// given size, further prompt passes of that size and single-token decode
// steps allocate nothing.
func TestSteadyStateAllocs(t *testing.T) {
	cfg := Config{ModelType: "gpt2", VocabSize: 300, NPositions: 64, NEmbd: 32, NLayer: 2, NHead: 4,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	m, err := randomModel(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	ids := randomIDs(20, cfg.VocabSize, 4)
	s := m.NewState(40)
	if _, err := s.Append(ctx, ids, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, ids[:1], nil); err != nil {
		t.Fatal(err)
	}
	prompt := testing.AllocsPerRun(20, func() {
		s.Truncate(0)
		_, err = s.Append(ctx, ids, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	step := testing.AllocsPerRun(20, func() {
		s.Truncate(len(ids))
		_, err = s.Append(ctx, ids[:1], nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if prompt != 0 || step != 0 {
		t.Errorf("allocations per pass: prompt %v, decode step %v; want 0 and 0", prompt, step)
	}
}
