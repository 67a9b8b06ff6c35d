package web

import (
	"net/http"
	"time"
)

// Pacing of streamed downloads: every chunk must be taken within the
// server's write wait, and a whole download of n bytes within writeWait +
// n/minDownloadRate, so that a client that stops reading, or reads a byte
// at a time, lets go of the trace it holds.
const (
	downloadChunk   = 64 << 10
	minDownloadRate = 256 << 10 // bytes per second
)

// pacedWriter writes a response in chunks, each with a fresh write
// deadline (http.ResponseController) wait ahead, no later than the
// download's limit.
type pacedWriter struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	wait  time.Duration
	limit time.Time
}

// newPacedWriter paces a response of about size bytes.
func newPacedWriter(w http.ResponseWriter, size int64, wait time.Duration) *pacedWriter {
	return &pacedWriter{w: w, rc: http.NewResponseController(w), wait: wait,
		limit: time.Now().Add(wait + time.Duration(size*int64(time.Second)/minDownloadRate))}
}

func (p *pacedWriter) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		d := time.Now().Add(p.wait)
		if d.After(p.limit) {
			d = p.limit
		}
		// A ResponseWriter without deadlines (a test's recorder) writes
		// under the server's own timeouts.
		p.rc.SetWriteDeadline(d)
		m, err := p.w.Write(b[n:min(len(b), n+downloadChunk)])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
