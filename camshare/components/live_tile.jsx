// One shared camera's live view on the request's board (hls.js, loaded only there).
// The credential in the URL lives ~2 minutes and the board renews it: every playlist and
// segment request is rewritten to the newest one, so playback never restarts. Once the
// server refuses (the share ended, 410), the player stops at once and says so.
import { useEffect, useRef, useState } from "react";
import Hls from "hls.js";

// ``src`` is the playlist's address with the first credential in it; ``credential`` the
// newest one, which replaces it in every request.
export function LiveTile({ src, credential, label, endedText, offlineText, offline }) {
  const video = useRef(null);
  const current = useRef(credential);
  const first = useRef(credential);
  const [ended, setEnded] = useState(false);
  current.current = credential;

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
      liveSyncDurationCount: 2,
      manifestLoadingMaxRetry: 60,
      manifestLoadingRetryDelay: 1000,
      xhrSetup: (xhr, url) => {
        xhr.open("GET", url.split(first.current).join(current.current), true);
      },
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      const status = data && data.response && data.response.code;
      if (status === 410 || status === 401 || status === 403) {
        hls.destroy();
        stop();
      } else if (data && data.fatal) {
        hls.startLoad();
      }
    });
    hls.loadSource(src);
    hls.attachMedia(element);
    hls.on(Hls.Events.MANIFEST_PARSED, () => element.play().catch(() => {}));
    return () => hls.destroy();
    // A renewed credential must not restart the player: only the first one starts it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [src ? "on" : "off"]);

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
