package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	base := `"model_type":"gpt2","vocab_size":50257,"n_positions":1024,"n_embd":768,"n_layer":12,"n_head":12`
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"gpt2 small", `{` + base + `}`, ""},
		{"not gpt2", `{"model_type":"llama","vocab_size":10,"n_positions":8,"n_embd":8,"n_layer":1,"n_head":1}`, "not a GPT-2"},
		{"heads do not divide", `{"model_type":"gpt2","vocab_size":10,"n_positions":8,"n_embd":10,"n_layer":1,"n_head":3}`, "multiple of n_head"},
		{"zero layers", `{"model_type":"gpt2","vocab_size":10,"n_positions":8,"n_embd":8,"n_layer":0,"n_head":1}`, "n_layer"},
		{"absurd vocab", `{"model_type":"gpt2","vocab_size":1000000000,"n_positions":8,"n_embd":8,"n_layer":1,"n_head":1}`, "vocab_size"},
		{"relu", `{` + base + `,"activation_function":"relu"}`, "activation_function"},
		{"malformed", `{"model_type":`, "config.json"},
		{"wrong type", `{"n_layer":"twelve"}`, "config.json"},
		{"inverse layer scaling", `{` + base + `,"scale_attn_by_inverse_layer_idx":true}`, "not supported"},
	}
	for _, tt := range tests {
		c, err := ParseConfig([]byte(tt.json))
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: ParseConfig = %+v, %v; want an ErrConfig mentioning %q", tt.name, c, err, tt.wantErr)
		}
	}
}

// The published parameter counts of the GPT-2 family, from their configs.
func TestNumParams(t *testing.T) {
	tests := []struct {
		name                string
		layers, embd, heads int
		want                int64
	}{
		{"gpt2", 12, 768, 12, 124439808},
		{"gpt2-medium", 24, 1024, 16, 354823168},
		{"gpt2-large", 36, 1280, 20, 774030080},
		{"gpt2-xl", 48, 1600, 25, 1557611200},
		{"distilgpt2", 6, 768, 12, 81912576},
	}
	for _, tt := range tests {
		c := Config{ModelType: "gpt2", VocabSize: 50257, NPositions: 1024, NEmbd: tt.embd, NLayer: tt.layers, NHead: tt.heads}
		if err := c.validate(); err != nil {
			t.Fatal(err)
		}
		if got := c.NumParams(); got != tt.want {
			t.Errorf("%s: NumParams() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	raw, _ := os.ReadFile(filepath.Join(conformanceDir, "tiny-gpt2", "config.json"))
	f.Add(raw)
	f.Add([]byte(`{"model_type":"gpt2","n_inner":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		// An accepted config must describe sizes the engine can allocate.
		if c.NLayer <= 0 || c.NEmbd%c.NHead != 0 || c.Inner() <= 0 || c.VocabSize > maxVocab || c.NPositions > maxPositions {
			t.Fatalf("accepted an unusable config %+v", c)
		}
	})
}
