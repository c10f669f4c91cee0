package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/hearth-server/hearth/codec"
)

// Options configures a client. The zero value works.
type Options struct {
	// JSON selects JSON text frames (WebSocket only); default msgpack.
	JSON bool
	// MaxFrame bounds a frame from the server. Default codec.DefaultMaxFrame.
	MaxFrame int
	// Name identifies the client in its hello.
	Name string
	// Buffer is how many received frames wait for Recv before the oldest
	// are dropped. Default 1024.
	Buffer int
	// TLS configures QUIC and WebTransport. Set RootCAs (or
	// InsecureSkipVerify for tests) and, to resume with 0-RTT, a
	// ClientSessionCache shared across dials.
	TLS *tls.Config
	// EarlyData sends the hello in 0-RTT when the TLS session cache holds
	// a ticket for the server (QUIC only). Off by default: quic-go
	// v0.64 has a data race when a stream is opened before the
	// handshake completes (quic-go/quic-go#4303), harmless in practice
	// but reported by the race detector.
	EarlyData bool
	// PacketConn, for QUIC, is the socket to send and receive through
	// instead of a new one; the caller closes it (after the Client).
	// Tests wrap one to lose packets.
	PacketConn net.PacketConn
}

func (o Options) withDefaults() Options {
	if o.MaxFrame <= 0 {
		o.MaxFrame = codec.DefaultMaxFrame
	}
	if o.Buffer <= 0 {
		o.Buffer = 1024
	}
	if o.Name == "" {
		o.Name = "hearth-go"
	}
	return o
}

// Error is an error frame from the server.
type Error struct {
	Code         string
	Message      string
	RetryAfterMs int64
}

func (e *Error) Error() string {
	return fmt.Sprintf("hearth: %s: %s", e.Code, e.Message)
}

// ErrClosed is returned once the connection has ended.
var ErrClosed = errors.New("client: connection closed")

// wire is one transport's connection.
type wire interface {
	write(frame []byte, unreliable bool) error
	read() ([]byte, error)
	close() error
	datagrams() bool
}

// Client is one connection to a hearth server.
type Client struct {
	w       wire
	opts    Options
	format  codec.Format
	welcome codec.Welcome
	frames  chan codec.Frame
	dropped atomic.Int64
	done    chan struct{}
	sent    atomic.Int64 // bytes written
	recvd   atomic.Int64 // bytes read

	mu      sync.Mutex
	waiters map[string]chan codec.Frame // join and leave answers, by object
	err     error
}

// start greets the server over w and starts reading.
func start(ctx context.Context, w wire, o Options) (*Client, error) {
	c := &Client{w: w, opts: o, frames: make(chan codec.Frame, o.Buffer), done: make(chan struct{}),
		waiters: make(map[string]chan codec.Frame)}
	if o.JSON {
		c.format = codec.JSON
	}
	if err := c.hello(ctx); err != nil {
		_ = w.close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *Client) hello(ctx context.Context) error {
	if err := c.Send(&codec.Out{Kind: codec.KindHello, Body: codec.Hello{Version: codec.ProtocolVersion, Client: c.opts.Name}}); err != nil {
		return err
	}
	type res struct {
		f   codec.Frame
		err error
	}
	ch := make(chan res, 1)
	go func() { f, err := c.readFrame(); ch <- res{f, err} }()
	select {
	case r := <-ch:
		if r.err != nil {
			return r.err
		}
		if r.f.Kind == codec.KindError {
			return asError(r.f)
		}
		if r.f.Kind != codec.KindWelcome {
			return fmt.Errorf("client: expected welcome, got %s", r.f.Kind)
		}
		return r.f.Payload.Decode(&c.welcome)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Welcome returns what the server said when the connection opened.
func (c *Client) Welcome() codec.Welcome { return c.welcome }

// Format is the connection's frame encoding.
func (c *Client) Format() codec.Format { return c.format }

// Send writes a frame: unreliable kinds as datagrams where the transport
// has them.
func (c *Client) Send(out *codec.Out) error {
	b, err := out.Encode(c.format)
	if err != nil {
		return err
	}
	if err := c.w.write(b, out.Kind.Unreliable()); err != nil {
		return fmt.Errorf("client: send %s: %w", out.Kind, err)
	}
	c.sent.Add(int64(len(b)))
	return nil
}

// Join attaches to object and returns the joined frame, or the server's
// *Error.
func (c *Client) Join(ctx context.Context, object string, req codec.JoinRequest) (codec.Frame, error) {
	return c.request(ctx, object, &codec.Out{Kind: codec.KindJoin, Object: object, Body: req}, codec.KindJoined)
}

// Subscribe starts the live stream of topic ("rooms", "iot/pumps", …)
// and returns its first update; the following ones arrive through Recv
// as update frames.
func (c *Client) Subscribe(ctx context.Context, topic string, req codec.Subscribe) (codec.Frame, error) {
	return c.request(ctx, topic, &codec.Out{Kind: codec.KindSubscribe, Object: topic, Body: req}, codec.KindUpdate)
}

// Unsubscribe ends the stream of topic. Updates already on their way may
// still arrive.
func (c *Client) Unsubscribe(topic string) error {
	return c.Send(&codec.Out{Kind: codec.KindUnsubscribe, Object: topic})
}

// Leave detaches from object.
func (c *Client) Leave(ctx context.Context, object string) error {
	_, err := c.request(ctx, object, &codec.Out{Kind: codec.KindLeave, Object: object}, codec.KindLeft)
	return err
}

// request sends out and waits for a frame of kind want (or an error) about
// object.
func (c *Client) request(ctx context.Context, object string, out *codec.Out, want codec.Kind) (codec.Frame, error) {
	ch := make(chan codec.Frame, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return codec.Frame{}, c.err
	}
	c.waiters[object] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiters, object)
		c.mu.Unlock()
	}()
	if err := c.Send(out); err != nil {
		return codec.Frame{}, err
	}
	select {
	case f := <-ch:
		if f.Kind == codec.KindError {
			return f, asError(f)
		}
		return f, nil
	case <-c.done:
		return codec.Frame{}, c.closeErr()
	case <-ctx.Done():
		return codec.Frame{}, ctx.Err()
	}
}

// Recv returns the next frame that no Join or Leave is waiting for.
func (c *Client) Recv(ctx context.Context) (codec.Frame, error) {
	select {
	case f := <-c.frames:
		return f, nil
	default:
	}
	select {
	case f := <-c.frames:
		return f, nil
	case <-c.done:
		return codec.Frame{}, c.closeErr()
	case <-ctx.Done():
		return codec.Frame{}, ctx.Err()
	}
}

// Stats reports bytes written and read, and frames dropped because Recv
// fell behind.
func (c *Client) Stats() (sent, received, dropped int64) {
	return c.sent.Load(), c.recvd.Load(), c.dropped.Load()
}

// Close ends the connection.
func (c *Client) Close() error {
	c.fail(ErrClosed)
	return c.w.close()
}

func (c *Client) readFrame() (codec.Frame, error) {
	b, err := c.w.read()
	if err != nil {
		return codec.Frame{}, err
	}
	c.recvd.Add(int64(len(b)))
	if c.format == codec.JSON {
		return codec.DecodeJSON(b, c.opts.MaxFrame)
	}
	return codec.DecodeBinary(b, c.opts.MaxFrame)
}

func (c *Client) readLoop() {
	for {
		f, err := c.readFrame()
		if err != nil {
			var de *codec.DecodeError
			if errors.As(err, &de) {
				continue
			}
			c.fail(fmt.Errorf("%w: %v", ErrClosed, err))
			return
		}
		c.route(f)
	}
}

// route hands f to a waiting Join/Leave or queues it for Recv, dropping
// the oldest frame when Recv has fallen behind.
func (c *Client) route(f codec.Frame) {
	if f.Object != "" && (f.Kind == codec.KindJoined || f.Kind == codec.KindLeft || f.Kind == codec.KindError || f.Kind == codec.KindUpdate) {
		c.mu.Lock()
		ch, ok := c.waiters[f.Object]
		c.mu.Unlock()
		if ok {
			select {
			case ch <- f:
			default:
			}
			return
		}
	}
	for {
		select {
		case c.frames <- f:
			return
		default:
		}
		select {
		case <-c.frames:
			c.dropped.Add(1)
		default:
		}
	}
}

func (c *Client) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.done)
	}
}

func (c *Client) closeErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func asError(f codec.Frame) error {
	var e codec.Error
	if err := f.Payload.Decode(&e); err != nil {
		return err
	}
	return &Error{Code: e.Code, Message: e.Message, RetryAfterMs: e.RetryAfterMs}
}
