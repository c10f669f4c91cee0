package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hearth-server/hearth/session/store"
	"github.com/hearth-server/hearth/transport"
)

// backupPath is the admin endpoint that streams a backup.
const backupPath = "/api/admin/backup"

// backupWriteTimeout bounds each write of a backup to a client that
// stopped reading; the server's overall write timeout (30 s) would cut a
// large backup short, so the handler moves the deadline as it goes.
const backupWriteTimeout = 30 * time.Second

// backupHandler serves GET /api/admin/backup: a consistent backup of
// every object's state (store.Backup), streamed as it is taken. It needs
// the admin secret or an admin token for "admin/backup" whenever auth or
// an admin secret is configured (transport.GuardAdmin).
func backupHandler(st *store.Store, auth *transport.Auth, adminSecret string, log *slog.Logger) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="hearth.backup"`)
		w.Header().Set("Cache-Control", "no-store")
		start := time.Now()
		dw := &deadlineWriter{w: w, rc: http.NewResponseController(w)}
		stats, err := st.Backup(r.Context(), dw)
		if err != nil {
			// Once bytes are out, the status is sent: the missing trailer
			// tells the client the backup is incomplete.
			log.Warn("backup failed", "err", err, "bytes", stats.Bytes)
			if stats.Bytes == 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			}
			return
		}
		log.Info("backup taken", "bytes", stats.Bytes, "took", time.Since(start).Round(time.Millisecond))
	})
	return transport.GuardAdmin(auth, adminSecret, func(*http.Request) string { return "admin/backup" }, h)
}

// deadlineWriter moves the connection's write deadline forward as a
// backup streams, so only a client that stalls is cut off.
type deadlineWriter struct {
	w    io.Writer
	rc   *http.ResponseController
	next time.Time // when to move the deadline again
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.After(d.next) {
		_ = d.rc.SetWriteDeadline(now.Add(backupWriteTimeout))
		d.next = now.Add(time.Second)
	}
	return d.w.Write(p)
}

func newBackupCmd() *cobra.Command {
	var o backupOptions
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Download a consistent backup of a running server's objects",
		Long: `Download a consistent backup of every object's state from a running hearth
(GET /api/admin/backup) into FILE: written to FILE.tmp, verified (header,
frames, checksum), fsynced and renamed. With auth on, pass the admin secret or
an admin token with --token or $HEARTH_TOKEN ($HEARTH_ADMIN_SECRET is used if
set). Restore it with 'hearth restore'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.token == "" {
				o.token = cmp.Or(os.Getenv("HEARTH_TOKEN"), os.Getenv("HEARTH_ADMIN_SECRET"))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			n, err := downloadBackup(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup of %s written to %s (%d bytes)\n", o.http, o.out, n)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "file to write the backup to (required)")
	f.StringVar(&o.http, "http", "127.0.0.1:8080", "the server's HTTP address (host:port, or an http:// or https:// URL)")
	f.StringVar(&o.token, "token", "", "admin token or admin secret (default $HEARTH_TOKEN)")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback server over plain HTTP (the token and the backup cross the network unencrypted)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

type backupOptions struct {
	out, http, token string
	allowRemote      bool
}

// backupURL turns --http into the backup endpoint's URL, refusing a
// plain-HTTP server off loopback unless allowed.
func backupURL(addr string, allowRemote bool) (string, error) {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("backup: --http %q: want host:port or an http(s) URL", addr)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	if u.Scheme == "http" && !loopback && !allowRemote {
		return "", fmt.Errorf("backup: %s is not a loopback address, and plain HTTP would carry the token and the backup unencrypted; use https:// or --allow-remote", host)
	}
	u.Path = backupPath
	return u.String(), nil
}

// downloadBackup fetches a backup into o.out and returns its length. The
// file appears only complete and verified.
func downloadBackup(ctx context.Context, o backupOptions) (int64, error) {
	if o.out == "" {
		return 0, errors.New("backup: --out is required")
	}
	u, err := backupURL(o.http, o.allowRemote)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	// No proxy: the token goes to the server named, and nowhere else.
	client := &http.Client{Transport: &http.Transport{ResponseHeaderTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	res, err := client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(res.Body, 4096)).Decode(&e)
		return 0, fmt.Errorf("backup: %s answered %s: %s", o.http, res.Status, e.Error)
	}
	tmp := o.out + ".tmp"
	n, err := writeVerified(tmp, res.Body)
	if err != nil {
		_ = os.Remove(tmp)
		return n, err
	}
	if err := os.Rename(tmp, o.out); err != nil {
		_ = os.Remove(tmp)
		return n, fmt.Errorf("backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(o.out)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return n, nil
}

// writeVerified copies r into a new file at path, fsyncs it and checks it
// is a complete backup.
func writeVerified(path string, r io.Reader) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("backup: download: %w", err)
	}
	f, err = os.Open(path)
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	if _, _, err := store.VerifyBackup(bufio.NewReaderSize(f, 1<<20)); err != nil {
		return n, fmt.Errorf("backup: the download is not a complete backup: %w", err)
	}
	return n, nil
}
