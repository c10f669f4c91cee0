package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
)

// browser starts headless Chromium for one test and collects the page's
// console errors and uncaught exceptions. Without Chromium the test fails:
// it is skipped only when HEARTH_SKIP_BROWSER is set.
func browser(t *testing.T) (context.Context, *pageErrors) {
	t.Helper()
	if os.Getenv("HEARTH_SKIP_BROWSER") != "" {
		t.Skip("HEARTH_SKIP_BROWSER is set")
	}
	path := os.Getenv("HEARTH_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		t.Fatal("chromium not found: apt-get install -y chromium (or set HEARTH_CHROMIUM, or HEARTH_SKIP_BROWSER=1 to skip)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-background-networking", true), // QUIC stays on: the page plays over WebTransport
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser, which lives as long as ctx: later
	// steps run under shorter timeouts derived from it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	errs := &pageErrors{}
	if err := chromedp.Listen(ctx, errs.record); err != nil {
		t.Fatal(err)
	}
	return ctx, errs
}

// pageErrors keeps what the page reported as errors.
type pageErrors struct {
	mu   sync.Mutex
	list []string
}

func (p *pageErrors) record(ev any) {
	var msg string
	switch e := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		if e.Type != cdpruntime.ConsoleAPICalledTypeError {
			return
		}
		for _, a := range e.Args {
			msg += " " + string(a.Value) + a.Description
		}
	case *cdpruntime.EventExceptionThrown:
		msg = e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	default:
		return
	}
	p.mu.Lock()
	p.list = append(p.list, msg)
	p.mu.Unlock()
}

func (p *pageErrors) check(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.list) > 0 {
		t.Errorf("the page logged errors: %q", p.list)
	}
}

// screenshot saves the page as name.png under HEARTH_SCREENSHOTS, or a
// temporary directory, for a person to look at.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// The dashboard, in a real browser against a --demo server: the overview
// shows the server, the demo rooms and group; an alert raised by a
// reading appears and is acknowledged with a click; a reading published to
// NATS shows on its group's chart; the group page draws a chart per
// metric; the room page draws the arena's entities and plays in the room
// over WebTransport; no page logs an error; each page fits a phone.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx, errs := browser(t)
	shots := os.Getenv("HEARTH_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	s := startInProcessWith(t, t.TempDir(), func(c *config) { c.Demo = true })
	base := "http://" + s.httpLn.Addr().String() + "/"

	run(t, ctx, "overview",
		chromedp.Navigate(base),
		chromedp.WaitVisible(`#status[data-state="live"]`),
		chromedp.WaitVisible(`#server .kv`),
		waitJS(`document.querySelectorAll("#rooms tr").length >= 4`), // header + 3 demo rooms
		waitJS(`document.querySelector('#groups a[href="#/group/demo-pumps"]') !== null`),
		// 9 bots and this page
		waitJS(`Number(document.querySelector("#server .kv div:first-child b")?.textContent) >= 10`),
	)

	screenshot(t, ctx, shots, "overview")

	publishHot(t, s)
	run(t, ctx, "alert and ack",
		waitJS(`[...document.querySelectorAll("#alerts tr.alert")].some(r => r.textContent.includes("threshold"))`),
		chromedp.Click(`#alerts button[data-ack]`),
		waitJS(`[...document.querySelectorAll("#alerts tr.alert")].some(r => r.textContent.includes("acknowledged"))`),
	)

	run(t, ctx, "group page",
		goTo("#/group/demo-pumps"),
		waitJS(`document.querySelectorAll("#charts canvas").length >= 3`),
		waitJS(`document.querySelector('#charts [data-metric="temperature"] h3').textContent.includes("mean")`),
	)
	screenshot(t, ctx, shots, "group")

	publishTo(t, s, "iot.browser.probe", `{"metrics": {"level": 42.25}}`)
	run(t, ctx, "a reading on the chart",
		goTo("#/group/browser"),
		waitJS(`document.querySelector('#charts [data-metric="level"] h3')?.textContent.includes("mean 42.25")`),
		waitJS(`document.querySelector('#charts [data-metric="level"] canvas') !== null`),
	)

	run(t, ctx, "room page",
		goTo("#/room/demo-1"),
		waitJS(`Number(document.querySelector("#arena")?.dataset.entities || 0) >= 3`),
		waitJS(`document.querySelectorAll("#players tr").length >= 4`),
		chromedp.Click(`#wt-join`),
		waitJS(`Number(document.querySelector("#wt-status").dataset.snapshots) >= 3`),
	)
	screenshot(t, ctx, shots, "room")

	// On a phone the pages fit the screen's width (tables scroll inside
	// their panels).
	for _, page := range []string{"#/", "#/group/demo-pumps", "#/room/demo-1"} {
		run(t, ctx, "phone "+page,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			goTo(page),
			waitJS(`document.querySelector("main section") !== null`),
			waitJS(`document.documentElement.scrollWidth <= window.innerWidth + 1`),
		)
	}
	screenshot(t, ctx, shots, "room-phone")
	errs.check(t)
	t.Logf("screenshots in %s", shots)
}

func run(t *testing.T, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML("main"))
		t.Fatalf("%s: %v\npage: %.2000s", step, err, html)
	}
}

// waitJS polls a JavaScript condition until it holds.
func waitJS(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(100*time.Millisecond))
}

// goTo follows a link inside the page (the dashboard routes by hash).
func goTo(hash string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`location.hash = ` + strconv.Quote(hash))
}

// publishHot sends the demo group a temperature above its threshold.
func publishHot(t *testing.T, s *server) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"ts": time.Now().UnixMilli(), "metrics": map[string]float64{"temperature": 150}})
	publishTo(t, s, "iot."+demoGroup+".pump-9", string(b))
}

// publishTo sends one message to the server's NATS, as a sensor would.
func publishTo(t *testing.T, s *server, subject, payload string) {
	t.Helper()
	nc, err := nats.Connect(s.msg.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish(subject, []byte(payload)); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}
