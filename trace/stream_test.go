package trace

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// streamModel is a small model for the FileWriter tests.
var streamModel = ModelInfo{Name: "tiny", NLayer: 2, NHead: 2, NEmbd: 4, NCtx: 16, VocabSize: 30, Epsilon: 1e-5, Activation: "gelu_new"}

// passTensors returns the hooks sel selects of a pass over T positions of
// streamModel, in forward order, with seeded values (token ids, −1 among
// them, for the id hooks).
func passTensors(t *testing.T, sel Selection, T int) []Tensor {
	t.Helper()
	return passTensorsOf(t, streamModel, sel, T)
}

// passTensorsOf is passTensors for a model m.
func passTensorsOf(t *testing.T, m ModelInfo, sel Selection, T int) []Tensor {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(T), 9))
	d := m.Dims(T, 3)
	var ts []Tensor
	for _, name := range Names(m.NLayer) {
		if !sel.Match(name) || (name == NextLoss && T < 2) {
			continue
		}
		lay, err := LayoutOf(name, d)
		if err != nil {
			t.Fatal(err)
		}
		x := Tensor{Name: name, Shape: lay.Shape}
		x.Data = make([]float32, x.Len())
		for i := range x.Data {
			if IsIDs(name) {
				x.Data[i] = float32(r.IntN(m.VocabSize+1) - 1)
			} else {
				x.Data[i] = float32(r.NormFloat64())
			}
		}
		ts = append(ts, x)
	}
	return ts
}

// TestFileWriterMatchesWrite records the same pass into a Trace, written
// with WriteFile, and into a FileWriter, and checks that the two files
// read back the same: hooks in the same order with the same shapes and
// bits, the same tokens, text, model and labels. Long labels make the
// header outgrow its reserved room, which moves the data instead.
//
// A model with a large vocabulary has hooks of many times the writer's
// chunks of memory in flight (writeChunks of writeChunk bytes), so that
// its background writes fill them all and Record waits; every hook's
// memory is scribbled over once recorded, as the engine reuses it.
func TestFileWriterMatchesWrite(t *testing.T) {
	ids := []int{3, 1, 4, 1, 5}
	tokens, strs := []string{"a", "b", "c", "b", "d"}, []string{"A", "B", "C", "B", "D"}
	big := ModelInfo{Name: "wide", NLayer: 2, NHead: 2, NEmbd: 8, NCtx: 16, VocabSize: 3 << 20, Epsilon: 1e-5, Activation: "gelu_new"}
	if n := 4 * len(ids) * big.VocabSize; n < 3*writeChunks*writeChunk {
		t.Fatalf("the wide model's logits are %d bytes, want more than three times the writer's %d in flight", n, writeChunks*writeChunk)
	}
	for _, tc := range []struct {
		name     string
		model    ModelInfo
		patterns []string
		label    func(int) string
	}{
		{"every hook", streamModel, []string{"**"}, func(id int) string { return "t" + strconv.Itoa(id) }},
		{"logits", streamModel, []string{"logits"}, nil},
		{"long labels", streamModel, []string{"next.**", "hook_embed"}, func(id int) string { return strings.Repeat("é\n", 40) + strconv.Itoa(id) }},
		{"large hooks", big, []string{"blocks.1.**", "logits", "next.top_ids"}, func(id int) string { return "t" + strconv.Itoa(id) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := Select(tc.model.NLayer, tc.patterns...)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			tr := New(tc.model, "the text", ids, tokens, strs)
			w, err := CreateFile(filepath.Join(dir, "stream.safetensors"), tc.model, tc.model.Dims(len(ids), 3), sel, "the text", ids, tokens, strs, tc.label)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range passTensorsOf(t, tc.model, sel, len(ids)) {
				if !w.Wants(x.Name) {
					t.Fatalf("the writer does not want %s", x.Name)
				}
				if err := tr.Record(x); err != nil {
					t.Fatal(err)
				}
				if err := w.Record(x); err != nil {
					t.Fatal(err)
				}
				if w.Wants(x.Name) {
					t.Fatalf("the writer still wants %s once recorded", x.Name)
				}
				kept := slices.Clone(x.Data)
				for i := range x.Data {
					x.Data[i] = -7 // the engine's next use of the memory
				}
				x.Data = kept
				if IsIDs(x.Name) && tc.label != nil {
					for _, v := range x.Data {
						if id := int(v); id >= 0 {
							tr.Labels[id] = tc.label(id)
						}
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := tr.WriteFile(filepath.Join(dir, "whole.safetensors")); err != nil {
				t.Fatal(err)
			}
			got, err := ReadFile(filepath.Join(dir, "stream.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			want, err := ReadFile(filepath.Join(dir, "whole.safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Names(), want.Names()) || !slices.Equal(w.Names(), want.Names()) {
				t.Fatalf("hooks %q (writer %q), want %q", got.Names(), w.Names(), want.Names())
			}
			for _, name := range want.Names() {
				a, _ := got.Tensor(name)
				b, _ := want.Tensor(name)
				if !slices.Equal(a.Shape, b.Shape) || !sameBits(a.Data, b.Data) {
					t.Errorf("%s: %v %v, want %v %v", name, a.Shape, a.Data, b.Shape, b.Data)
				}
			}
			if got.Text != want.Text || !slices.Equal(got.IDs, want.IDs) || !slices.Equal(got.Tokens, want.Tokens) ||
				!slices.Equal(got.TokenStrings, want.TokenStrings) || got.Model != want.Model || len(got.Labels) != len(want.Labels) {
				t.Errorf("metadata differs: %+v\nwant %+v", got, want)
			}
			for id, s := range want.Labels {
				if got.Labels[id] != s {
					t.Errorf("label %d = %q, want %q", id, got.Labels[id], s)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("%d files in the directory, want the two traces", len(entries))
			}
		})
	}
}

func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return x == y || x != x && y != y })
}

// TestFileWriterErrors checks that a pass that leaves a hook out, records
// one twice or with another shape, or is aborted, leaves no file.
func TestFileWriterErrors(t *testing.T) {
	ids := []int{1, 2, 3}
	sel, err := Select(streamModel.NLayer, "blocks.0.**", "logits")
	if err != nil {
		t.Fatal(err)
	}
	all := passTensors(t, sel, len(ids))
	reshaped := all[1]
	reshaped.Shape = []int{reshaped.Shape[1], reshaped.Shape[0]}
	for _, tc := range []struct {
		name string
		rec  []Tensor
		want string
	}{
		{"missing", all[:len(all)-1], "no data for logits"},
		{"twice", append(slices.Clone(all), all[0]), "twice"},
		{"shape", append([]Tensor{all[0], reshaped}, all[2:]...), "shape"},
		{"aborted", all, "aborted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "t.safetensors")
			w, err := CreateFile(path, streamModel, streamModel.Dims(len(ids), 3), sel, "", ids, nil, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range tc.rec {
				if err := w.Record(x); err != nil {
					break
				}
			}
			if tc.name == "aborted" {
				w.Abort()
			}
			if err := w.Close(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Close() = %v, want an error mentioning %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%d files left behind", len(entries))
			}
		})
	}
	if _, err := CreateFile(filepath.Join(t.TempDir(), "x"), streamModel, streamModel.Dims(2, 3), sel, "", ids, nil, nil, nil); err == nil {
		t.Error("CreateFile with dims for 2 positions and 3 ids succeeded")
	}
	if _, err := CreateFile(filepath.Join(t.TempDir(), "missing", "x"), streamModel, streamModel.Dims(3, 3), sel, "", ids, nil, nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CreateFile in a missing directory: %v, want ErrNotExist", err)
	}
}

// TestFileWriterWriteFails checks that a write that fails in the
// background fails the pass, at a later Record or at Close, and leaves no
// file behind.
func TestFileWriterWriteFails(t *testing.T) {
	ids := []int{3, 1, 4}
	sel := All()
	dir := t.TempDir()
	path := filepath.Join(dir, "fails.safetensors")
	w, err := CreateFile(path, streamModel, streamModel.Dims(len(ids), 3), sel, "", ids, []string{"a", "b", "c"}, []string{"A", "B", "C"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.f.Close() // every later write fails
	var recErr error
	for _, x := range passTensors(t, sel, len(ids)) {
		if recErr = w.Record(x); recErr != nil {
			break
		}
	}
	closeErr := w.Close()
	if closeErr == nil {
		t.Fatalf("Close() = nil after failed writes (Record: %v), want an error", recErr)
	}
	if !errors.Is(closeErr, os.ErrClosed) {
		t.Errorf("Close() = %v, want the write's error (file already closed)", closeErr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d files left in the directory, want none", len(entries))
	}
}

// TestChunkAt checks that a background write never crosses a 2 MiB
// boundary of the file and stops at the next one, wherever it starts.
func TestChunkAt(t *testing.T) {
	for _, tc := range []struct {
		at         int64
		size, want int
	}{
		{0, writeChunk, writeChunk},
		{0, 100, 100},
		{1, writeChunk, writeChunk - 1},
		{writeChunk - 3, writeChunk, 3},
		{5 * writeChunk, writeChunk, writeChunk},
		{5*writeChunk + 4096, 10, 10},
		{5*writeChunk + 4096, writeChunk, writeChunk - 4096},
	} {
		got := chunkAt(tc.at, tc.size)
		if got != tc.want {
			t.Errorf("chunkAt(%d, %d) = %d, want %d", tc.at, tc.size, got, tc.want)
		}
		if end := tc.at + int64(got); got < tc.size && end%writeChunk != 0 {
			t.Errorf("chunkAt(%d, %d): a short chunk ends at %d, off a boundary", tc.at, tc.size, end)
		}
	}
}
