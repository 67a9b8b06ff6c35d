package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Sizes of TestLoad64Sessions.
const (
	rssSessions = 64
	rssPrompt   = 256                    // tokens of each session's prompt
	rssBudget   = int64(1536) << 20      // explorer serve --memory
	rssHuge     = 1024                   // tokens of one more prompt, whose trace alone is over the budget
	rssWait     = 12 * time.Minute       // for the whole test
	rssEnv      = "EXPLORER_LOAD_SERVER" // set in the server process
)

// TestLoadServerProcess is the server of TestLoad64Sessions, run in a
// process of its own so that its memory is measured alone: a GPT-2
// small-shaped model with random weights, packed as explorer serve packs
// it, served on loopback until stdin closes.
func TestLoadServerProcess(t *testing.T) {
	if os.Getenv(rssEnv) == "" {
		t.Skip("the server process of TestLoad64Sessions")
	}
	m := gpt2SmallShaped(t)
	if err := m.PackWeights(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, tok, _ := loadTiny(t) // GPT-2's vocabulary
	// As explorer serve --memory does: the server's budget leaves 128 MiB
	// to the runtime, and the heap's limit is the whole budget beyond the
	// weights, which are on the heap here rather than mapped from a file.
	srv, err := NewServer(Options{Model: m, Tokenizer: tok, MemoryBytes: rssBudget - 128<<20, MaxSessions: rssSessions + 8, MaxSessionsPerClient: rssSessions + 8, MaxConcurrent: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	debug.SetMemoryLimit(4*m.Config.NumParams() + rssBudget)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go http.Serve(ln, srv)
	fmt.Printf("ADDR %s %d\n", ln.Addr(), srv.traceBytes(rssPrompt, rssPrompt))
	io.Copy(io.Discard, os.Stdin)
}

// rss reads the resident set and its peak of a process, in bytes.
func rss(pid int) (now, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			now = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return now, peak, sc.Err()
}

// TestLoad64Sessions opens 64 tabs on a GPT-2 small-shaped model, each
// running a 256-token prompt of its own (tabs running one prompt would
// share its trace; a trace is about 300 MB, 64 of them would need 20 GB), and one a prompt of 1024 tokens (2 GB alone): the server's
// resident memory stays within its budget above what the model takes,
// the traces of idle tabs are evicted (their pages told why), and the
// 1024-token run is refused with a message.
func TestLoad64Sessions(t *testing.T) {
	needLoad(t)
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to measure memory")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadServerProcess$", "-test.v")
	cmd.Env = append(os.Environ(), rssEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	var addr string
	var traceBytes int64
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "ADDR %s %d", &addr, &traceBytes); err == nil {
			break
		}
	}
	if addr == "" {
		t.Fatal("the server process printed no address")
	}
	go io.Copy(io.Discard, stdout)
	pid := cmd.Process.Pid
	base, _, err := rss(pid)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var top int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if now, _, err := rss(pid); err == nil {
				mu.Lock()
				top = max(top, now)
				mu.Unlock()
			}
		}
	}()

	prompt := strings.TrimSpace(strings.Repeat("one two three four ", rssPrompt/4))
	huge := strings.TrimSpace(strings.Repeat("one two three four ", rssHuge/4-1))
	type outcome struct{ ran, busy, kept, evicted int }
	var res outcome
	deadline := time.Now().Add(rssWait)
	var wg sync.WaitGroup
	// allRan is closed once every tab's run is over (ran, refused or failed).
	allRan := make(chan struct{})
	left := rssSessions + 1
	runOver := func() {
		mu.Lock()
		defer mu.Unlock()
		if left--; left == 0 {
			close(allRan)
		}
	}
	start := time.Now()
	for i := range rssSessions + 1 {
		wg.Go(func() {
			var over sync.Once
			defer over.Do(runOver) // if the tab fails before its run ends
			c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			// Read all the time, as a page does, so that pings are answered.
			type frame struct {
				kind int
				data []byte
			}
			frames := make(chan frame, 64)
			go func() {
				defer close(frames)
				c.SetReadDeadline(deadline)
				for {
					kind, data, err := c.ReadMessage()
					if err != nil {
						return
					}
					if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
						frames <- frame{kind, data}
					}
				}
			}()
			next := func() (frame, bool) {
				for f := range frames {
					var m map[string]any
					if f.kind == websocket.TextMessage && json.Unmarshal(f.data, &m) == nil && (m["type"] == "held" || m["type"] == "tokens") {
						continue
					}
					return f, true
				}
				return frame{}, false
			}
			p := prompt
			if i == rssSessions {
				p = huge
			}
			c.WriteJSON(map[string]any{"type": "run", "seq": 1, "prompt": fmt.Sprintf("%s %d", p, i), "eager": []string{"next.**"}})
			for {
				f, ok := next()
				if !ok {
					t.Errorf("tab %d: the connection ended during its run", i)
					return
				}
				var m map[string]any
				if f.kind != websocket.TextMessage || json.Unmarshal(f.data, &m) != nil {
					continue
				}
				if m["type"] == "error" {
					over.Do(runOver)
					mu.Lock()
					defer mu.Unlock()
					if m["code"] != codeBusy || i != rssSessions {
						t.Errorf("tab %d: %v", i, m)
					}
					res.busy++
					t.Logf("the %d-token run: %s", len(strings.Fields(p)), m["message"])
					return
				}
				if m["type"] == "done" {
					break
				}
			}
			mu.Lock()
			res.ran++
			mu.Unlock()
			// Once every run is over, ask for a held pattern.
			over.Do(runOver)
			<-allRan
			c.WriteJSON(map[string]any{"type": "tensor", "seq": 1, "name": "blocks.11.attn.hook_pattern"})
			f, ok := next()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case !ok:
				t.Errorf("tab %d: the connection ended before its tensor", i)
			case f.kind == websocket.BinaryMessage:
				res.kept++
			case strings.Contains(string(f.data), "needed the memory"):
				res.evicted++
			default:
				t.Errorf("tab %d asked for a held tensor: %.200s", i, f.data)
			}
		})
	}
	wg.Wait()
	close(stop)
	<-sampled
	_, peak, _ := rss(pid)
	t.Logf("%d tabs of %d tokens (a trace is %d MiB) and one of %d in %v: %d ran (%d kept their trace, %d evicted), %d refused",
		rssSessions, rssPrompt, traceBytes>>20, rssHuge, time.Since(start).Round(time.Second), res.ran, res.kept, res.evicted, res.busy)
	t.Logf("resident memory: %d MiB with the model loaded; highest sampled %d MiB, peak (VmHWM) %d MiB: %d MiB above the model, budget %d MiB",
		base>>20, top>>20, peak>>20, (peak-base)>>20, rssBudget>>20)
	if res.ran != rssSessions || res.busy != 1 {
		t.Errorf("%d runs, %d refused; want %d and the huge one", res.ran, res.busy, rssSessions)
	}
	if peak-base > rssBudget {
		t.Errorf("the server's memory grew %d MiB above the model, over its budget of %d MiB", (peak-base)>>20, rssBudget>>20)
	}
}
