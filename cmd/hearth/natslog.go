package main

import (
	"fmt"
	"log/slog"
	"sync/atomic"
)

// natsLogger routes the embedded NATS server's logs to slog: its notices
// and traces at debug level, so a normal start is quiet. The server reports
// a startup failure (port in use, JetStream unusable) through Fatalf
// without exiting; until started is set, the first such report goes to
// fatal for startEmbedded to return as hearth's one error.
type natsLogger struct {
	l       *slog.Logger
	fatal   chan string
	started atomic.Bool
}

func newNATSLogger(l *slog.Logger) *natsLogger {
	return &natsLogger{l: l, fatal: make(chan string, 1)}
}

func (n *natsLogger) Fatalf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	if !n.started.Load() {
		select {
		case n.fatal <- msg:
			return
		default:
		}
	}
	n.l.Error(msg)
}

func (n *natsLogger) Noticef(f string, a ...any) { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n *natsLogger) Warnf(f string, a ...any)   { n.l.Warn(fmt.Sprintf(f, a...)) }
func (n *natsLogger) Errorf(f string, a ...any)  { n.l.Error(fmt.Sprintf(f, a...)) }
func (n *natsLogger) Debugf(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n *natsLogger) Tracef(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }
