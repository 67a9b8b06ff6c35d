//go:build unix

// Command processes times the explorer as users meet it, one whole process
// per command, next to PyTorch's in-process forward pass on the same
// machine in the same run.
//
// It writes a GPT-2-small-shaped checkpoint with seeded random weights in
// Hugging Face layout (once; -dir), builds the explorer (or takes the
// binaries given with -explorer, to compare builds), and then, for a
// number of rounds, runs each case once with each binary and once in
// PyTorch (the reference script torch_gpt2.py), alternating, so that the
// drift of a shared machine hits all alike. Each round starts with the
// next binary in turn: the binary that runs right after PyTorch pays more
// for fresh memory (PyTorch has just freed about 1 GB), and with a fixed
// order the first binary always did. It prints, per case, the
// median wall time, CPU time (user+system) and peak RSS of the explorer's
// process, PyTorch's median in-process time, and their ratio
// explorer wall time / PyTorch time (below 1: the explorer's whole process
// took less time than PyTorch's forward pass alone), and the median and
// range of the same ratio taken round by round (pairedRatio).
//
// Cases:
//
//	tokenize         explorer tokenize --prompt TEXT (no PyTorch counterpart)
//	logits T=n       explorer trace --ids (n random ids) --hooks logits,
//	                 vs torch_gpt2.py --mode forward --T n (logits of all n positions)
//	full T=n         explorer trace --hooks (every hook but the logit lens),
//	                 vs torch_gpt2.py --mode trace --T n
//
// Usage, from the repository root:
//
//	go run ./bench/processes [-rounds 5] [-T 16,128,512] [-full 512] [-explorer a,b]
//
// PyTorch comes from Debian (apt-get install -y python3-torch
// libopenblas0-pthread, run with /usr/bin/python3). Debian's OpenBLAS
// 0.3.21 does not recognise every virtualised Xeon and then falls back to
// its slow generic kernels; -coretype sets OPENBLAS_CORETYPE (check the
// kernel it names against numpy float64 first; OPENBLAS_VERBOSE=2 prints
// the one it runs). Without PyTorch the explorer is timed alone.
package main

import (
	"encoding/json"
	"errors"
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
)

func main() {
	rounds := flag.Int("rounds", 5, "alternating runs of every case")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "explorer-bench-gpt2-small"), "the random GPT-2 small checkpoint (written when absent)")
	bins := flag.String("explorer", "", "comma-separated explorer binaries to compare (default: build ./cmd/explorer)")
	sizes := flag.String("T", "16,128,512", "prompt lengths of the logits cases")
	full := flag.String("full", "512", "prompt lengths of the full-trace cases (empty for none)")
	script := flag.String("torch", "../shared/bench/torch_gpt2.py", "PyTorch reference script (run, never copied)")
	python := flag.String("python", "/usr/bin/python3", "Python with Debian's torch")
	coretype := flag.String("coretype", "Cooperlake", "OPENBLAS_CORETYPE for PyTorch, unless already set")
	writeOnly := flag.Bool("write-checkpoint", false, "only write the checkpoint (the command runs itself so, see run)")
	flag.Parse()
	if *writeOnly {
		err := writeCheckpoint(*dir, "testdata/conformance/gpt2-tokenizer")
		if err == nil {
			err = benchenv.EnsureHugeCached(filepath.Join(*dir, "model.safetensors"), os.Stderr)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "processes: write the checkpoint:", err)
			os.Exit(1)
		}
		return
	}
	if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); !set && *coretype != "" {
		os.Setenv("OPENBLAS_CORETYPE", *coretype)
	}
	if err := run(*rounds, *dir, *bins, *sizes, *full, *script, *python); err != nil {
		fmt.Fprintln(os.Stderr, "processes:", err)
		os.Exit(1)
	}
}

// A benchCase is one line of the table.
type benchCase struct {
	name  string
	args  []string // explorer arguments; "OUT" is replaced by a temporary file
	torch []string // torch_gpt2.py arguments, nil for none
	key   string   // the JSON key of PyTorch's seconds
}

// A sample is one run of an explorer process.
type sample struct {
	wall, cpu time.Duration
	rssKB     int64
}

func cases(dir, sizes, full string) ([]benchCase, error) {
	cs := []benchCase{{name: "tokenize", args: []string{"tokenize", "--model", dir, "--prompt", "The quick brown fox jumps over the lazy dog."}}}
	for _, list := range []struct {
		s    string
		full bool
	}{{sizes, false}, {full, true}} {
		for _, f := range strings.Split(list.s, ",") {
			if f == "" {
				continue
			}
			T, err := strconv.Atoi(f)
			if err != nil || T < 1 || T > 1024 {
				return nil, fmt.Errorf("prompt length %q: want 1..1024", f)
			}
			c := benchCase{
				name:  fmt.Sprintf("logits T=%d", T),
				args:  []string{"trace", "--model", dir, "--ids", randomIDs(T), "--hooks", "logits", "--out", "OUT"},
				torch: []string{"--mode", "forward", "--T", f, "--runs", "3", "--warmup", "1"},
				key:   "median_s",
			}
			if list.full {
				c.name = fmt.Sprintf("full trace T=%d", T)
				c.args[6] = "hook_embed,hook_pos_embed,blocks.**,ln_final.**,logits,next.**"
				c.torch = []string{"--mode", "trace", "--T", f, "--runs", "2", "--warmup", "1"}
			}
			cs = append(cs, c)
		}
	}
	return cs, nil
}

// randomIDs returns T seeded token ids below GPT-2's 50257, comma-separated.
func randomIDs(T int) string {
	r := rand.New(rand.NewPCG(uint64(T), 1))
	ids := make([]string, T)
	for i := range ids {
		ids[i] = strconv.Itoa(r.IntN(50257))
	}
	return strings.Join(ids, ",")
}

func run(rounds int, dir, binList, sizes, full, script, python string) error {
	fmt.Fprintln(os.Stderr, "checkpoint:", dir)
	// Another process writes it (and rewrites it when the page cache holds
	// it in small folios, benchenv.EnsureHugeCached): Linux reports as a
	// child's peak RSS the peak of the process it was forked from, if
	// higher, and writing or mapping the checkpoint takes 500 MB.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	write := exec.Command(self, "-write-checkpoint", "-dir", dir)
	write.Stderr = os.Stderr
	if err := write.Run(); err != nil {
		return fmt.Errorf("write the checkpoint: %w", err)
	}
	bins := strings.Split(binList, ",")
	if binList == "" {
		out, err := filepath.Abs(filepath.Join("bench", "out", "explorer"))
		if err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "building", out)
		build := exec.Command("go", "build", "-o", out, "./cmd/explorer")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
		bins = []string{out}
	}
	cs, err := cases(dir, sizes, full)
	if err != nil {
		return err
	}
	haveTorch, err := benchenv.Torch(python, script, "the explorer", os.Stderr)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "explorer-processes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	got := make([][][]sample, len(cs)) // [case][binary][round]
	tch := make([][]float64, len(cs))
	for i := range got {
		got[i] = make([][]sample, len(bins))
	}
	for r := 0; r < rounds; r++ {
		for i, c := range cs {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", r+1, rounds, c.name)
			for k := range bins {
				j := (k + r) % len(bins)
				bin := bins[j]
				s, err := runExplorer(bin, c, filepath.Join(tmp, "out.safetensors"))
				if err != nil {
					return fmt.Errorf("%s: %s: %w", c.name, bin, err)
				}
				got[i][j] = append(got[i][j], s)
			}
			if haveTorch && c.torch != nil {
				sec, err := runTorch(python, script, c)
				if err != nil {
					return fmt.Errorf("%s: torch: %w", c.name, err)
				}
				tch[i] = append(tch[i], sec)
			}
		}
	}

	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nGPT-2 small shape, random weights (%s), %d rounds, medians; ratio = explorer process wall time / PyTorch in-process time (OPENBLAS_CORETYPE=%s; load average at the end: %s)\n\n",
		dir, rounds, os.Getenv("OPENBLAS_CORETYPE"), strings.TrimSpace(string(load)))
	fmt.Printf("| %-18s | %-28s | %10s | %10s | %12s | %10s | %6s | %-22s |\n", "case", "explorer", "wall", "CPU", "peak RSS", "PyTorch", "ratio", "paired ratio (range)")
	fmt.Printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", dash(20), dash(30), dash(12), dash(12), dash(14), dash(12), dash(8), dash(24))
	for i, c := range cs {
		for j, bin := range bins {
			wall, cpu, rss := medians(got[i][j])
			ts, ratio, paired := "-", "-", "-"
			if len(tch[i]) > 0 {
				t := median(tch[i])
				ts, ratio = fmt.Sprintf("%.0f ms", t*1e3), fmt.Sprintf("%.2f", wall.Seconds()/t)
				med, lo, hi := pairedRatio(got[i][j], tch[i])
				paired = fmt.Sprintf("%.2f (%.2f–%.2f)", med, lo, hi)
			}
			fmt.Printf("| %-18s | %-28s | %7.0f ms | %7.0f ms | %9.0f MB | %10s | %6s | %-22s |\n",
				c.name, shortName(bin), wall.Seconds()*1e3, cpu.Seconds()*1e3, float64(rss)/1024, ts, ratio, paired)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "model.safetensors")); err == nil {
		fmt.Printf("\ncheckpoint: %.0f MB; spread (max/min wall) per case and binary:", float64(st.Size())/1e6)
		for i, c := range cs {
			for j := range bins {
				fmt.Printf(" %s %.2f;", c.name, spread(got[i][j]))
			}
		}
		fmt.Println()
	}
	return nil
}

func dash(n int) string { return strings.Repeat("-", n) }

// shortName names a binary by its last two path elements.
func shortName(bin string) string {
	d, f := filepath.Split(bin)
	return filepath.Join(filepath.Base(d), f)
}

// runExplorer runs one case as a process and returns its wall time, CPU
// time and peak RSS.
func runExplorer(bin string, c benchCase, out string) (sample, error) {
	args := slices.Clone(c.args)
	for i, a := range args {
		if a == "OUT" {
			args[i] = out
		}
	}
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	wall := time.Since(start)
	os.Remove(out)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, errors.New("no resource usage for the process")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return sample{wall: wall, cpu: cpu, rssKB: ru.Maxrss}, nil
}

// runTorch runs the PyTorch reference once and returns its median seconds.
func runTorch(python, script string, c benchCase) (float64, error) {
	cmd := exec.Command(python, append([]string{script}, c.torch...)...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		return 0, fmt.Errorf("parse the output: %w", err)
	}
	sec, ok := m[c.key].(float64)
	if !ok {
		return 0, fmt.Errorf("no %q in %s", c.key, lines[len(lines)-1])
	}
	return sec, nil
}

func medians(ss []sample) (wall, cpu time.Duration, rssKB int64) {
	var w, c, r []float64
	for _, s := range ss {
		w = append(w, float64(s.wall))
		c = append(c, float64(s.cpu))
		r = append(r, float64(s.rssKB))
	}
	return time.Duration(median(w)), time.Duration(median(c)), int64(median(r))
}

// pairedRatio returns the median, lowest and highest of the per-round
// ratios ss[r].wall / torch[r]: each explorer run against PyTorch's run of
// the same round, minutes apart at most, so that a busy spell of the host
// weighs on both sides of a ratio instead of on one median.
func pairedRatio(ss []sample, torch []float64) (med, lo, hi float64) {
	n := min(len(ss), len(torch))
	rs := make([]float64, n)
	for r := range rs {
		rs[r] = ss[r].wall.Seconds() / torch[r]
	}
	return median(rs), slices.Min(rs), slices.Max(rs)
}

func spread(ss []sample) float64 {
	lo, hi := ss[0].wall, ss[0].wall
	for _, s := range ss {
		lo, hi = min(lo, s.wall), max(hi, s.wall)
	}
	return float64(hi) / float64(lo)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}
