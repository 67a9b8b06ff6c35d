package classroom_test

import (
	"context"
	"fmt"
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
// --classroom does: web and hub options are the explorer's and the
// hub's, to which it adds the model and the page.
func newClassroom(t *testing.T, wopt web.Options, hopt classroom.Options) (*classroom.Room, *httptest.Server) {
	t.Helper()
	m, tok, err := engine.LoadDir(context.Background(), tinyModel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	wopt.Model, wopt.Tokenizer = m, tok
	srv, err := web.NewServer(wopt)
	if err != nil {
		t.Fatal(err)
	}
	hopt.Page = srv
	hub, err := classroom.NewHub(hopt)
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

// lessonClassroom is a classroom whose explorer shows the lessons, as the
// browser tests need.
func lessonClassroom(t *testing.T) (*classroom.Room, *httptest.Server) {
	t.Helper()
	lib, err := lessons.Load()
	if err != nil {
		t.Fatal(err)
	}
	return newClassroom(t, web.Options{Lessons: lib}, classroom.Options{})
}

// browser starts headless Chromium and returns two tabs in separate
// browser contexts (no shared storage), as two machines would be. Without
// Chromium the test is skipped, except under CI=true.
func browser(t *testing.T) (teacher, student context.Context) {
	t.Helper()
	teacher = browsertest.Tab(t, 1400, 900)
	if err := chromedp.Do(teacher); err != nil { // starts the browser
		t.Fatal(err)
	}
	student, cancel := chromedp.NewContext(teacher, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	return teacher, student
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

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
	stepID   = `explorer.view().step`
	painted  = `(() => { const c = document.querySelector('#heatmaps .hm-area canvas'); return !!c && c.width > 0; })()`
	roomUp   = `!!window.room && window.room.connected`
	ranText  = `(explorer.run() && explorer.run().done ? explorer.run().text : '')`
	headNow  = `explorer.view().head`
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
	room, ts := lessonClassroom(t)
	teacher, student := browser(t)
	const prompt = "The cat sat on the mat"

	err := chromedp.Do(teacher,
		chromedp.Navigate(ts.URL+"/room/"+room.Code()+"/teacher?key="+room.Key()+"#prompt=The+cat+sat+on+the+mat&step=L0.scores&head=0"),
		browsertest.Until(roomUp),
		browsertest.Until(painted),
		browsertest.Until(`!new URLSearchParams(location.search).has('key')`), // the key left the address bar
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
	if err != nil || res.Status != 200 || !strings.Contains(res.URL, "/room/"+room.Code()) {
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
	if runs := browsertest.Eval[int](t, student, `explorer.run().seq`); runs != 1 {
		t.Errorf("the student's page ran %d prompts on joining, want 1", runs)
	}
	if html := browsertest.Eval[string](t, student, `location.href + document.documentElement.outerHTML`); strings.Contains(html, room.Key()) {
		t.Fatal("the teacher's key reached the student's page")
	}

	// The teacher steps forward three times and picks head 2.
	if err := chromedp.Do(teacher, click("#next"), click("#next"), click("#next"), click(`#head-picker button[data-head="2"]`)); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Eval[string](t, teacher, stepID); got != "L0.weighted_sum" {
		t.Fatalf("the teacher is at %s after three steps from L0.scores", got)
	}
	if err := chromedp.Do(student, follows("L0.weighted_sum", 2, prompt), browsertest.Until(painted), shot("student-following")); err != nil {
		t.Fatalf("the student did not follow the teacher's steps: %v", err)
	}
	if a, b := browsertest.Eval[string](t, teacher, titleNow), browsertest.Eval[string](t, student, titleNow); a != b {
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
	if err := chromedp.Do(student, click("#back"), browsertest.Until(`!window.room.following`), chromedp.WaitVisible(chromedp.CSS("#room-follow"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(teacher, click("#next"), browsertest.Until(stepID+` === 'L0.attn_out'`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(student, browsertest.Until(`window.room.latest.step === 'L0.attn_out'`), shot("student-wandering")); err != nil {
		t.Fatal(err)
	}
	if got := browsertest.Eval[string](t, student, stepID); got != "L0.mask" && got != "L0.softmax" {
		t.Errorf("the wandering student was moved to %s", got)
	}
	if err := chromedp.Do(student, click("#room-follow"), follows("L0.attn_out", 2, prompt2), browsertest.Until(`window.room.following`)); err != nil {
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
		browsertest.Until(`explorer.lang() === 'zh' && document.querySelector('#room-mode').textContent === '正在跟随老师'`),
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

// TestBrowserTeacherTakesOver: the teacher link opened in a second browser
// (another machine: no shared storage) drives the room while the student
// keeps following; the first teacher tab becomes a follower. A teacher
// page without the key says what to do.
func TestBrowserTeacherTakesOver(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	room, ts := lessonClassroom(t)
	first, student := browser(t)
	second, cancel := chromedp.NewContext(first, chromedp.WithNewBrowserContext())
	defer cancel()
	lost, cancelLost := chromedp.NewContext(first, chromedp.WithNewBrowserContext())
	defer cancelLost()
	teacherURL := ts.URL + "/room/" + room.Code() + "/teacher?key=" + room.Key()
	err := chromedp.Do(first,
		chromedp.Navigate(teacherURL+"#prompt=The+cat+sat&step=L0.scores&head=0"),
		browsertest.Until(`!!window.room && window.room.driving`),
		browsertest.Until(painted),
	)
	if err != nil {
		t.Fatalf("first teacher: %v", err)
	}
	if err := chromedp.Do(student, chromedp.Navigate(ts.URL+"/room/"+room.Code()), browsertest.Until(roomUp), follows("L0.scores", 0, "The cat sat")); err != nil {
		t.Fatalf("student: %v", err)
	}
	// The same link on another machine.
	err = chromedp.Do(second,
		chromedp.Navigate(teacherURL),
		browsertest.Until(`!!window.room && window.room.driving`),
		browsertest.Until(painted),
	)
	if err != nil {
		t.Fatalf("second teacher: %v", err)
	}
	if err := chromedp.Do(first, browsertest.Until(`!window.room.driving && !document.querySelector('#room-take').hidden`), shot("teacher-taken")); err != nil {
		t.Fatalf("the first teacher tab did not hand over: %v", err)
	}
	if got := browsertest.Eval[string](t, second, stepID); got != "L0.scores" {
		t.Errorf("the second teacher opened on %s, want the room's L0.scores", got)
	}
	if err := chromedp.Do(second, click("#next"), click(`#head-picker button[data-head="3"]`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(student, follows("L0.mask", 3, "The cat sat")); err != nil {
		t.Fatalf("the student does not follow the second teacher: %v", err)
	}
	if err := chromedp.Do(first, follows("L0.mask", 3, "The cat sat")); err != nil {
		t.Fatalf("the first teacher tab does not follow: %v", err)
	}
	if n := room.Students(); n != 1 {
		t.Errorf("%d students after the takeover, want 1", n)
	}
	// The first tab takes the room back.
	if err := chromedp.Do(first, click("#room-take"), browsertest.Until(`window.room.driving`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(second, browsertest.Until(`!window.room.driving`)); err != nil {
		t.Fatal(err)
	}
	// A teacher page opened without the key, in a browser that never had
	// it, says what to do.
	err = chromedp.Do(lost, chromedp.Navigate(ts.URL+"/room/"+room.Code()+"/teacher"), browsertest.Until(`document.querySelector('#room-status').textContent.includes('?key=')`), shot("teacher-no-key"))
	if err != nil {
		t.Fatalf("teacher page without its key: %v", err)
	}
}

// TestBrowserPredictBeforeReveal: the teacher asks which key a head
// attends to most; three students click their guesses (their numbers
// hidden meanwhile); the teacher sees the histogram, then reveals, and the
// students see the answer.
func TestBrowserPredictBeforeReveal(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	room, ts := lessonClassroom(t)
	teacher, first := browser(t)
	students := []context.Context{first}
	for range 2 {
		s, cancel := chromedp.NewContext(teacher, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		students = append(students, s)
	}
	const prompt = "The cat sat on the mat"
	err := chromedp.Do(teacher,
		chromedp.Navigate(ts.URL+"/room/"+room.Code()+"/teacher?key="+room.Key()+"#prompt=The+cat+sat+on+the+mat&step=L1.softmax&head=2"),
		browsertest.Until(`!!window.room && window.room.driving`),
		browsertest.Until(painted),
	)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range students {
		if err := chromedp.Do(s, chromedp.Navigate(ts.URL+"/room/"+room.Code()), browsertest.Until(roomUp), follows("L1.softmax", 2, prompt)); err != nil {
			t.Fatalf("student %d: %v", i, err)
		}
	}
	if err := chromedp.Do(teacher, browsertest.Until(`window.room.students === 3`), click("#poll-ask"), browsertest.Until(`!!window.room.poll`)); err != nil {
		t.Fatalf("ask: %v", err)
	}
	guesses := []int{1, 1, 4}
	for i, s := range students {
		err := chromedp.Do(s,
			browsertest.Until(`!!window.room.poll && document.documentElement.classList.contains('poll-open')`),
			click(fmt.Sprintf(`#poll .poll-option[data-option="%d"]`, guesses[i])),
			browsertest.Until(fmt.Sprintf(`window.room.guess === %d`, guesses[i])),
		)
		if err != nil {
			t.Fatalf("student %d guesses: %v", i, err)
		}
	}
	if err := chromedp.Do(students[0], shot("student-poll")); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(teacher,
		browsertest.Until(`!!window.room.tally && window.room.tally.answered === 3`),
		shot("teacher-histogram"),
	)
	if err != nil {
		t.Fatalf("the teacher's tally: %v", err)
	}
	counts := browsertest.Eval[[]int](t, teacher, `[...document.querySelectorAll('#poll .poll-bar .n')].map((e) => Number(e.textContent))`)
	want := []int{0, 2, 0, 0, 1, 0}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("the teacher's histogram %v, want %v", counts, want)
	}
	tally, ok := room.CurrentTally()
	if !ok || tally.Answered != 3 || fmt.Sprint(tally.Counts) != fmt.Sprint(want) {
		t.Errorf("the room's tally %+v, want %v", tally, want)
	}
	// The answer: the key the head weights most from the last token.
	best := browsertest.Eval[int](t, teacher, `(() => {
	  const p = explorer.tensor('blocks.1.attn.hook_pattern'); const [, T] = p.shape; const row = (2 * T + T - 1) * T;
	  let b = 0; for (let k = 0; k < T; k++) if (p.data[row + k] > p.data[row + b]) b = k; return b;
	})()`)
	if err := chromedp.Do(teacher, click("#poll-reveal"), browsertest.Until(`!!window.room.reveal`)); err != nil {
		t.Fatal(err)
	}
	for i, s := range students {
		err := chromedp.Do(s,
			browsertest.Until(fmt.Sprintf(`!!window.room.reveal && window.room.reveal.answer === %d && !document.documentElement.classList.contains('poll-open')`, best)),
			browsertest.Until(fmt.Sprintf(`!!document.querySelector('#poll .poll-option.answer[data-option="%d"]')`, best)),
		)
		if err != nil {
			t.Fatalf("student %d did not see the answer: %v", i, err)
		}
	}
	if err := chromedp.Do(students[0], shot("student-reveal")); err != nil {
		t.Fatal(err)
	}
}
