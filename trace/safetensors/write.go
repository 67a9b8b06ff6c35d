package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"unsafe"
)

// Tensor is one tensor to write: its raw little-endian bytes and their type
// and shape.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// EncodeFloat32 returns the little-endian bytes of x.
func EncodeFloat32(x []float32) []byte {
	out := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(v))
	}
	return out
}

// Float32Bytes returns the little-endian bytes of x for Write without a
// copy where it can: on a little-endian host it is a view of x's memory
// (valid as long as x is, and not to be modified), elsewhere the copy
// EncodeFloat32 makes. Writing a trace of 800 MB then takes no second
// 800 MB.
func Float32Bytes(x []float32) []byte {
	if len(x) == 0 {
		return []byte{}
	}
	if hostLittleEndian {
		return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 4*len(x))
	}
	return EncodeFloat32(x)
}

// EncodeInt64 returns the little-endian bytes of x.
func EncodeInt64(x []int64) []byte {
	out := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(out[8*i:], uint64(v))
	}
	return out
}

// Write writes tensors and metadata as one safetensors file. Tensors are laid
// out in the order given, contiguously from offset 0; names must be unique and
// each tensor's bytes must match its dtype and shape.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "__metadata__" {
			return fmt.Errorf("safetensors: write: %q is reserved", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: write: duplicate tensor %q", t.Name)
		}
		size := t.DType.Size()
		if size == 0 {
			return fmt.Errorf("safetensors: write: tensor %q: %w %q", t.Name, ErrDType, t.DType)
		}
		n := 1
		for _, d := range t.Shape {
			if d < 0 {
				return fmt.Errorf("safetensors: write: tensor %q: negative dimension in %v", t.Name, t.Shape)
			}
			n *= d
		}
		if n*size != len(t.Data) {
			return fmt.Errorf("safetensors: write: tensor %q: %s%v needs %d bytes, got %d", t.Name, t.DType, t.Shape, n*size, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{
			"dtype":        t.DType,
			"shape":        shape,
			"data_offsets": [2]int64{off, off + int64(len(t.Data))},
		}
		off += int64(len(t.Data))
	}
	js, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	// Pad the header with spaces so the data buffer starts 8-byte aligned.
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, bytes.Repeat([]byte{' '}, pad)...)
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(js)))
	if _, err := w.Write(n[:]); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	if _, err := w.Write(js); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("safetensors: write tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// SortedNames returns the tensor names of h in lexical order.
func (h *Header) SortedNames() []string {
	names := make([]string, len(h.Tensors))
	for i, t := range h.Tensors {
		names[i] = t.Name
	}
	sort.Strings(names)
	return names
}
