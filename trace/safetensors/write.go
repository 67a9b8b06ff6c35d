package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
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
	for _, t := range tensors {
		if n, err := t.size(); err == nil && n != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: write: tensor %q: %s%v needs %d bytes, got %d", t.Name, t.DType, t.Shape, n, len(t.Data))
		}
	}
	prefix, err := Prefix(tensors, metadata, 0)
	if err != nil {
		return err
	}
	if _, err := w.Write(prefix); err != nil {
		return fmt.Errorf("safetensors: write: %w", err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("safetensors: write tensor %q: %w", t.Name, err)
		}
	}
	return nil
}

// ErrPrefixTooLong is returned by Prefix when the header does not fit the
// size asked for.
var ErrPrefixTooLong = errors.New("safetensors: header longer than the room reserved for it")

// Prefix returns what comes before the data in the file Write writes: the
// header's length and the header, for tensors laid out in the order given
// and metadata. A tensor's Data may be nil, to be written later (its size
// follows from its dtype and shape); when it is not, its length must match.
// The header is padded with spaces so that the data starts 8-byte aligned,
// and, when size > 0, so that the prefix is exactly size bytes (a multiple
// of 8), which lets a writer write the data first, after room reserved for
// the header; a header that does not fit is ErrPrefixTooLong.
func Prefix(tensors []Tensor, metadata map[string]string, size int) ([]byte, error) {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "__metadata__" {
			return nil, fmt.Errorf("safetensors: write: %q is reserved", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("safetensors: write: duplicate tensor %q", t.Name)
		}
		n, err := t.size()
		if err != nil {
			return nil, err
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{
			"dtype":        t.DType,
			"shape":        shape,
			"data_offsets": [2]int64{off, off + n},
		}
		off += n
	}
	js, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("safetensors: write: %w", err)
	}
	total := 8 + roundUp8(len(js))
	if size > 0 {
		if size%8 != 0 || total > size {
			return nil, fmt.Errorf("%w: %d bytes, %d reserved", ErrPrefixTooLong, total, size)
		}
		total = size
	}
	out := make([]byte, 8, total)
	binary.LittleEndian.PutUint64(out, uint64(total-8))
	out = append(out, js...)
	for len(out) < total {
		out = append(out, ' ')
	}
	return out, nil
}

// size returns the bytes of the tensor's data, checking Data against it
// when it is set.
func (t Tensor) size() (int64, error) {
	size := t.DType.Size()
	if size == 0 {
		return 0, fmt.Errorf("safetensors: write: tensor %q: %w %q", t.Name, ErrDType, t.DType)
	}
	n := int64(size)
	for _, d := range t.Shape {
		if d < 0 {
			return 0, fmt.Errorf("safetensors: write: tensor %q: negative dimension in %v", t.Name, t.Shape)
		}
		n *= int64(d)
	}
	if t.Data != nil && n != int64(len(t.Data)) {
		return 0, fmt.Errorf("safetensors: write: tensor %q: %s%v needs %d bytes, got %d", t.Name, t.DType, t.Shape, n, len(t.Data))
	}
	return n, nil
}

func roundUp8(n int) int { return (n + 7) &^ 7 }

// SortedNames returns the tensor names of h in lexical order.
func (h *Header) SortedNames() []string {
	names := make([]string, len(h.Tensors))
	for i, t := range h.Tensors {
		names[i] = t.Name
	}
	sort.Strings(names)
	return names
}
