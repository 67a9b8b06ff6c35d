package classroom_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/lessons"
	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/classroom"
	"github.com/transformer-explorer/explorer/web/internal/browsertest"
)

const tinyModel = "../../testdata/conformance/tiny-gpt2"

// newClassroom serves the tiny model with a room, as explorer serve
// --classroom does.
func newClassroom(t *testing.T) (*classroom.Room, *httptest.Server) {
	t.Helper()
	m, tok, err := engine.LoadDir(context.Background(), tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	lib, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(web.Options{Model: m, Tokenizer: tok, Lessons: lib})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := classroom.NewHub(classroom.Options{Page: srv})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("/room/", hub)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		hub.Close()
		srv.Close()
		ts.Close()
	})
	return hub.NewRoom(), ts
}

// browser starts headless Chromium and returns two tabs in separate
// browser contexts (no shared storage), as two machines would be. Without
// Chromium the test is skipped, except under CI=true.
func browser(t *testing.T) (teacher, student context.Context) {
	t.Helper()
	alloc := browsertest.Allocator(t, 1400, 900)
	teacher, cancelTeacher := chromedp.NewContext(alloc)
	if err := chromedp.Do(teacher); err != nil { // starts the browser
		cancelTeacher()
		t.Fatal(err)
	}
	student, cancelStudent := chromedp.NewContext(teacher, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		cancelStudent()
		cancelTeacher()
	})
	return teacher, student
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// shot saves a screenshot when EXPLORER_SHOTS names a directory.
func shot(name string) chromedp.Action[chromedp.Void] {
	dir := os.Getenv("EXPLORER_SHOTS")
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if dir == "" {
			return nil
		}
		buf, err := chromedp.CaptureScreenshot()(ctx, t) // the viewport, as the learner sees it
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	})
}

// Expressions read in the pages.
const (
	stepID   = `(window.__explorer.steps[window.__explorer.step] || {}).id`
	painted  = `(() => { const c = document.querySelector('#heatmaps canvas'); return !!c && c.width > 0; })()`
	roomUp   = `!!window.__room && window.__room.connected`
	ranText  = `(window.__explorer.tokens && window.__explorer.done ? window.__explorer.tokens.text : '')`
	headNow  = `window.__explorer.head`
	titleNow = `document.querySelector('#step-title').textContent`
)

// follows is true once the student shows the teacher's step, head and
// prompt.
func follows(step string, head int, prompt string) chromedp.Action[chromedp.Void] {
	return browsertest.Until(stepID + ` === ` + jsString(step) + ` && ` + headNow + ` === ` + itoa(head) + ` && ` + ranText + ` === ` + jsString(prompt))
}

// TestBrowserTeacherMovesStudent: the teacher steps forward, picks a head
// and runs a new prompt, and the student's page follows each time; the
// student wanders off, stays put while the teacher moves, and "Follow
// teacher" brings them back. The teacher's key never reaches the student.
func TestBrowserTeacherMovesStudent(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	room, ts := newClassroom(t)
	teacher, student := browser(t)
	const prompt = "The cat sat on the mat"

	err := chromedp.Do(teacher,
		chromedp.Navigate(ts.URL+"/room/"+room.Code()+"/teacher?key="+room.Key()+"#prompt=The+cat+sat+on+the+mat&step=L0.scores&head=0"),
		browsertest.Until(roomUp),
		browsertest.Until(painted),
		browsertest.Until(`location.search === ''`), // the key left the address bar
		shot("teacher-start"),
	)
	if err != nil {
		t.Fatalf("teacher page: %v", err)
	}
	err = chromedp.Do(student,
		chromedp.Navigate(ts.URL+"/room/"),
		chromedp.SendKeys(chromedp.CSS("#room-code"), strings.ToLower(room.Code())),
	)
	if err != nil {
		t.Fatalf("join form: %v", err)
	}
	// Joining navigates to the room page.
	res, err := chromedp.RunResponse(student, click(`button[type=submit]`))
	if err != nil || res.Status != 200 || !strings.HasSuffix(res.URL, "/room/"+room.Code()) {
		t.Fatalf("join: %v, response %+v", err, res)
	}
	err = chromedp.Do(student,
		browsertest.Until(roomUp),
		follows("L0.scores", 0, prompt),
		browsertest.Until(painted),
		shot("student-joined"),
	)
	if err != nil {
		t.Fatalf("student joins: %v", err)
	}
	if n := room.Students(); n != 1 {
		t.Errorf("Students() = %d, want 1", n)
	}
	// The student's page ran the teacher's prompt first, not its default
	// and then the teacher's.
	if runs := eval[int](t, student, `window.__explorer.seq`); runs != 1 {
		t.Errorf("the student's page ran %d prompts on joining, want 1", runs)
	}
	if html := eval[string](t, student, `location.href + document.documentElement.outerHTML`); strings.Contains(html, room.Key()) {
		t.Fatal("the teacher's key reached the student's page")
	}

	// The teacher steps forward three times and picks head 2.
	if err := chromedp.Do(teacher, click("#next"), click("#next"), click("#next"), click(`#head-picker button[data-head="2"]`)); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, teacher, stepID); got != "L0.weighted_sum" {
		t.Fatalf("the teacher is at %s after three steps from L0.scores", got)
	}
	if err := chromedp.Do(student, follows("L0.weighted_sum", 2, prompt), browsertest.Until(painted), shot("student-following")); err != nil {
		t.Fatalf("the student did not follow the teacher's steps: %v", err)
	}
	if a, b := eval[string](t, teacher, titleNow), eval[string](t, student, titleNow); a != b {
		t.Errorf("step titles differ: teacher %q, student %q", a, b)
	}

	// A new prompt on the teacher's page runs on the student's.
	const prompt2 = "Once upon a time there was a dog"
	err = chromedp.Do(teacher,
		browsertest.Discard(chromedp.Evaluate[string](`document.querySelector('#prompt').value = `+jsString(prompt2))),
		browsertest.Discard(chromedp.Evaluate[bool](`document.querySelector('#prompt').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true}))`)),
		browsertest.Until(ranText+` === `+jsString(prompt2)),
		shot("teacher-driving"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(student, follows("L0.weighted_sum", 2, prompt2)); err != nil {
		t.Fatalf("the student did not run the teacher's new prompt: %v", err)
	}

	// The student wanders back a step; the teacher moves on; the student
	// stays, then follows again.
	if err := chromedp.Do(student, click("#back"), browsertest.Until(`!window.__room.following`), chromedp.WaitVisible(chromedp.CSS("#room-follow"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(teacher, click("#next"), browsertest.Until(stepID+` === 'L0.attn_out'`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(student, browsertest.Until(`window.__room.latest.step === 'L0.attn_out'`), shot("student-wandering")); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, student, stepID); got != "L0.mask" && got != "L0.softmax" {
		t.Errorf("the wandering student was moved to %s", got)
	}
	if err := chromedp.Do(student, click("#room-follow"), follows("L0.attn_out", 2, prompt2), browsertest.Until(`window.__room.following`)); err != nil {
		t.Fatalf("follow teacher: %v", err)
	}
	if err := chromedp.Do(teacher, browsertest.Until(`document.querySelector('#room-count').textContent === '1 student'`), shot("teacher-bar")); err != nil {
		t.Errorf("the teacher's bar does not count the student: %v", err)
	}

	// The teacher switches the lessons to Chinese; the student's page and
	// its room bar follow.
	err = chromedp.Do(teacher, click(`button.lang[data-lang="zh"]`), browsertest.Until(`document.querySelector('#room-count').textContent === '1 名学生'`))
	if err != nil {
		t.Fatalf("teacher in Chinese: %v", err)
	}
	err = chromedp.Do(student,
		browsertest.Until(`window.__explorer.lang === 'zh' && document.querySelector('#room-mode').textContent === '正在跟随老师'`),
		chromedp.WaitVisible(chromedp.CSS(`#lesson .lesson-panel[lang="zh"]`)),
		shot("student-zh"),
	)
	if err != nil {
		t.Fatalf("the student did not follow the teacher into Chinese: %v", err)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`)
	return "'" + r.Replace(s) + "'"
}

func itoa(i int) string {
	if i < 0 || i > 9 {
		panic("itoa: one digit only")
	}
	return string(rune('0' + i))
}
