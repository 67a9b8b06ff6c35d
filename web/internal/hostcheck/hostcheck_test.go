package hostcheck

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAllows(t *testing.T) {
	l := New("192.168.1.20:8080", "Class.Local", "[fe80::1]:9")
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"localhost:8080", true},
		{"LOCALHOST.:8080", true},
		{"app.localhost:1", true},
		{"127.0.0.1:8080", true},
		{"127.1.2.3", true},
		{"[::1]:8080", true},
		{"192.168.1.20:8080", true},
		{"192.168.1.20:9999", true}, // the port does not matter
		{"class.local", true},
		{"[fe80::1]", true},
		{"evil.example", false},
		{"evil.example:8080", false},
		{"localhost.evil.example", false},
		{"192.168.1.21:8080", false},
		{"", false},
	} {
		if got := l.Allows(tc.host); got != tc.want {
			t.Errorf("Allows(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
	var zero *List
	if !zero.Allows("localhost") || zero.Allows("192.168.1.20") {
		t.Error("a nil list allows what it should not, or not loopback")
	}
}

func TestHandler(t *testing.T) {
	h := New().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	for host, want := range map[string]int{"127.0.0.1:80": 200, "rebound.example": http.StatusMisdirectedRequest} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: %d, want %d", host, w.Code, want)
		}
	}
}
