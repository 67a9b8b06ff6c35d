package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/lessons/i18n"
)

// pageData is what the page template shows before any prompt runs.
type pageData struct {
	// Lang is the language the server renders in, "en" or "zh"; the
	// page's script may switch it in place.
	Lang       string
	ModelName  string
	ModelError string
	Layers     int
	Heads      int
	Width      int
	Context    int
	Vocab      int
	Params     int64
	Steps      []stepInfo
	// Card holds what the explorer knows of the model beyond its config
	// (lessons.About), or nil for a model it knows only by its config.
	Card *modelCard
	// Source names the trace file the page opens on, if any; CanRun
	// reports whether prompts can run (the server has a model).
	Source string
	CanRun bool
	// Room, on a classroom page, configures the room bar.
	Room *Room
	// InitialView, when set, is the view (JSON {prompt, step, head,
	// lang}) the page opens on instead of its address's.
	InitialView string
}

// T returns a message of the catalogue in the page's language.
func (d pageData) T(key string, args ...any) string { return i18n.T(d.Lang, key, args...) }

// Args encodes a message's arguments for data-i18n-args, so the page's
// script can fill the message again in another language.
func (d pageData) Args(args ...any) string {
	m := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		m[args[i].(string)] = args[i+1]
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// tr is i18n.T for templates that have a language but no pageData.
func tr(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

// requestLang picks the language of a page request: ?lang=, else the
// browser's Accept-Language.
func requestLang(r *http.Request) string {
	return i18n.Pick(r.FormValue("lang"), r.Header.Get("Accept-Language"))
}

// A Bilingual is a text in English and Chinese.
type Bilingual struct{ EN, ZH string }

// In returns the text in lang.
func (b Bilingual) In(lang string) string {
	if i18n.Match(lang) == i18n.ZH && b.ZH != "" {
		return b.ZH
	}
	return b.EN
}

// A modelCard is what the lessons know of a model (lessons.About) in
// both languages, for the page's "which model is this" panel, which the
// script switches in place.
type modelCard struct {
	Data, Languages, Can, Cannot Bilingual
}

// A cardFact is one fact of a model card with its catalogue label.
type cardFact struct {
	key  string
	text Bilingual
}

// facts returns the card's facts in the order the model panel lists them.
func (c *modelCard) facts() []cardFact {
	return []cardFact{{"model.data", c.Data}, {"model.langs", c.Languages}, {"model.can", c.Can}, {"model.cannot", c.Cannot}}
}

// A knob is one of the generation panel's sampling inputs: its catalogue
// label and its number input's attributes (max is left out when empty).
type knob struct{ key, id, value, min, max, step string }

// samplingKnobs are the generation panel's inputs, in order.
var samplingKnobs = []knob{
	{"gen.temperature", "temperature", "1", "0", "10", "0.1"},
	{"gen.topK", "top-k", "0", "0", "", "1"},
	{"gen.topP", "top-p", "1", "0.01", "1", "0.05"},
	{"gen.seed", "seed", "1", "0", "", "1"},
}

// cardOf returns the panel's card of the model named name, its {vocab}
// filled with the loaded model's vocabulary size, or nil when the lessons
// know it only by its config.
func cardOf(name string, vocab int) *modelCard {
	en, zh := lessons.About(name, "en", vocab), lessons.About(name, "zh", vocab)
	if !en.Known {
		return nil
	}
	return &modelCard{
		Data:      Bilingual{EN: en.Data, ZH: zh.Data},
		Languages: Bilingual{EN: en.Langs, ZH: zh.Langs},
		Can:       Bilingual{EN: en.Can, ZH: zh.Can},
		Cannot:    Bilingual{EN: en.Cannot, ZH: zh.Cannot},
	}
}

// A Room configures the classroom bar of a room page (web/classroom).
type Room struct {
	// Role is "teacher" or "student".
	Role string
	// Code is the room code students type.
	Code string
	// JoinURL is the address students open, shown on the teacher's bar.
	JoinURL string
	// View is the room's current view as JSON, or "" before the teacher
	// has shown anything; the page opens on it.
	View string
}

// data returns the page's data for a request.
func (s *Server) data(r *http.Request) pageData {
	d := pageData{Lang: requestLang(r), Steps: s.steps, CanRun: s.opt.Model != nil}
	switch m, tr := s.opt.Model, s.opt.Trace; {
	case tr != nil:
		d.ModelName, d.Source = tr.Model.Name, s.opt.TraceName
		d.Layers, d.Heads, d.Width, d.Context, d.Vocab = tr.Model.NLayer, tr.Model.NHead, tr.Model.NEmbd, tr.Model.NCtx, tr.Model.VocabSize
	case m != nil:
		c := m.Config
		d.ModelName = m.Name
		d.Layers, d.Heads, d.Width, d.Context, d.Vocab = c.NLayer, c.NHead, c.NEmbd, c.NPositions, c.VocabSize
		d.Params = c.NumParams()
	default:
		d.ModelError = s.opt.ModelError.Error()
	}
	d.Card = cardOf(d.ModelName, d.Vocab)
	return d
}

func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := page(s.data(r)).Render(r.Context(), w); err != nil {
		s.opt.Logger.Error("render page", "err", err)
	}
}

// RoomPage returns the explorer page of a classroom room: the page with
// the room bar and script, opening on the room's view. web/classroom
// serves it for /room/{code} and /room/{code}/teacher.
func (s *Server) RoomPage(r *http.Request, room Room) templ.Component {
	d := s.data(r)
	d.Room = &room
	d.InitialView = room.View
	return page(d)
}

// A stepGroup is one button of the timeline's top row: the steps before
// the blocks, one layer, or the steps after them.
type stepGroup struct {
	ID    string // "in", "L3", "out"
	Key   string // its catalogue key
	Layer int
	First int // the index of its first step
}

// groupOf returns the timeline group of a step.
func groupOf(st stepInfo) string {
	switch {
	case st.Layer >= 0:
		return "L" + itoa(st.Layer)
	case st.Kind == "tokenize" || st.Kind == "embed" || st.Kind == "pos_embed":
		return "in"
	}
	return "out"
}

// stepGroups lists the timeline's groups in step order.
func stepGroups(steps []stepInfo) []stepGroup {
	var out []stepGroup
	for i, st := range steps {
		g := groupOf(st)
		if len(out) > 0 && out[len(out)-1].ID == g {
			continue
		}
		key := "nav.layer"
		switch g {
		case "in":
			key = "nav.input"
		case "out":
			key = "nav.output"
		}
		out = append(out, stepGroup{ID: g, Key: key, Layer: st.Layer, First: i})
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
