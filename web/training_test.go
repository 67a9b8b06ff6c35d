package web

import (
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestTrainingSocket starts a short run from the training view's socket
// and checks the progress arrives step by step with a probe, then the end.
func TestTrainingSocket(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	_, ts := newTestServer(t, nil)
	code, _, page := get(t, ts.URL+"/train")
	if code != 200 || !strings.Contains(page, "induction head") || !strings.Contains(page, `id="loss-chart"`) {
		t.Fatalf("training page: %d", code)
	}
	c := dialPath(t, ts, "/train/ws")
	for _, bad := range []map[string]any{{"type": "start", "steps": 0}, {"type": "start", "steps": 999999}, {"type": "dance"}, {"type": "start", "steps": "many"}} {
		c.writeJSON(t, bad)
		if msg := c.readJSON(t); msg["type"] != "error" {
			t.Fatalf("%v: got %v", bad, msg)
		}
	}
	c.WriteMessage(websocket.TextMessage, []byte("{not json"))
	if msg := c.readJSON(t); msg["type"] != "error" {
		t.Fatalf("bad JSON: got %v", msg)
	}
	c.writeJSON(t, map[string]any{"type": "start", "steps": 3})
	steps, probes := 0, 0
	for {
		msg := c.readJSON(t)
		switch msg["type"] {
		case "step":
			steps++
			if int(msg["step"].(float64)) != steps || msg["loss"].(float64) <= 0 {
				t.Fatalf("step message %v", msg)
			}
			if p, ok := msg["probe"].(map[string]any); ok {
				probes++
				if len(p["attention"].([]any)) != 2 || len(p["induction"].([]any)) != 2 {
					t.Fatalf("probe %v", p)
				}
			}
		case "finished":
			if steps != 3 || probes == 0 {
				t.Fatalf("%d steps, %d probes", steps, probes)
			}
			return
		case "error":
			t.Fatalf("error: %v", msg)
		}
	}
}
