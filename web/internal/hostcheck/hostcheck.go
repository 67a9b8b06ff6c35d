// Package hostcheck decides which Host names the explorer answers to, so
// that a web page whose name an attacker rebinds to 127.0.0.1 (DNS
// rebinding) cannot use the explorer from the learner's browser.
package hostcheck

import (
	"fmt"
	"net"
	"net/http"
	"strings"
)

// A List is a set of host names and addresses, compared without their
// port and without case. The zero List allows nothing; a List is not
// changed after it is built, and may then be used from any goroutine.
type List struct {
	hosts map[string]bool
}

// New returns a List of this machine's loopback names (localhost and its
// subdomains, which resolve to loopback by RFC 6761, the 127.0.0.0/8
// addresses and ::1) and the given hosts, each a name or address with or
// without a port ("192.168.1.20:8080", "class.local", "[fe80::1]").
func New(hosts ...string) *List {
	l := &List{hosts: map[string]bool{}}
	for _, h := range hosts {
		if name := hostname(h); name != "" {
			l.hosts[name] = true
		}
	}
	return l
}

// Allows reports whether a request's Host (with or without a port) is on
// the list.
func (l *List) Allows(host string) bool {
	name := hostname(host)
	if name == "" {
		return false
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	if ip := net.ParseIP(name); ip != nil && ip.IsLoopback() {
		return true
	}
	return l != nil && l.hosts[name]
}

// Handler answers requests for a host that is not on the list with 421
// Misdirected Request, and passes the others to next.
func (l *List) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.Allows(r.Host) {
			http.Error(w, fmt.Sprintf("this explorer does not answer to the host %q; open it at the address it printed (HINT: start it with --allow-host NAME to add a name)", hostname(r.Host)), http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostname returns host without its port and brackets, in lower case.
func hostname(host string) string {
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}
