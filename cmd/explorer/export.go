package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/transformer-explorer/explorer/engine/atomicfile"
	"github.com/transformer-explorer/explorer/trace/table"
)

// runExport writes the numbers of one hook (or one head of it) of a trace
// file as CSV, .npy or JSON: the numbers the page draws for that view.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "--trace FILE --hook NAME [--head H] [--format csv|npy|json] -o OUT", stderr)
	traceFile := fs.String("trace", "", "the trace `FILE`: an explorer trace or a TransformerLens cache saved as safetensors")
	hook := fs.String("hook", "", "the hook `NAME`, e.g. blocks.0.attn.hook_pattern")
	head := fs.Int("head", -1, "take one attention `HEAD` of q, k, v, z, scores or pattern (-1: the whole hook)")
	format := fs.String("format", "", "`FORMAT` csv, npy or json (default: from the extension of -o)")
	out := fs.String("o", "", "the `FILE` to write, or - for standard output")
	model := fs.String("model", "", "a model `DIR` or NAME in the Hugging Face cache whose tokenizer names the file's token ids (its weights are not loaded)")
	ff := addTraceFileFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *traceFile == "":
		return fmt.Errorf("give the trace with --trace FILE.safetensors")
	case *hook == "":
		return fmt.Errorf("give the hook with --hook NAME, e.g. --hook blocks.0.attn.hook_pattern")
	case *out == "":
		return fmt.Errorf("give the output with -o FILE.csv (or .npy, .json), or -o - with --format")
	}
	if *format == "" {
		if *out == "-" {
			return fmt.Errorf("-o - writes to standard output: give --format csv, npy or json")
		}
		var err error
		if *format, err = table.FormatOf(*out); err != nil {
			return err
		}
	}
	if !slices.Contains(table.Formats(), *format) {
		return fmt.Errorf("--format %q: want csv, npy or json", *format)
	}
	tr, err := openTrace(*traceFile, *model, ff, stderr)
	if err != nil {
		return err
	}
	tab, err := table.Of(tr, *hook, *head)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tab.Write(&buf, *format); err != nil {
		return err
	}
	if *out == "-" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes()); err != nil {
		return err
	}
	what := *hook
	if *head >= 0 {
		what += fmt.Sprintf(" head %d", *head)
	}
	fmt.Fprintf(stdout, "wrote %s %v as %s to %s\n", what, tab.Shape, *format, *out)
	return nil
}
