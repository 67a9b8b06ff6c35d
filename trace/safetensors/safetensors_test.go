package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const tinyModel = "../../testdata/conformance/tiny-gpt2/model.safetensors"

func TestOpenConformanceCheckpoint(t *testing.T) {
	f, err := Open(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Metadata["format"]; got != "pt" {
		t.Errorf("metadata format = %q, want %q", got, "pt")
	}
	tests := []struct {
		name  string
		dtype DType
		shape []int
	}{
		{"wte.weight", F32, []int{50257, 32}},
		{"wpe.weight", F32, []int{64, 32}},
		{"h.0.attn.c_attn.weight", F32, []int{32, 96}},
		{"h.1.attn.bias", F32, []int{1, 1, 64, 64}},
		{"ln_f.bias", F32, []int{32}},
	}
	for _, tt := range tests {
		info, data, err := f.Float32s(tt.name)
		if err != nil {
			t.Fatalf("Float32s(%q): %v", tt.name, err)
		}
		if info.DType != tt.dtype || !slices.Equal(info.Shape, tt.shape) {
			t.Errorf("%q: %s%v, want %s%v", tt.name, info.DType, info.Shape, tt.dtype, tt.shape)
		}
		if len(data) != info.NumElements() {
			t.Errorf("%q: %d values, want %d", tt.name, len(data), info.NumElements())
		}
	}
	// The mask buffer is lower-triangular ones: a cheap check that bytes are
	// read at the right offsets.
	_, mask, _ := f.Float32s("h.0.attn.bias")
	for q := 0; q < 64; q++ {
		for k := 0; k < 64; k++ {
			want := float32(0)
			if k <= q {
				want = 1
			}
			if mask[q*64+k] != want {
				t.Fatalf("mask[%d,%d] = %v, want %v", q, k, mask[q*64+k], want)
			}
		}
	}
	if _, _, err := f.Bytes("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Bytes(missing) error = %v, want ErrNotFound", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	x := []float32{1, -2.5, float32(math.Inf(1)), 3e-8}
	ids := []int64{50256, 0, -1}
	var buf bytes.Buffer
	err := Write(&buf, []Tensor{
		{Name: "x", DType: F32, Shape: []int{2, 2}, Data: EncodeFloat32(x)},
		{Name: "ids", DType: I64, Shape: []int{3}, Data: EncodeInt64(ids)},
		{Name: "empty", DType: F32, Shape: []int{0, 4}, Data: nil},
	}, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	n := binary.LittleEndian.Uint64(raw)
	if (8+n)%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", 8+n)
	}
	f, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	// The strict reference reader wants contiguous offsets from 0 that
	// cover the whole buffer.
	var end int64
	for _, info := range f.Tensors {
		if info.Begin != end {
			t.Errorf("tensor %q begins at %d, want %d", info.Name, info.Begin, end)
		}
		end = info.End
	}
	if end != int64(len(raw))-int64(f.DataOffset) {
		t.Errorf("tensors cover %d bytes, buffer has %d", end, int64(len(raw))-f.DataOffset)
	}
	_, gotX, err := f.Float32s("x")
	if err != nil || !slices.Equal(gotX, x) {
		t.Errorf("x = %v, %v; want %v", gotX, err, x)
	}
	_, gotIDs, err := f.Int64s("ids")
	if err != nil || len(gotIDs) != 3 || gotIDs[0] != 50256 || gotIDs[2] != -1 {
		t.Errorf("ids = %v, %v; want %v", gotIDs, err, ids)
	}
	if f.Metadata["k"] != "v" {
		t.Errorf("metadata = %v", f.Metadata)
	}
}

func TestWriteRejects(t *testing.T) {
	tests := []struct {
		name    string
		tensors []Tensor
	}{
		{"duplicate", []Tensor{{Name: "a", DType: U8, Shape: []int{1}, Data: []byte{1}}, {Name: "a", DType: U8, Shape: []int{1}, Data: []byte{1}}}},
		{"size mismatch", []Tensor{{Name: "a", DType: F32, Shape: []int{2}, Data: []byte{1, 2, 3, 4}}}},
		{"bad dtype", []Tensor{{Name: "a", DType: "Q4", Shape: []int{1}, Data: []byte{1}}}},
		{"reserved name", []Tensor{{Name: "__metadata__", DType: U8, Shape: []int{1}, Data: []byte{1}}}},
	}
	for _, tt := range tests {
		if err := Write(&bytes.Buffer{}, tt.tensors, nil); err == nil {
			t.Errorf("Write(%s) succeeded, want an error", tt.name)
		}
	}
}

// file assembles a safetensors file from a literal header and data size.
func file(header string, data int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, data))
	return b.Bytes()
}

func TestParseRejectsBadFiles(t *testing.T) {
	valid := file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8)
	huge := make([]byte, 16)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	tests := []struct {
		name string
		buf  []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short length", []byte{1, 2, 3}, ErrTruncated},
		{"header past end", valid[:20], ErrTruncated},
		{"giant header length", huge, ErrHeader},
		{"not json", file(`{"a":`, 0), ErrHeader},
		{"not an object", file(`[1,2]`, 0), ErrHeader},
		{"bad entry", file(`{"a":{"dtype":"F32","shape":"x","data_offsets":[0,0]}}`, 0), ErrHeader},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, 0), ErrHeader},
		{"unknown dtype", file(`{"a":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, 1), ErrDType},
		{"offsets past buffer", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4), ErrOffsets},
		{"offsets reversed", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4), ErrOffsets},
		{"negative offset", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}}`, 4), ErrOffsets},
		{"one offset", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1]}}`, 4), ErrOffsets},
		{"shape mismatch", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8), ErrOffsets},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 8), ErrHeader},
		{"overflowing shape", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}`, 8), ErrHeader},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), ErrOffsets},
	}
	for _, tt := range tests {
		_, err := Parse(tt.buf)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%s) error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Parse(valid); err != nil {
		t.Errorf("Parse(valid) = %v", err)
	}
}

func TestOpenNamesThePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	raw, err := os.ReadFile(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrOffsets) {
		t.Errorf("Open(truncated) = %v, want an ErrOffsets error naming %s", err, path)
	}
	if _, err := Open(filepath.Join(dir, "missing.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v, want ErrNotExist", err)
	}
}

// TestFloat16 checks every half-precision bit pattern against a float64
// evaluation of the IEEE 754 definition, and the round trip back.
func TestFloat16(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		exp := (h >> 10) & 0x1f
		frac := float64(h & 0x3ff)
		var want float64
		switch {
		case exp == 0x1f && frac == 0:
			want = math.Inf(int(sign))
		case exp == 0x1f:
			want = math.NaN()
		case exp == 0:
			want = sign * frac * math.Pow(2, -24)
		default:
			want = sign * (1 + frac/1024) * math.Pow(2, float64(exp-15))
		}
		got := Float16ToFloat32(uint16(h))
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Fatalf("Float16ToFloat32(%#04x) = %v, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("Float16ToFloat32(%#04x) = %v, want %v", h, got, want)
		}
		if back := Float32ToFloat16(got); back != uint16(h) {
			t.Fatalf("Float32ToFloat16(%v) = %#04x, want %#04x", got, back, h)
		}
	}
}

func TestFloat32ToFloat16Rounding(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{1 + 1.0/2048, 0x3c00},         // tie rounds to even (down)
		{1 + 3.0/2048, 0x3c02},         // tie rounds to even (up)
		{65504, 0x7bff},                // largest finite half
		{65520, 0x7c00},                // rounds to infinity
		{1e-8, 0x0000},                 // underflows to zero
		{float32(math.Pow(2, -24)), 1}, // smallest subnormal
		{float32(math.Pow(2, -25)), 0}, // tie with zero rounds to even
		{-2, 0xc000},
	}
	for _, tt := range tests {
		if got := Float32ToFloat16(tt.in); got != tt.want {
			t.Errorf("Float32ToFloat16(%v) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
}

func TestBFloat16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80},
		{-2, 0xc000},
		{math.Float32frombits(0x3f808000), 0x3f80}, // tie to even, down
		{math.Float32frombits(0x3f818000), 0x3f82}, // tie to even, up
		{math.Float32frombits(0x3f808001), 0x3f81},
	}
	for _, tt := range tests {
		if got := Float32ToBFloat16(tt.in); got != tt.want {
			t.Errorf("Float32ToBFloat16(%v) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
	raw := []byte{0x80, 0x3f, 0x00, 0xc0}
	got, err := ToFloat32(BF16, raw)
	if err != nil || got[0] != 1 || got[1] != -2 {
		t.Errorf("ToFloat32(BF16) = %v, %v; want [1 -2]", got, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(file(`{"__metadata__":{"x":"y"},"b":{"dtype":"BF16","shape":[1,2],"data_offsets":[0,4]}}`, 4))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, buf []byte) {
		sf, err := Parse(buf)
		if err != nil {
			return
		}
		for _, info := range sf.Tensors {
			if info.End > int64(len(buf))-sf.DataOffset || info.Begin > info.End {
				t.Fatalf("accepted out-of-range tensor %v", info)
			}
			if info.DType != Bool && info.DType != U8 && info.DType != I8 &&
				!strings.HasPrefix(string(info.DType), "I") {
				if _, _, err := sf.Float32s(info.Name); err != nil {
					t.Fatalf("Float32s(%q) after a valid parse: %v", info.Name, err)
				}
			}
		}
	})
}

// TestFloat32Bytes checks that the bytes Write is given without a copy
// are those EncodeFloat32 spells out, byte for byte.
func TestFloat32Bytes(t *testing.T) {
	x := []float32{1, -2.5, float32(math.Inf(-1)), float32(math.Copysign(0, -1)), math.Float32frombits(0x7fc00001), 3e-41}
	if got, want := Float32Bytes(x), EncodeFloat32(x); !bytes.Equal(got, want) {
		t.Errorf("Float32Bytes(%v) = %x, want %x", x, got, want)
	}
	if got := Float32Bytes(nil); got == nil || len(got) != 0 {
		t.Errorf("Float32Bytes(nil) = %#v, want an empty slice", got)
	}
}

// TestPrefixReserved checks that a prefix padded to reserved room parses
// as the natural one does, and that room too small is an error.
func TestPrefixReserved(t *testing.T) {
	ts := []Tensor{{Name: "x", DType: F32, Shape: []int{2, 3}}, {Name: "y", DType: I64, Shape: []int{4}}}
	meta := map[string]string{"k": "v"}
	natural, err := Prefix(ts, meta, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(natural)%8 != 0 {
		t.Errorf("natural prefix is %d bytes, not a multiple of 8", len(natural))
	}
	data := make([]byte, 6*4+4*8)
	for _, size := range []int{len(natural), len(natural) + 64} {
		p, err := Prefix(ts, meta, size)
		if err != nil || len(p) != size {
			t.Fatalf("Prefix(size %d) = %d bytes, %v", size, len(p), err)
		}
		f, err := Parse(append(p, data...))
		if err != nil {
			t.Fatalf("Prefix(size %d): %v", size, err)
		}
		if info, _ := f.Info("y"); info.Begin != 24 || info.End != 56 {
			t.Errorf("Prefix(size %d): y at %d..%d, want 24..56", size, info.Begin, info.End)
		}
	}
	if _, err := Prefix(ts, meta, len(natural)-8); !errors.Is(err, ErrPrefixTooLong) {
		t.Errorf("Prefix with too little room: %v, want ErrPrefixTooLong", err)
	}
	if err := Write(io.Discard, ts, meta); err == nil {
		t.Error("Write of tensors without their data succeeded")
	}
}
