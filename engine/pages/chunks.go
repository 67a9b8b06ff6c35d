package pages

import "io"

// folioBytes is the size and alignment of a ChunkWriter's writes. On
// Linux (ext4, XFS) a buffered write caches the file in folios no larger
// than the write and its offset's alignment allow, and only a 2 MiB folio
// at a 2 MiB offset can be mapped whole, at one fault and one TLB entry.
// Written in io.Copy's 32 KiB pieces, GPT-2 small's weights later took
// 243–260 ms to read through a mapping (the first touch of each 4 KiB
// page table entry is dear on a virtual machine); written in aligned
// 2 MiB chunks, 24–29 ms (the 2-vCPU VM of bench/README.md).
const folioBytes = 2 << 20

// A ChunkWriter passes what is written to it on to a file in writes that
// end on multiples of 2 MiB in the file, so that a file read later
// through a memory mapping (a checkpoint) is cached in huge folios; Flush
// writes the rest. It buffers at most 2 MiB.
type ChunkWriter struct {
	w   io.Writer
	off int64 // the file offset of buf[0]
	buf []byte
}

// NewChunkWriter returns a ChunkWriter whose first write to w lands at
// file offset off (the size of a partial file that is being resumed, or
// 0).
func NewChunkWriter(w io.Writer, off int64) *ChunkWriter {
	return &ChunkWriter{w: w, off: off, buf: make([]byte, 0, folioBytes)}
}

// Write buffers p, writing to the file each time the buffer reaches a
// 2 MiB boundary of the file.
func (c *ChunkWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		end := c.off + int64(len(c.buf))
		room := folioBytes - int(end%folioBytes) // bytes to the next boundary
		k := min(room, len(p))
		c.buf = append(c.buf, p[:k]...)
		p, n = p[k:], n+k
		if k == room {
			if err := c.Flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Flush writes what is buffered; it is to be called once the last byte
// is written, and on an error of the source, to keep what arrived.
func (c *ChunkWriter) Flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	m, err := c.w.Write(c.buf)
	c.off += int64(m)
	c.buf = c.buf[:copy(c.buf, c.buf[m:])]
	return err
}
