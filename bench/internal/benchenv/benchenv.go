// Package benchenv checks the two things on a benchmark machine that
// changed this repository's figures by more than any code did: how the
// page cache holds the benchmark checkpoint, and which BLAS PyTorch runs.
package benchenv

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
)

// TorchBLAS returns the BLAS libraries python's torch has loaded once it
// has run a matrix product, and an error unless one is OpenBLAS. Debian's
// python3-torch depends only on the libblas.so.3 alternative, which a
// fresh machine may resolve to the reference BLAS: PyTorch then ran GPT-2
// small at 3.6 GFLOP/s instead of ≈ 180 (bench/README.md), and every ratio
// against it looked fifty times better than it was.
func TorchBLAS(python string) ([]string, error) {
	const probe = `import torch
a = torch.ones(256, 256)
(a @ a).sum().item()
libs = set()
for line in open("/proc/self/maps"):
    path = line.split()[-1]
    if "blas" in path.lower():
        libs.add(path)
print("\n".join(sorted(libs)))`
	out, err := exec.Command(python, "-c", probe).Output()
	if err != nil {
		return nil, fmt.Errorf("benchenv: %s: torch's BLAS: %w", python, err)
	}
	libs := strings.Fields(string(out))
	for _, l := range libs {
		if strings.Contains(strings.ToLower(filepath.Base(l)), "openblas") {
			return libs, nil
		}
	}
	return libs, fmt.Errorf("benchenv: torch runs its products on %v, not OpenBLAS (apt-get install libopenblas0-pthread)", libs)
}

// Recache writes the file at path again through atomicfile, which
// writes in aligned 2 MiB chunks, so that the page cache holds it in 2 MiB
// folios, as after explorer pull; the file keeps its permissions. On the
// VM of bench/README.md the page cache drops what no one has read for a
// minute or so, and the parts read back from disk by a later load come
// back in small folios, which map 4 KiB at a time: a T = 16 pass of
// GPT-2 small then took twice as long.
func Recache(path string) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return err
	}
	dst, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer dst.Abort()
	if _, err = io.Copy(dst, src); err == nil {
		err = dst.Commit()
	}
	if err == nil {
		err = os.Chmod(path, st.Mode().Perm())
	}
	if err != nil {
		return fmt.Errorf("benchenv: recache %s: %w", path, err)
	}
	return nil
}

// minHugeShare is the share of a checkpoint that must map in 2 MiB pages
// for EnsureHugeCached to leave it as it is.
const minHugeShare = 0.9

// EnsureHugeCached reports how much of the file at path maps in 2 MiB
// pages (HugeShare) and rewrites it (Recache) when that is under 90 %,
// saying so on w, so that every run of a benchmark starts from the same
// state of the page cache.
func EnsureHugeCached(path string, w io.Writer) error {
	share, err := HugeShare(path)
	if err != nil {
		fmt.Fprintf(w, "%s: cannot tell how the page cache holds it (%v)\n", path, err)
		return nil
	}
	if share >= minHugeShare {
		return nil
	}
	fmt.Fprintf(w, "%s: only %.0f %% maps in 2 MiB pages; writing it again in 2 MiB chunks\n", path, 100*share)
	if err := Recache(path); err != nil {
		return err
	}
	if share, err = HugeShare(path); err == nil {
		fmt.Fprintf(w, "%s: now %.0f %%\n", path, 100*share)
	}
	// The explorer records a weight file it has checked only once the
	// file is older than a clock tick or two (engine/checked.go,
	// racyWindow, 2 s); without the wait every timed load of the first
	// seconds would read all the weights to check them.
	time.Sleep(racyWait)
	return nil
}

// racyWait is how long EnsureHugeCached waits after a rewrite: the
// explorer's racyWindow and a margin.
const racyWait = 2500 * time.Millisecond

// Torch reports whether the PyTorch reference can run: python imports
// torch and the script exists. When it cannot, it says on w that what is
// timed runs alone (what names it). Torch running on a BLAS other than
// OpenBLAS is an error (see TorchBLAS), not a reason to go on.
func Torch(python, script, what string, w io.Writer) (bool, error) {
	_, statErr := os.Stat(script)
	if statErr != nil || exec.Command(python, "-c", "import torch").Run() != nil {
		fmt.Fprintf(w, "PyTorch or %s not available: timing %s alone\n", script, what)
		return false, nil
	}
	libs, err := TorchBLAS(python)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(w, "PyTorch's BLAS: %s\n", strings.Join(libs, ", "))
	return true, nil
}
