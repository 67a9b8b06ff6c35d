package kernel

import "math"

// attnRows is the number of query rows an Attention task handles: a whole
// number of AVX-512 register tiles (8 rows), and few enough that the causal
// mask wastes little (a task computes scores for its rows up to the last
// key its last row sees), and that a long prompt splits into many tasks.
const attnRows = 64

// attnArgs is one Attention call, shared read-only by its tasks. Task t
// covers rows [attnRows·(t % rowTasks), …) of sequence-head pair
// t / rowTasks.
type attnArgs struct {
	im                *impl
	out, preatt, att  []float32
	q, k, v           []float32
	b, tq, tk, nh, hs int
	rowTasks          int
	scale             float32
	negInf            float32
}

// Attention computes causal multi-head self-attention for B sequences:
//
//	preatt = Q_h K_hᵀ / √HS, −∞ where key j lies after the query's position
//	att    = softmax(preatt) along each row
//	out_h  = att · V_h
//
// q and out are (B, Tq, C), k and v are (B, Tk, C), C = NH·HS, each row
// holding the NH heads side by side; preatt and att are (B, NH, Tq, Tk).
// Query row i stands at position Tk−Tq+i, so Tq = Tk is a prompt and
// Tq = 1 a token decoded against a key/value cache. Masked cells are −Inf
// in preatt and exactly 0 in att. Every slice is written in full.
//
// preatt and att may both be nil, when nothing reads them afterwards:
// each task then keeps its rows of them in its worker's scratch (2·attnRows
// rows of Tk), which spares a pass 2·B·NH·Tq·Tk floats of memory (25 MB
// for GPT-2 small at T = 512, 100 MB at 1024) and the page faults of
// touching them; out is the same, bit for bit.
//
// Blocking: each task takes one (sequence, head) pair and attnRows query
// rows, and runs two matrix products on the calling worker with the
// Gemm kernels: the scores of its rows against the keys they can see (so
// at most attnRows−1 rows' worth of masked scores are computed and
// overwritten), then the row softmax (Max and ExpSum, vectorised), then
// the weighted sum of values. Q, K and V are read in place through their
// row stride C. The tasks are independent and split across the workers.
// Attention allocates nothing in the steady state and panics with a
// "kernel: ..." message if a slice is shorter than its shape requires.
func (p *Pool) Attention(out, preatt, att, q, k, v []float32, B, Tq, Tk, NH, HS int) {
	if B < 0 || Tq < 0 || Tk < Tq || NH < 0 || HS < 0 {
		panic("kernel: Attention: bad dimensions (need Tk ≥ Tq ≥ 0)")
	}
	C := NH * HS
	if B == 0 || Tq == 0 || C == 0 {
		return
	}
	if (preatt == nil) != (att == nil) {
		panic("kernel: Attention: preatt and att must both be given or both be nil")
	}
	if len(out) < B*Tq*C || len(q) < B*Tq*C || len(k) < B*Tk*C || len(v) < B*Tk*C ||
		preatt != nil && (len(preatt) < B*NH*Tq*Tk || len(att) < B*NH*Tq*Tk) {
		panic("kernel: Attention: slice shorter than its shape")
	}
	j := p.getJob()
	j.kind = jobAttention
	j.a = attnArgs{
		im: p.im, out: out, preatt: preatt, att: att, q: q, k: k, v: v,
		b: B, tq: Tq, tk: Tk, nh: NH, hs: HS,
		rowTasks: ceilDiv(Tq, attnRows),
		scale:    float32(1 / math.Sqrt(float64(HS))),
		negInf:   float32(math.Inf(-1)),
	}
	n := B * NH * j.a.rowTasks
	if n == 1 || p.workers == 1 {
		s := p.getScratch()
		for t := 0; t < n; t++ {
			j.a.task(s, t)
		}
		p.putScratch(s)
		p.putJob(j)
		return
	}
	p.run(j, n)
}

// task computes rows [i0, i1) of one sequence-head pair.
func (a *attnArgs) task(s *scratch, t int) {
	bh, r := t/a.rowTasks, t%a.rowTasks
	b, h := bh/a.nh, bh%a.nh
	C, Tq, Tk := a.nh*a.hs, a.tq, a.tk
	i0 := r * attnRows
	i1 := min(i0+attnRows, Tq)
	rows := i1 - i0
	nk := Tk - Tq + i1 // keys the last row sees
	qh := a.q[(b*Tq+i0)*C+h*a.hs:]
	kh := a.k[b*Tk*C+h*a.hs:]
	vh := a.v[b*Tk*C+h*a.hs:]
	var pre, att []float32
	if a.preatt == nil {
		pre, att = floats(&s.apre, rows*Tk), floats(&s.aatt, rows*Tk)
	} else {
		base := (bh*Tq + i0) * Tk
		pre, att = a.preatt[base:base+rows*Tk], a.att[base:base+rows*Tk]
	}

	// Scores: pre[i, j] = scale · q_i · k_j for j < nk.
	a.gemm(s, false, true, rows, nk, a.hs, a.scale, qh, C, kh, C, pre, Tk)
	for i := 0; i < rows; i++ {
		last := Tk - Tq + i0 + i // the last key row i may see
		pr := pre[i*Tk : (i+1)*Tk]
		ar := att[i*Tk : (i+1)*Tk]
		sum := a.im.expSum(ar[:last+1], pr[:last+1], a.im.max(pr[:last+1]))
		inv := float32(1 / sum)
		for j := range ar[:last+1] {
			ar[j] *= inv
		}
		for j := last + 1; j < Tk; j++ {
			pr[j] = a.negInf
			ar[j] = 0
		}
	}
	// out_i = Σ_j att[i, j] · v_j over the visible keys (att is 0 beyond).
	a.gemm(s, false, false, rows, a.hs, nk, 1, att, Tk, vh, C, a.out[(b*Tq+i0)*C+h*a.hs:], C)
}

// gemm runs C = alpha·op(A)·op(B) on the calling worker alone, with its
// scratch: a task of a parallel job must not wait on other workers.
func (a *attnArgs) gemm(s *scratch, transA, transB bool, M, N, K int, alpha float32, x []float32, lda int, y []float32, ldb int, c []float32, ldc int) {
	g := gemmArgs{
		im: a.im, transA: transA, transB: transB, m: M, n: N, k: K, alpha: alpha,
		a: x, lda: lda, b: y, ldb: ldb, c: c, ldc: ldc,
	}
	n := g.plan(1)
	for t := 0; t < n; t++ {
		g.task(s, t)
	}
}
