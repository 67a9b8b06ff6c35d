package web

import (
	"encoding/binary"
	"encoding/json"
	"math"
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
	header, _ := json.Marshal(struct {
		Seq   int    `json:"seq"`
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
	}{seq, name, shape})
	for (4+len(header))%4 != 0 {
		header = append(header, ' ')
	}
	frame := make([]byte, 4+len(header)+4*len(data))
	binary.LittleEndian.PutUint32(frame, uint32(len(header)))
	copy(frame[4:], header)
	body := frame[4+len(header):]
	for i, v := range data {
		binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(v))
	}
	return frame
}

// frameHeader is the decoded header of a tensor frame.
type frameHeader struct {
	Seq   int    `json:"seq"`
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
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
