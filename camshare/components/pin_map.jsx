// A Leaflet map with one draggable pin. Loaded lazily (NoSSR) so the first screen of the
// sign-up does not pay for it. The pin is a CSS div icon: no image files to resolve.
import { useEffect, useRef, useState } from "react";
import L from "leaflet";
import "leaflet/dist/leaflet.css";

const pinIcon = L.divIcon({
  className: "pin-map-marker",
  html: '<span aria-hidden="true"></span>',
  iconSize: [40, 52],
  iconAnchor: [20, 52],
});

export function PinMap({ lat, lon, zoom, tileUrl, attribution, label, zoomInLabel, zoomOutLabel, tilesFailedLabel, radius, points, showPin = true, onMove }) {
  const container = useRef(null);
  const tiles = useRef(null);
  // Tiles that cannot load (no network for the tile server, a blocked host) would leave a
  // blank square: say so instead, in the page's language; the pin and buttons still work.
  const [tilesFailed, setTilesFailed] = useState(false);
  const map = useRef(null);
  const marker = useRef(null);
  const circle = useRef(null);
  const dots = useRef(null);
  const moved = useRef(onMove);
  moved.current = onMove;

  useEffect(() => {
    map.current = L.map(container.current, { zoomControl: false }).setView([lat, lon], zoom || 17);
    // Leaflet's own zoom buttons speak English; these carry the page's language.
    L.control.zoom({ zoomInTitle: zoomInLabel, zoomOutTitle: zoomOutLabel }).addTo(map.current);
    tiles.current = L.tileLayer(tileUrl, { attribution, maxZoom: 19 }).addTo(map.current);
    tiles.current.on("tileerror", () => setTilesFailed(true));
    tiles.current.on("tileload", () => setTilesFailed(false));
    if (showPin) {
      marker.current = L.marker([lat, lon], {
        draggable: true,
        autoPan: true,
        icon: pinIcon,
        title: label,
        alt: label,
      }).addTo(map.current);
      const report = (point) => moved.current && moved.current(point.lat, point.lng);
      marker.current.on("dragend", () => report(marker.current.getLatLng()));
      map.current.on("click", (event) => {
        marker.current.setLatLng(event.latlng);
        report(event.latlng);
      });
    }
    dots.current = L.layerGroup().addTo(map.current);
    return () => map.current.remove();
  }, []);

  // The credit follows the page's language.
  useEffect(() => {
    if (!tiles.current || tiles.current.getAttribution() === attribution) return;
    map.current.attributionControl.removeAttribution(tiles.current.getAttribution());
    tiles.current.options.attribution = attribution;
    map.current.attributionControl.addAttribution(attribution);
  }, [attribution]);

  useEffect(() => {
    if (!map.current) return;
    if (circle.current) circle.current.remove();
    circle.current = radius > 0 ? L.circle([lat, lon], { radius, weight: 2, fillOpacity: 0.08 }).addTo(map.current) : null;
  }, [lat, lon, radius]);

  useEffect(() => {
    if (!dots.current) return;
    dots.current.clearLayers();
    (points || []).forEach((p) =>
      L.circleMarker([Number(p.lat), Number(p.lon)], { radius: 7, weight: 2, color: "#b35c00", fillOpacity: 0.8 }).addTo(dots.current)
    );
  }, [points]);

  useEffect(() => {
    if (!marker.current) return;
    const here = marker.current.getLatLng();
    if (Math.abs(here.lat - lat) > 1e-7 || Math.abs(here.lng - lon) > 1e-7) {
      marker.current.setLatLng([lat, lon]);
      map.current.setView([lat, lon]);
    }
  }, [lat, lon]);

  return (
    <div className="pin-map-wrap">
      <div ref={container} className="pin-map" role="application" aria-label={label} />
      {tilesFailed && tilesFailedLabel ? (
        <p className="map-tiles-failed" role="status">{tilesFailedLabel}</p>
      ) : null}
    </div>
  );
}
