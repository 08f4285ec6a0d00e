// Calls onTick every `every` milliseconds while mounted: a page refreshes itself without a
// reload. Each tick is an ordinary event on the page's own connection, so it works the same
// with one backend worker or several behind Redis.
import { useEffect, useRef } from "react";

export function Ticker({ every, onTick }) {
  const tick = useRef(onTick);
  tick.current = onTick;
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.hidden && tick.current) tick.current();
    }, every || 1000);
    return () => clearInterval(timer);
  }, [every]);
  return null;
}
