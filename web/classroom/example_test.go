package classroom_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/transformer-explorer/explorer/engine"
	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/classroom"
)

// ExampleHub opens a room and looks it up the way a student may type its
// code. explorer serve --classroom mounts the hub on the explorer's server
// with srv.Handle("/room/", hub).
func ExampleHub() {
	m, tok, err := engine.LoadDir(context.Background(), "../../testdata/conformance/tiny-gpt2")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	srv, err := web.NewServer(web.Options{Model: m, Tokenizer: tok})
	if err != nil {
		fmt.Println(err)
		return
	}
	hub, err := classroom.NewHub(classroom.Options{Page: srv})
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
