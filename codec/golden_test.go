package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.json")

type golden struct {
	Name string `json:"name"`
	JSON string `json:"json"`
	Hex  string `json:"msgpack_hex"`
}

// vectors are the frames PROTOCOL.md shows, one per kind.
func vectors() []struct {
	name string
	out  func() *Out
} {
	return []struct {
		name string
		out  func() *Out
	}{
		{"hello", func() *Out { return &Out{Kind: KindHello, Body: Hello{Version: 1, Client: "demo/1.0"}} }},
		{"welcome", func() *Out {
			return &Out{Kind: KindWelcome, Body: Welcome{Conn: 42, Server: "hearth", MaxFrame: 65536, Datagrams: true}}
		}},
		{"join", func() *Out {
			return &Out{Kind: KindJoin, Object: "room/lobby", Body: JoinRequest{Token: "eyJ...", Data: map[string]any{"name": "ann"}}}
		}},
		{"joined", func() *Out { return &Out{Kind: KindJoined, Object: "room/lobby", Body: map[string]any{"slot": 3}} }},
		{"leave", func() *Out { return &Out{Kind: KindLeave, Object: "room/lobby"} }},
		{"left", func() *Out {
			return &Out{Kind: KindLeft, Object: "room/lobby", Body: map[string]any{"reason": "asked"}}
		}},
		{"event", func() *Out { return &Out{Kind: KindEvent, Object: "room/lobby", Body: map[string]any{"chat": "hi"}} }},
		{"input", func() *Out {
			return &Out{Kind: KindInput, Object: "room/lobby", Seq: 17, Ack: 300, Body: []any{1, -1, false}}
		}},
		{"snapshot", func() *Out {
			return &Out{Kind: KindSnapshot, Object: "room/lobby", Seq: 301, Ack: 17, Body: map[string]any{"e": []any{1, 120, -40}}}
		}},
		{"error", func() *Out {
			return &Out{Kind: KindError, Object: "room/lobby", Body: Error{Code: CodeRateLimited, Message: "slow down", RetryAfterMs: 250}}
		}},
		{"ping", func() *Out { return &Out{Kind: KindPing, Seq: 9} }},
		{"pong", func() *Out { return &Out{Kind: KindPong, Seq: 9} }},
		{"subscribe", func() *Out { return &Out{Kind: KindSubscribe, Object: "iot/pumps", Body: Subscribe{MaxHz: 2}} }},
		{"unsubscribe", func() *Out { return &Out{Kind: KindUnsubscribe, Object: "iot/pumps"} }},
		{"update", func() *Out {
			return &Out{Kind: KindUpdate, Object: "rooms", Seq: 5, Body: map[string]any{"rooms": []any{}}}
		}},
	}
}

func TestGoldenVectors(t *testing.T) {
	var got []golden
	for _, v := range vectors() {
		bin, err := v.out().Encode(Binary)
		if err != nil {
			t.Fatal(err)
		}
		js, err := v.out().Encode(JSON)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, golden{Name: v.name, JSON: string(js), Hex: hex.EncodeToString(bin)})
	}
	const path = "testdata/golden.json"
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []golden
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(got) {
		t.Fatalf("%d golden vectors, encoder made %d (run with -update after a deliberate change)", len(want), len(got))
	}
	for i := range want {
		if want[i].Hex != got[i].Hex || want[i].JSON != got[i].JSON {
			t.Errorf("%s: encoding changed\n got %s %s\nwant %s %s", want[i].Name, got[i].Hex, got[i].JSON, want[i].Hex, want[i].JSON)
		}
		checkDecodesAlike(t, want[i])
	}
}

// checkDecodesAlike decodes both forms of a vector and compares them.
func checkDecodesAlike(t *testing.T, g golden) {
	t.Helper()
	raw, _ := hex.DecodeString(g.Hex)
	fb, err := DecodeBinary(raw, 0)
	if err != nil {
		t.Fatalf("%s: binary: %v", g.Name, err)
	}
	fj, err := DecodeJSON([]byte(g.JSON), 0)
	if err != nil {
		t.Fatalf("%s: json: %v", g.Name, err)
	}
	if fb.Kind != fj.Kind || fb.Object != fj.Object || fb.Seq != fj.Seq || fb.Ack != fj.Ack || fb.Kind.String() != g.Name {
		t.Fatalf("%s: binary %+v and JSON %+v differ", g.Name, fb, fj)
	}
	var vb, vj any
	if err := fb.Payload.Decode(&vb); err != nil {
		t.Fatal(err)
	}
	if err := fj.Payload.Decode(&vj); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalize(vb), normalize(vj)) {
		t.Fatalf("%s: payloads differ: %#v vs %#v", g.Name, vb, vj)
	}
}

// normalize maps msgpack's and JSON's generic numbers onto float64.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, int, uint:
		return reflect.ValueOf(x).Convert(reflect.TypeFor[float64]()).Float()
	}
	return v
}

// PROTOCOL.md shows every golden vector, so the document cannot drift
// from the code.
func TestProtocolDocShowsVectors(t *testing.T) {
	doc, err := os.ReadFile("../PROTOCOL.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors() {
		bin, _ := v.out().Encode(Binary)
		js, _ := v.out().Encode(JSON)
		if !bytes.Contains(doc, []byte(hex.EncodeToString(bin))) || !bytes.Contains(doc, js) {
			t.Errorf("PROTOCOL.md lacks the %s vector", v.name)
		}
	}
}
