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
	// PresetColyseus approaches Colyseus' room model: 60 Hz simulation,
	// 20 Hz state patches. hearth serve's rooms tick at 20 Hz, simulating
	// and sending a snapshot each tick, and a client cannot change that;
	// the preset keeps the 20 Hz of patches and has each client send an
	// input every 60 Hz frame, 8 players per room (see colyseusNote).
	PresetColyseus = "colyseus"
	// PresetSKAB replays the SKAB water-pump recordings (one sensor per
	// CSV file, 8 metrics, 1 Hz) through NATS as one device group.
	PresetSKAB = "skab"
)

// DefaultSKABDir is where the SKAB dataset sits next to a checkout.
const DefaultSKABDir = "../shared/datasets/skab"

const nakamaNote = "preset nakama-match: 10 players per room, one input every 0.5 s; Nakama's rooms tick at 10 Hz, hearth serve's at 20 Hz (not settable by a client)"

// colyseusNote says how the colyseus preset differs from Colyseus.
const colyseusNote = "preset colyseus: 8 players per room, each sending an input 60 times a second (one per Colyseus simulation frame; " +
	"players per room and input rate are this harness's choice, Colyseus publishes no standard client workload). " +
	"What differs from Colyseus (60 Hz simulation, 20 Hz patches): hearth serve's rooms tick at 20 Hz and a client cannot change it, " +
	"so the room runs a third of Colyseus' simulation steps and applies the inputs of three frames at once at the next tick; " +
	"the 20 Hz of snapshots matches the patch rate, but each is a delta against what that client acknowledged (Quake 3 style), not one patch broadcast to all; " +
	"round_trip includes the wait for the next 50 ms tick where Colyseus would apply an input within 16.7 ms"

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
	case PresetColyseus:
		if c.Clients == 0 {
			c.Clients = 96
		}
		if c.Rooms == 0 {
			c.Rooms = (c.Clients + 7) / 8
		}
		if c.InputRate == 0 {
			c.InputRate = 60
		}
	default:
		return fmt.Errorf("loadtest: unknown game preset %q (have %s, %s)", c.Preset, PresetNakamaMatch, PresetColyseus)
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

// presetNotes says how a game preset differs from the workload it
// reproduces.
func presetNotes(c GameConfig) []string {
	switch c.Preset {
	case PresetNakamaMatch:
		return []string{nakamaNote}
	case PresetColyseus:
		return []string{colyseusNote}
	}
	return nil
}
