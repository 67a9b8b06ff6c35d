package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPreview writes every lesson, rendered on the tiny model, to the
// directory named by $LESSONS_PREVIEW, for reading in a browser.
func TestPreview(t *testing.T) {
	dir := os.Getenv("LESSONS_PREVIEW")
	if dir == "" {
		t.Skip("set LESSONS_PREVIEW=DIR to write rendered lessons")
	}
	prompt := os.Getenv("LESSONS_PROMPT")
	if prompt == "" {
		prompt = "The cat sat on the mat because it was tired"
	}
	lib, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	d := dataOf(tinyTrace(t, prompt))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			ctx := NewContext(d)
			ctx.Layer, ctx.Head = 1, 2
			h, err := lib.Render(l.ID, lang, ctx)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			page := fmt.Sprintf("<!doctype html><html lang=%q><meta charset=utf-8><title>%s</title><style>%s body{margin:2rem}</style><body>%s</body></html>",
				langTag(lang), l.Title, CSS(), h)
			name := filepath.Join(dir, lang+"-"+strings.TrimSuffix(filepath.Base(l.File), ".md")+".html")
			if err := os.WriteFile(name, []byte(page), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
