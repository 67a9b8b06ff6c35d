package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sameInBoth are the messages whose Chinese is the English: technical
// terms and symbols that a Chinese class also writes in Latin letters.
var sameInBoth = []string{
	"step.softmax", "step.logits", "short.qkv", "short.softmax", "short.mlp", "short.resid_post", "short.logits",
	"gen.topK", "gen.topP", "nav.stepOf", "cap.tensor", "hook.logits",
}

var (
	placeholder = regexp.MustCompile(`\{[a-zA-Z]+\}`)
	fmtVerb     = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)
)

// TestEveryKeyHasBothLanguages fails when a message lacks a language, when
// a translation is the English (outside the known technical terms), or
// when the two languages take different placeholders.
func TestEveryKeyHasBothLanguages(t *testing.T) {
	for _, k := range Keys() {
		m := catalogue()[k]
		en, zh := m[0], m[1]
		if strings.TrimSpace(en) == "" || strings.TrimSpace(zh) == "" {
			t.Errorf("%s: en %q, zh %q: a language is missing", k, en, zh)
			continue
		}
		if en == zh && !slices.Contains(sameInBoth, k) {
			t.Errorf("%s: the Chinese is the English %q: not translated", k, en)
		}
		args := placeholder
		if strings.HasPrefix(k, "lesson.") {
			args = fmtVerb
		}
		a, b := args.FindAllString(en, -1), args.FindAllString(zh, -1)
		if !strings.HasPrefix(k, "lesson.") {
			slices.Sort(a)
			slices.Sort(b)
		}
		if !slices.Equal(a, b) {
			t.Errorf("%s: placeholders differ: en %v, zh %v", k, a, b)
		}
	}
	for _, k := range sameInBoth {
		if !Has(k) {
			t.Errorf("sameInBoth names %q, which is not a key", k)
		}
	}
}

// TestNoKeyInTwoParts checks that the parts of the catalogue do not
// define a key twice (merge keeps the first silently).
func TestNoKeyInTwoParts(t *testing.T) {
	seen := map[string]int{}
	n := 0
	for i, p := range parts() {
		for k := range p {
			if j, dup := seen[k]; dup {
				t.Errorf("key %q is in parts %d and %d", k, j, i)
			}
			seen[k] = i
			n++
		}
	}
	if n != len(catalogue()) {
		t.Errorf("the catalogue has %d keys, its parts %d", len(catalogue()), n)
	}
}

func TestT(t *testing.T) {
	for _, tc := range []struct {
		lang, key string
		args      []any
		want      string
	}{
		{"en", "status.done", []any{"n", 9, "ms", 12, "kb", 3}, "9 tokens · ran in 12 ms · 3 KB streamed"},
		{"zh", "status.done", []any{"n", 9, "ms", 12, "kb", 3}, "9 个词元 · 用时 12 毫秒 · 传输 3 KB"},
		{"zh-CN", "prompt.run", nil, "运行"},
		{"fr", "prompt.run", nil, "Run"},
		{"en", "no.such.key", nil, "no.such.key"},
		{"en", "step.inLayer", []any{"layer", 2}, "Layer 2 · {name}"}, // a missing value stays visible
	} {
		if got := T(tc.lang, tc.key, tc.args...); got != tc.want {
			t.Errorf("T(%q, %q, %v) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"", "en"},
		{"zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{"en-US,en;q=0.9,zh;q=0.8", "en"},
		{"fr-FR,fr;q=0.9,zh-TW;q=0.5", "zh"},
		{"de", "en"},
		{"zh;q=bad", "en"},
	} {
		if got := FromAcceptLanguage(tc.header); got != tc.want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestPickHTMLTagAndName(t *testing.T) {
	for _, tc := range []struct{ asked, header, want, tag, name string }{
		{"", "", "en", "en", "English"},
		{"zh", "en-US", "zh", "zh-Hans", "中文"},
		{"zh-TW", "", "zh", "zh-Hans", "中文"},
		{"en", "zh-CN,zh;q=0.9", "en", "en", "English"},
		{"", "zh-CN,zh;q=0.9", "zh", "zh-Hans", "中文"},
		{"fr", "zh-CN", "en", "en", "English"}, // a name the catalogue lacks is English, not the header's
	} {
		got := Pick(tc.asked, tc.header)
		if got != tc.want {
			t.Errorf("Pick(%q, %q) = %q, want %q", tc.asked, tc.header, got, tc.want)
		}
		if tag := HTMLTag(got); tag != tc.tag {
			t.Errorf("HTMLTag(%q) = %q, want %q", got, tag, tc.tag)
		}
		if name := Name(got); name != tc.name {
			t.Errorf("Name(%q) = %q, want %q", got, name, tc.name)
		}
	}
}

func TestJSModule(t *testing.T) {
	js := string(JSModule())
	if !strings.Contains(js, "export const messages = {") || !strings.Contains(js, `"prompt.run":"运行"`) {
		t.Errorf("JSModule() = %.200s…", js)
	}
}
