package lessons

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/transformer-explorer/explorer/trace"
)

// gpt2Small is real GPT-2's configuration, the model lessons compare the
// loaded one with.
var gpt2Small = trace.ModelInfo{Name: "gpt2", NLayer: 12, NHead: 12, NEmbd: 768, NInner: 3072, NCtx: 1024, VocabSize: 50257}

// settings are the distinctive numbers of a model's configuration (small
// ones, like 4 heads, are too common in prose to tell apart).
func settings(m trace.ModelInfo) map[int64]bool {
	out := map[int64]bool{}
	for _, n := range []int64{int64(m.NEmbd), int64(m.Inner()), int64(m.NCtx), int64(m.VocabSize), m.Params()} {
		if n >= 100 {
			out[n] = true
		}
	}
	return out
}

// gptFacts are the published sizes of GPT-1, GPT-2 and GPT-3 that lessons
// quote as those models' facts: layers, widths, heads, head sizes,
// contexts, vocabularies.
var gptFacts = map[int64]bool{
	12: true, 768: true, 3072: true, 512: true, 40478: true, 64: true, // GPT-1, GPT-2 small
	24: true, 1024: true, 36: true, 1280: true, 48: true, 1600: true, 25: true, 50257: true, 124439808: true, // GPT-2
	96: true, 12288: true, 2048: true, 128: true, // GPT-3
}

// smallSettings are patterns that state the loaded model's head count,
// layer count or head size as a number ("4 heads", "H = 4", "4 个头").
func smallSettings(m trace.ModelInfo) []*regexp.Regexp {
	n := func(x int) string { return strconv.Itoa(x) }
	return []*regexp.Regexp{
		regexp.MustCompile(`(^|[^\d.,])` + n(m.NHead) + `\s*(heads?\b|个头)|\bH\s*=\s*` + n(m.NHead) + `\b`),
		regexp.MustCompile(`(^|[^\d.,])` + n(m.NLayer) + `\s*(layers?\b|blocks?\b|层|块)|\bL\s*=\s*` + n(m.NLayer) + `\b`),
		regexp.MustCompile(`\bd_?k\s*=\s*` + n(m.HeadSize()) + `\b`),
	}
}

// visit calls f on n and on its descendants, depth first, but not on
// those of a node for which f returns false.
func visit(n *html.Node, f func(*html.Node) bool) {
	if f(n) {
		for c := range n.ChildNodes() {
			visit(c, f)
		}
	}
}

// textUnits returns the rendered lesson's text in units a claim lives in:
// each sentence of a paragraph or list item, each table whole, each
// display formula. Math annotations (the TeX source) are left out.
func textUnits(t *testing.T, s string) []string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		switch {
		case n.Type == html.TextNode:
			return n.Data
		case n.Type == html.ElementNode && n.Data == "annotation":
			return ""
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
			if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th" || c.Data == "mn" || c.Data == "mi" || c.Data == "mo") {
				b.WriteString(" ")
			}
		}
		return b.String()
	}
	var units []string
	visit(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		switch n.Data {
		case "table", "pre", "figure":
			units = append(units, text(n))
			return false
		case "details":
			return false // an exercise's answer, computed and checked by TestExercisesIndependently
		case "p", "li", "h1", "h2", "summary":
			units = append(units, regexp.MustCompile(`[.。!?；;]\s|[。！？；]`).Split(text(n)+" ", -1)...)
			return false
		}
		return true
	})
	return units
}

// numbersIn returns the integers written in s ("50,257" and "50257"
// alike), leaving out the digits of model names ("GPT-2").
func numbersIn(s string) []int64 {
	s = regexp.MustCompile(`GPT-\d`).ReplaceAllString(s, "GPT")
	var out []int64
	for _, m := range regexp.MustCompile(`\d{1,3}(?:,\d{3})+|\d+`).FindAllString(s, -1) {
		if n, err := strconv.ParseInt(strings.ReplaceAll(m, ",", ""), 10, 64); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// notSettings are numbers that lessons state as facts of their own, not
// as a model's setting, although some model has them as a setting.
var notSettings = map[string]map[int64]bool{
	"tokenization": {256: true}, // the 256 byte values that start every byte-level BPE vocabulary
}

// TestNumbersFollowConfig renders every lesson, in both languages, on two
// models of different shapes (the tiny random model: width 32, context 64,
// GPT-2's vocabulary; the embedded default: width 128, context 256, 4,096
// tokens). Every setting of the loaded model that a lesson quotes must be
// that model's: a distinctive setting of another model (the other one, or
// real GPT-2) may appear only in a sentence or table that names a GPT
// model it belongs to ("GPT-2's table has 1,024 rows"); a setting of the
// loaded model in a sentence about a GPT model must come with the loaded
// model's name, so that it is not read as GPT-2's ("GPT-2 cannot read more
// than 256 tokens" was such a sentence). And each lesson names the loaded
// model.
func TestNumbersFollowConfig(t *testing.T) {
	lib := mustLoad(t)
	const prompt = "Once upon a time a small robot walked to town."
	models := []*trace.Trace{tinyTrace(t, prompt), defaultTrace(t, prompt)}
	if a, b := models[0].Model, models[1].Model; a.NEmbd == b.NEmbd || a.NCtx == b.NCtx || a.VocabSize == b.VocabSize {
		t.Fatalf("the two models must differ in width, context and vocabulary: %+v, %+v", a, b)
	}
	for i, tr := range models {
		own := settings(tr.Model)
		foreign := map[int64]string{}
		for _, other := range []trace.ModelInfo{models[1-i].Model, gpt2Small} {
			for n := range settings(other) {
				if !own[n] {
					foreign[n] = other.Name
				}
			}
		}
		d := FromTrace(tr)
		for _, r := range staticLessons(t, lib, d) {
			l, h := r.lesson, r.html
			if !strings.Contains(h, tr.Model.Name) {
				t.Errorf("%s on %s: the lesson never names the loaded model", l.File, tr.Model.Name)
			}
			for _, u := range textUnits(t, h) {
				if strings.Contains(u, "GPT") {
					// A claim about a named GPT model: a setting of the
					// loaded model in it must be said to be the loaded
					// model's, side by side ("12 in GPT-2 small, 4 in
					// explorer-stories"), never GPT-2's.
					if strings.Contains(u, tr.Model.Name) {
						continue
					}
					for _, n := range numbersIn(u) {
						if own[n] && !gptFacts[n] && !notSettings[l.ID][n] {
							t.Errorf("%s on %s: %d, a setting of the loaded model, is stated next to a GPT model without naming %s: %q", l.File, tr.Model.Name, n, tr.Model.Name, strings.Join(strings.Fields(u), " "))
						}
					}
					for _, re := range smallSettings(tr.Model) {
						if m := re.FindString(regexp.MustCompile(`GPT-\d`).ReplaceAllString(u, "GPT")); m != "" {
							t.Errorf("%s on %s: %q, the loaded model's, is stated next to a GPT model without naming %s: %q", l.File, tr.Model.Name, strings.TrimSpace(m), tr.Model.Name, strings.Join(strings.Fields(u), " "))
						}
					}
					continue
				}
				for _, n := range numbersIn(u) {
					if from, bad := foreign[n]; bad && !notSettings[l.ID][n] {
						t.Errorf("%s on %s: %d is a setting of %s, not of the loaded model, in %q", l.File, tr.Model.Name, n, from, strings.Join(strings.Fields(u), " "))
					}
				}
			}
		}
	}
}

// TestHandoutAbout checks the handout's "which model is this" box: the
// model's name and size from its config, what the explorer knows of a
// known model, an honest "only its configuration" for another, and how
// to load real GPT-2. The size is 4096·128 + 256·128 + 4·(12·128² + 13·128)
// + 2·128 = 1,350,400 parameters for the default model, counted by hand.
func TestHandoutAbout(t *testing.T) {
	lib := mustLoad(t)
	for _, tc := range []struct {
		tr   *trace.Trace
		lang string
		want []string
	}{
		{defaultTrace(t, "Once upon a time"), "en", []string{"Which model is this?", "explorer-stories", "1,350,400 parameters · 4 layers · 4 heads · width 128 · context 256 tokens · vocabulary 4,096", "Trained on", "English and Simplified Chinese", "explorer models pull gpt2"}},
		{defaultTrace(t, "Once upon a time"), "zh", []string{"这是哪个模型？", "训练数据", "英语和简体中文", "explorer models pull gpt2"}},
		{tinyTrace(t, "Hello"), "en", []string{"tiny-gpt2", "width 32 · context 64 tokens · vocabulary 50,257", "knows only this model's configuration"}},
	} {
		page := html.UnescapeString(handout(t, lib, tc.lang, tc.tr))
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("the %s handout on %s lacks %q", tc.lang, tc.tr.Model.Name, w)
			}
		}
	}
}

// A renderedLesson is one lesson rendered as a static page.
type renderedLesson struct {
	lang   string
	lesson *Lesson
	html   string
}

// staticLessons renders every lesson of every language on d as a static
// page (the handout's rendering).
func staticLessons(t *testing.T, lib *Library, d *Data) []renderedLesson {
	t.Helper()
	var out []renderedLesson
	for _, lang := range Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			ctx := NewContext(d)
			ctx.Static = true
			h, err := lib.Render(l.ID, lang, ctx)
			if err != nil {
				t.Fatalf("render %s (%s): %v", l.File, lang, err)
			}
			out = append(out, renderedLesson{lang, l, string(h)})
		}
	}
	return out
}

// TestWording renders every lesson and checks words a reader should not
// meet: the expression language's and the config's raw names in prose
// (they belong in code), and Chinese wordings a reviewer found wrong or
// unnatural; the Chinese lessons must call positional encoding 位置编码
// and gloss logit.
func TestWording(t *testing.T) {
	lib := mustLoad(t)
	d := FromTrace(defaultTrace(t, "Once upon a time a small robot walked to town."))
	raw := regexp.MustCompile(`\b(n_bytes|n_chars|n_embd|n_layer|n_head|n_inner|n_ctx|vocab_size|d_head)\b`)
	bad := []string{"大头", "轨迹中的值是", "离散程度", "替身"}
	var zh strings.Builder
	for _, r := range staticLessons(t, lib, d) {
		lang, l, h := r.lang, r.lesson, r.html
		for _, u := range textUnits(t, h) {
			if strings.Contains(u, "explorer ") || strings.Contains(u, "import ") {
				continue // a code block
			}
			if m := raw.FindString(u); m != "" {
				t.Errorf("%s: the raw name %q in prose: %q", l.File, m, strings.Join(strings.Fields(u), " "))
			}
			for _, b := range bad {
				if strings.Contains(u, b) {
					t.Errorf("%s: %q in %q", l.File, b, strings.Join(strings.Fields(u), " "))
				}
			}
		}
		for id, d := range l.exercises { // the explanation of each answer
			if m := raw.FindString(d.args["how"]); m != "" {
				t.Errorf("%s: exercise %s explains with the raw name %q", l.File, id, m)
			}
			for _, b := range bad {
				if strings.Contains(d.args["how"], b) {
					t.Errorf("%s: exercise %s: %q", l.File, id, b)
				}
			}
		}
		if lang == "zh" {
			zh.WriteString(h)
		}
	}
	for _, want := range []string{"位置编码", "logit</strong>（"} {
		if !strings.Contains(zh.String(), want) {
			t.Errorf("the Chinese lessons never say %q", want)
		}
	}
}
