// Command explorer runs GPT-2 models and shows, step by step, how they
// compute: a web app for learners, plus commands to generate text, trace
// every intermediate tensor, tokenize and plot.
//
// Run "explorer help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
)

// A command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"models":    {"download GPT-2 checkpoints from the Hugging Face Hub into its cache, or list them", runModels},
		"serve":     {"start the web explorer (the default command)", runServe},
		"plot":      {"plot attention, Q/K/V, next-token bars, the logit lens or loss as PNG, SVG, PDF or EPS", runPlot},
		"train":     {"pre-train or fine-tune a GPT-2 on a text file, saving Hugging Face checkpoints", runTrain},
		"tokenizer": {"train a byte-level BPE tokenizer: explorer tokenizer train", runTokenizer},
		"corpus":    {"write the generated bilingual story corpus and task sets the default model is trained on", runCorpus},
		"eval":      {"measure a model on held-out generated stories: loss per part and language, task accuracy, induction heads", runEval},
		"lessons":   {"export the lessons as a static HTML handout with a prompt's numbers", runLessons},
		"generate":  {"generate text from a prompt, streaming it", runGenerate},
		"trace":     {"run a prompt and save every intermediate tensor to a safetensors file", runTrace},
		"tokenize":  {"show how a text splits into GPT-2 tokens", runTokenize},
		"export":    {"write the numbers of one hook or head of a trace file as CSV, .npy or JSON", runExport},
		"diff":      {"compare two traces of a prompt hook by hook; fails above a tolerance", runDiff},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// In main, not run: tests call run in a process of their own that
	// must keep its collector.
	if name, _ := commandName(os.Args[1:]); oneShot(name) {
		collectOnlyNearLimit()
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// commandName splits the command line into the command's name and its
// arguments. No command, or only flags, means serve: `explorer --model
// gpt2`.
func commandName(args []string) (string, []string) {
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || isHelp(args[0])) {
		return args[0], args[1:]
	}
	return "serve", args
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	name, args := commandName(args)
	if name == "help" || isHelp(name) {
		if len(args) > 0 {
			if c, ok := cmds[args[0]]; ok {
				c.run(ctx, []string{"-h"}, stdout, stdout)
				return 0
			}
		}
		usage(stdout, cmds)
		return 0
	}
	c, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "explorer: unknown command %q\n\n", name)
		usage(stderr, cmds)
		return 2
	}
	if err := c.run(ctx, args, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(stderr, "explorer %s: %v\n", name, err)
		return 1
	}
	return 0
}

// oneShot reports whether a command does one bounded piece of work and
// exits, so that it runs with the garbage collector off
// (collectOnlyNearLimit). That is trace: its heap is the pass's buffers,
// fixed by the context length, as the trace streams to its file. Not
// tokenize: its input has no bound, and with the collector off a 21 MB
// file took 750 MB instead of 230.
func oneShot(name string) bool { return name == "trace" }

// oneShotLimit is the memory a one-shot command's Go heap may reach
// before the collector runs at all: more than a trace of GPT-2 XL at 1,024
// positions keeps live (≈ 0.6 GB: its activations, logits and attention
// scores; the weights are mapped, outside the heap).
const oneShotLimit = 2 << 30

// collectOnlyNearLimit turns the garbage collector off up to oneShotLimit,
// for a command that allocates its buffers once and exits: what it frees
// is a few megabytes of start-up garbage, and collecting it cost more
// than it gave back. With the collector on, `trace --hooks logits` of
// GPT-2 small at T = 128 ran two collections, the second during the
// pass, whose mark worker took a core from the matrix products (paired
// runs on the VM of bench/README.md: median 193 → 185 ms, and 280 fewer
// page faults, at the same peak RSS). GOGC or GOMEMLIMIT, when set, win.
func collectOnlyNearLimit() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(oneShotLimit)
	debug.SetGCPercent(-1)
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// errUsage reports bad flags; the flag package has already said why.
var errUsage = errors.New("usage")

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "Transformer Explorer: see how GPT-2 computes, one formula at a time.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: explorer <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "  help       show this list, or `explorer help <command>` for its flags")
}

// newFlags returns a flag set that reports errors to stderr.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: explorer %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, mapping flag errors to errUsage (the message is
// already printed) and rejecting stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "explorer %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}
