package iot

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestGroupConfigValidation(t *testing.T) {
	good := GroupConfig{AllowedLatenessMs: 2000, Detectors: []DetectorSpec{
		{Metric: "temp", Type: "threshold", Min: -20, Max: 80},
		{Metric: "*", Type: "ewma_z", Alpha: 0.01, Z: 4, Warmup: 100},
		{Metric: "rpm", Type: "relative_deviation", Alpha: 0.05, Fraction: 0.3},
		{Metric: "rpm", Type: "rate_of_change", PerSecond: 500},
		{Metric: "rpm", Type: "flatline", Count: 30},
	}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if ds := good.detectorsFor("rpm"); len(ds) != 4 {
		t.Fatalf("rpm gets %d detectors, want its three and the wildcard", len(ds))
	}
	for name, bad := range map[string]DetectorSpec{
		"no metric":       {Type: "threshold", Min: 0, Max: 1},
		"unknown type":    {Metric: "x", Type: "psychic"},
		"inverted bounds": {Metric: "x", Type: "threshold", Min: 5, Max: 1},
		"alpha out":       {Metric: "x", Type: "ewma_z", Alpha: 2, Z: 3},
		"NaN":             {Metric: "x", Type: "threshold", Min: math.NaN(), Max: 1},
		"flatline count":  {Metric: "x", Type: "flatline", Count: 1},
	} {
		err := GroupConfig{Detectors: []DetectorSpec{bad}}.Validate()
		if !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v, want ErrBadConfig", name, err)
		}
	}
	if err := (GroupConfig{AllowedLatenessMs: -1}).Validate(); !errors.Is(err, ErrBadConfig) {
		t.Errorf("negative lateness: %v", err)
	}
}

func FuzzGroupConfig(f *testing.F) {
	f.Add(`{"allowed_lateness_ms": 2000, "detectors": [{"metric": "temp", "type": "threshold", "min": 0, "max": 1}]}`)
	f.Add(`{"detectors": [{"metric": "*", "type": "flatline", "count": 3}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		var c GroupConfig
		if json.Unmarshal([]byte(doc), &c) != nil || c.Validate() != nil {
			return
		}
		for _, d := range c.detectorsFor("temp") {
			d.Observe(1, 1)
		}
	})
}
