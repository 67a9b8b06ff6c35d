package trace

import (
	"bytes"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"
)

func TestParseBlock(t *testing.T) {
	tests := []struct {
		name  string
		layer int
		point string
		ok    bool
	}{
		{"blocks.0.attn.hook_pattern", 0, AttnPattern, true},
		{"blocks.11.hook_resid_post", 11, ResidPost, true},
		{"blocks.3.ln2.hook_scale", 3, LN2Scale, true},
		{"blocks.01.hook_resid_pre", 0, "", false},
		{"blocks.-1.hook_resid_pre", 0, "", false},
		{"blocks.2.attn.hook_result", 0, "", false},
		{"blocks.2", 0, "", false},
		{"hook_embed", 0, "", false},
	}
	for _, tt := range tests {
		layer, point, ok := ParseBlock(tt.name)
		if ok != tt.ok || (ok && (layer != tt.layer || point != tt.point)) {
			t.Errorf("ParseBlock(%q) = %d, %q, %v; want %d, %q, %v", tt.name, layer, point, ok, tt.layer, tt.point, tt.ok)
		}
	}
}

func TestNamesAreUniqueAndHaveLayouts(t *testing.T) {
	names := Names(3)
	seen := map[string]bool{}
	d := Dims{T: 5, C: 8, H: 2, D: 4, F: 32, V: 100, L: 3, K: 10}
	for _, n := range names {
		if seen[n] {
			t.Errorf("duplicate hook %q", n)
		}
		seen[n] = true
		if _, err := LayoutOf(n, d); err != nil {
			t.Errorf("LayoutOf(%q): %v", n, err)
		}
	}
	if want := 2 + 3*17 + 3 + 5; len(names) != want {
		t.Errorf("len(Names(3)) = %d, want %d", len(names), want)
	}
	if _, err := LayoutOf("blocks.0.attn.hook_nope", d); !errors.Is(err, ErrUnknownHook) {
		t.Errorf("LayoutOf(unknown) error = %v, want ErrUnknownHook", err)
	}
}

func TestLayoutShapes(t *testing.T) {
	d := Dims{T: 5, Keys: 9, C: 8, H: 2, D: 4, F: 32, V: 100, L: 3, K: 10}
	tests := []struct {
		name  string
		shape []int
	}{
		{Block(1, AttnQ), []int{5, 2, 4}},
		{Block(1, AttnPattern), []int{2, 5, 9}},
		{Block(0, LN1Scale), []int{5, 1}},
		{Block(2, MLPPost), []int{5, 32}},
		{Logits, []int{5, 100}},
		{NextLoss, []int{4}},
		{LensTopIDs, []int{4, 5, 10}},
	}
	for _, tt := range tests {
		lay, err := LayoutOf(tt.name, d)
		if err != nil || !slices.Equal(lay.Shape, tt.shape) {
			t.Errorf("LayoutOf(%q).Shape = %v, %v; want %v", tt.name, lay.Shape, err, tt.shape)
		}
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		patterns []string
		name     string
		want     bool
	}{
		{[]string{"blocks.*.attn.hook_pattern"}, "blocks.7.attn.hook_pattern", true},
		{[]string{"blocks.*.attn.hook_pattern"}, "blocks.7.attn.hook_attn_scores", false},
		{[]string{"blocks.1.**"}, "blocks.1.ln1.hook_scale", true},
		{[]string{"blocks.1.**"}, "blocks.11.ln1.hook_scale", false},
		{[]string{"**"}, "logits", true},
		{[]string{"logits"}, "logits", true},
		{[]string{"logits"}, "blocks.0.hook_resid_pre", false},
		{[]string{"*.hook_normalized"}, "ln_final.hook_normalized", true},
		{[]string{"**.hook_resid_*"}, "blocks.2.hook_resid_mid", true},
		{[]string{"next.*", "lens.*"}, "lens.top_probs", true},
		{[]string{"blocks.[01].attn.hook_q"}, "blocks.1.attn.hook_q", true},
	}
	for _, tt := range tests {
		sel, err := Select(12, tt.patterns...)
		if err != nil {
			t.Fatalf("Select(%q): %v", tt.patterns, err)
		}
		if got := sel.Match(tt.name); got != tt.want {
			t.Errorf("Select(%q).Match(%q) = %v, want %v", tt.patterns, tt.name, got, tt.want)
		}
	}
	for _, bad := range []string{"blocks.*.attn.hook_patern", "blocks.12.hook_resid_pre", "[", "resid"} {
		if _, err := Select(12, bad); err == nil {
			t.Errorf("Select(%q) succeeded, want an error", bad)
		}
	}
	if (Selection{}).Match("logits") {
		t.Error("zero Selection matched a hook")
	}
}

func TestOnlyAndTee(t *testing.T) {
	sel, _ := Select(2, "logits")
	var a, b []string
	recA := Only(sel, RecorderFunc(func(t Tensor) error { a = append(a, t.Name); return nil }))
	recB := RecorderFunc(func(t Tensor) error { b = append(b, t.Name); return nil })
	rec := Tee(recA, recB)
	if !Wants(rec, Embed) || !Wants(recA, Logits) || Wants(recA, Embed) || Wants(nil, Logits) {
		t.Error("Wants reports the wrong hooks")
	}
	for _, n := range []string{Embed, Logits} {
		if err := rec.Record(Tensor{Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(a, []string{Logits}) || !slices.Equal(b, []string{Embed, Logits}) {
		t.Errorf("recorded %v and %v", a, b)
	}
	stop := errors.New("client gone")
	failing := Tee(RecorderFunc(func(Tensor) error { return stop }), recB)
	if err := failing.Record(Tensor{Name: Embed}); !errors.Is(err, stop) {
		t.Errorf("Tee error = %v, want %v", err, stop)
	}
}

func TestTraceKeepsLentMemoryAndCopiesTheRest(t *testing.T) {
	tr := New(ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "ab", []int{1, 2}, nil, nil)
	post, pre := Block(0, ResidPost), Block(0, ResidPre)
	sameMemory := func(name string, data []float32) bool {
		got, ok := tr.Tensor(name)
		return ok && len(got.Data) == len(data) && &got.Data[0] == &data[0]
	}

	lent := tr.Lend(post, 4)
	if len(lent) != 4 {
		t.Fatalf("Lend(4) returned %d values", len(lent))
	}
	copy(lent, []float32{1, 2, 3, 4})
	if err := tr.Record(Tensor{Name: post, Shape: []int{2, 2}, Data: lent}); err != nil {
		t.Fatal(err)
	}
	if !sameMemory(post, lent) {
		t.Error("a lent slice was copied")
	}
	// The same memory under a second name is kept once.
	if err := tr.Record(Tensor{Name: Logits, Shape: []int{2, 2}, Data: lent}); err != nil {
		t.Fatal(err)
	}
	if !sameMemory(Logits, lent) {
		t.Error("memory the trace keeps was copied when recorded again")
	}
	// Part of lent memory, and memory the trace did not lend, are copied.
	if err := tr.Record(Tensor{Name: Embed, Shape: []int{1, 2}, Data: lent[:2]}); err != nil {
		t.Fatal(err)
	}
	borrowed := []float32{5, 6, 7, 8}
	if err := tr.Record(Tensor{Name: pre, Shape: []int{2, 2}, Data: borrowed}); err != nil {
		t.Fatal(err)
	}
	if sameMemory(Embed, lent) || sameMemory(pre, borrowed) {
		t.Error("borrowed memory was kept instead of copied")
	}
	borrowed[0] = 99
	if got, _ := tr.Tensor(pre); got.Data[0] != 5 {
		t.Errorf("the copy changed with its source: %v", got.Data)
	}
}

func TestLendThroughOnlyAndTee(t *testing.T) {
	sel, _ := Select(1, "logits")
	noLend := RecorderFunc(func(Tensor) error { return nil })
	tests := []struct {
		name  string
		rec   Recorder
		hook  string
		lends bool
	}{
		{"trace", New(ModelInfo{}, "", nil, nil, nil), Embed, true},
		{"recorder func", noLend, Logits, false},
		{"nil", nil, Logits, false},
		{"only, selected", Only(sel, New(ModelInfo{}, "", nil, nil, nil)), Logits, true},
		{"only, not selected", Only(sel, New(ModelInfo{}, "", nil, nil, nil)), Embed, false},
		{"tee, lender second", Tee(noLend, New(ModelInfo{}, "", nil, nil, nil)), Embed, true},
		{"tee, lender filtered out", Tee(noLend, Only(sel, New(ModelInfo{}, "", nil, nil, nil))), Embed, false},
		{"tee, no lender", Tee(noLend, noLend), Embed, false},
	}
	for _, tt := range tests {
		if got := Lend(tt.rec, tt.hook, 3); (len(got) == 3) != tt.lends || (got != nil && len(got) != 3) {
			t.Errorf("%s: Lend(%q, 3) = %v, want lent %v", tt.name, tt.hook, got, tt.lends)
		}
	}
}

func TestTraceCopiesAndJoinsGeneratedRows(t *testing.T) {
	tr := New(ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "ab", []int{1, 2}, []string{"a", "b"}, []string{"a", "b"})
	name := Block(0, AttnPattern)
	borrowed := []float32{1, 0, 0.25, 0.75}
	if err := tr.Record(Tensor{Name: name, Shape: []int{1, 2, 2}, Data: borrowed}); err != nil {
		t.Fatal(err)
	}
	borrowed[0] = 99 // the engine reuses its buffer
	// A generated token at position 2 attends to 3 keys.
	if err := tr.Record(Tensor{Name: name, Shape: []int{1, 1, 3}, Data: []float32{0.5, 0.25, 0.25}, Offset: 2}); err != nil {
		t.Fatal(err)
	}
	got, ok := tr.Tensor(name)
	if !ok {
		t.Fatal("pattern missing")
	}
	want := []float32{1, 0, 0, 0.25, 0.75, 0, 0.5, 0.25, 0.25}
	if !slices.Equal(got.Shape, []int{1, 3, 3}) || !slices.Equal(got.Data, want) {
		t.Errorf("joined pattern = %v %v, want [1 3 3] %v", got.Shape, got.Data, want)
	}
	scores := Block(0, AttnScores)
	tr.Record(Tensor{Name: scores, Shape: []int{1, 1, 1}, Data: []float32{2}})
	tr.Record(Tensor{Name: scores, Shape: []int{1, 1, 2}, Data: []float32{3, 4}, Offset: 1})
	s, _ := tr.Tensor(scores)
	if s.Data[1] != float32(math.Inf(-1)) || s.Data[3] != 4 {
		t.Errorf("joined scores = %v, want masked cells -Inf", s.Data)
	}
	if err := tr.Record(Tensor{Name: Embed, Shape: []int{2, 2}, Data: []float32{1}}); err == nil {
		t.Error("Record accepted data that does not fill its shape")
	}
}

func TestFileRoundTrip(t *testing.T) {
	model := ModelInfo{Name: "tiny", NLayer: 1, NHead: 2, NEmbd: 4, NInner: 16, NCtx: 8, VocabSize: 10, Epsilon: 1e-5, Activation: "gelu_new"}
	tr := New(model, "hi there", []int{3, 7}, []string{"hi", "␣there"}, []string{"hi", "Ġthere"})
	tr.Labels[9] = "␣x"
	tr.Record(Tensor{Name: Embed, Shape: []int{2, 4}, Data: []float32{1, 2, 3, 4, 5, 6, 7, float32(math.Inf(-1))}})
	tr.Record(Tensor{Name: NextTopIDs, Shape: []int{2, 1}, Data: []float32{9, 3}})
	path := filepath.Join(t.TempDir(), "t.safetensors")
	if err := tr.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Model != model || back.Text != tr.Text || !slices.Equal(back.IDs, tr.IDs) ||
		!slices.Equal(back.Tokens, tr.Tokens) || !slices.Equal(back.TokenStrings, tr.TokenStrings) || back.Labels[9] != "␣x" {
		t.Errorf("read back %+v, want %+v", back, tr)
	}
	if !slices.Equal(back.Names(), []string{Embed, NextTopIDs}) {
		t.Errorf("names = %v", back.Names())
	}
	e, _ := back.Tensor(Embed)
	ids, _ := back.Tensor(NextTopIDs)
	if e.Data[7] != float32(math.Inf(-1)) || e.Data[1] != 2 || ids.Data[0] != 9 {
		t.Errorf("tensors = %v, %v", e.Data, ids.Data)
	}
	var buf bytes.Buffer
	buf.Write([]byte{8, 0, 0, 0, 0, 0, 0, 0})
	buf.WriteString(`{}      `)
	if _, err := Parse(buf.Bytes()); !errors.Is(err, ErrFormat) {
		t.Errorf("Parse(plain safetensors) = %v, want ErrFormat", err)
	}
}

func TestSteps(t *testing.T) {
	steps := Steps(2)
	if want := 3 + 2*11 + 4; len(steps) != want {
		t.Fatalf("len(Steps(2)) = %d, want %d", len(steps), want)
	}
	names := map[string]bool{}
	for _, n := range Names(2) {
		names[n] = true
	}
	ids := map[string]bool{}
	for _, s := range steps {
		if ids[s.ID] {
			t.Errorf("duplicate step id %q", s.ID)
		}
		ids[s.ID] = true
		if k, l, ok := ParseStepID(s.ID); !ok || k != s.Kind || l != s.Layer || StepID(s.Kind, s.Layer) != s.ID {
			t.Errorf("step %q: ParseStepID = %q, %d, %v; StepID(%q, %d) = %q", s.ID, k, l, ok, s.Kind, s.Layer, StepID(s.Kind, s.Layer))
		}
		if len(s.Hooks) == 0 && s.Kind != StepTokenize {
			t.Errorf("step %q shows no hook", s.ID)
		}
		for _, h := range s.Hooks {
			if !names[h] {
				t.Errorf("step %q names unknown hook %q", s.ID, h)
			}
		}
	}
	if i, ok := FindStep(steps, "L1.softmax"); !ok || steps[i].Hooks[0] != Block(1, AttnPattern) {
		t.Errorf("FindStep(L1.softmax) = %d, %v", i, ok)
	}
	if len(StepKinds()) != 18 {
		t.Errorf("StepKinds() has %d kinds, want 18", len(StepKinds()))
	}
	blocks := 0
	for _, k := range StepKinds() {
		if k.InBlock() {
			blocks++
		}
	}
	if blocks != 11 {
		t.Errorf("%d kinds are inside the blocks, want 11", blocks)
	}
}

func TestParseStepID(t *testing.T) {
	for _, tc := range []struct {
		id    string
		kind  StepKind
		layer int
		ok    bool
	}{
		{"embed", StepEmbed, -1, true},
		{"L0.scores", StepScores, 0, true},
		{"L11.resid_post", StepResidPost, 11, true},
		{"sample", StepSample, -1, true},
		// Bad IDs.
		{"", "", 0, false},
		{"L1", "", 0, false},
		{"L1.embed", "", 0, false},
		{"Lx.scores", "", 0, false},
		{"L01.scores", "", 0, false},
		{"L-1.scores", "", 0, false},
		{"scores", "", 0, false},
		{"L1.nope", "", 0, false},
	} {
		k, l, ok := ParseStepID(tc.id)
		if k != tc.kind || l != tc.layer || ok != tc.ok {
			t.Errorf("ParseStepID(%q) = %q, %d, %v; want %q, %d, %v", tc.id, k, l, ok, tc.kind, tc.layer, tc.ok)
		}
	}
}

// TestCloneSharesTensorsAndCopiesTheRest checks that a clone reads the
// same tensors as the original, and that hooks, tokens and labels added to
// the clone leave the original as it was.
func TestCloneSharesTensorsAndCopiesTheRest(t *testing.T) {
	tr := New(ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "ab", []int{1, 2}, []string{"a", "b"}, []string{"a", "b"})
	tr.Labels[1] = "a"
	data := tr.Lend(Embed, 4)
	copy(data, []float32{1, 2, 3, 4})
	if err := tr.Record(Tensor{Name: Embed, Shape: []int{2, 2}, Data: data}); err != nil {
		t.Fatal(err)
	}
	c := tr.Clone()
	if got, ok := c.Tensor(Embed); !ok || &got.Data[0] != &data[0] {
		t.Fatal("the clone does not share the original's tensor")
	}
	c.Labels[7] = "x"
	c.AppendToken(7, "x", "x")
	if err := c.Record(Tensor{Name: Logits, Shape: []int{2, 1}, Data: []float32{5, 6}}); err != nil {
		t.Fatal(err)
	}
	if tr.Has(Logits) || len(tr.IDs) != 2 || len(tr.Labels) != 1 || !slices.Equal(tr.Names(), []string{Embed}) {
		t.Errorf("the original changed with its clone: %v, ids %v, labels %v", tr.Names(), tr.IDs, tr.Labels)
	}
	if !slices.Equal(c.Names(), []string{Embed, Logits}) || len(c.IDs) != 3 {
		t.Errorf("clone: %v, ids %v", c.Names(), c.IDs)
	}
	if (&Trace{}).Clone().Labels == nil {
		t.Error("a clone's Labels is nil")
	}
}

// The parameter counts published for the GPT-2 family (Hugging Face's
// model cards, counted with the LM head tied to wte).
func TestModelInfoParams(t *testing.T) {
	tests := []struct {
		name             string
		layers, heads, C int
		want             int64
	}{
		{"gpt2", 12, 12, 768, 124_439_808},
		{"gpt2-medium", 24, 16, 1024, 354_823_168},
		{"distilgpt2", 6, 12, 768, 81_912_576},
	}
	for _, tt := range tests {
		m := ModelInfo{NLayer: tt.layers, NHead: tt.heads, NEmbd: tt.C, NCtx: 1024, VocabSize: 50257}
		if got := m.Params(); got != tt.want {
			t.Errorf("%s: Params() = %d, want %d", tt.name, got, tt.want)
		}
		m.Untied = true
		if got := m.Params(); got != tt.want+50257*int64(tt.C) {
			t.Errorf("%s untied: Params() = %d, want %d", tt.name, got, tt.want+50257*int64(tt.C))
		}
	}
}

// TestShapeAndBytes records a prompt pass and a generated token's pass of
// a pattern and a residual: Shape agrees with the joined Tensor without
// joining, and Bytes counts each kept value once.
func TestShapeAndBytes(t *testing.T) {
	const H, T = 2, 3
	tr := New(ModelInfo{NLayer: 1, NHead: H, NEmbd: 4}, "", []int{1, 2, 3}, nil, nil)
	pattern, resid := Block(0, AttnPattern), Block(0, ResidPre)
	lent := tr.Lend(pattern, H*T*T)
	for _, rec := range []Tensor{
		{Name: pattern, Shape: []int{H, T, T}, Data: lent},
		{Name: resid, Shape: []int{T, 4}, Data: make([]float32, T*4)},
		{Name: pattern, Shape: []int{H, 1, T + 1}, Data: make([]float32, H*(T+1)), Offset: T},
		{Name: resid, Shape: []int{1, 4}, Data: make([]float32, 4), Offset: T},
	} {
		if err := tr.Record(rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{pattern, resid} {
		shape, ok := tr.Shape(name)
		joined, _ := tr.Tensor(name)
		if !ok || !slices.Equal(shape, joined.Shape) {
			t.Errorf("Shape(%s) = %v, Tensor's shape %v", name, shape, joined.Shape)
		}
	}
	if want := int64(4 * (H*T*T + T*4 + H*(T+1) + 4)); tr.Bytes() != want {
		t.Errorf("Bytes() = %d, want %d", tr.Bytes(), want)
	}
	if _, ok := tr.Shape("logits"); ok {
		t.Error("Shape of a hook never recorded")
	}
}

// TestLayoutAxes checks that every hook's layout names one axis per
// dimension of its shape, and that attention names its key axis.
func TestLayoutAxes(t *testing.T) {
	d := Dims{T: 5, C: 8, H: 2, D: 4, F: 32, V: 50, L: 2, K: 3}
	for _, name := range Names(2) {
		l, err := LayoutOf(name, d)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Axes) != len(l.Shape) {
			t.Errorf("%s: axes %v for shape %v", name, l.Axes, l.Shape)
		}
		if l.KeyAxis >= 0 && l.Axes[l.KeyAxis] != AxisKey {
			t.Errorf("%s: key axis %d is %q", name, l.KeyAxis, l.Axes[l.KeyAxis])
		}
		if l.Axes[l.PosAxis] != AxisPos {
			t.Errorf("%s: position axis %d is %q", name, l.PosAxis, l.Axes[l.PosAxis])
		}
	}
}

// TestSealedTraceRefusesChanges: a sealed trace refuses new hooks, lends
// nothing and panics on AppendToken, and keeps what it had; its Clone
// takes all three.
func TestSealedTraceRefusesChanges(t *testing.T) {
	tr := New(ModelInfo{NLayer: 1, NHead: 1, NEmbd: 2}, "ab", []int{1, 2}, []string{"a", "b"}, []string{"a", "b"})
	if err := tr.Record(Tensor{Name: Embed, Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}); err != nil {
		t.Fatal(err)
	}
	if tr.Sealed() {
		t.Fatal("a new trace is sealed")
	}
	tr.Seal()
	bytes := tr.Bytes()
	if err := tr.Record(Tensor{Name: Logits, Shape: []int{1, 2}, Data: []float32{5, 6}}); !errors.Is(err, ErrSealed) {
		t.Errorf("Record into a sealed trace: %v, want ErrSealed", err)
	}
	if err := tr.Record(Tensor{Name: Embed, Shape: []int{2, 2}, Data: []float32{7, 7, 7, 7}}); !errors.Is(err, ErrSealed) {
		t.Errorf("Record of a hook again into a sealed trace: %v, want ErrSealed", err)
	}
	if buf := tr.Lend(Logits, 2); buf != nil {
		t.Error("a sealed trace lent memory")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AppendToken on a sealed trace did not panic")
			}
		}()
		tr.AppendToken(3, "c", "c")
	}()
	if got := tr.Names(); len(got) != 1 || tr.Bytes() != bytes || len(tr.IDs) != 2 || len(tr.Passes(Embed)) != 1 {
		t.Errorf("the sealed trace changed: hooks %v, %d bytes (had %d), ids %v, %d passes of %s", got, tr.Bytes(), bytes, tr.IDs, len(tr.Passes(Embed)), Embed)
	}
	c := tr.Clone()
	if c.Sealed() {
		t.Fatal("a Clone of a sealed trace is sealed")
	}
	if err := c.Record(Tensor{Name: Logits, Shape: []int{1, 2}, Data: c.Lend(Logits, 2)}); err != nil {
		t.Errorf("Record into the Clone: %v", err)
	}
	c.AppendToken(3, "c", "c")
	if !c.Has(Logits) || len(c.IDs) != 3 || tr.Has(Logits) || len(tr.IDs) != 2 {
		t.Errorf("the clone has logits %v and ids %v; the original %v and %v", c.Has(Logits), c.IDs, tr.Has(Logits), tr.IDs)
	}
}
