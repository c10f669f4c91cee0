package store

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hearth-server/hearth/session"
)

// diskGuard refuses writes before the disk is full, and while the data
// directory is on a read-only mount. Badger writes its
// write-ahead (.mem) and value-log (.vlog) files through memory maps of
// sparse files: a page touched when the filesystem has no block left
// kills the process with SIGBUS instead of returning an error. So a
// commit goes ahead only while the free space exceeds what those files
// may still claim (their size not yet allocated) plus a margin for table
// files and the manifest. Once space returns, writes go on.
type diskGuard struct {
	dir    string
	margin uint64

	mu      sync.Mutex
	checked time.Time
	err     error
}

// guardEvery bounds how often the guard looks at the disk; the margin
// covers what may be written in between.
const guardEvery = 100 * time.Millisecond

// guardMargin is kept free beyond the mapped files' claim.
const guardMargin = 32 << 20

func newDiskGuard(dir string) *diskGuard { return &diskGuard{dir: dir, margin: guardMargin} }

// check returns an error wrapping session.ErrStorageFull while the disk
// is too full to write safely.
func (g *diskGuard) check(now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.checked) < guardEvery {
		return g.err
	}
	g.checked = now
	free, claim, readOnly, err := g.measure()
	switch {
	case err != nil:
		g.err = nil // cannot tell: let badger try
	case readOnly:
		g.err = fmt.Errorf("store: %w: %s is on a read-only filesystem", session.ErrStorageReadOnly, g.dir)
	case free < claim+g.margin:
		g.err = fmt.Errorf("store: %w: %d MiB free in %s, %d MiB needed to write safely", session.ErrStorageFull,
			free>>20, g.dir, (claim+g.margin)>>20)
	default:
		g.err = nil
	}
	return g.err
}

// measure returns the bytes available to this process on the store's
// filesystem, the bytes badger's mapped files may still claim, and
// whether the mount is read-only.
func (g *diskGuard) measure() (free, claim uint64, readOnly bool, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(g.dir, &st); err != nil {
		return 0, 0, false, err
	}
	free = st.Bavail * uint64(st.Bsize)
	readOnly = st.Flags&stReadOnly != 0
	entries, err := os.ReadDir(g.dir)
	if err != nil {
		return 0, 0, false, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") && !strings.HasSuffix(e.Name(), ".vlog") {
			continue
		}
		fi, err := os.Stat(filepath.Join(g.dir, e.Name()))
		if err != nil {
			continue
		}
		if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
			if allocated := uint64(sys.Blocks) * 512; uint64(fi.Size()) > allocated {
				claim += uint64(fi.Size()) - allocated
			}
		}
	}
	return free, claim, readOnly, nil
}

// stReadOnly is ST_RDONLY in statfs's mount flags.
const stReadOnly = 0x1
