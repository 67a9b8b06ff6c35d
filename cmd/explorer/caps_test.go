package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/transformer-explorer/explorer/web/classroom"
)

// TestClientCaps checks the policy of the per-address caps: the packages'
// defaults without --nat, the whole class's share with it, and a cap's
// own flag over either.
func TestClientCaps(t *testing.T) {
	class := serveShape{classroom: true, tabs: classSessions, students: classroom.DefaultMaxStudents, maxConcurrent: 4}
	plain := serveShape{tabs: 64, maxConcurrent: 4}
	wrong := classroom.DefaultWrongCodes + classroom.DefaultMaxStudents
	for _, tc := range []struct {
		name  string
		args  []string
		shape serveShape
		want  clientCaps
		warns int
		err   string
	}{
		// One computer per address: the packages' defaults.
		{"plain", nil, plain, clientCaps{}, 0, ""},
		{"classroom", nil, class, clientCaps{}, 0, ""},
		// A class behind one address: every tab, room page and slot.
		{"classroom behind NAT", []string{"--nat"}, class, clientCaps{tabs: classSessions, room: classSessions, api: 4, wrongCodes: wrong}, 0, ""},
		{"lab behind NAT", []string{"--nat"}, plain, clientCaps{tabs: 64, api: 4}, 0, ""},
		// The caps' own flags win.
		{"tabs given", []string{"--tabs-per-client", "30"}, class, clientCaps{tabs: 30}, 0, ""},
		{"NAT, api given", []string{"--nat", "--api-per-client", "1"}, class, clientCaps{tabs: classSessions, room: classSessions, api: 1, wrongCodes: wrong}, 0, ""},
		{"NAT, a class larger than the caps", []string{"--nat", "--tabs-per-client", "50", "--room-per-client", "60"}, class, clientCaps{tabs: 50, room: 60, api: 4, wrongCodes: wrong}, 2, ""},
		// Mistakes.
		{"negative", []string{"--tabs-per-client", "-1"}, class, clientCaps{}, 0, "give a positive number"},
		{"room pages without a room", []string{"--room-per-client", "10"}, plain, clientCaps{}, 0, "needs --classroom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("serve", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cf := addCapFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, warns, err := cf.caps(tc.shape)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("caps(%q) error %v, want one saying %q", tc.args, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want || len(warns) != tc.warns {
				t.Errorf("caps(%q) = %+v, %q, %v; want %+v and %d warnings", tc.args, got, warns, err, tc.want, tc.warns)
			}
		})
	}
}

// TestServeBehindNAT starts explorer serve --classroom --nat: one address
// opens more explorer tabs and room pages than one computer may; with
// --tabs-per-client 2 instead, its third tab is closed saying why, with
// the catalogue key the page translates.
func TestServeBehindNAT(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		tabs      int // explorer tabs opened from 127.0.0.1
		refusedAt int // the tab closed, or -1
		rooms     int // room pages opened
	}{
		{"nat", []string{"--classroom", "--nat"}, 24, -1, 8},
		{"two tabs", []string{"--classroom", "--tabs-per-client", "2"}, 3, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, out := startServe(t, tc.args...)
			wsURL := "ws" + strings.TrimPrefix(base, "http")
			for i := range tc.tabs {
				c, _, err := websocket.DefaultDialer.Dial(wsURL+"ws", nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, data, err := c.ReadMessage()
				var ce *websocket.CloseError
				switch {
				case i == tc.refusedAt:
					if !errors.As(err, &ce) || ce.Code != websocket.CloseTryAgainLater || !strings.HasPrefix(ce.Text, "[close.tabsPerComputer max=2] ") {
						t.Errorf("tab %d: %v, want close 1013 with the key and the cap", i+1, err)
					}
				case err != nil || !strings.Contains(string(data), `"type":"hello"`):
					t.Fatalf("tab %d: %v %.80s", i+1, err, data)
				}
			}
			code := regexp.MustCompile(`room code ([A-Z]{5})`).FindStringSubmatch(out.String())
			if tc.rooms > 0 && code == nil {
				t.Fatalf("no room code printed:\n%s", out.String())
			}
			for i := range tc.rooms {
				c, _, err := websocket.DefaultDialer.Dial(wsURL+"room/ws", nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.WriteJSON(map[string]string{"type": "join", "code": code[1]})
				var m map[string]any
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, data, err := c.ReadMessage(); err != nil || json.Unmarshal(data, &m) != nil || m["type"] != "welcome" {
					t.Fatalf("room page %d: %v %.120s", i+1, err, data)
				}
			}
			if tc.rooms > 0 && !strings.Contains(out.String(), "behind one address (--nat)") {
				t.Errorf("serve did not say the caps of a class behind one address:\n%s", out.String())
			}
		})
	}
}

// startServe runs explorer serve on the tiny model on a loopback port
// until the test ends, and returns its address ("http://127.0.0.1:N/")
// and what it prints.
func startServe(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, append([]string{"--model", tinyModel, "--addr", "127.0.0.1:0"}, args...), &out, &errb)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	running := regexp.MustCompile(`running at (http://\S+/) `)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := running.FindStringSubmatch(out.String()); m != nil && (!slices.Contains(args, "--classroom") || strings.Contains(out.String(), "room code")) {
			return m[1], &out
		}
	}
	t.Fatalf("serve printed no address:\n%s\n%s", out.String(), errb.String())
	return "", nil
}
