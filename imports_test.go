// Package explorer_test checks the import rules of the repository: data
// flows one way, tokenizer → engine → trace → viz/web, and nothing reaches
// back upstream.
package explorer_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/transformer-explorer/explorer"

// allowed maps a package (or a tree, when it ends in "/...") to the trees of
// this module it may import. Subpackages of a tree may always import the
// tree's own packages.
var allowed = []struct {
	pkg   string
	may   []string
	label string
}{
	{"trace/...", nil, "trace imports nothing of ours"},
	{"lessons/...", []string{"trace/..."}, "lessons read traces, never run the engine"},
	{"engine/tokenizer/...", []string{"engine/pages"}, "the tokenizer stands alone (but for the pages its tables are read into)"},
	{"engine/pages/...", nil, "page advice stands alone"},
	{"engine/kernel/...", []string{"engine/pages"}, "kernels stand alone (but for asking for huge pages)"},
	{"engine/hub/...", []string{"engine/pages"}, "the hub client stands alone (but for writing in page-cache folios)"},
	{"engine/atomicfile/...", []string{"engine/pages"}, "atomic file writes stand alone (but for writing in page-cache folios)"},
	{"engine/...", []string{"trace/..."}, "the engine feeds trace, never viz, web or lessons"},
	{"viz/...", []string{"trace/...", "lessons/i18n"}, "viz draws traces, never runs the engine; its plots' words come from the lessons' message catalogue"},
	{"web/...", []string{"engine/...", "trace/...", "viz/...", "lessons/..."}, "web may use everything but cmd"},
	{"cmd/...", []string{"engine/...", "trace/...", "viz/...", "web/...", "lessons/..."}, "cmd wires everything"},
}

func within(pkg, tree string) bool {
	if t, ok := strings.CutSuffix(tree, "/..."); ok {
		return pkg == t || strings.HasPrefix(pkg, t+"/")
	}
	return pkg == tree
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		rule := -1
		for i, r := range allowed {
			if within(pkg, r.pkg) {
				rule = i
				break
			}
		}
		if rule < 0 {
			continue // the root test package
		}
		r := allowed[rule]
		root := strings.TrimSuffix(r.pkg, "/...")
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module+"/")
			if !ours {
				continue
			}
			ok := within(dep, root+"/...")
			for _, m := range r.may {
				ok = ok || within(dep, m)
			}
			if !ok {
				t.Errorf("%s imports %s: %s", pkg, dep, r.label)
			}
		}
	}
}
