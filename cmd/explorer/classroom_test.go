package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeClassroom starts explorer serve --classroom on loopback, follows
// the printed teacher and student links, and stops it.
func TestServeClassroom(t *testing.T) {
	_, out := startServe(t, "--classroom")
	teacherRE := regexp.MustCompile(`teacher \(keep this link to yourself\): (http://\S+)`)
	studentRE := regexp.MustCompile(`students on this machine open (http://\S+)`)
	var teacher, student string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		s := out.String()
		if m, n := teacherRE.FindStringSubmatch(s), studentRE.FindStringSubmatch(s); m != nil && n != nil {
			teacher, student = m[1], n[1]
			break
		}
	}
	if teacher == "" {
		t.Fatalf("no room links printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "HINT: this address is reachable from this machine only") {
		t.Errorf("no LAN hint for a loopback room:\n%s", out.String())
	}
	for _, tt := range []struct{ url, role string }{{teacher, "teacher"}, {student, "student"}} {
		res, err := http.Get(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), `data-room-role="`+tt.role+`"`) {
			t.Errorf("GET %s = %d, no %s room page", tt.url, res.StatusCode, tt.role)
		}
	}
}

func TestLANURLs(t *testing.T) {
	if got := lanURLs(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}); got != nil {
		t.Errorf("lanURLs(loopback) = %v, want none", got)
	}
	want := []string{"http://192.168.1.20:8080/room/"}
	if got := lanURLs(&net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8080}); len(got) != 1 || got[0] != want[0] {
		t.Errorf("lanURLs(192.168.1.20) = %v, want %v", got, want)
	}
	for _, u := range lanURLs(&net.TCPAddr{IP: net.IPv4zero, Port: 8080}) {
		if !strings.HasSuffix(u, ":8080/room/") || strings.Contains(u, "127.0.0.1") {
			t.Errorf("lanURLs(0.0.0.0) lists %s", u)
		}
	}
}
