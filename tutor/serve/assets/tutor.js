// tutor serve's page script, loaded after textual.js (which draws the terminal).
//
// It keeps every key a student types, shows the connection's state (connecting,
// slow, lost) in words, waits for the bundled font before the terminal measures
// its cells, and makes sure the page asks no other host for anything.
(() => {
  "use strict";

  const PING_EVERY_MS = 5000;
  const SLOW_AFTER_MS = 4000;
  const FONT_WAIT_MS = 3000;
  const NativeWebSocket = window.WebSocket;

  // textual.js fetches the page's ?ping= address before it connects, and waits for a
  // click with ?delay=: neither is ours to honour, and the first names another host.
  const address = new URL(window.location.href);
  if (address.searchParams.has("ping") || address.searchParams.has("delay")) {
    address.searchParams.delete("ping");
    address.searchParams.delete("delay");
    window.history.replaceState(null, "", address.pathname + address.search + address.hash);
  }

  function setState(name, text, offerReconnect) {
    const body = document.body;
    body.classList.remove("tutor-slow", "tutor-closed");
    if (name) body.classList.add(name);
    const line = document.getElementById("tutor-status-text");
    const button = document.getElementById("tutor-reconnect");
    if (line && text) line.textContent = text;
    if (button) button.hidden = !offerReconnect;
  }

  function closedText(event) {
    if (event.code === 1013 || event.code === 1008) {
      return event.reason || "The server cannot take another session now.";
    }
    if (event.reason) return event.reason;
    return "The connection to tutor was lost.";
  }

  // The server's address as this browser reached it, so a reverse proxy (https, a
  // path prefix) works without the server knowing the outside address.
  function websocketAddress() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const folder = window.location.pathname.replace(/[^/]*$/, "");
    return scheme + window.location.host + folder + "ws";
  }

  class TutorSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      // Keys typed while the connection opens would be refused by the browser and
      // lost: they wait here and go, in order, the moment it is open.
      this.waiting = [];
      this.pingSentAt = 0;
      this.pongAt = 0;
      this.drawn = false;
      this.addEventListener("open", () => {
        for (const message of this.waiting.splice(0)) super.send(message);
        this.pinger = window.setInterval(() => this.checkAlive(), PING_EVERY_MS);
      });
      this.addEventListener("message", (event) => this.onMessage(event));
      this.addEventListener("close", (event) => {
        window.clearInterval(this.pinger);
        window.clearTimeout(this.slowStart);
        setState("tutor-closed", closedText(event) + " Reconnecting starts a new session.", true);
      });
      this.slowStart = window.setTimeout(() => {
        if (!this.drawn && this.readyState <= NativeWebSocket.OPEN) {
          setState(
            null,
            "Connecting… many sessions are starting at once; yours will appear in a few seconds.",
            false,
          );
        }
      }, SLOW_AFTER_MS);
    }

    send(message) {
      if (this.readyState === NativeWebSocket.CONNECTING) {
        this.waiting.push(message);
        return;
      }
      super.send(message);
    }

    onMessage(event) {
      if (typeof event.data === "string") {
        if (event.data.startsWith('["pong"')) {
          this.pongAt = Date.now();
          if (document.body.classList.contains("tutor-slow")) setState(null, null, false);
        }
        return;
      }
      if (!this.drawn) {
        this.drawn = true;
        window.clearTimeout(this.slowStart);
      }
    }

    checkAlive() {
      if (this.readyState !== NativeWebSocket.OPEN) return;
      const now = Date.now();
      if (this.pingSentAt > this.pongAt && now - this.pingSentAt > SLOW_AFTER_MS) {
        setState(
          "tutor-slow",
          "The server is slow to answer. What you type is kept and will arrive.",
          false,
        );
      }
      if (this.pingSentAt <= this.pongAt || now - this.pingSentAt > SLOW_AFTER_MS) {
        this.pingSentAt = now;
        super.send(JSON.stringify(["ping", String(now)]));
      }
    }
  }
  window.WebSocket = TutorSocket;

  // The terminal measures its cells when it is built: build it once the bundled font
  // is loaded (or after a short wait, so a missing font never blocks the lesson).
  const startTerminal = window.onload;
  window.onload = (event) => {
    const terminal = document.getElementById("terminal");
    if (terminal) terminal.dataset.sessionWebsocketUrl = websocketAddress();
    const button = document.getElementById("tutor-reconnect");
    if (button) button.addEventListener("click", () => window.location.reload());
    const fonts = document.fonts
      ? Promise.all([
          document.fonts.load('16px "Roboto Mono"', "Ỹ∂δᵀ√∑"),
          document.fonts.load('bold 16px "Roboto Mono"', "Ỹ∂δᵀ√∑"),
        ])
      : Promise.resolve();
    const wait = new Promise((resolve) => window.setTimeout(resolve, FONT_WAIT_MS));
    Promise.race([fonts, wait])
      .catch(() => undefined)
      .then(() => {
        if (startTerminal) startTerminal.call(window, event);
      });
  };
})();
