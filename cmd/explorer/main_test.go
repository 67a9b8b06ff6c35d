package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// TestMain points the explorer's cache at a fresh directory, so that the
// tests neither read nor fill the cache of the user who runs them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "explorer-cache-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(cacheEnv, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestCLITokenizerCache checks that a command keeps the tokenizer it parsed
// in $EXPLORER_CACHE, that the next command answers the same from it, and
// that EXPLORER_CACHE=off keeps nothing.
func TestCLITokenizerCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(cacheEnv, cache)
	tables := func() []string {
		names, _ := filepath.Glob(filepath.Join(cache, "tokenizers", "*.tokens"))
		return names
	}
	for i := range 2 {
		code, out, errs := runCLI(t, "tokenize", "--model", tinyModel, "--prompt", "Hello world", "--json")
		if code != 0 || !strings.Contains(out, `"ids":[15496,995]`) {
			t.Fatalf("tokenize %d: exit %d, stdout %s, stderr %s; want ids [15496 995]", i+1, code, out, errs)
		}
		if n := len(tables()); n != 1 {
			t.Fatalf("after tokenize %d the cache holds %d tables, want 1", i+1, n)
		}
	}
	model, err := filepath.Abs(tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	wd := t.TempDir()
	t.Chdir(wd) // "off" must not be taken for a directory name
	t.Setenv(cacheEnv, "off")
	if code, _, errs := runCLI(t, "tokenize", "--model", model, "--prompt", "Hello world"); code != 0 {
		t.Fatalf("tokenize with the cache off: exit %d, %s", code, errs)
	}
	if entries, _ := os.ReadDir(wd); len(entries) != 0 {
		t.Errorf("with EXPLORER_CACHE=off, tokenize wrote %d entries to the working directory", len(entries))
	}
}

func TestCollectOnlyNearLimit(t *testing.T) {
	for _, tc := range []struct {
		name, gogc, gomemlimit string
		off                    bool
	}{
		{"unset", "", "", true},
		{"GOGC set", "50", "", false},
		{"GOMEMLIMIT set", "", "1GiB", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOGC", tc.gogc)
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			percent := debug.SetGCPercent(100)
			limit := debug.SetMemoryLimit(-1)
			t.Cleanup(func() {
				debug.SetGCPercent(percent)
				debug.SetMemoryLimit(limit)
			})
			collectOnlyNearLimit()
			gotPercent := debug.SetGCPercent(100)
			gotLimit := debug.SetMemoryLimit(-1)
			if off := gotPercent < 0 && gotLimit == oneShotLimit; off != tc.off {
				t.Errorf("GC percent %d, memory limit %d; want the collector off up to %d: %v", gotPercent, gotLimit, oneShotLimit, tc.off)
			}
		})
	}
}

// TestCommandName checks how main and run read the command off the
// command line, which decides, in main, whether the collector is turned
// off (oneShot).
func TestCommandName(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		name    string
		rest    int
		oneShot bool
	}{
		{nil, "serve", 0, false},
		{[]string{"--model", "gpt2"}, "serve", 2, false},
		{[]string{"trace", "--ids", "1,2"}, "trace", 2, true},
		{[]string{"tokenize", "--prompt", "hi"}, "tokenize", 2, false},
		{[]string{"-h"}, "-h", 0, false},
	} {
		name, rest := commandName(tc.args)
		if name != tc.name || len(rest) != tc.rest || oneShot(name) != tc.oneShot {
			t.Errorf("commandName(%q) = %q, %q (one-shot %v); want %q with %d arguments (one-shot %v)",
				tc.args, name, rest, oneShot(name), tc.name, tc.rest, tc.oneShot)
		}
	}
}
