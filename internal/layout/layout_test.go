package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hearth-server/hearth"

// rule says what a project package (matched by prefix, most specific
// first) may depend on, directly or not: which project packages, and
// whether anything outside the standard library.
type rule struct {
	pkg        string
	project    []string // allowed project packages (prefixes); a package's own subtree is always allowed
	thirdParty bool
}

// rules is DESIGN.md's layout table. Packages not listed (cmd, internal)
// may depend on anything. Packages that do not exist yet need no special
// case: a rule only applies to packages go list reports.
var rules = []rule{
	{pkg: "session/store", project: []string{"session"}, thirdParty: true},
	{pkg: "session/storetest", project: []string{"session"}},
	{pkg: "session"},
	{pkg: "codec", thirdParty: true},
	{pkg: "tick", project: []string{"session", "codec"}, thirdParty: true},
	{pkg: "iot", project: []string{"session", "codec"}, thirdParty: true},
	{pkg: "transport", project: []string{"session", "codec"}, thirdParty: true},
	{pkg: "loadtest", project: []string{"codec", "transport/client"}, thirdParty: true},
}

// graph maps an import path to the packages it imports directly.
type graph map[string][]string

// deps returns every package p depends on, directly or not, each with the
// shortest import chain from p that brings it in.
func (g graph) deps(p string) map[string][]string {
	chains := map[string][]string{p: {p}}
	for queue := []string{p}; len(queue) > 0; queue = queue[1:] {
		cur := queue[0]
		for _, imp := range g[cur] {
			if _, seen := chains[imp]; !seen {
				chains[imp] = append(slices.Clone(chains[cur]), imp)
				queue = append(queue, imp)
			}
		}
	}
	delete(chains, p)
	return chains
}

// violations checks the dependencies of project package p (as returned by
// graph.deps) against its rule; std reports standard-library packages.
func violations(p string, deps map[string][]string, std func(string) bool) []string {
	rel, ok := strings.CutPrefix(p, module+"/")
	if !ok {
		return nil
	}
	r, ok := ruleFor(rel)
	if !ok {
		return nil
	}
	var out []string
	for dep, chain := range deps {
		drel, inProject := strings.CutPrefix(dep, module+"/")
		switch {
		case inProject && !r.allows(drel):
			out = append(out, fmt.Sprintf("%s may not depend on %s: %s", rel, drel, shorten(chain)))
		case !inProject && !std(dep) && !r.thirdParty:
			out = append(out, fmt.Sprintf("%s may not depend on third-party %s: %s", rel, dep, shorten(chain)))
		}
	}
	slices.Sort(out)
	return out
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if under(rel, r.pkg) {
			return r, true
		}
	}
	return rule{}, false
}

// allows reports whether a package under r may depend on project package
// drel.
func (r rule) allows(drel string) bool {
	if under(drel, r.pkg) {
		return true
	}
	return slices.ContainsFunc(r.project, func(p string) bool { return under(drel, p) })
}

// under reports whether package rel is dir or inside it.
func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }

// shorten writes an import chain with project paths relative to the module.
func shorten(chain []string) string {
	out := make([]string, len(chain))
	for i, p := range chain {
		out[i] = strings.TrimPrefix(p, module+"/")
	}
	return strings.Join(out, " → ")
}

type pkgInfo struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

// list runs go list over the module (tests included, so that packages
// only tests use are checked too) and returns the import graph and the
// standard-library packages in it.
func list(t *testing.T) (graph, map[string]bool, []string) {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-test", "-json=ImportPath,Imports,Standard", module+"/...")
	cmd.Dir = "../.."
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, errOut.String())
	}
	g := graph{}
	std := map[string]bool{"C": true}
	var project []string
	for dec := json.NewDecoder(&out); dec.More(); {
		var p pkgInfo
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		g[p.ImportPath] = p.Imports
		switch {
		case p.Standard:
			std[p.ImportPath] = true
		case strings.HasSuffix(p.ImportPath, ".test") || strings.Contains(p.ImportPath, " ["):
			// Test mains and test variants may use test helpers.
		case strings.HasPrefix(p.ImportPath, module+"/"):
			project = append(project, p.ImportPath)
		}
	}
	return g, std, project
}

func TestLayout(t *testing.T) {
	g, std, project := list(t)
	if len(project) == 0 {
		t.Fatal("go list found no project packages")
	}
	isStd := func(p string) bool { return std[p] }
	for _, p := range project {
		for _, v := range violations(p, g.deps(p), isStd) {
			t.Error(v)
		}
	}
}

// The checker catches what the rules forbid, directly or through another
// package, and allows what they allow.
func TestLayoutCatchesViolations(t *testing.T) {
	m := func(rel string) string { return module + "/" + rel }
	isStd := func(p string) bool { return p == "fmt" || p == "C" }
	cases := []struct {
		name string
		g    graph
		pkg  string
		want string // a violation mentioning this; "" for none
	}{
		{"session std only", graph{m("session"): {"fmt", "C"}}, "session", ""},
		{"session third-party", graph{m("session"): {"github.com/quic-go/quic-go"}}, "session", "third-party github.com/quic-go/quic-go"},
		{"session badger via store", graph{m("session"): {m("session/store")}, m("session/store"): {"github.com/dgraph-io/badger/v4"}}, "session", "session/store → github.com/dgraph-io/badger/v4"},
		{"store may use badger", graph{m("session/store"): {m("session"), "github.com/dgraph-io/badger/v4"}}, "session/store", ""},
		{"store importing transport", graph{m("session/store"): {m("transport")}}, "session/store", "transport"},
		{"codec importing session", graph{m("codec"): {m("session")}}, "codec", "session"},
		{"tick importing transport", graph{m("tick"): {m("transport")}}, "tick", "transport"},
		{"tick importing iot", graph{m("tick"): {m("iot")}}, "tick", "iot"},
		{"iot importing tick", graph{m("iot"): {m("tick")}}, "iot", "tick"},
		{"tick subpackage", graph{m("tick/arena"): {m("tick"), m("codec")}, m("tick"): {m("session")}}, "tick/arena", ""},
		{"transport importing tick", graph{m("transport"): {m("tick")}}, "transport", "tick"},
		{"transport via a helper", graph{m("transport"): {m("transport/x")}, m("transport/x"): {m("iot")}}, "transport", "transport/x → iot"},
		{"client uses codec", graph{m("transport/client"): {m("codec")}}, "transport/client", ""},
		{"loadtest importing transport", graph{m("loadtest"): {m("transport")}}, "loadtest", "transport"},
		{"loadtest through the client", graph{m("loadtest"): {m("transport/client")}, m("transport/client"): {m("transport")}}, "loadtest", "transport/client → transport"},
		{"loadtest black box", graph{m("loadtest"): {m("transport/client"), m("codec")}, m("transport/client"): {m("codec")}}, "loadtest", ""},
		{"cmd anything", graph{m("cmd/hearth"): {m("tick"), m("iot"), m("transport")}}, "cmd/hearth", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := violations(m(c.pkg), c.g.deps(m(c.pkg)), isStd)
			switch {
			case c.want == "" && len(got) > 0:
				t.Fatalf("unexpected violations %q", got)
			case c.want != "" && !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, c.want) }):
				t.Fatalf("violations %q, want one mentioning %q", got, c.want)
			}
		})
	}
}
