package web

import (
	"io/fs"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/transformer-explorer/explorer/lessons/i18n"
)

// keyUses finds the catalogue keys the page's templates and scripts name:
// t("key"), data-i18n="key", data-i18n-ATTR="key", T("key") and
// tr(lang, "key"), and those the server sends: the Key of a close reason
// or error (wsconn.Reason) and the "key" of a training message.
var keyUses = regexp.MustCompile(`(?:\bt\(|\bT\(|tr\(lang, |tr\([a-z.]+, |data-i18n(?:-[a-z-]+)?=|Key: |"key": )"([a-zA-Z_]+\.[a-zA-Z_.]+)"`)

// TestEveryKeyUsedExists fails when a template or script of the page,
// the training view or the classroom names a key the catalogue lacks
// (it would show the key itself).
func TestEveryKeyUsedExists(t *testing.T) {
	files := map[string]string{}
	for _, dir := range []string{".", "static", "classroom", "classroom/static", "internal/wsconn"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			n := e.Name()
			if strings.HasSuffix(n, ".templ") || strings.HasSuffix(n, ".js") || (strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") && !strings.HasSuffix(n, "_templ.go")) {
				b, err := fs.ReadFile(os.DirFS(dir), n)
				if err != nil {
					t.Fatal(err)
				}
				files[dir+"/"+n] = string(b)
			}
		}
	}
	n := 0
	for name, src := range files {
		for _, m := range keyUses.FindAllStringSubmatch(src, -1) {
			n++
			if !i18n.Has(m[1]) {
				t.Errorf("%s names %q, which the catalogue lacks", name, m[1])
			}
		}
	}
	if n < 100 {
		t.Errorf("found only %d uses of catalogue keys: the pattern misses them", n)
	}
}

// TestErrorCodesTranslated: every error code the protocol sends has words
// for people in the catalogue ("error.CODE"), which the page shows.
func TestErrorCodesTranslated(t *testing.T) {
	for _, code := range []string{codeBadMessage, codeTooLong, codeBadPrompt, codeNoModel, codeNoTrace, codeInternal, codeBusy} {
		if !i18n.Has("error." + code) {
			t.Errorf("error code %q has no message error.%s", code, code)
		}
	}
}

// closeWithoutKey finds a websocket closed with a literal reason, which a
// page could only show in English.
var closeWithoutKey = regexp.MustCompile(`\.Close\(websocket\.\w+, *"[^"]`)

// TestCloseReasonsHaveKeys: every close frame the server sends with a
// reason names a catalogue key (conn.CloseWith and a wsconn.Reason), so
// that a page shows it in its language.
func TestCloseReasonsHaveKeys(t *testing.T) {
	for _, dir := range []string{".", "classroom", "internal/wsconn"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
				b, err := os.ReadFile(dir + "/" + n)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range closeWithoutKey.FindAllString(string(b), -1) {
					t.Errorf("%s/%s: %s…: close with a wsconn.Reason (CloseWith), whose key the page translates", dir, n, m)
				}
			}
		}
	}
}
