package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hearth-server/hearth/session"
)

// kv is an object whose messages are storage operations.
type kv struct{}

type (
	put    struct{ k, v string }
	putTTL struct {
		k, v string
		ttl  time.Duration
	}
	get   struct{ k string }
	del   struct{ k string }
	list  struct{ prefix string }
	multi struct {
		keys []string
		fail bool // return an error after writing
	}
)

func (kv) Load(*session.Context) error { return nil }

func (kv) Receive(c *session.Context, m session.Message) (any, error) {
	s := c.Storage()
	switch b := m.Body.(type) {
	case put:
		return nil, s.Put(b.k, []byte(b.v))
	case putTTL:
		return nil, s.PutTTL(b.k, []byte(b.v), b.ttl)
	case get:
		v, err := s.Get(b.k)
		return string(v), err
	case del:
		return nil, s.Delete(b.k)
	case list:
		var out []string
		err := s.List(b.prefix, func(k string, v []byte) bool {
			out = append(out, k+"="+string(v))
			return true
		})
		return strings.Join(out, ","), err
	case multi:
		for _, k := range b.keys {
			if err := s.Put(k, []byte("v")); err != nil {
				return nil, err
			}
		}
		if b.fail {
			panic("fail after writing")
		}
		return nil, nil
	case []byte:
		return nil, s.Put("big", b)
	}
	return nil, fmt.Errorf("unknown %T", m.Body)
}

func kvKind() session.Kind {
	return session.Kind{Name: "kv", New: func(session.ID) session.Object { return kv{} }}
}

// Semantic 3: get, put, delete, list by prefix, reading one's own
// uncommitted writes, and persistence across runtimes.
func TestStorageOperations(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, kvKind())
	id := session.ID{Kind: "kv", Name: "k"}
	call(t, rt, id, put{"user/1", "ann"})
	call(t, rt, id, put{"user/2", "bob"})
	call(t, rt, id, put{"zzz", "z"})
	call(t, rt, id, del{"user/1"})
	call(t, rt, id, put{"user/3", "cy"})
	if got := call(t, rt, id, list{"user/"}); got != "user/2=bob,user/3=cy" {
		t.Fatalf("list = %q", got)
	}
	if _, err := rt.Call(context.Background(), id, get{"user/1"}); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("get deleted key: %v, want ErrNotFound", err)
	}
	if err := rt.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rt2 := newRuntime(t, store, session.Config{}, kvKind())
	if got := call(t, rt2, id, list{""}); got != "user/2=bob,user/3=cy,zzz=z" {
		t.Fatalf("after restart list = %q", got)
	}
}

func TestStorageTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := newRuntime(t, session.NewMemStore(), session.Config{}, kvKind())
		id := session.ID{Kind: "kv", Name: "ttl"}
		call(t, rt, id, putTTL{"tmp", "x", 5 * time.Second})
		if got := call(t, rt, id, get{"tmp"}); got != "x" {
			t.Fatalf("before expiry got %q", got)
		}
		time.Sleep(6 * time.Second)
		if _, err := rt.Call(context.Background(), id, get{"tmp"}); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("after expiry: %v, want ErrNotFound", err)
		}
		_ = rt.Shutdown(context.Background())
	})
}

// All writes of one message commit together or not at all: a message that
// panics after writing leaves none of its writes behind.
func TestStorageMessageIsAtomic(t *testing.T) {
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, kvKind())
	id := session.ID{Kind: "kv", Name: "atomic"}
	call(t, rt, id, multi{keys: []string{"a", "b", "c"}})
	if _, err := rt.Call(context.Background(), id, multi{keys: []string{"d", "e"}, fail: true}); !errors.Is(err, session.ErrObjectPanicked) {
		t.Fatalf("failing message: %v, want ErrObjectPanicked", err)
	}
	if got := call(t, rt, id, list{""}); got != "a=v,b=v,c=v" {
		t.Fatalf("list = %q: a failed message left writes", got)
	}
	var n int
	_ = store.Scan(id, "", func(string, []byte) bool { n++; return true })
	if n != 3 {
		t.Fatalf("store holds %d keys, want 3", n)
	}
}

func TestStorageLimits(t *testing.T) {
	rt := newRuntime(t, session.NewMemStore(), session.Config{MaxValueSize: 1024}, kvKind())
	id := session.ID{Kind: "kv", Name: "limits"}
	if _, err := rt.Call(context.Background(), id, bytes.Repeat([]byte("x"), 1025)); !errors.Is(err, session.ErrValueTooLarge) {
		t.Fatalf("oversized value: %v, want ErrValueTooLarge", err)
	}
	if _, err := rt.Call(context.Background(), id, put{"", "x"}); !errors.Is(err, session.ErrInvalidKey) {
		t.Fatalf("empty key: %v, want ErrInvalidKey", err)
	}
	if _, err := rt.Call(context.Background(), id, put{strings.Repeat("k", session.MaxKeyLen+1), "x"}); !errors.Is(err, session.ErrInvalidKey) {
		t.Fatalf("long key: %v, want ErrInvalidKey", err)
	}
}

// Put keeps a copy of the value: the caller may reuse its buffer at once,
// before the commit and after.
func TestPutCopiesValue(t *testing.T) {
	var buf []byte
	k := session.Kind{Name: "reuse", New: func(session.ID) session.Object {
		return &fnObject{recv: func(c *session.Context, m session.Message) (any, error) {
			buf = append(buf[:0], "saved"...)
			if err := c.Storage().Put("k", buf); err != nil {
				return nil, err
			}
			copy(buf, "XXXXX")
			v, err := c.Storage().Get("k") // the pending write
			return string(v), err
		}}
	}}
	store := session.NewMemStore()
	rt := newRuntime(t, store, session.Config{}, k)
	id := session.ID{Kind: "reuse", Name: "x"}
	if got := call(t, rt, id, "put"); got != "saved" {
		t.Fatalf("pending value %q after the caller reused its buffer", got)
	}
	if v, err := store.Get(id, "k"); err != nil || string(v) != "saved" {
		t.Fatalf("committed value %q (%v)", v, err)
	}
}
