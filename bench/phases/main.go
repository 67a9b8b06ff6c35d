//go:build unix

// Command phases breaks one `explorer trace` process into its phases, as
// the command runs them (engine.LoadDir, engine.CreateTraceFile,
// Model.Record into the file, Close), with the wall time, the CPU time
// (user+system) and the page faults of each, and the time each block of
// the pass ends. Every round runs in a fresh process (the command runs
// itself with -child), so that first-touch costs are counted as a user
// meets them; the parent prints the medians.
//
// Usage, from the repository root:
//
//	go run ./bench/phases -model DIR [-T 128] [-hooks logits] [-rounds 5] [-again 0] [-tokenizer-cache DIR] [-checked DIR]
//
// The pass reports blocks.{l}.hook_resid_pre and ln_final.hook_normalized
// to a timing wrapper besides the hooks asked for, which costs a function
// call each (they are borrowed, not copied).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/transformer-explorer/explorer/bench/internal/benchenv"
	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/trace"
)

// A phase is one timed part of a child's run.
type phase struct {
	Name         string
	Wall, CPU    time.Duration
	MinFlt, MajF int64
}

func main() {
	model := flag.String("model", filepath.Join(os.TempDir(), "explorer-bench-gpt2-small"), "the checkpoint directory")
	T := flag.Int("T", 128, "prompt length (seeded random ids)")
	hooks := flag.String("hooks", "logits", "hooks to trace, as explorer trace --hooks")
	rounds := flag.Int("rounds", 5, "fresh processes to run")
	out := flag.String("out", filepath.Join(os.TempDir(), "explorer-phases.safetensors"), "the trace file (removed after each round)")
	cache := flag.String("tokenizer-cache", filepath.Join(os.TempDir(), "explorer-phases-tokenizers"), "the tokenizer cache, as explorer's (filled before the first round); empty: none, as with EXPLORER_CACHE=off")
	checked := flag.String("checked", filepath.Join(os.TempDir(), "explorer-phases-checked"), "the records of checked weight files, as explorer's (filled before the first round); empty: none, every round reads all the weights to check them")
	again := flag.Int("again", 0, "passes to run after the traced one in the same process, tracing the same hooks to memory (what a pass costs once the first touches are paid)")
	child := flag.Bool("child", false, "run one round and print its phases as JSON")
	flag.Parse()
	opts := engine.LoadOptions{TokenizerCache: *cache, CheckedWeights: *checked}
	if *child {
		ps, err := runChild(opts, *model, *T, *hooks, *out, *again)
		if err != nil {
			fmt.Fprintln(os.Stderr, "phases:", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(ps)
		return
	}
	err := benchenv.EnsureHugeCached(filepath.Join(*model, "model.safetensors"), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "phases:", err)
		os.Exit(1)
	}
	m, _, err := opts.LoadDir(context.Background(), *model) // fills the caches
	if err != nil {
		fmt.Fprintln(os.Stderr, "phases:", err)
		os.Exit(1)
	}
	m.Close()
	if err := runParent(*model, *cache, *checked, *T, *hooks, *rounds, *out, *again); err != nil {
		fmt.Fprintln(os.Stderr, "phases:", err)
		os.Exit(1)
	}
}

func runParent(model, cache, checked string, T int, hooks string, rounds int, out string, again int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var all [][]phase
	for r := 0; r < rounds; r++ {
		cmd := exec.Command(self, "-child", "-model", model, "-tokenizer-cache", cache, "-checked", checked, "-T", strconv.Itoa(T), "-hooks", hooks, "-out", out, "-again", strconv.Itoa(again))
		cmd.Stderr = os.Stderr
		cmd.Env = append(os.Environ(), "PHASES_EXEC_NS="+strconv.FormatInt(time.Now().UnixNano(), 10))
		b, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		var ps []phase
		if err := json.Unmarshal(b, &ps); err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		all = append(all, ps)
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("explorer trace phases, T=%d, hooks %s, %d fresh processes, medians (load average %s)\n\n", T, hooks, rounds, strings.TrimSpace(string(load)))
	fmt.Printf("| %-26s | %9s | %9s | %8s |\n", "phase", "wall ms", "CPU ms", "minflt")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", 28), strings.Repeat("-", 11), strings.Repeat("-", 11), strings.Repeat("-", 10))
	for i, p := range all[0] {
		var w, c, f []float64
		for _, ps := range all {
			w = append(w, float64(ps[i].Wall))
			c = append(c, float64(ps[i].CPU))
			f = append(f, float64(ps[i].MinFlt))
		}
		fmt.Printf("| %-26s | %9.1f | %9.1f | %8.0f |\n", p.Name, median(w)/1e6, median(c)/1e6, median(f))
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// clock reads the wall clock, the process's CPU time and its page faults.
type clock struct {
	wall     time.Time
	cpu      time.Duration
	min, maj int64
}

func now() clock {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return clock{time.Now(), time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), ru.Minflt, ru.Majflt}
}

// phases records the phases of a child, each from the end of the last.
type phases struct {
	last clock
	list []phase
}

func (p *phases) mark(name string) {
	c := now()
	p.list = append(p.list, phase{name, c.wall.Sub(p.last.wall), c.cpu - p.last.cpu, c.min - p.last.min, c.maj - p.last.maj})
	p.last = c
}

func runChild(opts engine.LoadOptions, model string, T int, hooks, out string, again int) ([]phase, error) {
	var p phases
	p.last = now()
	// Until main: exec, the runtime's start and package init. CPU time
	// and faults so far are all the process's.
	if ns, err := strconv.ParseInt(os.Getenv("PHASES_EXEC_NS"), 10, 64); err == nil {
		p.list = append(p.list, phase{"exec, runtime, init", p.last.wall.Sub(time.Unix(0, ns)), p.last.cpu, p.last.min, p.last.maj})
	}
	ctx := context.Background()
	m, tok, err := opts.LoadDir(ctx, model)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	p.mark("LoadDir (map, check, tokenizer)")
	r := rand.New(rand.NewPCG(uint64(T), 1))
	ids := make([]int, T)
	for i := range ids {
		ids[i] = r.IntN(m.Config.VocabSize)
	}
	sel, err := trace.Select(m.Config.NLayer, strings.Split(hooks, ",")...)
	if err != nil {
		return nil, err
	}
	w, err := engine.CreateTraceFile(out, m, tok, sel, "", ids)
	if err != nil {
		return nil, err
	}
	defer os.Remove(out)
	p.mark("CreateTraceFile")
	tw := &timing{inner: w, p: &p, L: m.Config.NLayer}
	if err := m.Record(ctx, ids, tw); err != nil {
		w.Abort()
		return nil, err
	}
	p.mark("logits, after the blocks")
	p.list = append(p.list, phase{Name: "  of which writing hooks", Wall: tw.write, CPU: tw.writeCPU})
	if err := w.Close(); err != nil {
		return nil, err
	}
	p.mark("Close (header, rename)")
	keep := &reuse{sel: sel, bufs: map[string][]float32{}}
	for i := range again {
		if err := m.Record(ctx, ids, keep); err != nil {
			return nil, err
		}
		p.mark(fmt.Sprintf("pass %d, to memory", i+2))
	}
	return p.list, nil
}

// timing passes hooks to inner and marks a phase at the first hook of
// every block and at the final LayerNorm.
type timing struct {
	inner    *trace.FileWriter
	p        *phases
	L        int
	block    int
	write    time.Duration
	writeCPU time.Duration
}

func (t *timing) marker(name string) bool {
	return strings.HasSuffix(name, ".hook_resid_pre") || name == trace.LNFinalNormalized
}

func (t *timing) Wants(name string) bool { return t.inner.Wants(name) || t.marker(name) }

func (t *timing) Record(x trace.Tensor) error {
	if t.marker(x.Name) {
		switch {
		case x.Name == trace.LNFinalNormalized:
			t.p.mark(fmt.Sprintf("blocks %d-%d", t.block, t.L-1))
		case x.Name == trace.Block(0, trace.ResidPre):
			t.p.mark("embeddings")
		case x.Name == trace.Block(t.L/2, trace.ResidPre):
			t.p.mark(fmt.Sprintf("blocks 0-%d", t.L/2-1))
			t.block = t.L / 2
		}
	}
	if !t.inner.Wants(x.Name) {
		return nil
	}
	c := now()
	err := t.inner.Record(x)
	d := now()
	t.write += d.wall.Sub(c.wall)
	t.writeCPU += d.cpu - c.cpu
	return err
}

// reuse lends the hooks of sel the same memory on every pass, so that
// passes after the first do not pay for fresh memory.
type reuse struct {
	sel  trace.Selection
	bufs map[string][]float32
}

func (r *reuse) Wants(name string) bool      { return r.sel.Match(name) }
func (r *reuse) Record(x trace.Tensor) error { return nil }

func (r *reuse) Lend(name string, n int) []float32 {
	if b := r.bufs[name]; len(b) == n {
		return b
	}
	r.bufs[name] = make([]float32, n)
	return r.bufs[name]
}
