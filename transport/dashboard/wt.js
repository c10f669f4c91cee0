// A browser game client over WebTransport (PROTOCOL.md): msgpack frames,
// length-prefixed on one bidirectional stream, unreliable ones also as
// datagrams. Small on purpose: enough msgpack for hearth's frames.
"use strict";

const msgpack = {
  encode(v) {
    const out = [];
    const u8 = (...b) => out.push(...b);
    const be = (n, bytes) => { for (let i = bytes - 1; i >= 0; i--) u8(Math.floor(n / 2 ** (8 * i)) & 0xff); };
    const enc = (v) => {
      if (v === null || v === undefined) return u8(0xc0);
      if (v === false) return u8(0xc2);
      if (v === true) return u8(0xc3);
      if (typeof v === "number") {
        if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) {
          if (v < 128) return u8(v);
          if (v < 256) return u8(0xcc, v);
          if (v < 65536) return u8(0xcd), be(v, 2);
          return u8(0xce), be(v, 4);
        }
        if (Number.isInteger(v) && v < 0 && v >= -(2 ** 31)) {
          if (v >= -32) return u8(v & 0xff);
          return u8(0xd2), be(v >>> 0, 4);
        }
        const b = new DataView(new ArrayBuffer(8));
        b.setFloat64(0, v);
        return u8(0xcb, ...new Uint8Array(b.buffer));
      }
      if (typeof v === "string") {
        const s = new TextEncoder().encode(v);
        if (s.length < 32) u8(0xa0 | s.length);
        else if (s.length < 256) u8(0xd9, s.length);
        else u8(0xda), be(s.length, 2);
        return u8(...s);
      }
      if (Array.isArray(v)) {
        if (v.length < 16) u8(0x90 | v.length);
        else u8(0xdc), be(v.length, 2);
        return v.forEach(enc);
      }
      const keys = Object.keys(v);
      if (keys.length < 16) u8(0x80 | keys.length);
      else u8(0xde), be(keys.length, 2);
      keys.forEach((k) => { enc(k); enc(v[k]); });
    };
    enc(v);
    return new Uint8Array(out);
  },

  decode(buf) {
    const d = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let p = 0;
    const str = (n) => { const s = new TextDecoder().decode(buf.subarray(p, p + n)); p += n; return s; };
    const arr = (n) => { const a = []; for (let i = 0; i < n; i++) a.push(dec()); return a; };
    const map = (n) => { const m = {}; for (let i = 0; i < n; i++) { const k = dec(); m[k] = dec(); } return m; };
    const bin = (n) => { const b = buf.slice(p, p + n); p += n; return b; };
    const dec = () => {
      const t = d.getUint8(p++);
      if (t < 0x80) return t;
      if (t >= 0xe0) return t - 256;
      if ((t & 0xf0) === 0x80) return map(t & 0x0f);
      if ((t & 0xf0) === 0x90) return arr(t & 0x0f);
      if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
      const take = (n, f) => { const v = f(p); p += n; return v; };
      switch (t) {
        case 0xc0: return null;
        case 0xc2: return false;
        case 0xc3: return true;
        case 0xc4: return bin(take(1, (o) => d.getUint8(o)));
        case 0xc5: return bin(take(2, (o) => d.getUint16(o)));
        case 0xc6: return bin(take(4, (o) => d.getUint32(o)));
        case 0xca: return take(4, (o) => d.getFloat32(o));
        case 0xcb: return take(8, (o) => d.getFloat64(o));
        case 0xcc: return take(1, (o) => d.getUint8(o));
        case 0xcd: return take(2, (o) => d.getUint16(o));
        case 0xce: return take(4, (o) => d.getUint32(o));
        case 0xcf: return Number(take(8, (o) => d.getBigUint64(o)));
        case 0xd0: return take(1, (o) => d.getInt8(o));
        case 0xd1: return take(2, (o) => d.getInt16(o));
        case 0xd2: return take(4, (o) => d.getInt32(o));
        case 0xd3: return Number(take(8, (o) => d.getBigInt64(o)));
        case 0xd9: return str(take(1, (o) => d.getUint8(o)));
        case 0xda: return str(take(2, (o) => d.getUint16(o)));
        case 0xdb: return str(take(4, (o) => d.getUint32(o)));
        case 0xdc: return arr(take(2, (o) => d.getUint16(o)));
        case 0xdd: return arr(take(4, (o) => d.getUint32(o)));
        case 0xde: return map(take(2, (o) => d.getUint16(o)));
        case 0xdf: return map(take(4, (o) => d.getUint32(o)));
      }
      throw new Error("msgpack: unsupported type 0x" + t.toString(16));
    };
    return dec();
  },
};

const KIND = { hello: 1, welcome: 2, join: 3, joined: 4, error: 10, snapshot: 9 };

// playOverWebTransport joins room ("room/<name>") over WebTransport and
// calls onFrame with every frame [kind, object, seq, ack, payload] it
// receives. It returns a function that closes the session.
async function playOverWebTransport(room, token, onFrame) {
  const info = await (await fetch("/api/webtransport")).json();
  const hash = Uint8Array.from(atob(info.cert_sha256), (c) => c.charCodeAt(0));
  const wt = new WebTransport(info.url, { serverCertificateHashes: [{ algorithm: "sha-256", value: hash }] });
  await wt.ready;
  const stream = await wt.createBidirectionalStream();
  const writer = stream.writable.getWriter();
  const send = (frame) => {
    const body = msgpack.encode(frame);
    const msg = new Uint8Array(4 + body.length);
    new DataView(msg.buffer).setUint32(0, body.length);
    msg.set(body, 4);
    return writer.write(msg);
  };
  wt.closed.catch(() => {}); // closing is how a session ends
  readFrames(stream.readable, onFrame).catch(() => {});
  readDatagrams(wt.datagrams.readable, onFrame).catch(() => {});
  await send([KIND.hello, "", 0, 0, { version: 1, client: "hearth-dashboard/1" }]);
  const join = { data: {} };
  if (token) join.token = token;
  await send([KIND.join, room, 0, 0, join]);
  return () => wt.close();
}

async function readFrames(readable, onFrame) {
  const reader = readable.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    while (buf.length >= 4) {
      const n = new DataView(buf.buffer, buf.byteOffset).getUint32(0);
      if (buf.length < 4 + n) break;
      onFrame(msgpack.decode(buf.subarray(4, 4 + n)));
      buf = buf.slice(4 + n);
    }
  }
}

async function readDatagrams(readable, onFrame) {
  const reader = readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onFrame(msgpack.decode(value));
  }
}
