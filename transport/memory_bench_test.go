package transport_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/quic-go/quic-go"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/session"
	"github.com/hearth-server/hearth/transport"
)

// memServerEnv makes the test binary run as a server for
// BenchmarkIdleConnMemory, so that its memory is measured apart from the
// clients': "hearth" for a hub, "bare" for the libraries alone.
const memServerEnv = "HEARTH_MEM_SERVER"

// idleConns is how many connections BenchmarkIdleConnMemory holds.
const idleConns = 10_000

// runMemServer serves WebSocket and QUIC with one object kind and a /heap
// endpoint, printing its addresses, until stdin closes.
func runMemServer() {
	rt, _ := session.New(session.Config{Store: session.NewMemStore(), Logger: quiet()})
	_ = rt.Register(session.Kind{Name: "cast", New: func(session.ID) session.Object { return &caster{} }})
	hub := transport.NewHub(rt, transport.Config{Logger: quiet(), HelloTimeout: time.Minute})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", hub.ServeWebSocket)
	mux.HandleFunc("/heap", heapHandler(func() int64 { return int64(hub.Conns()) }))
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go http.Serve(ln, mux)
	certs, _ := transport.SelfSigned()
	q, _ := hub.ListenQUIC("127.0.0.1:0", certs)
	go q.Serve()
	serveMemUntilStdinCloses(ln.Addr(), q.Addr())
}

// heapHandler answers /heap with heap and stacks in use, connections
// counted by conns, and goroutines.
func heapHandler(conns func() int64) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(w, "%d %d %d", m.HeapInuse+m.StackInuse, conns(), runtime.NumGoroutine())
	}
}

func serveMemUntilStdinCloses(httpAddr, quicAddr net.Addr) {
	fmt.Printf("%s %s\n", httpAddr, quicAddr)
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}

// BenchmarkIdleConnMemory: server heap and stacks per idle connection
// (hello sent, one object joined) with 10,000 connections, measured in a
// separate server process (targets: WebSocket ≤ 30 KiB, QUIC ≤ 64 KiB).
//
// The bare sub-benchmarks hold the same clients with coder/websocket or
// quic-go alone (one goroutine reading each WebSocket; for QUIC, one
// reading the stream and one the datagrams, as any server taking both
// must): the floor the libraries set, for the ratio hearth ÷ bare.
func BenchmarkIdleConnMemory(b *testing.B) {
	for _, server := range []string{"hearth", "bare"} {
		b.Run("ws/"+server, func(b *testing.B) { idleMemory(b, server, dialIdleWS) })
		b.Run("quic/"+server, func(b *testing.B) { idleMemory(b, server, dialIdleQUIC) })
	}
}

type memServer struct {
	httpAddr, quicAddr string
	cmd                *exec.Cmd
}

func startMemServer(b *testing.B, server string) *memServer {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), memServerEnv+"="+server)
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 2 {
		b.Fatalf("memory server: %q %v", line, err)
	}
	return &memServer{httpAddr: f[0], quicAddr: f[1], cmd: cmd}
}

func (s *memServer) heap(b *testing.B) (bytes, conns int64) {
	resp, err := http.Get("http://" + s.httpAddr + "/heap")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var g int64
	_, _ = fmt.Fscan(resp.Body, &bytes, &conns, &g)
	return bytes, conns
}

func idleMemory(b *testing.B, server string, dial func(b *testing.B, s *memServer, n int) func()) {
	for range b.N {
		s := startMemServer(b, server)
		before, _ := s.heap(b)
		closeAll := dial(b, s, idleConns)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, conns := s.heap(b)
			if conns >= idleConns || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond) // joins land
		after, conns := s.heap(b)
		b.ReportMetric(float64(after-before)/float64(conns)/1024, "KiB/conn")
		b.ReportMetric(float64(conns), "conns")
		closeAll()
	}
}

func idleFrames() [][]byte {
	hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
	join, _ := (&codec.Out{Kind: codec.KindJoin, Object: "cast/idle"}).Encode(codec.Binary)
	return [][]byte{hello, join}
}

func dialIdleWS(b *testing.B, s *memServer, n int) func() {
	conns := make([]*websocket.Conn, 0, n)
	for range n {
		c, _, err := websocket.Dial(context.Background(), "ws://"+s.httpAddr+"/ws", nil)
		if err != nil {
			b.Fatalf("after %d connections: %v", len(conns), err)
		}
		for _, f := range idleFrames() {
			_ = c.Write(context.Background(), websocket.MessageBinary, f)
		}
		go func() { // read and discard welcome and joined
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		conns = append(conns, c)
	}
	return func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}
}

func dialIdleQUIC(b *testing.B, s *memServer, n int) func() {
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	tr := &quic.Transport{Conn: udp}
	raddr, _ := net.ResolveUDPAddr("udp", s.quicAddr)
	tconf := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{transport.ALPN}}
	conns := make([]*quic.Conn, 0, n)
	for range n {
		c, err := tr.Dial(context.Background(), raddr, tconf, &quic.Config{EnableDatagrams: true, KeepAlivePeriod: 10 * time.Second})
		if err != nil {
			b.Fatalf("after %d connections: %v", len(conns), err)
		}
		str, err := c.OpenStreamSync(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range idleFrames() {
			_, _ = str.Write(append([]byte{0, 0, byte(len(f) >> 8), byte(len(f))}, f...))
		}
		conns = append(conns, c)
	}
	return func() {
		for _, c := range conns {
			_ = c.CloseWithError(0, "")
		}
		tr.Close()
	}
}
