// Package wstest opens the web app's websockets in tests, as a page on
// this machine would, or one on another machine (another loopback
// address).
package wstest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// URL is the websocket address of path on ts.
func URL(ts *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// Dial opens the websocket at path on ts with the request header h (nil
// for none), failing the test if it cannot; the connection is closed when
// the test ends.
func Dial(t testing.TB, ts *httptest.Server, path string, h http.Header) *websocket.Conn {
	t.Helper()
	return dial(t, websocket.DefaultDialer, URL(ts, path), h)
}

// DialFrom is Dial from the loopback address ip (such as 127.0.0.2), as
// a page on another machine.
func DialFrom(t testing.TB, ts *httptest.Server, path, ip string) *websocket.Conn {
	t.Helper()
	d := &websocket.Dialer{NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
	return dial(t, d, URL(ts, path), nil)
}

func dial(t testing.TB, d *websocket.Dialer, url string, h http.Header) *websocket.Conn {
	t.Helper()
	c, _, err := d.Dial(url, h)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
