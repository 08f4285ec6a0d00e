// Keeps the document itself in the page's language: <html lang> (the build fixes it to one
// language) and the web app manifest, so an installed app is named in the visitor's language.
import { useEffect } from "react";

export function DocumentLanguage({ lang, manifest }) {
  useEffect(() => {
    if (lang) document.documentElement.lang = lang;
    const link = document.querySelector('link[rel="manifest"]');
    if (link && manifest && link.getAttribute("href") !== manifest) link.setAttribute("href", manifest);
  }, [lang, manifest]);
  return null;
}
