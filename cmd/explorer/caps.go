package main

import (
	"errors"
	"flag"
	"fmt"

	"github.com/transformer-explorer/explorer/web"
	"github.com/transformer-explorer/explorer/web/classroom"
)

// The per-address caps of explorer serve. The explorer bounds what one
// remote address may hold (explorer tabs, room sockets, /v1 requests
// generating) and how many wrong room codes it may try, so that one
// machine cannot take what the others need. A school behind NAT or a
// proxy reaches the server from one address, so the teacher says so with
// --nat: each cap then defaults to the whole class's share (every tab the
// server serves, every room socket the room admits, every /v1 slot, a
// wrong code per student beyond the usual burst). Each cap's flag wins
// over either default; the packages own the defaults without --nat.

// capFlags are the flags of the per-address caps.
type capFlags struct {
	nat             *bool
	tabs, room, api *int
}

func addCapFlags(fs *flag.FlagSet) capFlags {
	return capFlags{
		nat: fs.Bool("nat", false, fmt.Sprintf("the class reaches this server from one address (a school's NAT or proxy): the per-address caps (--tabs-per-client, --room-per-client, --api-per-client, and the wrong room codes one address may try, one per student beyond the usual %d) default to the whole class's share instead of one computer's",
			classroom.DefaultWrongCodes)),
		tabs: fs.Int("tabs-per-client", 0, fmt.Sprintf("let one address open at most `N` explorer tabs (default %d; with --nat every tab the server serves: %d, or %d with --classroom, a room of %d students and %d more)",
			web.DefaultMaxSessionsPerClient, web.DefaultMaxSessions, classSessions, classroom.DefaultMaxStudents, classSessions-classroom.DefaultMaxStudents)),
		room: fs.Int("room-per-client", 0, fmt.Sprintf("with --classroom, let one address hold at most `N` room pages (default %d; with --nat %d, one per tab the server serves)",
			classroom.DefaultMaxPerClient, classSessions)),
		api: fs.Int("api-per-client", 0, "let one address have at most `N` /v1 requests generating at once (default half of --max-concurrent; with --nat all of them)"),
	}
}

// clientCaps are the caps chosen; 0 leaves a package's default.
type clientCaps struct {
	tabs, room, api, wrongCodes int
}

// serveShape is what the caps depend on besides their flags.
type serveShape struct {
	classroom     bool
	tabs          int // the server's tabs (web.Options.MaxSessions)
	students      int // a room's students, in classroom mode
	maxConcurrent int // forward passes, and /v1 slots
}

// caps chooses the per-address caps (see above), and warns when a cap
// given with --classroom --nat refuses part of the room.
func (f capFlags) caps(sh serveShape) (clientCaps, []string, error) {
	for _, c := range []struct {
		name string
		v    int
	}{{"--tabs-per-client", *f.tabs}, {"--room-per-client", *f.room}, {"--api-per-client", *f.api}} {
		if c.v < 0 {
			return clientCaps{}, nil, fmt.Errorf("%s %d: give a positive number (or leave it out for the default)", c.name, c.v)
		}
	}
	if *f.room > 0 && !sh.classroom {
		return clientCaps{}, nil, errors.New("--room-per-client bounds a room's pages: it needs --classroom")
	}
	var c clientCaps
	if *f.nat {
		c.tabs, c.api = sh.tabs, sh.maxConcurrent
		if sh.classroom {
			c.room = sh.tabs // a room page per tab: every student's and the teachers'.
			c.wrongCodes = classroom.DefaultWrongCodes + sh.students
		}
	}
	if *f.tabs > 0 {
		c.tabs = *f.tabs
	}
	if *f.room > 0 {
		c.room = *f.room
	}
	if *f.api > 0 {
		c.api = *f.api
	}
	var warn []string
	if *f.nat && sh.classroom {
		if c.tabs < sh.students {
			warn = append(warn, fmt.Sprintf("--tabs-per-client %d is below the room's %d students behind one address: students beyond %d get no explorer", c.tabs, sh.students, c.tabs))
		}
		if c.room < sh.students {
			warn = append(warn, fmt.Sprintf("--room-per-client %d is below the room's %d students behind one address: students beyond %d cannot join", c.room, sh.students, c.room))
		}
	}
	return c, warn, nil
}
