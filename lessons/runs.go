package lessons

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// A lesson may quote a recorded run: a JSON object in content/runs/NAME.json
// written by the script beside it (content/runs/NAME.py), such as the
// fine-tuning lesson's one-minute `explorer train --init`. {{run NAME.KEY
// fmt=F}} shows one of its fields: a number formatted like {{value}}, or a
// string as text. The figures are not the learner's trace; the lesson says
// so, and a test of cmd/explorer checks that a run was recorded on the
// model the binary embeds.

// runs maps a run's name to its fields.
type runs map[string]map[string]any

// loadRuns reads every content/runs/*.json of fsys.
func loadRuns(fsys fs.FS) (runs, error) {
	files, err := fs.Glob(fsys, "runs/*.json")
	if err != nil {
		return nil, err
	}
	out := runs{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var fields map[string]any
		if err := json.Unmarshal(b, &fields); err != nil {
			return nil, fmt.Errorf("%s: %w (HINT: run %s.py again)", f, err, strings.TrimSuffix(f, ".json"))
		}
		out[strings.TrimSuffix(path.Base(f), ".json")] = fields
	}
	return out, nil
}

// Run returns the fields of a recorded run (content/runs/NAME.json), for
// the test that keeps it current; ok is false when there is no such run.
func (lib *Library) Run(name string) (fields map[string]any, ok bool) {
	fields, ok = lib.runs[name]
	return fields, ok
}

// field looks up "NAME.KEY".
func (rs runs) field(ref string) (any, error) {
	name, key, ok := strings.Cut(ref, ".")
	if !ok {
		return nil, fmt.Errorf("%q: want NAME.KEY, e.g. fine-tuning.acc_after", ref)
	}
	fields, ok := rs[name]
	if !ok {
		var have []string
		for n := range rs {
			have = append(have, n)
		}
		sort.Strings(have)
		return nil, fmt.Errorf("no recorded run %q (have %s)", name, strings.Join(have, ", "))
	}
	v, ok := fields[key]
	if !ok {
		return nil, fmt.Errorf("run %q has no field %q", name, key)
	}
	return v, nil
}

// checkRuns checks every {{run}} of the library against the recorded runs.
func (lib *Library) checkRuns() error {
	for _, ls := range lib.byLang {
		for _, l := range ls {
			for _, d := range l.directives() {
				if d.name != "run" {
					continue
				}
				if _, err := lib.runs.field(d.pos[0]); err != nil {
					return &posError{l.File, d.line, fmt.Errorf("{{run}}: %w", err)}
				}
			}
		}
	}
	return nil
}

// runText formats a run's field.
func (r *renderer) runText(d *directive, tex bool) (string, error) {
	v, err := r.runs.field(d.pos[0])
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case float64:
		return formatNumber(x, d.args["fmt"], tex)
	case string:
		if tex {
			return `\text{` + texText(x) + `}`, nil
		}
		return x, nil
	}
	return "", fmt.Errorf("run field %q is %T, want a number or a string", d.pos[0], v)
}
