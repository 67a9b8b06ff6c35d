package train

import (
	"math"
	"testing"
)

func TestContinue(t *testing.T) {
	st := &State{Steps: 900, Seed: 4, LR: 2e-3, MinLR: 2e-4, Warmup: 50, Batch: 6, Context: 128}
	given := Options{Steps: 1200, Seed: 9, LR: 1e-3, MinLR: 1e-4, Warmup: 10, Batch: 2, Context: 64}
	cases := []struct {
		chosen []string
		want   Options
	}{
		{nil, Options{Steps: 900, Seed: 4, LR: 2e-3, MinLR: 2e-4, Warmup: 50, Batch: 6, Context: 128}},
		{[]string{SettingSteps}, Options{Steps: 1200, Seed: 4, LR: 2e-3, MinLR: 2e-4, Warmup: 50, Batch: 6, Context: 128}},
		{[]string{SettingLR, SettingContext}, Options{Steps: 900, Seed: 4, LR: 1e-3, MinLR: 1e-4, Warmup: 50, Batch: 6, Context: 64}},
		{[]string{SettingSteps, SettingSeed, SettingLR, SettingWarmup, SettingBatch, SettingContext}, given},
	}
	for _, c := range cases {
		set := map[string]bool{}
		for _, s := range c.chosen {
			set[s] = true
		}
		got := st.Continue(given, func(s string) bool { return set[s] })
		if got.Steps != c.want.Steps || got.Seed != c.want.Seed || got.LR != c.want.LR || got.MinLR != c.want.MinLR ||
			got.Warmup != c.want.Warmup || got.Batch != c.want.Batch || got.Context != c.want.Context {
			t.Errorf("Continue with %v chosen = %+v, want %+v", c.chosen, got, c.want)
		}
	}
}

func TestNewConfig(t *testing.T) {
	tok, _ := storyTokens(t, 5, 1)
	c := NewConfig(tok, Shape{Layers: 2, Width: 64})
	if c.NLayer != 2 || c.NHead != DefaultHeads || c.NEmbd != 64 || c.NPositions != DefaultContext || c.VocabSize != tok.VocabSize() {
		t.Errorf("NewConfig = %+v", c)
	}
	if c.BOSTokenID == nil || *c.BOSTokenID != tok.EndOfText() || c.EOSTokenID == nil || *c.EOSTokenID != tok.EndOfText() {
		t.Errorf("NewConfig: BOS/EOS are not end-of-text %d", tok.EndOfText())
	}
	if c.ActivationFunction != "gelu_new" || c.LayerNormEpsilon != 1e-5 {
		t.Errorf("NewConfig: activation %q, ε %g, want GPT-2's gelu_new and 1e-5", c.ActivationFunction, c.LayerNormEpsilon)
	}
}

func TestProbeBest(t *testing.T) {
	p := &Probe{Induction: [][]float64{{0.1, math.NaN()}, {0.05, 0.4}, {0.3, 0.2}}}
	if s, l, h := p.Best(); s != 0.4 || l != 1 || h != 1 {
		t.Errorf("Best() = %v, %d, %d, want 0.4, 1, 1", s, l, h)
	}
}

func TestCharF1(t *testing.T) {
	cases := []struct {
		got, want string
		f1        float64
	}{
		{"red", "red", 1},
		{" red", "red", 1},
		{"", "red", 0},
		{"blue", "red", 2 * 0.25 * (1.0 / 3) / (0.25 + 1.0/3)}, // shares e
		{"红色", "蓝色", 0.5},
		{"abc", "xyz", 0},
	}
	for _, c := range cases {
		if got := CharF1(c.got, c.want); !(math.Abs(got-c.f1) <= 1e-12) {
			t.Errorf("CharF1(%q, %q) = %v, want %v", c.got, c.want, got, c.f1)
		}
	}
}
