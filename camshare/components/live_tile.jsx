// One shared camera's live view on the request's board (hls.js, loaded only there).
// The credential in the URL lives ~2 minutes and the board renews it: every playlist and
// segment request is rewritten to the newest one, so playback never restarts. Once the
// server refuses (the share ended, 410), the player stops at once and says so.
import { useEffect, useRef, useState } from "react";
import Hls from "hls.js";

// ``src`` is the playlist's address with the first credential in it; ``credential`` the
// newest one, which replaces it in every request. Before the bridge's first segment, and
// after a long camera outage, the playlist is not there (404, which hls.js never retries):
// the player asks again every second until it is. When the camera comes back after being
// offline, the bridge's new run starts its clock afresh: the player starts afresh with it.
export function LiveTile({ src, credential, label, endedText, offlineText, offline }) {
  const video = useRef(null);
  const current = useRef(credential);
  const first = useRef(credential);
  const [ended, setEnded] = useState(false);
  const [run, setRun] = useState(0);
  const wasOffline = useRef(false);
  current.current = credential;

  useEffect(() => {
    if (offline) wasOffline.current = true;
    else if (wasOffline.current) {
      wasOffline.current = false;
      setRun((n) => n + 1);
    }
  }, [offline]);

  useEffect(() => {
    if (!src || !credential || !video.current) return undefined;
    first.current = credential;
    const element = video.current;
    const stop = () => {
      setEnded(true);
      element.pause();
      element.removeAttribute("src");
    };
    if (!Hls.isSupported()) {
      element.src = src; // Safari plays HLS itself
      element.play().catch(() => {});
      return () => element.removeAttribute("src");
    }
    const hls = new Hls({
      // Its worker would come from a blob: URL, which the page's CSP (worker-src) refuses.
      enableWorker: false,
      liveSyncDurationCount: 2,
      manifestLoadingMaxRetry: 60,
      manifestLoadingRetryDelay: 1000,
      xhrSetup: (xhr, url) => {
        xhr.open("GET", url.split(first.current).join(current.current), true);
      },
    });
    let again = null;
    const playlistError = [Hls.ErrorDetails.MANIFEST_LOAD_ERROR, Hls.ErrorDetails.LEVEL_LOAD_ERROR];
    hls.on(Hls.Events.ERROR, (_event, data) => {
      const status = data && data.response && data.response.code;
      if (status === 410 || status === 401 || status === 403) {
        clearTimeout(again);
        hls.destroy();
        stop();
      } else if (status === 404 && data.fatal && playlistError.includes(data.details)) {
        clearTimeout(again);
        again = setTimeout(() => hls.loadSource(src), 1000);
      } else if (data && data.fatal) {
        hls.startLoad();
      }
    });
    hls.loadSource(src);
    hls.attachMedia(element);
    hls.on(Hls.Events.MANIFEST_PARSED, () => element.play().catch(() => {}));
    return () => {
      clearTimeout(again);
      hls.destroy();
    };
    // A renewed credential must not restart the player: only the first one starts it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src ? "on" : "off", run]);

  return (
    <div className="live-tile">
      <video
        ref={video}
        muted
        playsInline
        controls
        aria-label={label}
        data-ended={ended ? "true" : "false"}
        style={{ width: "100%", background: "#000", aspectRatio: "16 / 9" }}
      />
      {ended ? <p role="status">{endedText}</p> : null}
      {!ended && offline ? <p role="status">{offlineText}</p> : null}
    </div>
  );
}
