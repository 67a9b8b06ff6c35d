package trace

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// InputIDs is the name of the I64 [T] tensor of token ids in a trace file.
const InputIDs = "input_ids"

// Write writes the trace as a safetensors file: one tensor per hook (F32,
// or I64 for id-valued hooks), the I64 input_ids, and the metadata of
// meta.go (format, model, text, tokens, token_strings, labels, hooks).
// Python reads it with safetensors.numpy.load_file.
func (tr *Trace) Write(w io.Writer) error {
	names := tr.Names()
	tensors := make([]safetensors.Tensor, 0, len(names)+1)
	ids := make([]int64, len(tr.IDs))
	for i, id := range tr.IDs {
		ids[i] = int64(id)
	}
	tensors = append(tensors, safetensors.Tensor{Name: InputIDs, DType: safetensors.I64, Shape: []int{len(ids)}, Data: safetensors.EncodeInt64(ids)})
	for _, name := range names {
		t, ok := tr.Tensor(name)
		if !ok {
			return fmt.Errorf("trace: write: cannot assemble %q", name)
		}
		st := safetensors.Tensor{Name: name, DType: safetensors.F32, Shape: t.Shape}
		if IsIDs(name) {
			v := make([]int64, len(t.Data))
			for i, x := range t.Data {
				v[i] = int64(x)
			}
			st.DType, st.Data = safetensors.I64, safetensors.EncodeInt64(v)
		} else {
			st.Data = safetensors.Float32Bytes(t.Data)
		}
		tensors = append(tensors, st)
	}
	meta, err := fileMetadata(tr.Model, tr.Text, tr.Tokens, tr.TokenStrings, tr.Labels, names)
	if err != nil {
		return err
	}
	if err := safetensors.Write(w, tensors, meta); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

// WriteFile writes the trace to path, replacing it only once the whole file
// has been written.
func (tr *Trace) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("trace: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := tr.Write(bw); err != nil {
		tmp.Close()
		return fmt.Errorf("trace: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("trace: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("trace: write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("trace: write %s: %w", path, err)
	}
	return nil
}

// ReadFile reads a trace file written by Write (see Open for files from
// elsewhere). A file without the explorer's metadata is an error wrapping
// ErrFormat.
func ReadFile(path string) (*Trace, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, fmt.Errorf("trace: read: %w", err)
	}
	defer f.Close()
	tr, err := fromFile(f)
	if err != nil {
		return nil, fmt.Errorf("trace: read %s: %w", path, err)
	}
	return tr, nil
}

// Parse reads a trace from the bytes of a trace file written by Write, as
// ReadFile does.
func Parse(buf []byte) (*Trace, error) {
	f, err := safetensors.Parse(buf)
	if err != nil {
		return nil, fmt.Errorf("trace: read: %w", err)
	}
	tr, err := fromFile(f)
	if err != nil {
		return nil, fmt.Errorf("trace: read: %w", err)
	}
	return tr, nil
}

// fromFile reads an explorer trace file the way Open reads any file.
func fromFile(f *safetensors.File) (*Trace, error) {
	if got := f.Metadata[metaFormat]; got != FormatName {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrFormat, got, FormatName)
	}
	tr, _, err := decode(f, ReadOptions{})
	return tr, err
}
