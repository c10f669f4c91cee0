package loadtest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// series is one recorded sensor: rows of named metric values.
type series struct {
	name    string
	metrics []string
	rows    [][]float64
}

// maxSeriesRows bounds what one CSV file contributes.
const maxSeriesRows = 1 << 20

// skabLabels are SKAB columns that label the data rather than measure it.
var skabLabels = map[string]bool{"datetime": true, "anomaly": true, "changepoint": true}

// loadSKAB reads every CSV under dir (the SKAB layout: valve1/0.csv, …),
// one series per file, in path order.
func loadSKAB(dir string) ([]series, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".csv") {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("loadtest: skab: %w", err)
	}
	slices.Sort(paths)
	var out []series
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("loadtest: skab: %w", err)
		}
		s, err := parseSeries(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("loadtest: skab %s: %w", p, err)
		}
		rel, _ := filepath.Rel(dir, p)
		s.name = rel
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("loadtest: skab: no CSV files under %s", dir)
	}
	return out, nil
}

// parseSeries reads a `;`-separated CSV with a header: label columns
// (datetime, anomaly, changepoint) are skipped, every other column is a
// metric; a row with a value that is not a number is skipped.
func parseSeries(r io.Reader) (series, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return series{}, err
	}
	var s series
	var cols []int
	for i, h := range head {
		if name := metricName(h); name != "" && !skabLabels[name] {
			s.metrics = append(s.metrics, name)
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return series{}, errors.New("no metric columns")
	}
	for len(s.rows) < maxSeriesRows {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return series{}, err
		}
		if row, ok := parseRow(rec, cols); ok {
			s.rows = append(s.rows, row)
		}
	}
	if len(s.rows) == 0 {
		return series{}, errors.New("no rows")
	}
	return s, nil
}

func parseRow(rec []string, cols []int) ([]float64, bool) {
	row := make([]float64, len(cols))
	for j, c := range cols {
		if c >= len(rec) {
			return nil, false
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[c]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
		row[j] = v
	}
	return row, true
}

// metricName turns a column header into a metric name hearth accepts:
// lower case letters, digits and underscores, at most 64 bytes.
func metricName(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "_"):
			b.WriteByte('_')
		}
	}
	return strings.TrimRight(b.String()[:min(b.Len(), 64)], "_")
}
