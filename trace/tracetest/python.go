package tracetest

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Python returns the path of a python3 that imports numpy: the one on
// PATH, else the system's. Without one the test is skipped, or fails
// under CI=true, where .ci/run installs python3-numpy.
func Python(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import numpy").Run() == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("python3 with numpy is required under CI=true")
	}
	t.Skip("needs python3 with numpy")
	return ""
}

// A Cache is what trace/testdata/write_tl_cache.py stored in a
// TransformerLens-style file: each tensor's shape, with its batch
// dimension, and its values exactly as stored, −∞ for a masked score.
type Cache map[string]CacheTensor

// A CacheTensor is one tensor of a Cache.
type CacheTensor struct {
	Shape  []int
	Values []float64
}

// Row returns batch row b of the named tensor.
func (c Cache) Row(name string, b int) []float64 {
	x := c[name]
	n := len(x.Values) / x.Shape[0]
	return x.Values[b*n : (b+1)*n]
}

// Head returns head h of batch row b of an attention tensor [B, H, T, T].
func (c Cache) Head(name string, b, h int) []float64 {
	row := c.Row(name, b)
	n := len(row) / c[name].Shape[1]
	return row[h*n : (h+1)*n]
}

// TLCache writes a TransformerLens-style activation cache with numpy alone
// (trace/testdata/write_tl_cache.py: every GPT-2 hook of a 2-layer,
// 3-head, 5-token model with a batch dimension, F16 and no metadata
// unless args say otherwise) to dir, and returns its path and what it
// stored.
func TLCache(t testing.TB, dir string, args ...string) (string, Cache) {
	t.Helper()
	python := Python(t)
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("tracetest: cannot find the writer script")
	}
	script := filepath.Join(filepath.Dir(self), "..", "testdata", "write_tl_cache.py")
	path := filepath.Join(dir, "cache.safetensors")
	out, err := exec.Command(python, append([]string{script, path}, args...)...).Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("write_tl_cache.py: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("write_tl_cache.py: %v", err)
	}
	var raw map[string]struct {
		Shape  []int      `json:"shape"`
		Values []*float64 `json:"values"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		t.Fatal(err)
	}
	c := Cache{}
	for name, x := range raw {
		v := make([]float64, len(x.Values))
		for i, p := range x.Values {
			v[i] = math.Inf(-1)
			if p != nil {
				v[i] = *p
			}
		}
		c[name] = CacheTensor{Shape: x.Shape, Values: v}
	}
	return path, c
}
