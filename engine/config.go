package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/transformer-explorer/explorer/trace"
)

// ErrConfig is wrapped by every error about a config.json that does not
// describe a GPT-2 model this engine can run.
var ErrConfig = errors.New("engine: unsupported config")

// Config holds the GPT2Config fields of a checkpoint's config.json that
// affect the computation.
type Config struct {
	ModelType     string   `json:"model_type"`    // "gpt2"
	Architectures []string `json:"architectures"` // e.g. ["GPT2LMHeadModel"]
	VocabSize     int      `json:"vocab_size"`    // 50257 for GPT-2
	NPositions    int      `json:"n_positions"`   // context length, 1024 for GPT-2
	NEmbd         int      `json:"n_embd"`        // channels, 768 for GPT-2 small
	NLayer        int      `json:"n_layer"`       // 12 for GPT-2 small, 6 for distilgpt2
	NHead         int      `json:"n_head"`        // 12 for GPT-2 small
	// NInner is the MLP width; null in config.json means 4·n_embd.
	NInner *int `json:"n_inner"`
	// ActivationFunction is "gelu_new" for every released GPT-2.
	ActivationFunction string  `json:"activation_function"`
	LayerNormEpsilon   float64 `json:"layer_norm_epsilon"` // 1e-5
	// TieWordEmbeddings defaults to true: the LM head is wte.
	TieWordEmbeddings *bool `json:"tie_word_embeddings"`
	// ScaleAttnWeights must be true (the default): scores are divided by √HS.
	ScaleAttnWeights *bool `json:"scale_attn_weights"`
	// ScaleAttnByInverseLayerIdx must be false (the default).
	ScaleAttnByInverseLayerIdx bool `json:"scale_attn_by_inverse_layer_idx"`
	BOSTokenID                 *int `json:"bos_token_id"`
	EOSTokenID                 *int `json:"eos_token_id"`
}

// Limits that keep a corrupt config from requesting absurd allocations. The
// largest GPT-2 (1.5B) has 48 layers, 25 heads and 1600 channels.
const (
	maxLayers    = 1024
	maxChannels  = 1 << 16
	maxVocab     = 1 << 22
	maxPositions = 1 << 17
)

// ParseConfig decodes and validates config.json.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("%w: config.json: %v", ErrConfig, err)
	}
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c *Config) validate() error {
	// model_type decides when present; old configs without it are
	// recognised by their architectures.
	isGPT2 := c.ModelType == "gpt2"
	if c.ModelType == "" {
		for _, a := range c.Architectures {
			if strings.HasPrefix(a, "GPT2") {
				isGPT2 = true
			}
		}
	}
	if !isGPT2 {
		return fmt.Errorf("%w: model_type %q, architectures %v: not a GPT-2 model (HINT: this explorer runs GPT-2 family checkpoints such as gpt2, gpt2-medium, distilgpt2)",
			ErrConfig, c.ModelType, c.Architectures)
	}
	for _, f := range []struct {
		name   string
		v, max int
	}{
		{"n_layer", c.NLayer, maxLayers}, {"n_embd", c.NEmbd, maxChannels}, {"n_head", c.NHead, maxChannels},
		{"vocab_size", c.VocabSize, maxVocab}, {"n_positions", c.NPositions, maxPositions},
	} {
		if f.v <= 0 || f.v > f.max {
			return fmt.Errorf("%w: %s = %d, want 1..%d", ErrConfig, f.name, f.v, f.max)
		}
	}
	if c.NEmbd%c.NHead != 0 {
		return fmt.Errorf("%w: n_embd %d is not a multiple of n_head %d", ErrConfig, c.NEmbd, c.NHead)
	}
	if c.NInner != nil && (*c.NInner <= 0 || *c.NInner > 16*maxChannels) {
		return fmt.Errorf("%w: n_inner = %d", ErrConfig, *c.NInner)
	}
	switch c.ActivationFunction {
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu":
	case "":
		c.ActivationFunction = "gelu_new"
	default:
		return fmt.Errorf("%w: activation_function %q (supported: gelu_new, gelu_pytorch_tanh, gelu)", ErrConfig, c.ActivationFunction)
	}
	if c.ScaleAttnWeights != nil && !*c.ScaleAttnWeights {
		return fmt.Errorf("%w: scale_attn_weights = false is not supported", ErrConfig)
	}
	if c.ScaleAttnByInverseLayerIdx {
		return fmt.Errorf("%w: scale_attn_by_inverse_layer_idx = true is not supported", ErrConfig)
	}
	if c.LayerNormEpsilon == 0 {
		c.LayerNormEpsilon = 1e-5
	}
	if c.LayerNormEpsilon < 0 || c.LayerNormEpsilon > 1 {
		return fmt.Errorf("%w: layer_norm_epsilon = %g", ErrConfig, c.LayerNormEpsilon)
	}
	return nil
}

// Inner returns the MLP width F: n_inner, or 4·n_embd when it is null.
func (c Config) Inner() int {
	if c.NInner != nil {
		return *c.NInner
	}
	return 4 * c.NEmbd
}

// HeadSize returns HS = n_embd / n_head.
func (c Config) HeadSize() int { return c.Info("").HeadSize() }

// Tied reports whether the LM head shares its weights with wte.
func (c Config) Tied() bool { return c.TieWordEmbeddings == nil || *c.TieWordEmbeddings }

// exactGELU reports whether the MLP uses erf GELU rather than GPT-2's tanh form.
func (c Config) exactGELU() bool { return c.ActivationFunction == "gelu" }

// EOS returns the end-of-text token id from the config, or -1.
func (c Config) EOS() int {
	if c.EOSTokenID != nil {
		return *c.EOSTokenID
	}
	return -1
}

// NumParams returns the number of distinct parameters (the tied LM head
// counted once).
func (c Config) NumParams() int64 { return c.Info("").Params() }

// Info describes a model of this config, named name, as traces and lessons
// see it.
func (c Config) Info(name string) trace.ModelInfo {
	return trace.ModelInfo{
		Name: name, NLayer: c.NLayer, NHead: c.NHead, NEmbd: c.NEmbd, NInner: c.Inner(),
		NCtx: c.NPositions, VocabSize: c.VocabSize, Epsilon: c.LayerNormEpsilon,
		Activation: c.ActivationFunction, Untied: !c.Tied(),
	}
}
