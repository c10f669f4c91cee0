package transport_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hearth-server/hearth/codec"
	"github.com/hearth-server/hearth/transport"
	"github.com/hearth-server/hearth/transport/client"
)

// A msgpack client and a JSON client on the same object see each other's
// events.
func TestWebSocketBinaryAndJSONShareAnObject(t *testing.T) {
	s := newTestServer(t, transport.Config{})
	a := dialWS(t, s, false)
	b := dialWS(t, s, true)
	if a.Welcome().Conn == 0 || a.Welcome().MaxFrame != codec.DefaultMaxFrame {
		t.Fatalf("welcome %+v", a.Welcome())
	}
	var reply map[string]any
	if err := join(t, a, "chat/room", nil).Payload.Decode(&reply); err != nil || reply["role"] != "player" {
		t.Fatalf("joined payload %v (%v)", reply, err)
	}
	join(t, b, "chat/room", nil)

	if err := b.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/room", Body: map[string]any{"text": "hi from json"}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{a, b} {
		var got map[string]any
		if err := recvKind(t, c, codec.KindEvent).Payload.Decode(&got); err != nil || got["text"] != "hi from json" {
			t.Fatalf("event %v (%v)", got, err)
		}
	}
}

func TestJoinErrors(t *testing.T) {
	s := newTestServer(t, transport.Config{})
	c := dialWS(t, s, false)
	ctx := context.Background()
	for object, code := range map[string]string{
		"nosuchkind/x": codec.CodeUnknownObject,
		"noslash":      codec.CodeUnknownObject,
		"chat/":        codec.CodeUnknownObject,
	} {
		_, err := c.Join(ctx, object, codec.JoinRequest{})
		var e *client.Error
		if !errors.As(err, &e) || e.Code != code {
			t.Errorf("join %q: %v, want %s", object, err, code)
		}
	}
	_, err := c.Join(ctx, "chat/vip", codec.JoinRequest{Data: map[string]any{"refuse": true}})
	var e *client.Error
	if !errors.As(err, &e) || e.Code != codec.CodeRefused {
		t.Errorf("refused join: %v", err)
	}
	if err := c.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/vip", Body: 1}); err != nil {
		t.Fatal(err)
	}
	f := recvKind(t, c, codec.KindError)
	var perr codec.Error
	if f.Payload.Decode(&perr); perr.Code != codec.CodeNotJoined {
		t.Fatalf("event before join: %+v", perr)
	}
}

// Bad input gets an error for that connection only; others carry on.
func TestWebSocketBadInputHurtsNoOne(t *testing.T) {
	s := newTestServer(t, transport.Config{MaxFrame: 1024})
	good := dialWS(t, s, false)
	join(t, good, "chat/room", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, _, err := websocket.Dial(ctx, s.wsURL(), &websocket.DialOptions{Subprotocols: []string{"hearth"}})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	hello, _ := (&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: 1}}).Encode(codec.Binary)
	must(t, raw.Write(ctx, websocket.MessageBinary, hello))
	expectKind(t, raw, codec.KindWelcome, "")

	must(t, raw.Write(ctx, websocket.MessageBinary, []byte{0xc1, 0x00, 0xff}))
	expectKind(t, raw, codec.KindError, codec.CodeBadFrame)
	must(t, raw.Write(ctx, websocket.MessageBinary, []byte{0x95, 0x63, 0xa0, 0, 0, 0xc0}))
	expectKind(t, raw, codec.KindError, codec.CodeUnknownKind)
	welcome, _ := (&codec.Out{Kind: codec.KindWelcome}).Encode(codec.Binary)
	must(t, raw.Write(ctx, websocket.MessageBinary, welcome))
	expectKind(t, raw, codec.KindError, codec.CodeProtocol)

	// Still usable after the bad frames: join and talk.
	j, _ := (&codec.Out{Kind: codec.KindJoin, Object: "chat/room"}).Encode(codec.Binary)
	must(t, raw.Write(ctx, websocket.MessageBinary, j))
	expectKind(t, raw, codec.KindJoined, "")

	// An oversized frame closes this connection with 1009.
	must(t, raw.Write(ctx, websocket.MessageBinary, bytes.Repeat([]byte{0x90}, 2048)))
	expectKind(t, raw, codec.KindError, codec.CodeFrameTooLarge)
	if _, _, err := raw.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("after an oversized frame: %v, want close 1009", err)
	}

	// The well-behaved client still talks to the object.
	must(t, good.Send(&codec.Out{Kind: codec.KindEvent, Object: "chat/room", Body: "still here"}))
	var got string
	if err := recvKind(t, good, codec.KindEvent).Payload.Decode(&got); err != nil || got != "still here" {
		t.Fatalf("good client after the bad one: %q %v", got, err)
	}
}

func TestFirstFrameMustBeHello(t *testing.T) {
	s := newTestServer(t, transport.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	raw, _, err := websocket.Dial(ctx, s.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.CloseNow()
	j, _ := (&codec.Out{Kind: codec.KindJoin, Object: "chat/room"}).Encode(codec.Binary)
	must(t, raw.Write(ctx, websocket.MessageBinary, j))
	expectKind(t, raw, codec.KindError, codec.CodeProtocol)
	if _, _, err := raw.Read(ctx); websocket.CloseStatus(err) != websocket.StatusProtocolError {
		t.Fatalf("join before hello: %v, want close 1002", err)
	}
}

func TestRateLimitAnswersRetryAfter(t *testing.T) {
	s := newTestServer(t, transport.Config{Rate: 10, Burst: 5})
	c := dialWS(t, s, false)
	for i := range 20 {
		must(t, c.Send(&codec.Out{Kind: codec.KindPing, Seq: uint32(i)}))
	}
	f := recvKind(t, c, codec.KindError)
	var e codec.Error
	if f.Payload.Decode(&e); e.Code != codec.CodeRateLimited || e.RetryAfterMs <= 0 {
		t.Fatalf("flood answered with %+v", e)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func expectKind(t *testing.T, ws *websocket.Conn, k codec.Kind, code string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("waiting for %s: %v", k, err)
	}
	f, err := codec.DecodeBinary(b, 0)
	if err != nil || f.Kind != k {
		t.Fatalf("got %+v (%v), want %s", f, err, k)
	}
	if code != "" {
		var e codec.Error
		if f.Payload.Decode(&e); e.Code != code {
			t.Fatalf("error code %q, want %q (%s)", e.Code, code, e.Message)
		}
	}
}
