package openai

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/transformer-explorer/explorer/engine"
)

// TestClientsCannotHoldEverySlot replays issue 15's probe: one client
// pipelines streaming completions and never reads them. Its second
// request is refused (429) instead of taking the last slot, its first is
// cut off after the write deadline, and another client is answered
// meanwhile.
func TestClientsCannotHoldEverySlot(t *testing.T) {
	once.Do(func() { tinyM, tinyTok, loadErr = engine.LoadDir(context.Background(), tinyModel) })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	ts := httptest.NewServer(New(tinyM, tinyTok, Options{ModelName: "tiny-gpt2", MaxConcurrent: 2, WriteWait: time.Second}))
	defer ts.Close()
	addr := ts.Listener.Addr().String()
	// A long stream: every token of 16 completions, with log-probabilities.
	body := `{"model":"tiny-gpt2","prompt":"Once upon a time","max_tokens":60,"n":16,"logprobs":5,"stream":true,"temperature":1}`
	request := fmt.Sprintf("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)

	// The greedy client: two requests on two connections with a tiny
	// receive window, never read.
	statuses := make(chan string, 2)
	for range 2 {
		d := net.Dialer{Control: nil}
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.(*net.TCPConn).SetReadBuffer(4096)
		if _, err := conn.Write([]byte(request)); err != nil {
			t.Fatal(err)
		}
		go func() {
			// Peek at the status line only.
			buf := make([]byte, 12)
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, _ := conn.Read(buf)
			statuses <- string(buf[:n])
		}()
	}
	time.Sleep(200 * time.Millisecond)

	// Another machine is answered while the greedy client holds its slot.
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}, Timeout: 20 * time.Second}
	start := time.Now()
	res, err := other.Post(ts.URL+"/v1/completions", "application/json", strings.NewReader(`{"model":"tiny-gpt2","prompt":"Hello","max_tokens":4,"temperature":0}`))
	if err != nil {
		t.Fatalf("another client was not answered: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("another client: %s", res.Status)
	}
	t.Logf("another client answered in %v", time.Since(start).Round(time.Millisecond))
	got := []string{<-statuses, <-statuses}
	if !(strings.Contains(got[0]+got[1], "200") && strings.Contains(got[0]+got[1], "429")) {
		t.Errorf("the greedy client's requests: %q, want one 200 and one 429", got)
	}
}
