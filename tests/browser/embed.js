// The embedding page's listener: only messages from the journey's frame and origin, whose data
// is a JSON string of an application state change (eventType 510). Accepted events are kept in
// window.journeyEvents (for the tests) and shown without their token; the others are counted.
"use strict";
(function () {
  const frame = document.getElementById("journey");
  const allowed = new URL(frame.src).origin;
  const shown = document.getElementById("events");
  window.journeyEvents = [];
  window.ignoredMessages = 0;
  window.addEventListener("message", (event) => {
    if (event.origin !== allowed || event.source !== frame.contentWindow) {
      window.ignoredMessages += 1;
      return;
    }
    let data;
    try {
      data = JSON.parse(event.data);
    } catch (_) {
      window.ignoredMessages += 1;
      return;
    }
    if (data === null || typeof data !== "object" || data.eventType !== 510) {
      window.ignoredMessages += 1;
      return;
    }
    window.journeyEvents.push({ raw: event.data, data: data });
    const value = data.payload && data.payload.value;
    const code = data.payload && data.payload.metainfo && data.payload.metainfo.code;
    shown.textContent += (shown.textContent ? " → " : "") + value + (code ? " (" + code + ")" : "");
  });
})();
