package iot

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// skabDir is where the shared SKAB dataset sits next to the repository.
const skabDir = "../../shared/datasets/skab"

// quietRows is how many rows without findings close an open alert.
const quietRows = 120

// TestSKABScores runs every SKAB experiment through the default detectors,
// one device per file, every sensor a metric, and scores row by row: a row
// is flagged while an alert is open (opened by any finding, closed after
// quietRows readings without one). It logs precision, recall and F1 and
// guards against the detectors becoming useless.
func TestSKABScores(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(skabDir, "*", "*.csv"))
	if len(files) == 0 {
		t.Skipf("SKAB dataset not found under %s", skabDir)
	}
	var tp, fp, fn, tn int
	for _, f := range files {
		if strings.Contains(f, "anomaly-free") {
			continue
		}
		a, b, c, d := scoreSKAB(t, f)
		tp, fp, fn, tn = tp+a, fp+b, fn+c, tn+d
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	f1 := 2 * precision * recall / max(precision+recall, 1e-9)
	// The trivial detector that flags every row scores:
	allPrecision := float64(tp+fn) / float64(tp+fp+fn+tn)
	allF1 := 2 * allPrecision / (allPrecision + 1)
	t.Logf("SKAB (%d files, %d rows): precision %.3f recall %.3f F1 %.3f (flag-everything baseline F1 %.3f)",
		len(files)-1, tp+fp+fn+tn, precision, recall, f1, allF1)
	if f1 < allF1 {
		t.Fatalf("F1 %.3f: the default detectors lost their use", f1)
	}
}

// scoreSKAB replays one file and compares its alert column with the
// anomaly labels.
func scoreSKAB(t *testing.T, path string) (tp, fp, fn, tn int) {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out bytes.Buffer
	if _, err := Replay(fh, &out, ReplayOptions{QuietRows: quietRows}); err != nil {
		t.Fatal(err)
	}
	rows, err := csvRows(&out)
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	labelCol := slices.Index(header, "anomaly")
	alertCol := len(header) - 1
	for _, row := range rows[1:] {
		flagged := row[alertCol] == "1"
		anomalous := strings.HasPrefix(row[labelCol], "1")
		switch {
		case flagged && anomalous:
			tp++
		case flagged:
			fp++
		case anomalous:
			fn++
		default:
			tn++
		}
	}
	return tp, fp, fn, tn
}

func csvRows(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	return cr.ReadAll()
}

func FuzzReplay(f *testing.F) {
	f.Add("datetime;temp;anomaly\n2020-03-09 10:14:33;21.5;0\n2020-03-09 10:14:34;80;1\n")
	f.Add("ts,value\n1700000000000,1\n1700000001000,NaN\n")
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		st, err := Replay(strings.NewReader(in), &out, ReplayOptions{})
		if err == nil && st.Flagged > st.Rows {
			t.Fatalf("flagged %d of %d rows", st.Flagged, st.Rows)
		}
	})
}
