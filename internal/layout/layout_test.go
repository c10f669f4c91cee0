package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/hearth-server/hearth"

// rule says what a project package (matched by prefix, most specific
// first) may import from the project, and whether it may import anything
// outside the standard library.
type rule struct {
	pkg        string
	project    []string // allowed project packages (prefixes)
	thirdParty bool
}

// rules is DESIGN.md's layout table. Packages not listed (cmd, internal)
// may import anything.
var rules = []rule{
	{pkg: "session/store", project: []string{"session"}, thirdParty: true},
	{pkg: "session/storetest", project: []string{"session"}},
	{pkg: "session", project: nil},
	{pkg: "codec", project: nil, thirdParty: true},
	{pkg: "tick", project: []string{"session", "codec"}, thirdParty: true},
	{pkg: "iot", project: []string{"session", "codec"}, thirdParty: true},
	{pkg: "transport", project: []string{"session", "codec", "transport"}, thirdParty: true},
	{pkg: "loadtest", project: []string{"codec", "transport/client", "loadtest"}, thirdParty: true},
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// violations checks one package's direct imports against the rules.
func violations(p pkgInfo, std map[string]bool) []string {
	rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
	if !ok {
		return nil
	}
	r, ok := ruleFor(rel)
	if !ok {
		return nil
	}
	var out []string
	for _, imp := range p.Imports {
		switch irel, inProject := strings.CutPrefix(imp, module+"/"); {
		case inProject && !allowed(irel, rel, r.project):
			out = append(out, fmt.Sprintf("%s imports %s", rel, irel))
		case !inProject && !std[imp] && !r.thirdParty:
			out = append(out, fmt.Sprintf("%s imports third-party %s", rel, imp))
		}
	}
	return out
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if rel == r.pkg || strings.HasPrefix(rel, r.pkg+"/") {
			return r, true
		}
	}
	return rule{}, false
}

// allowed reports whether package rel may import irel: its own subtree or
// an allowed prefix.
func allowed(irel, rel string, project []string) bool {
	for _, p := range project {
		if irel == p || strings.HasPrefix(irel, p+"/") {
			return true
		}
	}
	own, _ := ruleFor(rel)
	return irel == own.pkg || strings.HasPrefix(irel, own.pkg+"/")
}

func TestLayout(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-json=ImportPath,Imports,Standard", module+"/...")
	cmd.Dir = "../.."
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkgInfo
	std := map[string]bool{}
	for dec := json.NewDecoder(&out); dec.More(); {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Standard {
			std[p.ImportPath] = true
		}
		pkgs = append(pkgs, p)
	}
	checked := 0
	for _, p := range pkgs {
		if strings.HasSuffix(p.ImportPath, ".test") || strings.Contains(p.ImportPath, " [") {
			continue // test mains and test variants may use test helpers
		}
		for _, v := range violations(p, std) {
			t.Error(v)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("go list found no project packages")
	}
}

// The checker catches what the rules forbid.
func TestLayoutCatchesViolations(t *testing.T) {
	std := map[string]bool{"fmt": true}
	cases := []struct {
		pkg, imp string
		bad      bool
	}{
		{"session", "github.com/quic-go/quic-go", true},
		{"session", "fmt", false},
		{"session/store", "github.com/dgraph-io/badger/v4", false},
		{"session/store", module + "/transport", true},
		{"tick", module + "/transport", true},
		{"tick", module + "/iot", true},
		{"iot", module + "/tick", true},
		{"tick", module + "/session", false},
		{"transport", module + "/tick", true},
		{"transport/client", module + "/codec", false},
		{"codec", module + "/session", true},
		{"loadtest", module + "/transport", true},
		{"loadtest", module + "/transport/client", false},
		{"cmd/hearth", module + "/tick", false},
	}
	for _, c := range cases {
		got := violations(pkgInfo{ImportPath: module + "/" + c.pkg, Imports: []string{c.imp}}, std)
		if (len(got) > 0) != c.bad {
			t.Errorf("%s importing %s: violations %v, want bad=%v", c.pkg, c.imp, got, c.bad)
		}
	}
}
