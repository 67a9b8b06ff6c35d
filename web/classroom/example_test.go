package classroom_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/transformer-explorer/explorer/web/classroom"
)

// ExampleHub opens a room and looks it up the way a student may type its
// code. explorer serve --classroom mounts the hub on the explorer's server
// with srv.Handle("/room/", hub).
func ExampleHub() {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<html><head><script type="module" src="/static/app.js"></script></head><body></body></html>`)
	})
	hub, err := classroom.NewHub(classroom.Options{Page: page})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer hub.Close()
	room := hub.NewRoom()
	fmt.Println(len(room.Code()), hub.Room(" "+strings.ToLower(room.Code())) == room)

	seq := room.Publish(classroom.View{Prompt: "The cat sat", Step: "L0.softmax", Head: 2})
	v, _, _ := room.Current()
	fmt.Println(seq, v.Step, v.Head)

	rec := httptest.NewRecorder()
	hub.ServeHTTP(rec, httptest.NewRequest("GET", "/room/"+room.Code(), nil))
	body := rec.Body.String()
	fmt.Println(rec.Code, strings.Contains(body, `data-room-role="student"`), strings.Contains(body, room.Key()))
	// Output:
	// 5 true
	// 1 L0.softmax 2
	// 200 true false
}
