// The owner's files, each sent with tus (tus-js-client): resumable after a dropped
// connection, a phone asleep or a reload (pick the same file again: it goes on where the
// server says it stopped). The link's token comes from the address, never from state.
import { useEffect, useRef, useState } from "react";
import * as tus from "tus-js-client";

const CHUNK = 5 * 1024 * 1024;
// Keep trying for minutes: a phone on a weak network loses it often and briefly.
const RETRIES = [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 60000, 60000, 60000];

function linkToken() {
  const parts = window.location.pathname.split("/").filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || "");
}

function say(messages, key, params) {
  let text = (messages && messages[key]) || key;
  for (const [name, value] of Object.entries(params || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

function sizeText(size) {
  for (const [unit, scale] of [["GB", 1024 ** 3], ["MB", 1024 ** 2], ["KB", 1024]]) {
    if (size >= scale) return (size / scale).toFixed(1) + " " + unit;
  }
  return size + " B";
}

function refusalOf(error) {
  const response = error && error.originalResponse;
  if (!response) return null;
  try {
    const detail = JSON.parse(response.getBody() || "{}").detail;
    if (detail && detail.key) return detail;
  } catch (_) {
    /* not ours: a proxy's page */
  }
  return null;
}

export function FootageUploader({ endpoint, messages, maxBytes, onDone, pickup }) {
  const [rows, setRows] = useState([]);
  const uploads = useRef({});
  const done = useRef(onDone);
  done.current = onDone;
  // A pickup (an officer sending an owner's export from the board) names the request and
  // the owner's answer instead of a link; the officer's session cookie authorises it.
  const token = pickup ? "pickup:" + pickup : linkToken();
  const headers = pickup ? { "Footage-Pickup": pickup } : { "Footage-Link": token };

  const update = (id, change) =>
    setRows((now) => now.map((row) => (row.id === id ? { ...row, ...change } : row)));

  const pick = (event) => {
    const picked = Array.from(event.target.files || []).map((file, index) => ({
      id: `${Date.now()}-${index}-${file.name}`,
      file,
      name: file.name,
      size: file.size,
      caption: "",
      state: "picked",
      sent: 0,
      problem: "",
      receipt: null,
    }));
    event.target.value = "";
    setRows((now) => [...now.filter((row) => row.state !== "picked"), ...picked]);
  };

  const start = (row) => {
    if (row.size === 0) {
      update(row.id, { state: "refused", problem: say(messages, "footage.refused.empty") });
      return;
    }
    if (Number(maxBytes) && row.size > Number(maxBytes)) {
      update(row.id, {
        state: "refused",
        problem: say(messages, "footage.too_large", { max_bytes: maxBytes }),
      });
      return;
    }
    const upload = new tus.Upload(row.file, {
      endpoint,
      chunkSize: CHUNK,
      retryDelays: RETRIES,
      headers,
      metadata: {
        filename: row.name,
        filetype: row.file.type || "application/octet-stream",
        caption: row.caption,
      },
      removeFingerprintOnSuccess: true,
      fingerprint: (file) =>
        Promise.resolve(["camshare-footage", token, file.name, file.size, file.lastModified].join("/")),
      onShouldRetry: (error) => {
        const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
        const retry = !(status >= 400 && status < 500 && status !== 409 && status !== 423);
        // Trying again by itself: say so, and keep the progress where the server has it.
        if (retry) {
          update(row.id, { state: "retrying", problem: say(messages, "footage.page.connection_lost") });
        }
        return retry;
      },
      onProgress: (sent) => update(row.id, { state: "sending", sent, problem: "" }),
      onError: (error) => {
        const refusal = refusalOf(error);
        update(row.id, {
          state: refusal ? "refused" : "paused",
          problem: refusal
            ? say(messages, refusal.key, refusal.params)
            : say(messages, "footage.page.connection_lost"),
        });
      },
      onSuccess: async () => {
        update(row.id, { state: "checking", sent: row.size });
        const answer = await fetch(upload.url + "/receipt", {
          headers,
          cache: "no-store",
        });
        const receipt = answer.ok ? await answer.json() : null;
        update(row.id, { state: "received", receipt });
        if (done.current) done.current(upload.url.split("/").pop());
      },
    });
    uploads.current[row.id] = upload;
    update(row.id, { state: "sending" });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  };

  const sendAll = () => rows.filter((row) => row.state === "picked").forEach(start);
  const resume = (row) => {
    const upload = uploads.current[row.id];
    if (upload) {
      update(row.id, { state: "sending", problem: "" });
      upload.start();
    }
  };
  // Back online: go on at once rather than at the next retry.
  useEffect(() => {
    const goOn = () =>
      setRows((now) => {
        now.filter((row) => row.state === "paused").forEach((row) => uploads.current[row.id]?.start());
        return now.map((row) => (row.state === "paused" ? { ...row, state: "sending", problem: "" } : row));
      });
    window.addEventListener("online", goOn);
    return () => window.removeEventListener("online", goOn);
  }, []);

  const picked = rows.some((row) => row.state === "picked");
  return (
    <div className="footage-uploader">
      <label htmlFor="footage-files" className="button secondary big">
        {say(messages, "footage.page.choose")}
      </label>
      <input
        id="footage-files"
        type="file"
        multiple
        accept="video/*,image/*,.dav,.264,.h264,.265,.mkv,.avi,.mov,.mp4"
        onChange={pick}
        className="visually-hidden-file"
        data-testid="footage-files"
      />
      <p className="hint">{say(messages, "footage.page.resume_hint")}</p>
      <ul className="footage-files" aria-live="polite">
        {rows.map((row) => (
          <li key={row.id} className={"footage-file " + row.state} data-testid="footage-file" data-state={row.state}>
            <p className="footage-name">
              <strong>{row.name}</strong> <span className="muted">{sizeText(row.size)}</span>
            </p>
            {row.state === "picked" && (
              <p>
                <label htmlFor={"caption-" + row.id}>{say(messages, "footage.page.caption")}</label>
                <input
                  id={"caption-" + row.id}
                  type="text"
                  maxLength={500}
                  value={row.caption}
                  onChange={(event) => update(row.id, { caption: event.target.value })}
                />
              </p>
            )}
            {["sending", "retrying", "paused", "checking"].includes(row.state) && (
              <p>
                <progress
                  max={row.size || 1}
                  value={row.sent}
                  aria-label={say(messages, "footage.page.progress", { name: row.name })}
                />{" "}
                <span data-testid="footage-percent">{Math.floor((100 * row.sent) / (row.size || 1))}%</span>
              </p>
            )}
            {row.problem && (
              <p role="alert" className="notice" data-testid="footage-problem">
                {row.problem}
              </p>
            )}
            {row.state === "paused" && (
              <button type="button" className="secondary" onClick={() => resume(row)}>
                {say(messages, "footage.page.resume")}
              </button>
            )}
            {row.state === "received" && row.receipt && (
              <dl className="footage-receipt" data-testid="footage-receipt">
                <dt>{say(messages, "footage.page.received_at")}</dt>
                <dd>{new Date(row.receipt.received_at).toLocaleString()}</dd>
                <dt>{say(messages, "footage.page.sha256")}</dt>
                <dd className="hash" data-testid="footage-sha256">{row.receipt.sha256}</dd>
              </dl>
            )}
          </li>
        ))}
      </ul>
      {picked && (
        <button type="button" className="primary big" onClick={sendAll} id="footage-send">
          {say(messages, "footage.page.send")}
        </button>
      )}
    </div>
  );
}
