// Package npy reads and writes NumPy's .npy array files, so that numbers
// taken out of a trace load in Python with numpy.load, bit for bit.
//
// A file is the magic "\x93NUMPY", a version (1.0 here when writing), the
// length of a header, the header (a Python dict literal giving the element
// type as a descr such as '<f4', the axis order and the shape), padded
// with spaces and a newline so that the data starts at a multiple of 64
// bytes, then the elements in row-major (C) order.
package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Errors of the reader; each is wrapped with the detail.
var (
	ErrFormat = errors.New("npy: not a .npy file")
	ErrDType  = errors.New("npy: unsupported element type")
)

// MaxHeader bounds the header a reader accepts, so a corrupt length cannot
// make it allocate much; numpy's own headers are a few hundred bytes.
const MaxHeader = 1 << 16

const magic = "\x93NUMPY"

// Element types, as numpy spells them in a header's descr.
const (
	Float32 = "<f4"
	Float64 = "<f8"
	Float16 = "<f2"
	Int64   = "<i8"
	Int32   = "<i4"
)

// An Array is a row-major array of numbers. Data holds them widened to
// float64, which is exact for every element type this package reads
// (integers up to 2⁵³).
type Array struct {
	DType string
	Shape []int
	Data  []float64
}

// WriteFloat32 writes x, of the given shape, as a '<f4' array: each
// value's bits unchanged.
func WriteFloat32(w io.Writer, shape []int, x []float32) error {
	if err := checkLen(shape, len(x)); err != nil {
		return err
	}
	data := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return write(w, Float32, shape, data)
}

// WriteInt64 writes x, of the given shape, as a '<i8' array.
func WriteInt64(w io.Writer, shape []int, x []int64) error {
	if err := checkLen(shape, len(x)); err != nil {
		return err
	}
	data := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(data[8*i:], uint64(v))
	}
	return write(w, Int64, shape, data)
}

func checkLen(shape []int, n int) error {
	want := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: write: negative dimension in shape %v", shape)
		}
		want *= d
	}
	if want != n {
		return fmt.Errorf("npy: write: shape %v holds %d values, got %d", shape, want, n)
	}
	return nil
}

// write writes a version 1.0 header and the data.
func write(w io.Writer, descr string, shape []int, data []byte) error {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	header := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }"
	// magic (6) + version (2) + length (2) + header + padding + "\n" ≡ 0 mod 64.
	pad := 63 - (10+len(header))%64
	header += strings.Repeat(" ", pad) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy: write: a %d-axis shape makes too long a header", len(shape))
	}
	var b bytes.Buffer
	b.WriteString(magic)
	b.Write([]byte{1, 0, byte(len(header)), byte(len(header) >> 8)})
	b.WriteString(header)
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("npy: write: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("npy: write: %w", err)
	}
	return nil
}

// Read parses a whole .npy file held in buf: versions 1.0 to 3.0, C order,
// little-endian float32, float64, float16, int64 or int32 elements, and
// exactly as many data bytes as the shape needs.
func Read(buf []byte) (Array, error) {
	if len(buf) < 10 || string(buf[:6]) != magic {
		return Array{}, fmt.Errorf("%w: no \\x93NUMPY magic", ErrFormat)
	}
	major := buf[6]
	var n, at int
	switch major {
	case 1:
		n, at = int(binary.LittleEndian.Uint16(buf[8:])), 10
	case 2, 3:
		if len(buf) < 12 {
			return Array{}, fmt.Errorf("%w: truncated header length", ErrFormat)
		}
		n64 := binary.LittleEndian.Uint32(buf[8:])
		if n64 > MaxHeader {
			return Array{}, fmt.Errorf("%w: a %d byte header is longer than %d", ErrFormat, n64, MaxHeader)
		}
		n, at = int(n64), 12
	default:
		return Array{}, fmt.Errorf("%w: version %d.%d", ErrFormat, major, buf[7])
	}
	if n > len(buf)-at {
		return Array{}, fmt.Errorf("%w: the %d byte header runs past the end of the file", ErrFormat, n)
	}
	descr, shape, err := parseHeader(string(buf[at : at+n]))
	if err != nil {
		return Array{}, err
	}
	data := buf[at+n:]
	size := map[string]int{Float32: 4, Float64: 8, Float16: 2, Int64: 8, Int32: 4}[descr]
	count := 1
	for _, d := range shape {
		if d > 0 && count > len(data)/d {
			return Array{}, fmt.Errorf("%w: shape %v needs more than the %d data bytes", ErrFormat, shape, len(data))
		}
		count *= d
	}
	if count*size != len(data) {
		return Array{}, fmt.Errorf("%w: shape %v of %s needs %d data bytes, the file has %d", ErrFormat, shape, descr, count*size, len(data))
	}
	a := Array{DType: descr, Shape: shape, Data: make([]float64, count)}
	for i := range a.Data {
		b := data[i*size:]
		switch descr {
		case Float32:
			a.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case Float64:
			a.Data[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
		case Float16:
			a.Data[i] = float64(safetensors.Float16ToFloat32(binary.LittleEndian.Uint16(b)))
		case Int64:
			a.Data[i] = float64(int64(binary.LittleEndian.Uint64(b)))
		case Int32:
			a.Data[i] = float64(int32(binary.LittleEndian.Uint32(b)))
		}
	}
	return a, nil
}

// parseHeader reads the dict literal numpy writes: the keys 'descr',
// 'fortran_order' and 'shape', in any order.
func parseHeader(h string) (descr string, shape []int, err error) {
	h = strings.TrimSpace(h)
	body, ok := strings.CutPrefix(h, "{")
	if body, ok = strings.CutSuffix(body, "}"); !ok {
		return "", nil, fmt.Errorf("%w: header %q is not a dict", ErrFormat, h)
	}
	seen := map[string]bool{}
	for body = strings.TrimSpace(body); body != ""; body = strings.TrimSpace(body) {
		key, rest, ok := cutQuoted(body)
		if !ok {
			return "", nil, fmt.Errorf("%w: header %q: expected a quoted key", ErrFormat, h)
		}
		rest, ok = strings.CutPrefix(strings.TrimSpace(rest), ":")
		if !ok {
			return "", nil, fmt.Errorf("%w: header %q: expected ':' after %q", ErrFormat, h, key)
		}
		rest = strings.TrimSpace(rest)
		switch key {
		case "descr":
			if descr, rest, ok = cutQuoted(rest); !ok {
				return "", nil, fmt.Errorf("%w: header %q: descr is not a string", ErrFormat, h)
			}
		case "fortran_order":
			switch {
			case strings.HasPrefix(rest, "False"):
				rest = rest[len("False"):]
			case strings.HasPrefix(rest, "True"):
				return "", nil, fmt.Errorf("%w: Fortran (column-major) order; save with numpy.ascontiguousarray", ErrFormat)
			default:
				return "", nil, fmt.Errorf("%w: header %q: fortran_order is not a bool", ErrFormat, h)
			}
		case "shape":
			if shape, rest, err = cutShape(rest); err != nil {
				return "", nil, fmt.Errorf("%w: header %q: %v", ErrFormat, h, err)
			}
		default:
			return "", nil, fmt.Errorf("%w: header %q: unknown key %q", ErrFormat, h, key)
		}
		seen[key] = true
		body = strings.TrimSpace(rest)
		body = strings.TrimPrefix(body, ",")
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return "", nil, fmt.Errorf("%w: header %q lacks descr, fortran_order or shape", ErrFormat, h)
	}
	switch descr {
	case Float32, Float64, Float16, Int64, Int32:
	default:
		return "", nil, fmt.Errorf("%w %q: want %s, %s, %s, %s or %s", ErrDType, descr, Float32, Float64, Float16, Int64, Int32)
	}
	return descr, shape, nil
}

// cutQuoted cuts a single- or double-quoted string off the front of s.
func cutQuoted(s string) (word, rest string, ok bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}

// cutShape cuts a tuple of non-negative integers off the front of s.
func cutShape(s string) ([]int, string, error) {
	body, ok := strings.CutPrefix(s, "(")
	end := strings.IndexByte(body, ')')
	if !ok || end < 0 {
		return nil, s, fmt.Errorf("shape is not a tuple")
	}
	shape := []int{}
	for _, f := range strings.Split(body[:end], ",") {
		f = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(f), "L"))
		if f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 {
			return nil, s, fmt.Errorf("shape has %q, not a size", f)
		}
		shape = append(shape, d)
	}
	return shape, body[end+1:], nil
}
