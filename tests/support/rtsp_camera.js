// A password-protected RTSP server (npm rtsp-streaming-server) for the live-view tests'
// camera stand-in: node rtsp_camera.js PUBLISH_PORT CLIENT_PORT RTP_START USER PASSWORD.
// Viewers (the bridge) must give USER/PASSWORD, or get 401; the publisher (ffmpeg's test
// pattern on loopback) needs none. Prints "ready" once both ports listen.
const RtspServer = require("rtsp-streaming-server").default;

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
server.start().then(
  () => console.log("ready"),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
// The test's process group is killed at the end; this is the backstop if it never is.
setTimeout(() => process.exit(0), 1800 * 1000).unref();
