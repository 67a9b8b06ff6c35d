package pages

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// writeLog records the writes a ChunkWriter makes.
type writeLog struct {
	all   bytes.Buffer
	sizes []int
	fail  error
}

func (l *writeLog) Write(p []byte) (int, error) {
	if l.fail != nil {
		return 0, l.fail
	}
	l.sizes = append(l.sizes, len(p))
	return l.all.Write(p)
}

// TestChunkWriter checks that every write but the last ends on a
// multiple of folioBytes in the file, whatever the starting offset and the
// sizes written, and that the bytes arrive whole and in order.
func TestChunkWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 5*folioBytes+12345)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, off := range []int64{0, 1, folioBytes - 1, folioBytes, 7*folioBytes + 4096} {
		for _, piece := range []int{len(data), 32 << 10, 1000, 3*folioBytes + 5} {
			var log writeLog
			cw := NewChunkWriter(&log, off)
			for rest := data; len(rest) > 0; {
				k := min(piece, len(rest))
				if n, err := cw.Write(rest[:k]); n != k || err != nil {
					t.Fatalf("off %d piece %d: Write = %d, %v", off, piece, n, err)
				}
				rest = rest[k:]
			}
			if err := cw.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(log.all.Bytes(), data) {
				t.Fatalf("off %d piece %d: the bytes differ", off, piece)
			}
			at := off
			for i, s := range log.sizes {
				at += int64(s)
				if i < len(log.sizes)-1 && at%folioBytes != 0 {
					t.Fatalf("off %d piece %d: write %d ends at %d, not on a %d boundary", off, piece, i, at, folioBytes)
				}
				if s > folioBytes {
					t.Fatalf("off %d piece %d: write %d of %d bytes", off, piece, i, s)
				}
			}
		}
	}
}

// TestChunkWriterError checks that an error of the file reaches the
// writer's caller.
func TestChunkWriterError(t *testing.T) {
	broken := errors.New("disk full")
	cw := NewChunkWriter(&writeLog{fail: broken}, 0)
	if _, err := cw.Write(make([]byte, folioBytes+1)); !errors.Is(err, broken) {
		t.Errorf("Write error = %v, want %v", err, broken)
	}
	cw = NewChunkWriter(&writeLog{fail: broken}, 0)
	cw.Write([]byte("x"))
	if err := cw.Flush(); !errors.Is(err, broken) {
		t.Errorf("Flush error = %v, want %v", err, broken)
	}
}
