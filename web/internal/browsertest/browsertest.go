// Package browsertest starts headless Chromium for the web app's browser
// tests, the same way for every package: the machine's Debian chromium,
// no sandbox, no background network traffic (the test machines have no
// internet), a fresh profile per test.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Allocator returns a chromedp allocator context for headless Chromium
// with a window of width × height; each chromedp.NewContext made from it
// is a tab. Without Chromium the test is skipped, except under CI=true,
// where that is a failure.
func Allocator(t testing.TB, width, height int) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required for the browser tests under CI=true (apt-get install chromium)")
		}
		t.Skip("no Chromium: skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return alloc
}

// startAttempts is how many times Tab starts Chromium before it gives up:
// on a loaded 2-vCPU machine a start now and then crashes before the
// browser is up ("chrome failed to start"), which says nothing about the
// page under test.
const startAttempts = 3

// Tab starts headless Chromium with a window of width × height (see
// Allocator) and returns a tab of it, closed when the test ends. The
// browser is started here, again after a failed start, so a test's first
// action meets a running browser.
func Tab(t testing.TB, width, height int) context.Context {
	t.Helper()
	var err error
	for range startAttempts {
		ctx, cancel := chromedp.NewContext(Allocator(t, width, height))
		if err = chromedp.Do(ctx); err == nil {
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		t.Logf("starting Chromium: %v", err)
	}
	t.Fatalf("Chromium did not start in %d attempts: %v", startAttempts, err)
	return nil
}

// Until waits, up to 30 s, for a JavaScript condition to be true.
func Until(expr string) chromedp.Action[chromedp.Void] {
	return Discard(chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second)))
}

// Discard turns an action with a value into one without, for chromedp.Do.
func Discard[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// Eval runs a JavaScript expression in the page of ctx and returns its
// value, failing the test if it throws or its value is not a T.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
