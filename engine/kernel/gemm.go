package kernel

// Messages of the panics raised for malformed Gemm, MatMul and MatMulT
// arguments. Like gonum's blas and mat.ErrShape these are programmer errors
// (a slice too short for the stated shape), not input errors: callers
// validate user-supplied shapes before calling.
const (
	errNegDim    = "kernel: negative dimension"
	errLda       = "kernel: lda smaller than the row length of A"
	errLdb       = "kernel: ldb smaller than the row length of B"
	errLdc       = "kernel: ldc smaller than N"
	errShortA    = "kernel: a shorter than its shape"
	errShortB    = "kernel: b shorter than its shape"
	errShortC    = "kernel: c shorter than its shape"
	errShortBias = "kernel: bias shorter than N"
)

// Thresholds that decide how a Gemm runs.
const (
	// smallM is the largest M that takes the matrix-vector path: with so
	// few rows of A a register tile cannot be filled, and what matters is
	// streaming B exactly once at memory speed.
	smallM = 4

	// minParallelFlops is the least work (2·M·N·K) worth splitting across
	// workers, about 30 µs on one core: a helper that is still polling
	// joins within a few microseconds, a parked one takes about 40 µs to
	// wake on this machine.
	minParallelFlops = 1 << 22

	// minParallelB is the least size of B, in elements, worth splitting
	// across workers on the small-M path.
	minParallelB = 1 << 17

	// minAxpyRun is the fewest columns of B a task of the axpy path reads
	// per row.
	minAxpyRun = 256

	// tasksPerWorker splits a call into more tasks than workers, so a
	// worker slowed by a noisy neighbour does not hold up the others.
	tasksPerWorker = 4

	// packTasksPerWorker is tasksPerWorker for a blocked product that
	// packs B as it goes: finer tasks leave less of a product's tail to one
	// worker, and since a task's first block is packed behind arithmetic
	// (firstTiles) a task costs little more than its share of the work.
	// BenchmarkMatMulCold at M = 128, 8 against 4: +10 % geometric mean
	// over GPT-2's four shapes (five alternated runs, p < 0.02 for three);
	// BenchmarkMatMul at M = 512 and BenchmarkMatMulT at M = 128 were
	// unchanged (p > 0.3). Products that read B in place (M < 64) keep 4:
	// at 8, the 768 columns of the attention projection make tasks one
	// panel wide, and M = 16 lost 17 % there.
	packTasksPerWorker = 8
)

// gemmMode is the algorithm a Gemm call runs.
type gemmMode int

const (
	modeBlocked gemmMode = iota // packed, cache-blocked micro-kernel tiles
	modeAxpy                    // small M, B not transposed: rows of B axpy'd into C
	modeAxpyK                   // modeAxpy split by rows of B, partial sums reduced after
	modeDot                     // small M, B transposed: dot products of rows
)

// gemmArgs is one Gemm call, shared read-only by its tasks. Task t covers
// rows [rowChunk·(t/colTasks), …) and columns [colChunk·(t%colTasks), …)
// of C.
type gemmArgs struct {
	im   *impl
	mode gemmMode

	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	c              []float32
	ldc            int

	packB              bool // copy B into panels (always when B is transposed)
	rowChunk, colChunk int
	colTasks           int

	// modeAxpyK: task t sums rows [kChunk·t, …) of B into partial[t·M·N:]
	// (M×N, row stride N); finish adds the kTasks partials into C.
	kChunk, kTasks int
	partial        []float32

	// packed, when set, is B packed ahead of time (GemmPacked); b, ldb,
	// transB and packB are then unused.
	packed *Packed
}

// Gemm computes C = alpha·op(A)·op(B) + beta·C with BLAS sgemm semantics on
// row-major matrices. op(A) is M×K: A is stored M×K with row stride lda, or
// K×M when transA. op(B) is K×N: B is stored K×N with row stride ldb, or N×K
// when transB. C is M×N with row stride ldc. When beta is zero C is
// overwritten and never read, so NaNs in it are ignored; when alpha is zero
// or K is zero A and B are not read.
//
// Gemm splits the work across the Pool's workers and allocates nothing in
// the steady state. It panics with a "kernel: ..." message if a dimension is
// negative, a stride is smaller than its row length, or a slice is shorter
// than its shape requires; these are programmer errors, as in gonum's blas.
//
// For M ≤ 4, or with B transposed M ≤ 64 on amd64 and M ≤ 16 in pure Go
// (impl.dotM), Gemm streams B once (see gemvAxpy, gemvAxpyK and gemvDot);
// otherwise it runs the cache-blocked micro-kernel (see blockTask).
func (p *Pool) Gemm(transA, transB bool, M, N, K int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, M, N, K, a, lda, b, ldb, c, ldc)
	p.runGemm(gemmArgs{
		transA: transA, transB: transB,
		m: M, n: N, k: K,
		alpha: alpha, beta: beta,
		a: a, lda: lda,
		b: b, ldb: ldb,
		c: c, ldc: ldc,
	})
}

// runGemm runs a checked Gemm or GemmPacked call: it handles the empty and
// scaling-only cases, then plans the tasks and runs them on the workers.
func (p *Pool) runGemm(g gemmArgs) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.alpha == 0 || g.k == 0 {
		scaleRows(g.m, g.n, g.beta, g.c, g.ldc)
		return
	}
	g.im = p.im
	j := p.getJob()
	j.kind = jobGemm
	j.g = g
	tasks := j.g.plan(p.workers)
	if j.g.mode == modeAxpyK {
		j.g.partial = floats(&j.partial, tasks*g.m*g.n)
	}
	if tasks == 1 || p.workers == 1 {
		p.runInline(j, tasks)
		return
	}
	p.run(j, tasks)
}

// plan picks the algorithm and splits C into tasks, returning their number.
func (g *gemmArgs) plan(workers int) int {
	target := 1
	if g.packed == nil && (g.m <= smallM || (g.transB && g.m <= g.im.dotM)) {
		if g.transB {
			g.mode = modeDot
		} else {
			g.mode = modeAxpy
		}
		if workers > 1 && g.k*g.n >= minParallelB {
			target = tasksPerWorker * workers
			if g.mode == modeAxpy && g.k >= 4*target {
				// Split by rows of B: each task then streams one
				// contiguous run of B, which the prefetchers follow
				// far better than the short row segments of a column
				// split (decode steps 13% faster, median of 8 paired
				// runs).
				g.mode = modeAxpyK
				g.kChunk = roundUp(ceilDiv(g.k, target), 4)
				g.kTasks = ceilDiv(g.k, g.kChunk)
				return g.kTasks
			}
			if g.mode == modeAxpy {
				// Rows of B are read in runs of one task's width: keep
				// them at least minAxpyRun columns long (1 KiB) for the
				// prefetchers, in a multiple of the worker count.
				runs := max(1, g.n/minAxpyRun)
				if runs < target {
					target = max(min(runs, workers), runs-runs%workers)
				}
			}
		}
		// Columns per task: whole cache lines of C for the axpy path,
		// whole groups of four rows of B for the dot path.
		align := 16
		if g.mode == modeDot {
			align = 4
		}
		chunk := roundUp(ceilDiv(g.n, target), align)
		g.rowChunk, g.colChunk = g.m, chunk
		g.colTasks = ceilDiv(g.n, chunk)
		return g.colTasks
	}

	im := g.im
	g.mode = modeBlocked
	g.packB = g.transB || g.m >= im.packM
	if workers > 1 && (2*float64(g.m)*float64(g.n)*float64(g.k) >= minParallelFlops ||
		g.packed != nil && g.k*g.n >= minParallelB) {
		// A packed B with few rows of A is a stream from memory that
		// every core should share, as on the small-M paths.
		target = tasksPerWorker * workers
		if g.packB && g.packed == nil {
			target = packTasksPerWorker * workers
		}
	}
	panels := ceilDiv(g.n, im.nr)
	tiles := ceilDiv(g.m, im.mr)
	colTasks := min(panels, target)
	g.colChunk = ceilDiv(panels, colTasks) * im.nr
	g.colTasks = ceilDiv(g.n, g.colChunk)
	// When B is too narrow to give every worker columns, split rows too.
	// Each row task packs its own copy of the B block, which is cheap
	// next to the flops once M is large enough to be here.
	rowTasks := 1
	if g.colTasks < target {
		rowTasks = min(tiles, ceilDiv(target, g.colTasks))
	}
	g.rowChunk = ceilDiv(tiles, rowTasks) * im.mr
	rowTasks = ceilDiv(g.m, g.rowChunk)
	return rowTasks * g.colTasks
}

// task runs task t of g with the participant's scratch s.
func (g *gemmArgs) task(s *scratch, t int) {
	if g.mode == modeAxpyK {
		g.gemvAxpyK(s, t)
		return
	}
	i0 := (t / g.colTasks) * g.rowChunk
	j0 := (t % g.colTasks) * g.colChunk
	i1 := min(i0+g.rowChunk, g.m)
	j1 := min(j0+g.colChunk, g.n)
	switch g.mode {
	case modeBlocked:
		if g.packed != nil {
			g.packedTask(s, i0, i1, j0, j1)
			return
		}
		g.blockTask(s, i0, i1, j0, j1)
	case modeAxpy:
		g.gemvAxpy(s, j0, j1)
	case modeDot:
		g.gemvDot(s, j0, j1)
	}
}

// checkGemm panics unless the slices and strides fit the shapes.
func checkGemm(transA, transB bool, M, N, K int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	checkAC(transA, M, N, K, a, lda, c, ldc)
	checkB(transB, K, N, b, ldb, M > 0)
}

// checkB panics unless op(B) (K×N) fits its stride and, when read (a
// product with no rows of A never reads B), its slice.
func checkB(transB bool, K, N int, b []float32, ldb int, read bool) {
	br, bc := K, N
	if transB {
		br, bc = N, K
	}
	if ldb < max(1, bc) {
		panic(errLdb)
	}
	if read && br > 0 && bc > 0 && len(b) < (br-1)*ldb+bc {
		panic(errShortB)
	}
}

// checkAC panics unless op(A) (M×K) and C (M×N) fit their slices and
// strides.
func checkAC(transA bool, M, N, K int, a []float32, lda int, c []float32, ldc int) {
	if M < 0 || N < 0 || K < 0 {
		panic(errNegDim)
	}
	ar, ac := M, K
	if transA {
		ar, ac = K, M
	}
	if lda < max(1, ac) {
		panic(errLda)
	}
	if ldc < max(1, N) {
		panic(errLdc)
	}
	if M == 0 || N == 0 {
		return // nothing is read or written
	}
	if ar > 0 && ac > 0 && len(a) < (ar-1)*lda+ac {
		panic(errShortA)
	}
	if len(c) < (M-1)*ldc+N {
		panic(errShortC)
	}
}

// scaleRows sets C = beta·C for the M×N matrix C, writing zeros without
// reading C when beta is zero.
func scaleRows(M, N int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < M; i++ {
		row := c[i*ldc : i*ldc+N]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
