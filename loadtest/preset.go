package loadtest

import "fmt"

// Presets reproduce published workloads, so that figures compare.
const (
	// PresetNakamaMatch is Nakama's match benchmark: 10 players per room,
	// each sending one message every 0.5 s (Nakama reported ~2,300 CCU
	// on 1 vCPU). Nakama's rooms tick at 10 Hz; hearth serve's rooms run
	// at 20 Hz and a client cannot change that, so the server does
	// twice Nakama's ticking.
	PresetNakamaMatch = "nakama-match"
	// PresetSKAB replays the SKAB water-pump recordings (one sensor per
	// CSV file, 8 metrics, 1 Hz) through NATS as one device group.
	PresetSKAB = "skab"
)

// DefaultSKABDir is where the SKAB dataset sits next to a checkout.
const DefaultSKABDir = "../shared/datasets/skab"

const nakamaNote = "preset nakama-match: 10 players per room, one input every 0.5 s; Nakama's rooms tick at 10 Hz, hearth serve's at 20 Hz (not settable by a client)"

// applyPreset fills the zero fields of a game config from its preset.
func (c *GameConfig) applyPreset() error {
	switch c.Preset {
	case "":
	case PresetNakamaMatch:
		if c.Clients == 0 {
			c.Clients = 100
		}
		if c.Rooms == 0 {
			c.Rooms = (c.Clients + 9) / 10
		}
		if c.InputRate == 0 {
			c.InputRate = 2
		}
	default:
		return fmt.Errorf("loadtest: unknown game preset %q (have %s)", c.Preset, PresetNakamaMatch)
	}
	return nil
}

// applyPreset fills the zero fields of an iot config from its preset.
func (c *IoTConfig) applyPreset() error {
	switch c.Preset {
	case "":
	case PresetSKAB:
		if c.SKAB == "" {
			c.SKAB = DefaultSKABDir
		}
		if c.Groups == 0 {
			c.Groups = 1
		}
		if c.Rate == 0 {
			c.Rate = 1
		}
	default:
		return fmt.Errorf("loadtest: unknown iot preset %q (have %s)", c.Preset, PresetSKAB)
	}
	return nil
}
