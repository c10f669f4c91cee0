package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// A backup file is a header line, badger's backup stream, and a trailer:
//
//	"hearth-backup <file version> layout <layout version>\n"
//	frames: length (8 bytes, little endian) + a protobuf KVList (badger's DB.Backup)
//	trailer: the length endMarker, then the SHA-256 of every byte before it
//
// The header lets Restore refuse a foreign file, or one written by a newer
// build or in another key layout, before it touches anything; the trailer
// tells a complete backup from one cut short (a download that stopped at
// a frame boundary) or damaged.
const (
	backupMagic       = "hearth-backup"
	backupFileVersion = 1
	// maxHeaderLen bounds the header line, so garbage is refused after
	// reading a few bytes.
	maxHeaderLen = 64
	// endMarker is the frame length that announces the trailer. Badger's
	// frames are far shorter (a stream batch is about 100 MB).
	endMarker = ^uint64(0)
	// maxFrameLen bounds one frame of a backup being restored; badger
	// allocates a buffer of the announced length before reading it.
	maxFrameLen = 1 << 30
)

// Errors of Restore and VerifyBackup, for errors.Is.
var (
	// ErrNotBackup: the input does not start with a hearth backup header.
	ErrNotBackup = errors.New("store: not a hearth backup")
	// ErrBackupVersion: the backup was written by a newer build or in
	// another key layout.
	ErrBackupVersion = errors.New("store: backup version not supported")
	// ErrBackupCorrupt: the backup is truncated or damaged.
	ErrBackupCorrupt = errors.New("store: backup truncated or damaged")
	// ErrRestoreTarget: the directory to restore into is not empty.
	ErrRestoreTarget = errors.New("store: restore target is not empty")
)

// BackupHeader is what a backup's first line says.
type BackupHeader struct {
	// FileVersion is the version of the container format (header, frames,
	// trailer).
	FileVersion int
	// Layout is the key layout of the store the backup was taken from.
	Layout int
}

// String returns the header line, newline included.
func (h BackupHeader) String() string {
	return fmt.Sprintf("%s %d layout %d\n", backupMagic, h.FileVersion, h.Layout)
}

// currentHeader is the header this build writes.
func currentHeader() BackupHeader {
	return BackupHeader{FileVersion: backupFileVersion, Layout: formatVersion}
}

// ParseBackupHeader reads and checks a backup's header line from r,
// reading no further than the newline. A header of a newer file version or
// another layout than this build's is ErrBackupVersion; anything else that
// is not a header is ErrNotBackup.
func ParseBackupHeader(r io.ByteReader) (BackupHeader, error) {
	var line []byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return BackupHeader{}, fmt.Errorf("%w: no header line", ErrNotBackup)
			}
			return BackupHeader{}, fmt.Errorf("store: read backup header: %w", err)
		}
		if c == '\n' {
			break
		}
		if len(line) >= maxHeaderLen {
			return BackupHeader{}, fmt.Errorf("%w: no header line in the first %d bytes", ErrNotBackup, maxHeaderLen)
		}
		line = append(line, c)
	}
	f := strings.Split(string(line), " ")
	if len(f) != 4 || f[0] != backupMagic || f[2] != "layout" {
		return BackupHeader{}, fmt.Errorf("%w: header %q", ErrNotBackup, line)
	}
	var h BackupHeader
	var err1, err2 error
	h.FileVersion, err1 = parseVersion(f[1])
	h.Layout, err2 = parseVersion(f[3])
	switch {
	case err1 != nil || err2 != nil:
		return BackupHeader{}, fmt.Errorf("%w: header %q", ErrNotBackup, line)
	case h.FileVersion > backupFileVersion:
		return h, fmt.Errorf("%w: backup file version %d is newer than this build reads (%d)",
			ErrBackupVersion, h.FileVersion, backupFileVersion)
	case h.Layout != formatVersion:
		return h, fmt.Errorf("%w: backup holds storage layout %d; this build reads layout %d",
			ErrBackupVersion, h.Layout, formatVersion)
	}
	return h, nil
}

// parseVersion reads a version: a positive decimal without sign or
// leading zeros, so that each header has one spelling.
func parseVersion(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || strconv.Itoa(n) != s {
		return 0, fmt.Errorf("bad version %q", s)
	}
	return n, nil
}

// BackupStats describes a backup written by Backup.
type BackupStats struct {
	// Bytes is the length of the backup file.
	Bytes int64
	// Version is badger's version (commit timestamp) of the newest entry
	// in the backup.
	Version uint64
}

// Backup writes a consistent backup of the whole store to w while the
// store keeps serving: every write committed before Backup was called is
// in it, with its TTL, and no write is half in it. It takes one badger
// read snapshot and streams badger's backup format (DB.Backup) between a
// header naming the format and a checksummed trailer; Restore reads it.
// Writes go on meanwhile. Cancelling ctx, or an error from w, stops the
// backup with an error; what was written to w is then incomplete, which
// Restore detects.
func (s *Store) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	if err := s.enter("backup"); err != nil {
		return BackupStats{}, err
	}
	defer s.leave()
	sum := sha256.New()
	cw := &backupWriter{ctx: ctx, w: w, sum: sum}
	if _, err := io.WriteString(cw, currentHeader().String()); err != nil {
		return BackupStats{Bytes: cw.n}, fmt.Errorf("store: backup: %w", err)
	}
	stream := s.db.NewStream()
	stream.LogPrefix = "hearth backup"
	// One producer reads at one snapshot: with several, each opens its own
	// read transaction, and writes committed between them would be in
	// some key ranges and not others.
	stream.NumGo = 1
	version, err := stream.Backup(cw, 0)
	if err == nil {
		// The stream's own errors are flattened; the writer's come first.
		err = cw.err
	}
	if err != nil {
		if cw.err != nil {
			err = cw.err
		}
		return BackupStats{Bytes: cw.n, Version: version}, wrap("backup", err)
	}
	trailer := binary.LittleEndian.AppendUint64(nil, endMarker)
	trailer = sum.Sum(trailer)
	if _, err := cw.writeRaw(trailer); err != nil {
		return BackupStats{Bytes: cw.n, Version: version}, fmt.Errorf("store: backup: %w", err)
	}
	return BackupStats{Bytes: cw.n, Version: version}, nil
}

// backupWriter counts and hashes what goes to w, and fails once ctx ends.
type backupWriter struct {
	ctx context.Context
	w   io.Writer
	sum hash.Hash
	n   int64
	err error // the first error, kept: badger's stream logs and flattens it
}

func (b *backupWriter) Write(p []byte) (int, error) {
	b.sum.Write(p)
	return b.writeRaw(p)
}

func (b *backupWriter) writeRaw(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if err := b.ctx.Err(); err != nil {
		b.err = err
		return 0, err
	}
	n, err := b.w.Write(p)
	b.n += int64(n)
	if err != nil {
		b.err = err
	}
	return n, err
}

// frameReader passes the frames of a backup (the part after the header)
// to badger's loader, checking each frame's length before badger
// allocates for it, and the trailer's checksum at the end. It returns
// io.EOF only after a trailer whose checksum matches and nothing after
// it: a backup cut short, or damaged, ends in ErrBackupCorrupt.
type frameReader struct {
	r      *bufio.Reader
	sum    hash.Hash // of everything before the trailer, header included
	left   uint64    // bytes of the current frame still to pass on
	lenBuf []byte    // the next frame's length, not yet passed on
	frames int
	bytes  int64 // read so far, header and trailer included
	err    error // sticky
}

// newFrameReader reads the header off r and returns the reader of the
// frames after it.
func newFrameReader(r io.Reader) (*frameReader, BackupHeader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	h, err := ParseBackupHeader(br)
	if err != nil {
		return nil, h, err
	}
	fr := &frameReader{r: br, sum: sha256.New()}
	hdr := h.String()
	fr.sum.Write([]byte(hdr))
	fr.bytes = int64(len(hdr))
	return fr, h, nil
}

func (f *frameReader) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.read(p)
	if err != nil {
		f.err = err
	}
	return n, err
}

func (f *frameReader) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if f.left == 0 && len(f.lenBuf) == 0 {
		var l [8]byte
		if _, err := io.ReadFull(f.r, l[:]); err != nil {
			return 0, f.corrupt("ends without its trailer", err)
		}
		f.bytes += 8
		n := binary.LittleEndian.Uint64(l[:])
		if n == endMarker {
			return 0, f.trailer()
		}
		if n > maxFrameLen {
			return 0, f.corrupt(fmt.Sprintf("frame %d announces %d bytes", f.frames, n), nil)
		}
		f.sum.Write(l[:])
		f.frames++
		f.left = n
		f.lenBuf = l[:]
	}
	if len(f.lenBuf) > 0 {
		n := copy(p, f.lenBuf)
		f.lenBuf = f.lenBuf[n:]
		return n, nil
	}
	p = p[:min(uint64(len(p)), f.left)]
	n, err := f.r.Read(p)
	f.sum.Write(p[:n])
	f.left -= uint64(n)
	f.bytes += int64(n)
	if err != nil && (f.left > 0 || !errors.Is(err, io.EOF)) {
		if n > 0 {
			return n, nil // report the error on the next call
		}
		return 0, f.corrupt("ends inside a frame", err)
	}
	return n, nil
}

// trailer checks the checksum after the end marker and that nothing
// follows; it returns io.EOF if all is well.
func (f *frameReader) trailer() error {
	var want [sha256.Size]byte
	if _, err := io.ReadFull(f.r, want[:]); err != nil {
		return f.corrupt("ends inside its trailer", err)
	}
	f.bytes += sha256.Size
	if got := f.sum.Sum(nil); string(got) != string(want[:]) {
		return f.corrupt("checksum mismatch", nil)
	}
	if _, err := f.r.ReadByte(); !errors.Is(err, io.EOF) {
		if err != nil {
			return f.corrupt("read after the trailer", err)
		}
		return f.corrupt("has bytes after its trailer", nil)
	}
	return io.EOF
}

// corrupt is ErrBackupCorrupt with what went wrong; a read error other
// than an early end is reported as such.
func (f *frameReader) corrupt(what string, err error) error {
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("store: read backup: %w", err)
	}
	return fmt.Errorf("%w: the backup %s (after %d bytes)", ErrBackupCorrupt, what, f.bytes)
}

// VerifyBackup reads a whole backup from r and checks its header, the
// length of every frame and its checksum, without restoring it. It
// returns the header and the backup's length.
func VerifyBackup(r io.Reader) (BackupHeader, int64, error) {
	fr, h, err := newFrameReader(r)
	if err != nil {
		return h, 0, err
	}
	if _, err := io.Copy(io.Discard, fr); err != nil {
		return h, fr.bytes, err
	}
	return h, fr.bytes, nil
}
