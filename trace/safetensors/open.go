package safetensors

import (
	"fmt"
	"os"
)

// Open memory-maps the safetensors file at path (where the platform allows;
// elsewhere it reads it) and validates it. Opening a large checkpoint this way
// costs no copy: tensors are views of the mapping until Close.
func Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("%s: %w: %d bytes, need at least 8 for the header length", path, ErrTruncated, size)
	}
	buf, unmap, mapped, err := mapFile(fd, size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := Parse(buf)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.unmap, f.mapped, f.stat = unmap, mapped, st
	return f, nil
}
