package kernel

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestParallelCoversEachIndex checks that every index runs exactly once.
func TestParallelCoversEachIndex(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		p := NewPool(workers)
		for _, n := range []int{0, 1, 2, 3, 17, 1000} {
			counts := make([]atomic.Int32, n)
			p.Parallel(n, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Errorf("workers=%d n=%d: index %d ran %d times, want 1", workers, n, i, c)
				}
			}
		}
		p.Close()
	}
}

// TestParallelUsesHelpers checks that a Pool of two workers really runs
// tasks on two goroutines at once: each task waits, with a deadline, until
// the other one has started. A pool that ran them one after the other
// would let the first task time out, and the test fails instead of hanging.
func TestParallelUsesHelpers(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	var started sync.WaitGroup
	started.Add(2)
	together := make(chan struct{})
	go func() { started.Wait(); close(together) }()
	var met atomic.Int32
	p.Parallel(2, func(i int) {
		started.Done()
		select {
		case <-together:
			met.Add(1)
		case <-time.After(10 * time.Second):
		}
	})
	if got := met.Load(); got != 2 {
		t.Errorf("%d of 2 tasks saw the other one running: the pool did not run them at once", got)
	}
}

// TestPoolWorkers checks the worker count, including the GOMAXPROCS default.
func TestPoolWorkers(t *testing.T) {
	tests := []struct{ in, want int }{
		{0, runtime.GOMAXPROCS(0)},
		{-3, runtime.GOMAXPROCS(0)},
		{1, 1},
		{3, 3},
	}
	for _, tt := range tests {
		p := NewPool(tt.in)
		if got := p.Workers(); got != tt.want {
			t.Errorf("NewPool(%d).Workers() = %d, want %d", tt.in, got, tt.want)
		}
		p.Close()
	}
}

// TestParallelPanic checks that a task's panic reaches the caller after the
// other tasks finish, and that the Pool still works afterwards.
func TestParallelPanic(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	var ran atomic.Int32
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want boom", r)
			}
		}()
		p.Parallel(50, func(i int) {
			ran.Add(1)
			if i == 3 {
				panic("boom")
			}
		})
		t.Error("Parallel returned normally after a task panicked")
	}()
	if ran.Load() == 0 {
		t.Error("no task ran")
	}
	var n atomic.Int32
	p.Parallel(10, func(int) { n.Add(1) })
	if n.Load() != 10 {
		t.Errorf("after a panic, Parallel ran %d of 10 tasks", n.Load())
	}
}

// TestPoolClose checks that Close is idempotent and that a closed Pool
// still computes, on the calling goroutine.
func TestPoolClose(t *testing.T) {
	p := NewPool(3)
	p.Close()
	p.Close()
	var n atomic.Int32
	p.Parallel(7, func(int) { n.Add(1) })
	if n.Load() != 7 {
		t.Errorf("closed Pool ran %d of 7 tasks", n.Load())
	}
	rng := rand.New(rand.NewPCG(4, 0))
	runCase(t, "closed", p, gemmCase{m: 70, n: 300, k: 200, alpha: 1}, rng)
}

// TestPoolConcurrentAndNested runs Gemm from several goroutines at once on
// one Pool, and from inside Parallel tasks (as the engine does per attention
// head), checking every result. Run it with -race.
func TestPoolConcurrentAndNested(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	cases := []gemmCase{
		{m: 1, n: 3000, k: 300, alpha: 1},
		{transB: true, m: 2, n: 2000, k: 100, alpha: 1},
		{m: 40, n: 500, k: 300, alpha: 1, beta: 1},
		{transA: true, m: 130, n: 200, k: 300, alpha: 0.5},
		{transB: true, m: 100, n: 300, k: 200, alpha: 1},
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(5, uint64(g)))
			for it := 0; it < 6; it++ {
				runCase(t, fmt.Sprintf("goroutine %d", g), p, cases[(g+it)%len(cases)], rng)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Each task gets its own rng: tasks run concurrently.
		p.Parallel(6, func(i int) {
			rng := rand.New(rand.NewPCG(6, uint64(i)))
			runCase(t, fmt.Sprintf("task %d", i), p, cases[i%len(cases)], rng)
			p.Parallel(3, func(int) {})
		})
	}()
	wg.Wait()
}

// TestSteadyStateAllocs checks that, after a warm-up call, MatMul, MatMulT,
// Gemm and Parallel allocate nothing, on the parallel and the inline paths.
func TestSteadyStateAllocs(t *testing.T) {
	p := NewPool(2)
	defer p.Close()
	rng := rand.New(rand.NewPCG(8, 0))
	tests := []struct{ m, k, n int }{
		{1, 768, 2304}, {4, 300, 700}, {16, 768, 768}, {128, 768, 768}, {8, 64, 8},
	}
	for _, tt := range tests {
		in := randSlice(tt.m*tt.k, rng)
		w := randSlice(tt.k*tt.n, rng)
		bias := randSlice(tt.n, rng)
		out := make([]float32, tt.m*tt.n)
		calls := map[string]func(){
			"MatMul":  func() { p.MatMul(out, in, w, bias, tt.m, tt.k, tt.n) },
			"MatMulT": func() { p.MatMulT(out, in, w, nil, tt.m, tt.k, tt.n) },
			"GemmTA": func() {
				p.Gemm(true, false, tt.m, tt.n, tt.k, 1, w[:tt.k*tt.m], tt.m, w, tt.n, 0, out, tt.n)
			},
		}
		for name, f := range calls {
			f()
			if a := testing.AllocsPerRun(20, f); a != 0 {
				t.Errorf("%s M=%d K=%d N=%d: %v allocations per call, want 0", name, tt.m, tt.k, tt.n, a)
			}
		}
	}
	var sink atomic.Int64
	task := func(i int) { sink.Add(int64(i)) } // the caller's closure, made once
	f := func() { p.Parallel(16, task) }
	f()
	if a := testing.AllocsPerRun(20, f); a != 0 {
		t.Errorf("Parallel: %v allocations per call, want 0", a)
	}
}
