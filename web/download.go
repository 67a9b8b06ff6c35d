package web

import (
	"io"
	"net/http"
	"time"
)

// Pacing of large transfers, both ways: every chunk must move within the
// server's read or write wait, and a whole transfer of n bytes within that
// wait + n/minTransferRate, so that a client that stops reading or sending,
// or moves a byte at a time, lets go of the trace or the memory it holds,
// while a big trace file on a slow school network still gets through.
const (
	downloadChunk   = 64 << 10
	minTransferRate = 256 << 10 // bytes per second
)

// transferLimit is the time a transfer of size bytes may take in all.
func transferLimit(size int64, wait time.Duration) time.Time {
	return time.Now().Add(wait + time.Duration(size*int64(time.Second)/minTransferRate))
}

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
	return &pacedWriter{w: w, rc: http.NewResponseController(w), wait: wait, limit: transferLimit(size, wait)}
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

// pacedReader reads a request body of about size bytes with a fresh read
// deadline wait ahead before every read, no later than the upload's limit:
// an upload that keeps moving may take longer than the server's read wait
// (a trace file of hundreds of MB), one that stalls is cut after it.
type pacedReader struct {
	r     io.Reader
	rc    *http.ResponseController
	wait  time.Duration
	limit time.Time
}

// newPacedReader paces the body of r, which w answers.
func newPacedReader(w http.ResponseWriter, r *http.Request, size int64, wait time.Duration) *pacedReader {
	return &pacedReader{r: r.Body, rc: http.NewResponseController(w), wait: wait, limit: transferLimit(size, wait)}
}

func (p *pacedReader) Read(b []byte) (int, error) {
	d := time.Now().Add(p.wait)
	if d.After(p.limit) {
		d = p.limit
	}
	// A ResponseWriter without deadlines (a test's recorder) reads under
	// the server's own timeouts.
	p.rc.SetReadDeadline(d)
	return p.r.Read(b[:min(len(b), downloadChunk)])
}
