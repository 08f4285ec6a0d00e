// For each frame Chromium shows (requestVideoFrameCallback), the wall clock stamped in it by
// the camera stand-in (24 boxes, bit i white; tests/support/rtsp_camera.py's read_stamp)
// against the moment it is shown: window.delays, in seconds.
const query = new URLSearchParams(location.search);
const [x0, step, row, bits] = ["x", "step", "y", "bits"].map((k) => Number(query.get(k)));
const WRAP = 2 ** bits;
const video = document.getElementById("video");
const canvas = document.getElementById("canvas");
const context = canvas.getContext("2d", { willReadFrequently: true });
window.delays = [];

function stampOf() {
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  context.drawImage(video, 0, 0);
  const line = context.getImageData(0, row + 10, canvas.width, 1).data;
  let stamp = 0;
  for (let i = 0; i < bits; i += 1) {
    const at = (x0 + 10 + i * step) * 4; // RGBA; the boxes are white or black
    if (line[at] > 128) stamp += 2 ** i;
  }
  return stamp;
}

function onFrame(_now, frame) {
  const shown = Math.floor((performance.timeOrigin + frame.expectedDisplayTime) / 10) % WRAP;
  window.delays.push((((shown - stampOf()) % WRAP) + WRAP) % WRAP / 100);
  video.requestVideoFrameCallback(onFrame);
}

// The board's tile's settings (camshare/components/live_tile.jsx).
const hls = new Hls({ enableWorker: false, liveSyncDurationCount: 2 });
hls.loadSource(query.get("src"));
hls.attachMedia(video);
hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
video.requestVideoFrameCallback(onFrame);
