package web

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"

	"github.com/transformer-explorer/explorer/trace"
)

// encodeTensor lays out one tensor as a binary websocket frame:
//
//	uint32 LE  n, the length of the JSON header
//	n bytes    {"seq":…, "name":…, "shape":[…]}
//	0–3 bytes  spaces, so the data starts at a multiple of 4
//	float32 LE the values, row-major
//
// The page reads the values with a Float32Array over the frame, no copy.
func encodeTensor(seq int, name string, shape []int, data []float32) []byte {
	return encodeFrame(frameHeader{Seq: seq, Name: name, Shape: shape}, data)
}

// encodeFrame is encodeTensor with any header, e.g. a pooled pattern's.
func encodeFrame(h frameHeader, data []float32) []byte {
	var b bytes.Buffer
	b.Grow(int(frameSize(h, len(data))))
	writeFrame(&b, h, data) // a bytes.Buffer does not fail
	return b.Bytes()
}

// frameHeaderBytes returns h as JSON padded with spaces so that the data
// after it starts at a multiple of 4.
func frameHeaderBytes(h frameHeader) []byte {
	header, _ := json.Marshal(h) // ints and strings always marshal
	for (4+len(header))%4 != 0 {
		header = append(header, ' ')
	}
	return header
}

// frameSize returns the bytes of the frame of h and n values.
func frameSize(h frameHeader, n int) int64 {
	return 4 + int64(len(frameHeaderBytes(h))) + 4*int64(n)
}

// writeFrame writes the frame of h and data to w, converting the values
// a chunk at a time, so that a large tensor needs no copy of its own.
func writeFrame(w io.Writer, h frameHeader, data []float32) error {
	header := frameHeaderBytes(h)
	var buf [16 << 10]byte
	binary.LittleEndian.PutUint32(buf[:], uint32(len(header)))
	if _, err := w.Write(buf[:4]); err != nil {
		return err
	}
	if _, err := w.Write(header); err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), len(buf)/4)
		for i, v := range data[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

// frameHeader is the header of a tensor frame.
type frameHeader struct {
	Seq   int    `json:"seq"`
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	// Trace is "b" for a tensor of the trace compared with run Seq's.
	Trace string `json:"trace,omitempty"`
	// Pool, when set, marks a model-map thumbnail of an attention pattern:
	// each value is the largest weight in a Pool×Pool block of the
	// pattern (see poolPattern).
	Pool int `json:"pool,omitempty"`
}

// mapCells is the most cells along each side of an attention pattern in
// the page's model map: larger patterns are sent pooled to that size.
const mapCells = 64

// thumbnailFrame returns the model map's frame for an attention pattern
// (H, T, K): the pattern max-pooled to at most mapCells cells a side, its
// header carrying the block size. ok is false for any other hook.
func thumbnailFrame(seq int, t trace.Tensor) (frame []byte, ok bool) {
	if _, point, _ := trace.ParseBlock(t.Name); point != trace.AttnPattern || len(t.Shape) != 3 {
		return nil, false
	}
	H, T, K := t.Shape[0], t.Shape[1], t.Shape[2]
	b := (max(T, K) + mapCells - 1) / mapCells
	pooled, shape := poolPattern(t.Data, H, T, K, b)
	return encodeFrame(frameHeader{Seq: seq, Name: t.Name, Shape: shape, Pool: b}, pooled), true
}

// poolPattern max-pools an attention pattern (H, T, K) in blocks of b×b
// cells into (H, ⌈T/b⌉, ⌈K/b⌉), so that a head's sharp weights stay
// visible in a small picture. Masked cells are 0 in a pattern, so a block
// on the diagonal holds the largest weight of its visible part.
func poolPattern(data []float32, H, T, K, b int) ([]float32, []int) {
	rows, cols := (T+b-1)/b, (K+b-1)/b
	out := make([]float32, H*rows*cols)
	for h := 0; h < H; h++ {
		for t := 0; t < T; t++ {
			src := data[(h*T+t)*K : (h*T+t+1)*K]
			dst := out[(h*rows+t/b)*cols : (h*rows+t/b+1)*cols]
			for k, w := range src {
				dst[k/b] = max(dst[k/b], w)
			}
		}
	}
	return out, []int{H, rows, cols}
}

// decodeTensor reads a frame made by encodeTensor; the tests use it as a
// client would.
func decodeTensor(frame []byte) (frameHeader, []float32, bool) {
	var h frameHeader
	if len(frame) < 4 {
		return h, nil, false
	}
	n := int(binary.LittleEndian.Uint32(frame))
	if n > len(frame)-4 || (4+n)%4 != 0 || (len(frame)-4-n)%4 != 0 {
		return h, nil, false
	}
	if json.Unmarshal(frame[4:4+n], &h) != nil {
		return h, nil, false
	}
	body := frame[4+n:]
	data := make([]float32, len(body)/4)
	for i := range data {
		data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return h, data, true
}
