package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
)

// backupOf fills a fresh store with objects, keys (one with a TTL),
// alarms and epochs, and returns a backup of it.
func backupOf(t *testing.T) (data []byte, expiresAt uint64) {
	t.Helper()
	s := open(t, store.Options{Dir: t.TempDir()})
	defer s.Close()
	for i := range 5 {
		id := session.ID{Kind: "room", Name: fmt.Sprintf("r%d", i)}
		if err := s.Claim(id, uint64(3+i)); err != nil {
			t.Fatal(err)
		}
		b := &session.Batch{ID: id, Epoch: uint64(3 + i),
			Writes: []session.Write{{Key: "a", Value: []byte("A" + id.Name)}, {Key: "big", Value: bytes.Repeat([]byte{byte(i)}, 10<<10)}},
			Alarms: []session.AlarmWrite{{Name: "tick", At: time.Unix(1_800_000_000, int64(i)), Attempt: i}}}
		if i == 0 {
			b.Writes = append(b.Writes, session.Write{Key: "ttl", Value: []byte("t"), TTL: time.Hour})
		}
		if errs := s.Apply([]*session.Batch{b}); errs[0] != nil {
			t.Fatal(errs[0])
		}
	}
	// Overwritten and deleted keys restore as their newest state.
	id := session.ID{Kind: "room", Name: "r1"}
	if errs := s.Apply([]*session.Batch{{ID: id, Epoch: 4, Writes: []session.Write{{Key: "a", Value: []byte("new")}, {Key: "big", Delete: true}}}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	_ = s.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if strings.HasSuffix(string(it.Item().Key()), "ttl") {
				expiresAt = it.Item().ExpiresAt()
			}
		}
		return nil
	})
	var buf bytes.Buffer
	st, err := s.Backup(context.Background(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(buf.Len()) || st.Version == 0 {
		t.Fatalf("backup stats %+v for %d bytes", st, buf.Len())
	}
	if !strings.HasPrefix(buf.String(), "hearth-backup 1 layout 1\n") {
		t.Fatalf("backup starts %q", buf.Bytes()[:min(40, buf.Len())])
	}
	return buf.Bytes(), expiresAt
}

func TestBackupRestore(t *testing.T) {
	t.Parallel()
	data, expiresAt := backupOf(t)
	if expiresAt == 0 {
		t.Fatal("the TTL'd key has no expiry")
	}
	dir := filepath.Join(t.TempDir(), "new", "objects")
	st, err := store.Restore(bytes.NewReader(data), store.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if st.Objects != 5 || st.Keys != 10 || st.Alarms != 5 || st.Bytes != int64(len(data)) {
		t.Fatalf("restore stats %+v", st)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".*")); len(leftovers) > 0 {
		t.Fatalf("restore left %q", leftovers)
	}
	s := open(t, store.Options{Dir: dir})
	defer s.Close()
	for i := range 5 {
		id := session.ID{Kind: "room", Name: fmt.Sprintf("r%d", i)}
		want := "A" + id.Name
		if i == 1 {
			want = "new"
		}
		if v, err := s.Get(id, "a"); err != nil || string(v) != want {
			t.Errorf("%v a = %q %v, want %q", id, v, err, want)
		}
		v, err := s.Get(id, "big")
		if i == 1 && !errors.Is(err, session.ErrNotFound) {
			t.Errorf("deleted key restored: %d bytes %v", len(v), err)
		}
		if i != 1 && (err != nil || !bytes.Equal(v, bytes.Repeat([]byte{byte(i)}, 10<<10))) {
			t.Errorf("%v big = %d bytes %v", id, len(v), err)
		}
		if err := s.Claim(id, uint64(2+i)); !errors.Is(err, session.ErrStaleEpoch) {
			t.Errorf("%v epoch not restored: claim at %d = %v", id, 2+i, err)
		}
		if err := s.Claim(id, uint64(3+i)); err != nil {
			t.Errorf("%v claim at its epoch: %v", id, err)
		}
	}
	if v, err := s.Get(session.ID{Kind: "room", Name: "r0"}, "ttl"); err != nil || string(v) != "t" {
		t.Errorf("TTL'd key = %q %v", v, err)
	}
	_ = s.DB().View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if strings.HasSuffix(string(it.Item().Key()), "ttl") && it.Item().ExpiresAt() != expiresAt {
				t.Errorf("TTL'd key expires at %d, was %d", it.Item().ExpiresAt(), expiresAt)
			}
		}
		return nil
	})
	var alarms []session.Alarm
	_ = s.Alarms(func(a session.Alarm) bool { alarms = append(alarms, a); return true })
	if len(alarms) != 5 {
		t.Fatalf("alarms after restore: %+v", alarms)
	}
	for _, a := range alarms {
		i := int(a.ID.Name[1] - '0')
		if a.Name != "tick" || !a.At.Equal(time.Unix(1_800_000_000, int64(i))) || a.Attempt != i {
			t.Errorf("alarm after restore: %+v", a)
		}
	}
	var names []string
	_ = s.Objects("room", func(n string) bool { names = append(names, n); return true })
	if len(names) != 5 {
		t.Errorf("objects after restore: %q", names)
	}
	// New writes after the restore win over the restored versions.
	id := session.ID{Kind: "room", Name: "r2"}
	if errs := s.Apply([]*session.Batch{{ID: id, Epoch: 5, Writes: []session.Write{{Key: "a", Value: []byte("later")}}}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	if v, _ := s.Get(id, "a"); string(v) != "later" {
		t.Fatalf("a write after the restore reads back %q", v)
	}
}

// TestBackupUnderWrites backs up while writers keep committing: every
// write acknowledged before the backup began is restored, and no object
// is restored with a later write but without an earlier one.
func TestBackupUnderWrites(t *testing.T) {
	t.Parallel()
	s := open(t, store.Options{Dir: t.TempDir(), Durability: store.Async})
	defer s.Close()
	const writers = 4
	var acked [writers]atomic.Int64
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			id := session.ID{Kind: "w", Name: fmt.Sprint(w)}
			for n := int64(1); ctx.Err() == nil; n++ {
				b := &session.Batch{ID: id, Epoch: 1, Writes: []session.Write{
					{Key: fmt.Sprintf("k%06d", n), Value: []byte("v")},
					{Key: "last", Value: []byte(fmt.Sprint(n))}}}
				if errs := s.Apply([]*session.Batch{b}); errs[0] != nil {
					t.Error(errs[0])
					return
				}
				acked[w].Store(n)
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	var before [writers]int64
	for w := range writers {
		before[w] = acked[w].Load()
	}
	var buf bytes.Buffer
	if _, err := s.Backup(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	stop()
	wg.Wait()
	dir := filepath.Join(t.TempDir(), "objects")
	if _, err := store.Restore(&buf, store.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	r := open(t, store.Options{Dir: dir})
	defer r.Close()
	for w := range writers {
		id := session.ID{Kind: "w", Name: fmt.Sprint(w)}
		v, err := r.Get(id, "last")
		var last int64
		fmt.Sscan(string(v), &last)
		if err != nil || last < before[w] {
			t.Fatalf("writer %d: restored last %d (%v); %d were acknowledged before the backup", w, last, err, before[w])
		}
		n := 0
		_ = r.Scan(id, "k", func(string, []byte) bool { n++; return true })
		if int64(n) != last {
			t.Fatalf("writer %d: %d keys restored with last = %d: not one snapshot", w, n, last)
		}
	}
}

func TestRestoreRefusesForeignFiles(t *testing.T) {
	t.Parallel()
	data, _ := backupOf(t)
	body := data[len("hearth-backup 1 layout 1\n"):]
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, store.ErrNotBackup},
		{"garbage", bytes.Repeat([]byte{0xfe}, 1000), store.ErrNotBackup},
		{"badger stream without header", body, store.ErrNotBackup},
		{"other magic", []byte("tar-backup 1 layout 1\n"), store.ErrNotBackup},
		{"newer file", append([]byte("hearth-backup 2 layout 1\n"), body...), store.ErrBackupVersion},
		{"other layout", append([]byte("hearth-backup 1 layout 2\n"), body...), store.ErrBackupVersion},
		{"truncated", data[:len(data)/2], store.ErrBackupCorrupt},
		{"no trailer", data[:len(data)-40], store.ErrBackupCorrupt},
		{"short trailer", data[:len(data)-1], store.ErrBackupCorrupt},
		{"trailing bytes", append(bytes.Clone(data), 0), store.ErrBackupCorrupt},
		{"flipped byte", flip(data, len(data)/3), store.ErrBackupCorrupt},
		{"huge frame", append([]byte("hearth-backup 1 layout 1\n"), 0, 0, 0, 0, 0, 0, 0, 0x7f), store.ErrBackupCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "objects")
			_, err := store.Restore(bytes.NewReader(c.in), store.Options{Dir: dir})
			if !errors.Is(err, c.want) || !strings.HasPrefix(err.Error(), "store: ") {
				t.Fatalf("restore: %v, want %v", err, c.want)
			}
			if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
				t.Fatalf("a refused restore left %s: %v", dir, serr)
			}
			if left, _ := os.ReadDir(filepath.Dir(dir)); len(left) > 0 {
				t.Fatalf("a refused restore left %v", left)
			}
			if _, _, err := store.VerifyBackup(bytes.NewReader(c.in)); !errors.Is(err, c.want) {
				t.Fatalf("verify: %v, want %v", err, c.want)
			}
		})
	}
	if _, n, err := store.VerifyBackup(bytes.NewReader(data)); err != nil || n != int64(len(data)) {
		t.Fatalf("verify a good backup: %d bytes, %v", n, err)
	}
}

func flip(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x40
	return b
}

func TestRestoreRefusesNonEmptyTarget(t *testing.T) {
	t.Parallel()
	data, _ := backupOf(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := store.Restore(bytes.NewReader(data), store.Options{Dir: dir})
	if !errors.Is(err, store.ErrRestoreTarget) {
		t.Fatalf("restore into a non-empty dir: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "MANIFEST")); string(b) != "x" {
		t.Fatal("the target was touched")
	}
	file := filepath.Join(t.TempDir(), "f")
	_ = os.WriteFile(file, nil, 0o600)
	if _, err := store.Restore(bytes.NewReader(data), store.Options{Dir: file}); !errors.Is(err, store.ErrRestoreTarget) {
		t.Fatalf("restore onto a file: %v", err)
	}
	// An existing empty directory is fine.
	empty := t.TempDir()
	if _, err := store.Restore(bytes.NewReader(data), store.Options{Dir: empty}); err != nil {
		t.Fatalf("restore into an empty dir: %v", err)
	}
	s := open(t, store.Options{Dir: empty})
	_ = s.Close()
}

// TestBackupStops: a failing writer or a cancelled context ends the
// backup with an error, and the store carries on.
func TestBackupStops(t *testing.T) {
	t.Parallel()
	s := open(t, store.Options{Dir: t.TempDir()})
	defer s.Close()
	id := session.ID{Kind: "k", Name: "n"}
	if errs := s.Apply([]*session.Batch{{ID: id, Epoch: 1, Writes: []session.Write{{Key: "a", Value: []byte("1")}}}}); errs[0] != nil {
		t.Fatal(errs[0])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Backup(ctx, &bytes.Buffer{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled backup: %v", err)
	}
	boom := errors.New("disk full")
	if _, err := s.Backup(context.Background(), &failAfter{n: 30, err: boom}); !errors.Is(err, boom) {
		t.Fatalf("backup to a failing writer: %v", err)
	}
	if _, err := s.Backup(context.Background(), &bytes.Buffer{}); err != nil {
		t.Fatalf("backup after failures: %v", err)
	}
	_ = s.Close()
	if _, err := s.Backup(context.Background(), &bytes.Buffer{}); !errors.Is(err, session.ErrClosed) {
		t.Fatalf("backup of a closed store: %v", err)
	}
}

type failAfter struct {
	n   int
	err error
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, f.err
	}
	f.n -= len(p)
	return len(p), nil
}

// FuzzBackupHeader: the header decoder never panics, reads no further
// than its line, and accepts only what the encoder writes.
func FuzzBackupHeader(f *testing.F) {
	f.Add([]byte("hearth-backup 1 layout 1\n"))
	f.Add([]byte("hearth-backup 2 layout 1\nxx"))
	f.Add([]byte("hearth-backup 01 layout 1\n"))
	f.Add([]byte("hearth-backup 1 layout 9999999999999999999999\n"))
	f.Add([]byte("\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		h, err := store.ParseBackupHeader(r)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "store: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		consumed := len(in) - r.Len()
		if h.String() != string(in[:consumed]) {
			t.Fatalf("accepted %q, which encodes as %q", in[:consumed], h.String())
		}
	})
}

// FuzzVerifyBackup feeds arbitrary backups to the frame and trailer
// decoder: it never panics, never allocates what a length announces, and
// accepts a file only if its checksum matches.
func FuzzVerifyBackup(f *testing.F) {
	s, err := store.Open(store.Options{InMemory: true, Logger: nil})
	if err != nil {
		f.Fatal(err)
	}
	id := session.ID{Kind: "k", Name: "n"}
	s.Apply([]*session.Batch{{ID: id, Epoch: 1, Writes: []session.Write{{Key: "a", Value: []byte("1")}}}})
	var buf bytes.Buffer
	if _, err := s.Backup(context.Background(), &buf); err != nil {
		f.Fatal(err)
	}
	_ = s.Close()
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:len(good)-10])
	f.Add([]byte("hearth-backup 1 layout 1\n\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("hearth-backup 1 layout 1\n\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, n, err := store.VerifyBackup(bytes.NewReader(in))
		if err == nil && n != int64(len(in)) {
			t.Fatalf("accepted %d of %d bytes", n, len(in))
		}
		if err != nil && !strings.HasPrefix(err.Error(), "store: ") {
			t.Fatalf("error without prefix: %v", err)
		}
	})
}
