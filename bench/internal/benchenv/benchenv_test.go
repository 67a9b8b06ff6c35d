package benchenv

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakePython writes an executable that prints out whatever arguments it
// is given, standing in for python3 running TorchBLAS's probe.
func fakePython(t *testing.T, out string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("needs a shell script")
	}
	path := filepath.Join(t.TempDir(), "python3")
	if err := os.WriteFile(path, []byte("#!/bin/sh\nprintf '%s\\n' '"+out+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTorchBLAS(t *testing.T) {
	for _, tc := range []struct {
		name, maps string
		ok         bool
	}{
		{"openblas", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\n/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0", true},
		{"reference", "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3", false},
		{"none", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			libs, err := TorchBLAS(fakePython(t, tc.maps))
			if (err == nil) != tc.ok {
				t.Fatalf("TorchBLAS = %v, %v; want ok %v", libs, err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "libopenblas0-pthread") {
				t.Errorf("error %q does not say what to install", err)
			}
		})
	}
}

func TestRecacheKeepsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "model.safetensors")
	want := make([]byte, 5<<20+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(rng.Uint32())
	}
	if err := os.WriteFile(path, want, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Recache(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("Recache changed the file's bytes")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if runtime.GOOS == "linux" {
		share, err := HugeShare(path)
		if err != nil || share < 0 || share > 1 {
			t.Fatalf("HugeShare = %v, %v; want a share in [0, 1]", share, err)
		}
		t.Logf("after Recache %.0f %% maps in 2 MiB pages", 100*share)
	}
}

func TestEnsureHugeCachedMissingFile(t *testing.T) {
	var log bytes.Buffer
	err := EnsureHugeCached(filepath.Join(t.TempDir(), "absent"), &log)
	if err != nil || !strings.Contains(log.String(), "cannot tell") {
		t.Fatalf("EnsureHugeCached on a missing file = %v, log %q", err, log.String())
	}
}
