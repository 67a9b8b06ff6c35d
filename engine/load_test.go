package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace"
	"github.com/transformer-explorer/explorer/trace/safetensors"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// tinyDir is the F32 conformance checkpoint every variant below is made from.
var tinyDir = filepath.Join(conformanceDir, "tiny-gpt2")

// checkpointTensor is one stored tensor of a checkpoint being rewritten.
type checkpointTensor struct {
	name  string
	shape []int
	data  []float32
}

// readTiny returns the tensors of the tiny checkpoint in file order.
func readTiny(t *testing.T) []checkpointTensor {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []checkpointTensor
	for _, info := range f.Tensors {
		_, data, err := f.Float32s(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, checkpointTensor{info.Name, info.Shape, append([]float32(nil), data...)})
	}
	return out
}

// writeCheckpoint writes a model directory: the tiny model's config (with
// edits applied), its tokenizer files, and the given tensors in dtype,
// split into shards files when shards > 1.
func writeCheckpoint(t *testing.T, tensors []checkpointTensor, dtype safetensors.DType, shards int, configEdit func(map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	cfg := map[string]any{}
	raw, err := os.ReadFile(filepath.Join(tinyDir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if configEdit != nil {
		configEdit(cfg)
	}
	raw, _ = json.Marshal(cfg)
	mustWrite(t, filepath.Join(dir, "config.json"), raw)
	for _, name := range []string{"vocab.json", "merges.txt"} {
		b, err := os.ReadFile(filepath.Join(tinyDir, name))
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, filepath.Join(dir, name), b)
	}
	encode := func(x []float32) []byte {
		switch dtype {
		case safetensors.F32:
			return safetensors.EncodeFloat32(x)
		case safetensors.BF16, safetensors.F16:
			b := make([]byte, 2*len(x))
			for i, v := range x {
				h := safetensors.Float32ToFloat16(v)
				if dtype == safetensors.BF16 {
					h = safetensors.Float32ToBFloat16(v)
				}
				binary.LittleEndian.PutUint16(b[2*i:], h)
			}
			return b
		}
		t.Fatalf("dtype %s", dtype)
		return nil
	}
	files := make([][]safetensors.Tensor, shards)
	weightMap := map[string]string{}
	for i, ct := range tensors {
		s := i * shards / len(tensors)
		files[s] = append(files[s], safetensors.Tensor{Name: ct.name, DType: dtype, Shape: ct.shape, Data: encode(ct.data)})
		weightMap[ct.name] = fmt.Sprintf("model-%05d-of-%05d.safetensors", s+1, shards)
	}
	if shards == 1 {
		mustWrite(t, filepath.Join(dir, "model.safetensors"), encodeSafetensors(t, files[0]))
		return dir
	}
	for s, ts := range files {
		mustWrite(t, filepath.Join(dir, fmt.Sprintf("model-%05d-of-%05d.safetensors", s+1, shards)), encodeSafetensors(t, ts))
	}
	index, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	mustWrite(t, filepath.Join(dir, "model.safetensors.index.json"), index)
	return dir
}

func encodeSafetensors(t *testing.T, ts []safetensors.Tensor) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// lastLogits loads dir and returns the last-position logits of the
// fixture's first prompt.
func lastLogits(t *testing.T, dir string) []float32 {
	t.Helper()
	m, _, err := LoadDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	defer m.Close()
	logits, err := m.Forward(context.Background(), []int{7454, 2402, 257, 640}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return append([]float32(nil), logits...)
}

// expectedLastLogits is the independent reference for lastLogits.
func expectedLastLogits(t *testing.T) []float32 {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(tinyDir, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, data, err := f.Float32s("p0.logits")
	if err != nil {
		t.Fatal(err)
	}
	V := info.Shape[1]
	return append([]float32(nil), data[len(data)-V:]...)
}

// TestLoadFlavours loads the tiny model stored in each way Hugging Face
// checkpoints come, and checks the logits against the reference.
func TestLoadFlavours(t *testing.T) {
	base := readTiny(t)
	want := expectedLastLogits(t)
	rename := func(f func(string) (string, bool)) []checkpointTensor {
		var out []checkpointTensor
		for _, ct := range base {
			if name, keep := f(ct.name); keep {
				out = append(out, checkpointTensor{name, ct.shape, ct.data})
			}
		}
		return out
	}
	isMaskBuffer := func(name string) bool {
		return strings.HasSuffix(name, ".attn.bias") || strings.HasSuffix(name, ".attn.masked_bias")
	}
	tests := []struct {
		name   string
		dir    func() string
		scale  float32 // logits are this multiple of the reference
		tol    float64
		sanity string
	}{
		{"as stored", func() string { return tinyDir }, 1, 1e-3, ""},
		{"transformer. prefix", func() string {
			return writeCheckpoint(t, rename(func(n string) (string, bool) { return "transformer." + n, true }), safetensors.F32, 1, nil)
		}, 1, 1e-3, ""},
		{"no attention-mask buffers", func() string {
			return writeCheckpoint(t, rename(func(n string) (string, bool) { return n, !isMaskBuffer(n) }), safetensors.F32, 1, nil)
		}, 1, 1e-3, ""},
		{"sharded in three", func() string {
			return writeCheckpoint(t, base, safetensors.F32, 3, nil)
		}, 1, 1e-3, ""},
		{"untied lm_head at half scale", func() string {
			ts := rename(func(n string) (string, bool) { return "transformer." + n, true })
			for _, ct := range base {
				if ct.name == "wte.weight" {
					half := make([]float32, len(ct.data))
					for i, v := range ct.data {
						half[i] = v / 2
					}
					ts = append(ts, checkpointTensor{"lm_head.weight", ct.shape, half})
				}
			}
			return writeCheckpoint(t, ts, safetensors.F32, 1, func(c map[string]any) { c["tie_word_embeddings"] = false })
		}, 0.5, 1e-3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := lastLogits(t, tt.dir())
			scaled := make([]float32, len(want))
			for i, w := range want {
				scaled[i] = tt.scale * w
			}
			tracetest.Check(t, "logits", got, scaled, trace.Tolerance{Abs: tt.tol})
		})
	}

	// Half-precision weights are widened once at load: the model must
	// compute exactly what an F32 checkpoint holding the rounded values
	// computes.
	for _, dtype := range []safetensors.DType{safetensors.F16, safetensors.BF16} {
		t.Run(string(dtype), func(t *testing.T) {
			rounded := make([]checkpointTensor, len(base))
			for i, ct := range base {
				r := make([]float32, len(ct.data))
				for j, v := range ct.data {
					if dtype == safetensors.BF16 {
						r[j] = math.Float32frombits(uint32(safetensors.Float32ToBFloat16(v)) << 16)
					} else {
						r[j] = safetensors.Float16ToFloat32(safetensors.Float32ToFloat16(v))
					}
				}
				rounded[i] = checkpointTensor{ct.name, ct.shape, r}
			}
			half := lastLogits(t, writeCheckpoint(t, base, dtype, 1, nil))
			full := lastLogits(t, writeCheckpoint(t, rounded, safetensors.F32, 1, nil))
			tracetest.Check(t, string(dtype)+" logits vs its F32 widening", half, full, trace.Tolerance{Abs: 0})
			tracetest.Check(t, string(dtype)+" logits vs the reference", half, want, trace.Tolerance{Abs: 0.5})
		})
	}
}

// TestLoadErrors checks that every kind of broken checkpoint is refused
// with an error naming the file and the problem.
func TestLoadErrors(t *testing.T) {
	base := readTiny(t)
	good, err := os.ReadFile(filepath.Join(tinyDir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	headerLen := int(binary.LittleEndian.Uint64(good))
	header := map[string]json.RawMessage{}
	if err := json.Unmarshal(good[8:8+headerLen], &header); err != nil {
		t.Fatal(err)
	}
	// withHeader rewrites the JSON header, keeping the data buffer.
	withHeader := func(edit func(h map[string]json.RawMessage)) []byte {
		h := map[string]json.RawMessage{}
		for k, v := range header {
			h[k] = v
		}
		edit(h)
		js, _ := json.Marshal(h)
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, uint64(len(js)))
		b.Write(js)
		b.Write(good[8+headerLen:])
		return b.Bytes()
	}
	weights := func(b []byte) func(dir string) {
		return func(dir string) { mustWrite(t, filepath.Join(dir, "model.safetensors"), b) }
	}
	config := func(edit func(map[string]any)) func(dir string) {
		return func(dir string) {
			c := map[string]any{}
			raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
			json.Unmarshal(raw, &c)
			edit(c)
			raw, _ = json.Marshal(c)
			mustWrite(t, filepath.Join(dir, "config.json"), raw)
		}
	}
	lengthPrefix := func(n uint64) []byte {
		b := append([]byte(nil), good...)
		binary.LittleEndian.PutUint64(b, n)
		return b
	}
	tests := []struct {
		name   string
		break_ func(dir string)
		want   []string
	}{
		{"truncated data", weights(good[:len(good)-100]), []string{"model.safetensors", "truncated"}},
		{"shorter than its length prefix", weights(good[:5]), []string{"model.safetensors"}},
		{"header length beyond the file", weights(lengthPrefix(uint64(len(good)) * 2)), []string{"model.safetensors", "header"}},
		{"huge header length", weights(lengthPrefix(math.MaxUint64)), []string{"model.safetensors", "header"}},
		{"malformed header JSON", weights(func() []byte {
			b := append([]byte(nil), good...)
			b[8] = '['
			return b
		}()), []string{"model.safetensors"}},
		{"offsets out of range", weights(withHeader(func(h map[string]json.RawMessage) {
			h["wpe.weight"] = json.RawMessage(`{"dtype":"F32","shape":[64,32],"data_offsets":[0,999999999]}`)
		})), []string{"model.safetensors", "wpe.weight"}},
		{"overlapping tensors", weights(withHeader(func(h map[string]json.RawMessage) {
			var a struct {
				Offsets [2]int64 `json:"data_offsets"`
			}
			json.Unmarshal(h["wte.weight"], &a)
			h["wpe.weight"] = json.RawMessage(fmt.Sprintf(`{"dtype":"F32","shape":[64,32],"data_offsets":[%d,%d]}`, a.Offsets[0], a.Offsets[0]+64*32*4))
		})), []string{"model.safetensors", "overlap"}},
		{"unknown dtype", weights(withHeader(func(h map[string]json.RawMessage) {
			h["ln_f.bias"] = bytes.Replace(h["ln_f.bias"], []byte(`"F32"`), []byte(`"Q4"`), 1)
		})), []string{"model.safetensors", "Q4"}},
		{"missing tensor", func(dir string) {
			var ts []checkpointTensor
			for _, ct := range base {
				if ct.name != "h.1.mlp.c_proj.weight" {
					ts = append(ts, ct)
				}
			}
			src := writeCheckpoint(t, ts, safetensors.F32, 1, nil)
			b, _ := os.ReadFile(filepath.Join(src, "model.safetensors"))
			mustWrite(t, filepath.Join(dir, "model.safetensors"), b)
		}, []string{"h.1.mlp.c_proj.weight", "missing"}},
		{"wrong shape", config(func(c map[string]any) { c["n_embd"] = 64 }), []string{"model.safetensors", "wte.weight", "shape"}},
		{"not GPT-2", config(func(c map[string]any) { c["model_type"] = "llama" }), []string{"config.json", "llama"}},
		{"heads do not divide width", config(func(c map[string]any) { c["n_head"] = 5 }), []string{"config.json", "n_head"}},
		{"config not JSON", func(dir string) { mustWrite(t, filepath.Join(dir, "config.json"), []byte("{nope")) }, []string{"config.json"}},
		{"no weights", func(dir string) { os.Remove(filepath.Join(dir, "model.safetensors")) }, []string{"model.safetensors"}},
		{"pytorch weights only", func(dir string) {
			os.Remove(filepath.Join(dir, "model.safetensors"))
			mustWrite(t, filepath.Join(dir, "pytorch_model.bin"), []byte("PK"))
		}, []string{"pytorch_model.bin", "safe_serialization"}},
		{"no tokenizer", func(dir string) { os.Remove(filepath.Join(dir, "merges.txt")) }, []string{"merges.txt"}},
		// Non-finite weights (issue 15: they loaded silently).
		{"NaN weight", weights(withValue(t, good, headerLen, header, "h.0.attn.c_attn.weight", 5, float32(math.NaN()))), []string{"h.0.attn.c_attn.weight", "element 5", "NaN"}},
		{"infinite weight", weights(withValue(t, good, headerLen, header, "ln_f.bias", 0, float32(math.Inf(-1)))), []string{"ln_f.bias", "element 0", "-Inf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeCheckpoint(t, base, safetensors.F32, 1, nil)
			tt.break_(dir)
			m, _, err := LoadDir(context.Background(), dir)
			if err == nil {
				m.Close()
				t.Fatal("loaded a broken checkpoint")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// withValue returns the safetensors file good with element i of the F32
// tensor name set to x.
func withValue(t *testing.T, good []byte, headerLen int, header map[string]json.RawMessage, name string, i int, x float32) []byte {
	t.Helper()
	var e struct {
		DType   string   `json:"dtype"`
		Offsets [2]int64 `json:"data_offsets"`
	}
	if err := json.Unmarshal(header[name], &e); err != nil || e.DType != "F32" {
		t.Fatalf("%s: %v %s", name, err, e.DType)
	}
	b := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(b[8+headerLen+int(e.Offsets[0])+4*i:], math.Float32bits(x))
	return b
}

// TestLoadMissingIsNotExist lets callers tell "no such model" apart.
func TestLoadMissingIsNotExist(t *testing.T) {
	_, _, err := LoadDir(context.Background(), filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want an error wrapping fs.ErrNotExist", err)
	}
}

// BenchmarkLoadGPT2Small times opening a GPT-2-small-sized F32 checkpoint
// (498 MB), memory-mapped so that the time does not grow with the file:
// "mapped" is LoadDir (config, tokenizer, mapping and binding the
// weights), what the one-shot commands do; "packed" adds PackWeights, what
// loading did before the matrices were packed only on demand; "tokenizer"
// is LoadTokenizerDir alone, what explorer tokenize reads.
func BenchmarkLoadGPT2Small(b *testing.B) {
	dir := b.TempDir()
	if err := writeParamsCheckpoint(dir, gpt2SmallConfig(), NewParams(gpt2SmallConfig())); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, mode := range []string{"tokenizer", "mapped", "packed"} {
		b.Run(mode, func(b *testing.B) {
			cpu := processCPU()
			for b.Loop() {
				if mode == "tokenizer" {
					if _, err := LoadTokenizerDir(dir); err != nil {
						b.Fatal(err)
					}
					continue
				}
				m, _, err := LoadDir(ctx, dir)
				if err != nil {
					b.Fatal(err)
				}
				if mode == "packed" {
					if err := m.PackWeights(ctx); err != nil {
						b.Fatal(err)
					}
				}
				m.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1e3/float64(b.N), "ms/load")
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1e3/float64(b.N), "cpu-ms/load")
		})
	}
}
