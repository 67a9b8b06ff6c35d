package engine

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileIdentity describes the file fi as a record of checkWeights names it:
// its device, inode, size, and modification and change times to the
// nanosecond, with the change time on its own. ok is false when fi says
// too little (nil, or not from the file system).
func fileIdentity(fi os.FileInfo) (id string, changed time.Time, ok bool) {
	if fi == nil {
		return "", time.Time{}, false
	}
	st, isStat := fi.Sys().(*syscall.Stat_t)
	if !isStat {
		return "", time.Time{}, false
	}
	changed = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	id = fmt.Sprintf("device %d inode %d size %d modified %d changed %d",
		uint64(st.Dev), uint64(st.Ino), st.Size, time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)).UnixNano(), changed.UnixNano())
	return id, changed, true
}
