package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/transformer-explorer/explorer/engine/hub"
)

// runModels manages the Hugging Face cache: pull a model, list what is
// there.
func runModels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() error {
		fmt.Fprintln(stderr, "Usage: explorer models pull NAME [--revision REV]\n       explorer models list")
		return errUsage
	}
	if len(args) == 0 {
		return usage()
	}
	switch args[0] {
	case "pull":
		return runModelsPull(ctx, args[1:], stdout, stderr)
	case "list":
		return runModelsList(args[1:], stdout, stderr)
	case "-h", "--help", "-help":
		usage()
		return flag.ErrHelp
	}
	fmt.Fprintf(stderr, "explorer models: unknown subcommand %q\n", args[0])
	return usage()
}

func runModelsPull(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models pull", "NAME [--revision REV]", stderr)
	revision := fs.String("revision", hub.DefaultRevision, "the branch, tag or commit `REV` to download")
	// Accept the name before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if name == "" && fs.NArg() == 1 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 || name == "" {
		fs.Usage()
		return errUsage
	}
	ref, err := pullRef(name, *revision, isSet(fs, "revision"))
	if err != nil {
		return err
	}
	client, err := hub.NewClient()
	if err != nil {
		return err
	}
	bar := &progressBar{w: stderr}
	client.Progress = bar.update
	snap, err := client.Pull(ctx, ref)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s@%s is in %s\nRun it with: explorer --model %s\n", ref.Repo, ref.Revision, snap, ref.Repo)
	return nil
}

// pullRef reads the model to pull from NAME or NAME@REV and --revision,
// which must not disagree: one of them would silently be ignored.
func pullRef(name, revision string, revisionSet bool) (hub.Ref, error) {
	if !strings.Contains(name, "@") {
		return hub.ParseRef(name + "@" + revision)
	}
	ref, err := hub.ParseRef(name)
	if err != nil {
		return ref, err
	}
	if revisionSet && revision != ref.Revision {
		return ref, fmt.Errorf("%s names revision %s and --revision says %s: give the revision once", name, ref.Revision, revision)
	}
	return ref, nil
}

func runModelsList(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("models list", "", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cache, err := hub.CacheDir()
	if err != nil {
		return err
	}
	models, err := hub.List(cache)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		fmt.Fprintf(stdout, "No models in %s. Download one with: explorer models pull gpt2\n", cache)
		return nil
	}
	fmt.Fprintf(stdout, "Models in %s:\n", cache)
	for _, m := range models {
		refs := make([]string, 0, len(m.Refs))
		for r, c := range m.Refs {
			refs = append(refs, r+"="+c[:min(7, len(c))])
		}
		sort.Strings(refs)
		note := ""
		if !m.Usable {
			note = "  (incomplete: no safetensors weights or tokenizer; explorer models pull " + m.Repo + ")"
		}
		fmt.Fprintf(stdout, "  %-32s %9s  %s%s\n", m.Repo, humanBytes(m.Size), strings.Join(refs, " "), note)
	}
	return nil
}

// humanBytes writes a size the way people read it.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// progressBar draws one line per file on a terminal-like writer.
type progressBar struct {
	w    io.Writer
	file string
}

// update draws the progress of one file. Any sizes are drawn: an unknown
// or zero total shows the bytes so far, and done is kept within 0..total,
// whatever a server sends.
func (p *progressBar) update(file string, done, total int64) {
	if file != p.file && p.file != "" {
		fmt.Fprintln(p.w)
	}
	p.file = file
	done = max(done, 0)
	if total <= 0 {
		fmt.Fprintf(p.w, "\r%-34s %10s", file, humanBytes(done))
		return
	}
	done = min(done, total)
	const width = 30
	filled := min(width, max(0, int(float64(width)*float64(done)/float64(total))))
	fmt.Fprintf(p.w, "\r%-34s [%s%s] %5.1f%% of %s", file, strings.Repeat("=", filled), strings.Repeat(" ", width-filled),
		100*float64(done)/float64(total), humanBytes(total))
}

func (p *progressBar) finish() {
	if p.file != "" {
		fmt.Fprintln(p.w)
	}
}
