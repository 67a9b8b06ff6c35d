//go:build unix

package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/engine/pages"
	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// gpt2Small is GPT-2 small's shape: 12 layers, 12 heads, 768 channels, a
// 50257-token vocabulary, 1024 positions, tied unembedding.
func gpt2Small() engine.Config {
	return engine.Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 1024, NEmbd: 768, NLayer: 12, NHead: 12,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
}

// writeCheckpoint writes a GPT-2-small-shaped model with seeded random
// weights as a Hugging Face checkpoint in dir (config.json, an F32
// model.safetensors with the "transformer." prefix of the hub's gpt2, and
// the GPT-2 tokenizer files copied from tokDir), unless dir holds one
// already. Weights are N(0, 0.02²), LayerNorm gains 1 + N(0, 0.02²).
func writeCheckpoint(dir, tokDir string) error {
	if _, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := gpt2Small()
	p := engine.NewParams(cfg)
	rng := rand.New(rand.NewPCG(1, 0))
	var ts []safetensors.Tensor
	for _, t := range p.Tensors(cfg) {
		d := *t.Data
		gain := t.Kind == "norm" && filepath.Ext(t.Key) == ".weight"
		raw := make([]byte, 4*len(d))
		for i := range d {
			x := float32(0.02 * rng.NormFloat64())
			if gain {
				x++
			}
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x))
		}
		ts = append(ts, safetensors.Tensor{Name: "transformer." + t.Key, DType: safetensors.F32, Shape: t.Shape, Data: raw})
	}
	tmp := filepath.Join(dir, "model.safetensors.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	// Written as explorer pull writes a download, in aligned 2 MiB chunks
	// (pages.ChunkWriter): how the page cache holds the file decides how
	// fast every later load maps it (bench/README.md).
	w := pages.NewChunkWriter(f, 0)
	err = safetensors.Write(w, ts, map[string]string{"format": "pt"})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644); err != nil {
		return err
	}
	for _, name := range []string{"vocab.json", "merges.txt"} {
		raw, err := os.ReadFile(filepath.Join(tokDir, name))
		if err != nil {
			return fmt.Errorf("tokenizer files: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			return err
		}
	}
	return os.Rename(tmp, filepath.Join(dir, "model.safetensors"))
}
