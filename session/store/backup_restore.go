package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4"
)

// RestoreStats describes what Restore rebuilt.
type RestoreStats struct {
	// Bytes is the length of the backup read.
	Bytes int64
	// Objects, Keys and Alarms count the object records, the objects'
	// live data keys and the alarms in the restored store.
	Objects, Keys, Alarms int
}

// Restore builds a new store in o.Dir from a backup written by
// Store.Backup and read from r. o.Dir must not exist or be an empty
// directory (ErrRestoreTarget otherwise); o.InMemory is refused. A backup
// of another format, layout or newer version (ErrNotBackup,
// ErrBackupVersion) is refused before anything is written; one that turns
// out truncated or damaged (ErrBackupCorrupt) leaves o.Dir as it was. The
// store is built in a temporary directory next to o.Dir and renamed into
// place once complete, so o.Dir never holds a partial restore. The
// restored store is closed; Open it to use it.
func Restore(r io.Reader, o Options) (RestoreStats, error) {
	o, err := o.withDefaults()
	if err != nil {
		return RestoreStats{}, err
	}
	if o.InMemory {
		return RestoreStats{}, errors.New("store: restore needs a directory, not an in-memory store")
	}
	dir := filepath.Clean(o.Dir)
	if err := checkRestoreTarget(dir); err != nil {
		return RestoreStats{}, err
	}
	fr, _, err := newFrameReader(r)
	if err != nil {
		return RestoreStats{}, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return RestoreStats{}, fmt.Errorf("store: restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restore-*")
	if err != nil {
		return RestoreStats{}, fmt.Errorf("store: restore: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	tmpOpts := o
	tmpOpts.Dir = tmp
	stats, err := load(fr, tmpOpts)
	if err != nil {
		return stats, err
	}
	// The target may have appeared meanwhile; rename would replace only an
	// empty directory, but say why.
	if err := checkRestoreTarget(dir); err != nil {
		return stats, err
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return stats, fmt.Errorf("store: restore: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return stats, fmt.Errorf("store: restore: %w", err)
	}
	done = true
	if err := syncDir(parent); err != nil {
		return stats, fmt.Errorf("store: restore: %w", err)
	}
	return stats, nil
}

// checkRestoreTarget refuses a directory that exists and is not empty, or
// a path that is not a directory.
func checkRestoreTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		if fi, serr := os.Stat(dir); serr == nil && !fi.IsDir() {
			return fmt.Errorf("%w: %q is not a directory", ErrRestoreTarget, dir)
		}
		return fmt.Errorf("store: restore: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("%w: %q holds %d entries; restore into a new directory", ErrRestoreTarget, dir, len(entries))
	}
	return nil
}

// load opens a fresh badger database in o.Dir, loads the backup's frames
// into it, checks its layout, counts what it holds and closes it.
func load(fr *frameReader, o Options) (RestoreStats, error) {
	db, err := openBadger(o)
	if err != nil {
		return RestoreStats{}, err
	}
	stats, err := loadInto(db, fr, o)
	if cerr := db.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("store: restore: close: %w", cerr)
	}
	stats.Bytes = fr.bytes
	return stats, err
}

func loadInto(db *badger.DB, fr *frameReader, o Options) (RestoreStats, error) {
	if err := db.Load(fr, 16); err != nil {
		// The frame reader's errors say what was wrong with the file;
		// badger's decoding errors mean a damaged frame.
		if fr.err != nil && !errors.Is(fr.err, io.EOF) {
			return RestoreStats{}, fr.err
		}
		return RestoreStats{}, fmt.Errorf("%w: %v", ErrBackupCorrupt, err)
	}
	if !errors.Is(fr.err, io.EOF) {
		// Load stops at an end of input between frames; only the trailer
		// makes that end a real one.
		return RestoreStats{}, fmt.Errorf("%w: the backup ends without its trailer", ErrBackupCorrupt)
	}
	if err := checkFormat(db, o.where()); err != nil {
		return RestoreStats{}, err
	}
	var stats RestoreStats
	err := db.View(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.PrefetchValues = false
		it := txn.NewIterator(opts)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			switch it.Item().Key()[0] {
			case spaceMeta:
				stats.Objects++
			case spaceData:
				stats.Keys++
			case spaceAlarm:
				stats.Alarms++
			}
		}
		return nil
	})
	return stats, wrap("restore: count", err)
}

// syncDir fsyncs a directory, making a rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
