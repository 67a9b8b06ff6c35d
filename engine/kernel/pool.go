package kernel

import (
	"runtime"
	"sync"
)

// A Pool is a persistent set of worker goroutines that the kernels split
// work across. Starting goroutines per call scales badly on a small machine,
// so a Pool starts them once and parks them between calls.
//
// A Pool of w workers starts w−1 helper goroutines: the goroutine that calls
// Parallel, Gemm, MatMul or MatMulT is always the remaining worker and runs
// tasks itself. Work is handed out as an atomic counter of task indices that
// the caller and every helper it recruited drain together, and a caller only
// recruits helpers that are idle. So a Pool is safe for concurrent use by
// several goroutines, and calls may be nested (a Parallel task may call
// Gemm): when every helper is busy, a call simply runs on its own goroutine.
// No call ever waits for a task that nobody has claimed, so calls cannot
// deadlock.
//
// An idle helper polls for new work for 200 µs before it parks, so that the
// back-to-back calls of a forward pass find it awake (see helperSpin).
//
// A Pool also owns the scratch memory of its kernels (packing buffers), one
// set per concurrent participant, so steady-state calls allocate nothing.
// The helper goroutines run until Close is called.
type Pool struct {
	workers int
	im      *impl
	helpers []*helper
	wg      sync.WaitGroup // running helper goroutines

	mu      sync.Mutex
	scratch []*scratch // free scratch for calling goroutines
	jobs    []*job     // free job records
}

// NewPool returns a Pool with the given number of workers, counting the
// calling goroutine; workers <= 0 means runtime.GOMAXPROCS(0). The kernels
// are the fastest this CPU supports (AVX-512, else AVX2+FMA, else pure Go).
// Call Close to stop the helper goroutines.
func NewPool(workers int) *Pool {
	return newPoolImpl(workers, bestImpl())
}

// newPoolImpl returns a Pool that runs the given kernel set; tests use it to
// force each code path.
func newPoolImpl(workers int, im *impl) *Pool {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	p := &Pool{workers: workers, im: im}
	p.helpers = make([]*helper, workers-1)
	for i := range p.helpers {
		h := &helper{wake: make(chan *job, 1)}
		h.state.Store(helperSpinning)
		p.helpers[i] = h
		p.wg.Add(1)
		go h.loop(&p.wg)
	}
	return p
}

// Workers returns the number of workers, counting the calling goroutine.
func (p *Pool) Workers() int { return p.workers }

// Close stops the helper goroutines and waits for them to exit. Calls that
// are running finish first. After Close the Pool still works, with every call
// running on its caller's goroutine. Close is idempotent; it must not be
// called from inside a Parallel task of the same Pool.
func (p *Pool) Close() {
	for _, h := range p.helpers {
		h.close()
	}
	p.wg.Wait()
}

// Parallel runs fn(i) for every i in [0, n) across the workers and returns
// when all calls are done. Calls of fn run concurrently, in no fixed order,
// and may themselves use the Pool. If fn panics, Parallel waits for the
// other running tasks and then panics with the same value in the caller.
func (p *Pool) Parallel(n int, fn func(i int)) {
	if n <= 0 {
		return
	}
	if n == 1 || p.workers == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	j := p.getJob()
	j.kind = jobFunc
	j.fn = fn
	p.run(j, n)
}

// run executes the n tasks of j with as many idle helpers as are useful,
// then recycles j.
func (p *Pool) run(j *job, n int) {
	j.n = int64(n)
	j.next.Store(0)
	j.pending.Store(1)
	want := min(n, p.workers) - 1
	for _, h := range p.helpers {
		if want == 0 {
			break
		}
		if h.offer(j) {
			want--
		}
	}
	s := p.getScratch()
	j.work(s)
	p.putScratch(s)
	if j.pending.Add(-1) != 0 {
		<-j.done
	}
	pv := j.panicVal
	if pv == nil && j.kind == jobGemm {
		j.g.finish()
	}
	p.putJob(j)
	if pv != nil {
		panic(pv)
	}
}

// runInline runs the n tasks of the Gemm job j on the calling goroutine
// alone, then recycles j.
func (p *Pool) runInline(j *job, n int) {
	s := p.getScratch()
	for i := 0; i < n; i++ {
		j.g.task(s, i)
	}
	p.putScratch(s)
	j.g.finish()
	p.putJob(j)
}

func (p *Pool) getScratch() *scratch {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.scratch); k > 0 {
		s := p.scratch[k-1]
		p.scratch = p.scratch[:k-1]
		return s
	}
	return new(scratch)
}

func (p *Pool) putScratch(s *scratch) {
	p.mu.Lock()
	p.scratch = append(p.scratch, s)
	p.mu.Unlock()
}

func (p *Pool) getJob() *job {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.jobs); k > 0 {
		j := p.jobs[k-1]
		p.jobs = p.jobs[:k-1]
		return j
	}
	return &job{done: make(chan struct{}, 1)}
}

// putJob clears j's references to caller memory and returns it to the free
// list. Only the caller that ran j calls putJob, after every helper left.
func (p *Pool) putJob(j *job) {
	j.fn = nil
	j.g = gemmArgs{}
	j.a = attnArgs{}
	j.panicVal = nil
	p.mu.Lock()
	p.jobs = append(p.jobs, j)
	p.mu.Unlock()
}
