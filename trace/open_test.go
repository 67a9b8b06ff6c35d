package trace_test

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// exact is the tolerance of values that only change type on the way: F16
// and BF16 widen to float32 exactly.
var exact = trace.Tolerance{Abs: 0}

// writeCache writes a TransformerLens-style cache with numpy alone.
func writeCache(t *testing.T, args ...string) (string, tracetest.Cache) {
	t.Helper()
	return tracetest.TLCache(t, t.TempDir(), args...)
}

// TestOpenTransformerLensCache reads caches written by numpy alone, in
// every float type and batch layout, and checks every value against what
// the script stored.
func TestOpenTransformerLensCache(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		row    int
		tokens string
	}{
		{"F16 batch of 1, no metadata", []string{"--dtype", "F16"}, 0, "positions"},
		{"F32 batch of 2, row 1", []string{"--dtype", "F32", "--batch", "2"}, 1, "positions"},
		{"BF16 with ids and an unknown hook", []string{"--dtype", "BF16", "--ids", "--extra"}, 0, "positions"},
		{"F16 with tokens in the metadata", []string{"--tokens", "--batch", "2"}, 1, "metadata"},
		{"F16 without the MLP", []string{"--partial"}, 0, "positions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, want := writeCache(t, tc.args...)
			tr, rep, err := trace.Open(path, trace.ReadOptions{BatchIndex: tc.row})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Explorer || !rep.Inferred || rep.Batch != want[trace.Embed].Shape[0] || rep.Tokens != tc.tokens {
				t.Errorf("report = %+v", rep)
			}
			wantModel := trace.ModelInfo{NLayer: 2, NHead: 3, NEmbd: 12, NInner: 48, VocabSize: 11}
			if _, mlp := want[trace.Block(0, trace.MLPPre)]; !mlp {
				wantModel.NInner = 0 // unknown
			}
			if tr.Model != wantModel {
				t.Errorf("model = %+v, want %+v", tr.Model, wantModel)
			}
			for name, p := range want {
				if name == trace.InputIDs || name == "blocks.0.hook_attn_in" {
					continue
				}
				tracetest.CheckHook(t, tr, name, want.Row(name, tc.row), exact)
				if got, _ := tr.Tensor(name); !slices.Equal(got.Shape, p.Shape[1:]) {
					t.Errorf("%s: shape %v, want %v", name, got.Shape, p.Shape[1:])
				}
			}
			if _, ok := want[trace.InputIDs]; ok {
				got := make([]float64, len(tr.IDs))
				for i, id := range tr.IDs {
					got[i] = float64(id)
				}
				tracetest.Check(t, "ids", got, want.Row(trace.InputIDs, tc.row), exact)
			} else if !slices.Equal(tr.IDs, []int{-1, -1, -1, -1, -1}) {
				t.Errorf("ids = %v, want unknown", tr.IDs)
			}
			if _, extra := want["blocks.0.hook_attn_in"]; extra != slices.Contains(rep.Ignored, "blocks.0.hook_attn_in") || tr.Has("blocks.0.hook_attn_in") {
				t.Errorf("ignored = %v, names %v", rep.Ignored, tr.Names())
			}
			wantTokens := []string{"[0]", "[1]", "[2]", "[3]", "[4]"}
			if tc.tokens == "metadata" {
				wantTokens = []string{"The", " cat", " sat", " on", " it"}
			}
			if !slices.Equal(tr.Tokens, wantTokens) || len(tr.TokenStrings) != 5 {
				t.Errorf("tokens = %q, strings %q", tr.Tokens, tr.TokenStrings)
			}
			names := tr.Names()
			if names[0] != trace.Embed || names[len(names)-1] != trace.Logits {
				t.Errorf("hooks are not in forward order: %v", names)
			}
		})
	}
}

// TestOpenOptions checks the tokens and ids a caller supplies.
func TestOpenOptions(t *testing.T) {
	path, _ := writeCache(t, "--ids")
	label := func(id int) (string, string) { return "t" + string(rune('a'+id)), "v" }
	tr, rep, err := trace.Open(path, trace.ReadOptions{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tokens != "ids" || tr.Tokens[0] != "t"+string(rune('a'+tr.IDs[0])) || tr.TokenStrings[0] != "v" {
		t.Errorf("labelled tokens = %q (%s)", tr.Tokens, rep.Tokens)
	}
	path, _ = writeCache(t)
	tokens := []string{"a", "b", "c", "d", "e"}
	tr, rep, err = trace.Open(path, trace.ReadOptions{Tokens: tokens, IDs: []int{1, 2, 3, 4, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tokens != "options" || !slices.Equal(tr.Tokens, tokens) || !slices.Equal(tr.IDs, []int{1, 2, 3, 4, 5}) {
		t.Errorf("tokens %q ids %v (%s)", tr.Tokens, tr.IDs, rep.Tokens)
	}
	for _, tc := range []struct {
		opt  trace.ReadOptions
		want error
		text string
	}{
		{trace.ReadOptions{Tokens: tokens[:2]}, trace.ErrTokens, "2 token strings given for 5 positions"},
		{trace.ReadOptions{IDs: []int{1}}, trace.ErrTokens, "1 token ids given for 5 positions"},
		{trace.ReadOptions{BatchIndex: 1}, trace.ErrBatch, "a batch of 1 (rows 0 to 0)"},
		{trace.ReadOptions{BatchIndex: -1}, trace.ErrBatch, "index -1"},
		{trace.ReadOptions{MaxBytes: 1000}, trace.ErrTooBig, "more than the 1000 allowed"},
	} {
		_, _, err := trace.Open(path, tc.opt)
		if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("Open(%+v) = %v, want %v saying %q", tc.opt, err, tc.want, tc.text)
		}
	}
}

// file is a safetensors file built in a test.
type file struct {
	tensors []safetensors.Tensor
	meta    map[string]string
}

func (f *file) add(name string, dt safetensors.DType, shape []int, values []float32) *file {
	t := safetensors.Tensor{Name: name, DType: dt, Shape: shape}
	switch dt {
	case safetensors.F32:
		t.Data = safetensors.EncodeFloat32(values)
	case safetensors.F16:
		for _, v := range values {
			t.Data = append(t.Data, f16(v)...)
		}
	case safetensors.I64:
		ids := make([]int64, len(values))
		for i, v := range values {
			ids[i] = int64(v)
		}
		t.Data = safetensors.EncodeInt64(ids)
	}
	f.tensors = append(f.tensors, t)
	return f
}

// f16 encodes the few half-precision values the tests use.
func f16(v float32) []byte {
	var h uint16
	switch {
	case math.IsNaN(float64(v)):
		h = 0x7e00
	case math.IsInf(float64(v), 1):
		h = 0x7c00
	case math.IsInf(float64(v), -1):
		h = 0xfc00
	case v == 0:
	case v == 1:
		h = 0x3c00
	default:
		panic("f16: unsupported value")
	}
	return []byte{byte(h), byte(h >> 8)}
}

func (f *file) bytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, f.tensors, f.meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zeros(n int) []float32 { return make([]float32, n) }

func withNaN(n, at int) []float32 {
	v := zeros(n)
	v[at] = float32(math.NaN())
	return v
}

func with(n, at int, x float32) []float32 {
	v := zeros(n)
	v[at] = x
	return v
}

// TestOpenMalformed checks that broken files are refused with an error
// that says what is wrong with which tensor.
func TestOpenMalformed(t *testing.T) {
	pattern := func(shape ...int) []int { return shape }
	F32, F16, I64 := safetensors.F32, safetensors.F16, safetensors.I64
	for _, tc := range []struct {
		name string
		f    *file
		want error
		text string
	}{
		{"no tensors", &file{}, trace.ErrNoHooks, "holds no tensors"},
		{"nothing the explorer knows", (&file{}).add("model.wte", F32, []int{2, 3}, zeros(6)), trace.ErrNoHooks, `"model.wte"; hooks are named`},
		{"pattern not square", (&file{}).add(trace.Block(0, trace.AttnPattern), F32, pattern(1, 2, 3, 4), zeros(24)), trace.ErrShape, "not square"},
		{"wrong rank", (&file{}).add(trace.Block(0, trace.AttnQ), F32, []int{4, 3}, zeros(12)), trace.ErrShape, "want [T H D]"},
		{"scale not 1 wide", (&file{}).add(trace.Block(0, trace.LN1Scale), F32, []int{4, 2}, zeros(8)), trace.ErrShape, "want [T 1]"},
		{"heads disagree",
			(&file{}).add(trace.Block(0, trace.AttnQ), F32, []int{1, 3, 2, 4}, zeros(24)).
				add(trace.Block(0, trace.AttnPattern), F32, []int{1, 4, 3, 3}, zeros(36)),
			trace.ErrShape, "has 4 heads (H), but blocks.0.attn.hook_q has 2"},
		{"positions disagree",
			(&file{}).add(trace.Embed, F32, []int{1, 3, 4}, zeros(12)).
				add(trace.Block(0, trace.AttnPattern), F32, []int{1, 2, 4, 4}, zeros(32)),
			trace.ErrShape, "positions"},
		{"heads do not divide the width",
			(&file{}).add(trace.Embed, F32, []int{3, 10}, zeros(30)).
				add(trace.Block(0, trace.AttnPattern), F32, []int{3, 3, 3}, zeros(27)),
			trace.ErrShape, "3 heads (blocks.0.attn.hook_pattern) do not divide the residual width 10 (hook_embed)"},
		{"heads times size is not the width",
			(&file{}).add(trace.Embed, F32, []int{3, 10}, zeros(30)).
				add(trace.Block(0, trace.AttnZ), F32, []int{3, 2, 4}, zeros(24)),
			trace.ErrShape, "2 heads"},
		{"too many losses", (&file{}).add(trace.Embed, F32, []int{3, 2}, zeros(6)).add(trace.NextLoss, F32, []int{3}, zeros(3)), trace.ErrShape, "at most 2"},
		{"batches disagree",
			(&file{}).add(trace.Embed, F32, []int{2, 3, 4}, zeros(24)).
				add(trace.Logits, F32, []int{3, 3, 5}, zeros(45)),
			trace.ErrBatch, "a batch of 3, but hook_embed has 2"},
		{"batched and not",
			(&file{}).add(trace.Embed, F32, []int{2, 3, 4}, zeros(24)).
				add(trace.Logits, F32, []int{3, 5}, zeros(15)),
			trace.ErrBatch, "logits has no batch dimension"},
		{"NaN", (&file{}).add(trace.Block(1, trace.AttnPattern), F16, []int{1, 2, 2, 2}, withNaN(8, 5)), trace.ErrValue, "blocks.1.attn.hook_pattern[1 0 1] is NaN (not a number)"},
		{"overflow", (&file{}).add(trace.Logits, F16, []int{1, 2, 2}, with(4, 3, float32(math.Inf(1)))), trace.ErrValue, "logits[1 1] is +Inf, and only masked attention scores may be infinite (an F16 overflow does this: save the cache as float32)"},
		{"-inf outside the scores", (&file{}).add(trace.Embed, F16, []int{2, 2}, with(4, 0, float32(math.Inf(-1)))), trace.ErrValue, "hook_embed[0 0] is -Inf, and only masked attention scores may be infinite"},
		{"integer activations", (&file{}).add(trace.Embed, I64, []int{2, 2}, zeros(4)), trace.ErrValue, "hook_embed is I64"},
		{"float ids",
			(&file{}).add(trace.Embed, F32, []int{2, 2}, zeros(4)).add(trace.InputIDs, F32, []int{2}, zeros(2)),
			trace.ErrValue, "token ids are integers"},
		{"bad id",
			(&file{}).add(trace.Embed, F32, []int{2, 2}, zeros(4)).add(trace.InputIDs, I64, []int{2}, []float32{3, -7}),
			trace.ErrValue, "input_ids[1] = -7"},
		{"tokens metadata of the wrong length",
			&file{tensors: (&file{}).add(trace.Embed, F32, []int{2, 2}, zeros(4)).tensors, meta: map[string]string{"tokens": `["a"]`}},
			trace.ErrTokens, "names 1 tokens for 2 positions"},
		{"tokens metadata not strings",
			&file{tensors: (&file{}).add(trace.Embed, F32, []int{2, 2}, zeros(4)).tensors, meta: map[string]string{"tokens": `[1, 2]`}},
			trace.ErrTokens, "not a JSON list of strings"},
		{"a later format",
			&file{tensors: (&file{}).add(trace.Embed, F32, []int{2, 2}, zeros(4)).tensors, meta: map[string]string{"format": "transformer-explorer-trace/2"}},
			trace.ErrFormat, "update the explorer"},
		{"too deep", (&file{}).add(trace.Block(300, trace.ResidPre), F32, []int{2, 4}, zeros(8)), trace.ErrShape, "at most 256 layers"},
		{"lens rows disagree with the blocks",
			(&file{}).add(trace.Block(2, trace.ResidPre), F32, []int{2, 4}, zeros(8)).add(trace.LensTopProbs, F32, []int{2, 2, 1}, zeros(4)),
			trace.ErrShape, "blocks 0 to 2 need 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := trace.Decode(tc.f.bytes(t), trace.ReadOptions{})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("Decode = %v\nwant %v saying %q", err, tc.want, tc.text)
			}
		})
	}
}

// TestOpenOwnTraceWithBatch reads an explorer trace whose tensors were
// given a batch dimension: the same trace comes back.
func TestOpenOwnTraceWithBatch(t *testing.T) {
	tr := smallTrace(t)
	var plain bytes.Buffer
	if err := tr.Write(&plain); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Parse(plain.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tracetest.Batched(f), f.Metadata); err != nil {
		t.Fatal(err)
	}
	back, rep, err := trace.Decode(buf.Bytes(), trace.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Explorer || rep.Inferred || rep.Batch != 1 || back.Model != tr.Model || back.Text != tr.Text ||
		!slices.Equal(back.Tokens, tr.Tokens) || !slices.Equal(back.IDs, tr.IDs) || !slices.Equal(back.Names(), tr.Names()) {
		t.Fatalf("read back %+v (%+v)", back, rep)
	}
	for _, name := range tr.Names() {
		want, _ := tr.Tensor(name)
		tracetest.CheckHook(t, back, name, want.Data, exact)
	}
}

// smallTrace is an explorer trace of a 1-layer, 2-head model over 3 tokens.
func smallTrace(t *testing.T) *trace.Trace {
	t.Helper()
	model := trace.ModelInfo{Name: "tiny", NLayer: 1, NHead: 2, NEmbd: 4, NInner: 16, NCtx: 8, VocabSize: 10, Epsilon: 1e-5, Activation: "gelu_new"}
	tr := trace.New(model, "a b c", []int{3, 1, 4}, []string{"a", "␣b", "␣c"}, []string{"a", "Ġb", "Ġc"})
	pattern := []float32{1, 0, 0, 0.5, 0.5, 0, 0.2, 0.3, 0.5, 1, 0, 0, 0.9, 0.1, 0, 0.1, 0.1, 0.8}
	scores := slices.Clone(pattern)
	scores[1] = float32(math.Inf(-1))
	embed := make([]float32, 12)
	for i := range embed {
		embed[i] = float32(i)*0.25 - 1
	}
	for _, tt := range []trace.Tensor{
		{Name: trace.Embed, Shape: []int{3, 4}, Data: embed},
		{Name: trace.Block(0, trace.AttnPattern), Shape: []int{2, 3, 3}, Data: pattern},
		{Name: trace.Block(0, trace.AttnScores), Shape: []int{2, 3, 3}, Data: scores},
		{Name: trace.NextTopIDs, Shape: []int{3, 1}, Data: []float32{1, 4, 9}},
	} {
		if err := tr.Record(tt); err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

// FuzzDecode feeds arbitrary bytes, seeded with valid and broken files,
// to the reader: it must return a trace or an error, never panic, and a
// trace it returns must be consistent.
func FuzzDecode(f *testing.F) {
	tr := smallTrace(&testing.T{})
	var buf bytes.Buffer
	if err := tr.Write(&buf); err == nil {
		f.Add(buf.Bytes())
	}
	for _, g := range []*file{
		(&file{}).add(trace.Block(0, trace.AttnPattern), safetensors.F16, []int{1, 1, 2, 2}, []float32{1, 0, 1, 1}).add(trace.InputIDs, safetensors.I64, []int{1, 2}, []float32{1, 2}),
		(&file{}).add(trace.Embed, safetensors.F32, []int{2, 3, 4}, zeros(24)).add(trace.NextLoss, safetensors.F32, []int{2, 2}, zeros(4)),
		{tensors: (&file{}).add(trace.Embed, safetensors.F32, []int{2, 2}, zeros(4)).tensors, meta: map[string]string{"tokens": `[["a","b"]]`}},
	} {
		var b bytes.Buffer
		if err := safetensors.Write(&b, g.tensors, g.meta); err == nil {
			f.Add(b.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, row := range []int{0, 1} {
			tr, _, err := trace.Decode(data, trace.ReadOptions{BatchIndex: row, MaxBytes: 1 << 20})
			if err != nil {
				continue
			}
			T := len(tr.IDs)
			if T == 0 || len(tr.Tokens) != T || len(tr.TokenStrings) != T {
				t.Fatalf("trace of %d ids has %d tokens and %d strings", T, len(tr.Tokens), len(tr.TokenStrings))
			}
			for _, name := range tr.Names() {
				x, _ := tr.Tensor(name)
				if x.Len() != len(x.Data) {
					t.Fatalf("%s: shape %v holds %d values", name, x.Shape, len(x.Data))
				}
			}
		}
	})
}
