package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/transformer-explorer/explorer/engine/kernel"
)

// The backward passes are checked against central finite differences of
// their forward partners. Each layer's output is reduced to the scalar
// loss L = Σ dout ⊙ out with a fixed random dout, so dL/dx is exactly what
// the backward pass computes from dout. The forward passes run in float32,
// so the step h is large (1e-2) and the tolerance on the relative error of
// the whole gradient vector is 1e-3; the full model is checked against an
// independent float64 implementation in engine/train.

// dotLoss returns Σ dout ⊙ out in float64.
func dotLoss(dout, out []float32) float64 {
	var s float64
	for i := range out {
		s += float64(dout[i]) * float64(out[i])
	}
	return s
}

// checkGrad compares the gradient got of loss with respect to x against
// central differences, perturbing x in place.
func checkGrad(t *testing.T, name string, x, got []float32, loss func() float64) {
	t.Helper()
	const h = 1e-2
	var num2, diff2 float64
	for i := range x {
		orig := x[i]
		x[i] = orig + h
		up := loss()
		x[i] = orig - h
		down := loss()
		x[i] = orig
		num := (up - down) / (2 * h)
		d := float64(got[i]) - num
		num2 += num * num
		diff2 += d * d
	}
	if rel := math.Sqrt(diff2 / math.Max(num2, 1e-30)); !(rel <= 1e-3) || num2 == 0 {
		t.Errorf("%s: relative error %.3g (|grad| = %.3g)", name, rel, math.Sqrt(num2))
	}
}

func TestLayerNormBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	const N, C = 4, 9
	inp, w, b := randSlice(r, N*C, 2), randSlice(r, C, 1), randSlice(r, C, 1)
	dout := randSlice(r, N*C, 1)
	out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
	loss := func() float64 {
		LayerNormForward(out, mean, rstd, inp, w, b, N, C, 1e-5)
		return dotLoss(dout, out)
	}
	loss()
	dinp, dw, db := make([]float32, N*C), make([]float32, C), make([]float32, C)
	LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
	checkGrad(t, "dinp", inp, dinp, loss)
	checkGrad(t, "dweight", w, dw, loss)
	checkGrad(t, "dbias", b, db, loss)
}

func TestMatMulBackward(t *testing.T) {
	p := kernel.NewPool(2)
	defer p.Close()
	r := rand.New(rand.NewPCG(5, 2))
	for _, tc := range []struct{ N, C, OC int }{{3, 5, 7}, {33, 16, 40}} {
		inp, w, b := randSlice(r, tc.N*tc.C, 1), randSlice(r, tc.C*tc.OC, 1), randSlice(r, tc.OC, 1)
		dout := randSlice(r, tc.N*tc.OC, 1)
		out := make([]float32, tc.N*tc.OC)
		loss := func() float64 {
			MatMulForward(p, out, inp, w, b, tc.N, tc.C, tc.OC)
			return dotLoss(dout, out)
		}
		dinp, dw, db := make([]float32, tc.N*tc.C), make([]float32, tc.C*tc.OC), make([]float32, tc.OC)
		MatMulBackward(p, dinp, dw, db, dout, inp, w, tc.N, tc.C, tc.OC)
		checkGrad(t, "matmul dinp", inp, dinp, loss)
		checkGrad(t, "matmul dweight", w, dw, loss)
		checkGrad(t, "matmul dbias", b, db, loss)
	}
}

func TestUnembedBackward(t *testing.T) {
	p := kernel.NewPool(2)
	defer p.Close()
	r := rand.New(rand.NewPCG(5, 3))
	const N, C, V = 6, 8, 11
	inp, wte, dout := randSlice(r, N*C, 1), randSlice(r, V*C, 1), randSlice(r, N*V, 1)
	out := make([]float32, N*V)
	loss := func() float64 {
		UnembedForward(p, out, inp, wte, N, C, V)
		return dotLoss(dout, out)
	}
	dinp, dwte := make([]float32, N*C), make([]float32, V*C)
	UnembedBackward(p, dinp, dwte, dout, inp, wte, N, C, V)
	checkGrad(t, "unembed dinp", inp, dinp, loss)
	checkGrad(t, "unembed dwte", wte, dwte, loss)
}

func TestGeluBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 4))
	const N = 50
	inp, dout := randSlice(r, N, 2), randSlice(r, N, 1)
	out := make([]float32, N)
	for _, tc := range []struct {
		name     string
		forward  func(out, inp []float32, N int)
		backward func(dinp, inp, dout []float32, N int)
	}{
		{"gelu_new", GeluForward, GeluBackward},
		{"gelu", GeluExactForward, GeluExactBackward},
	} {
		loss := func() float64 {
			tc.forward(out, inp, N)
			return dotLoss(dout, out)
		}
		dinp := make([]float32, N)
		tc.backward(dinp, inp, dout, N)
		checkGrad(t, tc.name, inp, dinp, loss)
	}
}

func TestAttentionBackward(t *testing.T) {
	p := kernel.NewPool(2)
	defer p.Close()
	r := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct{ B, T, NH, HS int }{{1, 1, 1, 3}, {2, 5, 2, 4}, {1, 19, 3, 8}} {
		B, T, NH, HS := tc.B, tc.T, tc.NH, tc.HS
		C := NH * HS
		q, k, v := randSlice(r, B*T*C, 1), randSlice(r, B*T*C, 1), randSlice(r, B*T*C, 1)
		dout := randSlice(r, B*T*C, 1)
		out, preatt, att := make([]float32, B*T*C), make([]float32, B*NH*T*T), make([]float32, B*NH*T*T)
		loss := func() float64 {
			AttentionForward(p, out, preatt, att, q, k, v, B, T, T, NH, HS)
			return dotLoss(dout, out)
		}
		loss()
		dq, dk, dv := make([]float32, B*T*C), make([]float32, B*T*C), make([]float32, B*T*C)
		AttentionBackward(p, dq, dk, dv, make([]float32, B*NH*T*T), dout, q, k, v, att, B, T, NH, HS)
		if T == 1 { // one position: the output is v, so q and k get no gradient
			for i := range dq {
				if dq[i] != 0 || dk[i] != 0 {
					t.Fatalf("T=1: dq, dk = %v, %v, want 0", dq, dk)
				}
			}
			checkGrad(t, "attention dv (T=1)", v, dv, loss)
			continue
		}
		checkGrad(t, "attention dq", q, dq, loss)
		checkGrad(t, "attention dk", k, dk, loss)
		checkGrad(t, "attention dv", v, dv, loss)
	}
}

func TestEncoderAndResidualBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const B, T, C, V = 2, 4, 3, 5
	ids := []int{1, 3, 1, 0, 4, 4, 2, 1}
	wte, wpe, dout := randSlice(r, V*C, 1), randSlice(r, T*C, 1), randSlice(r, B*T*C, 1)
	out := make([]float32, B*T*C)
	loss := func() float64 {
		for b := 0; b < B; b++ {
			o := out[b*T*C : (b+1)*T*C]
			EmbedForward(o, ids[b*T:(b+1)*T], wte, T, C)
			ResidualForward(o, o, wpe, T*C)
		}
		return dotLoss(dout, out)
	}
	dwte, dwpe := make([]float32, V*C), make([]float32, T*C)
	EncoderBackward(dwte, dwpe, dout, ids, B, T, C)
	checkGrad(t, "dwte", wte, dwte, loss)
	checkGrad(t, "dwpe", wpe, dwpe, loss)

	a, b := randSlice(r, 7, 1), randSlice(r, 7, 1)
	dres, sum := randSlice(r, 7, 1), make([]float32, 7)
	resLoss := func() float64 {
		ResidualForward(sum, a, b, 7)
		return dotLoss(dres, sum)
	}
	da, db := make([]float32, 7), make([]float32, 7)
	ResidualBackward(da, db, dres, 7)
	checkGrad(t, "residual da", a, da, resLoss)
	checkGrad(t, "residual db", b, db, resLoss)
}

func TestCrossEntropySoftmaxBackward(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	const N, V = 3, 6
	logits := randSlice(r, N*V, 2)
	targets := []int{2, -1, 5}
	losses, probs := make([]float32, N), make([]float32, N*V)
	loss := func() float64 {
		CrossEntropyForward(losses, probs, logits, targets, N, V)
		var s float64
		for _, l := range losses {
			s += float64(l)
		}
		return s / 2 // the mean over the two rows with targets
	}
	loss()
	for n, tgt := range targets {
		if tgt < 0 {
			continue
		}
		if want := LogSumExp(logits[n*V:(n+1)*V]) - float64(logits[n*V+tgt]); !(math.Abs(float64(losses[n])-want) <= 1e-5) {
			t.Errorf("losses[%d] = %v, want %v", n, losses[n], want)
		}
	}
	dlogits := make([]float32, N*V)
	CrossEntropySoftmaxBackward(dlogits, probs, targets, 0.5, N, V)
	checkGrad(t, "dlogits", logits, dlogits, loss)
}
