// A password-protected RTSP server (npm rtsp-streaming-server) for the live-view tests'
// camera stand-in: node rtsp_camera.js PUBLISH_PORT CLIENT_PORT RTP_START USER PASSWORD.
// Viewers (the bridge) must give USER/PASSWORD, or get 401; the publisher (ffmpeg's test
// pattern on loopback) needs none. Prints "ready" once both ports listen.
//
// The package sends RTP over UDP only (it answers 461 to RTP over TCP). Recorders behind
// Wi-Fi are read over TCP, the bridge's default, so viewers asking for TCP get the same
// packets interleaved in their RTSP connection (RFC 2326 10.12: "$", channel, length).
const RtspServer = require("rtsp-streaming-server").default;
const { ClientWrapper } = require("rtsp-streaming-server/build/lib/ClientWrapper");
const { getMountInfo } = require("rtsp-streaming-server/build/lib/utils");
const { randomUUID } = require("crypto");
const { Transform } = require("stream");

const [publishPort, clientPort, rtpStart, user, password] = process.argv.slice(2);
const server = new RtspServer({
  serverPort: Number(publishPort),
  clientPort: Number(clientPort),
  rtpPortStart: Number(rtpStart),
  rtpPortCount: 40,
  clientServerHooks: {
    authentication: async (name, secret) => name === user && secret === password,
  },
});

// One viewer's stream sent inside its RTSP connection (in place of the package's UDP Client).
class InterleavedClient {
  constructor(mount, req, channels) {
    this.id = randomUUID();
    this.open = true;
    this.mount = mount;
    this.stream = mount.streams[getMountInfo(req.uri).streamId];
    this.socket = req.socket;
    [this.rtpChannel, this.rtcpChannel] = channels;
  }

  play() {
    this.stream.clients[this.id] = this;
  }

  async close() {
    this.open = false;
    this.mount.clientLeave(this);
  }

  sendRtp(packet) {
    this.send(this.rtpChannel, packet);
  }

  sendRtcp(packet) {
    this.send(this.rtcpChannel, packet);
  }

  send(channel, packet) {
    if (!this.open || this.socket.destroyed) return;
    const head = Buffer.from([0x24, channel, packet.length >> 8, packet.length & 0xff]);
    this.socket.write(Buffer.concat([head, packet]));
  }
}

// What a TCP viewer sends in its connection besides requests (its RTCP receiver reports,
// interleaved) is cut out before the package's RTSP parser, which knows only requests.
function requestsOnly() {
  let pending = Buffer.alloc(0);
  let skip = 0;
  return new Transform({
    transform(chunk, _encoding, done) {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (skip > 0) {
          const cut = Math.min(skip, pending.length);
          pending = pending.subarray(cut);
          skip -= cut;
          if (skip > 0) break;
        }
        if (pending.length === 0) break;
        if (pending[0] === 0x24) {
          if (pending.length < 4) break;
          skip = 4 + pending.readUInt16BE(2);
          continue;
        }
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) break; // the rest of the request's header is still on its way
        this.push(pending.subarray(0, end + 4));
        pending = pending.subarray(end + 4);
      }
      done();
    },
  });
}

const clients = server.ClientServer;
clients.server.prependListener("connection", (socket) => {
  // The package pipes the connection into its parser: through the filter instead.
  const pipe = socket.pipe.bind(socket);
  socket.pipe = (parser, options) => pipe(requestsOnly()).pipe(parser, options);
});
const setupUdp = clients.setupRequest.bind(clients);
clients.setupRequest = async (req, res) => {
  const transport = req.headers.transport || "";
  if (!/tcp/i.test(transport)) return setupUdp(req, res);
  if (!(await clients.checkAuthenticated(req, res))) return res.end();
  const asked = transport.match(/interleaved=(\d+)-(\d+)/);
  const channels = asked ? [Number(asked[1]), Number(asked[2])] : [0, 1];
  let wrapper = req.headers.session && clients.clients[req.headers.session];
  if (!wrapper) {
    wrapper = new ClientWrapper(clients, req);
    clients.clients[wrapper.id] = wrapper;
    req.socket.once("close", () => clients.clients[wrapper.id] && wrapper.close());
  }
  const client = new InterleavedClient(wrapper.mount, req, channels);
  wrapper.clients[client.id] = client;
  res.setHeader("Session", `${wrapper.id};timeout=30`);
  res.setHeader("Transport", `RTP/AVP/TCP;unicast;interleaved=${channels[0]}-${channels[1]}`);
  return res.end();
};

server.start().then(
  () => console.log("ready"),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
// The test's process group is killed at the end; this is the backstop if it never is.
setTimeout(() => process.exit(0), 1800 * 1000).unref();
