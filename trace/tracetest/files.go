package tracetest

import (
	"slices"
	"testing"

	"github.com/transformer-explorer/explorer/trace/safetensors"
)

// Batched returns the tensors of f with a leading batch dimension of 1
// added to each shape, as a TransformerLens cache stores them. Their data
// is f's own, not copied: write them before f is closed.
func Batched(f *safetensors.File) []safetensors.Tensor {
	out := make([]safetensors.Tensor, 0, len(f.Tensors))
	for _, info := range f.Tensors {
		_, raw, _ := f.Bytes(info.Name)
		out = append(out, safetensors.Tensor{Name: info.Name, DType: info.DType, Shape: append([]int{1}, info.Shape...), Data: raw})
	}
	return out
}

// Perturbed returns a copy of the tensors of f in which value i of the
// named tensor has delta added. That tensor is stored as F32, so a delta
// finer than its own dtype holds survives; the others keep their dtype.
func Perturbed(t testing.TB, f *safetensors.File, name string, i int, delta float32) []safetensors.Tensor {
	t.Helper()
	out := make([]safetensors.Tensor, 0, len(f.Tensors))
	for _, info := range f.Tensors {
		_, raw, _ := f.Bytes(info.Name)
		x := safetensors.Tensor{Name: info.Name, DType: info.DType, Shape: info.Shape, Data: slices.Clone(raw)}
		if info.Name == name {
			_, v, err := f.Float32s(name)
			if err != nil {
				t.Fatalf("perturb %s: %v", name, err)
			}
			v = slices.Clone(v) // an F32 tensor's values may be f's own bytes
			v[i] += delta
			x.DType, x.Data = safetensors.F32, safetensors.EncodeFloat32(v)
		}
		out = append(out, x)
	}
	return out
}
