package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/transformer-explorer/explorer/engine/defaultmodel"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/viz"
)

// TestCLILessonsExport writes handouts in both languages on the tiny model
// and checks that each is one complete page that needs no server: every
// lesson present, the stylesheet inlined, math as MathML, answers shown,
// and nothing loaded from elsewhere.
func TestCLILessonsExport(t *testing.T) {
	for _, tc := range []struct {
		lang, prompt, title string
	}{
		{"en", "The cat sat on the mat because it was tired", "Self-attention in six steps"},
		{"zh", "猫坐在垫子上，因为它累了。", "自注意力的六个步骤"},
	} {
		dir := filepath.Join(t.TempDir(), "handout")
		code, out, errs := runCLI(t, "lessons", "export", "--model", tinyModel, "--prompt", tc.prompt, "--lang", tc.lang, "--out", dir, "--layer", "1", "--head", "3")
		if code != 0 {
			t.Fatalf("lessons export --lang %s: exit %d: %s", tc.lang, code, errs)
		}
		if !strings.Contains(out, "index.html") {
			t.Errorf("output %q does not name the file written", out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		var remote []string
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				count[n.Data]++
				for _, a := range n.Attr {
					switch {
					case a.Key == "class":
						count["."+a.Val]++
					case a.Key == "lang" && n.Data == "html":
						count["lang="+a.Val]++
					case (a.Key == "src" || a.Key == "href") && (strings.Contains(a.Val, "://") || strings.HasPrefix(a.Val, "//")):
						remote = append(remote, a.Val)
					case a.Key == "src":
						if _, err := os.Stat(filepath.Join(dir, a.Val)); err != nil {
							t.Errorf("image %s is missing: %v", a.Val, err)
						}
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		want := map[string]int{"article": 14, "style": 1, ".lesson-answer": 20, "img": 6}
		for k, n := range want {
			if count[k] < n {
				t.Errorf("%s handout: %d %s, want at least %d", tc.lang, count[k], k, n)
			}
		}
		if count["math"] < 40 || count["button"] != 0 || count["script"] != 0 {
			t.Errorf("%s handout: %d math, %d buttons, %d scripts; want MathML, no buttons, no scripts", tc.lang, count["math"], count["button"], count["script"])
		}
		if tc.lang == "zh" && count["lang=zh-Hans"] != 1 {
			t.Errorf("zh handout is not marked lang=zh-Hans")
		}
		if len(remote) > 0 {
			t.Errorf("%s handout loads from elsewhere: %v", tc.lang, remote)
		}
		if !strings.Contains(string(b), tc.title) {
			t.Errorf("%s handout lacks the lesson %q", tc.lang, tc.title)
		}
	}
}

func TestCLILessonsExportErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"lessons"}, 2, "Usage: explorer lessons export"},
		{[]string{"lessons", "export", "--model", tinyModel, "--out", dir}, 1, "--prompt"},
		{[]string{"lessons", "export", "--model", tinyModel, "--prompt", "Hi"}, 1, "--out"},
		{[]string{"lessons", "export", "--model", tinyModel, "--prompt", "Hi", "--out", dir, "--lang", "fr"}, 1, "unknown language"},
		{[]string{"lessons", "export", "--model", tinyModel, "--prompt", "Hi there", "--out", dir, "--layer", "7"}, 1, "layer 7"},
	} {
		code, _, errs := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("explorer %s: exit %d, stderr %q; want exit %d mentioning %q", strings.Join(tc.args, " "), code, errs, tc.code, tc.want)
		}
	}
}

// TestLessonPlotKinds keeps the plots lessons may ask for equal to viz's.
func TestLessonPlotKinds(t *testing.T) {
	if got, want := strings.Join(lessons.PlotKinds(), " "), strings.Join(viz.Kinds(), " "); got != want {
		t.Errorf("lessons.PlotKinds() = %s, want viz.Kinds() = %s", got, want)
	}
}

// TestLessonsOnDefaultModel renders every lesson in both languages on the
// embedded default model, so that every binding resolves on it too.
func TestLessonsOnDefaultModel(t *testing.T) {
	ctx := context.Background()
	m, tok, err := loadModel(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tr, err := runPromptTrace(ctx, m, tok, "Once upon a time, a little robot found a", "", "")
	if err != nil {
		t.Fatal(err)
	}
	lib, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := lessons.FromTrace(tr)
	last := lessons.NewContext(d)
	deep := lessons.NewContext(d)
	deep.Layer, deep.Head, deep.Query, deep.Key = d.Model.NLayer-1, d.Model.NHead-1, 2, 1
	for _, lang := range lessons.Langs() {
		ls, _ := lib.List(lang)
		for _, l := range ls {
			for _, c := range []lessons.Context{last, deep} {
				h, err := lib.Render(l.ID, lang, c)
				if err != nil {
					t.Errorf("default model: %v", err)
				} else if strings.Contains(string(h), "lesson-na") {
					t.Errorf("default model: %s has an unavailable value at layer %d, query %d", l.File, c.Layer, c.Query)
				}
			}
		}
	}
}

// TestCLILessonsExportContent exports the handout on the embedded model in
// both languages and checks that it holds the history, positional
// encoding, safety and multilingual lessons, with the loaded model's live
// numbers, and that a one-token prompt (no next-token loss, no loss plot)
// still gives a whole handout.
func TestCLILessonsExportContent(t *testing.T) {
	for _, tc := range []struct {
		lang, prompt string
		want         []string
	}{
		{"en", "Once upon a time, Lily had a red hat. Lily had a red hat.", []string{
			"2017", "Google", "GPT-1", "encoder–decoder", "decoder-only", "few-shot", "in-context",
			"sinusoid", "learned table", "√d_k", "induction head", "Supervised fine-tuning", "Adam",
			"training on a billion tokens", "safety", "RLHF", "multilingual", "from_pretrained", "client.completions.create",
			`model="explorer-stories"`, "explorer-stories", "Numbers from explorer-stories"}},
		{"zh", "从前有一个小女孩，她叫小红。小红有一顶红帽子。", []string{
			"2017", "Google", "GPT-1", "编码器–解码器", "仅解码器", "少样本", "上下文学习",
			"正弦", "位置编码", "归纳头", "有监督微调", "Adam", "安全", "RLHF", "多语言",
			"from_pretrained", `model="explorer-stories"`, "数值来自 explorer-stories"}},
		{"en", "Hi", []string{"Not available for this prompt", "Where GPT comes from"}},
	} {
		dir := filepath.Join(t.TempDir(), "handout")
		code, _, errs := runCLI(t, "lessons", "export", "--prompt", tc.prompt, "--lang", tc.lang, "--out", dir)
		if code != 0 {
			t.Fatalf("lessons export --lang %s on %q: exit %d: %s", tc.lang, tc.prompt, code, errs)
		}
		b, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		page := html.UnescapeString(string(b))
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("the %s handout of %q lacks %q", tc.lang, tc.prompt, w)
			}
		}
	}
	code, _, errs := runCLI(t, "lessons")
	if code == 0 || !strings.Contains(errs, "--layer N] [--head N] [--query P] [--key P]") {
		t.Errorf("explorer lessons: exit %d, usage %q lacks --layer, --head, --query and --key", code, errs)
	}
}

// TestFineTuningRunIsCurrent checks that the fine-tuning lesson's recorded
// run (lessons/content/runs/fine-tuning.json) was made on the model this
// binary embeds, so that the lesson's before/after figures are that
// model's.
func TestFineTuningRunIsCurrent(t *testing.T) {
	lib, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	run, ok := lib.Run("fine-tuning")
	if !ok {
		t.Fatal("no recorded fine-tuning run")
	}
	b, err := fs.ReadFile(defaultmodel.FS(), "model.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got, want := run["model_sha256"], hex.EncodeToString(sum[:]); got != want {
		t.Errorf("the fine-tuning run was recorded on model %v, the embedded model is %s (HINT: run python3 lessons/content/runs/fine-tuning.py and commit fine-tuning.json, and review the model's card in lessons/about.go)", got, want)
	}
	for _, k := range []string{"acc_before", "acc_after"} {
		if a, ok := run[k].(float64); !ok || !(a >= 0 && a <= 1) {
			t.Errorf("%s = %v, want an accuracy in [0, 1]", k, run[k])
		}
	}
}
