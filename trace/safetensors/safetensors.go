// Package safetensors reads and writes the safetensors tensor file format,
// which both Hugging Face checkpoints and explorer trace files use.
//
// A file is an 8-byte little-endian header length N, then N bytes of JSON
// mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]}
// (offsets relative to the end of the header) plus an optional
// "__metadata__" map of string to string, then the data buffer.
//
// Reading validates everything before any tensor is handed out: the header
// length against the file size, the JSON, every dtype, that every byte range
// lies inside the buffer, matches its shape and does not overlap another.
// Writing produces files the strict reference implementation accepts: a
// header padded with spaces to a multiple of 8 bytes and data offsets that are
// contiguous from 0.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"os"
	"sort"
	"strconv"
)

// Errors returned by the parser; each is wrapped with the detail.
var (
	ErrTruncated = errors.New("safetensors: file truncated")
	ErrHeader    = errors.New("safetensors: malformed header")
	ErrDType     = errors.New("safetensors: unknown dtype")
	ErrOffsets   = errors.New("safetensors: bad data offsets")
	ErrNotFound  = errors.New("safetensors: no such tensor")
)

// MaxHeaderSize bounds the JSON header, as the reference implementation
// does, so a corrupt length cannot trigger a giant allocation.
const MaxHeaderSize = 100 << 20

// DType is a tensor element type as spelled in the header.
type DType string

// The element types this package understands.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	Bool DType = "BOOL"
)

// Size returns the number of bytes of one element, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16, I16:
		return 2
	case I8, U8, Bool:
		return 1
	}
	return 0
}

// Info describes one tensor of a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are byte offsets into the data buffer (after the header).
	Begin, End int64
}

// NumElements returns the product of the shape (1 for a scalar).
func (in Info) NumElements() int {
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	return n
}

// Header is a parsed and validated safetensors header.
type Header struct {
	// Tensors are sorted by Begin.
	Tensors  []Info
	Metadata map[string]string
	// DataOffset is where the data buffer starts in the file: 8 + header length.
	DataOffset int64
}

type rawEntry struct {
	DType       DType   `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// HeaderLength decodes the first 8 bytes of a file and checks the length
// against MaxHeaderSize and the file size.
func HeaderLength(prefix []byte, fileSize int64) (int64, error) {
	if len(prefix) < 8 || fileSize < 8 {
		return 0, fmt.Errorf("%w: %d bytes, need at least 8 for the header length", ErrTruncated, fileSize)
	}
	n := binary.LittleEndian.Uint64(prefix[:8])
	if n > MaxHeaderSize {
		return 0, fmt.Errorf("%w: header length %d exceeds the %d byte limit", ErrHeader, n, MaxHeaderSize)
	}
	if int64(n) > fileSize-8 {
		return 0, fmt.Errorf("%w: header length %d runs past the end of a %d byte file", ErrTruncated, n, fileSize)
	}
	return int64(n), nil
}

// ParseHeader parses the JSON header json (the N bytes after the length) of
// a file whose data buffer holds dataSize bytes, and validates every entry.
func ParseHeader(header []byte, dataSize int64) (*Header, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	h := &Header{DataOffset: 8 + int64(len(header))}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &h.Metadata); err != nil {
				return nil, fmt.Errorf("%w: __metadata__ must map strings to strings: %v", ErrHeader, err)
			}
			continue
		}
		var e rawEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrHeader, name, err)
		}
		info, err := checkEntry(name, e, dataSize)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, info)
	}
	sort.Slice(h.Tensors, func(i, j int) bool {
		a, b := h.Tensors[i], h.Tensors[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return a.End < b.End
	})
	for i := 1; i < len(h.Tensors); i++ {
		prev, cur := h.Tensors[i-1], h.Tensors[i]
		if cur.Begin < prev.End {
			return nil, fmt.Errorf("%w: tensors %q [%d,%d) and %q [%d,%d) overlap",
				ErrOffsets, prev.Name, prev.Begin, prev.End, cur.Name, cur.Begin, cur.End)
		}
	}
	return h, nil
}

func checkEntry(name string, e rawEntry, dataSize int64) (Info, error) {
	size := e.DType.Size()
	if size == 0 {
		return Info{}, fmt.Errorf("%w %q for tensor %q", ErrDType, e.DType, name)
	}
	if len(e.DataOffsets) != 2 {
		return Info{}, fmt.Errorf("%w: tensor %q: data_offsets must be [begin, end], got %v", ErrOffsets, name, e.DataOffsets)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataSize {
		return Info{}, fmt.Errorf("%w: tensor %q: [%d,%d) outside the %d byte data buffer", ErrOffsets, name, begin, end, dataSize)
	}
	// The element count is bounded by the buffer, so overflow is caught by
	// checking each multiplication against it.
	elems := uint64(1)
	shape := make([]int, len(e.Shape))
	for i, d := range e.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("%w: tensor %q: negative dimension %d", ErrHeader, name, d)
		}
		hi, lo := bits.Mul64(elems, uint64(d))
		if hi != 0 || lo > math.MaxInt64/8 {
			return Info{}, fmt.Errorf("%w: tensor %q: shape %v is too large", ErrHeader, name, e.Shape)
		}
		elems = lo
		shape[i] = int(d)
	}
	if want := int64(elems) * int64(size); want != end-begin {
		return Info{}, fmt.Errorf("%w: tensor %q: %s%v needs %d bytes, data_offsets give %d",
			ErrOffsets, name, e.DType, e.Shape, want, end-begin)
	}
	return Info{Name: name, DType: e.DType, Shape: shape, Begin: begin, End: end}, nil
}

// File is a parsed safetensors file held in memory (or memory-mapped).
type File struct {
	Header
	data   []byte // the data buffer, after the header
	byName map[string]int
	unmap  func() error
	mapped bool        // data is a read-only shared mapping of the file
	stat   os.FileInfo // the opened file as Open found it; nil from Parse
}

// Parse validates a whole file held in buf. The returned File refers to buf
// and does not copy it.
func Parse(buf []byte) (*File, error) {
	n, err := HeaderLength(buf, int64(len(buf)))
	if err != nil {
		return nil, err
	}
	h, err := ParseHeader(buf[8:8+n], int64(len(buf))-8-n)
	if err != nil {
		return nil, err
	}
	f := &File{Header: *h, data: buf[8+n:], byName: make(map[string]int, len(h.Tensors))}
	for i, t := range f.Tensors {
		f.byName[t.Name] = i
	}
	return f, nil
}

// Close releases the file's memory mapping, if it has one. Tensors obtained
// from the file must not be used afterwards.
func (f *File) Close() error {
	if f.unmap == nil {
		return nil
	}
	err := f.unmap()
	f.unmap = nil
	return err
}

// Mapped reports whether the file's tensors alias a read-only shared
// memory mapping of the file (Open, where the platform and the file system
// allow it), rather than memory of their own. Pages of a mapping can be
// dropped from a process's resident set and are read back from the page
// cache when next touched.
func (f *File) Mapped() bool { return f.mapped }

// Stat describes the file that Open mapped or read, as it was then
// (os.File.Stat of the opened file, not of whatever the path names later).
// It is nil for a File parsed from memory.
func (f *File) Stat() os.FileInfo { return f.stat }

// Info returns the description of the named tensor.
func (f *File) Info(name string) (Info, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Info{}, false
	}
	return f.Tensors[i], true
}

// Bytes returns the raw little-endian bytes of the named tensor. The slice
// aliases the file: do not modify it, and do not use it after Close.
func (f *File) Bytes(name string) (Info, []byte, error) {
	info, ok := f.Info(name)
	if !ok {
		return Info{}, nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return info, f.data[info.Begin:info.End:info.End], nil
}

// Float32s returns the named tensor converted to float32. An F32 tensor that
// is suitably aligned on a little-endian machine is returned without a copy,
// aliasing the file (read-only; valid until Close); F16, BF16 and F64 are
// converted into a new slice.
func (f *File) Float32s(name string) (Info, []float32, error) {
	info, raw, err := f.Bytes(name)
	if err != nil {
		return info, nil, err
	}
	out, err := ToFloat32(info.DType, raw)
	if err != nil {
		return info, nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return info, out, nil
}

// Int64s returns the named integer tensor widened to int64 (a new slice).
func (f *File) Int64s(name string) (Info, []int64, error) {
	info, raw, err := f.Bytes(name)
	if err != nil {
		return info, nil, err
	}
	out, err := ToInt64(info.DType, raw)
	if err != nil {
		return info, nil, fmt.Errorf("tensor %q: %w", name, err)
	}
	return info, out, nil
}

// String summarises a tensor description, e.g. "wte.weight F32[50257 768]".
func (in Info) String() string {
	s := in.Name + " " + string(in.DType) + "["
	for i, d := range in.Shape {
		if i > 0 {
			s += " "
		}
		s += strconv.Itoa(d)
	}
	return s + "]"
}
