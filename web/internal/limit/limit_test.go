package limit

import (
	"slices"
	"testing"
	"time"
)

func TestPerClient(t *testing.T) {
	p := NewPerClient(2)
	r1, ok1 := p.Take("10.0.0.1:1000")
	_, ok2 := p.Take("10.0.0.1:1001")
	_, ok3 := p.Take("10.0.0.1:1002")
	_, other := p.Take("10.0.0.2:1000")
	if !ok1 || !ok2 || ok3 || !other {
		t.Fatalf("takes: %v %v %v, other client %v; want true true false, true", ok1, ok2, ok3, other)
	}
	r1()
	r1() // a second release gives nothing back
	if n := p.Held("10.0.0.1:5"); n != 1 {
		t.Fatalf("held %d after one release, want 1", n)
	}
	if _, ok := p.Take("10.0.0.1:1003"); !ok {
		t.Fatal("a released slot was not given again")
	}
	if _, ok := NewPerClient(0).Take("x"); !ok {
		t.Fatal("an unbounded PerClient refused")
	}
}

func TestRate(t *testing.T) {
	now := time.Unix(0, 0)
	r := NewRate(3, time.Second)
	r.now = func() time.Time { return now }
	var got []bool
	var firsts int
	for i := 0; i < 6; i++ {
		ok, first := r.Allow("10.0.0.1:1")
		got = append(got, ok)
		if first {
			firsts++
		}
	}
	if want := []bool{true, true, true, false, false, false}; !slices.Equal(got, want) || firsts != 1 {
		t.Fatalf("burst: %v with %d first refusals, want %v and 1", got, firsts, want)
	}
	if ok, _ := r.Allow("10.0.0.2:1"); !ok {
		t.Fatal("another client was refused")
	}
	now = now.Add(1500 * time.Millisecond)
	ok1, _ := r.Allow("10.0.0.1:1")
	ok2, _ := r.Allow("10.0.0.1:1")
	if !ok1 || ok2 {
		t.Fatalf("after 1.5 s: %v %v, want one event allowed", ok1, ok2)
	}
}

func TestReadySpend(t *testing.T) {
	now := time.Unix(0, 0)
	r := NewRate(2, time.Minute)
	r.now = func() time.Time { return now }
	if !r.Ready("c:1") || r.Spend("c:1") {
		t.Fatal("first failure")
	}
	if !r.Ready("c:1") || !r.Spend("c:1") {
		t.Fatal("second failure should use the last event")
	}
	if r.Ready("c:1") {
		t.Fatal("ready with no events left")
	}
	now = now.Add(time.Minute)
	if !r.Ready("c:1") {
		t.Fatal("not ready after a minute")
	}
}
