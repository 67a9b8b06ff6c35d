package train

import (
	"math"
	"testing"

	"github.com/transformer-explorer/explorer/engine/train/corpus"
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
	for _, c := range []struct {
		scores  [][]float64
		s       float64
		l, h    int
		comment string
	}{
		{[][]float64{{0.1, math.NaN()}, {0.05, 0.4}, {0.3, 0.2}}, 0.4, 1, 1, "NaN skipped"},
		{[][]float64{{0.9, 0.8}, {0.05, 0.1}}, 0.1, 1, 1, "layer 0 is not counted, however high"},
		{[][]float64{{0.9, 0.8}}, -1, 0, 0, "one layer: no head can be an induction head"},
	} {
		p := &Probe{Induction: c.scores}
		if s, l, h := p.Best(); s != c.s || l != c.l || h != c.h {
			t.Errorf("%s: Best() = %v, %d, %d, want %v, %d, %d", c.comment, s, l, h, c.s, c.l, c.h)
		}
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

func TestScoreTasks(t *testing.T) {
	items := []corpus.Example{
		{Part: corpus.QA, Lang: corpus.English, Answer: " red"},
		{Part: corpus.QA, Lang: corpus.English, Answer: " at the park"},
		{Part: corpus.QA, Lang: corpus.Chinese, Answer: "红色"},
		{Part: corpus.Summary, Lang: corpus.English, Answer: " Lily met Tom at the park.", Facts: []string{"Lily", "Tom", "park", "hat"}},
	}
	answers := []string{"red ", " at the pond", "红色", " Lily met Sam at the park."}
	got := ScoreTasks(items, answers)
	want := []TaskScore{
		{Part: corpus.QA, Lang: corpus.English, Items: 2, Exact: 1},
		{Part: corpus.QA, Lang: corpus.Chinese, Items: 1, Exact: 1, CharF1: 1},
		{Part: corpus.Summary, Lang: corpus.English, Items: 1, Exact: 0, FactsFound: 2, Facts: 4},
	}
	if len(got) != len(want) {
		t.Fatalf("ScoreTasks gave %d scores, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Part != w.Part || g.Lang != w.Lang || g.Items != w.Items || g.Exact != w.Exact || g.FactsFound != w.FactsFound || g.Facts != w.Facts {
			t.Errorf("score %d = %+v, want %+v", i, g, w)
		}
	}
	if f := got[0].CharF1; !(f > 0.5 && f < 1) {
		t.Errorf("English QA character F1 %v, want between 0.5 and 1 (one exact, one close)", f)
	}
	if a := got[0].Accuracy(); a != 0.5 {
		t.Errorf("Accuracy() = %v, want 0.5", a)
	}
	if r := got[2].FactRecall(); r != 0.5 {
		t.Errorf("FactRecall() = %v, want 0.5", r)
	}
	if r := got[0].FactRecall(); !math.IsNaN(r) {
		t.Errorf("FactRecall() without facts = %v, want NaN", r)
	}
}
