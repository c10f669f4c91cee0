package iot

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ReplayOptions configure Replay. The zero value works.
type ReplayOptions struct {
	Options
	// QuietRows closes an alert after that many readings without a
	// finding. Default 120.
	QuietRows int
}

// ReplayStats summarizes a replay.
type ReplayStats struct {
	Rows, Flagged, Skipped int
}

// Replay runs a CSV of readings through the same per-device pipeline as
// the server (one device; every numeric column but the first a metric)
// and writes the input columns plus anomaly_score (0–1) and alert (0/1).
// The first column is the time: RFC 3339, "2006-01-02 15:04:05", or unix
// milliseconds. Columns may be separated by ',' or ';' (detected from the
// header). Columns named "anomaly" or "changepoint" are labels, carried
// through but not fed to the detectors.
func Replay(in io.Reader, out io.Writer, o ReplayOptions) (ReplayStats, error) {
	if o.QuietRows <= 0 {
		o.QuietRows = 120
	}
	o.Options = o.Options.withDefaults()
	br := bufio.NewReader(in)
	header, sep, err := readHeader(br)
	if err != nil {
		return ReplayStats{}, err
	}
	r := csv.NewReader(br)
	r.Comma = sep
	r.FieldsPerRecord = len(header)
	w := csv.NewWriter(out)
	w.Comma = sep
	if err := w.Write(append(header, "anomaly_score", "alert")); err != nil {
		return ReplayStats{}, err
	}
	var st ReplayStats
	var d device
	quiet := o.QuietRows
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			st.Skipped++
			continue
		}
		reading, ok := parseRow(header, rec)
		if !ok {
			st.Skipped++
			continue
		}
		res := d.observe(reading, reading.Time, &o.Options)
		score := 0.0
		for _, f := range res.Findings {
			score = max(score, f.Score)
		}
		if len(res.Findings) > 0 {
			quiet = 0
		} else {
			quiet++
		}
		alert := quiet < o.QuietRows
		st.Rows++
		if alert {
			st.Flagged++
		}
		if err := w.Write(append(rec, strconv.FormatFloat(squash(score), 'f', 3, 64), boolDigit(alert))); err != nil {
			return st, err
		}
	}
	w.Flush()
	return st, w.Error()
}

// readHeader reads the first line and guesses the separator.
func readHeader(br *bufio.Reader) ([]string, rune, error) {
	line, err := br.ReadString('\n')
	if err != nil && line == "" {
		return nil, 0, fmt.Errorf("iot: replay: no header: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	sep := ','
	if strings.Count(line, ";") > strings.Count(line, ",") {
		sep = ';'
	}
	header := strings.Split(line, string(sep))
	if len(header) < 2 {
		return nil, 0, errors.New("iot: replay: want a time column and at least one value column")
	}
	return header, sep, nil
}

// parseRow turns a CSV record into a reading.
func parseRow(header, rec []string) (Reading, bool) {
	t, ok := parseCSVTime(rec[0])
	if !ok {
		return Reading{}, false
	}
	r := Reading{Time: t}
	for i := 1; i < len(header); i++ {
		name := strings.TrimSpace(header[i])
		if name == "anomaly" || name == "changepoint" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[i]), 64)
		if err != nil || v != v {
			continue
		}
		r.Metrics = append(r.Metrics, Metric{Name: name, Value: v})
	}
	return r, len(r.Metrics) > 0
}

func parseCSVTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixNano(), true
		}
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms * 1e6, true
	}
	return 0, false
}

// squash maps a finding score (≥ 1 when anomalous) onto 0–1.
func squash(score float64) float64 {
	if score <= 0 {
		return 0
	}
	return score / (1 + score)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
