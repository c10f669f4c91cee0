package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/nats-io/nats.go"
)

// browser starts headless Chromium for one test. Without Chromium the
// test is skipped, unless HEARTH_REQUIRE_BROWSER is set (as .ci/run does,
// after installing it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("HEARTH_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("HEARTH_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium not found (apt-get install -y chromium, or set HEARTH_CHROMIUM)")
		}
		t.Skip("chromium not found; set HEARTH_CHROMIUM or install chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1200, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
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
	return ctx
}

// The dashboard, in a real browser against a --demo server: the overview
// shows the server, the demo rooms and group; an alert raised by a
// reading appears and is acknowledged with a click; the group page draws
// a chart per metric; the room page draws the arena's entities.
func TestDashboardInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx := browser(t)
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

	run(t, ctx, "room page",
		goTo("#/room/demo-1"),
		waitJS(`Number(document.querySelector("#arena")?.dataset.entities || 0) >= 3`),
		waitJS(`document.querySelectorAll("#players tr").length >= 4`),
	)

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
	nc, err := nats.Connect(s.msg.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	b, _ := json.Marshal(map[string]any{"ts": time.Now().UnixMilli(), "metrics": map[string]float64{"temperature": 150}})
	if err := nc.Publish("iot."+demoGroup+".pump-9", b); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}
