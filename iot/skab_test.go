package iot

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
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

// scoreSKAB returns true/false positives/negatives for one file.
func scoreSKAB(t *testing.T, path string) (tp, fp, fn, tn int) {
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Scan()
	header := strings.Split(sc.Text(), ";")
	o := Options{}.withDefaults()
	var d device
	quiet := quietRows
	for sc.Scan() {
		cols := strings.Split(sc.Text(), ";")
		if len(cols) != len(header) {
			continue
		}
		ts, err := time.Parse("2006-01-02 15:04:05", cols[0])
		if err != nil {
			continue
		}
		r := Reading{Time: ts.UnixNano()}
		for i := 1; i < len(header)-2; i++ {
			v, err := strconv.ParseFloat(cols[i], 64)
			if err == nil {
				r.Metrics = append(r.Metrics, Metric{Name: header[i], Value: v})
			}
		}
		out := d.observe(r, ts.UnixNano(), &o)
		if len(out.Findings) > 0 {
			quiet = 0
		} else {
			quiet++
		}
		flagged := quiet < quietRows
		anomalous := cols[len(cols)-2] == "1" || cols[len(cols)-2] == "1.0"
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
