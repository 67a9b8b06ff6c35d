// Command sidebyside times the engine on a GPT-2-small-shaped model with
// random weights next to the same model in PyTorch on the same machine,
// and prints the ratio of their times.
//
// It builds the engine's test binary, then, for a number of rounds, runs
// each case once in the engine (its BenchmarkForward and BenchmarkGenerate)
// and once in PyTorch (the reference script torch_gpt2.py, run with
// /usr/bin/python3), alternating so that the drift of a shared machine hits
// both alike. It prints the median of each side and the ratio
// engine time / PyTorch time (below 1 means the engine is faster), and
// writes the engine's raw benchmark lines to -out for benchstat. Without
// PyTorch it times the engine alone.
//
// Usage, from the repository root:
//
//	go run ./bench/sidebyside [-rounds 3] [-torch ../shared/bench/torch_gpt2.py] [-cases fwd,trace,gen]
//
// PyTorch comes from Debian: apt-get install -y python3-torch
// libopenblas0-pthread (without OpenBLAS torch falls back to a reference
// BLAS 50× slower and the ratio means nothing). Debian's OpenBLAS 0.3.21
// does not recognise some virtualised Xeons and falls back to its generic
// "Prescott" kernels (OPENBLAS_VERBOSE=2 shows the choice), about 10×
// slower than its AVX-512 ones; so that PyTorch runs at its best,
// sidebyside sets OPENBLAS_CORETYPE (-coretype, SkylakeX by default) unless
// the environment already does. Set -coretype "" to leave it alone.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/transformer-explorer/explorer/bench/internal/benchenv"
)

// A benchCase is one line of the table: an engine benchmark and the
// PyTorch run that measures the same work.
type benchCase struct {
	name  string
	T     int      // prompt length of a forward case, 0 for generation
	bench string   // -test.bench pattern selecting exactly one engine benchmark
	iters int      // -test.benchtime iterations per engine run
	torch []string // torch_gpt2.py arguments
	// torchKey picks the seconds out of the script's JSON.
	torchKey func(map[string]any) (float64, bool)
	gen      bool // report tokens/s (64 tokens) as well as time
}

func cases() []benchCase {
	var cs []benchCase
	// Each prompt length is timed twice: without a trace against PyTorch's
	// forward, and with every hook recorded against its traced forward.
	modes := []struct {
		name, trace, torchMode string
		torchKey               func(map[string]any) (float64, bool)
	}{
		// The engine computes the last position's logits only.
		{"no trace", "none", "forward", path("last_logits_only", "median_s")},
		{"full trace", "full", "trace", path("median_s")},
	}
	for _, m := range modes {
		for _, T := range []int{16, 128, 512} {
			t := strconv.Itoa(T)
			cs = append(cs, benchCase{
				name:     "forward T=" + t + ", " + m.name,
				T:        T,
				bench:    "^BenchmarkForward$/^T=" + t + "/trace=" + m.trace + "/weights=packed$",
				iters:    map[int]int{16: 20, 128: 5, 512: 2}[T],
				torch:    []string{"--mode", m.torchMode, "--T", t, "--runs", "5", "--warmup", "1"},
				torchKey: m.torchKey,
			})
		}
	}
	cs = append(cs, benchCase{
		name:  "generate 64 tokens (prompt 32, KV cache)",
		bench: "^BenchmarkGenerate$/^weights=packed$",
		iters: 2,
		torch: []string{"--mode", "generate", "--prompt", "32", "--new", "64", "--runs", "3", "--warmup", "1"},
		// The faster of PyTorch's two cached variants (nn.Linear, or gemv
		// for single rows).
		torchKey: func(m map[string]any) (float64, bool) {
			a, ok1 := path("kv_cache", "median_s")(m)
			b, ok2 := path("kv_cache_gemv", "median_s")(m)
			if !ok1 || !ok2 {
				return 0, false
			}
			return min(a, b), true
		},
		gen: true,
	})
	return cs
}

// path returns a getter for a number nested in decoded JSON.
func path(keys ...string) func(map[string]any) (float64, bool) {
	return func(m map[string]any) (float64, bool) {
		for _, k := range keys[:len(keys)-1] {
			sub, ok := m[k].(map[string]any)
			if !ok {
				return 0, false
			}
			m = sub
		}
		v, ok := m[keys[len(keys)-1]].(float64)
		return v, ok
	}
}

func main() {
	rounds := flag.Int("rounds", 3, "alternating engine/PyTorch runs per case")
	script := flag.String("torch", "../shared/bench/torch_gpt2.py", "PyTorch reference script (run, never copied)")
	python := flag.String("python", "/usr/bin/python3", "Python with Debian's torch")
	only := flag.String("cases", "fwd,trace,gen", "comma-separated subset of fwd, trace, gen")
	sizes := flag.String("T", "16,128,512", "comma-separated prompt lengths of the forward cases")
	out := flag.String("out", "bench/out/engine.txt", "file for the engine's raw benchmark lines (benchstat input)")
	coretype := flag.String("coretype", "SkylakeX", "OPENBLAS_CORETYPE for PyTorch, unless already set")
	flag.Parse()
	if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); !set && *coretype != "" {
		os.Setenv("OPENBLAS_CORETYPE", *coretype)
	}
	if err := run(*rounds, *script, *python, *only, *sizes, *out); err != nil {
		fmt.Fprintln(os.Stderr, "sidebyside:", err)
		os.Exit(1)
	}
}

func run(rounds int, script, python, only, sizes, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	bin, err := filepath.Abs(filepath.Join(filepath.Dir(out), "engine.test"))
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "building the engine's test binary…")
	build := exec.Command("go", "test", "-c", "-o", bin, "./engine")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go test -c ./engine: %w", err)
	}
	haveTorch, err := benchenv.Torch(python, script, "the engine", os.Stderr)
	if err != nil {
		return err
	}
	raw, err := os.Create(out)
	if err != nil {
		return err
	}
	defer raw.Close()

	var selected []benchCase
	for _, c := range cases() {
		kind := "fwd"
		if strings.Contains(c.name, "trace") {
			kind = "trace"
		} else if c.gen {
			kind = "gen"
		}
		if c.T > 0 && !slices.Contains(strings.Split(sizes, ","), strconv.Itoa(c.T)) {
			continue
		}
		if slices.Contains(strings.Split(only, ","), kind) {
			selected = append(selected, c)
		}
	}
	eng := make([][]float64, len(selected))
	tch := make([][]float64, len(selected))
	for r := 0; r < rounds; r++ {
		for i, c := range selected {
			fmt.Fprintf(os.Stderr, "round %d/%d: %s\n", r+1, rounds, c.name)
			sec, lines, err := runEngine(bin, c)
			if err != nil {
				return fmt.Errorf("%s: engine: %w", c.name, err)
			}
			raw.WriteString(lines)
			eng[i] = append(eng[i], sec)
			if haveTorch {
				sec, err := runTorch(python, script, c)
				if err != nil {
					return fmt.Errorf("%s: torch: %w", c.name, err)
				}
				tch[i] = append(tch[i], sec)
			}
		}
	}
	fmt.Printf("\nGPT-2 small shape, random weights, %d rounds, medians; ratio = engine time / PyTorch time (OPENBLAS_CORETYPE=%s)\n\n",
		rounds, os.Getenv("OPENBLAS_CORETYPE"))
	fmt.Printf("| %-44s | %12s | %12s | %7s |\n", "case", "engine", "PyTorch", "ratio")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", 46), strings.Repeat("-", 14), strings.Repeat("-", 14), strings.Repeat("-", 9))
	for i, c := range selected {
		e := median(eng[i])
		es, ts, ratio := fmtTime(e, c.gen), "-", "-"
		if haveTorch {
			t := median(tch[i])
			ts = fmtTime(t, c.gen)
			ratio = fmt.Sprintf("%.2f", e/t)
		}
		fmt.Printf("| %-44s | %12s | %12s | %7s |\n", c.name, es, ts, ratio)
	}
	fmt.Printf("\nA ratio below 1 means the engine took less time (for generation: made more tokens per second).\n")
	fmt.Printf("engine benchmark lines: %s (go tool benchstat %s)\n", out, out)
	return nil
}

// fmtTime prints seconds as milliseconds, and for generation also as
// tokens per second.
func fmtTime(sec float64, gen bool) string {
	if gen {
		return fmt.Sprintf("%.1f tok/s", 64/sec)
	}
	return fmt.Sprintf("%.1f ms", sec*1e3)
}

// runEngine runs one engine benchmark and returns seconds per operation
// and its result lines.
func runEngine(bin string, c benchCase) (float64, string, error) {
	cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", c.bench,
		"-test.benchtime", strconv.Itoa(c.iters)+"x", "-test.count", "1")
	cmd.Dir = "engine" // the package directory, as go test runs it: the benchmarks read testdata
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, "", fmt.Errorf("%w\n%s", err, stdout.String())
	}
	var lines strings.Builder
	sec := -1.0
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Benchmark") && !strings.Contains(line, ":") {
			continue
		}
		lines.WriteString(line + "\n")
		f := strings.Fields(line)
		for j := 1; j+1 < len(f); j++ {
			if f[j+1] == "ns/op" {
				ns, err := strconv.ParseFloat(f[j], 64)
				if err == nil {
					sec = ns / 1e9
				}
			}
		}
	}
	if sec < 0 {
		return 0, "", errors.New("no ns/op in the output:\n" + stdout.String())
	}
	return sec, lines.String(), nil
}

// runTorch runs the PyTorch reference once and returns its median seconds.
func runTorch(python, script string, c benchCase) (float64, error) {
	cmd := exec.Command(python, append([]string{script}, c.torch...)...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	outb, err := cmd.Output()
	if err != nil {
		return 0, err
	}
	var m map[string]any
	// The JSON object is the last line of the output.
	lines := strings.Split(strings.TrimSpace(string(outb)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		return 0, fmt.Errorf("parse output after %v: %w", time.Since(start), err)
	}
	sec, ok := c.torchKey(m)
	if !ok {
		return 0, fmt.Errorf("no timing in %s", lines[len(lines)-1])
	}
	return sec, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
