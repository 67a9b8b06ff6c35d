package npy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/trace/npy"
	"github.com/transformer-explorer/explorer/trace/tracetest"
)

// numpyLoads is run by python: it loads each .npy file given and prints
// its dtype, shape and the bits of every element, as numpy sees them.
const numpyLoads = `
import json, sys
import numpy as np
out = []
for path in sys.argv[1:]:
    a = np.load(path)
    bits = a.view("<u4") if a.dtype == np.float32 else a
    out.append({"dtype": a.dtype.str, "shape": list(a.shape), "bits": [int(b) for b in bits.ravel()]})
json.dump(out, sys.stdout)
`

// TestNumpyLoadsWhatWeWrite writes arrays with edge values and checks that
// numpy.load sees every bit.
func TestNumpyLoadsWhatWeWrite(t *testing.T) {
	py := tracetest.Python(t)
	f32 := []float32{0, float32(math.Copysign(0, -1)), 1.5, -2.25e-38, 1e-45, 3.4028235e38, float32(math.Inf(-1)), float32(math.Inf(1)), 0.1, 1.0 / 3}
	cases := []struct {
		shape []int
		f     []float32
		i     []int64
	}{
		{[]int{10}, f32, nil},
		{[]int{2, 5}, f32, nil},
		{[]int{5, 1, 2}, f32, nil},
		{[]int{}, f32[2:3], nil},
		{[]int{0, 3}, nil, nil},
		{[]int{3}, nil, []int64{-1, 50256, 1 << 40}},
	}
	dir := t.TempDir()
	var paths []string
	for i, c := range cases {
		var buf bytes.Buffer
		var err error
		if c.i != nil {
			err = npy.WriteInt64(&buf, c.shape, c.i)
		} else {
			err = npy.WriteFloat32(&buf, c.shape, c.f)
		}
		if err != nil {
			t.Fatal(err)
		}
		if (len(buf.Bytes())-len(c.f)*4-len(c.i)*8)%64 != 0 {
			t.Errorf("case %d: the data does not start at a multiple of 64 bytes", i)
		}
		p := filepath.Join(dir, string(rune('a'+i))+".npy")
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(py, append([]string{"-c", numpyLoads}, paths...)...).Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var got []struct {
		DType string  `json:"dtype"`
		Shape []int   `json:"shape"`
		Bits  []int64 `json:"bits"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		want := make([]int64, 0, len(c.f))
		dtype := "<f4"
		for _, v := range c.f {
			want = append(want, int64(math.Float32bits(v)))
		}
		if c.i != nil {
			want, dtype = c.i, "<i8"
		}
		if got[i].DType != dtype || !slices.Equal(got[i].Shape, c.shape) || !slices.Equal(got[i].Bits, want) {
			t.Errorf("case %d: numpy sees %s%v %v, want %s%v %v", i, got[i].DType, got[i].Shape, got[i].Bits, dtype, c.shape, want)
		}
	}
}

// numpySaves is run by python: it saves one array of each element type
// and prints their values.
const numpySaves = `
import json, sys, os
import numpy as np
a = np.array([[0.5, -1.25, 3e-5], [65504, -0.0, 7]])
out = {}
for dt in ["<f4", "<f8", "<f2", "<i8", "<i4"]:
    b = a.astype(dt)
    np.save(os.path.join(sys.argv[1], dt[1:] + ".npy"), b)
    out[dt] = [float(x) for x in b.ravel()]
np.save(os.path.join(sys.argv[1], "fortran.npy"), np.asfortranarray(a))
json.dump(out, sys.stdout)
`

// TestReadWhatNumpySaves reads numpy's own files of every element type.
func TestReadWhatNumpySaves(t *testing.T) {
	py := tracetest.Python(t)
	dir := t.TempDir()
	out, err := exec.Command(py, "-c", numpySaves, dir).Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var want map[string][]float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for dt, values := range want {
		buf, err := os.ReadFile(filepath.Join(dir, dt[1:]+".npy"))
		if err != nil {
			t.Fatal(err)
		}
		a, err := npy.Read(buf)
		if err != nil {
			t.Errorf("%s: %v", dt, err)
			continue
		}
		if a.DType != dt || !slices.Equal(a.Shape, []int{2, 3}) || !slices.Equal(a.Data, values) {
			t.Errorf("%s: read %s%v %v, want %v", dt, a.DType, a.Shape, a.Data, values)
		}
	}
	buf, _ := os.ReadFile(filepath.Join(dir, "fortran.npy"))
	if _, err := npy.Read(buf); !errors.Is(err, npy.ErrFormat) || !strings.Contains(err.Error(), "Fortran") {
		t.Errorf("Read(Fortran order) = %v", err)
	}
}

func TestWriteRejectsBadShapes(t *testing.T) {
	var buf bytes.Buffer
	if err := npy.WriteFloat32(&buf, []int{2, 2}, []float32{1, 2, 3}); err == nil {
		t.Error("WriteFloat32 accepted 3 values for a [2 2] shape")
	}
	if err := npy.WriteInt64(&buf, []int{-1}, nil); err == nil {
		t.Error("WriteInt64 accepted a negative dimension")
	}
	if buf.Len() != 0 {
		t.Error("a refused write wrote bytes")
	}
}

// FuzzRead checks that the reader never panics and that what it accepts
// holds as many values as its shape.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	npy.WriteFloat32(&buf, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	f.Add(buf.Bytes())
	buf.Reset()
	npy.WriteInt64(&buf, []int{1}, []int64{7})
	f.Add(buf.Bytes())
	f.Add([]byte("\x93NUMPY\x02\x00\x10\x00\x00\x00{'shape': (), }"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := npy.Read(data)
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if n != len(a.Data) {
			t.Fatalf("shape %v with %d values", a.Shape, len(a.Data))
		}
	})
}
