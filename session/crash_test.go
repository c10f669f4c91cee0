package session_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/session/store"
)

// crashChildEnv names the data directory a re-executed test binary runs
// the crash workload on.
const crashChildEnv = "HEARTH_CRASH_CHILD_DIR"

// ledger writes the key it is told and sets an alarm when asked; on an
// alarm it records the firing.
type ledger struct{}

type (
	record   struct{ key string }
	armAlarm struct {
		name string
		at   time.Time
	}
)

func (ledger) Load(*session.Context) error { return nil }

func (ledger) Receive(c *session.Context, m session.Message) (any, error) {
	switch b := m.Body.(type) {
	case record:
		return nil, c.Storage().Put(b.key, []byte(b.key))
	case armAlarm:
		return nil, c.SetAlarm(b.name, b.at)
	case session.AlarmFired:
		return nil, c.Storage().Put("fired/"+b.Name, []byte{1})
	}
	return nil, nil
}

func ledgerKind() session.Kind {
	return session.Kind{Name: "ledger", New: func(session.ID) session.Object { return ledger{} }}
}

// TestCrashChild is the workload of TestSIGKILLKeepsAcknowledgedWrites;
// it runs only inside the re-executed child.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("runs only as the crash test's child process")
	}
	s, err := store.Open(store.Options{Dir: dir, Durability: store.Sync})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	rt, err := session.New(session.Config{Store: s, Logger: quietLogger()})
	if err != nil {
		os.Exit(2)
	}
	if err := rt.Register(ledgerKind()); err != nil {
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	ack := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		out.WriteString(line + "\n")
		out.Flush()
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				id := session.ID{Kind: "ledger", Name: fmt.Sprintf("obj-%d", (i*8+w)%32)}
				key := fmt.Sprintf("k-%d-%d", w, i)
				if _, err := rt.Call(context.Background(), id, record{key}); err != nil {
					return
				}
				ack("write " + id.Name + " " + key)
				if i%16 == 0 {
					name := "al-" + key
					if _, err := rt.Call(context.Background(), id, armAlarm{name, time.Now().Add(2 * time.Second)}); err != nil {
						return
					}
					ack("alarm " + id.Name + " " + name)
				}
			}
		})
	}
	wg.Wait()
}

// TestSIGKILLKeepsAcknowledgedWrites kills a process running the runtime in
// sync mode right after it acknowledged writes, restarts on the same data
// directory and finds every acknowledged write and alarm, and the alarms
// fire.
func TestSIGKILLKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	writes, alarms := runAndKill(t, dir, 400)
	if len(writes) < 400 || len(alarms) == 0 {
		t.Fatalf("child acknowledged %d writes and %d alarms before the kill", len(writes), len(alarms))
	}

	s, err := store.Open(store.Options{Dir: dir, Durability: store.Sync})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, w := range writes {
		if _, err := s.Get(session.ID{Kind: "ledger", Name: w[0]}, w[1]); err != nil {
			t.Fatalf("acknowledged write %v lost: %v", w, err)
		}
	}
	stored := map[string]bool{}
	_ = s.Alarms(func(a session.Alarm) bool { stored[a.ID.Name+" "+a.Name] = true; return true })
	for _, a := range alarms {
		if !stored[a[0]+" "+a[1]] {
			t.Fatalf("acknowledged alarm %v lost", a)
		}
	}

	rt, err := session.New(session.Config{Store: s, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Shutdown(context.Background())
	if err := rt.Register(ledgerKind()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range alarms {
		id := session.ID{Kind: "ledger", Name: a[0]}
		for {
			if _, err := s.Get(id, "fired/"+a[1]); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("alarm %v did not fire after the restart", a)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("SIGKILL after %d acknowledged writes and %d alarms: none lost, all alarms fired", len(writes), len(alarms))
}

// runAndKill runs the child workload on dir, SIGKILLs it once it has
// acknowledged n writes, and returns what it acknowledged as (object,
// key) pairs.
func runAndKill(t *testing.T, dir string, n int) (writes, alarms [][2]string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && len(writes) < n {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		switch f[0] {
		case "write":
			writes = append(writes, [2]string{f[1], f[2]})
		case "alarm":
			alarms = append(alarms, [2]string{f[1], f[2]})
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if len(writes) < n {
		t.Fatalf("child stopped after %d writes: %v", len(writes), sc.Err())
	}
	t.Logf("killed the child after %s acknowledged writes", strconv.Itoa(len(writes)))
	return writes, alarms
}
