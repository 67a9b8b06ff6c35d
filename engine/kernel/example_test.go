package kernel_test

import (
	"fmt"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// A Conv1D layer: out[M,N] = in[M,K]·w[K,N] + bias[N].
func ExamplePool_MatMul() {
	p := kernel.NewPool(0)
	defer p.Close()
	in := []float32{ // M=2, K=3
		1, 2, 3,
		4, 5, 6,
	}
	w := []float32{ // K=3, N=2
		1, 0,
		0, 1,
		1, 1,
	}
	bias := []float32{10, 20}
	out := make([]float32, 2*2)
	p.MatMul(out, in, w, bias, 2, 3, 2)
	fmt.Println(out)
	// Output: [14 25 20 31]
}

// Scores of every query against every key, Q·Kᵀ, read from a packed qkv
// buffer whose rows hold q, k and v side by side (row stride 3·C).
func ExamplePool_Gemm() {
	p := kernel.NewPool(1)
	defer p.Close()
	const T, C = 2, 2
	qkv := []float32{
		1, 0, 1, 1, 9, 9, // t=0: q, k, v
		0, 2, 1, -1, 9, 9, // t=1
	}
	scores := make([]float32, T*T)
	p.Gemm(false, true, T, T, C, 1, qkv, 3*C, qkv[C:], 3*C, 0, scores, T)
	fmt.Println(scores)
	// Output: [1 1 2 -2]
}

func ExampleDot() {
	fmt.Println(kernel.Dot([]float32{1, 2, 3}, []float32{4, 5, 6}))
	// Output: 32
}

func ExampleAxpy() {
	y := []float32{1, 1, 1}
	kernel.Axpy(2, []float32{1, 2, 3}, y)
	fmt.Println(y)
	// Output: [3 5 7]
}

// Parallel runs independent work, such as attention heads, on the Pool.
func ExamplePool_Parallel() {
	p := kernel.NewPool(2)
	defer p.Close()
	squares := make([]int, 5)
	p.Parallel(len(squares), func(i int) { squares[i] = i * i })
	fmt.Println(squares)
	// Output: [0 1 4 9 16]
}

// Causal attention of one head over three positions: each query sees only
// itself and the keys before it, so the pattern is lower-triangular.
func ExamplePool_Attention() {
	p := kernel.NewPool(0)
	defer p.Close()
	const T, NH, HS = 3, 1, 2
	q := []float32{1, 0, 1, 0, 1, 0} // (T, NH·HS)
	k := []float32{1, 0, 0, 1, 1, 0}
	v := []float32{1, 0, 0, 1, 2, 2}
	out := make([]float32, T*NH*HS)
	scores := make([]float32, NH*T*T)
	pattern := make([]float32, NH*T*T)
	p.Attention(out, scores, pattern, q, k, v, 1, T, T, NH, HS)
	for i := 0; i < T; i++ {
		fmt.Printf("%.3f\n", pattern[i*T:(i+1)*T])
	}
	fmt.Printf("%.3f\n", out)
	// Output:
	// [1.000 0.000 0.000]
	// [0.670 0.330 0.000]
	// [0.401 0.198 0.401]
	// [1.000 0.000 0.670 0.330 1.203 1.000]
}

// GPT-2's GELU: close to x for large x, close to 0 for very negative x.
func ExampleGelu() {
	x := []float32{-3, -1, 0, 1, 3}
	out := make([]float32, len(x))
	kernel.Gelu(out, x)
	fmt.Printf("%.4f\n", out)
	// Output: [-0.0036 -0.1588 0.0000 0.8412 2.9964]
}
